//! alembic-runtime on PostgreSQL beside refinery's PostgreSQL driver and the raw statements.
//!
//! Needs the server `ALEMBIC_TEST_POSTGRES` names (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); the bench makes a database of its own
//! there and drops it. `cargo bench --manifest-path benches/Cargo.toml --bench postgres`.
//!
//! - `postgres_fresh_apply_1000/…`: an empty schema, the 1,000 migrations of the SQLite
//!   benches (CREATE TABLE / ADD COLUMN / CREATE INDEX), applied in interleaved rounds
//!   (medians printed, not criterion's):
//!   - `alembic` (`op.execute`) and `alembic_typed` (typed operations);
//!   - `refinery` (0.10, grouped: one transaction, as ours);
//!   - `raw_one_batch`: every statement and the version row in one transaction sent as one
//!     query string: the physical limit, which no tool that names a failing statement can
//!     reach (it cannot tell which statement of a batch failed);
//!   - `raw_per_statement`: the same transaction, one statement per round trip: the limit
//!     for a tool that sends what a migration runs one by one, as every tool here does;
//!   - `raw_rendered_one_batch`: the typed operations' own `--sql` script as one query
//!     string, the limit for `alembic_typed`.
//! - `postgres_boot_at_head/…`: a connected client, the database at head: `alembic`
//!   (`upgrade("head")`), `refinery` (`run` with nothing to do), `raw_version_read` (one
//!   `SELECT` of the version rows, the floor for Alembic's table).

use std::hint::black_box;

use alembic_runtime::postgres::Client;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};

#[path = "common/chain.rs"]
mod chain;
#[path = "common/database.rs"]
mod database;
use chain::{alembic, alembic_typed, all_sql, MAX};
use database::{empty, Database};

fn refinery_migrations() -> Vec<refinery::Migration> {
    all_sql()[..MAX]
        .iter()
        .enumerate()
        .map(|(i, (up, _))| {
            refinery::Migration::unapplied(&format!("V{}__m{i}", i + 1), up).unwrap()
        })
        .collect()
}

fn raw_script() -> String {
    let mut script = String::from("BEGIN;\n");
    for (up, _) in &all_sql()[..MAX] {
        script.push_str(up);
        script.push_str(";\n");
    }
    script.push_str(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, \
         CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));\n\
         INSERT INTO alembic_version VALUES ('0000000003e7');\nCOMMIT;",
    );
    script
}

/// Runs each way of applying in turn, round after round, and prints each one's median and
/// its ratio to the raw limits: the server's own noise (checkpoints, autovacuum, the WAL
/// of a thousand tables) drifts over minutes, which criterion's one-way-at-a-time runs
/// would put between two ways.
fn fresh_apply() {
    const ROUNDS: usize = 9;
    let db = Database::create("apply");
    let mut client = db.connect();
    let ours = alembic(MAX);
    let typed = alembic_typed(MAX);
    let theirs = refinery_migrations();
    let script = raw_script();
    let statements: Vec<&str> = script
        .split(";\n")
        .filter(|s| !s.trim().is_empty())
        .collect();
    // What the typed operations render (their `--sql` script), as one query string: the
    // limit for `alembic_typed`, whose identity columns make more catalog work than the
    // hand-written `INTEGER PRIMARY KEY`.
    let rendered = typed
        .upgrade_sql_for(None, "head", alembic_runtime::ScriptFor::Postgres)
        .unwrap();
    type Way<'a> = (&'a str, Box<dyn Fn(&mut Client) + 'a>);
    let ways: Vec<Way<'_>> = vec![
        (
            "alembic",
            Box::new(|c| assert_eq!(ours.upgrade(c, "head").unwrap().len(), MAX)),
        ),
        (
            "alembic_typed",
            Box::new(|c| assert_eq!(typed.upgrade(c, "head").unwrap().len(), MAX)),
        ),
        (
            "refinery",
            Box::new(|c| {
                refinery::Runner::new(&theirs)
                    .set_grouped(true)
                    .run(c)
                    .unwrap();
            }),
        ),
        (
            "raw_one_batch",
            Box::new(|c| c.batch_execute(&script).unwrap()),
        ),
        (
            "raw_per_statement",
            Box::new(|c| {
                for stmt in &statements {
                    c.batch_execute(stmt).unwrap();
                }
            }),
        ),
        (
            "raw_rendered_one_batch",
            Box::new(|c| c.batch_execute(&rendered).unwrap()),
        ),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); ways.len()];
    for _ in 0..ROUNDS {
        for (i, (_, apply)) in ways.iter().enumerate() {
            empty(&mut client);
            let start = Instant::now();
            apply(&mut client);
            times[i].push(start.elapsed());
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let medians: Vec<Duration> = times.iter_mut().map(median).collect();
    let of = |name: &str| medians[ways.iter().position(|(n, _)| *n == name).unwrap()];
    for ((name, _), m) in ways.iter().zip(&medians) {
        println!(
            "postgres_fresh_apply_1000/{name}: median {m:.3?} of {ROUNDS} interleaved rounds; \
             {:.2}x raw_one_batch, {:.2}x raw_per_statement, {:.2}x raw_rendered_one_batch",
            m.as_secs_f64() / of("raw_one_batch").as_secs_f64(),
            m.as_secs_f64() / of("raw_per_statement").as_secs_f64(),
            m.as_secs_f64() / of("raw_rendered_one_batch").as_secs_f64(),
        );
    }
}

fn boot_at_head(c: &mut Criterion) {
    let db = Database::create("boot");
    let mut client = db.connect();
    let mut group = c.benchmark_group("postgres_boot_at_head");
    let ours = alembic(MAX);
    ours.upgrade(&mut client, "head").unwrap();
    // refinery's database of its own: the same statements would collide with ours.
    let refinery_db = Database::create("boot_refinery");
    let mut refinery_client = refinery_db.connect();
    let theirs = refinery_migrations();
    refinery::Runner::new(&theirs)
        .set_grouped(true)
        .run(&mut refinery_client)
        .unwrap();
    group.bench_function("alembic", |b| {
        b.iter(|| black_box(ours.upgrade(&mut client, "head").unwrap().len()))
    });
    group.bench_function("refinery", |b| {
        b.iter(|| {
            black_box(
                refinery::Runner::new(&theirs)
                    .set_grouped(true)
                    .run(&mut refinery_client)
                    .unwrap(),
            )
        })
    });
    group.bench_function("raw_version_read", |b| {
        b.iter(|| {
            let rows = client
                .query("SELECT version_num FROM alembic_version", &[])
                .unwrap();
            black_box(rows.len())
        })
    });
    group.finish();
}

criterion_group!(benches, boot_at_head);

fn main() {
    if std::env::args()
        .skip(1)
        .all(|a| a.starts_with('-') || "postgres_fresh_apply_1000".contains(&a))
    {
        fresh_apply();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
