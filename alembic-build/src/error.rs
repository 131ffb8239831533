//! What can be wrong with a versions directory. Every error names the file, and the line
//! when there is one, as `path:line: message` — the form editors and terminals link.

use std::fmt;
use std::path::PathBuf;

/// A place in a migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as given to the builder (relative to the package when found from
    /// `Cargo.toml`).
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// One problem in the versions directory.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A file that is not valid Rust.
    #[error("{at}: cannot parse the migration module: {message}")]
    Syntax {
        /// Where.
        at: Location,
        /// syn's message.
        message: String,
    },
    /// A required item is missing.
    #[error("{at}: missing `{item}`; every migration module defines {expected}")]
    Missing {
        /// The file.
        at: Location,
        /// The item's name.
        item: &'static str,
        /// What it should look like.
        expected: &'static str,
    },
    /// An item of the wrong shape.
    #[error("{at}: `{item}` must be {expected}")]
    Shape {
        /// Where the item is.
        at: Location,
        /// The item's name.
        item: &'static str,
        /// What it should look like.
        expected: &'static str,
    },
    /// Two files declare the same revision.
    #[error("{at}: Revision {revision} is present more than once (also in {first}); give one of them a new id")]
    Duplicate {
        /// The second declaration.
        at: Location,
        /// The id.
        revision: String,
        /// The first declaration.
        first: Location,
    },
    /// The revision graph is invalid (duplicate id, unknown parent, cycle…).
    #[error("{at}: {source}")]
    Graph {
        /// The file and line of the revision the problem is in.
        at: Location,
        /// The problem.
        #[source]
        source: alembic_core::GraphError,
    },
    /// A file or directory could not be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// `Cargo.toml` or its `[package.metadata.alembic]` table is not as expected.
    #[error("{}: {message}", .path.display())]
    Config {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A build-script environment variable cargo always sets is missing.
    #[error("environment variable {0} is not set; alembic_build::compile() runs from a build script (build.rs)")]
    NotInBuildScript(&'static str),
}
