//! The read-side API, stamp, the version table's exact shape, and the at-head fast path.

use std::time::Duration;

use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{version_table, Migrations};

use crate::common::{locked_database, migrations, LockedDatabase};
use crate::db::{on_both, Db};

/// 1 -> 2 -> {3a (label "alpha"), 3b}
fn branched() -> &'static Migrations {
    migrations(&[
        ("1111aaaa0001", &[], &[], &[]),
        ("2222aaaa0002", &["1111aaaa0001"], &[], &[]),
        ("3333aaaa0003", &["2222aaaa0002"], &["alpha"], &[]),
        ("3333bbbb0004", &["2222aaaa0002"], &[], &[]),
    ])
}

fn revisions(list: Vec<&alembic_runtime::Migration>) -> Vec<&str> {
    list.into_iter().map(|m| m.revision).collect()
}

#[test]
fn the_version_table_is_alembics_to_the_byte() {
    let mut conn = Connection::open_in_memory().unwrap();
    branched().upgrade(&mut conn, "1111").unwrap();
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'alembic_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // As recorded from Python Alembic 1.20.1 on SQLite (shared/reference/alembic-behaviour.md §3).
    assert_eq!(
        sql,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
    );
    assert_eq!(sql, version_table::CREATE);
}

on_both! {
    current_heads_history_and_pending: history;
    stamp_moves_rows_without_running_migrations: stamps;
    stamp_purge_replaces_rows_even_unknown_ones: purges;
}

fn history(db: &mut impl Db) {
    let m = branched();
    assert!(m.current(db.db()).unwrap().is_empty());
    assert_eq!(m.heads().unwrap(), ["3333aaaa0003", "3333bbbb0004"]);
    assert_eq!(revisions(m.pending(db.db()).unwrap()).len(), 4);

    assert_eq!(
        m.upgrade(db.db(), "alpha@head").unwrap(),
        ["1111aaaa0001", "2222aaaa0002", "3333aaaa0003"]
    );
    assert_eq!(m.current(db.db()).unwrap(), ["3333aaaa0003"]);
    assert_eq!(revisions(m.pending(db.db()).unwrap()), ["3333bbbb0004"]);
    // Alembic's history order: the heads in id order, each line down to where the next
    // head's line joins it.
    assert_eq!(
        revisions(m.history().unwrap()),
        [
            "3333aaaa0003",
            "3333bbbb0004",
            "2222aaaa0002",
            "1111aaaa0001"
        ]
    );
    assert_eq!(
        revisions(m.history_range(db.db(), "1111:current").unwrap()),
        ["3333aaaa0003", "2222aaaa0002", "1111aaaa0001"]
    );
    assert_eq!(
        revisions(m.history_range(db.db(), "current:").unwrap()),
        ["3333aaaa0003"]
    );
}

fn stamps(db: &mut impl Db) {
    let m = branched();
    assert_eq!(
        m.stamp(db.db(), &["heads"], false).unwrap(),
        ["3333aaaa0003", "3333bbbb0004"]
    );
    assert_eq!(db.tables(), ["alembic_version"], "no migration ran");
    assert_eq!(
        m.stamp(db.db(), &["2222"], false).unwrap(),
        ["2222aaaa0002"]
    );
    assert_eq!(
        m.stamp(db.db(), &["3333bbbb"], false).unwrap(),
        ["3333bbbb0004"]
    );
    assert_eq!(
        m.stamp(db.db(), &["alpha"], false).unwrap(),
        ["3333aaaa0003", "3333bbbb0004"]
    );
    assert_eq!(
        m.stamp(db.db(), &["base"], false).unwrap(),
        Vec::<&str>::new()
    );
    assert_eq!(
        db.version_rows().unwrap(),
        Vec::<String>::new(),
        "the table stays, empty"
    );
    assert_eq!(
        m.stamp(db.db(), &["head"], false).unwrap_err().to_string(),
        "Multiple heads are present; please specify a single target revision"
    );
    assert_eq!(
        m.stamp(db.db(), &["3333aaaa", "2222"], false)
            .unwrap_err()
            .to_string(),
        "Revision 2222aaaa0002 is an ancestor of 3333aaaa0003; stamp only 3333aaaa0003"
    );
}

fn purges(db: &mut impl Db) {
    let m = branched();
    m.upgrade(db.db(), "1111").unwrap();
    db.execute("INSERT INTO alembic_version VALUES ('0123456789ab')");
    assert!(
        m.stamp(db.db(), &["2222"], false)
            .unwrap_err()
            .to_string()
            .contains("'0123456789ab'"),
        "an unknown row blocks a plain stamp"
    );
    assert_eq!(m.stamp(db.db(), &["2222"], true).unwrap(), ["2222aaaa0002"]);
    assert_eq!(db.version_rows().unwrap(), ["2222aaaa0002"]);
}

#[test]
fn at_head_upgrade_takes_no_write_lock_and_writes_nothing() {
    let LockedDatabase {
        migrations: m,
        mut conn,
        holder,
        ..
    } = locked_database("head", Duration::ZERO);
    let total_changes = |c: &Connection| -> i64 {
        c.query_row("SELECT total_changes()", [], |r| r.get(0))
            .unwrap()
    };
    let changes_before = total_changes(&conn);
    assert!(m.upgrade(&mut conn, "head").unwrap().is_empty());
    assert!(m.upgrade(&mut conn, "heads").unwrap().is_empty());
    assert!(m.upgrade(&mut conn, "bbbb").unwrap().is_empty());
    assert_eq!(total_changes(&conn), changes_before);
    drop(holder);
}

#[test]
fn declared_heads_skip_validation_at_head_and_are_checked_otherwise() {
    let m = migrations(&[("aaaa00000001", &[], &[], &[])]);
    let declared: &'static Migrations = Box::leak(Box::new(
        Migrations::new(m.list()).with_known_heads(&["aaaa00000001"]),
    ));
    let stale: &'static Migrations = Box::leak(Box::new(
        Migrations::new(m.list()).with_known_heads(&["ffff00000000"]),
    ));

    let mut conn = Connection::open_in_memory().unwrap();
    assert_eq!(
        declared.upgrade(&mut conn, "head").unwrap(),
        ["aaaa00000001"]
    );
    assert!(declared.upgrade(&mut conn, "head").unwrap().is_empty());
    assert!(declared.pending(&conn).unwrap().is_empty());
    // At the declared heads, neither upgrade nor pending builds the graph: this list's
    // second migration names an unknown parent, which only a graph build would notice.
    let broken = migrations(&[
        ("aaaa00000001", &[], &[], &[]),
        ("bbbb00000002", &["ffff00000000"], &[], &[]),
    ]);
    let broken: &'static Migrations = Box::leak(Box::new(
        Migrations::new(broken.list()).with_known_heads(&["aaaa00000001"]),
    ));
    assert!(broken.upgrade(&mut conn, "head").unwrap().is_empty());
    assert!(broken.pending(&conn).unwrap().is_empty());
    assert!(broken.heads().is_err());
    assert_eq!(
        stale.upgrade(&mut conn, "head").unwrap_err().to_string(),
        "invalid migrations: The heads declared for these migrations (ffff00000000) are not their heads \
         (aaaa00000001); the generated migration list is stale, rebuild the application"
    );
}

#[test]
fn the_migrations_schema_and_verifying_models_against_a_database_at_head() {
    use alembic_runtime::prelude::{Column, Type};
    use alembic_runtime::Error;

    let m = migrations(&[
        ("aaaa0001beef", &[], &[], &[]),
        ("aaaa0002beef", &["aaaa0001beef"], &[], &[]),
    ]);
    let schema = m.schema().unwrap();
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["alembic_version", "t0", "runs", "t1"]);

    let mut conn = Connection::open_in_memory().unwrap();
    m.upgrade(&mut conn, "aaaa0001beef").unwrap();
    let models = schema.tables.clone();
    for err in [
        m.head_schema(&conn).unwrap_err(),
        m.verify_models(&conn, &models).unwrap_err(),
    ] {
        assert!(matches!(err, Error::NotUpToDate), "{err}");
        assert_eq!(err.to_string(), "Target database is not up to date.");
    }

    m.upgrade(&mut conn, "head").unwrap();
    m.verify_models(&conn, &models).unwrap();
    let mut changed: Vec<_> = models.into_iter().filter(|t| t.name != "runs").collect();
    changed[2]
        .columns
        .push(Column::new("note", Type::Text).nullable());
    assert_eq!(
        m.verify_models(&conn, &changed).unwrap_err().to_string(),
        "the database does not match the models (2 difference(s)); generate a migration with \
         `cargo alembic revision --autogenerate`:\n  Detected removed table 'runs'\n  \
         Detected added column 't1.note'"
    );

    // Models that match the migrations, and a database changed by hand: the advice is not
    // autogenerate, which would find nothing.
    let models = m.schema().unwrap().tables;
    conn.execute_batch("ALTER TABLE t1 ADD COLUMN by_hand TEXT")
        .unwrap();
    let err = m.verify_models(&conn, &models).unwrap_err();
    assert!(
        matches!(&err, Error::Drift(lines) if lines == &["Detected added column 't1.by_hand'"]),
        "{err}"
    );
    assert!(
        err.to_string().starts_with(
            "the database differs from the schema its migrations produce (1 difference(s)), while the \
             models match the migrations: it was changed outside the migrations"
        ),
        "{err}"
    );
}
