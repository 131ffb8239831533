//! The `build.rs` helper of cargo-alembic: compiles the versions directory into a static,
//! validated migration list that `alembic_runtime::embed_migrations!()` embeds in the binary.
//!
//! `build.rs`:
//!
//! ```text
//! fn main() {
//!     alembic_build::compile();
//! }
//! ```
//!
//! It reads `[package.metadata.alembic].versions` (default `migrations/versions`), parses
//! every migration module with syn, checks its constants and functions and the revision
//! graph (with the very rules the runtime applies, from alembic-core), and writes
//! `$OUT_DIR/alembic_migrations.rs`. Problems fail the build with one `file:line: message`
//! each, no panic. Cargo re-runs it when a file of the versions directory or Cargo.toml
//! changes, and only then.

use std::path::{Path, PathBuf};

pub mod config;
pub mod error;
pub mod generate;
pub mod module;
pub mod versions;

pub use error::{BuildError, Location};
pub use module::MigrationModule;
pub use versions::VersionsTree;

/// Compiles the versions directory configured in Cargo.toml. Call it from `build.rs`.
pub fn compile() {
    Builder::new().compile();
}

/// Options for [`compile`], for layouts other than the configured one.
///
/// ```no_run
/// alembic_build::Builder::new().versions("db/versions").compile();
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    versions: Option<PathBuf>,
    manifest_dir: Option<PathBuf>,
}

impl Builder {
    /// The configured layout of the package being built.
    pub fn new() -> Self {
        Builder::default()
    }

    /// Uses this versions directory (relative to the package) instead of the configured one.
    pub fn versions(mut self, dir: impl Into<PathBuf>) -> Self {
        self.versions = Some(dir.into());
        self
    }

    /// Reads the package at `dir` instead of `CARGO_MANIFEST_DIR`.
    pub fn manifest_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.manifest_dir = Some(dir.into());
        self
    }

    /// Reads and validates the versions directory, without writing anything.
    ///
    /// # Errors
    /// Every problem found, each naming its file and line.
    pub fn read(&self) -> Result<VersionsTree, Vec<BuildError>> {
        let root = self.root().map_err(|e| vec![e])?;
        let relative = self.versions_relative(&root).map_err(|e| vec![e])?;
        versions::read_tree(&root.join(&relative), relative_to(&root))
    }

    /// Reads the migration files, sorted by revision id, without checking the graph: for a
    /// caller that builds the graph itself with [`versions::validated_graph`].
    ///
    /// # Errors
    /// Every problem of a file, each naming its file and line.
    pub fn read_migrations(&self) -> Result<Vec<MigrationModule>, Vec<BuildError>> {
        self.read_migrations_with(module::read_module)
    }

    /// [`Builder::read_migrations`] with another reader of each file's text (see
    /// [`versions::read_migrations_with`]).
    ///
    /// # Errors
    /// As [`Builder::read_migrations`].
    pub fn read_migrations_with(
        &self,
        read: impl FnMut(&Path, &str) -> Result<MigrationModule, Vec<BuildError>>,
    ) -> Result<Vec<MigrationModule>, Vec<BuildError>> {
        let root = self.root().map_err(|e| vec![e])?;
        let relative = self.versions_relative(&root).map_err(|e| vec![e])?;
        versions::read_migrations_with(&root.join(&relative), relative_to(&root), read)
    }

    /// Runs as a build script step: writes the migration list to OUT_DIR, tells cargo when
    /// to run again, and on problems prints them as `cargo::error=` lines, which fail the
    /// build.
    pub fn compile(self) {
        if let Err(errors) = self.try_compile() {
            for e in errors {
                println!("cargo::error={}", e.to_string().replace('\n', " "));
            }
        }
    }

    fn try_compile(&self) -> Result<(), Vec<BuildError>> {
        let root = self.root().map_err(|e| vec![e])?;
        let relative = self.versions_relative(&root).map_err(|e| vec![e])?;
        println!(
            "cargo::rerun-if-changed={}",
            root.join("Cargo.toml").display()
        );
        println!("cargo::rerun-if-changed={}", root.join(&relative).display());
        if !root.join(&relative).is_dir() {
            println!(
                "cargo::warning=no migrations: {} does not exist yet (`cargo alembic init` creates it)",
                relative.display()
            );
        }
        let tree = self.read()?;
        let out_dir = std::env::var_os("OUT_DIR")
            .ok_or_else(|| vec![BuildError::NotInBuildScript("OUT_DIR")])?;
        let file = Path::new(&out_dir).join(generate::FILE_NAME);
        let schema = config::version_table_schema(&root).map_err(|e| vec![e])?;
        write_if_changed(&file, &generate::render_for(&tree, schema.as_deref()))
            .map_err(|e| vec![e])?;
        // What `embed_migrations!()` includes; without it (no build.rs, or one that does not
        // call this) the macro fails with one message saying so.
        println!("cargo::rustc-env={}={}", generate::ENV_VAR, file.display());
        Ok(())
    }

    fn root(&self) -> Result<PathBuf, BuildError> {
        match &self.manifest_dir {
            Some(dir) => Ok(dir.clone()),
            None => std::env::var_os("CARGO_MANIFEST_DIR")
                .map(PathBuf::from)
                .ok_or(BuildError::NotInBuildScript("CARGO_MANIFEST_DIR")),
        }
    }

    fn versions_relative(&self, root: &Path) -> Result<PathBuf, BuildError> {
        match &self.versions {
            Some(dir) => Ok(dir.clone()),
            None => config::versions_dir(root),
        }
    }
}

/// Messages name files relative to the package.
fn relative_to(root: &Path) -> impl Fn(&Path) -> PathBuf + '_ {
    move |file| {
        file.strip_prefix(root)
            .map_or_else(|_| file.to_owned(), Path::to_owned)
    }
}

/// Writes atomically (temporary file, then rename), and not at all when the content is the
/// same, so that an unchanged tree does not make cargo recompile the crate.
fn write_if_changed(path: &Path, content: &str) -> Result<(), BuildError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    let io = |source| BuildError::Io {
        path: path.to_owned(),
        source,
    };
    let tmp = path.with_extension("rs.tmp");
    std::fs::write(&tmp, content).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
