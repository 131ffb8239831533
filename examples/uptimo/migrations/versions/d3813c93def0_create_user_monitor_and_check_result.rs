//! create user, monitor and check_result
//!
//! Revision ID: d3813c93def0
//! Revises:
//! Create Date: 2026-11-24 05:50:16.841329

use alembic_runtime::prelude::*;

pub const REVISION: &str = "d3813c93def0";
pub const DOWN_REVISION: &[&str] = &[];
pub const BRANCH_LABELS: &[&str] = &[];
pub const DEPENDS_ON: &[&str] = &[];

pub fn upgrade(op: &mut Op) -> Result<()> {
    op.create_table(
        Table::new("user")
            .column(Column::new("id", Type::Integer))
            .column(Column::new("email", Type::Text))
            .column(Column::new("created", Type::Text).default_sql("CURRENT_TIMESTAMP"))
            .primary_key(&["id"])
            .unique(None, &["email"]),
    )?;
    op.create_table(
        Table::new("monitor")
            .column(Column::new("id", Type::Integer))
            .column(Column::new("name", Type::sql("VARCHAR(100)")))
            .column(Column::new("url", Type::Text))
            .column(Column::new("status", Type::Text).default_sql("'active'"))
            .column(Column::new("owner_id", Type::Integer).nullable())
            .column(Column::new("check_interval", Type::Integer).default_sql("60"))
            .primary_key(&["id"])
            .foreign_key(ForeignKey::new(&["owner_id"], "user", &["id"]).on_delete("CASCADE"))
            .index(Index::new("ix_monitor_url", &["url"]))
            .index(Index::new("idx_monitor_name", &["name"])),
    )?;
    op.create_table(
        Table::new("check_result")
            .column(Column::new("id", Type::Integer))
            .column(Column::new("monitor_id", Type::Integer))
            .column(Column::new("checked_at", Type::Text).default_sql("CURRENT_TIMESTAMP"))
            .column(Column::new("status", Type::sql("VARCHAR(20)")))
            .column(Column::new("latency_ms", Type::Integer).nullable())
            .column(Column::new("detail", Type::Text).nullable())
            .primary_key(&["id"])
            .foreign_key(ForeignKey::new(&["monitor_id"], "monitor", &["id"]).on_delete("CASCADE")),
    )?;
    Ok(())
}

pub fn downgrade(op: &mut Op) -> Result<()> {
    // Destructive: drops table 'check_result' and every row in it.
    op.drop_table("check_result")?;
    // Destructive: drops table 'monitor' and every row in it.
    op.drop_table("monitor")?;
    // Destructive: drops table 'user' and every row in it.
    op.drop_table("user")?;
    Ok(())
}
