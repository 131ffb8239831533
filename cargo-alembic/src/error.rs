//! The CLI's errors. The binary prints them once, as `error: …` on stderr, and exits 1.

use std::path::PathBuf;

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
    #[error("{}", .0.join("\n"))]
    Models(Vec<String>),
    /// `check` found differences between the models and the migrations.
    #[error(
        "New upgrade operations detected:\n{}\nGenerate the migration with `cargo alembic revision --autogenerate -m \"…\"`.",
        .0.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
    )]
    Check(Vec<String>),
    /// A revision argument or graph move that cannot be done.
    #[error(transparent)]
    Revision(#[from] alembic_core::RevisionError),
    /// A command's own precondition.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
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
