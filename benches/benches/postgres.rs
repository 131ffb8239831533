//! alembic-runtime on PostgreSQL beside refinery's PostgreSQL driver and the raw statements.
//!
//! Needs the server `ALEMBIC_TEST_POSTGRES` names (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); the bench makes a database of its own
//! there and drops it. `cargo bench --manifest-path benches/Cargo.toml --bench postgres`.
//!
//! - `postgres_fresh_apply_1000/…`: an empty schema, the 1,000 migrations of the SQLite
//!   benches (CREATE TABLE / ADD COLUMN / CREATE INDEX), applied:
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

use alembic_runtime::postgres::{Client, NoTls};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Bencher, Criterion};

#[path = "common/chain.rs"]
mod chain;
use chain::{alembic, alembic_typed, all_sql, MAX};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database of the bench's own, dropped at the end.
struct Database {
    server: String,
    name: String,
    url: String,
}

impl Database {
    fn create(purpose: &str) -> Self {
        let server = std::env::var("ALEMBIC_TEST_POSTGRES").unwrap_or_else(|_| SERVER.into());
        let name = format!("alembic_bench_{purpose}_{}", std::process::id());
        let mut admin = Client::connect(&server, NoTls).expect("a PostgreSQL server");
        // One statement per query: neither may run in the implicit transaction of several.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&sql).unwrap();
        }
        let url = format!("{}/{name}", server.rsplit_once('/').unwrap().0);
        Database { server, name, url }
    }

    fn connect(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.server, NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name));
        }
    }
}

fn empty(client: &mut Client) {
    client
        .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        .unwrap();
}

/// Times `apply` on an emptied schema, emptying it before each run untimed.
fn fresh(b: &mut Bencher<'_>, client: &mut Client, mut apply: impl FnMut(&mut Client)) {
    b.iter_custom(|iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            empty(client);
            let start = Instant::now();
            apply(client);
            total += start.elapsed();
        }
        total
    })
}

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

fn fresh_apply(c: &mut Criterion) {
    let db = Database::create("apply");
    let mut client = db.connect();
    let mut group = c.benchmark_group("postgres_fresh_apply_1000");
    group.sample_size(10);
    let ours = alembic(MAX);
    group.bench_function("alembic", |b| {
        fresh(b, &mut client, |client| {
            assert_eq!(ours.upgrade(client, "head").unwrap().len(), MAX);
        })
    });
    let typed = alembic_typed(MAX);
    group.bench_function("alembic_typed", |b| {
        fresh(b, &mut client, |client| {
            assert_eq!(typed.upgrade(client, "head").unwrap().len(), MAX);
        })
    });
    let theirs = refinery_migrations();
    group.bench_function("refinery", |b| {
        fresh(b, &mut client, |client| {
            refinery::Runner::new(&theirs)
                .set_grouped(true)
                .run(client)
                .unwrap();
        })
    });
    let script = raw_script();
    group.bench_function("raw_one_batch", |b| {
        fresh(b, &mut client, |client| {
            client.batch_execute(&script).unwrap();
        })
    });
    // What the typed operations render (their `--sql` script), as one query string: the
    // limit for `alembic_typed`, whose identity columns make more catalog work than the
    // hand-written `INTEGER PRIMARY KEY`.
    let rendered = typed
        .upgrade_sql_for(None, "head", alembic_runtime::ScriptFor::Postgres)
        .unwrap();
    group.bench_function("raw_rendered_one_batch", |b| {
        fresh(b, &mut client, |client| {
            client.batch_execute(&rendered).unwrap();
        })
    });
    let statements: Vec<&str> = script
        .split(";\n")
        .filter(|s| !s.trim().is_empty())
        .collect();
    group.bench_function("raw_per_statement", |b| {
        fresh(b, &mut client, |client| {
            for stmt in &statements {
                client.batch_execute(stmt).unwrap();
            }
        })
    });
    group.finish();
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

criterion_group!(benches, fresh_apply, boot_at_head);
criterion_main!(benches);
