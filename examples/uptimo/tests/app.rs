//! uptimo end to end: the binary on a fresh database, SQLite file or PostgreSQL server,
//! probing servers on the loopback interface, and its `db` commands.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use alembic_e2e::postgres::TestDatabase;

/// An HTTP server on 127.0.0.1 answering `/ok` with 200 and anything else with 500.
fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut request = [0; 1024];
            let n = stream.read(&mut request).unwrap_or(0);
            let ok = String::from_utf8_lossy(&request[..n]).starts_with("GET /ok ");
            let status = if ok {
                "200 OK"
            } else {
                "500 Internal Server Error"
            };
            let _ = write!(stream, "HTTP/1.0 {status}\r\nContent-Length: 0\r\n\r\n");
        }
    });
    address
}

/// A port nothing listens on.
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// Runs uptimo in `dir`, on `database` (a URL for `DATABASE_URL`; `None` is uptimo's
/// default SQLite file).
fn uptimo(dir: &Path, database: Option<&str>, args: &[&str]) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_uptimo"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL");
    if let Some(url) = database {
        command.env("DATABASE_URL", url);
    }
    let out = command.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, database: Option<&str>, args: &[&str]) -> String {
    let (success, stdout, stderr) = uptimo(dir, database, args);
    assert!(success, "uptimo {args:?}: {stderr}");
    stdout
}

/// Users and monitors added, probed twice and reported, on a database that uptimo
/// migrates on first use.
fn monitors_are_probed_recorded_and_reported(d: &Path, database: Option<&str>) {
    let web = server();
    ok(d, database, &["add-user", "ops@example.com"]);
    ok(
        d,
        database,
        &[
            "add-monitor",
            "site",
            &format!("http://{web}/ok"),
            "--owner",
            "ops@example.com",
        ],
    );
    ok(
        d,
        database,
        &[
            "add-monitor",
            "api",
            &format!("http://{web}/broken"),
            "--interval",
            "30",
        ],
    );
    ok(
        d,
        database,
        &["add-kafka-monitor", "events", &closed_port(), "orders"],
    );

    let checked = ok(d, database, &["check"]);
    let lines: Vec<&str> = checked.lines().collect();
    assert_eq!(lines.len(), 3, "{checked}");
    assert!(
        lines[0].starts_with("UP   site") && lines[0].ends_with("HTTP/1.0 200 OK"),
        "{checked}"
    );
    assert!(
        lines[1].starts_with("DOWN api") && lines[1].contains("500"),
        "{checked}"
    );
    assert!(lines[2].starts_with("DOWN events"), "{checked}");
    ok(d, database, &["check"]);
    assert_eq!(
        ok(d, database, &["report"]),
        format!(
            "site http://{web}/ok: 100.0% up over 2 check(s)\n\
             api http://{web}/broken: 0.0% up over 2 check(s), incident open\n\
             events {0}: 0.0% up over 2 check(s), incident open\n",
            lines[2].split_whitespace().nth(2).unwrap()
        )
    );

    let (success, _, stderr) = uptimo(
        d,
        database,
        &[
            "add-monitor",
            "x",
            "http://x/",
            "--owner",
            "nobody@example.com",
        ],
    );
    assert!(!success);
    assert_eq!(
        stderr,
        "error: no user nobody@example.com; add it with `uptimo add-user nobody@example.com`\n"
    );
}

#[test]
fn monitors_are_probed_recorded_and_reported_on_a_migrated_database() {
    let dir = tempfile::tempdir().unwrap();
    monitors_are_probed_recorded_and_reported(dir.path(), None);
    assert!(
        dir.path().join("instance/uptimo.db").exists(),
        "created on first use"
    );
}

#[test]
fn monitors_are_probed_recorded_and_reported_on_postgresql() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    monitors_are_probed_recorded_and_reported(dir.path(), Some(&db.url()));
    let mut client = db.connect();
    let id_type: String = client
        .query_one(
            "SELECT data_type FROM information_schema.columns \
             WHERE table_name = 'check_result' AND column_name = 'id'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(id_type, "bigint", "widened by the history's last migration");
    assert!(
        !dir.path().join("instance").exists(),
        "no SQLite file beside a server"
    );
}

#[test]
fn the_db_commands_move_a_postgresql_schema_and_the_app_brings_it_back_to_head() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (d, url) = (dir.path(), Some(db.url()));
    let url = url.as_deref();
    ok(d, url, &["db", "upgrade", "head"]);
    let head = ok(d, url, &["db", "current"]);
    assert!(head.ends_with(" (head)\n"), "{head}");
    ok(d, url, &["add-user", "ops@example.com"]);
    let (success, _, stderr) = uptimo(d, url, &["db", "downgrade", "-1"]);
    assert!(success && stderr.contains("Running downgrade"), "{stderr}");
    assert_ne!(ok(d, url, &["db", "current"]), head);
    // Any other command upgrades first; no copy is taken of a server.
    let (success, _, stderr) = uptimo(d, url, &["report"]);
    assert!(success && !stderr.contains("backed up"), "{stderr}");
    assert_eq!(ok(d, url, &["db", "current"]), head);
    let users: i64 = db
        .connect()
        .query_one(r#"SELECT count(*) FROM "user""#, &[])
        .unwrap()
        .get(0);
    assert_eq!(users, 1, "kept through the downgrade and upgrade");
    ok(d, url, &["db", "downgrade", "base"]);
    assert_eq!(ok(d, url, &["db", "current"]), "");
}

#[test]
fn the_db_commands_move_the_schema_and_the_app_brings_it_back_to_head() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (success, _, stderr) = uptimo(d, None, &["db", "upgrade", "head"]);
    assert!(success, "{stderr}");
    assert!(stderr.contains("Running upgrade  -> "), "{stderr}");
    let head = ok(d, None, &["db", "current"]);
    assert!(head.ends_with(" (head)\n"), "{head}");
    let (success, _, stderr) = uptimo(d, None, &["db", "downgrade", "-1"]);
    assert!(success && stderr.contains("Running downgrade"), "{stderr}");
    let before = ok(d, None, &["db", "current"]);
    assert_ne!(before, head);
    // Any other command upgrades first, after a backup of the database as it was.
    let (success, _, stderr) = uptimo(d, None, &["report"]);
    let backup = d.join(format!("instance/backups/uptimo-{}.db", before.trim()));
    assert!(
        success && stderr.contains(&format!("backed up the database to {}", backup.display())),
        "{stderr}"
    );
    assert_eq!(ok(d, None, &["db", "current"]), head);
    let backup = backup.display().to_string();
    assert_eq!(
        ok(d, None, &["db", "--database", &backup, "current"]),
        before,
        "the backup is the database before the upgrade"
    );
    // At head, nothing is copied.
    std::fs::remove_file(&backup).unwrap();
    ok(d, None, &["report"]);
    assert!(!Path::new(&backup).exists());
    ok(d, None, &["db", "downgrade", "base"]);
    assert_eq!(ok(d, None, &["db", "current"]), "");
}
