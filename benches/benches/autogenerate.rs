//! Autogenerate on a 200-table, 2,000-column model set. A bench binary, run by hand:
//!
//! `cargo bench --manifest-path benches/Cargo.toml --bench autogenerate`
//!
//! Reports (median of 20 unless said):
//! - reading the models (walk + syn + alembic-model) from 20 files;
//! - diff + render against an identical schema, and against one 50 changes away;
//! - through the release `cargo-alembic` binary on a project with those models: the first
//!   `revision --autogenerate` (builds the runner; once), `check` with the runner up to
//!   date (the whole pipeline but the write, median of 5), a `revision --autogenerate` of
//!   the 50 changes, and `check` after it, first with the runner's incremental rebuild for
//!   the new migration (once), then warm (median of 5);
//! - the same on PostgreSQL (the server `ALEMBIC_TEST_POSTGRES` names): `check` warm, which
//!   applies the migrations to a scratch database and drops it, and `check --database` on a
//!   database at head; beside Python Alembic 1.20's `alembic check` on a copy of that
//!   database, with the same 200 tables as SQLAlchemy metadata (Alembic needs a database at
//!   head; `python3 -m alembic` with psycopg must be installed).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{median, release_cli, repo};
#[path = "common/database.rs"]
mod database;
use database::Database;

use alembic_runtime::schema::sql::Dialect;
use alembic_runtime::schema::Schema;
use cargo_alembic::compare::compare;
use cargo_alembic::models::discover;

const TABLES: usize = 200;
const FILES: usize = 20;

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// Model `i`: 10 columns, a foreign key to the model before it, an index. `changed` models
/// differ in 50 ways: every fourth of the first 100 gets a new column (25); of those, every
/// second has a type change (13), and the others alternately an extra index (6) or a
/// dropped field (6).
fn model(i: usize, changed: bool) -> String {
    let edit = changed && i < 100 && i.is_multiple_of(4);
    let (retype, index, drop) = (
        edit && i.is_multiple_of(8),
        edit && i % 16 == 12,
        edit && i % 16 == 4,
    );
    let mut s =
        format!("#[derive(Model)]\n#[alembic(index(name = \"ix_t{i}_a\", columns = [\"a\"]))]\n");
    if index {
        writeln!(
            s,
            "#[alembic(index(name = \"ix_t{i}_b\", columns = [\"b\"]))]"
        )
        .unwrap();
    }
    writeln!(
        s,
        "pub struct T{i} {{\n    #[alembic(primary_key)]\n    pub id: i64,"
    )
    .unwrap();
    if i > 0 {
        writeln!(
            s,
            "    #[alembic(references = \"t{}.id\")]\n    pub parent_id: Option<i64>,",
            i - 1
        )
        .unwrap();
    } else {
        s.push_str("    pub parent_id: Option<i64>,\n");
    }
    s.push_str("    pub a: String,\n");
    if retype {
        s.push_str("    #[alembic(sql_type = \"VARCHAR(80)\")]\n");
    }
    s.push_str("    pub b: String,\n    pub c: Option<String>,\n    pub d: i64,\n    pub e: f64,\n    pub f: bool,\n");
    if !drop {
        s.push_str("    pub g: Option<Vec<u8>>,\n");
    }
    s.push_str("    pub h: Option<String>,\n");
    if edit {
        s.push_str("    pub added: Option<String>,\n");
    }
    s.push_str("}\n\n");
    s
}

fn write_models(dir: &Path, changed: bool) {
    std::fs::create_dir_all(dir).unwrap();
    for f in 0..FILES {
        let mut text = String::from("use alembic_runtime::Model;\n\n");
        for i in (f..TABLES).step_by(FILES) {
            text.push_str(&model(i, changed));
        }
        std::fs::write(dir.join(format!("m{f:02}.rs")), text).unwrap();
    }
}

/// A package named `name` in `root` with the unchanged models and this checkout's lock.
fn write_project(root: &Path, name: &str) {
    write_models(&root.join("src/models"), false);
    std::fs::write(
        root.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"),
    )
    .unwrap();
    std::fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::copy(repo().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let models_dir = root.join("src/models");
    write_models(&models_dir, false);
    let paths = [models_dir.clone()];

    let read = median(
        (0..20)
            .map(|_| timed(|| discover(root, &paths, Dialect::Sqlite).unwrap()).1)
            .collect(),
    );
    let same = discover(root, &paths, Dialect::Sqlite).unwrap();
    let columns: usize = same.tables.iter().map(|t| t.columns.len()).sum();
    println!(
        "models: {} tables, {columns} columns in {FILES} files; read in {read:.2?}",
        same.tables.len()
    );

    let current: Schema = same.schema();
    let identical = median(
        (0..20)
            .map(|_| {
                let (c, t) = timed(|| compare(Dialect::Sqlite, &current, &same, &[]));
                assert!(c.changes.is_empty());
                t
            })
            .collect(),
    );
    println!("diff + render, identical schema: {identical:.2?}");

    write_models(&models_dir, true);
    let changed = discover(root, &paths, Dialect::Sqlite).unwrap();
    let mut n = 0;
    let fifty = median(
        (0..20)
            .map(|_| {
                let (c, t) = timed(|| compare(Dialect::Sqlite, &current, &changed, &[]));
                n = c.changes.len();
                t
            })
            .collect(),
    );
    println!("diff + render, {n} changes: {fifty:.2?}");
    assert_eq!(n, 50);

    // The whole command, through the release binary.
    let exe = release_cli();
    write_project(root, "autogenbench");
    let alembic = |args: &[&str]| {
        let mut cmd = Command::new(&exe);
        cmd.arg("alembic")
            .args(args)
            .current_dir(root)
            .env_remove("DATABASE_URL");
        let (out, t) = timed(|| cmd.output().unwrap());
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    };
    alembic(&["init", "--path", &repo().display().to_string()]);
    let first = alembic(&["-q", "revision", "--autogenerate", "-m", "initial"]);
    println!("revision --autogenerate, first (builds the runner): {first:.2?}");
    let check = median((0..5).map(|_| alembic(&["check"])).collect());
    println!("check, runner up to date: {check:.2?}");
    write_models(&models_dir, true);
    let second = alembic(&["-q", "revision", "--autogenerate", "-m", "fifty changes"]);
    println!("revision --autogenerate, 50 changes (runner up to date): {second:.2?}");
    let rebuild = alembic(&["check"]);
    println!("check after it, first (rebuilds the runner for the new migration): {rebuild:.2?}");
    let check = median((0..5).map(|_| alembic(&["check"])).collect());
    println!("check after it, runner up to date: {check:.2?}");

    postgres(&exe);
}

/// The same model set on PostgreSQL, beside Python Alembic.
fn postgres(exe: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root, "autogenbenchpg");
    let db = Database::create("autogenerate");
    let alembic = |args: &[&str]| {
        let mut cmd = Command::new(exe);
        cmd.arg("alembic")
            .args(args)
            .current_dir(root)
            .env("DATABASE_URL", &db.url);
        let (out, t) = timed(|| cmd.output().unwrap());
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    };
    alembic(&["init", "--path", &repo().display().to_string()]);
    let first = alembic(&["-q", "revision", "--autogenerate", "-m", "initial"]);
    println!("PostgreSQL: revision --autogenerate, first (builds the runner): {first:.2?}");
    alembic(&["-q", "upgrade", "head"]);
    let scratch = median((0..5).map(|_| alembic(&["check"])).collect());
    println!("PostgreSQL: check, runner up to date (scratch database made, migrated, read, dropped): {scratch:.2?}");
    let at_head = median(
        (0..5)
            .map(|_| alembic(&["--database", &db.url, "check"]))
            .collect(),
    );
    println!("PostgreSQL: check --database (a database at head read back): {at_head:.2?}");

    // Python Alembic on a database with the same tables, stamped at a revision of its own.
    let theirs = Database::create("autogenerate_alembic");
    alembic(&["-q", "--database", &theirs.url, "upgrade", "head"]);
    theirs
        .connect()
        .batch_execute(
            "DROP TABLE alembic_checksum; DELETE FROM alembic_version; \
             INSERT INTO alembic_version VALUES ('py0001')",
        )
        .unwrap();
    let py = root.join("py");
    write_alembic_project(&py, &theirs.url);
    let run_alembic = || {
        let start = Instant::now();
        let out = Command::new("python3")
            .args(["-m", "alembic", "check"])
            .current_dir(&py)
            .output()
            .expect("python3 -m alembic (pip install alembic==1.20.1 psycopg[binary])");
        let t = start.elapsed();
        assert!(
            out.status.success(),
            "alembic check: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        t
    };
    let python = median((0..5).map(|_| run_alembic()).collect());
    println!("PostgreSQL: Python Alembic 1.20 `alembic check` on a database at head: {python:.2?}");
}

/// An Alembic project whose metadata is the bench's 200 tables, on `url`.
fn write_alembic_project(dir: &Path, url: &str) {
    std::fs::create_dir_all(dir.join("scripts/versions")).unwrap();
    let url = url.replacen("postgres://", "postgresql+psycopg://", 1);
    std::fs::write(
        dir.join("alembic.ini"),
        format!("[alembic]\nscript_location = %(here)s/scripts\nsqlalchemy.url = {url}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("scripts/env.py"),
        "from alembic import context\nfrom sqlalchemy import create_engine\nimport models\n\n\
         engine = create_engine(context.config.get_main_option('sqlalchemy.url'))\n\
         with engine.connect() as connection:\n    \
             context.configure(connection=connection, target_metadata=models.metadata)\n    \
             with context.begin_transaction():\n        context.run_migrations()\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("scripts/versions/py0001_initial.py"),
        "revision = 'py0001'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\n\
         def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
    )
    .unwrap();
    let mut models = String::from(
        "from sqlalchemy import (BigInteger, Boolean, Column, Double, ForeignKey, Index,\n\
         \x20   LargeBinary, MetaData, Table, Text)\n\nmetadata = MetaData()\n\n",
    );
    writeln!(
        models,
        "for i in range({TABLES}):\n    \
             parent = [ForeignKey(f't{{i - 1}}.id')] if i else []\n    \
             Table(f't{{i}}', metadata,\n        \
                 Column('id', BigInteger, primary_key=True),\n        \
                 Column('parent_id', BigInteger, *parent, nullable=True),\n        \
                 Column('a', Text, nullable=False), Column('b', Text, nullable=False),\n        \
                 Column('c', Text), Column('d', BigInteger, nullable=False),\n        \
                 Column('e', Double, nullable=False), Column('f', Boolean, nullable=False),\n        \
                 Column('g', LargeBinary), Column('h', Text),\n        \
                 Index(f'ix_t{{i}}_a', 'a'))"
    )
    .unwrap();
    // `python3 -m alembic` runs from `dir`, which is on its import path.
    std::fs::write(dir.join("models.py"), models).unwrap();
}
