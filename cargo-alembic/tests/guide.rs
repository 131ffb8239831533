//! The README's Quickstart and the tutorial, run as written: their `sh` blocks, in order, in
//! a copy of this checkout, with `cargo install` putting cargo-alembic on the PATH. The
//! tutorial's model edit is applied where the tutorial shows it, and what the tutorial shows
//! of the generated migration must be what autogenerate writes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The fenced blocks of a Markdown file: (info string, text).
fn blocks(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => current = Some((info.trim().to_owned(), String::new())),
            (Some(_), Some(_)) => out.push(current.take().unwrap()),
            (Some((_, text)), None) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// A copy of the checkout without build output or local databases.
fn copy_checkout(to: &Path) {
    let from = repo();
    for entry in walkdir::WalkDir::new(&from).into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        !(name == "target" || name == ".git" || name == "instance")
    }) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

struct Shell {
    cwd: PathBuf,
    path: String,
    install: PathBuf,
}

impl Shell {
    /// Runs a block with bash (stopping at the first failing command) where the previous
    /// block left off; returns stdout and stderr.
    fn run(&mut self, script: &str) -> String {
        let marker = self.install.join("cwd");
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c"])
            .arg(format!("{script}\npwd > '{}'", marker.display()))
            .current_dir(&self.cwd)
            .env("PATH", &self.path)
            .env("CARGO_INSTALL_ROOT", &self.install)
            .env("CARGO_TARGET_DIR", repo().join("target/e2e"))
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "this block failed:\n{script}\n{text}");
        self.cwd = PathBuf::from(std::fs::read_to_string(marker).unwrap().trim());
        text
    }
}

#[test]
fn the_quickstart_and_the_tutorial_work_as_written() {
    let dir = tempfile::Builder::new()
        .prefix("cargo-alembic-guide-")
        .tempdir()
        .unwrap();
    let checkout = dir.path().join("checkout");
    copy_checkout(&checkout);
    let install = dir.path().join("install");
    std::fs::create_dir_all(&install).unwrap();
    let path = format!(
        "{}:{}",
        install.join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let mut shell = Shell {
        cwd: checkout.clone(),
        path,
        install,
    };

    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let quickstart = &blocks(&readme)[0];
    assert_eq!(quickstart.0, "sh");
    let out = shell.run(&quickstart.1);
    assert!(out.contains("DOWN example http://127.0.0.1:9/"), "{out}");
    assert!(
        out.contains("example http://127.0.0.1:9/: 0.0% up over 1 check(s), incident open"),
        "{out}"
    );

    let tutorial = std::fs::read_to_string(repo().join("docs/tutorial.md")).unwrap();
    let mut shell = Shell {
        cwd: checkout.clone(),
        ..shell
    };
    std::fs::remove_dir_all(checkout.join("examples/uptimo/instance")).unwrap();
    let mut snippets = Vec::new();
    let mut output = String::new();
    for (info, text) in blocks(&tutorial) {
        match info.as_str() {
            "sh" => output.push_str(&shell.run(&text)),
            "rust,ignore" if snippets.is_empty() => {
                // "add a field to Monitor": after its last field.
                let models = checkout.join("examples/uptimo/src/models.rs");
                let source = std::fs::read_to_string(&models).unwrap();
                let anchor = "    pub kafka_topic: Option<String>,\n";
                assert!(source.contains(anchor));
                std::fs::write(&models, source.replace(anchor, &format!("{anchor}{text}")))
                    .unwrap();
                snippets.push(text);
            }
            "rust,ignore" => snippets.push(text),
            _ => {}
        }
    }
    assert!(output.contains("check failed, as expected"), "{output}");
    assert!(
        output.contains("Detected added column 'monitor.last_alert_at'"),
        "{output}"
    );
    assert!(
        output.contains("No new upgrade operations detected."),
        "{output}"
    );
    let versions = checkout.join("examples/uptimo/migrations/versions");
    let generated = std::fs::read_dir(&versions)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("_remember_the_last_alert.rs"))
        .expect("the tutorial's migration was written");
    let generated = std::fs::read_to_string(generated).unwrap();
    assert!(
        generated.contains(&snippets[1]),
        "the tutorial shows what autogenerate writes:\n{generated}"
    );
}
