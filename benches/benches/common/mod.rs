//! What the whole-process benches share: where the checkout is, the median of runs, and
//! the release `cargo-alembic` they time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The checkout's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The median of some runs.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Builds the in-tree `cargo-alembic` in release mode (its own target directory) and
/// returns the binary.
#[allow(dead_code, reason = "build_time drives cargo, not the CLI")]
pub fn release_cli() -> PathBuf {
    let target = repo().join("target/cli-bench");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "cargo-alembic",
            "--manifest-path",
        ])
        .arg(repo().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .unwrap();
    assert!(status.success(), "building cargo-alembic failed");
    target.join("release/cargo-alembic")
}
