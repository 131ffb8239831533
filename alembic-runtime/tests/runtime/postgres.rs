//! What only PostgreSQL has: its version table DDL, the advisory lock under concurrent
//! boots, migrations outside a transaction, async callers, and the server's errors.
//! Behaviour shared with SQLite is tested on both from one definition (`db::on_both!`).

use std::sync::{Arc, Barrier};

use alembic_runtime::Migrations;

use crate::common::migrations;
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
