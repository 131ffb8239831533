//! The harness of the end-to-end tests of cargo-alembic and alembic-build: temporary cargo
//! packages built against this checkout's crates. They all share one target directory
//! ([`shared_target`]) and this workspace's lock file, so SQLite and every dependency compile
//! once for the whole test run. `KEEP_TEMP_DIR=1` keeps the packages for debugging.

pub mod postgres;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The root of this checkout.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tools/e2e-support is two levels below the root")
        .to_owned()
}

/// The target directory every temporary package builds into.
pub fn shared_target() -> PathBuf {
    repo().join("target/e2e")
}

/// `{ path = "<checkout>/<krate>" }`, a dependency on one of this checkout's crates.
pub fn path_dependency(krate: &str) -> String {
    format!(
        "{{ path = {:?} }}",
        repo().join(krate).display().to_string()
    )
}

/// A package name no other test of this run uses: `<prefix>_<pid>_<n>`.
pub fn unique_name(prefix: &str) -> String {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

/// What one command did.
#[derive(Debug, Clone)]
pub struct Run {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A temporary cargo package: a directory with the given Cargo.toml, this workspace's
/// Cargo.lock (the same dependency versions, and no resolution work) and an empty `src/`.
#[derive(Debug)]
pub struct TempPackage {
    dir: tempfile::TempDir,
}

impl TempPackage {
    /// A package whose directory name starts with `prefix`.
    pub fn new(prefix: &str, manifest: &str) -> Self {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        std::fs::copy(repo().join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        TempPackage { dir }
    }

    /// The package's directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A file's text.
    pub fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.root().join(file)).unwrap()
    }

    /// Writes a file, creating its folder.
    pub fn write(&self, file: &str, text: &str) {
        let path = self.root().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// `cargo <args>` in the package, with the shared target directory.
    pub fn cargo(&self, args: &[&str]) -> Output {
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(args)
            .current_dir(self.root())
            .env("CARGO_TARGET_DIR", shared_target())
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap()
    }
}

impl Drop for TempPackage {
    fn drop(&mut self) {
        if std::env::var_os("KEEP_TEMP_DIR").is_some() {
            let kept = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
            eprintln!("kept {}", kept.keep().display());
        }
    }
}
