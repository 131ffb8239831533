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
        runner_manifest.contains("features = [\"runner\", \"postgres\"]"),
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
    ok(&p, &["downgrade", "base"]);
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
