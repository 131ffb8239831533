//! Checksums of applied migrations: recorded on upgrade, compared later, forgotten on
//! downgrade, accepted with `rehash`; never an alarm without a recorded checksum.

use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{Error, Migration, Migrations, OnEdited, UpgradeOptions};

use crate::common::migration;
use crate::db::{on_both, Db};

fn create_a(op: &mut Op) -> Result<()> {
    op.execute("CREATE TABLE a (x INTEGER)")
}
fn drop_a(op: &mut Op) -> Result<()> {
    op.drop_table("a")
}
fn create_b(op: &mut Op) -> Result<()> {
    op.execute("CREATE TABLE b (x INTEGER)")
}
fn drop_b(op: &mut Op) -> Result<()> {
    op.drop_table("b")
}

/// The two-migration chain with the given checksums, as two builds of one project would
/// embed it.
fn chain(first: u64, second: u64) -> &'static Migrations {
    let list = vec![
        Migration {
            checksum: first,
            ..migration("aaaa00000001", &[], "create a", create_a, drop_a, true)
        },
        Migration {
            checksum: second,
            ..migration(
                "bbbb00000002",
                &["aaaa00000001"],
                "create b",
                create_b,
                drop_b,
                true,
            )
        },
    ];
    let list: &'static [Migration] = Box::leak(list.into_boxed_slice());
    Box::leak(Box::new(
        Migrations::new(list).with_known_heads(&["bbbb00000002"]),
    ))
}

fn stored(conn: &Connection) -> Vec<(String, i64)> {
    let mut stmt = conn
        .prepare("SELECT version_num, checksum FROM alembic_checksum ORDER BY 1")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

const FAIL: OnEdited = OnEdited::Fail;

on_both! {
    an_edited_applied_migration_is_found_and_an_intended_edit_is_accepted: edited_and_accepted;
    strict_upgrades_with_pending_migrations_refuse_before_changing_anything: strict_refuses;
}

fn edited_and_accepted(db: &mut impl Db) {
    chain(11, 22).upgrade(db.db(), "head").unwrap();
    // Each applied migration's checksum, and under the empty key their XOR, which boot at
    // head compares with the list's by one lookup.
    assert_eq!(
        db.rows("SELECT version_num, CAST(checksum AS TEXT) FROM alembic_checksum ORDER BY 1"),
        [
            format!("|{}", 11 ^ 22),
            "aaaa00000001|11".to_owned(),
            "bbbb00000002|22".to_owned()
        ]
    );
    assert!(chain(11, 22).edited(db.db()).unwrap().is_empty());

    // The second migration's code changed after it ran.
    let edited = chain(11, 23);
    let found = edited.edited(db.db()).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].revision, "bbbb00000002");
    assert_eq!((found[0].recorded, found[0].current), (22, 23));
    assert_eq!(
        found[0].to_string(),
        "revision bbbb00000002 (create b) was edited after it was applied to this database \
         (checksum 0000000000000017, applied as 0000000000000016); restore what it did, or if \
         the edit is intended accept it with `cargo alembic stamp --rehash bbbb00000002`"
    );
    // At head the default warns and goes on; strict refuses.
    assert!(edited.upgrade(db.db(), "head").unwrap().is_empty());
    let strict = UpgradeOptions::default().on_edited(FAIL);
    let err = edited.upgrade_with(db.db(), "head", &strict).unwrap_err();
    assert!(matches!(&err, Error::Edited(e) if e.len() == 1), "{err}");

    assert_eq!(edited.rehash(db.db(), &["bbbb"]).unwrap(), ["bbbb00000002"]);
    assert!(edited.edited(db.db()).unwrap().is_empty());
    edited.upgrade_with(db.db(), "head", &strict).unwrap();
    // A downgrade forgets what it reverted.
    edited.downgrade(db.db(), "-1").unwrap();
    assert_eq!(
        db.rows("SELECT version_num, CAST(checksum AS TEXT) FROM alembic_checksum ORDER BY 1"),
        ["|11", "aaaa00000001|11"]
    );
}

fn strict_refuses(db: &mut impl Db) {
    chain(11, 22).upgrade(db.db(), "aaaa00000001").unwrap();
    let strict = UpgradeOptions::default().on_edited(FAIL);
    let err = chain(12, 22)
        .upgrade_with(db.db(), "head", &strict)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Edited(e) if e[0].revision == "aaaa00000001"),
        "{err}"
    );
    assert_eq!(db.version_rows().unwrap(), ["aaaa00000001"]);
    // Unapplied revisions are not compared, and cannot be rehashed.
    assert!(chain(11, 99).edited(db.db()).unwrap().is_empty());
    assert!(matches!(
        chain(11, 99).rehash(db.db(), &["bbbb00000002"]),
        Err(Error::NotApplied("bbbb00000002"))
    ));
}

#[test]
fn downgrade_forgets_and_rehash_current_records_every_applied_revision() {
    let mut conn = Connection::open_in_memory().unwrap();
    chain(11, 22).upgrade(&mut conn, "head").unwrap();
    chain(11, 22).downgrade(&mut conn, "-1").unwrap();
    assert_eq!(
        stored(&conn),
        [("".into(), 11), ("aaaa00000001".into(), 11)]
    );
    // A database stamped rather than migrated has no checksums to compare...
    chain(11, 22).stamp(&mut conn, &["head"], false).unwrap();
    assert!(chain(11, 99).edited(&conn).unwrap().is_empty());
    // ...until they are accepted as they are.
    assert_eq!(
        chain(11, 22).rehash(&mut conn, &["current"]).unwrap(),
        ["aaaa00000001", "bbbb00000002"]
    );
    assert_eq!(chain(11, 99).edited(&conn).unwrap().len(), 1);
}

#[test]
fn no_recorded_checksum_is_never_an_alarm() {
    // A database Python Alembic migrated: alembic_version only.
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE a (x INTEGER); CREATE TABLE b (x INTEGER);
         CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, \
         CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
         INSERT INTO alembic_version VALUES ('bbbb00000002');",
    )
    .unwrap();
    let strict = UpgradeOptions::default().on_edited(FAIL);
    assert!(chain(11, 22).edited(&conn).unwrap().is_empty());
    chain(11, 22)
        .upgrade_with(&mut conn, "head", &strict)
        .unwrap();
    // A hand-written list (checksum 0) records nothing and compares nothing.
    let mut fresh = Connection::open_in_memory().unwrap();
    chain(0, 0).upgrade(&mut fresh, "head").unwrap();
    assert!(fresh.prepare("SELECT 1 FROM alembic_checksum").is_err());
    chain(0, 5)
        .upgrade_with(&mut fresh, "head", &strict)
        .unwrap();
}
