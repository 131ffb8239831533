//! add incident
//!
//! Revision ID: df09a87e4306
//! Revises: afd80ff01623
//! Create Date: 2026-11-24 05:50:25.053560

use alembic_runtime::prelude::*;

pub const REVISION: &str = "df09a87e4306";
pub const DOWN_REVISION: &[&str] = &["afd80ff01623"];
pub const BRANCH_LABELS: &[&str] = &[];
pub const DEPENDS_ON: &[&str] = &[];

pub fn upgrade(op: &mut Op) -> Result<()> {
    op.create_table(
        Table::new("incident")
            .column(Column::new("id", Type::Integer))
            .column(Column::new("monitor_id", Type::Integer))
            .column(Column::new("opened_at", Type::Text).default_sql("CURRENT_TIMESTAMP"))
            .column(Column::new("closed_at", Type::Text).nullable())
            .column(Column::new("cause", Type::Text).nullable())
            .primary_key(&["id"])
            .foreign_key(ForeignKey::new(&["monitor_id"], "monitor", &["id"]).on_delete("CASCADE")),
    )?;
    Ok(())
}

pub fn downgrade(op: &mut Op) -> Result<()> {
    // Destructive: drops table 'incident' and every row in it.
    op.drop_table("incident")?;
    Ok(())
}
