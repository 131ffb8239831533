//! `cargo alembic` on a PostgreSQL server (DESIGN §12), through the real binary: every
//! database command, `--sql`, failures, and a password that never appears in any output.
//! Each test has a database of its own on `ALEMBIC_TEST_POSTGRES` (see alembic-e2e).

mod common;

use alembic_e2e::postgres::TestDatabase;
use alembic_e2e::Run;
use common::TestProject;

/// The test database's URL with a password in it: the server trusts loopback, so any
/// password connects, and none may be printed.
const PASSWORD: &str = "s3cret-Pw";

fn with_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, host) = rest.rsplit_once('@').unwrap_or(("postgres", rest));
    let user = user.split_once(':').map_or(user, |(name, _)| name);
    format!("{scheme}://{user}:{PASSWORD}@{host}")
}

/// Runs a command, asserting that it never shows the password; returns it.
fn run(p: &TestProject, args: &[&str]) -> Run {
    let run = p.alembic(args);
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.contains(PASSWORD),
            "{args:?} showed the password:\n{text}"
        );
    }
    run
}

fn ok(p: &TestProject, args: &[&str]) -> String {
    let out = run(p, args);
    assert_eq!(out.code, 0, "{args:?}:\n{}\n{}", out.stdout, out.stderr);
    out.stdout
}

/// Two revisions: a table made with typed operations, and a column added to it.
fn project_with_history(url: &str) -> TestProject {
    let p = TestProject::with_dotenv(Some(&format!("DATABASE_URL={url}\n")));
    // `init` saw the server and gave the application's runtime PostgreSQL.
    assert!(
        p.read("Cargo.toml")
            .contains("features = [\"derive\", \"postgres\"]"),
        "{}",
        p.read("Cargo.toml")
    );
    ok(
        &p,
        &[
            "revision",
            "-m",
            "create monitor",
            "--rev-id",
            "aaaa00000001",
        ],
    );
    ok(
        &p,
        &["revision", "-m", "add url", "--rev-id", "bbbb00000002"],
    );
    p.set_body(
        "aaaa00000001_create_monitor.rs",
        "upgrade",
        "op.create_table(Table::new(\"monitor\")\
             .column(Column::new(\"id\", Type::BigInt))\
             .column(Column::new(\"name\", Type::Text))\
             .primary_key(&[\"id\"]))",
    );
    p.set_body(
        "aaaa00000001_create_monitor.rs",
        "downgrade",
        "op.drop_table(\"monitor\")",
    );
    p.set_body(
        "bbbb00000002_add_url.rs",
        "upgrade",
        "op.add_column(\"monitor\", Column::new(\"url\", Type::Text).nullable())",
    );
    p.set_body(
        "bbbb00000002_add_url.rs",
        "downgrade",
        "op.drop_column(\"monitor\", \"url\")",
    );
    p
}

fn version_rows(db: &TestDatabase) -> Vec<String> {
    let mut client = db.connect();
    let exists: bool = client
        .query_one("SELECT to_regclass('alembic_version') IS NOT NULL", &[])
        .unwrap()
        .get(0);
    if !exists {
        return Vec::new();
    }
    client
        .query("SELECT version_num FROM alembic_version ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn columns(db: &TestDatabase, table: &str) -> Vec<(String, String)> {
    db.connect()
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[test]
fn every_database_command_works_on_a_postgresql_server() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let url = with_password(&db.url());
    let p = project_with_history(&url);

    let up = run(&p, &["upgrade", "head"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(
        up.stderr.contains(
            "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\n\
             INFO  [alembic.runtime.migration] Will assume transactional DDL.\n\
             INFO  [alembic.runtime.migration] Running upgrade  -> aaaa00000001, create monitor\n\
             INFO  [alembic.runtime.migration] Running upgrade aaaa00000001 -> bbbb00000002, add url"
        ),
        "{}",
        up.stderr
    );
    assert_eq!(version_rows(&db), ["bbbb00000002"]);
    assert_eq!(
        columns(&db, "monitor"),
        [
            ("id".to_owned(), "bigint".to_owned()),
            ("name".to_owned(), "text".to_owned()),
            ("url".to_owned(), "text".to_owned())
        ]
    );
    // The runner was built for PostgreSQL because the database is a server.
    let runner_manifest = p.runner_manifest();
    assert!(
        runner_manifest.contains("features = [\"runner\", \"postgres-tls\"]"),
        "{runner_manifest}"
    );

    assert_eq!(ok(&p, &["current"]), "bbbb00000002 (head)\n");
    let verbose = run(&p, &["current", "-v"]);
    assert_eq!(verbose.code, 0, "{}", verbose.stderr);
    let shown = url.replace(PASSWORD, "***");
    assert!(
        verbose
            .stderr
            .contains(&format!("Database {shown} (from DATABASE_URL in .env)")),
        "{}",
        verbose.stderr
    );
    assert!(
        verbose
            .stdout
            .starts_with(&format!("Current revision(s) for {shown}:\n")),
        "{}",
        verbose.stdout
    );
    assert_eq!(
        ok(&p, &["history", "-i"]),
        "aaaa00000001 -> bbbb00000002 (head) (current), add url\n\
         <base> -> aaaa00000001, create monitor\n"
    );
    assert!(ok(&p, &["show", "current"]).starts_with("Rev: bbbb00000002 (head)\n"));

    let down = run(&p, &["downgrade", "-1"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(
        down.stderr
            .contains("Running downgrade bbbb00000002 -> aaaa00000001, add url"),
        "{}",
        down.stderr
    );
    assert_eq!(version_rows(&db), ["aaaa00000001"]);
    assert_eq!(columns(&db, "monitor").len(), 2);

    ok(&p, &["stamp", "head"]);
    assert_eq!(version_rows(&db), ["bbbb00000002"]);
    ok(&p, &["stamp", "aaaa00000001"]);
    ok(&p, &["upgrade", "head"]);
    assert_eq!(columns(&db, "monitor").len(), 3);
    let base = run(&p, &["downgrade", "base"]);
    assert_eq!(base.code, 0, "{}", base.stderr);
    // The server's NOTICEs (`relation … already exists, skipping`) are not Alembic's lines.
    assert!(!base.stderr.contains("NOTICE"), "{}", base.stderr);
    assert!(version_rows(&db).is_empty());
    assert!(columns(&db, "monitor").is_empty());

    // Offline scripts are PostgreSQL's, with Alembic's version-table statements.
    let script = run(&p, &["upgrade", "head", "--sql"]);
    assert_eq!(script.code, 0, "{}", script.stderr);
    assert!(
        script
            .stderr
            .contains("INFO  [alembic.runtime.migration] Context impl PostgresqlImpl."),
        "{}",
        script.stderr
    );
    assert!(
        script.stdout.starts_with(
            "BEGIN;\n\nCREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    \
             CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n"
        ),
        "{}",
        script.stdout
    );
    assert!(
        script
            .stdout
            .contains("INSERT INTO alembic_version (version_num) VALUES ('aaaa00000001') RETURNING alembic_version.version_num;"),
        "{}",
        script.stdout
    );
    assert!(version_rows(&db).is_empty(), "--sql touched the database");

    // A failing migration names its revision, statement and SQLSTATE, and changes nothing.
    ok(&p, &["upgrade", "aaaa00000001"]);
    let file = "migrations/versions/bbbb00000002_add_url.rs";
    let adds = "op.add_column(\"monitor\", Column::new(\"url\", Type::Text).nullable())";
    let text = p.read(file);
    assert!(text.contains(adds), "{text}");
    p.write(
        file,
        &text.replacen(
            adds,
            &format!(
                "{adds}?;\n    op.execute(\"INSERT INTO monitor (id, name) VALUES (1, NULL)\")"
            ),
            1,
        ),
    );
    let failed = run(&p, &["upgrade", "head"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(
        failed.stderr.contains(
            "error: Running upgrade aaaa00000001 -> bbbb00000002, add url failed in revision \
             bbbb00000002; the database was left unchanged.\n"
        ),
        "{}",
        failed.stderr
    );
    assert!(
        failed
            .stderr
            .contains("INSERT INTO monitor (id, name) VALUES (1, NULL)"),
        "{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("23502"), "{}", failed.stderr);
    assert_eq!(version_rows(&db), ["aaaa00000001"]);
    assert_eq!(
        columns(&db, "monitor").len(),
        2,
        "the added column was rolled back"
    );
}

#[test]
fn a_server_that_cannot_be_reached_is_named_without_its_password() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let p = project_with_history(&with_password(&db.url()));
    ok(&p, &["upgrade", "head"]);

    let refused = format!("postgres://app:{PASSWORD}@127.0.0.1:1/app");
    let out = run(&p, &["--database", &refused, "current"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        "error: cannot connect to postgres://app:***@127.0.0.1:1/app: connection refused at \
         127.0.0.1:1; is the PostgreSQL server running, and is that its address?"
    );

    let (server, _) = db
        .url()
        .rsplit_once('/')
        .map(|(s, d)| (s.to_owned(), d.to_owned()))
        .unwrap();
    let missing = with_password(&format!("{server}/alembic_no_such_database"));
    let out = run(&p, &["--database", &missing, "upgrade", "head"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "the server has no database alembic_no_such_database; create it \
             (`createdb alembic_no_such_database`) or fix the URL"
        ),
        "{}",
        out.stderr
    );
    // The configured database was not touched by either.
    assert_eq!(version_rows(&db), ["bbbb00000002"]);
}

#[test]
fn the_runner_speaks_tls_as_the_urls_sslmode_asks() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let p = project_with_history(&with_password(&db.url()));
    // The migration records whether its own connection is encrypted.
    let file = "migrations/versions/bbbb00000002_add_url.rs";
    let text = p.read(file);
    let adds = "op.add_column(\"monitor\", Column::new(\"url\", Type::Text).nullable())";
    let drops = "op.drop_column(\"monitor\", \"url\")";
    assert!(text.contains(adds) && text.contains(drops), "{text}");
    p.write(
        file,
        &text
            .replacen(
                adds,
                "op.execute(\"CREATE TABLE tls AS SELECT ssl FROM pg_stat_ssl \
                 WHERE pid = pg_backend_pid()\")",
                1,
            )
            .replacen(drops, "op.execute(\"DROP TABLE tls\")", 1),
    );
    let encrypted = |db: &TestDatabase| -> bool {
        db.connect()
            .query_one("SELECT ssl FROM tls", &[])
            .unwrap()
            .get(0)
    };
    let server_has_tls = db
        .connect()
        .query_one("SHOW ssl", &[])
        .unwrap()
        .get::<_, String>(0)
        == "on";
    let with = |mode: &str| format!("{}?sslmode={mode}", with_password(&db.url()));

    ok(&p, &["--database", &with("disable"), "upgrade", "head"]);
    assert!(!encrypted(&db), "sslmode=disable connected in the clear");
    ok(&p, &["--database", &with("disable"), "downgrade", "-1"]);
    if server_has_tls {
        ok(&p, &["--database", &with("require"), "upgrade", "head"]);
        assert!(encrypted(&db), "sslmode=require connected with TLS");
        ok(&p, &["--database", &with("require"), "downgrade", "-1"]);
        // The default, prefer, takes TLS when the server offers it, as libpq does.
        ok(
            &p,
            &["--database", &with_password(&db.url()), "upgrade", "head"],
        );
        assert!(
            encrypted(&db),
            "sslmode=prefer (the default) connected with TLS"
        );
    } else {
        let out = run(&p, &["--database", &with("require"), "upgrade", "head"]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stderr.contains("TLS"), "{}", out.stderr);
    }
}

const MODELS_V1: &str = r#"use alembic_runtime::Model;

#[derive(Model)]
pub struct Owner {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(unique)]
    pub email: String,
}

#[derive(Model)]
pub struct Monitor {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(sql_type = "VARCHAR(100)")]
    pub name: String,
    #[alembic(index)]
    pub url: String,
    #[alembic(default = "'active'")]
    pub status: String,
    pub description: Option<String>,
    pub check_interval: i32,
    pub code: String,
    #[alembic(default = "3")]
    pub priority: i16,
    #[alembic(default = "CURRENT_TIMESTAMP")]
    pub created: chrono::DateTime<chrono::Utc>,
    pub note: Option<String>,
}
"#;

/// Every kind of change of the Uptimo-style evolution: a type change (longer VARCHAR,
/// TEXT to BIGINT, which needs a cast, and SMALLINT to BIGINT, whose default PostgreSQL
/// carries along), a default change, NOT NULL, a rename, a dropped
/// column, added columns with a foreign key and a default, a CHECK and a unique constraint.
const MODELS_V2: &str = r#"use alembic_runtime::Model;

#[derive(Model)]
pub struct Owner {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(unique)]
    pub email: String,
}

#[derive(Model)]
#[alembic(check(name = "ck_monitor_interval", sql = "interval_secs > 0"))]
#[alembic(unique(name = "uq_monitor_name", columns = ["name"]))]
pub struct Monitor {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(sql_type = "VARCHAR(200)")]
    pub name: String,
    #[alembic(index)]
    pub url: String,
    #[alembic(default = "'paused'")]
    pub status: String,
    pub description: String,
    #[alembic(renamed_from = "check_interval")]
    pub interval_secs: i32,
    pub code: i64,
    #[alembic(default = "3")]
    pub priority: i64,
    #[alembic(default = "CURRENT_TIMESTAMP")]
    pub created: chrono::DateTime<chrono::Utc>,
    #[alembic(references = "owner.id", on_delete = "CASCADE")]
    pub owner_id: Option<i64>,
    #[alembic(default = "0")]
    pub retries: i32,
}
"#;

/// The catalog of the database's own tables, as text: columns by name, constraints and
/// indexes with PostgreSQL's definitions.
fn catalog(db: &TestDatabase) -> Vec<String> {
    let mut client = db.connect();
    let mut out = Vec::new();
    for (sql, what) in [
        (
            "SELECT table_name || '.' || column_name || ' ' || data_type || \
             coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable || \
             ' ' || coalesce(column_default, '') FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE 'alembic%' ORDER BY 1",
            "column",
        ),
        (
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || \
             pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_namespace n \
             ON n.oid = c.connamespace WHERE n.nspname = current_schema() \
             AND conrelid::regclass::text NOT LIKE 'alembic%' ORDER BY 1",
            "constraint",
        ),
        (
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename NOT LIKE 'alembic%' ORDER BY 1",
            "index",
        ),
    ] {
        for row in client.query(sql, &[]).unwrap() {
            out.push(format!("{what} {}", row.get::<_, String>(0)));
        }
    }
    out
}

/// The tests that count scratch databases on the shared server take turns.
static SCRATCH: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scratch_databases(db: &TestDatabase) -> Vec<String> {
    db.connect()
        .query(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'alembic\\_scratch\\_%'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// A generated migration without its creation date, for its snapshot.
fn generated(p: &TestProject, file: &str) -> String {
    p.read(&format!("migrations/versions/{file}"))
        .lines()
        .filter(|l| !l.starts_with("//! Create Date: "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn autogenerate_compares_with_a_scratch_database_and_round_trips_on_the_server() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let url = with_password(&db.url());
    let p = TestProject::with_dotenv(Some(&format!("DATABASE_URL={url}\n")));
    let _turn = SCRATCH
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let scratch_before = scratch_databases(&db);
    p.write("src/models.rs", MODELS_V1);

    let first = run(
        &p,
        &[
            "revision",
            "--autogenerate",
            "-m",
            "create tables",
            "--rev-id",
            "aaaa00000001",
        ],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains(
            "INFO  [alembic.autogenerate.compare] Detected added table 'monitor'\n\
             INFO  [alembic.autogenerate.compare] Detected added index 'ix_monitor_url' on 'monitor' (\"url\")\n\
             INFO  [alembic.autogenerate.compare] Detected added table 'owner'\n"
        ),
        "{}",
        first.stderr
    );
    // The dialect comes from the URL: PostgreSQL's types.
    insta::assert_snapshot!(
        "postgres_create_tables",
        generated(&p, "aaaa00000001_create_tables.rs")
    );
    ok(&p, &["upgrade", "head"]);
    assert_eq!(
        ok(&p, &["check"]),
        "No new upgrade operations detected.\n",
        "the scratch database's schema is the models'"
    );
    assert_eq!(
        ok(&p, &["--database", &url, "check"]),
        "No new upgrade operations detected.\n",
        "the database at head is the models'"
    );
    let mut client = db.connect();
    client
        .batch_execute(
            "INSERT INTO owner (email) VALUES ('a@example.org');
             INSERT INTO monitor (name, url, description, check_interval, code)
             VALUES ('home', 'https://example.org', 'front page', 30, '42')",
        )
        .unwrap();
    let v1 = catalog(&db);

    p.write("src/models.rs", MODELS_V2);
    let second = run(
        &p,
        &[
            "revision",
            "--autogenerate",
            "-m",
            "evolve monitor",
            "--rev-id",
            "bbbb00000002",
        ],
    );
    assert_eq!(second.code, 0, "{}", second.stderr);
    insta::assert_snapshot!(
        "postgres_evolve_monitor_detected",
        second
            .stderr
            .lines()
            .filter(|l| l.contains("[alembic.autogenerate.compare]"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    insta::assert_snapshot!(
        "postgres_evolve_monitor",
        generated(&p, "bbbb00000002_evolve_monitor.rs")
    );
    let up = run(&p, &["upgrade", "head"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(ok(&p, &["check"]), "No new upgrade operations detected.\n");
    assert_eq!(
        ok(&p, &["--database", &url, "check"]),
        "No new upgrade operations detected.\n"
    );
    let row = client
        .query_one(
            "SELECT name::text, description, interval_secs, code, status, retries, priority FROM monitor",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "home");
    assert_eq!(row.get::<_, String>(1), "front page");
    assert_eq!(row.get::<_, i32>(2), 30, "the rename kept the data");
    assert_eq!(
        row.get::<_, i64>(3),
        42,
        "TEXT became BIGINT through the cast"
    );
    assert_eq!(row.get::<_, String>(4), "active");
    assert_eq!(row.get::<_, i32>(5), 0);
    assert_eq!(
        row.get::<_, i64>(6),
        3,
        "the default followed the widened type"
    );

    let down = run(&p, &["downgrade", "-1"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert_eq!(catalog(&db), v1, "the downgrade restores the catalog");
    let code: String = client
        .query_one("SELECT code FROM monitor", &[])
        .unwrap()
        .get(0);
    assert_eq!(code, "42");
    assert_eq!(
        scratch_databases(&db),
        scratch_before,
        "no scratch database is left"
    );
}

#[cfg(unix)]
#[test]
fn an_interrupted_autogenerate_still_drops_its_scratch_database() {
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};

    let Some(db) = TestDatabase::create() else {
        return;
    };
    let p = project_with_history(&db.url());
    // A migration slow enough to be interrupted inside the scratch database.
    let file = "migrations/versions/bbbb00000002_add_url.rs";
    let text = p.read(file);
    p.write(
        file,
        &text.replacen(
            "op.add_column(",
            "op.execute(\"SELECT pg_sleep(2)\")?;\n    op.add_column(",
            1,
        ),
    );
    p.write("src/models.rs", MODELS_V1);
    // Build the runner first, so that the interrupt lands in the migrations.
    ok(&p, &["upgrade", "head", "--sql"]);
    let _turn = SCRATCH
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let before = scratch_databases(&db);

    // As a terminal does: the command leads a process group, and Ctrl-C signals the group.
    let mut cli = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-alembic"))
        .args(["alembic", "check"])
        .current_dir(p.root())
        .env("CARGO_TARGET_DIR", alembic_e2e::shared_target())
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while scratch_databases(&db).len() == before.len() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no scratch database appeared"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = std::process::Command::new("kill")
        .args(["-s", "INT", "--", &format!("-{}", cli.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = cli.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&exit),
        Some(2),
        "the interrupt stopped the command: {exit:?}"
    );
    // The runner finishes on its own and drops what it made.
    let interrupted = Instant::now();
    while scratch_databases(&db).len() != before.len() {
        assert!(
            interrupted.elapsed() < Duration::from_secs(30),
            "the scratch database was left behind: {:?}",
            scratch_databases(&db)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The example application's history, written on SQLite with typed operations, applied to
/// and reverted on PostgreSQL as it is, and its models match it on both databases: its last
/// migration, autogenerated on PostgreSQL, widens the INTEGER columns SQLite's mapping of
/// `i64` made to PostgreSQL's BIGINT, and leaves SQLite alone (docs/postgresql.md).
#[test]
fn the_example_applications_history_runs_and_matches_its_models_on_postgresql_and_sqlite() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let manifest = alembic_e2e::repo().join("examples/uptimo/Cargo.toml");
    let command = |database: Option<&str>, args: &[&str]| -> Run {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-alembic"));
        command
            .arg("alembic")
            .arg("--manifest-path")
            .arg(&manifest)
            .args(database.map(|url| ["--database", url]).iter().flatten())
            .args(args)
            .env("CARGO_TARGET_DIR", alembic_e2e::shared_target())
            .env_remove("DATABASE_URL");
        command.output().unwrap().into()
    };
    let url = db.url();
    let uptimo = |args: &[&str]| command(Some(&url), args);
    let up = uptimo(&["upgrade", "head"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let heads = uptimo(&["heads"]).stdout;
    assert_eq!(
        uptimo(&["current"]).stdout,
        heads.replace("(head)", "").trim_end().to_owned() + " (head)\n"
    );
    let mut client = db.connect();
    client
        .batch_execute(
            "INSERT INTO \"user\" (email) VALUES ('ops@example.com');
             INSERT INTO monitor (name, url, owner_id) VALUES ('home', 'https://example.com', 1)",
        )
        .unwrap();

    for check in [uptimo(&["check"]), command(None, &["check"])] {
        assert_eq!(check.code, 0, "{}", check.stderr);
        assert!(
            check.stdout.contains("No new upgrade operations detected."),
            "{}",
            check.stdout
        );
    }

    let down = uptimo(&["downgrade", "base"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename NOT LIKE 'alembic%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
}
