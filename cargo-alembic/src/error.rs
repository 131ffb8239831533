//! The CLI's errors. The binary prints them once, as `error: …` on stderr, and exits with
//! [`exit::FAILURE`] (or the runner's own code, which reported its error itself).

use std::fmt;
use std::path::PathBuf;

/// The exit codes of `cargo alembic` (and of the runner, whose code it passes on).
pub mod exit {
    /// The command did what it was asked.
    pub const OK: u8 = 0;
    /// The command failed; one `error: …` says why (for `check`: the models differ).
    pub const FAILURE: u8 = 1;
    /// The command line itself is wrong (clap's usage errors); nothing was done.
    pub const USAGE: u8 = 2;
}

/// A problem in a model file, at a line when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    /// The file, relative to the package, and the line in it.
    pub at: Option<(PathBuf, usize)>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some((file, line)) => write!(f, "{}:{line}: {}", file.display(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// `cargo metadata` failed or found no suitable package.
    #[error("{0}")]
    Project(String),
    /// The versions directory is broken; one line per problem.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Versions(Vec<alembic_build::BuildError>),
    /// Models that cannot be read; one `file:line: …` per problem.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Models(Vec<ModelError>),
    /// The versions directory does not exist.
    #[error(
        "no versions directory at {}{}; run `cargo alembic init` to create it, or correct the path",
        .path.display(),
        if *.configured { " (set by `versions` in [package.metadata.alembic] of Cargo.toml)" }
        else { " (the default: Cargo.toml sets no `versions` in [package.metadata.alembic])" }
    )]
    NoVersions {
        /// The path looked for, relative to the package.
        path: PathBuf,
        /// Whether Cargo.toml set it.
        configured: bool,
    },
    /// A path listed in `models` of `[package.metadata.alembic]` does not exist.
    #[error("{}: no such file or folder (listed in models of [package.metadata.alembic])", .0.display())]
    MissingModels(PathBuf),
    /// Cargo.toml cannot be edited as `init` needs.
    #[error("{}: {message}", .path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The package does not depend on one of the crates the database commands need.
    #[error("this package does not depend on {0}; run `cargo alembic init` first")]
    NotSetUp(&'static str),
    /// A database command without a configured database.
    #[error(
        "no database: pass --database <path or URL>, set DATABASE_URL (or put it in .env), or add \
         database = \"…\" to [package.metadata.alembic] in Cargo.toml"
    )]
    NoDatabase,
    /// The configured database URL cannot be used.
    #[error("{error} (the URL comes from {from})")]
    DatabaseUrl {
        /// Which setting gave the URL.
        from: crate::project::DatabaseSource,
        /// What is wrong with it.
        error: alembic_core::url::UrlError,
    },
    /// A command that only reads found no database file.
    #[error("no database at {}; `cargo alembic upgrade head` creates it", .0.display())]
    NoDatabaseFile(PathBuf),
    /// `revision` on a graph with several heads and no `--head`.
    #[error(
        "Multiple heads are present; please specify the head revision on which the new revision should \
         be based, or perform a merge."
    )]
    MultipleHeads,
    /// A new revision's parent that is not a head, without `--splice`.
    #[error("Revision {0} is not a head revision; please specify --splice to create a new branch from this revision")]
    NotAHead(String),
    /// `merge` of fewer than two revisions.
    #[error("merge needs two or more revisions to merge; {arguments} resolve to {count}")]
    MergeNeedsTwo {
        /// The arguments as given.
        arguments: String,
        /// How many revisions they name.
        count: usize,
    },
    /// `base` where a revision is needed (`--depends-on base`, `edit base`).
    #[error("{0}: base is not a revision")]
    BaseIsNotARevision(String),
    /// A `--rev-id` that is malformed.
    #[error("--rev-id: {0}")]
    BadRevisionId(alembic_core::GraphError),
    /// A `--rev-id` that is taken.
    #[error("Revision {0} is already present; choose another --rev-id (nothing was written)")]
    RevisionIdTaken(String),
    /// No editor to open a file with.
    #[error("no editor found; set $EDITOR")]
    NoEditor,
    /// The editor exited with a failure.
    #[error("the editor `{editor}` failed ({status})")]
    EditorFailed {
        /// The editor command.
        editor: String,
        /// How it exited.
        status: std::process::ExitStatus,
    },
    /// The runner printed something this cargo-alembic cannot read.
    #[error(
        "the migration runner printed {what} this cargo-alembic cannot read ({message}); \
         use the same version of cargo-alembic and alembic-runtime"
    )]
    RunnerOutput {
        /// What was expected.
        what: &'static str,
        /// The parser's message.
        message: String,
    },
    /// `check` found differences between the models and the migrations.
    #[error(
        "New upgrade operations detected:\n{}\nGenerate the migration with `cargo alembic revision --autogenerate -m \"…\"`.",
        .0.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
    )]
    Check(Vec<String>),
    /// `check --database`: the database differs from what the migrations produce, and the
    /// models match the migrations; one "Detected …" line per difference.
    #[error(
        "the database differs from the schema its migrations produce, while the models match the migrations: \
         it was changed outside the migrations, and `revision --autogenerate` would find nothing to do. \
         Restore it from a backup, undo the change by hand, or write a migration that makes the change \
         and `cargo alembic stamp` it on this database. The database has:\n{}",
        .0.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
    )]
    Drift(Vec<String>),
    /// `check`: applied migrations of the configured database were edited since they ran.
    #[error(
        "applied migrations were edited after they ran on the database; what they do now is not \
         what ran:\n{}\nRestore them (a new migration makes a new change), or if the edits are \
         intended accept them with `cargo alembic stamp --rehash REV…`.",
        .0.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
    )]
    Edited(Vec<String>),
    /// A revision argument or graph move that cannot be done.
    #[error(transparent)]
    Revision(#[from] alembic_core::RevisionError),
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Standard output could not be written.
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),
    /// Building the runner failed (cargo printed why).
    #[error("building the migration runner failed (see cargo's messages above)")]
    RunnerBuild,
    /// The runner speaks another protocol: cargo-alembic and alembic-runtime differ in version.
    #[error(
        "cargo-alembic {cli} speaks runner protocol {ours}, but the project's alembic-runtime {} speaks {}; \
         install the cargo-alembic of the same version (`cargo install cargo-alembic --version {}`) \
         or depend on alembic-runtime {cli}",
        .runtime.as_deref().unwrap_or("(an unknown version)"),
        .protocol.map_or_else(|| "no protocol this version knows".to_owned(), |p| format!("protocol {p}")),
        .runtime.as_deref().unwrap_or("<the runtime's version>"),
        ours = alembic_core::command::PROTOCOL,
    )]
    RunnerProtocol {
        /// This cargo-alembic's version.
        cli: &'static str,
        /// The runner's protocol, if it answered the handshake.
        protocol: Option<u32>,
        /// The runner's alembic-runtime version, if it answered.
        runtime: Option<String>,
    },
    /// The runner reported an error itself (already printed); carries its exit code.
    #[error("")]
    RunnerFailed(u8),
}

impl CliError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CliError {
        let path = path.into();
        move |source| CliError::Io { path, source }
    }
}
