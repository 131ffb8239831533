//! The copy before migrating: only when migrations are pending on a file database holding
//! tables, taken under the upgrade's write lock (one copy when many processes boot at once),
//! holding the data as it was before the first migration.

use std::sync::{Arc, Barrier};

use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{Migration, Migrations, UpgradeOptions};

use crate::common::{dump, migration, version_rows};

fn create_note(op: &mut Op) -> Result<()> {
    op.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
}
fn drop_note(op: &mut Op) -> Result<()> {
    op.drop_table("note")
}
/// Drops data: what a backup is for.
fn drop_body(op: &mut Op) -> Result<()> {
    op.drop_column("note", "body")
}
fn add_body(op: &mut Op) -> Result<()> {
    op.add_column("note", Column::new("body", Type::Text).nullable())
}

static LIST: [Migration; 2] = [
    Migration {
        checksum: 1,
        ..migration(
            "aaaa00000001",
            &[],
            "create note",
            create_note,
            drop_note,
            true,
        )
    },
    Migration {
        checksum: 2,
        ..migration(
            "bbbb00000002",
            &["aaaa00000001"],
            "drop body",
            drop_body,
            add_body,
            true,
        )
    },
];
static MIGRATIONS: Migrations = Migrations::new(&LIST);

fn options() -> UpgradeOptions {
    UpgradeOptions::default().backup_to("backups/app-{revision}.db")
}

#[test]
fn a_backup_is_taken_when_and_only_when_migrations_are_pending_on_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let mut conn = Connection::open(&path).unwrap();
    // A new, empty file: nothing to lose.
    let first = MIGRATIONS
        .upgrade_with(&mut conn, "aaaa00000001", &options())
        .unwrap();
    assert_eq!(
        (first.applied.as_slice(), first.backup),
        (&["aaaa00000001"][..], None)
    );
    conn.execute("INSERT INTO note (body) VALUES ('keep me')", [])
        .unwrap();
    let before = dump(&conn);

    let upgraded = MIGRATIONS
        .upgrade_with(&mut conn, "head", &options())
        .unwrap();
    let backup = upgraded.backup.expect("migrations were pending");
    assert_eq!(backup, dir.path().join("backups/app-aaaa00000001.db"));
    assert_eq!(dump(&Connection::open(&backup).unwrap()), before);
    assert_eq!(version_rows(&conn).unwrap(), ["bbbb00000002"]);
    assert!(!std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().contains("partial")));

    // At head: no copy.
    let again = MIGRATIONS
        .upgrade_with(&mut conn, "head", &options())
        .unwrap();
    assert_eq!(again, Default::default());
    // In memory: no copy.
    let mut memory = Connection::open_in_memory().unwrap();
    memory.execute_batch("CREATE TABLE x (a)").unwrap();
    assert_eq!(
        MIGRATIONS
            .upgrade_with(&mut memory, "head", &options())
            .unwrap()
            .backup,
        None
    );
}

#[test]
fn a_backup_that_cannot_be_written_stops_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let mut conn = Connection::open(&path).unwrap();
    MIGRATIONS.upgrade(&mut conn, "aaaa00000001").unwrap();
    std::fs::write(dir.path().join("blocked"), "a file, not a folder").unwrap();
    let err = MIGRATIONS
        .upgrade_with(
            &mut conn,
            "head",
            &UpgradeOptions::default().backup_to("blocked/app.db"),
        )
        .unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "cannot back up the database to {}",
            dir.path().join("blocked/app.db").display()
        )),
        "{err}"
    );
    assert_eq!(version_rows(&conn).unwrap(), ["aaaa00000001"]);
}

#[test]
fn eight_instances_booting_at_once_make_one_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        MIGRATIONS.upgrade(&mut conn, "aaaa00000001").unwrap();
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
             INSERT INTO note (body) SELECT 'row ' || i FROM n",
        )
        .unwrap();
    }
    let start = Arc::new(Barrier::new(8));
    let instances: Vec<_> = (0..8)
        .map(|_| {
            let (path, start) = (path.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut conn = Connection::open(&path).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(30))
                    .unwrap();
                start.wait();
                MIGRATIONS
                    .upgrade_with(&mut conn, "head", &options())
                    .unwrap()
            })
        })
        .collect();
    let results: Vec<_> = instances.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.backup.is_some()).count(), 1);
    assert_eq!(results.iter().filter(|r| !r.applied.is_empty()).count(), 1);
    let copies: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(copies, ["app-aaaa00000001.db"]);
    let copy = Connection::open(dir.path().join("backups/app-aaaa00000001.db")).unwrap();
    let rows: i64 = copy
        .query_row("SELECT count(body) FROM note", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 20000);
}
