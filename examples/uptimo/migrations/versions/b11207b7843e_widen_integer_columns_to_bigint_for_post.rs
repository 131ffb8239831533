//! widen integer columns to bigint for postgresql
//!
//! Revision ID: b11207b7843e
//! Revises: 2d686ab55aa2
//! Create Date: 2026-12-07 16:42:27.028034

use alembic_runtime::prelude::*;

pub const REVISION: &str = "b11207b7843e";
pub const DOWN_REVISION: &[&str] = &["2d686ab55aa2"];
pub const BRANCH_LABELS: &[&str] = &[];
pub const DEPENDS_ON: &[&str] = &[];

pub fn upgrade(op: &mut Op) -> Result<()> {
    // Written by autogenerate on PostgreSQL, where the models' i64 columns are BIGINT and the
    // history (written on SQLite) made them INTEGER. On SQLite every integer type stores the
    // same 64-bit integers, and the runtime leaves these tables as they are.
    op.batch_alter_table("check_result", |batch| {
        batch.alter_column("id", AlterColumn::new().sql_type(Type::BigInt));
        batch.alter_column("monitor_id", AlterColumn::new().sql_type(Type::BigInt));
        batch.alter_column("latency_ms", AlterColumn::new().sql_type(Type::BigInt));
    })?;
    op.batch_alter_table("incident", |batch| {
        batch.alter_column("id", AlterColumn::new().sql_type(Type::BigInt));
        batch.alter_column("monitor_id", AlterColumn::new().sql_type(Type::BigInt));
    })?;
    op.batch_alter_table("monitor", |batch| {
        batch.alter_column("id", AlterColumn::new().sql_type(Type::BigInt));
        batch.alter_column("owner_id", AlterColumn::new().sql_type(Type::BigInt));
        batch.alter_column("interval_secs", AlterColumn::new().sql_type(Type::BigInt));
    })?;
    op.alter_column("user", "id", AlterColumn::new().sql_type(Type::BigInt))?;
    Ok(())
}

pub fn downgrade(op: &mut Op) -> Result<()> {
    op.batch_alter_table("check_result", |batch| {
        batch.alter_column("id", AlterColumn::new().sql_type(Type::Integer));
        batch.alter_column("monitor_id", AlterColumn::new().sql_type(Type::Integer));
        batch.alter_column("latency_ms", AlterColumn::new().sql_type(Type::Integer));
    })?;
    op.batch_alter_table("incident", |batch| {
        batch.alter_column("id", AlterColumn::new().sql_type(Type::Integer));
        batch.alter_column("monitor_id", AlterColumn::new().sql_type(Type::Integer));
    })?;
    op.batch_alter_table("monitor", |batch| {
        batch.alter_column("id", AlterColumn::new().sql_type(Type::Integer));
        batch.alter_column("owner_id", AlterColumn::new().sql_type(Type::Integer));
        batch.alter_column("interval_secs", AlterColumn::new().sql_type(Type::Integer));
    })?;
    op.alter_column("user", "id", AlterColumn::new().sql_type(Type::Integer))?;
    Ok(())
}
