//! Bad input through the runtime: one clear message, the database untouched, no panic.

use std::time::Duration;

use alembic_runtime::rusqlite::Connection;

use crate::common::{dump, locked_database, migrations, LockedDatabase};
use alembic_runtime::Migrations;

fn branched() -> &'static Migrations {
    migrations(&[
        ("1000aaaaaaaa", &[], &[], &[]),
        ("2000aaaaaaaa", &["1000aaaaaaaa"], &[], &[]),
        ("2000bbbbbbbb", &["1000aaaaaaaa"], &[], &[]),
    ])
}

fn err_text(r: alembic_runtime::Result<Vec<&str>>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn an_unknown_revision_is_named() {
    let mut conn = Connection::open_in_memory().unwrap();
    assert_eq!(
        err_text(branched().upgrade(&mut conn, "xyzzy")),
        "Can't locate revision identified by 'xyzzy'"
    );
    assert_eq!(
        err_text(branched().upgrade(&mut conn, "x")),
        "Can't locate revision identified by 'x': prefixes need at least 4 characters, so that a \
         short word cannot pick a revision by accident"
    );
    assert_eq!(
        err_text(branched().downgrade(&mut conn, "ffff")),
        "Can't locate revision identified by 'ffff'"
    );
    assert!(dump(&conn).is_empty());
}

#[test]
fn an_ambiguous_prefix_lists_the_candidates() {
    let mut conn = Connection::open_in_memory().unwrap();
    assert_eq!(
        err_text(branched().upgrade(&mut conn, "2000")),
        "Multiple revisions start with '2000': '2000aaaaaaaa', '2000bbbbbbbb'"
    );
}

#[test]
fn head_with_several_heads_fails_with_alembics_message_and_heads_works() {
    let mut conn = Connection::open_in_memory().unwrap();
    assert_eq!(
        err_text(branched().upgrade(&mut conn, "head")),
        "Multiple head revisions are present for given argument 'head'; please specify a specific target \
         revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads"
    );
    assert!(dump(&conn).is_empty(), "nothing was written");
    assert_eq!(branched().upgrade(&mut conn, "heads").unwrap().len(), 3);
}

#[test]
fn a_version_row_naming_an_unknown_revision_is_reported_for_every_call() {
    let mut conn = Connection::open_in_memory().unwrap();
    let m = branched();
    m.upgrade(&mut conn, "2000aaaa").unwrap();
    conn.execute(
        "UPDATE alembic_version SET version_num = 'fe11ed000000'",
        [],
    )
    .unwrap();
    let want = "The database is at revision 'fe11ed000000', which no migration declares; the database may be \
                newer than this code (deploy the newer code) or was stamped by hand (fix it with stamp)";
    assert_eq!(err_text(m.upgrade(&mut conn, "heads")), want);
    assert_eq!(err_text(m.downgrade(&mut conn, "base")), want);
    assert_eq!(err_text(m.current(&conn)), want);
}

#[test]
fn a_file_that_is_not_sqlite_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(200)).unwrap();
    let mut conn = Connection::open(&path).unwrap();
    // SQLite names the file of a non-database from 3.39 on; rusqlite's older bundles don't.
    let named = conn
        .query_row("PRAGMA database_list", [], |r| r.get::<_, String>(2))
        .is_ok();
    let file = if named {
        path.display().to_string()
    } else {
        "the connection's database file".to_owned()
    };
    let msg = err_text(branched().upgrade(&mut conn, "heads"));
    assert_eq!(
        msg,
        format!("{file} is not a SQLite database (SQLite: file is not a database)")
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap().len(),
        35 * 200,
        "file untouched"
    );
}

#[test]
fn a_database_locked_longer_than_the_busy_timeout_is_reported_and_left_alone() {
    let LockedDatabase {
        path,
        migrations: m,
        mut conn,
        holder,
        ..
    } = locked_database("aaaa", Duration::from_millis(50));
    let msg = err_text(m.upgrade(&mut conn, "head"));
    assert_eq!(
        msg,
        format!(
            "{} is locked by another connection and stayed locked for the whole busy timeout; retry when it is \
             free, or raise the timeout with Connection::busy_timeout (SQLite: database is locked)",
            path.display()
        )
    );
    drop(holder);
    assert_eq!(m.current(&conn).unwrap(), ["aaaa00000001"]);
}
