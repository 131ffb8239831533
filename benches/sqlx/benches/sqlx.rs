//! sqlx migrate (0.8) beside alembic-runtime on PostgreSQL: the 1,000 migrations of the
//! other benches applied to an empty schema, and a boot at head. A bench binary, run by hand
//! (`cargo bench --manifest-path benches/sqlx/Cargo.toml`); it needs the server
//! `ALEMBIC_TEST_POSTGRES` names, and makes databases of its own there.
//!
//! - fresh apply, medians of interleaved rounds: `alembic` (`op.execute`, one transaction),
//!   `sqlx` (`Migrator::run` on a folder of `.sql` files: one transaction per migration, its
//!   only way), and the raw statements in one transaction, one per round trip (the limit
//!   for a tool that names the statement that failed);
//! - boot at head, median of 200 calls on a connected client: `alembic` (`upgrade("head")`),
//!   `sqlx` (`Migrator::run` with nothing to do).

use std::time::{Duration, Instant};

#[path = "../../benches/common/chain.rs"]
#[allow(dead_code, reason = "the typed chain is the other benches'")]
mod chain;
#[path = "../../benches/common/database.rs"]
mod database;
use chain::{alembic, all_sql, MAX};
use database::{empty, Database};

/// sqlx's migrations: a folder of `<version>_<name>.sql` files, read by `Migrator::new`.
struct Sqlx {
    runtime: tokio::runtime::Runtime,
    migrator: sqlx::migrate::Migrator,
    _files: tempfile::TempDir,
}

impl Sqlx {
    fn new() -> Self {
        let files = tempfile::tempdir().unwrap();
        for (i, (up, _)) in all_sql()[..MAX].iter().enumerate() {
            std::fs::write(files.path().join(format!("{}_m{i}.sql", i + 1)), up).unwrap();
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let migrator = runtime
            .block_on(sqlx::migrate::Migrator::new(files.path()))
            .unwrap();
        Sqlx {
            runtime,
            migrator,
            _files: files,
        }
    }

    fn connect(&self, url: &str) -> sqlx::PgConnection {
        use sqlx::Connection;
        self.runtime
            .block_on(sqlx::PgConnection::connect(url))
            .unwrap()
    }

    fn run(&self, conn: &mut sqlx::PgConnection) {
        self.runtime.block_on(self.migrator.run(conn)).unwrap();
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    const ROUNDS: usize = 5;
    let db = Database::create("sqlx_apply");
    let mut client = db.connect();
    let ours = alembic(MAX);
    let sqlx = Sqlx::new();
    let mut sqlx_conn = sqlx.connect(&db.url);
    let statements: Vec<&str> = all_sql()[..MAX].iter().map(|(up, _)| up.as_str()).collect();
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        empty(&mut client);
        let start = Instant::now();
        assert_eq!(ours.upgrade(&mut client, "head").unwrap().len(), MAX);
        times[0].push(start.elapsed());

        empty(&mut client);
        let start = Instant::now();
        sqlx.run(&mut sqlx_conn);
        times[1].push(start.elapsed());

        empty(&mut client);
        let start = Instant::now();
        client.batch_execute("BEGIN").unwrap();
        for stmt in &statements {
            client.batch_execute(stmt).unwrap();
        }
        client.batch_execute("COMMIT").unwrap();
        times[2].push(start.elapsed());
    }
    let [alembic_t, sqlx_t, raw_t] = times.map(median);
    let ratio = |d: Duration| d.as_secs_f64() / raw_t.as_secs_f64();
    println!(
        "fresh apply of {MAX} migrations, medians of {ROUNDS} interleaved rounds: alembic \
         {alembic_t:.3?} ({:.2}x), sqlx {sqlx_t:.3?} ({:.2}x), raw per statement in one \
         transaction {raw_t:.3?}",
        ratio(alembic_t),
        ratio(sqlx_t)
    );

    // Boot at head, each in a database of its own at head.
    let ours_db = Database::create("sqlx_boot_alembic");
    let mut ours_client = ours_db.connect();
    ours.upgrade(&mut ours_client, "head").unwrap();
    let theirs_db = Database::create("sqlx_boot_sqlx");
    let mut theirs = sqlx.connect(&theirs_db.url);
    sqlx.run(&mut theirs);
    let time = |f: &mut dyn FnMut()| {
        median(
            (0..200)
                .map(|_| {
                    let start = Instant::now();
                    f();
                    start.elapsed()
                })
                .collect(),
        )
    };
    let alembic_boot = time(&mut || {
        assert!(ours.upgrade(&mut ours_client, "head").unwrap().is_empty());
    });
    let sqlx_boot = time(&mut || sqlx.run(&mut theirs));
    println!(
        "boot at head ({MAX} migrations applied), median of 200: alembic {alembic_boot:.1?}, \
         sqlx {sqlx_boot:.1?} ({:.2}x alembic's)",
        sqlx_boot.as_secs_f64() / alembic_boot.as_secs_f64()
    );
}
