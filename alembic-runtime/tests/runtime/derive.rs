//! `#[derive(Model)]`: the table a struct declares, created in SQLite and compared back.
#![cfg(feature = "derive")]

use alembic_core::schema::diff::{diff, Renames};
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::schema::Schema;
use alembic_runtime::{apply, introspect, Model};

#[derive(Model)]
#[allow(dead_code)]
struct User {
    #[alembic(primary_key)]
    id: i64,
    #[alembic(unique)]
    email: String,
}

#[derive(Model)]
#[alembic(table = "monitor")]
#[alembic(index(name = "idx_monitor_name", columns = ["name"]))]
#[alembic(unique(name = "uq_monitor_url_owner", columns = ["url", "owner_id"]))]
#[alembic(check(name = "ck_monitor_interval", sql = "interval_secs > 0"))]
#[allow(dead_code)]
struct Monitor {
    #[alembic(primary_key)]
    id: i64,
    #[alembic(sql_type = "VARCHAR(100)")]
    name: String,
    #[alembic(index)]
    url: String,
    #[alembic(default = "'active'")]
    status: String,
    description: Option<String>,
    #[alembic(references = "user.id", on_delete = "CASCADE")]
    owner_id: i64,
    #[alembic(column = "created")]
    created_at: String,
    interval_secs: i64,
    #[alembic(skip)]
    cached_status: Vec<String>,
}

#[test]
fn derived_tables_are_created_exactly_as_declared() {
    let models = Schema {
        tables: vec![User::table(), Monitor::table()],
        ..Schema::default()
    };
    assert_eq!(Monitor::table().columns.len(), 8);
    assert_eq!(Monitor::table().indexes[0].name, "ix_monitor_url");
    let mut conn = Connection::open_in_memory().unwrap();
    apply(&mut conn, |op| {
        models
            .tables
            .iter()
            .try_for_each(|t| op.create_table(t.clone()))
    })
    .unwrap();
    let created = introspect::schema(&conn).unwrap();
    assert!(diff(&created, &models, &Renames::default(), &[]).is_empty());
}
