//! A failing migration leaves schema, data and version rows exactly as they were.

use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{Error, Migration, MigrationFn, Migrations};

use crate::common::{dump, migration};
use crate::db::{on_both, Db};

fn create_monitor(op: &mut Op) -> Result<()> {
    op.execute(
        "CREATE TABLE monitor (id INTEGER PRIMARY KEY, url TEXT NOT NULL);
         INSERT INTO monitor (id, url) VALUES (1, 'https://a.example'), (2, 'https://b.example');",
    )
}
fn drop_monitor(op: &mut Op) -> Result<()> {
    op.execute("DROP TABLE monitor")
}
fn add_incident(op: &mut Op) -> Result<()> {
    op.execute("CREATE TABLE incident (id INTEGER PRIMARY KEY); INSERT INTO monitor (id, url) VALUES (3, 'https://c.example')")
}
fn drop_incident(op: &mut Op) -> Result<()> {
    op.execute("DROP TABLE incident")
}
/// Fails on its second statement, after the first changed data.
fn broken(op: &mut Op) -> Result<()> {
    op.execute("UPDATE monitor SET url = 'changed';\nALTER TABLE nonexistent ADD COLUMN x TEXT;")
}
fn commits_by_itself(op: &mut Op) -> Result<()> {
    op.execute("INSERT INTO monitor (url) VALUES ('x'); COMMIT")
}
fn nothing(_: &mut Op) -> Result<()> {
    Ok(())
}

static LIST: [Migration; 3] = [
    migration(
        "aaaa00000001",
        &[],
        "create monitor",
        create_monitor,
        drop_monitor,
        true,
    ),
    migration(
        "bbbb00000002",
        &["aaaa00000001"],
        "add incident",
        add_incident,
        drop_incident,
        true,
    ),
    migration(
        "cccc00000003",
        &["bbbb00000002"],
        "break things",
        broken,
        broken,
        true,
    ),
];
static MIGRATIONS: Migrations = Migrations::new(&LIST);

on_both! {
    a_migration_failing_on_its_second_statement_changes_nothing: second_statement;
    a_failure_rolls_back_the_earlier_migrations_of_the_same_call: earlier_migrations;
    a_failing_downgrade_changes_nothing: failing_downgrade;
}

fn second_statement(db: &mut impl Db) {
    MIGRATIONS.upgrade(db.db(), "bbbb").unwrap();
    let before = db.dump();

    let err = MIGRATIONS.upgrade(db.db(), "head").unwrap_err().to_string();

    assert_eq!(db.dump(), before);
    assert!(
        err.starts_with(
            "Running upgrade bbbb00000002 -> cccc00000003, break things failed in revision \
             cccc00000003; the database was left unchanged.\n"
        ),
        "{err}"
    );
    // The database's own words for the missing table, then the statement.
    assert!(
        err.contains("no such table: nonexistent")
            || err.contains("ERROR 42P01: relation \"nonexistent\" does not exist"),
        "{err}"
    );
    assert!(
        err.ends_with("\n  SQL: ALTER TABLE nonexistent ADD COLUMN x TEXT"),
        "{err}"
    );
}

fn earlier_migrations(db: &mut impl Db) {
    let before = db.dump();

    let err = MIGRATIONS.upgrade(db.db(), "head").unwrap_err();

    assert_eq!(db.dump(), before, "not even alembic_version was created");
    match err {
        Error::Migration(failed) => {
            assert_eq!(failed.revision, "cccc00000003");
            assert_eq!(failed.rolled_back, ["aaaa00000001", "bbbb00000002"]);
            assert!(failed.committed.is_empty());
        }
        other => panic!("unexpected {other}"),
    }
}

fn failing_downgrade(db: &mut impl Db) {
    MIGRATIONS.upgrade(db.db(), "bbbb").unwrap();
    MIGRATIONS.stamp(db.db(), &["cccc"], false).unwrap();
    let before = db.dump();

    let err = MIGRATIONS.downgrade(db.db(), "base").unwrap_err();

    assert_eq!(db.dump(), before);
    assert!(
        err.to_string()
            .starts_with("Running downgrade cccc00000003 -> bbbb00000002, break things failed"),
        "{err}"
    );
}

#[test]
fn a_migration_that_commits_by_itself_is_refused() {
    static LIST: [Migration; 1] = [migration(
        "dddd00000004",
        &[],
        "commits",
        commits_by_itself,
        nothing,
        true,
    )];
    static M: Migrations = Migrations::new(&LIST);
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE monitor (id INTEGER PRIMARY KEY, url TEXT)")
        .unwrap();
    let err = M.upgrade(&mut conn, "head").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Running upgrade  -> dddd00000004, commits failed in revision dddd00000004; the database \
         was left unchanged.\nrefused `COMMIT`: it would end the transaction the migrations run \
         in, which the runtime commits once every migration of the call has succeeded; remove it \
         (SAVEPOINT, RELEASE and ROLLBACK TO nest inside that transaction and may stay)"
    );
}

fn create_parent_and_child(op: &mut Op) -> Result<()> {
    op.execute(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);
         CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
         INSERT INTO parent (id) VALUES (1); INSERT INTO child (parent_id) VALUES (1);",
    )
}
fn orphan_a_child(op: &mut Op) -> Result<()> {
    op.execute("INSERT INTO child (parent_id) VALUES (42)")
}

const CREATE_PARENT_AND_CHILD: Migration = Migration {
    revision: "aaaa00000001",
    down_revisions: &[],
    branch_labels: &[],
    depends_on: &[],
    message: "create parent and child",
    upgrade: create_parent_and_child,
    downgrade: nothing,
    checksum: 0,
    transaction: true,
};
const ORPHAN_A_CHILD: Migration = Migration {
    revision: "bbbb00000002",
    down_revisions: &["aaaa00000001"],
    branch_labels: &[],
    depends_on: &[],
    message: "orphan a child",
    upgrade: orphan_a_child,
    downgrade: nothing,
    checksum: 0,
    transaction: true,
};

static FK_LIST: [Migration; 3] = [
    CREATE_PARENT_AND_CHILD,
    ORPHAN_A_CHILD,
    migration(
        "cccc00000003",
        &["bbbb00000002"],
        "nothing",
        nothing,
        nothing,
        true,
    ),
];

#[test]
fn a_broken_foreign_key_names_the_revision_that_left_it() {
    static MIGRATIONS: Migrations = Migrations::new(&FK_LIST);
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let err = MIGRATIONS.upgrade(&mut conn, "head").unwrap_err();
    assert!(
        matches!(&err, Error::ForeignKeys { revision: Some("bbbb00000002"), rows } if rows.len() == 1),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the migrations would leave 1 row(s) whose foreign key points to no row (left by revision \
         bbbb00000002), so nothing was changed; fix the data in the migration or the constraint:\n  \
         child rowid 2 references a missing row of parent"
    );
    assert!(dump(&conn).is_empty(), "nothing was changed");
    // Up to the first revision the keys hold.
    assert_eq!(
        MIGRATIONS.upgrade(&mut conn, "aaaa00000001").unwrap(),
        ["aaaa00000001"]
    );
}

fn adopt_the_orphan(op: &mut Op) -> Result<()> {
    op.execute("INSERT INTO parent (id) VALUES (42)")
}
fn drop_the_adopter(op: &mut Op) -> Result<()> {
    op.execute("DELETE FROM parent WHERE id = 42")
}

/// Keys broken by one migration, mended by the next and broken again by a third: the
/// blame goes to the one after which they stayed broken.
#[test]
fn keys_broken_mended_and_broken_again_blame_the_last_break() {
    static LIST: [Migration; 4] = [
        CREATE_PARENT_AND_CHILD,
        ORPHAN_A_CHILD,
        migration(
            "cccc00000003",
            &["bbbb00000002"],
            "adopt",
            adopt_the_orphan,
            nothing,
            true,
        ),
        migration(
            "dddd00000004",
            &["cccc00000003"],
            "orphan again",
            drop_the_adopter,
            nothing,
            true,
        ),
    ];
    static MIGRATIONS: Migrations = Migrations::new(&LIST);
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let err = MIGRATIONS.upgrade(&mut conn, "head").unwrap_err();
    assert!(
        matches!(
            &err,
            Error::ForeignKeys {
                revision: Some("dddd00000004"),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(dump(&conn).is_empty(), "nothing was changed");
    // Up to the adoption the keys hold.
    assert_eq!(
        MIGRATIONS.upgrade(&mut conn, "cccc00000003").unwrap().len(),
        3
    );
}

/// Keys the database broke before the upgrade are no migration's doing.
#[test]
fn keys_broken_before_the_upgrade_blame_no_revision() {
    static LIST: [Migration; 2] = [
        CREATE_PARENT_AND_CHILD,
        migration(
            "bbbb00000002",
            &["aaaa00000001"],
            "nothing",
            nothing,
            nothing,
            true,
        ),
    ];
    static MIGRATIONS: Migrations = Migrations::new(&LIST);
    let mut conn = Connection::open_in_memory().unwrap();
    MIGRATIONS.upgrade(&mut conn, "aaaa00000001").unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; INSERT INTO child (parent_id) VALUES (7); PRAGMA foreign_keys = ON",
    )
        .unwrap();
    let before = dump(&conn);
    let err = MIGRATIONS.upgrade(&mut conn, "head").unwrap_err();
    assert!(
        matches!(&err, Error::ForeignKeys { revision: None, rows } if rows.len() == 1),
        "{err:?}"
    );
    assert_eq!(dump(&conn), before);
}

fn through_the_connection_bad_table(op: &mut Op) -> Result<()> {
    op.connection()?
        .execute("INSERT INTO missing (a) VALUES (1)", [])?;
    Ok(())
}
fn through_the_connection_constraint(op: &mut Op) -> Result<()> {
    let conn = op.connection()?;
    conn.execute_batch("CREATE TABLE u (a TEXT UNIQUE); INSERT INTO u VALUES ('x')")?;
    conn.execute("INSERT INTO u (a) VALUES (?1)", ["x"])?;
    Ok(())
}

#[test]
fn a_statement_failing_through_the_connection_is_named_with_the_revision() {
    let cases: [(MigrationFn, &str); 2] = [
        (
            through_the_connection_bad_table,
            "no such table: missing\n  last SQL given to op.connection(): INSERT INTO missing (a) VALUES (1)",
        ),
        (
            through_the_connection_constraint,
            "UNIQUE constraint failed: u.a\n  last SQL given to op.connection(): INSERT INTO u (a) VALUES (?1)",
        ),
    ];
    for (upgrade, detail) in cases {
        let list: &'static [Migration] = Box::leak(Box::new([Migration {
            revision: "aaaa00000001",
            down_revisions: &[],
            branch_labels: &[],
            depends_on: &[],
            message: "direct",
            upgrade,
            downgrade: nothing,
            checksum: 0,
            transaction: true,
        }]));
        let m: &'static Migrations = Box::leak(Box::new(Migrations::new(list)));
        let mut conn = Connection::open_in_memory().unwrap();
        let text = m.upgrade(&mut conn, "head").unwrap_err().to_string();
        assert!(
            text.starts_with(
                "Running upgrade  -> aaaa00000001, direct failed in revision aaaa00000001;"
            ),
            "{text}"
        );
        assert!(text.ends_with(detail), "{text}");
        assert!(dump(&conn).is_empty());
    }
}
