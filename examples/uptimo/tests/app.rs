//! uptimo end to end: the binary on a fresh database, probing servers on the loopback
//! interface, and its `db` commands.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

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

fn uptimo(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_uptimo"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (success, stdout, stderr) = uptimo(dir, args);
    assert!(success, "uptimo {args:?}: {stderr}");
    stdout
}

#[test]
fn monitors_are_probed_recorded_and_reported_on_a_migrated_database() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let web = server();
    ok(d, &["add-user", "ops@example.com"]);
    assert!(
        d.join("instance/uptimo.db").exists(),
        "created on first use"
    );
    ok(
        d,
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
        &["add-kafka-monitor", "events", &closed_port(), "orders"],
    );

    let checked = ok(d, &["check"]);
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
    ok(d, &["check"]);
    assert_eq!(
        ok(d, &["report"]),
        format!(
            "site http://{web}/ok: 100.0% up over 2 check(s)\n\
             api http://{web}/broken: 0.0% up over 2 check(s), incident open\n\
             events {0}: 0.0% up over 2 check(s), incident open\n",
            lines[2].split_whitespace().nth(2).unwrap()
        )
    );

    let (success, _, stderr) = uptimo(
        d,
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
fn the_db_commands_move_the_schema_and_the_app_brings_it_back_to_head() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (success, _, stderr) = uptimo(d, &["db", "upgrade", "head"]);
    assert!(success, "{stderr}");
    assert!(stderr.contains("Running upgrade  -> "), "{stderr}");
    let head = ok(d, &["db", "current"]);
    assert!(head.ends_with(" (head)\n"), "{head}");
    let (success, _, stderr) = uptimo(d, &["db", "downgrade", "-1"]);
    assert!(success && stderr.contains("Running downgrade"), "{stderr}");
    let before = ok(d, &["db", "current"]);
    assert_ne!(before, head);
    // Any other command upgrades first, after a backup of the database as it was.
    let (success, _, stderr) = uptimo(d, &["report"]);
    let backup = d.join(format!("instance/backups/uptimo-{}.db", before.trim()));
    assert!(
        success && stderr.contains(&format!("backed up the database to {}", backup.display())),
        "{stderr}"
    );
    assert_eq!(ok(d, &["db", "current"]), head);
    let backup = backup.display().to_string();
    assert_eq!(
        ok(d, &["db", "--database", &backup, "current"]),
        before,
        "the backup is the database before the upgrade"
    );
    // At head, nothing is copied.
    std::fs::remove_file(&backup).unwrap();
    ok(d, &["report"]);
    assert!(!Path::new(&backup).exists());
    ok(d, &["db", "downgrade", "base"]);
    assert_eq!(ok(d, &["db", "current"]), "");
}
