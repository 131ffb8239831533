//! A table rebuild on 1,000,000 rows against the same rebuild written by hand.
//!
//! `cargo bench --manifest-path benches/Cargo.toml --bench rebuild`
//!
//! The table has 5 columns and 2 indexes, two views read it, a third view reads one of
//! those, and an INSTEAD OF trigger sits on a view. `alembic` makes `score` NOT NULL through
//! `alter_column` in a batch with `recreate_always`, so the runtime rebuilds the table
//! (introspection, the 12-step statements with the views and trigger kept). `raw_sql` runs
//! SQLite's documented 12 steps by hand for the same change, in one transaction, with the
//! legacy rename that leaves the views in place. Each iteration starts from a fresh copy
//! of the same database file.
//!
//! `in_place_1m_rows/{set_not_null,add_check,drop_not_null}/{alembic,sqlite}`: the changes
//! SQLite 3.53+ makes in place, through the runtime beside SQLite's own `ALTER TABLE`.

use std::path::{Path, PathBuf};

use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{apply, AlterColumn};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const ROWS: i64 = 1_000_000;

const RAW_REBUILD: &str = r#"
PRAGMA legacy_alter_table = ON;
BEGIN IMMEDIATE;
CREATE TABLE "new_big" (
    "id" INTEGER PRIMARY KEY,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "score" REAL NOT NULL,
    "created" TEXT
);
INSERT INTO "new_big" ("id", "name", "email", "score", "created") SELECT "id", "name", "email", "score", "created" FROM "big";
DROP TABLE "big";
ALTER TABLE "new_big" RENAME TO "big";
CREATE INDEX "ix_big_name" ON "big" ("name");
CREATE INDEX "ix_big_email" ON "big" ("email");
COMMIT;
PRAGMA legacy_alter_table = OFF;
"#;

fn template(dir: &Path) -> PathBuf {
    let path = dir.join("template.db");
    let mut conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, score REAL, created TEXT);
         CREATE INDEX ix_big_name ON big (name);
         CREATE INDEX ix_big_email ON big (email);
         CREATE VIEW big_names AS SELECT id, name FROM big;
         CREATE VIEW big_scores AS SELECT id, score FROM big WHERE score > 50;
         CREATE VIEW big_top AS SELECT name FROM big_names WHERE id < 10;
         CREATE TRIGGER big_names_insert INSTEAD OF INSERT ON big_names
         BEGIN INSERT INTO big (name, score) VALUES (new.name, 0); END;",
    )
    .unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO big (name, email, score, created) VALUES (?1, ?2, ?3, '2026-11-24 12:00:00')")
            .unwrap();
        for i in 0..ROWS {
            insert
                .execute((
                    format!("user {i}"),
                    format!("user{i}@example.com"),
                    (i % 1000) as f64 / 10.0,
                ))
                .unwrap();
        }
    }
    tx.commit().unwrap();
    path
}

/// A fresh copy of the template database, opened, for each iteration.
fn copies_of_template(dir: &Path) -> impl Fn() -> Connection {
    let template = template(dir);
    let work = dir.join("work.db");
    move || {
        std::fs::copy(&template, &work).unwrap();
        Connection::open(&work).unwrap()
    }
}

fn rebuild(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let fresh = copies_of_template(dir.path());
    let mut group = c.benchmark_group("rebuild_1m_rows");
    group.sample_size(10);
    group.bench_function("alembic", |b| {
        b.iter_batched(
            &fresh,
            |mut conn| {
                apply(&mut conn, |op| {
                    op.batch_alter_table("big", |b| {
                        b.recreate_always();
                        b.alter_column("score", AlterColumn::new().nullable(false));
                    })
                })
                .unwrap();
                conn
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("raw_sql", |b| {
        b.iter_batched(
            &fresh,
            |conn| {
                conn.execute_batch(RAW_REBUILD).unwrap();
                conn
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// The changes SQLite 3.53+ makes in place (a scan that checks the rows, no copy), through
/// the runtime beside SQLite's own statement.
fn in_place(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let fresh = copies_of_template(dir.path());
    type Ours = fn(&mut alembic_runtime::Op) -> alembic_runtime::prelude::Result<()>;
    let cases: [(&str, Ours, &str); 3] = [
        (
            "set_not_null",
            |op| op.alter_column("big", "score", AlterColumn::new().nullable(false)),
            "ALTER TABLE big ALTER COLUMN score SET NOT NULL",
        ),
        (
            "add_check",
            |op| op.create_check_constraint("ck_score", "big", "score >= 0"),
            "ALTER TABLE big ADD CONSTRAINT ck_score CHECK (score >= 0)",
        ),
        (
            "drop_not_null",
            |op| op.alter_column("big", "name", AlterColumn::new().nullable(true)),
            "ALTER TABLE big ALTER COLUMN name DROP NOT NULL",
        ),
    ];
    let mut group = c.benchmark_group("in_place_1m_rows");
    group.sample_size(10);
    for (name, ours, sqlite) in cases {
        group.bench_function(format!("{name}/alembic"), |b| {
            b.iter_batched(
                &fresh,
                |mut conn| {
                    apply(&mut conn, ours).unwrap();
                    conn
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function(format!("{name}/sqlite"), |b| {
            b.iter_batched(
                &fresh,
                |conn| {
                    conn.execute_batch(&format!("BEGIN IMMEDIATE; {sqlite}; COMMIT"))
                        .unwrap();
                    conn
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, rebuild, in_place);
criterion_main!(benches);
