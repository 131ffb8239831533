//! A migration cannot end the runner's transaction: `BEGIN`, `COMMIT`, `END` and `ROLLBACK`
//! are refused before they run, through `op.execute` and through `op.connection()`, at any
//! point of a multi-migration upgrade; the database file is byte for byte as it was, and a
//! rerun finds it so.

use alembic_runtime::prelude::*;
use alembic_runtime::{Migration, MigrationFn, Migrations};

fn create(op: &mut Op) -> Result<()> {
    op.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, n INT); INSERT INTO item (n) VALUES (1)")
}
fn grow(op: &mut Op) -> Result<()> {
    op.execute("INSERT INTO item (n) VALUES (2)")?;
    op.add_column("item", Column::new("note", Type::Text).nullable())
}
fn nothing(_: &mut Op) -> Result<()> {
    Ok(())
}

/// The statements a migration may try, sent one way or the other.
const ENDINGS: [&str; 6] = [
    "COMMIT",
    "END",
    "ROLLBACK",
    "BEGIN",
    "END TRANSACTION",
    "commit",
];

/// A migration that updates, sends `ENDINGS[E]` (through the connection when `VIA_CONN`),
/// then inserts: what a user porting a script with its own COMMIT writes.
fn escaping<const E: usize, const VIA_CONN: bool>(op: &mut Op) -> Result<()> {
    op.execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, n INT)")?;
    op.execute("UPDATE item SET n = n + 100")?;
    if VIA_CONN {
        op.connection()?.execute_batch(ENDINGS[E])?;
    } else {
        op.execute(ENDINGS[E])?;
    }
    op.execute("INSERT INTO item (n) VALUES (3)")
}

/// Like [`escaping`], but swallowing the error as careless code would.
fn escaping_quietly(op: &mut Op) -> Result<()> {
    op.execute("UPDATE item SET n = n + 100")?;
    let _ = op.connection()?.execute_batch("COMMIT");
    op.execute("INSERT INTO item (n) VALUES (3)")
}

/// A user's own savepoint nests inside the runner's transaction: releasing it commits
/// nothing, and a later failure still undoes everything.
fn own_savepoint(op: &mut Op) -> Result<()> {
    op.execute("SAVEPOINT mine; UPDATE item SET n = 0; RELEASE mine")?;
    op.execute("SAVEPOINT two; DELETE FROM item; ROLLBACK TO two; RELEASE two")?;
    op.execute("INSERT INTO nowhere VALUES (1)")
}

fn chain(third: MigrationFn, at: usize) -> &'static Migrations {
    let fns: [MigrationFn; 3] = match at {
        0 => [third, create, grow],
        1 => [create, third, grow],
        _ => [create, grow, third],
    };
    static IDS: [&str; 3] = ["aaaa00000001", "bbbb00000002", "cccc00000003"];
    let ids = &IDS;
    let list: Vec<Migration> = (0..3)
        .map(|i| Migration {
            revision: ids[i],
            down_revisions: if i == 0 {
                &[]
            } else {
                std::slice::from_ref(&ids[i - 1])
            },
            branch_labels: &[],
            depends_on: &[],
            message: "step",
            upgrade: fns[i],
            downgrade: nothing,
            checksum: 0,
            transaction: true,
        })
        .collect();
    Box::leak(Box::new(Migrations::new(Box::leak(
        list.into_boxed_slice(),
    ))))
}

/// Upgrades a file database whose first migration (when `at` > 0) already ran, checks the
/// failure names the revision and the statement, and that the file did not change.
fn refused(third: MigrationFn, at: usize, statement: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let migrations = chain(third, at);
    let mut conn = alembic_runtime::rusqlite::Connection::open(&path).unwrap();
    if at > 0 {
        migrations.upgrade(&mut conn, "aaaa00000001").unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    for attempt in 0..2 {
        let err = migrations
            .upgrade(&mut conn, "head")
            .unwrap_err()
            .to_string();
        let revision = ["aaaa00000001", "bbbb00000002", "cccc00000003"][at];
        assert!(
            err.contains(&format!(
                "failed in revision {revision}; the database was left unchanged"
            )) && err.contains(&format!("refused `{statement}`")),
            "attempt {attempt}, at {at}: {err}"
        );
        assert!(conn.is_autocommit(), "no transaction left open");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "attempt {attempt}, at {at}"
        );
    }
}

#[test]
fn every_transaction_ending_statement_is_refused_through_execute() {
    let fns: [MigrationFn; 6] = [
        escaping::<0, false>,
        escaping::<1, false>,
        escaping::<2, false>,
        escaping::<3, false>,
        escaping::<4, false>,
        escaping::<5, false>,
    ];
    for (f, statement) in fns.into_iter().zip(ENDINGS) {
        for at in 0..3 {
            refused(f, at, statement);
        }
    }
}

#[test]
fn every_transaction_ending_statement_is_refused_through_the_connection() {
    let fns: [MigrationFn; 4] = [
        escaping::<0, true>,
        escaping::<1, true>,
        escaping::<2, true>,
        escaping::<3, true>,
    ];
    for (f, statement) in
        fns.into_iter()
            .zip(["COMMIT or END", "COMMIT or END", "ROLLBACK", "BEGIN"])
    {
        for at in 0..3 {
            refused(f, at, statement);
        }
    }
}

#[test]
fn a_refused_statement_fails_the_migration_even_when_its_error_is_ignored() {
    refused(escaping_quietly, 1, "COMMIT or END");
}

#[test]
fn a_users_own_savepoints_nest_inside_and_commit_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let migrations = chain(own_savepoint, 2);
    let mut conn = alembic_runtime::rusqlite::Connection::open(&path).unwrap();
    migrations.upgrade(&mut conn, "aaaa00000001").unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = migrations
        .upgrade(&mut conn, "head")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no such table: nowhere"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn apply_refuses_them_too() {
    let mut conn = alembic_runtime::rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE item (id INTEGER PRIMARY KEY, n INT)")
        .unwrap();
    let err = alembic_runtime::apply(&mut conn, |op| {
        op.execute("INSERT INTO item (n) VALUES (1); COMMIT")
    })
    .unwrap_err();
    assert!(err.to_string().contains("refused `COMMIT`"), "{err}");
    assert_eq!(
        conn.query_row("SELECT count(*) FROM item", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        0
    );
    // Outside a migration the connection is the application's again.
    conn.execute_batch("BEGIN; INSERT INTO item (n) VALUES (2); COMMIT")
        .unwrap();
}
