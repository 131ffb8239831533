//! What only PostgreSQL has: its version table DDL, the advisory lock under concurrent
//! boots, migrations outside a transaction, async callers, and the server's errors.
//! Behaviour shared with SQLite is tested on both from one definition (`db::on_both!`).

use std::sync::{Arc, Barrier};

use alembic_runtime::prelude::*;
use alembic_runtime::{Error, Migration, Migrations};

use crate::common::{migration, migrations};
use crate::db::{Db, Postgres};

fn chain(n: usize) -> &'static Migrations {
    let ids: Vec<String> = (0..n).map(|i| format!("{i:04}aaaabbbb")).collect();
    let downs: Vec<Vec<&str>> = (0..n)
        .map(|i| {
            if i == 0 {
                vec![]
            } else {
                vec![ids[i - 1].as_str()]
            }
        })
        .collect();
    let specs: Vec<crate::common::Spec<'_>> = (0..n)
        .map(|i| (ids[i].as_str(), &downs[i][..], &[][..], &[][..]))
        .collect();
    migrations(&specs)
}

#[test]
fn the_version_table_is_alembics_to_the_byte() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    chain(1).upgrade(&mut db.client, "head").unwrap();
    // As Python Alembic 1.20.1 creates it on PostgreSQL 15 (`upgrade --sql`, psycopg 3).
    assert_eq!(
        alembic_runtime::version_table::POSTGRES_CREATE,
        "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    \
         CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)"
    );
    assert_eq!(
        db.rows(
            "SELECT format_type(atttypid, atttypmod), attnotnull::text FROM pg_attribute \
             WHERE attrelid = 'alembic_version'::regclass AND attnum > 0"
        ),
        ["character varying(32)|true"]
    );
    assert_eq!(
        db.rows(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'alembic_version'::regclass"
        ),
        ["alembic_version_pkc|PRIMARY KEY (version_num)"]
    );
}

/// Runs `f` on a thread and fails the test when it takes longer than `secs` (a call that
/// waits for a lock another session holds would never return).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(f()));
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .expect("the call waited for a lock it should not take")
}

const HOLD_THE_LOCK: &str = "BEGIN; SELECT pg_advisory_xact_lock(1095517517, \
     hashtext(quote_ident(current_schema()) || '.alembic_version')); \
     LOCK TABLE alembic_version IN EXCLUSIVE MODE";

#[test]
fn at_head_takes_no_lock_and_writes_nothing() {
    let Some(db) = Postgres::new() else { return };
    let m = chain(3);
    let mut client = db.database.connect();
    m.upgrade(&mut client, "head").unwrap();
    // Another session holds the runtime's lock and blocks every write to the version table
    // (reads stay allowed): a call that locked or wrote would wait for it.
    let mut other = db.database.connect();
    other.batch_execute(HOLD_THE_LOCK).unwrap();
    let (client, outcomes) = within(10, move || {
        let outcomes = [
            m.upgrade(&mut client, "head").map(|r| r.len()),
            m.upgrade(&mut client, "heads").map(|r| r.len()),
            m.current(&mut client).map(|r| r.len()),
            m.pending(&mut client).map(|r| r.len()),
        ];
        (client, outcomes.map(Result::unwrap))
    });
    assert_eq!(outcomes, [0, 0, 1, 0]);
    drop((client, other));
}

/// Eight clients boot one fresh database at once, a hundred times over: each migration runs
/// exactly once, every client ends at head, none fails.
#[test]
fn eight_clients_booting_at_once_apply_each_migration_once() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    let m = chain(6);
    for trial in 0..100 {
        db.reset();
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                let mut client = db.database.connect();
                std::thread::spawn(move || {
                    barrier.wait();
                    m.upgrade(&mut client, "head").map_err(|e| e.to_string())
                })
            })
            .collect();
        let applied: usize = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap()
                    .unwrap_or_else(|e| panic!("trial {trial}: {e}"))
                    .len()
            })
            .sum();
        assert_eq!(
            applied, 6,
            "trial {trial}: migrations applied by all clients together"
        );
        assert_eq!(
            db.rows(
                "SELECT migration::text || ' ' || count(*) FROM runs GROUP BY migration ORDER BY 1"
            ),
            (0..6).map(|i| format!("{i} 1")).collect::<Vec<_>>(),
            "trial {trial}: each migration ran once"
        );
        assert_eq!(db.version_rows().unwrap(), ["0005aaaabbbb"]);
    }
}

fn create_item(op: &mut Op) -> Result<()> {
    op.create_table(
        Table::new("item")
            .column(Column::new("id", Type::Integer))
            .column(Column::new("name", Type::Text))
            .primary_key(&["id"]),
    )?;
    op.bulk_insert(
        "item",
        &["name"],
        &[vec![Value::Text("a".into())], vec![Value::Text("b".into())]],
    )
}
fn drop_item(op: &mut Op) -> Result<()> {
    op.drop_table("item")
}
fn index_concurrently(op: &mut Op) -> Result<()> {
    op.create_index("item", Index::new("ix_item_name", &["name"]).concurrently())
}
fn drop_index(op: &mut Op) -> Result<()> {
    op.drop_index("ix_item_name")
}
fn add_price(op: &mut Op) -> Result<()> {
    op.add_column("item", Column::new("price", Type::Integer).default_sql("0"))
}
fn drop_price(op: &mut Op) -> Result<()> {
    op.drop_column("item", "price")
}
fn fails(op: &mut Op) -> Result<()> {
    op.add_column("item", Column::new("stock", Type::Integer).default_sql("0"))?;
    op.execute("INSERT INTO item (name) VALUES (NULL)")
}
fn begin(op: &mut Op) -> Result<()> {
    op.execute("INSERT INTO item (name) VALUES ('c'); COMMIT")
}
fn begin_directly(op: &mut Op) -> Result<()> {
    op.postgres()?.execute("ROLLBACK", &[])?;
    Ok(())
}
fn sqlite_only(op: &mut Op) -> Result<()> {
    op.connection()?.execute_batch("SELECT 1")?;
    Ok(())
}

static CONCURRENT: [Migration; 4] = [
    migration("c1", &[], "c1", create_item, drop_item, true),
    migration("c2", &["c1"], "c2", index_concurrently, drop_index, false),
    migration("c3", &["c2"], "c3", add_price, drop_price, true),
    migration("c4", &["c3"], "c4", fails, drop_price, true),
];
static CONCURRENT_LIST: Migrations = Migrations::new(&CONCURRENT);

#[test]
fn a_migration_outside_a_transaction_runs_alone_with_its_version_row() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    // CREATE INDEX CONCURRENTLY refuses to run inside a transaction block: that it ran
    // shows the migration ran outside one.
    assert_eq!(
        CONCURRENT_LIST.upgrade(&mut db.client, "c3").unwrap(),
        ["c1", "c2", "c3"]
    );
    assert_eq!(
        db.rows("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_item_name'"),
        ["CREATE INDEX ix_item_name ON public.item USING btree (name)"]
    );
    assert_eq!(db.version_rows().unwrap(), ["c3"]);
    CONCURRENT_LIST.downgrade(&mut db.client, "base").unwrap();
    assert_eq!(db.tables(), ["alembic_version"]);

    // A failure after it: what ran before it is committed (the database says where it
    // is), the migrations after it are rolled back together.
    let error = CONCURRENT_LIST.upgrade(&mut db.client, "head").unwrap_err();
    let Error::Migration(failed) = &error else {
        panic!("{error}")
    };
    assert_eq!(failed.revision, "c4");
    assert_eq!(failed.committed, ["c1", "c2"]);
    assert_eq!(failed.rolled_back, ["c3"]);
    assert!(
        error
            .to_string()
            .contains("the migrations before it were committed (c1, c2), so the database is at c2"),
        "{error}"
    );
    assert_eq!(db.version_rows().unwrap(), ["c2"]);
    assert_eq!(
        db.rows("SELECT count(*)::text FROM pg_indexes WHERE indexname = 'ix_item_name'"),
        ["1"]
    );
    assert_eq!(
        db.rows("SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'item' AND column_name IN ('price', 'stock')"),
        ["0"]
    );
    // The runtime's lock is not left held by the session.
    assert_eq!(
        db.rows("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"),
        ["0"]
    );
    // And the next call goes on from there.
    assert_eq!(
        CONCURRENT_LIST.upgrade(&mut db.client, "c3").unwrap(),
        ["c3"]
    );
}

static ESCAPES: [Migration; 4] = [
    migration("e1", &[], "e1", create_item, drop_item, true),
    migration("e2", &["e1"], "e2", begin, drop_item, true),
    migration("e3", &["e1"], "e3", begin_directly, drop_item, true),
    migration("e4", &["e1"], "e4", sqlite_only, drop_item, true),
];
static ESCAPE_LIST: Migrations = Migrations::new(&ESCAPES);

#[test]
fn transaction_statements_and_the_other_databases_connection_are_refused() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    for (target, expected) in [
        ("e2", "refused `COMMIT`"),
        ("e3", "refused `ROLLBACK`"),
        (
            "e4",
            "asked for the SQLite connection but runs on PostgreSQL",
        ),
    ] {
        let error = ESCAPE_LIST.upgrade(&mut db.client, target).unwrap_err();
        assert!(error.to_string().contains(expected), "{target}: {error}");
        assert_eq!(db.tables(), Vec::<String>::new(), "{target}: nothing stays");
    }
}

static FAILING: [Migration; 2] = [
    migration("f1", &[], "f1", create_item, drop_item, true),
    migration("f2", &["f1"], "f2", fails, drop_price, true),
];
static FAILING_LIST: Migrations = Migrations::new(&FAILING);

#[test]
fn a_failing_statement_names_the_revision_the_statement_and_the_sqlstate() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    let error = FAILING_LIST.upgrade(&mut db.client, "head").unwrap_err();
    insta::assert_snapshot!("postgres_failing_statement", error.to_string());
    assert_eq!(db.tables(), Vec::<String>::new());
}

#[test]
fn lock_and_statement_timeouts_and_missing_privileges_are_explained() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    FAILING_LIST.upgrade(&mut db.client, "f1").unwrap();
    // Another session holds the table: the migration's ALTER waits past lock_timeout.
    let mut other = db.database.connect();
    other
        .batch_execute("BEGIN; LOCK TABLE item IN ACCESS SHARE MODE")
        .unwrap();
    db.execute("SET lock_timeout = '100ms'");
    let error = FAILING_LIST.upgrade(&mut db.client, "head").unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("ERROR 55P03: canceling statement due to lock timeout"),
        "{text}"
    );
    assert!(
        text.contains("another session holds a lock this statement needs"),
        "{text}"
    );
    assert!(
        text.contains("SQL: ALTER TABLE \"item\" ADD COLUMN \"stock\""),
        "{text}"
    );
    other.batch_execute("ROLLBACK").unwrap();
    db.execute("RESET lock_timeout");
    assert_eq!(db.version_rows().unwrap(), ["f1"]);

    // A role that may connect but not create: the version table cannot be made.
    let role = format!("{}_reader", db.database.name);
    db.execute(&format!(
        "CREATE ROLE {role} LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC; \
         GRANT USAGE ON SCHEMA public TO {role}"
    ));
    let url = db
        .database
        .url()
        .replacen("postgres@", &format!("{role}@"), 1);
    let mut reader =
        alembic_runtime::postgres::Client::connect(&url, alembic_runtime::postgres::NoTls).unwrap();
    db.execute("DROP TABLE alembic_version");
    let error = FAILING_LIST.upgrade(&mut reader, "head").unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("ERROR 42501: permission denied for schema public"),
        "{text}"
    );
    assert!(
        text.contains("lacks a privilege the migration needs"),
        "{text}"
    );
    drop(reader);
    db.execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"));
}

fn slow(op: &mut Op) -> Result<()> {
    op.execute("SELECT pg_sleep(1)")
}
static SLOW: [Migration; 1] = [migration("s1", &[], "s1", slow, slow, true)];
static SLOW_LIST: Migrations = Migrations::new(&SLOW);

#[test]
fn a_statement_past_statement_timeout_fails_the_migration_cleanly() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    db.execute("SET statement_timeout = '100ms'");
    let text = SLOW_LIST
        .upgrade(&mut db.client, "head")
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("ERROR 57014: canceling statement due to statement timeout"),
        "{text}"
    );
    assert!(text.contains("ran past statement_timeout"), "{text}");
    assert!(
        text.contains("failed in revision s1; the database was left unchanged"),
        "{text}"
    );
    db.execute("RESET statement_timeout");
    assert_eq!(db.tables(), Vec::<String>::new());
}

#[test]
fn booting_from_async_code_needs_no_ceremony() {
    let Some(db) = Postgres::new() else { return };
    let m = chain(3);
    let mut client = db.database.connect();
    // On a runtime's own thread, where rust-postgres alone would panic ("Cannot start a
    // runtime from within a runtime").
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let applied = runtime.block_on(async { m.upgrade(&mut client, "head").map(|r| r.len()) });
    assert_eq!(applied.unwrap(), 3);
    // And the documented way for a server, which keeps the runtime's threads free.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let url = db.database.url();
    let current = runtime.block_on(async move {
        tokio::task::spawn_blocking(move || {
            let mut client =
                alembic_runtime::postgres::Client::connect(&url, alembic_runtime::postgres::NoTls)?;
            m.upgrade(&mut client, "head")?;
            m.current(&mut client)
                .map_err(Box::<dyn std::error::Error + Send + Sync>::from)
        })
        .await
        .unwrap()
    });
    assert_eq!(current.unwrap(), ["0002aaaabbbb"]);
}

#[test]
fn a_postgresql_script_replays_to_the_catalog_the_runtime_makes() {
    let script = CONCURRENT_LIST
        .upgrade_sql_for(None, "c3", alembic_runtime::ScriptFor::Postgres)
        .unwrap();
    insta::assert_snapshot!("postgres_upgrade_sql", script);
    let Some(mut db) = Postgres::new() else {
        return;
    };
    let Some(mut by_script) = Postgres::new() else {
        return;
    };
    CONCURRENT_LIST.upgrade(&mut db.client, "c3").unwrap();
    // One statement at a time, as psql sends a file: CREATE INDEX CONCURRENTLY may not share
    // a query string with others.
    for stmt in alembic_core::schema::sql::postgres::statements(&script) {
        by_script.execute(stmt);
    }
    assert_eq!(
        alembic_runtime::introspect::schema(&mut by_script.client).unwrap(),
        alembic_runtime::introspect::schema(&mut db.client).unwrap()
    );
    assert_eq!(
        by_script.rows("SELECT name FROM item ORDER BY 1"),
        ["a", "b"]
    );
    let down = CONCURRENT_LIST
        .downgrade_sql_for("c3", "base", alembic_runtime::ScriptFor::Postgres)
        .unwrap();
    for stmt in alembic_core::schema::sql::postgres::statements(&down) {
        by_script.execute(stmt);
    }
    assert_eq!(by_script.tables(), ["alembic_version"]);
    assert_eq!(by_script.version_rows().unwrap(), Vec::<String>::new());
}

fn index_then_crash(op: &mut Op) -> Result<()> {
    index_concurrently(op)?;
    panic!("the process dies after the index is built, before its version row is written");
}

static CRASHING: [Migration; 2] = [
    migration("c1", &[], "c1", create_item, drop_item, true),
    migration("c2", &["c1"], "c2", index_then_crash, drop_index, false),
];
static CRASHING_LIST: Migrations = Migrations::new(&CRASHING);

/// The documented state after a crash between a migration outside a transaction and its
/// version row: the index is there, the row is the revision before, the lock is free, and
/// the next upgrade says what stands in its way.
#[test]
fn a_crash_after_a_concurrent_index_leaves_the_documented_state() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    let mut client = db.database.connect();
    let crashed = std::thread::spawn(move || {
        let _ = CRASHING_LIST.upgrade(&mut client, "head");
    })
    .join();
    assert!(crashed.is_err(), "the migration panicked");
    assert_eq!(db.version_rows().unwrap(), ["c1"]);
    assert_eq!(
        db.rows("SELECT indexname || ' ' || (SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'ix_item_name'::regclass) FROM pg_indexes WHERE indexname = 'ix_item_name'"),
        ["ix_item_name true"]
    );
    assert_eq!(
        db.rows(
            "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        ["0"],
        "the dead session's lock went with it"
    );
    let error = CONCURRENT_LIST
        .upgrade(&mut db.client, "c2")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("ERROR 42P07: relation \"ix_item_name\" already exists"),
        "{error}"
    );
    assert!(
        error.contains("failed in revision c2; the database was left unchanged"),
        "{error}"
    );
    // The way on that the guide gives: the index is the migration's, so stamp it.
    CONCURRENT_LIST
        .stamp(&mut db.client, &["c2"], false)
        .unwrap();
    assert_eq!(
        CONCURRENT_LIST.upgrade(&mut db.client, "c3").unwrap(),
        ["c3"]
    );
}

static IN_OPS: Migrations = Migrations::new(&CONCURRENT).with_version_table_schema("ops");

/// Alembic's `version_table_schema`: the runtime's tables in their own schema, the
/// application's where its migrations put them, one lock for both spellings of the place.
#[test]
fn the_version_table_can_live_in_a_schema_of_its_own() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    db.execute("CREATE SCHEMA ops");
    assert_eq!(IN_OPS.upgrade(&mut db.client, "c1").unwrap(), ["c1"]);
    assert_eq!(
        db.rows("SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname IN ('ops', 'public') ORDER BY 1"),
        ["ops.alembic_version", "public.item"]
    );
    assert_eq!(
        db.rows("SELECT version_num FROM ops.alembic_version"),
        ["c1"]
    );
    assert_eq!(IN_OPS.current(&mut db.client).unwrap(), ["c1"]);
    assert!(
        CONCURRENT_LIST.current(&mut db.client).unwrap().is_empty(),
        "public has none"
    );
    assert_eq!(IN_OPS.upgrade(&mut db.client, "c3").unwrap(), ["c2", "c3"]);
    assert_eq!(
        IN_OPS.downgrade(&mut db.client, "c1").unwrap(),
        ["c3", "c2"]
    );
    assert_eq!(
        db.rows("SELECT version_num FROM ops.alembic_version"),
        ["c1"]
    );
    let script = IN_OPS
        .upgrade_sql_for(None, "c1", alembic_runtime::ScriptFor::Postgres)
        .unwrap();
    assert!(script.contains("CREATE TABLE ops.alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT alembic_version_pkc"), "{script}");
    assert!(script.contains("INSERT INTO ops.alembic_version (version_num) VALUES ('c1') RETURNING ops.alembic_version.version_num"), "{script}");
    // The lock is the one an application with `search_path = ops` takes.
    let mut other = db.database.connect();
    other
        .batch_execute(
            "SET search_path = ops; BEGIN; SELECT pg_advisory_xact_lock(1095517517, \
             hashtext(quote_ident(current_schema()) || '.alembic_version'))",
        )
        .unwrap();
    let mut client = db.database.connect();
    let (tx, rx) = std::sync::mpsc::channel();
    let upgrading = std::thread::spawn(move || {
        tx.send(IN_OPS.upgrade(&mut client, "c2").map(|r| r.len()))
            .unwrap();
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        rx.try_recv().is_err(),
        "the upgrade waits for the other session's lock"
    );
    other.batch_execute("ROLLBACK").unwrap();
    let applied = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the upgrade goes on once the lock is free");
    assert_eq!(applied.unwrap(), 1);
    upgrading.join().unwrap();
}

/// libpq's certificate checks, which rust-postgres does not read, on the test server's own
/// (self-signed, `localhost`) certificate: `verify-ca` trusts the roots `sslrootcert` names
/// (every certificate of a bundle) and no others, `verify-full` also wants the host the
/// certificate names.
#[cfg(all(feature = "postgres-tls", feature = "cli"))]
#[test]
fn the_servers_certificate_is_checked_as_sslmode_verify_ca_and_verify_full_ask() {
    use alembic_runtime::cli::{connect, Opened};

    let Some(mut db) = Postgres::new() else {
        return;
    };
    let certificate: String = db.rows("SHOW ssl_cert_file").remove(0);
    let url = db.database.url();
    let encrypted = |url: &str| match connect(url) {
        Ok(Opened::Postgres(mut client)) => client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .map(|row| row.get::<_, bool>(0))
            .map_err(|e| e.to_string()),
        Ok(Opened::Sqlite(_)) => unreachable!("a PostgreSQL URL"),
        Err(e) => Err(e.to_string()),
    };
    let root = format!("sslrootcert={}", certificate.replace('/', "%2F"));
    if db.rows("SHOW ssl") != ["on"] {
        let refused = encrypted(&format!("{url}?sslmode=verify-ca&{root}")).unwrap_err();
        assert!(
            refused.contains("TLS") || refused.contains("SSL"),
            "{refused}"
        );
        return;
    }

    assert_eq!(
        encrypted(&format!("{url}?sslmode=verify-ca&{root}")),
        Ok(true)
    );
    // The public roots (a bundle of many) do not hold the server's self-signed certificate.
    let public_roots = "/etc/ssl/certs/ca-certificates.crt";
    assert!(
        std::path::Path::new(public_roots).exists(),
        "install ca-certificates"
    );
    let untrusted = encrypted(&format!(
        "{url}?sslmode=verify-ca&sslrootcert={}",
        public_roots.replace('/', "%2F")
    ))
    .unwrap_err();
    assert!(untrusted.contains("certificate"), "{untrusted}");
    // With the bundle and the server's certificate in one file, the server is trusted.
    let dir = tempfile::tempdir().unwrap();
    let both = dir.path().join("roots.pem");
    let pem = |path: &str| std::fs::read_to_string(path).unwrap();
    std::fs::write(&both, pem(public_roots) + &pem(&certificate)).unwrap();
    assert_eq!(
        encrypted(&format!(
            "{url}?sslmode=verify-ca&sslrootcert={}",
            both.display()
        )),
        Ok(true)
    );
    let by_name = url.replacen("127.0.0.1", "localhost", 1);
    assert_eq!(
        encrypted(&format!("{by_name}?sslmode=verify-full&{root}")),
        Ok(true)
    );
    let wrong_host = encrypted(&format!("{url}?sslmode=verify-full&{root}")).unwrap_err();
    assert!(
        wrong_host.contains("certificate") || wrong_host.contains("hostname"),
        "the certificate names localhost, not 127.0.0.1: {wrong_host}"
    );
    let missing = encrypted(&format!(
        "{url}?sslmode=verify-ca&sslrootcert=%2Fno%2Fsuch.pem"
    ))
    .unwrap_err();
    assert!(
        missing.contains("cannot read sslrootcert /no/such.pem"),
        "{missing}"
    );
    let not_pem = dir.path().join("key.txt");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let empty = encrypted(&format!(
        "{url}?sslmode=verify-ca&sslrootcert={}",
        not_pem.display()
    ))
    .unwrap_err();
    assert!(empty.contains("holds no PEM certificate"), "{empty}");
}
