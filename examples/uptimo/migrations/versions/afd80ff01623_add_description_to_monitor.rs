//! add description to monitor
//!
//! Revision ID: afd80ff01623
//! Revises: d3813c93def0
//! Create Date: 2026-11-24 05:50:24.746497

use alembic_runtime::prelude::*;

pub const REVISION: &str = "afd80ff01623";
pub const DOWN_REVISION: &[&str] = &["d3813c93def0"];
pub const BRANCH_LABELS: &[&str] = &[];
pub const DEPENDS_ON: &[&str] = &[];

pub fn upgrade(op: &mut Op) -> Result<()> {
    op.add_column("monitor", Column::new("description", Type::Text).nullable())?;
    Ok(())
}

pub fn downgrade(op: &mut Op) -> Result<()> {
    // Destructive: drops column 'monitor.description' and its data.
    op.drop_column("monitor", "description")?;
    Ok(())
}
