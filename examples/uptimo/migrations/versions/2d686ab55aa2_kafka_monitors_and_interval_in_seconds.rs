//! kafka monitors and interval in seconds
//!
//! Revision ID: 2d686ab55aa2
//! Revises: df09a87e4306
//! Create Date: 2026-11-24 05:50:25.386050

use alembic_runtime::prelude::*;

pub const REVISION: &str = "2d686ab55aa2";
pub const DOWN_REVISION: &[&str] = &["df09a87e4306"];
pub const BRANCH_LABELS: &[&str] = &[];
pub const DEPENDS_ON: &[&str] = &[];

pub fn upgrade(op: &mut Op) -> Result<()> {
    op.alter_column(
        "check_result",
        "status",
        AlterColumn::new().sql_type(Type::sql("VARCHAR(32)")),
    )?;
    op.alter_column(
        "monitor",
        "check_interval",
        AlterColumn::new().rename("interval_secs"),
    )?;
    op.add_column(
        "monitor",
        Column::new("kind", Type::sql("VARCHAR(10)")).default_sql("'http'"),
    )?;
    op.add_column(
        "monitor",
        Column::new("kafka_bootstrap", Type::Text).nullable(),
    )?;
    op.add_column("monitor", Column::new("kafka_topic", Type::Text).nullable())?;
    op.create_check_constraint("ck_monitor_interval", "monitor", "interval_secs > 0")?;
    Ok(())
}

pub fn downgrade(op: &mut Op) -> Result<()> {
    op.alter_column(
        "check_result",
        "status",
        AlterColumn::new().sql_type(Type::sql("VARCHAR(20)")),
    )?;
    op.batch_alter_table("monitor", |batch| {
        batch.alter_column("interval_secs", AlterColumn::new().rename("check_interval"));
        batch.drop_constraint("ck_monitor_interval");
        // Destructive: drops column 'monitor.kind' and its data.
        batch.drop_column("kind");
        // Destructive: drops column 'monitor.kafka_bootstrap' and its data.
        batch.drop_column("kafka_bootstrap");
        // Destructive: drops column 'monitor.kafka_topic' and its data.
        batch.drop_column("kafka_topic");
    })?;
    Ok(())
}
