//! The project the end-to-end tests of `cargo alembic` drive: a temporary package set up
//! with `init --path <this checkout>`, run through the real binary.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::Command;

use alembic_e2e::{repo, shared_target, unique_name, Run, TempPackage};

pub struct TestProject {
    package: TempPackage,
}

impl TestProject {
    /// A package with `init --path <this checkout>` done and `database = "app.db"`.
    pub fn new() -> Self {
        Self::with_dotenv(None)
    }

    /// As [`TestProject::new`], with a `.env` file written before `init`.
    pub fn with_dotenv(dotenv: Option<&str>) -> Self {
        let name = unique_name("cli_e2e");
        let package = TempPackage::new(
            "cargo-alembic-e2e-",
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n# keep this comment\n[workspace]\n"),
        );
        package.write("src/main.rs", "fn main() {}\n");
        if let Some(text) = dotenv {
            package.write(".env", text);
        }
        let project = TestProject { package };
        let init = project.alembic(&["init", "--path", &repo().display().to_string()]);
        assert_eq!(init.code, 0, "{}", init.stderr);
        let manifest = project.read("Cargo.toml");
        project.write(
            "Cargo.toml",
            &manifest.replace(
                "[package.metadata.alembic]\n",
                "[package.metadata.alembic]\ndatabase = \"app.db\"\n",
            ),
        );
        project
    }

    /// The package's name.
    pub fn name(&self) -> String {
        let manifest = self.read("Cargo.toml");
        manifest
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .unwrap()
            .trim_end_matches('"')
            .to_owned()
    }

    pub fn runner(&self) -> PathBuf {
        let name = self.name();
        shared_target().join(format!("debug/alembic-runner-{name}"))
    }

    /// The Cargo.toml `cargo alembic` wrote for the runner.
    pub fn runner_manifest(&self) -> String {
        let name = self.name();
        std::fs::read_to_string(
            shared_target().join(format!("alembic/alembic-runner-{name}/Cargo.toml")),
        )
        .unwrap()
    }

    pub fn root(&self) -> &Path {
        self.package.root()
    }

    pub fn read(&self, file: &str) -> String {
        self.package.read(file)
    }

    pub fn write(&self, file: &str, text: &str) {
        self.package.write(file, text);
    }

    pub fn alembic(&self, args: &[&str]) -> Run {
        self.alembic_with(args, &[])
    }

    /// As [`TestProject::alembic`], with more environment variables.
    pub fn alembic_with(&self, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Run {
        Command::new(env!("CARGO_BIN_EXE_cargo-alembic"))
            .arg("alembic")
            .args(args)
            .current_dir(self.root())
            .env("CARGO_TARGET_DIR", shared_target())
            .env_remove("DATABASE_URL")
            .envs(env.iter().copied())
            .output()
            .unwrap()
            .into()
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.alembic(args);
        assert_eq!(
            run.code, 0,
            "cargo alembic {args:?} failed:\n{}\n{}",
            run.stdout, run.stderr
        );
        run.stdout
    }

    /// Replaces the empty body `revision` wrote for `function` (`upgrade` or `downgrade`) in
    /// the versions file `file` by `body`, the function's result expression.
    pub fn set_body(&self, file: &str, function: &str, body: &str) {
        let path = format!("migrations/versions/{file}");
        let empty = format!("pub fn {function}(_op: &mut Op) -> Result<()> {{\n    Ok(())");
        let text = self.read(&path);
        assert!(text.contains(&empty), "{path} has no empty {function}");
        self.write(
            &path,
            &text.replace(
                &empty,
                &format!("pub fn {function}(op: &mut Op) -> Result<()> {{\n    {body}"),
            ),
        );
    }

    pub fn versions(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}
