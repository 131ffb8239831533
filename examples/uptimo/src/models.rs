//! The tables uptimo keeps, as models: `cargo alembic revision --autogenerate` compares these
//! with what the migrations produce, and the binary checks them against its database at boot.
//! uptimo reads and writes rows with SQL, so the fields themselves are never read.
#![allow(dead_code)]

use alembic_runtime::schema::sql::Dialect;
use alembic_runtime::schema::Table;
use alembic_runtime::Model;

/// Someone who owns monitors.
#[derive(Debug, Model)]
pub struct User {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(unique)]
    pub email: String,
    #[alembic(default = "CURRENT_TIMESTAMP")]
    pub created: String,
}

/// Something to watch: a URL, or a Kafka cluster's bootstrap servers and a topic.
#[derive(Debug, Model)]
#[alembic(index(name = "idx_monitor_name", columns = ["name"]))]
#[alembic(check(name = "ck_monitor_interval", sql = "interval_secs > 0"))]
pub struct Monitor {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(sql_type = "VARCHAR(100)")]
    pub name: String,
    #[alembic(index)]
    pub url: String,
    #[alembic(default = "'active'")]
    pub status: String,
    pub description: Option<String>,
    #[alembic(references = "user.id", on_delete = "CASCADE")]
    pub owner_id: Option<i64>,
    #[alembic(default = "60", renamed_from = "check_interval")]
    pub interval_secs: i64,
    /// `http` or `kafka`.
    #[alembic(sql_type = "VARCHAR(10)", default = "'http'")]
    pub kind: String,
    /// Kafka monitors: `host:port[,host:port…]`.
    pub kafka_bootstrap: Option<String>,
    /// Kafka monitors: the topic to watch.
    pub kafka_topic: Option<String>,
}

/// One probe of a monitor.
#[derive(Debug, Model)]
pub struct CheckResult {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(references = "monitor.id", on_delete = "CASCADE")]
    pub monitor_id: i64,
    #[alembic(default = "CURRENT_TIMESTAMP")]
    pub checked_at: String,
    #[alembic(sql_type = "VARCHAR(32)")]
    pub status: String,
    pub latency_ms: Option<i64>,
    pub detail: Option<String>,
}

/// A stretch of time a monitor was down.
#[derive(Debug, Model)]
pub struct Incident {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(references = "monitor.id", on_delete = "CASCADE")]
    pub monitor_id: i64,
    #[alembic(default = "CURRENT_TIMESTAMP")]
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub cause: Option<String>,
}

/// Every model as a database of `dialect` declares it (`i64` is `INTEGER` on SQLite,
/// `BIGINT` on PostgreSQL), for checking the database at boot.
pub fn all(dialect: Dialect) -> Vec<Table> {
    vec![
        User::table_for(dialect),
        Monitor::table_for(dialect),
        CheckResult::table_for(dialect),
        Incident::table_for(dialect),
    ]
}
