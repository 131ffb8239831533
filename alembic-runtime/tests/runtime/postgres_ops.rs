//! Every operation and every type of DESIGN §6 and §12 on a real PostgreSQL server: a
//! history that uses each, upgraded one step at a time and downgraded back, each downgrade
//! restoring the exact catalog and rows before it; the schema at head read back from
//! `pg_catalog`, written out as DDL, applied to an empty database and read again unchanged;
//! and a failure injected at every operation of the history leaving schema, data and
//! version rows as they were.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use alembic_core::schema::sql::{index_sql, Dialect};
use alembic_runtime::prelude::*;
use alembic_runtime::{Migration, Migrations};

use crate::common::migration;
use crate::db::{Db, Postgres};

/// The operation counter the failure injection uses: the operation numbered `FAIL_AT`
/// fails (0: none does).
static FAIL_AT: AtomicUsize = AtomicUsize::new(0);
static SEEN: AtomicUsize = AtomicUsize::new(0);
/// The counters are the history's: its tests take turns.
static SERIAL: Mutex<()> = Mutex::new(());

/// Counts one operation, and fails it when it is the one chosen.
fn next(op: &mut Op) -> Result<()> {
    let n = SEEN.fetch_add(1, Ordering::SeqCst) + 1;
    if n == FAIL_AT.load(Ordering::SeqCst) {
        op.execute("SELECT 1 / 0")?;
    }
    Ok(())
}

fn create_monitor(op: &mut Op) -> Result<()> {
    next(op)?;
    op.create_table(
        Table::new("monitor")
            .column(Column::new("id", Type::Integer))
            .column(Column::new("url", Type::Text))
            .column(Column::new("status", Type::Text).default_sql("'active'"))
            .column(Column::new("checked_at", Type::DateTime).nullable())
            .primary_key(&["id"])
            .index(Index::new("ix_monitor_checked_at", &["checked_at"])),
    )?;
    next(op)?;
    op.bulk_insert(
        "monitor",
        &["url", "status"],
        &[
            vec![
                Value::Text("https://a.example".into()),
                Value::Text("active".into()),
            ],
            vec![
                Value::Text("https://o'neil.example".into()),
                Value::Text("paused".into()),
            ],
        ],
    )
}
fn drop_monitor(op: &mut Op) -> Result<()> {
    next(op)?;
    op.drop_table("monitor")
}

fn add_description(op: &mut Op) -> Result<()> {
    next(op)?;
    op.add_column("monitor", Column::new("description", Type::Text).nullable())?;
    next(op)?;
    op.postgres()?
        .execute("UPDATE monitor SET description = 'about ' || url", &[])?;
    Ok(())
}
fn drop_description(op: &mut Op) -> Result<()> {
    next(op)?;
    op.drop_column("monitor", "description")
}

fn alter_columns(op: &mut Op) -> Result<()> {
    next(op)?;
    op.alter_column(
        "monitor",
        "url",
        AlterColumn::new().sql_type(Type::sql("VARCHAR(500)")),
    )?;
    next(op)?;
    op.alter_column("monitor", "description", AlterColumn::new().nullable(false))?;
    next(op)?;
    op.alter_column(
        "monitor",
        "status",
        AlterColumn::new().default_sql(Some("'paused'")),
    )
}
fn unalter_columns(op: &mut Op) -> Result<()> {
    next(op)?;
    op.alter_column(
        "monitor",
        "status",
        AlterColumn::new().default_sql(Some("'active'")),
    )?;
    next(op)?;
    op.alter_column("monitor", "description", AlterColumn::new().nullable(true))?;
    next(op)?;
    op.alter_column(
        "monitor",
        "url",
        AlterColumn::new().sql_type(Type::Text).using("url::text"),
    )
}

fn constraints(op: &mut Op) -> Result<()> {
    next(op)?;
    op.create_unique_constraint("uq_monitor_url", "monitor", &["url"])?;
    next(op)?;
    op.create_unique_constraint(None, "monitor", &["status", "url"])?;
    next(op)?;
    op.create_check_constraint(
        "ck_monitor_status",
        "monitor",
        "status IN ('active', 'paused')",
    )?;
    next(op)?;
    op.create_check_constraint(None, "monitor", "length(url) > 0")
}
fn unconstrain(op: &mut Op) -> Result<()> {
    next(op)?;
    op.batch_alter_table("monitor", |b| {
        b.drop_check("length(url) > 0");
        b.drop_constraint("ck_monitor_status");
        b.drop_unique(&["status", "url"]);
        b.drop_constraint("uq_monitor_url");
    })
}

fn incidents(op: &mut Op) -> Result<()> {
    next(op)?;
    op.create_table(
        Table::new("incident")
            .column(Column::new("id", Type::BigInt))
            .column(Column::new("monitor_id", Type::Integer))
            .column(Column::new("note", Type::Text).nullable())
            .primary_key(&["id"]),
    )?;
    next(op)?;
    op.create_foreign_key(
        "incident",
        ForeignKey::new(&["monitor_id"], "monitor", &["id"]).on_delete("CASCADE"),
    )?;
    next(op)?;
    op.execute("INSERT INTO incident (monitor_id, note) SELECT id, url FROM monitor")
}
fn drop_incidents(op: &mut Op) -> Result<()> {
    next(op)?;
    op.batch_alter_table("incident", |b| b.drop_foreign_key(&["monitor_id"]))?;
    next(op)?;
    op.drop_table("incident")
}

fn indexes(op: &mut Op) -> Result<()> {
    next(op)?;
    op.create_index(
        "monitor",
        Index::new("ix_monitor_active_url", &["url"])
            .unique()
            .filter("status = 'active'"),
    )?;
    next(op)?;
    op.create_index(
        "monitor",
        Index::on_terms("ix_monitor_lower_url", &["lower(url)", "\"id\" DESC"]),
    )
}
fn drop_indexes(op: &mut Op) -> Result<()> {
    next(op)?;
    op.drop_index("ix_monitor_lower_url")?;
    next(op)?;
    op.drop_index("ix_monitor_active_url")
}

fn renames(op: &mut Op) -> Result<()> {
    next(op)?;
    op.rename_table("incident", "incidents")?;
    next(op)?;
    op.alter_column("monitor", "description", AlterColumn::new().rename("notes"))
}
fn unrename(op: &mut Op) -> Result<()> {
    next(op)?;
    op.alter_column("monitor", "notes", AlterColumn::new().rename("description"))?;
    next(op)?;
    op.rename_table("incidents", "incident")
}

fn batch(op: &mut Op) -> Result<()> {
    next(op)?;
    op.batch_alter_table("monitor", |b| {
        b.add_column(Column::new("interval_s", Type::Integer).default_sql("60"));
        b.alter_column("checked_at", AlterColumn::new().sql_type(Type::TimestampTz));
        b.create_check_constraint("ck_interval", "interval_s > 0");
        b.create_index(Index::new("ix_monitor_interval", &["interval_s"]));
    })
}
fn unbatch(op: &mut Op) -> Result<()> {
    next(op)?;
    op.batch_alter_table("monitor", |b| {
        b.drop_index("ix_monitor_interval");
        b.drop_constraint("ck_interval");
        b.alter_column("checked_at", AlterColumn::new().sql_type(Type::DateTime));
        b.drop_column("interval_s");
    })
}

fn every_type(op: &mut Op) -> Result<()> {
    next(op)?;
    let types = [
        Type::Integer,
        Type::Text,
        Type::Real,
        Type::Blob,
        Type::Numeric,
        Type::Boolean,
        Type::DateTime,
        Type::Date,
        Type::Time,
        Type::Json,
        Type::SmallInt,
        Type::BigInt,
        Type::DoublePrecision,
        Type::Decimal(10, 2),
        Type::Timestamp,
        Type::TimestampTz,
        Type::Uuid,
        Type::Jsonb,
        Type::Bytea,
        Type::Array(Box::new(Type::Integer)),
        Type::sql("VARCHAR(20)"),
        Type::sql("mood"),
    ];
    // An enum type, which only raw SQL makes, read back from the catalog with its labels.
    op.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s fine')")?;
    let mut table = Table::new("typed").column(Column::new("id", Type::BigInt));
    for (i, ty) in types.into_iter().enumerate() {
        table = table.column(Column::new(format!("c{i}"), ty).nullable());
    }
    op.create_table(table.primary_key(&["id"]))?;
    next(op)?;
    // Values of SQLite's five storage classes, which PostgreSQL reads as each column's type.
    op.bulk_insert(
        "typed",
        &[
            "c0", "c3", "c5", "c9", "c13", "c16", "c17", "c18", "c19", "c20", "c14", "c21",
        ],
        &[vec![
            Value::Integer(7),
            Value::Blob(vec![0xde, 0xad]),
            Value::Integer(1),
            Value::Text("{\"a\": 1}".into()),
            Value::Real(12.5),
            Value::Text("00000000-0000-0000-0000-00000000002a".into()),
            Value::Text("{\"b\": [1, 2]}".into()),
            Value::Blob(vec![1, 2, 3]),
            Value::Text("{1,2,3}".into()),
            Value::Text("twenty chars at most".into()),
            Value::Text("2026-12-01 10:00:00".into()),
            Value::Text("it's fine".into()),
        ]],
    )
}
fn drop_every_type(op: &mut Op) -> Result<()> {
    next(op)?;
    op.drop_table("typed")?;
    op.execute("DROP TYPE mood")
}

static LIST: [Migration; 10] = [
    migration(
        "aaaa00000001",
        &[],
        "create monitor",
        create_monitor,
        drop_monitor,
        true,
    ),
    migration(
        "aaaa00000002",
        &["aaaa00000001"],
        "description",
        add_description,
        drop_description,
        true,
    ),
    migration(
        "aaaa00000003",
        &["aaaa00000002"],
        "alter columns",
        alter_columns,
        unalter_columns,
        true,
    ),
    migration(
        "aaaa00000004",
        &["aaaa00000003"],
        "constraints",
        constraints,
        unconstrain,
        true,
    ),
    migration(
        "aaaa00000005",
        &["aaaa00000004"],
        "incidents",
        incidents,
        drop_incidents,
        true,
    ),
    migration(
        "aaaa00000006",
        &["aaaa00000005"],
        "indexes",
        indexes,
        drop_indexes,
        true,
    ),
    migration(
        "aaaa00000007",
        &["aaaa00000006"],
        "renames",
        renames,
        unrename,
        true,
    ),
    migration(
        "aaaa00000008",
        &["aaaa00000007"],
        "batch",
        batch,
        unbatch,
        true,
    ),
    migration(
        "aaaa00000009",
        &["aaaa00000008"],
        "every type",
        every_type,
        drop_every_type,
        true,
    ),
    migration(
        "aaaa00000010",
        &["aaaa00000009"],
        "nothing",
        nothing,
        nothing,
        true,
    ),
];

fn nothing(op: &mut Op) -> Result<()> {
    next(op)
}

static MIGRATIONS: Migrations = Migrations::new(&LIST);

/// The schema as DDL: what the catalog says, written back.
fn ddl(schema: &alembic_runtime::schema::Schema) -> String {
    let enums = alembic_runtime::schema::Schema {
        enums: schema.enums.clone(),
        ..Default::default()
    };
    let mut out = enums.create_statements();
    for t in &schema.tables {
        out.push(t.create_sql_for(Dialect::Postgres));
        out.extend(
            t.indexes
                .iter()
                .map(|i| index_sql(&t.name, i, Dialect::Postgres, false)),
        );
    }
    out.join(";\n")
}

#[test]
fn every_operation_round_trips_and_every_downgrade_restores_the_catalog() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    FAIL_AT.store(0, Ordering::SeqCst);
    // A downgrade to base leaves the version table, as Alembic's does.
    db.execute(alembic_runtime::version_table::POSTGRES_CREATE);
    let mut before = Vec::new();
    for m in &LIST {
        before.push(db.dump());
        MIGRATIONS.upgrade(&mut db.client, m.revision).unwrap();
    }
    let head = alembic_runtime::introspect::schema(&mut db.client).unwrap();
    let without_version_table = alembic_runtime::schema::Schema {
        tables: head
            .tables
            .iter()
            .filter(|t| t.name != "alembic_version")
            .cloned()
            .collect(),
        ..head.clone()
    };
    insta::assert_snapshot!("postgres_head_ddl", ddl(&without_version_table));
    assert_eq!(
        db.rows("SELECT c0 || ' ' || c3::text || ' ' || c5 || ' ' || c13 || ' ' || c16 || ' ' || (c17->'b'->>1) || ' ' || c19[2] || ' ' || c14 || ' ' || c21 FROM typed"),
        ["7 \\xdead true 12.50 00000000-0000-0000-0000-00000000002a 2 2 2026-12-01 10:00:00 it's fine"]
    );
    assert_eq!(
        head.enums,
        [alembic_runtime::schema::Enum {
            name: "mood".into(),
            values: vec!["sad".into(), "ok".into(), "it's fine".into()],
        }]
    );
    // The DDL written from the catalog makes the same catalog.
    let mut copy = Postgres::new().unwrap();
    copy.execute(&ddl(&without_version_table));
    assert_eq!(
        alembic_runtime::introspect::schema(&mut copy.client).unwrap(),
        without_version_table
    );
    for (m, expected) in LIST.iter().zip(&before).rev() {
        MIGRATIONS.downgrade(&mut db.client, "-1").unwrap();
        assert_eq!(&db.dump(), expected, "after downgrading {}", m.revision);
    }
}

#[test]
fn a_failure_at_any_operation_leaves_schema_data_and_version_rows_unchanged() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    let _turn = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    // Count the operations of a whole upgrade.
    FAIL_AT.store(0, Ordering::SeqCst);
    SEEN.store(0, Ordering::SeqCst);
    MIGRATIONS.upgrade(&mut db.client, "head").unwrap();
    let operations = SEEN.load(Ordering::SeqCst);
    assert!(operations > 20, "{operations} operations");
    for fail_at in 1..=operations {
        db.reset();
        FAIL_AT.store(0, Ordering::SeqCst);
        MIGRATIONS.upgrade(&mut db.client, "aaaa00000002").unwrap();
        let start = db.dump();
        SEEN.store(0, Ordering::SeqCst);
        FAIL_AT.store(fail_at, Ordering::SeqCst);
        // The operations of the first two migrations have run already: count past them.
        let outcome = MIGRATIONS.upgrade(&mut db.client, "head");
        let seen = SEEN.load(Ordering::SeqCst);
        if fail_at > seen {
            continue;
        }
        let error = outcome.expect_err("the injected failure");
        assert!(
            error.to_string().contains("22012: division by zero"),
            "{error}"
        );
        assert_eq!(db.dump(), start, "failure at operation {fail_at}");
    }
}

fn create_session(op: &mut Op) -> Result<()> {
    op.create_table(
        Table::new("session")
            .column(Column::new("id", Type::BigInt))
            .column(Column::new("user_id", Type::BigInt))
            .primary_key(&["id"])
            .foreign_key(
                ForeignKey::new(&["user_id"], "user", &["id"])
                    .ref_schema("auth")
                    .on_delete("CASCADE"),
            ),
    )
}

fn drop_session(op: &mut Op) -> Result<()> {
    op.drop_table("session")
}

static SESSION: [Migration; 1] = [migration(
    "bbbb00000001",
    &[],
    "session",
    create_session,
    drop_session,
    true,
)];

/// A table outside the search path, referenced beside a table of the same name inside it:
/// the key is created, read back and written again with its schema.
#[test]
fn a_foreign_key_to_a_table_outside_the_search_path_keeps_its_schema() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    db.execute(
        "CREATE SCHEMA auth;
         CREATE TABLE auth.\"user\" (id BIGINT PRIMARY KEY);
         CREATE TABLE \"user\" (id BIGINT PRIMARY KEY);
         INSERT INTO auth.\"user\" VALUES (5)",
    );
    Migrations::new(&SESSION)
        .upgrade(&mut db.client, "head")
        .unwrap();
    db.execute("INSERT INTO session VALUES (1, 5)");
    assert!(
        db.client
            .batch_execute("INSERT INTO \"user\" VALUES (6); INSERT INTO session VALUES (2, 6)")
            .is_err(),
        "the key is auth.user's, not the search path's user"
    );

    let schema = alembic_runtime::introspect::schema(&mut db.client).unwrap();
    let session = schema.table("session").unwrap();
    let fk = &session.foreign_keys[0];
    assert_eq!(
        (fk.ref_schema.as_deref(), fk.ref_table.as_str()),
        (Some("auth"), "user")
    );
    assert!(
        session
            .create_sql_for(Dialect::Postgres)
            .contains("REFERENCES \"auth\".\"user\" (\"id\") ON DELETE CASCADE"),
        "{}",
        session.create_sql_for(Dialect::Postgres)
    );
    let mut declared = schema.clone();
    declared.tables.retain(|t| t.name == "session");
    let mut read = declared.clone();
    assert!(alembic_core::schema::diff::diff_in(
        Dialect::Postgres,
        &read,
        &declared,
        &Default::default(),
        &[]
    )
    .is_empty());
    read.tables[0].foreign_keys[0].ref_schema = None;
    assert_eq!(
        alembic_core::schema::diff::diff_in(
            Dialect::Postgres,
            &read,
            &declared,
            &Default::default(),
            &[]
        )
        .len(),
        2,
        "a key to the search path's user is another key"
    );
}
