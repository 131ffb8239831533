//! The copy `UpgradeOptions::backup_to` takes before migrating, beside SQLite's own
//! `VACUUM INTO` of the same database, on a file of about 100 MB.
//!
//! `cargo bench --manifest-path benches/Cargo.toml --bench backup`
//!
//! - `backup_100mb/upgrade_with_backup`: one pending migration (it adds a nullable column,
//!   in place), run with a backup;
//! - `backup_100mb/upgrade_alone`: the same upgrade without one: the difference is the
//!   backup's cost;
//! - `backup_100mb/vacuum_into`: `VACUUM INTO` of the same database, the peer.
//!
//! Each iteration starts from a fresh copy of one template file (not timed).

use std::path::Path;

use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{Migration, Migrations, UpgradeOptions};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn create(op: &mut Op) -> Result<()> {
    op.execute(
        "CREATE TABLE event (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL); \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) \
         INSERT INTO event (kind, payload) SELECT 'kind' || (i % 17), \
         printf('%.80c', char(65 + i % 26)) FROM n; \
         CREATE INDEX ix_event_kind ON event (kind)",
    )
}
fn drop_event(op: &mut Op) -> Result<()> {
    op.drop_table("event")
}
fn add_note(op: &mut Op) -> Result<()> {
    op.add_column("event", Column::new("note", Type::Text).nullable())
}
fn drop_note(op: &mut Op) -> Result<()> {
    op.drop_column("event", "note")
}

static LIST: [Migration; 2] = [
    Migration {
        revision: "aaaa00000001",
        down_revisions: &[],
        branch_labels: &[],
        depends_on: &[],
        message: "events",
        upgrade: create,
        downgrade: drop_event,
        checksum: 1,
        transaction: true,
    },
    Migration {
        revision: "bbbb00000002",
        down_revisions: &["aaaa00000001"],
        branch_labels: &[],
        depends_on: &[],
        message: "note",
        upgrade: add_note,
        downgrade: drop_note,
        checksum: 2,
        transaction: true,
    },
];
static MIGRATIONS: Migrations = Migrations::new(&LIST);

fn backup(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.db");
    MIGRATIONS
        .upgrade(&mut Connection::open(&template).unwrap(), "aaaa00000001")
        .unwrap();
    let size = std::fs::metadata(&template).unwrap().len();
    println!("database: {:.0} MB", size as f64 / 1e6);
    let fresh = || {
        let path = dir.path().join("app.db");
        let _ = std::fs::remove_dir_all(dir.path().join("backups"));
        let _ = std::fs::remove_file(dir.path().join("copy.db"));
        std::fs::copy(&template, &path).unwrap();
        path
    };
    let upgrade = |path: &Path, options: &UpgradeOptions| {
        let mut conn = Connection::open(path).unwrap();
        let upgraded = MIGRATIONS.upgrade_with(&mut conn, "head", options).unwrap();
        assert_eq!(upgraded.applied, ["bbbb00000002"]);
        upgraded
    };
    let mut group = c.benchmark_group("backup_100mb");
    group.sample_size(10);
    let with_backup = UpgradeOptions::default().backup_to("backups/app-{revision}.db");
    group.bench_function("upgrade_with_backup", |b| {
        b.iter_batched(
            fresh,
            |path| assert!(upgrade(&path, &with_backup).backup.is_some()),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("upgrade_alone", |b| {
        b.iter_batched(
            fresh,
            |path| assert!(upgrade(&path, &UpgradeOptions::default()).backup.is_none()),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("vacuum_into", |b| {
        b.iter_batched(
            fresh,
            |path| {
                Connection::open(&path)
                    .unwrap()
                    .execute(
                        "VACUUM INTO ?1",
                        [dir.path().join("copy.db").to_string_lossy()],
                    )
                    .unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, backup);
criterion_main!(benches);
