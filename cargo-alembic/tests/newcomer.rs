//! A newcomer's first hour, end to end through the real binary: no silent wait, no guess
//! from a missing folder or a wrong URL, nothing created by a command that reads, and one
//! message that says what to do for each mistake.

mod common;

use std::process::{Command, Stdio};

use alembic_e2e::Run;
use common::TestProject;

/// The last line of stderr: the one `error: …` line a failure prints.
fn last_line(run: &Run) -> &str {
    run.stderr.lines().last().unwrap_or_default()
}

fn fails(p: &TestProject, args: &[&str], message: &str) -> Run {
    let run = p.alembic(args);
    assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
    assert_eq!(last_line(&run), message, "{args:?}: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

#[test]
fn the_first_database_command_says_it_compiles_the_runner_and_later_ones_do_not() {
    let p = TestProject::new();
    let first = p.alembic(&["upgrade", "head"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.starts_with(&format!(
            "Compiling the migration runner for {} (first run only) ...\n",
            p.name()
        )),
        "{}",
        first.stderr
    );
    let second = p.alembic(&["current"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(!second.stderr.contains("Compiling"), "{}", second.stderr);
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    for args in [&["completions", "bash"][..], &["history", "-v"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-alembic"))
            .arg("alembic")
            .args(args)
            .current_dir(p.root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -0`: the reader is gone before the first line.
        drop(child.stdout.take());
        let run: Run = child.wait_with_output().unwrap().into();
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{args:?}");
    }
}

#[test]
fn a_missing_versions_directory_is_refused_not_read_as_an_empty_history() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    std::fs::rename(p.root().join("migrations"), p.root().join("moved")).unwrap();
    let message = "error: no versions directory at migrations/versions (set by `versions` in \
                   [package.metadata.alembic] of Cargo.toml); run `cargo alembic init` to create it, \
                   or correct the path";
    for args in [
        &["heads"][..],
        &["history"],
        &["check"],
        &["upgrade", "head"],
        &["upgrade", "head", "--sql"],
        &["revision", "-m", "second"],
    ] {
        fails(&p, args, message);
    }
    assert!(
        !p.root().join("migrations").exists(),
        "nothing was recreated"
    );

    // Without the key, the message says the path is the default.
    let manifest = p.read("Cargo.toml");
    p.write(
        "Cargo.toml",
        &manifest.replace("versions = \"migrations/versions\"\n", ""),
    );
    fails(
        &p,
        &["heads"],
        "error: no versions directory at migrations/versions (the default: Cargo.toml sets no \
         `versions` in [package.metadata.alembic]); run `cargo alembic init` to create it, or \
         correct the path",
    );

    // A new history under an existing parent folder: the first revision creates the folder.
    std::fs::create_dir(p.root().join("migrations")).unwrap();
    let out = p.ok(&["revision", "-m", "first", "--rev-id", "bbbb00000001"]);
    assert!(out.starts_with("Creating directory "), "{out}");
    assert_eq!(p.versions().len(), 1);
}

#[test]
fn database_urls_are_read_as_sqlalchemy_and_sqlx_do_and_other_schemes_refused() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);

    p.write(".env", "DATABASE_URL=mysql://me:secret@localhost/x\n");
    let run = fails(
        &p,
        &["current"],
        "error: database URLs with the scheme `mysql:` are not supported; use a SQLite file path, \
         sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite::memory:, or \
         postgresql://user@host/database (the URL comes from DATABASE_URL in .env)",
    );
    assert!(!run.stderr.contains("secret"));
    assert!(!p.root().join("mysql:").exists());
    // postgres:// URLs are served: tests/postgres.rs.

    // SQLAlchemy's three slashes: relative to the package.
    p.write(".env", "DATABASE_URL=sqlite:///instance/app.db\n");
    p.ok(&["upgrade", "head"]);
    assert!(p.root().join("instance/app.db").is_file());
    let verbose = p.alembic(&["current", "-v"]);
    assert_eq!(verbose.code, 0, "{}", verbose.stderr);
    assert!(
        verbose
            .stderr
            .contains("Database sqlite:///instance/app.db (from DATABASE_URL in .env)"),
        "{}",
        verbose.stderr
    );

    // Four slashes: absolute.
    let elsewhere = tempfile::tempdir().unwrap();
    let absolute = elsewhere.path().join("abs.db");
    let url = format!("sqlite:///{}", absolute.display());
    p.ok(&["--database", &url, "upgrade", "head"]);
    assert!(absolute.is_file());
    let verbose = p.alembic(&["--database", &url, "current", "-v"]);
    assert!(
        verbose
            .stderr
            .contains(&format!("Database {url} (from --database)")),
        "{}",
        verbose.stderr
    );
}

#[test]
fn commands_that_read_never_create_a_database() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    for (args, path) in [
        (&["--database", "nodir/x.db", "current"][..], "nodir/x.db"),
        (&["--database", "typo.db", "check"], "typo.db"),
        (&["--database", "typo.db", "history", "-i"], "typo.db"),
        (&["--database", "typo.db", "show", "current"], "typo.db"),
        (&["--database", "typo.db", "downgrade", "base"], "typo.db"),
        (
            &[
                "--database",
                "typo.db",
                "revision",
                "--autogenerate",
                "-m",
                "x",
            ],
            "typo.db",
        ),
    ] {
        fails(
            &p,
            args,
            &format!("error: no database at {path}; `cargo alembic upgrade head` creates it"),
        );
    }
    assert!(!p.root().join("nodir").exists());
    assert!(!p.root().join("typo.db").exists());
    assert_eq!(p.versions().len(), 1, "autogenerate wrote nothing");

    // Scripts and graph commands need no database at all; upgrade and stamp create one.
    p.ok(&["--database", "typo.db", "upgrade", "head", "--sql"]);
    p.ok(&["--database", "typo.db", "heads"]);
    assert!(!p.root().join("typo.db").exists());
    p.ok(&["--database", "new/stamped.db", "stamp", "head"]);
    assert!(p.root().join("new/stamped.db").is_file());
}

#[test]
fn an_offline_upgrade_from_base_creates_the_version_table() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    let from_base = p.ok(&["upgrade", "base:head", "--sql"]);
    assert!(
        from_base.contains("CREATE TABLE alembic_version"),
        "{from_base}"
    );
    assert_eq!(from_base, p.ok(&["upgrade", "head", "--sql"]));
}

#[test]
fn a_locked_database_names_the_flag_that_waits_longer() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    p.ok(&["upgrade", "head"]);
    let holder = rusqlite::Connection::open(p.root().join("app.db")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let message = format!(
        "error: {} is locked by another connection and stayed locked for the whole busy timeout; \
         retry when it is free, or wait longer with --busy-timeout SECONDS",
        p.root().join("app.db").display()
    );
    let message = message.as_str();
    fails(&p, &["--busy-timeout", "0.1", "current"], message);
    fails(&p, &["--busy-timeout", "0", "upgrade", "head"], message);
    let manifest = p.read("Cargo.toml");
    p.write(
        "Cargo.toml",
        &manifest.replace(
            "[package.metadata.alembic]\n",
            "[package.metadata.alembic]\nbusy_timeout = 0.1\n",
        ),
    );
    fails(&p, &["current"], message);
    let bad = p.alembic(&["--busy-timeout", "soon", "current"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("`soon` is not a number of seconds"),
        "{}",
        bad.stderr
    );
    holder.execute_batch("COMMIT").unwrap();
    p.ok(&["current"]);
}

#[test]
fn a_broken_tree_under_a_database_command_is_reported_once() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    p.write(
        "migrations/versions/bbbb00000002_broken.rs",
        "pub const REVISION: &str = \"bbbb00000002\"\n",
    );
    for args in [
        &["upgrade", "head"][..],
        &["downgrade", "base"],
        &["stamp", "head"],
    ] {
        let run = p.alembic(args);
        assert_eq!(run.code, 1, "{args:?}");
        let errors: Vec<&str> = run.stderr.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(
            errors,
            ["error: migrations/versions/bbbb00000002_broken.rs:1: cannot parse the migration module: expected `;`"],
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn reserved_and_over_long_revision_ids_are_refused_at_their_line() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    let file = &p.versions()[0];
    let path = format!("migrations/versions/{file}");
    let text = p.read(&path);
    let line = text
        .lines()
        .position(|l| l.starts_with("pub const REVISION"))
        .unwrap()
        + 1;
    for (id, message) in [
        (
            "head".to_owned(),
            "Revision identifier 'head' is a reserved word of the revision grammar (head, heads, base, current); choose another REVISION".to_owned(),
        ),
        (
            "a".repeat(40),
            format!("Revision identifier '{}' is 40 characters long; alembic_version.version_num holds at most 32", "a".repeat(40)),
        ),
    ] {
        p.write(&path, &text.replace("\"aaaa00000001\"", &format!("{id:?}")));
        fails(&p, &["heads"], &format!("error: {path}:{line}: {message}"));
    }
    p.write(&path, &text);
    fails(
        &p,
        &["--database", "x.db", "upgrade", "aaa"],
        "error: Can't locate revision identified by 'aaa': prefixes need at least 4 characters, so \
         that a short word cannot pick a revision by accident",
    );
}

#[test]
fn quiet_silences_the_progress_of_every_command() {
    let p = TestProject::new();
    assert_eq!(p.ok(&["-q", "revision", "-m", "first"]), "");
    let init = p.ok(&[
        "-q",
        "init",
        "--path",
        &alembic_e2e::repo().display().to_string(),
    ]);
    assert!(
        !init.contains("skipping") && !init.contains("done"),
        "{init}"
    );
    assert!(
        init.contains("embed_migrations!()"),
        "the instructions stay: {init}"
    );
}

#[test]
fn generated_migrations_pass_cargo_fmt_check_as_written() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    p.ok(&["revision", "-m", "second", "--rev-id", "bbbb00000002"]);
    for file in p.versions() {
        let status = Command::new(std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into()))
            .args(["--check", "--edition", "2021"])
            .arg(p.root().join("migrations/versions").join(&file))
            .status()
            .unwrap();
        assert!(status.success(), "{file} is not rustfmt-clean");
    }
}

#[test]
fn a_database_changed_by_hand_is_told_apart_from_models_that_moved_on() {
    let p = TestProject::new();
    p.write(
        "src/models.rs",
        "use alembic_runtime::Model;\n\n#[derive(Model)]\npub struct Monitor {\n    #[alembic(primary_key)]\n    pub id: i64,\n    pub url: String,\n}\n",
    );
    p.ok(&[
        "revision",
        "--autogenerate",
        "-m",
        "create monitor",
        "--rev-id",
        "aaaa00000001",
    ]);
    p.ok(&["upgrade", "head"]);
    p.ok(&["--database", "app.db", "check"]);
    let conn = rusqlite::Connection::open(p.root().join("app.db")).unwrap();
    conn.execute_batch("ALTER TABLE monitor ADD COLUMN by_hand TEXT")
        .unwrap();
    drop(conn);
    let run = p.alembic(&["--database", "app.db", "check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: the database differs from the schema its migrations produce, while the models match the \
         migrations: it was changed outside the migrations, and `revision --autogenerate` would find \
         nothing to do. Restore it from a backup, undo the change by hand, or write a migration that \
         makes the change and `cargo alembic stamp` it on this database. The database has:\n  \
         Detected added column 'monitor.by_hand'\n"
    );
    // Models that moved on still get the autogenerate advice.
    p.write(
        "src/models.rs",
        &p.read("src/models.rs").replace(
            "    pub url: String,\n",
            "    pub url: String,\n    pub note: Option<String>,\n",
        ),
    );
    let run = p.alembic(&["check"]);
    assert!(
        run.stderr
            .contains("Generate the migration with `cargo alembic revision --autogenerate"),
        "{}",
        run.stderr
    );
}

#[test]
fn syntax_errors_are_said_in_the_users_words_with_file_and_line() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    let path = format!("migrations/versions/{}", p.versions()[0]);
    let text = p.read(&path);
    p.write(
        &path,
        &text.replace(
            "Ok(())\n}\n\npub fn downgrade",
            "Ok((\n}\n\npub fn downgrade",
        ),
    );
    let run = p.alembic(&["heads"]);
    assert_eq!(run.code, 1);
    assert!(
        last_line(&run).starts_with(&format!("error: {path}:"))
            && last_line(&run).contains("the brackets do not balance"),
        "{}",
        run.stderr
    );
    p.write(&path, &format!("{text}//! a late note\n"));
    let run = p.alembic(&["heads"]);
    assert!(
        last_line(&run).ends_with(
            "a `//!` comment must come before the first item of the file; use `//` for a comment here"
        ),
        "{}",
        run.stderr
    );
    let mut latin1 = text.into_bytes();
    latin1.extend_from_slice(b"// caf\xe9\n");
    std::fs::write(p.root().join(&path), latin1).unwrap();
    let run = p.alembic(&["heads"]);
    assert!(
        last_line(&run).starts_with(&format!("error: {path}:"))
            && last_line(&run).ends_with("the file is not UTF-8 text (the first other byte is on this line); save it as UTF-8"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_dialect_setting_chooses_the_types_autogenerate_writes_and_a_typo_is_named() {
    let p = TestProject::new();
    p.write(
        "src/models.rs",
        "use alembic_runtime::Model;\n\n#[derive(Model)]\npub struct Event {\n    \
         #[alembic(primary_key)]\n    pub id: i64,\n    pub at: chrono::DateTime<chrono::Utc>,\n}\n",
    );
    let manifest = p.read("Cargo.toml");
    let with = |dialect: &str| {
        manifest.replace(
            "[package.metadata.alembic]\n",
            &format!("[package.metadata.alembic]\ndialect = \"{dialect}\"\n"),
        )
    };
    p.write("Cargo.toml", &with("mysql"));
    fails(
        &p,
        &["heads"],
        "error: dialect in [package.metadata.alembic] is \"mysql\"; use \"sqlite\" or \"postgresql\"",
    );

    // PostgreSQL's types, without a server: the migrations are replayed on SQLite.
    p.write("Cargo.toml", &with("postgresql"));
    p.ok(&[
        "revision",
        "--autogenerate",
        "-m",
        "events",
        "--rev-id",
        "aaaa00000001",
    ]);
    let file = p.read("migrations/versions/aaaa00000001_events.rs");
    assert!(
        file.contains("Column::new(\"id\", Type::BigInt)")
            && file.contains("Column::new(\"at\", Type::TimestampTz)"),
        "{file}"
    );
    assert_eq!(p.ok(&["check"]), "No new upgrade operations detected.\n");

    // The same models on SQLite are SQLite's types: a change autogenerate sees, but not in
    // the key, which SQLite made INTEGER (its one integer type, and the rowid).
    p.write("Cargo.toml", &manifest);
    let check = p.alembic(&["check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains("Detected type change from TIMESTAMPTZ to DATETIME on 'event.at'")
            && !check.stderr.contains("'event.id'"),
        "{}",
        check.stderr
    );
}
