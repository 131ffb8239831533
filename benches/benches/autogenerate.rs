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
//!   the new migration (once), then warm (median of 5).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{median, release_cli, repo};

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
            .map(|_| timed(|| discover(root, &paths).unwrap()).1)
            .collect(),
    );
    let same = discover(root, &paths).unwrap();
    let columns: usize = same.tables.iter().map(|t| t.columns.len()).sum();
    println!(
        "models: {} tables, {columns} columns in {FILES} files; read in {read:.2?}",
        same.tables.len()
    );

    let current: Schema = same.schema();
    let identical = median(
        (0..20)
            .map(|_| {
                let (c, t) = timed(|| compare(&current, &same, &[]));
                assert!(c.changes.is_empty());
                t
            })
            .collect(),
    );
    println!("diff + render, identical schema: {identical:.2?}");

    write_models(&models_dir, true);
    let changed = discover(root, &paths).unwrap();
    let mut n = 0;
    let fifty = median(
        (0..20)
            .map(|_| {
                let (c, t) = timed(|| compare(&current, &changed, &[]));
                n = c.changes.len();
                t
            })
            .collect(),
    );
    println!("diff + render, {n} changes: {fifty:.2?}");
    assert_eq!(n, 50);

    // The whole command, through the release binary.
    let exe = release_cli();
    write_models(&models_dir, false);
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"autogenbench\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::copy(repo().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
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
}
