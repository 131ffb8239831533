//! Wall time of `cargo alembic` on a project with 100 revisions. A bench binary (it times
//! whole processes and a cold runner build), run by hand:
//!
//! `cargo bench --manifest-path benches/Cargo.toml --bench cli_time`
//!
//! It builds the in-tree `cargo-alembic` in release mode, makes a project with
//! `init --path` and 100 × `revision`, each creating a table, then reports (median of 5 unless
//! said):
//! - `history` (reads the 100 files; never builds);
//! - `upgrade head` cold: the first run on an app built once (`cargo build`), which builds
//!   the runner beside it in the app's target directory, reusing its SQLite;
//! - `upgrade head` warm on a new database (runner built; 100 migrations applied);
//! - `upgrade head` warm at head (nothing to do);
//! - `current` warm;
//! - a 1,000,000-row table rebuild through `upgrade head`, beside the runtime in-process,
//!   with the default debug profile and with the app's SQLite at opt-level 1;
//! - `heads` and `history` on 1,000 revisions written directly (the first run, which parses
//!   every file, then warm, which reads them from the header cache).

use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{median, release_cli, repo};

const REVISIONS: usize = 100;

/// The 1,000,000-row table of the rebuild measurement, with two indexes.
const FILL: &str = "CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, score REAL, created TEXT); \
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) \
    INSERT INTO big (name, email, score, created) SELECT 'user' || i, 'u' || i || '@example.com', i * 0.5, '2026-01-01' FROM n; \
    CREATE INDEX ix_big_name ON big (name); CREATE INDEX ix_big_email ON big (email)";

fn time(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let exe = release_cli();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"clibench\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::copy(repo().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    let alembic = |args: &[&str]| {
        let mut cmd = Command::new(&exe);
        cmd.arg("alembic")
            .args(args)
            .current_dir(root)
            .env_remove("DATABASE_URL");
        cmd
    };
    time(&mut alembic(&[
        "init",
        "--path",
        &repo().display().to_string(),
    ]));
    for i in 0..REVISIONS {
        let rev = format!("{i:012x}");
        time(&mut alembic(&[
            "revision",
            "-m",
            &format!("create t{i}"),
            "--rev-id",
            &rev,
        ]));
        let file = root.join(format!("migrations/versions/{rev}_create_t{i}.rs"));
        let text = std::fs::read_to_string(&file).unwrap().replace(
            "pub fn upgrade(_op: &mut Op) -> Result<()> {\n    Ok(())",
            &format!("pub fn upgrade(op: &mut Op) -> Result<()> {{\n    op.execute(\"CREATE TABLE t{i} (id INTEGER PRIMARY KEY)\")"),
        );
        std::fs::write(file, text).unwrap();
    }

    let history = median((0..5).map(|_| time(&mut alembic(&["history"]))).collect());
    println!("history, {REVISIONS} revisions: {history:.2?}");

    let db = |n: usize| format!("sqlite://bench{n}.db");
    let app_build = time(
        Command::new(env!("CARGO"))
            .args(["build", "--quiet"])
            .current_dir(root),
    );
    let cold = time(&mut alembic(&[
        "--database",
        &db(0),
        "-q",
        "upgrade",
        "head",
    ]));
    println!(
        "upgrade head, cold, on a built app (builds the runner): {cold:.2?}; the app's clean \
         debug build before it: {app_build:.2?}; fresh clone to first command: {:.2?}",
        app_build + cold
    );
    let fresh = median(
        (1..=5)
            .map(|n| {
                time(&mut alembic(&[
                    "--database",
                    &db(n),
                    "-q",
                    "upgrade",
                    "head",
                ]))
            })
            .collect(),
    );
    println!("upgrade head, warm, new database ({REVISIONS} migrations): {fresh:.2?}");
    let at_head = median(
        (0..5)
            .map(|_| {
                time(&mut alembic(&[
                    "--database",
                    &db(1),
                    "-q",
                    "upgrade",
                    "head",
                ]))
            })
            .collect(),
    );
    println!("upgrade head, warm, at head: {at_head:.2?}");
    let current = median(
        (0..5)
            .map(|_| time(&mut alembic(&["--database", &db(1), "current"])))
            .collect(),
    );
    println!("current, warm: {current:.2?}");

    // A rebuild of 1,000,000 rows through `cargo alembic upgrade head`, beside the same
    // change applied in this process with the runtime (both from copies of one database).
    let last = format!("{:012x}", REVISIONS - 1);
    let big_migration = |rev: &str, down: &str, message: &str, body: &str| {
        std::fs::write(
            root.join(format!("migrations/versions/{rev}_{}.rs", message.replace(' ', "_"))),
            format!(
                "//! {message}\n\nuse alembic_runtime::prelude::*;\n\npub const REVISION: &str = \"{rev}\";\n\
                 pub const DOWN_REVISION: &[&str] = &[\"{down}\"];\n\n\
                 pub fn upgrade(op: &mut Op) -> Result<()> {{\n    {body}\n}}\n\n\
                 pub fn downgrade(_op: &mut Op) -> Result<()> {{\n    Ok(())\n}}\n"
            ),
        )
        .unwrap();
    };
    big_migration(
        "f111111111f1",
        &last,
        "fill big",
        &format!("op.execute({FILL:?})"),
    );
    big_migration(
        "f222222222f2",
        "f111111111f1",
        "score not null",
        "op.batch_alter_table(\"big\", |b| {\n        b.recreate_always();\n        b.alter_column(\"score\", AlterColumn::new().nullable(false));\n    })",
    );
    let template = root.join("big-template.db");
    time(&mut alembic(&[
        "--database",
        "big-template.db",
        "-q",
        "upgrade",
        "f111111111f1",
    ]));
    let through_cli = || {
        median(
            (0..3)
                .map(|_| {
                    std::fs::copy(&template, root.join("big.db")).unwrap();
                    time(&mut alembic(&[
                        "--database",
                        "big.db",
                        "-q",
                        "upgrade",
                        "head",
                    ]))
                })
                .collect(),
        )
    };
    let with_debug_sqlite = through_cli();
    // The profile line docs/cli.md suggests (the runner shares the app's dev profile), at
    // opt-level 1 and 3: each level compiles SQLite once more, outside the timing.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let at_level = |level: u8| {
        std::fs::write(
            root.join("Cargo.toml"),
            format!("{manifest}\n[profile.dev.package.libsqlite3-sys]\nopt-level = {level}\n"),
        )
        .unwrap();
        let build = time(&mut alembic(&[
            "--database",
            "big-template.db",
            "-q",
            "current",
        ]));
        println!("runner rebuilt with SQLite at opt-level {level}: {build:.2?}");
        through_cli()
    };
    let through_cli = at_level(1);
    let through_cli_o3 = at_level(3);
    let in_process = median(
        (0..3)
            .map(|_| {
                std::fs::copy(&template, root.join("big.db")).unwrap();
                let mut conn =
                    alembic_runtime::rusqlite::Connection::open(root.join("big.db")).unwrap();
                let start = Instant::now();
                alembic_runtime::apply(&mut conn, |op| {
                    op.batch_alter_table("big", |b| {
                        b.recreate_always();
                        b.alter_column(
                            "score",
                            alembic_runtime::AlterColumn::new().nullable(false),
                        );
                    })
                })
                .unwrap();
                start.elapsed()
            })
            .collect(),
    );
    let ratio = |d: Duration| d.as_secs_f64() / in_process.as_secs_f64();
    println!(
        "1,000,000-row rebuild: `upgrade head` {through_cli:.2?} with the app's SQLite at \
         opt-level 1 ({:.2}x), {through_cli_o3:.2?} at opt-level 3 ({:.2}x), \
         {with_debug_sqlite:.2?} with a default debug profile ({:.2}x); in-process release \
         runtime {in_process:.2?}",
        ratio(through_cli),
        ratio(through_cli_o3),
        ratio(with_debug_sqlite)
    );
    let _ = std::fs::remove_dir_all(root.join("target"));

    // The graph commands on 1,000 revisions, written directly (no runner is built).
    let big = tempfile::tempdir().unwrap();
    let big_root = big.path();
    std::fs::write(
        big_root.join("Cargo.toml"),
        "[package]\nname = \"clibench1000\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [package.metadata.alembic]\nversions = \"migrations/versions\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::create_dir_all(big_root.join("src")).unwrap();
    std::fs::write(big_root.join("src/main.rs"), "fn main() {}\n").unwrap();
    let versions = big_root.join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    for i in 0..1000usize {
        let rev = format!("{i:012x}");
        let down = if i == 0 {
            String::new()
        } else {
            format!("\"{:012x}\"", i - 1)
        };
        std::fs::write(
            versions.join(format!("{rev}_m{i}.rs")),
            format!(
                "//! migration {i}\n\nuse alembic_runtime::prelude::*;\n\npub const REVISION: &str = \"{rev}\";\n\
                 pub const DOWN_REVISION: &[&str] = &[{down}];\n\n\
                 pub fn upgrade(op: &mut Op) -> Result<()> {{\n    op.create_table(Table::new(\"t{i}\").column(Column::new(\"id\", Type::Integer)).primary_key(&[\"id\"]))\n}}\n\n\
                 pub fn downgrade(op: &mut Op) -> Result<()> {{\n    op.drop_table(\"t{i}\")\n}}\n"
            ),
        )
        .unwrap();
    }
    let in_big = |args: &[&str]| {
        let mut cmd = Command::new(&exe);
        cmd.arg("alembic").args(args).current_dir(big_root);
        cmd
    };
    let first = time(&mut in_big(&["heads"]));
    println!("heads, 1,000 revisions, first run (every file parsed): {first:.2?}");
    for command in ["heads", "history"] {
        let t = median((0..5).map(|_| time(&mut in_big(&[command]))).collect());
        println!("{command}, 1,000 revisions: {t:.2?}");
    }
    let _ = std::fs::remove_dir_all(big_root.join("target"));
}
