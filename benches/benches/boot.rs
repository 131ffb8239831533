//! Boot and apply costs of alembic-runtime beside rusqlite_migration and raw SQL.
//!
//! `cargo bench --manifest-path benches/Cargo.toml` (add `-- boot_at_head` etc. to filter).
//!
//! - `boot_at_head/{alembic,rusqlite_migration}/{10,1000}`: open the file, bring it to head
//!   (already there), run one ordinary query. SQLite parses the schema on a connection's
//!   first statement, so that query belongs to the honest unit of "boot".
//!   `raw_version_read` opens the same file and reads `alembic_version` by hand: the floor
//!   for Alembic's version table, which costs a table read where rusqlite_migration reads
//!   `PRAGMA user_version` from the header. The migrations carry checksums, as built ones
//!   do, so boot at head also compares them (one aggregate query).
//! - `fresh_apply_1000/{alembic,rusqlite_migration,raw_sql}`: a new file, 1,000 small
//!   migrations (CREATE TABLE / ADD COLUMN / CREATE INDEX); raw_sql is the same statements
//!   in one `execute_batch` transaction.
//! - `fresh_apply_typed/{alembic,raw_sql,raw_rendered_sql}/{100,1000,2000}`: the same
//!   migrations written with typed operations (`op.create_table`, `op.add_column`,
//!   `op.create_index`, what autogenerate writes) beside the hand-written statements as one
//!   raw script, and beside the statements the operations render (their `--sql` script,
//!   version rows included) as one raw script.
//! - `graph_build/1000`: validating 1,000 migrations as a graph, which a list embedded with
//!   declared heads skips at head and any other call pays once per process.

use std::hint::black_box;
use std::path::Path;

use alembic_runtime::rusqlite::Connection;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

#[path = "common/chain.rs"]
mod chain;
use chain::{alembic, alembic_typed, all_sql, MAX, MAX_TYPED};

fn baseline(n: usize) -> rusqlite_migration::Migrations<'static> {
    let ms: Vec<rusqlite_migration::M<'static>> = all_sql()[..n]
        .iter()
        .map(|(up, down)| rusqlite_migration::M::up(up).down(down))
        .collect();
    rusqlite_migration::Migrations::new(ms)
}

fn query(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM t0", [], |r| r.get(0))
        .unwrap()
}

fn boot_at_head(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("boot_at_head");
    for n in [10, MAX] {
        let ours = alembic(n);
        let ours_path = dir.path().join(format!("alembic-{n}.db"));
        ours.upgrade(&mut Connection::open(&ours_path).unwrap(), "head")
            .unwrap();
        group.bench_function(format!("alembic/{n}"), |b| {
            b.iter(|| {
                let mut conn = Connection::open(&ours_path).unwrap();
                assert!(ours.upgrade(&mut conn, "head").unwrap().is_empty());
                black_box(query(&conn))
            })
        });

        // The floor for Alembic's format: the same file, its version rows read by hand.
        group.bench_function(format!("raw_version_read/{n}"), |b| {
            b.iter(|| {
                let conn = Connection::open(&ours_path).unwrap();
                let rows: Vec<String> = conn
                    .prepare("SELECT version_num FROM alembic_version")
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<std::result::Result<_, _>>()
                    .unwrap();
                assert_eq!(rows.len(), 1);
                black_box(query(&conn))
            })
        });

        let theirs = baseline(n);
        let theirs_path = dir.path().join(format!("baseline-{n}.db"));
        theirs
            .to_latest(&mut Connection::open(&theirs_path).unwrap())
            .unwrap();
        group.bench_function(format!("rusqlite_migration/{n}"), |b| {
            b.iter(|| {
                let mut conn = Connection::open(&theirs_path).unwrap();
                theirs.to_latest(&mut conn).unwrap();
                black_box(query(&conn))
            })
        });
    }
    group.finish();
}

fn fresh_apply(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let fresh = |name: &str| {
        let path = dir.path().join(name);
        let _ = std::fs::remove_file(&path);
        path
    };
    let mut group = c.benchmark_group("fresh_apply_1000");
    group.sample_size(10);
    let ours = alembic(MAX);
    group.bench_function("alembic", |b| {
        b.iter_batched(
            || fresh("alembic.db"),
            |path| {
                let mut conn = Connection::open(&path).unwrap();
                assert_eq!(ours.upgrade(&mut conn, "head").unwrap().len(), MAX);
            },
            BatchSize::PerIteration,
        )
    });
    let theirs = baseline(MAX);
    group.bench_function("rusqlite_migration", |b| {
        b.iter_batched(
            || fresh("baseline.db"),
            |path| {
                let mut conn = Connection::open(&path).unwrap();
                theirs.to_latest(&mut conn).unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    let script = raw_script();
    group.bench_function("raw_sql", |b| {
        b.iter_batched(
            || fresh("raw.db"),
            |path: std::path::PathBuf| apply_raw(&path, &script),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Fresh apply of `n` typed migrations beside the same statements as one raw script: the
/// ratio, and how each grows from 100 to 2,000 (linear, like the limit's, or worse).
fn fresh_apply_typed(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let fresh = |name: &str| {
        let path = dir.path().join(name);
        let _ = std::fs::remove_file(&path);
        path
    };
    let mut group = c.benchmark_group("fresh_apply_typed");
    group.sample_size(10);
    for n in [100, 1000, MAX_TYPED] {
        let ours = alembic_typed(n);
        group.bench_function(format!("alembic/{n}"), |b| {
            b.iter_batched(
                || fresh("typed.db"),
                |path| {
                    let mut conn = Connection::open(&path).unwrap();
                    assert_eq!(ours.upgrade(&mut conn, "head").unwrap().len(), n);
                },
                BatchSize::PerIteration,
            )
        });
        let script = raw_script_of(n);
        group.bench_function(format!("raw_sql/{n}"), |b| {
            b.iter_batched(
                || fresh("typed_raw.db"),
                |path: std::path::PathBuf| apply_raw(&path, &script),
                BatchSize::PerIteration,
            )
        });
        // The statements the typed operations render (quoted names, NOT NULL spelt out,
        // table-level keys), as one raw script: SQLite re-parses the whole schema after
        // each ADD COLUMN, so longer DDL costs SQLite itself more.
        let rendered = ours.upgrade_sql(None, "head").unwrap();
        group.bench_function(format!("raw_rendered_sql/{n}"), |b| {
            b.iter_batched(
                || fresh("typed_rendered.db"),
                |path: std::path::PathBuf| apply_raw(&path, &rendered),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn raw_script() -> String {
    raw_script_of(MAX)
}

fn raw_script_of(n: usize) -> String {
    let body: Vec<&str> = all_sql()[..n].iter().map(|(up, _)| up.as_str()).collect();
    format!("BEGIN IMMEDIATE;\n{};\nCOMMIT;", body.join(";\n"))
}

fn apply_raw(path: &Path, script: &str) {
    Connection::open(path)
        .unwrap()
        .execute_batch(script)
        .unwrap();
}

fn graph_build(c: &mut Criterion) {
    let list = alembic(MAX).list();
    c.bench_function("graph_build/1000", |b| {
        b.iter(|| black_box(alembic_runtime::RevisionGraph::build(list).unwrap().len()))
    });
}

criterion_group!(
    benches,
    boot_at_head,
    fresh_apply,
    fresh_apply_typed,
    graph_build
);
criterion_main!(benches);
