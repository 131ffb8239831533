//! Error types: [`OpError`] is what a migration function returns, [`Error`] what the
//! runtime's entry points return. Each names what failed and where; the CLI prints them.

use std::fmt;

pub use alembic_core::{GraphError, RevisionError};

/// The error a migration's `upgrade` or `downgrade` function returns.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// A statement failed; carries the statement.
    #[error("{source}\n  SQL: {sql}")]
    Sql {
        /// The failing statement, as sent to SQLite.
        sql: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// An error from direct use of the connection (`op.connection()`).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// Any other failure of a data migration, see [`OpError::custom`].
    #[error("{0}")]
    Custom(Box<dyn std::error::Error + Send + Sync>),
}

impl OpError {
    /// Wraps any error, for use with `?` in a data migration:
    /// `serde_json::from_str(&text).map_err(OpError::custom)?`.
    pub fn custom(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        OpError::Custom(error.into())
    }
}

/// `upgrade` or `downgrade`, as Alembic's log lines spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Applying migrations.
    Upgrade,
    /// Reverting migrations.
    Downgrade,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        })
    }
}

/// Why an upgrade, downgrade, stamp or query failed. Nothing was changed in the database
/// when one of these is returned from a call that writes.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The embedded migrations do not form a valid graph.
    #[error("invalid migrations: {0}")]
    Graph(#[from] GraphError),
    /// A revision argument could not be resolved or the move is not possible.
    #[error(transparent)]
    Revision(#[from] RevisionError),
    /// A migration function failed; its transaction was rolled back.
    #[error(transparent)]
    Migration(Box<FailedMigration>),
    /// A migration committed or rolled back the runtime's transaction itself.
    #[error("Revision {0} ended the migration transaction itself (a COMMIT, END or ROLLBACK in its SQL); remove it, the runtime commits each call as a whole")]
    TransactionEnded(&'static str),
    /// An UPDATE or DELETE of the version table did not hit exactly one row.
    #[error("Online migration expected to match one row when {action} in 'alembic_version'; {found} found")]
    VersionRow {
        /// `updating 'a' to 'b'` or `deleting 'a'`.
        action: String,
        /// Rows it hit.
        found: usize,
    },
    /// The file is not a SQLite database.
    #[error("{path} is not a SQLite database (SQLite: {source})")]
    NotADatabase {
        /// The database file.
        path: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Another connection held the write lock for longer than the busy timeout.
    #[error("{path} is locked by another connection and stayed locked for the whole busy timeout; retry when it is free, or raise the timeout with Connection::busy_timeout (SQLite: {source})")]
    Locked {
        /// The database file.
        path: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// Any other SQLite failure, with the statement that failed.
    #[error("{source}\n  SQL: {sql}")]
    Sqlite {
        /// The statement.
        sql: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

/// A migration function that failed, and where.
#[derive(Debug, thiserror::Error)]
#[error("Running {direction} {from} -> {to}, {message} failed in revision {revision}; the database was left unchanged.\n{source}")]
pub struct FailedMigration {
    /// Upgrade or downgrade.
    pub direction: Direction,
    /// The migration that failed.
    pub revision: &'static str,
    /// Where the step started (`a, b` for a merge, empty from base).
    pub from: String,
    /// Where the step was going.
    pub to: String,
    /// The migration's message.
    pub message: &'static str,
    /// What failed, with the SQL statement when there is one.
    #[source]
    pub source: OpError,
    /// Revisions of this call that ran before the failure (all rolled back with it).
    pub rolled_back: Vec<&'static str>,
}

impl Error {
    /// Classifies a SQLite failure of the runtime's own statement `sql` on the database at
    /// `path` (as `Connection::path` gives it).
    pub(crate) fn sqlite(path: Option<&str>, sql: &str, source: rusqlite::Error) -> Self {
        let path = || match path {
            Some(p) if !p.is_empty() => p.to_owned(),
            _ => "the in-memory database".to_owned(),
        };
        match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase {
                path: path(),
                source,
            },
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Error::Locked {
                    path: path(),
                    source,
                }
            }
            _ => Error::Sqlite {
                sql: sql.to_owned(),
                source,
            },
        }
    }
}

/// Results of the runtime's entry points.
pub type Result<T, E = Error> = std::result::Result<T, E>;
