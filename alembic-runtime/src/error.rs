//! Error types: [`OpError`] is what a migration function returns, [`Error`] what the
//! runtime's entry points return. Each names what failed and where; the CLI prints them.
//!
//! `Display` is written by hand rather than derived with thiserror so that the runtime's
//! default build pulls in no proc-macro (it ships inside every application).

use std::fmt;

pub use alembic_core::revision::plan::Direction;
pub use alembic_core::{GraphError, RevisionError};

/// The error a migration's `upgrade` or `downgrade` function returns.
#[derive(Debug)]
pub enum OpError {
    /// A statement failed; carries the statement.
    #[cfg(feature = "sqlite")]
    Sql {
        /// The failing statement, as sent to SQLite.
        sql: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// An error from direct use of the connection (`op.connection()`).
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::Error),
    /// An error from direct use of the connection, with the last statement the migration
    /// gave it (usually the failing one; a statement prepared earlier and run later is not
    /// told apart).
    #[cfg(feature = "sqlite")]
    Direct {
        /// The last SQL given to `op.connection()`.
        sql: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The operation does not fit the schema: no such table, column, index or constraint,
    /// or a name already taken.
    Schema(String),
    /// `op.connection()` while recording SQL: there is no database in `--sql` mode.
    Offline,
    /// The migration ran a statement that would end the runner's transaction (`BEGIN`,
    /// `COMMIT`, `END`, `ROLLBACK`); it was refused before it ran.
    TransactionControl(String),
    /// A PostgreSQL statement failed; carries the statement.
    #[cfg(feature = "postgres")]
    Postgres {
        /// The failing statement, as sent to the server.
        sql: String,
        /// The server's (or the client's) error.
        source: postgres::Error,
    },
    /// The migration asked for the other database's connection (`op.sqlite()` on
    /// PostgreSQL, `op.postgres()` on SQLite): it is not portable between the two.
    WrongDatabase {
        /// The connection asked for.
        asked: &'static str,
        /// The database the migration runs on.
        actual: &'static str,
    },
    /// Any other failure of a data migration, see [`OpError::custom`].
    Custom(Box<dyn std::error::Error + Send + Sync>),
}

impl OpError {
    /// Wraps any error, for use with `?` in a data migration:
    /// `serde_json::from_str(&text).map_err(OpError::custom)?`.
    pub fn custom(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        OpError::Custom(error.into())
    }
}

#[cfg(feature = "sqlite")]
impl From<rusqlite::Error> for OpError {
    fn from(e: rusqlite::Error) -> Self {
        OpError::Sqlite(e)
    }
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "sqlite")]
            OpError::Sql { sql, source } => write!(f, "{source}\n  SQL: {sql}"),
            #[cfg(feature = "sqlite")]
            OpError::Sqlite(e) => e.fmt(f),
            #[cfg(feature = "sqlite")]
            OpError::Direct { sql, source } => {
                write!(f, "{source}\n  last SQL given to op.connection(): {sql}")
            }
            OpError::Schema(message) => f.write_str(message),
            OpError::Offline => f.write_str(
                "this migration uses op.connection(), which has no database to work on when \
                 recording SQL (--sql); run it against a database instead",
            ),
            OpError::TransactionControl(sql) => write!(
                f,
                "refused `{sql}`: it would end the transaction the migrations run in, which the \
                 runtime commits once every migration of the call has succeeded; remove it \
                 (SAVEPOINT, RELEASE and ROLLBACK TO nest inside that transaction and may stay)"
            ),
            #[cfg(feature = "postgres")]
            OpError::Postgres { sql, source } => {
                write!(f, "{}\n  SQL: {sql}", postgres_message(source))
            }
            OpError::WrongDatabase { asked, actual } => write!(
                f,
                "this migration asked for the {asked} connection but runs on {actual}; use \
                 typed operations (portable), or check which database `op` is on first"
            ),
            OpError::Custom(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for OpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            #[cfg(feature = "sqlite")]
            OpError::Sql { source, .. } | OpError::Direct { source, .. } => Some(source),
            #[cfg(feature = "sqlite")]
            OpError::Sqlite(e) => e.source(),
            #[cfg(feature = "postgres")]
            OpError::Postgres { source, .. } => Some(source),
            OpError::Schema(_)
            | OpError::Offline
            | OpError::TransactionControl(_)
            | OpError::WrongDatabase { .. } => None,
            OpError::Custom(e) => e.source(),
        }
    }
}

/// Why an upgrade, downgrade, stamp or query failed. Nothing was changed in the database
/// when one of these is returned from a call that writes.
#[derive(Debug)]
pub enum Error {
    /// The embedded migrations do not form a valid graph.
    Graph(GraphError),
    /// A revision argument could not be resolved or the move is not possible.
    Revision(RevisionError),
    /// A migration function failed; its transaction was rolled back.
    Migration(Box<FailedMigration>),
    /// An operation run by `alembic_runtime::apply` (SQLite) failed; rolled back.
    Operation(OpError),
    /// A migration committed or rolled back the runtime's transaction itself, getting past
    /// the authorizer that refuses such statements (with a rusqlite whose `authorizer`
    /// takes `&self`, migration code can remove it through `op.connection()`).
    TransactionEnded(&'static str),
    /// Applied migrations were edited since they ran (with [`crate::OnEdited::Fail`]).
    Edited(Vec<crate::EditedMigration>),
    /// `rehash` named a revision the database is not at or past.
    NotApplied(&'static str),
    /// The copy before migrating could not be written; nothing was migrated.
    Backup {
        /// Where it was to go.
        path: std::path::PathBuf,
        /// Why it failed.
        message: String,
    },
    /// An UPDATE or DELETE of the version table did not hit exactly one row.
    VersionRow {
        /// `updating 'a' to 'b'` or `deleting 'a'`.
        action: String,
        /// Rows it hit.
        found: usize,
    },
    /// The file is not a SQLite database.
    #[cfg(feature = "sqlite")]
    NotADatabase {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// Another connection held the write lock for longer than the busy timeout.
    #[cfg(feature = "sqlite")]
    Locked {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The migrations left rows whose foreign keys point nowhere; rolled back.
    ForeignKeys {
        /// The migration after which the violations first stand, when migrations ran.
        revision: Option<&'static str>,
        /// The offending rows.
        rows: Vec<ForeignKeyViolation>,
    },
    /// A stored definition the schema reader does not understand.
    Introspect {
        /// The table, index, view or trigger.
        object: String,
        /// Its stored SQL.
        sql: String,
        /// What the parser expected.
        message: String,
    },
    /// The database is not at the migrations' heads, where comparing it with the models
    /// would mislead.
    NotUpToDate,
    /// A database this build of the runtime has no support for was asked for.
    NotBuilt {
        /// `SQLite` or `PostgreSQL`.
        database: &'static str,
        /// The feature that adds it.
        feature: &'static str,
    },
    /// The database differs from the models (`Migrations::verify_models`, SQLite); one
    /// "Detected …" line per difference.
    ModelsDiffer(Vec<String>),
    /// The database differs from the schema its migrations produce, which the models match:
    /// it was changed outside the migrations. One "Detected …" line per difference, from the
    /// migrations' schema to the database's.
    Drift(Vec<String>),
    /// Any other SQLite failure, with the statement that failed.
    #[cfg(feature = "sqlite")]
    Sqlite {
        /// The statement.
        sql: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A PostgreSQL failure of the runtime's own statement (a lock wait past
    /// `lock_timeout`, a `statement_timeout`, a lost connection, a missing permission).
    #[cfg(feature = "postgres")]
    Postgres {
        /// The statement.
        sql: String,
        /// The server's (or the client's) error.
        source: postgres::Error,
    },
    /// The scratch database the migrations are applied to on PostgreSQL (for the schema they
    /// produce) could not be made or reached.
    #[cfg(feature = "postgres")]
    Scratch {
        /// The server, as its URL shows without a password.
        server: String,
        /// What the server (or the client) said.
        message: String,
        /// Whether the server could not be reached at all (else it refused to make the
        /// database).
        unreachable: bool,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Graph(e) => write!(f, "invalid migrations: {e}"),
            Error::Revision(e) => e.fmt(f),
            Error::Migration(e) => e.fmt(f),
            Error::Operation(e) => write!(f, "{e}\nThe database was left unchanged."),
            Error::TransactionEnded(revision) => write!(
                f,
                "Revision {revision} ended the migration transaction itself (a COMMIT, END or ROLLBACK \
                 in its SQL); remove it, the runtime commits each call as a whole"
            ),
            Error::Edited(edited) => {
                write!(
                    f,
                    "{} applied migration(s) changed since they ran; nothing was changed:",
                    edited.len()
                )?;
                edited.iter().try_for_each(|e| write!(f, "\n  {e}"))
            }
            Error::Backup { path, message } => write!(
                f,
                "cannot back up the database to {} ({message}); nothing was migrated: free \
                 space or pick another place for the backup",
                path.display()
            ),
            Error::NotApplied(revision) => write!(
                f,
                "revision {revision} is not applied to this database, so it has no checksum to \
                 accept; `upgrade` applies it"
            ),
            Error::VersionRow { action, found } => write!(
                f,
                "Online migration expected to match one row when {action} in 'alembic_version'; {found} found"
            ),
            #[cfg(feature = "sqlite")]
            Error::NotADatabase { path, source } => {
                write!(f, "{path} is not a SQLite database (SQLite: {source})")
            }
            #[cfg(feature = "sqlite")]
            Error::Locked { path, source } => write!(
                f,
                "{path} is locked by another connection and stayed locked for the whole busy timeout; \
                 retry when it is free, or raise the timeout with Connection::busy_timeout (SQLite: {source})"
            ),
            Error::ForeignKeys { revision, rows } => {
                let by = revision.map_or_else(String::new, |r| format!(" (left by revision {r})"));
                write!(
                    f,
                    "the migrations would leave {} row(s) whose foreign key points to no row{by}, so nothing \
                     was changed; fix the data in the migration or the constraint:",
                    rows.len()
                )?;
                for row in rows.iter().take(10) {
                    let rowid = row.rowid.map_or_else(|| "a row".to_owned(), |r| format!("rowid {r}"));
                    write!(f, "\n  {} {rowid} references a missing row of {}", row.table, row.parent)?;
                }
                if rows.len() > 10 {
                    write!(f, "\n  … and {} more", rows.len() - 10)?;
                }
                Ok(())
            }
            Error::Introspect {
                object,
                sql,
                message,
            } => write!(
                f,
                "cannot read the definition of {object}: {message}; please report this with the SQL\n  SQL: {sql}"
            ),
            Error::NotUpToDate => f.write_str("Target database is not up to date."),
            Error::NotBuilt { database, feature } => write!(
                f,
                "this build of alembic-runtime has no {database} support: enable its `{feature}` \
                 feature"
            ),
            Error::ModelsDiffer(lines) => {
                write!(
                    f,
                    "the database does not match the models ({} difference(s)); generate a migration \
                     with `cargo alembic revision --autogenerate`:",
                    lines.len()
                )?;
                lines.iter().try_for_each(|l| write!(f, "\n  {l}"))
            }
            Error::Drift(lines) => {
                write!(f, "{}", drift_text(lines.len()))?;
                lines.iter().try_for_each(|l| write!(f, "\n  {l}"))
            }
            #[cfg(feature = "sqlite")]
            Error::Sqlite { sql, source } => write!(f, "{source}\n  SQL: {sql}"),
            #[cfg(feature = "postgres")]
            Error::Postgres { sql, source } => {
                write!(f, "{}\n  SQL: {sql}", postgres_message(source))
            }
            #[cfg(feature = "postgres")]
            Error::Scratch {
                server,
                message,
                unreachable: true,
            } => write!(
                f,
                "cannot reach {server} to make a scratch database to apply the migrations to \
                 ({message}); is the PostgreSQL server running, and is that its address?"
            ),
            #[cfg(feature = "postgres")]
            Error::Scratch { server, message, .. } => write!(
                f,
                "cannot make a scratch database on {server} to apply the migrations to \
                 ({message}); comparing with the models needs a role that may create databases \
                 (CREATEDB) there, or compare with a database at head: --database URL"
            ),
        }
    }
}

/// The advice for a database changed outside its migrations.
fn drift_text(differences: usize) -> String {
    format!(
        "the database differs from the schema its migrations produce ({differences} difference(s)), \
         while the models match the migrations: it was changed outside the migrations, and a new \
         migration would find nothing to do. Restore it from a backup, undo the change by hand, or \
         write a migration that makes the change and `cargo alembic stamp` it here; the database has:"
    )
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Graph(e) => Some(e),
            Error::Revision(e) => Some(e),
            Error::Migration(e) => Some(&e.source),
            Error::Operation(e) => Some(e),
            Error::TransactionEnded(_)
            | Error::Edited(_)
            | Error::NotApplied(_)
            | Error::Backup { .. }
            | Error::VersionRow { .. }
            | Error::Introspect { .. }
            | Error::NotUpToDate
            | Error::NotBuilt { .. }
            | Error::ModelsDiffer(_)
            | Error::Drift(_)
            | Error::ForeignKeys { .. } => None,
            #[cfg(feature = "sqlite")]
            Error::NotADatabase { source, .. }
            | Error::Locked { source, .. }
            | Error::Sqlite { source, .. } => Some(source),
            #[cfg(feature = "postgres")]
            Error::Postgres { source, .. } => Some(source),
            #[cfg(feature = "postgres")]
            Error::Scratch { .. } => None,
        }
    }
}

impl From<GraphError> for Error {
    fn from(e: GraphError) -> Self {
        Error::Graph(e)
    }
}

impl From<RevisionError> for Error {
    fn from(e: RevisionError) -> Self {
        Error::Revision(e)
    }
}

/// A row whose foreign key points to no row, as `PRAGMA foreign_key_check` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyViolation {
    /// The referencing table.
    pub table: String,
    /// The referencing row (`None` in a WITHOUT ROWID table).
    pub rowid: Option<i64>,
    /// The referenced table.
    pub parent: String,
}

/// A migration function that failed, and where.
#[derive(Debug)]
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
    pub source: OpError,
    /// Revisions of this call that ran before the failure and were rolled back with it.
    pub rolled_back: Vec<&'static str>,
    /// Revisions of this call that were committed before the failure: on PostgreSQL, the
    /// ones before a migration that runs outside a transaction (`TRANSACTION = false`).
    /// The database is left at the last of them.
    pub committed: Vec<&'static str>,
}

impl fmt::Display for FailedMigration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let FailedMigration {
            direction,
            revision,
            from,
            to,
            message,
            source,
            committed,
            ..
        } = self;
        write!(
            f,
            "Running {direction} {from} -> {to}, {message} failed in revision {revision}; "
        )?;
        match committed.last() {
            None => f.write_str("the database was left unchanged.")?,
            Some(last) => write!(
                f,
                "the migrations before it were committed ({}), so the database is at {last}.",
                committed.join(", ")
            )?,
        }
        write!(f, "\n{source}")
    }
}

#[cfg(feature = "sqlite")]
impl Error {
    /// Classifies a SQLite failure of the runtime's own statement `sql` on `conn`.
    pub(crate) fn sqlite(conn: &rusqlite::Connection, sql: &str, source: rusqlite::Error) -> Self {
        Self::sqlite_at(database_path(conn), sql, source)
    }

    /// As [`Error::sqlite`], for a connection whose path was read beforehand.
    pub(crate) fn sqlite_at(path: String, sql: &str, source: rusqlite::Error) -> Self {
        let code = match &source {
            rusqlite::Error::SqliteFailure(e, _) => Some(e.code),
            _ => None,
        };
        match code {
            Some(rusqlite::ErrorCode::NotADatabase) => Error::NotADatabase { path, source },
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Error::Locked { path, source }
            }
            _ => Error::Sqlite {
                sql: sql.to_owned(),
                source,
            },
        }
    }
}

/// The file of the connection's main database, for messages. `PRAGMA database_list` works
/// with every rusqlite the runtime accepts (`Connection::path` changed type across them) and,
/// from SQLite 3.39 on, even when the file is not a database.
#[cfg(feature = "sqlite")]
pub(crate) fn database_path(conn: &rusqlite::Connection) -> String {
    let file: rusqlite::Result<String> =
        conn.query_row("PRAGMA database_list", [], |row| row.get(2));
    match file {
        Ok(f) if f.is_empty() => "the in-memory database".to_owned(),
        Ok(f) => f,
        Err(_) => "the connection's database file".to_owned(),
    }
}

/// A PostgreSQL error as one message: the server's severity, SQLSTATE and text with its
/// detail and hint, plus what to do for the failures a migration meets in production.
#[cfg(feature = "postgres")]
pub(crate) fn postgres_message(e: &postgres::Error) -> String {
    use postgres::error::SqlState;
    let Some(db) = e.as_db_error() else {
        return match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        };
    };
    let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    for (label, value) in [("DETAIL", db.detail()), ("HINT", db.hint())] {
        if let Some(value) = value {
            text.push_str(&format!("\n  {label}: {value}"));
        }
    }
    let advice = match db.code() {
        c if *c == SqlState::LOCK_NOT_AVAILABLE => Some(
            "another session holds a lock this statement needs (see pg_locks / pg_stat_activity); \
             retry when it is gone, or raise lock_timeout",
        ),
        c if *c == SqlState::QUERY_CANCELED => Some(
            "the statement ran past statement_timeout (or was cancelled); raise the timeout \
             for the migration's session, or split the work",
        ),
        c if *c == SqlState::INSUFFICIENT_PRIVILEGE => Some(
            "the role this connection uses lacks a privilege the migration needs; grant it, \
             or migrate as the schema's owner",
        ),
        _ => None,
    };
    if let Some(advice) = advice {
        text.push_str(&format!("\n  {advice}"));
    }
    text
}

/// Results of the runtime's entry points.
pub type Result<T, E = Error> = std::result::Result<T, E>;
