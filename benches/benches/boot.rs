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
use std::sync::OnceLock;

use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{Migration, MigrationFn, Migrations};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use seq_macro::seq;

const MAX: usize = 1000;
/// The longest chain of typed migrations, for the growth from 100 to 1,000 to 2,000.
const MAX_TYPED: usize = 2000;

/// Migration `i`: every third creates a table, the next adds a column to it, the next
/// indexes it.
fn sql(i: usize) -> (String, String) {
    match i % 3 {
        0 => (
            format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '')"),
            format!("DROP TABLE t{i}"),
        ),
        1 => (
            format!("ALTER TABLE t{} ADD COLUMN c{i} INTEGER", i - 1),
            format!("ALTER TABLE t{} DROP COLUMN c{i}", i - 1),
        ),
        _ => (
            format!("CREATE INDEX ix{i} ON t{} (name)", i - 2),
            format!("DROP INDEX ix{i}"),
        ),
    }
}

fn all_sql() -> &'static [(String, String)] {
    static SQL: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SQL.get_or_init(|| (0..MAX_TYPED).map(sql).collect())
}

/// Migration `i` of [`sql`], written with typed operations, as autogenerate writes it.
fn up_typed<const I: usize>(op: &mut Op) -> Result<()> {
    match I % 3 {
        0 => op.create_table(
            Table::new(format!("t{I}"))
                .column(Column::new("id", Type::Integer))
                .column(Column::new("name", Type::Text).default_sql("''"))
                .primary_key(&["id"]),
        ),
        1 => op.add_column(
            &format!("t{}", I - 1),
            Column::new(format!("c{I}"), Type::Integer).nullable(),
        ),
        _ => op.create_index(
            &format!("t{}", I - 2),
            Index::new(&format!("ix{I}"), &["name"]),
        ),
    }
}
fn down_typed<const I: usize>(op: &mut Op) -> Result<()> {
    match I % 3 {
        0 => op.drop_table(&format!("t{I}")),
        1 => op.drop_column(&format!("t{}", I - 1), &format!("c{I}")),
        _ => op.drop_index(&format!("ix{I}")),
    }
}

fn up<const I: usize>(op: &mut Op) -> Result<()> {
    op.execute(&all_sql()[I].0)
}
fn down<const I: usize>(op: &mut Op) -> Result<()> {
    op.execute(&all_sql()[I].1)
}

seq!(I in 0..1000 {
    const UPS: [MigrationFn; MAX] = [#(up::<I>,)*];
    const DOWNS: [MigrationFn; MAX] = [#(down::<I>,)*];
});
seq!(I in 0..2000 {
    const UPS_TYPED: [MigrationFn; MAX_TYPED] = [#(up_typed::<I>,)*];
    const DOWNS_TYPED: [MigrationFn; MAX_TYPED] = [#(down_typed::<I>,)*];
});

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A chain of `n` migrations as `embed_migrations!` will emit it: static data with the
/// head declared.
fn alembic(n: usize) -> &'static Migrations {
    chain(n, &UPS, &DOWNS)
}

/// [`alembic`], with the typed migrations.
fn alembic_typed(n: usize) -> &'static Migrations {
    chain(n, &UPS_TYPED, &DOWNS_TYPED)
}

fn chain(n: usize, ups: &[MigrationFn], downs: &[MigrationFn]) -> &'static Migrations {
    let ids: Vec<&'static str> = (0..n).map(|i| leak(format!("{i:012x}"))).collect();
    let list: Vec<Migration> = (0..n)
        .map(|i| Migration {
            revision: ids[i],
            down_revisions: if i == 0 {
                &[]
            } else {
                Box::leak(Box::new([ids[i - 1]]))
            },
            branch_labels: &[],
            depends_on: &[],
            message: "bench",
            upgrade: ups[i],
            downgrade: downs[i],
            // As the build gives them: checksums on, so boot at head checks them.
            checksum: i as u64 + 1, transaction: true,
        })
        .collect();
    let heads: &'static [&'static str] = Box::leak(Box::new([ids[n - 1]]));
    Box::leak(Box::new(
        Migrations::new(Box::leak(list.into_boxed_slice())).with_known_heads(heads),
    ))
}

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
