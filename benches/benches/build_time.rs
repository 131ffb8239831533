//! What embedding migrations costs at build time. A bench binary (it times whole cargo
//! builds, minutes in all), run by hand:
//!
//! `cargo bench --manifest-path benches/Cargo.toml --bench build_time`
//!
//! It generates an application with 1,000 migration files (the CREATE TABLE / ADD COLUMN /
//! CREATE INDEX mix of the boot benchmark), path-dependent on the in-tree crates, and
//! reports:
//! - the build script's work: reading, validating and rendering the 1,000 files (median of
//!   10, in process);
//! - the release compile time of the application crate with 1,000 migrations against the
//!   same application with none (dependencies already built; median of 3);
//! - the incremental release rebuild after adding one migration (median of 3).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{median, repo};

const N: usize = 1000;

fn migration(i: usize) -> String {
    let (up, down) = match i % 3 {
        0 => (
            format!("op.create_table(Table::new(\"t{i}\").column(Column::new(\"id\", Type::Integer)).column(Column::new(\"name\", Type::Text).default_sql(\"''\")).primary_key(&[\"id\"]))"),
            format!("op.drop_table(\"t{i}\")"),
        ),
        1 => (
            format!("op.add_column(\"t{}\", Column::new(\"c{i}\", Type::Integer).nullable())", i - 1),
            format!("op.drop_column(\"t{}\", \"c{i}\")", i - 1),
        ),
        _ => (
            format!("op.create_index(\"t{}\", Index::new(\"ix{i}\", &[\"name\"]))", i - 2),
            format!("op.drop_index(\"ix{i}\")"),
        ),
    };
    let down_revision = if i == 0 {
        "&[]".to_owned()
    } else {
        format!("&[\"{:012x}\"]", i - 1)
    };
    format!(
        "//! migration {i}\n\nuse alembic_runtime::prelude::*;\n\npub const REVISION: &str = \"{i:012x}\";\n\
         pub const DOWN_REVISION: &[&str] = {down_revision};\npub const BRANCH_LABELS: &[&str] = &[];\n\
         pub const DEPENDS_ON: &[&str] = &[];\n\npub fn upgrade(op: &mut Op) -> Result<()> {{\n    {up}\n}}\n\n\
         pub fn downgrade(op: &mut Op) -> Result<()> {{\n    {down}\n}}\n"
    )
}

fn project(root: &Path, migrations: usize) {
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("migrations/versions")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"buildtime\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
             [dependencies]\nalembic-runtime = {{ path = {:?} }}\n\n[build-dependencies]\nalembic-build = {{ path = {:?} }}\n",
            repo().join("alembic-runtime").display().to_string(),
            repo().join("alembic-build").display().to_string()
        ),
    )
    .unwrap();
    std::fs::copy(repo().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    std::fs::write(
        root.join("build.rs"),
        "fn main() {\n    alembic_build::compile();\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("src/main.rs"),
        "alembic_runtime::embed_migrations!();\n\nfn main() {\n    let mut conn = alembic_runtime::rusqlite::Connection::open_in_memory().unwrap();\n    println!(\"{}\", MIGRATIONS.upgrade(&mut conn, \"head\").unwrap().len());\n}\n",
    )
    .unwrap();
    for i in 0..migrations {
        std::fs::write(
            root.join(format!("migrations/versions/{i:012x}_m.rs")),
            migration(i),
        )
        .unwrap();
    }
}

fn cargo(root: &Path, target: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .status()
        .unwrap();
    assert!(status.success(), "cargo {args:?}");
    start.elapsed()
}

/// Release build time of the application crate alone, dependencies already built.
fn app_build(root: &Path, target: &Path) -> Duration {
    median(
        (0..3)
            .map(|_| {
                cargo(
                    root,
                    target,
                    &["clean", "--release", "--quiet", "-p", "buildtime"],
                );
                cargo(root, target, &["build", "--release", "--quiet"])
            })
            .collect(),
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and `--no-run` probes
    }
    let dir = tempfile::tempdir().unwrap();
    let (empty, full) = (dir.path().join("empty"), dir.path().join("full"));
    let target = dir.path().join("target");
    project(&empty, 0);
    project(&full, N);

    let script = median(
        (0..10)
            .map(|_| {
                let start = Instant::now();
                let tree = alembic_build::Builder::new()
                    .manifest_dir(&full)
                    .read()
                    .unwrap();
                std::hint::black_box(alembic_build::generate::render(&tree));
                start.elapsed()
            })
            .collect(),
    );
    println!("build script work, {N} files: {script:.2?}");

    cargo(&empty, &target, &["build", "--release", "--quiet"]);
    let base = app_build(&empty, &target);
    let with = app_build(&full, &target);
    println!("release build of the app crate: {base:.2?} with 0 migrations, {with:.2?} with {N}; added {:.2?}", with.saturating_sub(base));

    let incremental = median(
        (0..3)
            .map(|k| {
                let i = N + k;
                std::fs::write(
                    full.join(format!("migrations/versions/{i:012x}_m.rs")),
                    migration(i),
                )
                .unwrap();
                cargo(&full, &target, &["build", "--release", "--quiet"])
            })
            .collect(),
    );
    println!("incremental release rebuild after adding one migration: {incremental:.2?}");
}
