//! The project a command works on, resolved once from the command line, `cargo metadata`,
//! `[package.metadata.alembic]` and the environment; every command takes a [`Project`].

use std::path::{Path, PathBuf};

use cargo_metadata::{Metadata, MetadataCommand, Package};

use alembic_build::versions::validated_graph;

use crate::headers::HeaderCache;
use alembic_build::MigrationModule;
use alembic_core::revision::graph::RevisionGraph;
use alembic_core::schema::sql::Dialect;
use alembic_core::url::DatabaseUrl;

use crate::error::CliError;

/// Where a dependency of the project comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `path = "…"` (absolute).
    Path(PathBuf),
    /// A registry version requirement, as the project writes it.
    Version(String),
}

/// A package that uses cargo-alembic.
#[derive(Debug, Clone)]
pub struct Project {
    /// The package's name.
    pub name: String,
    /// The directory of its Cargo.toml.
    pub root: PathBuf,
    /// The versions directory, absolute.
    pub versions: PathBuf,
    /// The versions directory as configured (relative to the package).
    pub versions_relative: PathBuf,
    /// Whether Cargo.toml sets `versions` (otherwise it is the default).
    pub versions_configured: bool,
    /// The workspace's target directory.
    pub target_dir: PathBuf,
    /// The workspace's root directory (its Cargo.toml holds the profiles).
    pub workspace_root: PathBuf,
    /// The workspace's Cargo.lock.
    pub lock_file: PathBuf,
    /// The database, when one is configured anywhere.
    pub database: Option<Database>,
    /// How long to wait for a locked database, in milliseconds (`--busy-timeout`, then
    /// `busy_timeout` in seconds in `[package.metadata.alembic]`).
    pub busy_timeout_ms: Option<u64>,
    /// The project's `alembic-runtime` dependency.
    pub runtime: Option<Source>,
    /// The project's `alembic-build` build-dependency.
    pub build: Option<Source>,
    /// Files and folders scanned for models, absolute (`models`, default `["src"]`).
    pub models: Vec<PathBuf>,
    /// Tables autogenerate and `check` leave alone (`exclude_tables`).
    pub exclude_tables: Vec<String>,
    /// The dialect autogenerate renders and `check` compares for: `dialect` in
    /// `[package.metadata.alembic]`, else the configured database's, else SQLite.
    pub dialect: Dialect,
    /// The features the project turns on in its `alembic-runtime` dependency.
    pub runtime_features: Vec<String>,
}

/// The configured database and where the setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    /// The URL or path, as written.
    pub url: String,
    /// Which setting gave it.
    pub source: DatabaseSource,
}

/// Where the database setting came from, in the order they are looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseSource {
    /// `--database`.
    Flag,
    /// The `DATABASE_URL` environment variable.
    Environment,
    /// `DATABASE_URL` in the package's `.env`.
    DotEnv,
    /// `database` in `[package.metadata.alembic]`.
    Manifest,
}

impl std::fmt::Display for DatabaseSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DatabaseSource::Flag => "--database",
            DatabaseSource::Environment => "the DATABASE_URL environment variable",
            DatabaseSource::DotEnv => "DATABASE_URL in .env",
            DatabaseSource::Manifest => "database in [package.metadata.alembic] of Cargo.toml",
        })
    }
}

/// How to find the project.
#[derive(Debug, Default, Clone)]
pub struct Lookup<'a> {
    /// `--manifest-path`.
    pub manifest_path: Option<&'a Path>,
    /// `-p/--package`.
    pub package: Option<&'a str>,
    /// `--database`.
    pub database: Option<&'a str>,
    /// `--busy-timeout`, in milliseconds.
    pub busy_timeout_ms: Option<u64>,
}

impl Project {
    /// Finds the project.
    ///
    /// # Errors
    /// `cargo metadata` failing, no package, or several candidates without `-p`.
    pub fn discover(lookup: &Lookup<'_>) -> Result<Project, CliError> {
        let mut cmd = MetadataCommand::new();
        cmd.no_deps();
        if let Some(path) = lookup.manifest_path {
            cmd.manifest_path(path);
        }
        let metadata = cmd
            .exec()
            .map_err(|e| CliError::Project(format!("cannot read the cargo project: {e}")))?;
        let manifest = match lookup.manifest_path {
            Some(path) => Some(path.to_owned()),
            None => std::env::current_dir()
                .ok()
                .and_then(|cwd| nearest_manifest(&cwd)),
        };
        let package = select(&metadata, lookup.package, manifest.as_deref())?;
        let root = package
            .manifest_path
            .parent()
            .expect("a manifest is in a directory")
            .as_std_path()
            .to_owned();
        let config = package.metadata.get("alembic");
        let setting = |key: &str| {
            config
                .and_then(|c| c.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        // alembic-build's reader, so that the CLI and the build agree on every Cargo.toml.
        let versions_setting = alembic_build::config::versions_setting(&root)
            .map_err(|e| CliError::Versions(vec![e]))?;
        let versions_configured = versions_setting.is_some();
        let versions_relative = versions_setting
            .unwrap_or_else(|| PathBuf::from(alembic_build::config::DEFAULT_VERSIONS));
        // A list, or a single string for one item.
        let list = |key: &str| -> Option<Vec<String>> {
            let value = config?.get(key)?;
            if let Some(one) = value.as_str() {
                return Some(vec![one.to_owned()]);
            }
            let items = value.as_array()?;
            Some(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            )
        };
        let models = list("models")
            .unwrap_or_else(|| vec!["src".to_owned()])
            .iter()
            .map(|m| root.join(m))
            .collect();
        let exclude_tables = list("exclude_tables").unwrap_or_default();
        let busy_timeout_ms = match (lookup.busy_timeout_ms, config.and_then(|c| c.get("busy_timeout"))) {
            (Some(ms), _) => Some(ms),
            (None, None) => None,
            (None, Some(value)) => Some(
                value
                    .as_f64()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(|s| (s * 1000.0).round() as u64)
                    .ok_or_else(|| {
                        CliError::Project(format!(
                            "busy_timeout in [package.metadata.alembic] must be a number of seconds, like 5; found {value}"
                        ))
                    })?,
            ),
        };
        let found = |source: DatabaseSource| move |url: String| Database { url, source };
        let database = lookup
            .database
            .map(str::to_owned)
            .map(found(DatabaseSource::Flag))
            .or_else(|| {
                std::env::var("DATABASE_URL")
                    .ok()
                    .map(found(DatabaseSource::Environment))
            })
            .or_else(|| dotenv_database(&root).map(found(DatabaseSource::DotEnv)))
            .or_else(|| setting("database").map(found(DatabaseSource::Manifest)));
        let dialect = match setting("dialect") {
            Some(name) => parse_dialect(&name)?,
            None if config.and_then(|c| c.get("dialect")).is_some() => {
                return Err(CliError::Project(
                    "dialect in [package.metadata.alembic] must be a string: \"sqlite\" or \"postgresql\""
                        .to_owned(),
                ))
            }
            None => match database.as_ref().map(|d| DatabaseUrl::parse(&d.url)) {
                Some(Ok(DatabaseUrl::Postgres(_))) => Dialect::Postgres,
                _ => Dialect::Sqlite,
            },
        };
        let runtime_features = package
            .dependencies
            .iter()
            .find(|d| d.name == "alembic-runtime")
            .map(|d| d.features.clone())
            .unwrap_or_default();
        let source = |name: &str| {
            package
                .dependencies
                .iter()
                .find(|d| d.name == name)
                .map(|d| match &d.path {
                    Some(path) => Source::Path(path.as_std_path().to_owned()),
                    None => Source::Version(d.req.to_string()),
                })
        };
        Ok(Project {
            name: package.name.to_string(),
            versions: root.join(&versions_relative),
            versions_relative,
            versions_configured,
            target_dir: metadata.target_directory.as_std_path().to_owned(),
            workspace_root: metadata.workspace_root.clone().into_std_path_buf(),
            lock_file: metadata.workspace_root.as_std_path().join("Cargo.lock"),
            database,
            busy_timeout_ms,
            runtime: source("alembic-runtime"),
            build: source("alembic-build"),
            models,
            exclude_tables,
            dialect,
            runtime_features,
            root,
        })
    }

    /// Whether the configured database is a PostgreSQL server (else the runner works on
    /// SQLite: the file, or the migrations replayed in memory).
    pub fn on_server(&self) -> bool {
        self.database
            .as_ref()
            .is_some_and(|d| matches!(DatabaseUrl::parse(&d.url), Ok(DatabaseUrl::Postgres(_))))
    }

    /// Whether the runner must reach PostgreSQL: the configured database is a server, the
    /// dialect is PostgreSQL, or the application's own runtime is built for it. A SQLite
    /// project's runner is built as before, without rust-postgres.
    pub fn needs_postgres(&self) -> bool {
        self.on_server()
            || self.dialect == Dialect::Postgres
            || self
                .runtime_features
                .iter()
                .any(|f| f == "postgres" || f == "postgres-tls")
    }

    /// The configured database, shown as it may be: a server's URL without its password.
    pub fn shown_database(&self) -> Option<String> {
        self.database
            .as_ref()
            .map(|d| alembic_core::url::redacted(&d.url))
    }

    /// Fails when the versions directory is missing: never read a moved or misconfigured
    /// folder as an empty history (autogenerate would then recreate the whole schema).
    ///
    /// # Errors
    /// [`CliError::NoVersions`], naming the path and where it was configured.
    pub fn require_versions(&self) -> Result<(), CliError> {
        if self.versions.is_dir() {
            return Ok(());
        }
        Err(CliError::NoVersions {
            path: self.versions_relative.clone(),
            configured: self.versions_configured,
        })
    }

    /// Creates a missing versions directory for a first revision, but only when its parent
    /// exists (`migrations/` without `versions/`): a missing parent means a moved or
    /// mistyped folder, which [`Project::require_versions`] reports.
    ///
    /// # Errors
    /// As [`Project::require_versions`], or the folder cannot be created.
    pub fn ensure_versions(&self, quiet: bool) -> Result<(), CliError> {
        let parent_exists = self.versions.parent().is_some_and(Path::is_dir);
        if self.versions.is_dir() || !parent_exists {
            return self.require_versions();
        }
        std::fs::create_dir(&self.versions).map_err(CliError::io(&self.versions))?;
        if !quiet {
            out!("Creating directory {} ...  done", self.versions.display());
        }
        Ok(())
    }

    /// Runs `f` on the migration files (sorted by revision id) and their revision graph,
    /// built once and validated. Nothing is compiled.
    ///
    /// # Errors
    /// A broken versions directory, or whatever `f` returns.
    pub fn graph<T>(
        &self,
        f: impl FnOnce(&[MigrationModule], &RevisionGraph<'_>) -> Result<T, CliError>,
    ) -> Result<T, CliError> {
        self.require_versions()?;
        let mut cache = HeaderCache::load(
            self.target_dir
                .join("alembic")
                .join(format!("headers-{}.json", self.name)),
        );
        let modules = alembic_build::Builder::new()
            .manifest_dir(&self.root)
            .versions(&self.versions_relative)
            .read_migrations_with(|path, text| cache.read(path, text))
            .map_err(CliError::Versions)?;
        cache.save();
        let graph = validated_graph(&modules).map_err(CliError::Versions)?;
        f(&modules, &graph)
    }
}

/// `dialect` in `[package.metadata.alembic]`, in SQLAlchemy's names (and `postgres`).
fn parse_dialect(name: &str) -> Result<Dialect, CliError> {
    match name.trim().to_ascii_lowercase().as_str() {
        "sqlite" => Ok(Dialect::Sqlite),
        "postgresql" | "postgres" => Ok(Dialect::Postgres),
        _ => Err(CliError::Project(format!(
            "dialect in [package.metadata.alembic] is {name:?}; use \"sqlite\" or \"postgresql\""
        ))),
    }
}

/// The manifest cargo itself would use: the nearest `Cargo.toml` from `dir` upwards.
fn nearest_manifest(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
}

/// The package to work on: `-p`, else the package whose manifest is `manifest` (given with
/// `--manifest-path`, or the nearest to the working directory, as cargo does), else the only
/// workspace member that uses cargo-alembic.
fn select<'m>(
    metadata: &'m Metadata,
    name: Option<&str>,
    manifest: Option<&Path>,
) -> Result<&'m Package, CliError> {
    let members: Vec<&Package> = metadata.workspace_packages();
    if let Some(name) = name {
        return members
            .into_iter()
            .find(|p| p.name.as_str() == name)
            .ok_or_else(|| {
                CliError::Project(format!(
                    "package `{name}` is not a member of this workspace"
                ))
            });
    }
    let same_file = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if let Some(manifest) = manifest {
        if let Some(package) = members
            .iter()
            .find(|p| same_file(p.manifest_path.as_std_path(), manifest))
        {
            return Ok(package);
        }
    }
    let users: Vec<&Package> = members
        .iter()
        .copied()
        .filter(|p| {
            p.metadata.get("alembic").is_some()
                || p.dependencies.iter().any(|d| d.name == "alembic-runtime")
        })
        .collect();
    match users.as_slice() {
        [one] => Ok(one),
        [] => Err(CliError::Project(
            "no package in this workspace uses cargo-alembic; run `cargo alembic init -p <package>`".to_owned(),
        )),
        many => Err(CliError::Project(format!(
            "several packages in this workspace use cargo-alembic ({}); choose one with -p <package>",
            many.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// `DATABASE_URL` from a `.env` file beside Cargo.toml.
fn dotenv_database(root: &Path) -> Option<String> {
    let entries = dotenvy::from_path_iter(root.join(".env")).ok()?;
    entries
        .filter_map(Result::ok)
        .find(|(key, _)| key == "DATABASE_URL")
        .map(|(_, value)| value)
}
