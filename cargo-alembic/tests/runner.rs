//! The runner is built when what it is built from changes, and only then: warm database
//! commands run it without invoking cargo (no 50 ms `cargo build`, no registry), and a
//! changed migration, lock file or runtime rebuilds it whatever the files' times say.

#![cfg(unix)]

mod common;

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestProject;

/// A `cargo` that notes each invocation in `log`, then runs the real one.
fn logging_cargo(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("cargo.log");
    let script = dir.join("cargo");
    let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec '{real}' \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, log)
}

/// How many times cargo was asked to build (`cargo metadata` is not counted).
fn invocations(log: &Path) -> usize {
    std::fs::read_to_string(log).map_or(0, |l| l.lines().filter(|l| l.starts_with("build")).count())
}

/// Sets a file's modification time to a day ago, as restoring an old copy does.
fn make_old(path: &Path) {
    let status = Command::new("touch")
        .args(["-d", "1 day ago"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn warm_commands_run_the_runner_without_cargo_until_its_inputs_change() {
    let p = TestProject::new();
    let tools = tempfile::tempdir().unwrap();
    let (cargo, log) = logging_cargo(tools.path());
    let with_cargo = [("CARGO", cargo.as_os_str())];
    let ok = |args: &[&str]| {
        let run = p.alembic_with(args, &with_cargo);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        run
    };
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    ok(&["upgrade", "head"]);
    assert_eq!(invocations(&log), 1, "the first command builds the runner");
    // A SQLite project's runner has no rust-postgres.
    assert!(
        p.runner_manifest().contains("features = [\"runner\"] }"),
        "{}",
        p.runner_manifest()
    );
    ok(&["current"]);
    ok(&["downgrade", "base"]);
    ok(&["stamp", "head"]);
    ok(&["upgrade", "head", "--sql"]);
    assert_eq!(invocations(&log), 1, "warm commands do not invoke cargo");

    // An edited migration: rebuilt, and the runner knows the edit.
    let file = format!("migrations/versions/{}", p.versions()[0]);
    let original = p.read(&file);
    p.write(&file, &original.replacen("//! first", "//! renamed", 1));
    let verbose = ok(&["current", "-v"]);
    assert_eq!(invocations(&log), 2);
    assert!(verbose.stdout.contains("renamed"), "{}", verbose.stdout);

    // The original restored with an older time than the runner: still rebuilt.
    p.write(&file, &original);
    make_old(&p.root().join(&file));
    make_old(&p.root().join("migrations/versions"));
    let verbose = ok(&["current", "-v"]);
    assert_eq!(invocations(&log), 3);
    assert!(
        verbose.stdout.contains("first") && !verbose.stdout.contains("renamed"),
        "{}",
        verbose.stdout
    );

    // A changed lock file: rebuilt (cargo decides what, if anything, to recompile).
    let lock = p.read("Cargo.lock");
    p.write("Cargo.lock", &format!("{lock}\n"));
    ok(&["current"]);
    assert_eq!(invocations(&log), 4);
    ok(&["current"]);
    assert_eq!(invocations(&log), 4);
}

#[test]
fn database_commands_work_without_network_once_the_runner_exists() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    p.ok(&["upgrade", "head"]);
    let offline: [(&str, &OsStr); 2] = [
        ("CARGO_NET_OFFLINE", OsStr::new("true")),
        // Any registry access would fail here.
        ("CARGO_REGISTRIES_CRATES_IO_PROTOCOL", OsStr::new("sparse")),
    ];
    let run = p.alembic_with(&["current"], &offline);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // A new migration needs a build, which needs nothing from the network either.
    p.ok(&["revision", "-m", "second", "--rev-id", "bbbb00000002"]);
    let run = p.alembic_with(&["upgrade", "head"], &offline);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Running upgrade aaaa00000001 -> bbbb00000002"),
        "{}",
        run.stderr
    );
}
