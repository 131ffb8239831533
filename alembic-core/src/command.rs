//! The database commands, defined once (feature `protocol`; as clap subcommands with `cli`): `cargo alembic` offers them beside its
//! own commands, an application's `myapp db` offers them alone, and both hand them to the
//! same code in `alembic-runtime`'s `cli` module.
//!
//! Also the protocol `cargo alembic` speaks to the runner it builds. First the handshake:
//! the runner run with the single argument [`HANDSHAKE`] prints its [`RunnerInfo`] as JSON
//! and exits; that exchange is the one part of the protocol that never changes, so any
//! `cargo alembic` can tell any runner's [`PROTOCOL`]. Then one [`Request`] per run, as JSON
//! in the runner's only argument.
//!
//! ```
//! use alembic_core::command::{Action, DbCommand, Request};
//!
//! let request = Request::new(
//!     Some("app.db".into()),
//!     true,
//!     Action::Command(DbCommand::Upgrade {
//!         revision: "head".into(),
//!         sql: false,
//!         sqlite_version: None,
//!         backup: None,
//!     }),
//! );
//! assert_eq!(Request::from_arg(&request.to_arg()).unwrap(), request);
//! ```

use serde::{Deserialize, Serialize};

use crate::schema::sql::SqliteVersion;

/// One database command, as the user types it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Subcommand))]
pub enum DbCommand {
    /// Upgrade the database to a later revision.
    Upgrade {
        /// The target: head, heads, a revision, +N, label@head (with --sql, from:to too).
        #[cfg_attr(feature = "cli", arg(allow_hyphen_values = true))]
        revision: String,
        /// Print the SQL instead of running it.
        #[cfg_attr(feature = "cli", arg(long))]
        sql: bool,
        /// With --sql: the SQLite the script is for; from 3.53.0, NOT NULL and CHECK
        /// changes alter the table in place instead of rebuilding it.
        #[cfg_attr(feature = "cli", arg(long, requires = "sql", value_name = "X.Y.Z"))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sqlite_version: Option<SqliteVersion>,
        /// Copy the database first, when migrations are pending (default
        /// backups/<name>-{revision}.db beside it; {revision} is the revision it was at).
        #[cfg_attr(feature = "cli", arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "", conflicts_with = "sql"))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backup: Option<String>,
    },
    /// Revert the database to an earlier revision.
    Downgrade {
        /// The target: base, a revision, -N, label@-1 (with --sql, from:to).
        #[cfg_attr(feature = "cli", arg(allow_hyphen_values = true))]
        revision: String,
        /// Print the SQL instead of running it (needs from:to).
        #[cfg_attr(feature = "cli", arg(long))]
        sql: bool,
        /// With --sql: the SQLite the script is for (see `upgrade --help`).
        #[cfg_attr(feature = "cli", arg(long, requires = "sql", value_name = "X.Y.Z"))]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sqlite_version: Option<SqliteVersion>,
    },
    /// Show the revisions the database is at.
    Current {
        /// Show each revision's details.
        #[cfg_attr(feature = "cli", arg(short, long))]
        verbose: bool,
    },
    /// Set the database's revisions without running migrations.
    Stamp {
        /// The revisions (head, base, ids).
        #[cfg_attr(feature = "cli", arg(required = true))]
        revisions: Vec<String>,
        /// Delete every version row first (repairs a table naming unknown revisions).
        #[cfg_attr(feature = "cli", arg(long))]
        purge: bool,
        /// Print the SQL instead of running it.
        #[cfg_attr(feature = "cli", arg(long))]
        sql: bool,
        /// Leave the version rows; accept the named applied revisions (`current`: all of
        /// them) as they are now written, after an intended edit.
        #[cfg_attr(feature = "cli", arg(long, conflicts_with_all = ["sql", "purge"]))]
        #[serde(default)]
        rehash: bool,
    },
}

impl DbCommand {
    /// Whether the command only prints SQL (`--sql`), so needs no database.
    pub fn is_offline(&self) -> bool {
        match self {
            DbCommand::Upgrade { sql, .. }
            | DbCommand::Downgrade { sql, .. }
            | DbCommand::Stamp { sql, .. } => *sql,
            DbCommand::Current { .. } => false,
        }
    }
}

/// The version of the runner protocol this crate speaks; raised whenever [`Request`] or
/// what the runner prints for it changes.
pub const PROTOCOL: u32 = 2;

/// The runner's argument that asks for its [`RunnerInfo`].
pub const HANDSHAKE: &str = "--protocol";

/// What `cargo alembic` asks the runner to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// [`PROTOCOL`] of the sender.
    pub protocol: u32,
    /// The database URL or path, if one is configured.
    pub database: Option<String>,
    /// Print no progress messages.
    pub quiet: bool,
    /// How long to wait for a locked database, in milliseconds (default: SQLite's 5 s).
    pub busy_timeout_ms: Option<u64>,
    /// What to do.
    pub action: Action,
}

/// The work of one runner request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// A user's database command, output as `myapp db` gives it.
    Command(DbCommand),
    /// The applied migrations edited since they ran, one revision per line.
    Edited,
    /// Every migration upgraded, downgraded and upgraded again on a new in-memory
    /// database, each downgrade required to restore the schema before it.
    Stairway,
    /// The stored version rows, one per line on stdout.
    CurrentRows,
    /// The schema as JSON on stdout: the one the migrations produce on a new database or,
    /// `from_database`, the database's own, which must be at head.
    Schema {
        /// Read the database instead of applying the migrations to an in-memory one.
        from_database: bool,
    },
}

/// Reads `--busy-timeout SECONDS` (`5`, `0.5`) as milliseconds.
///
/// # Errors
/// A value that is not a non-negative number of seconds.
pub fn parse_busy_timeout(seconds: &str) -> Result<u64, String> {
    match seconds.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok((s * 1000.0).round() as u64),
        _ => Err(format!(
            "`{seconds}` is not a number of seconds (such as 5 or 0.5)"
        )),
    }
}

impl Action {
    /// Whether the work reads or writes a database (`--sql` scripts need none).
    pub fn needs_database(&self) -> bool {
        match self {
            Action::Command(command) => !command.is_offline(),
            Action::CurrentRows | Action::Edited => true,
            Action::Schema { from_database } => *from_database,
            Action::Stairway => false,
        }
    }

    /// Whether the work may create a missing database: only `upgrade` and `stamp` do; every
    /// other command reads one, and a missing file is an error naming it.
    pub fn creates_database(&self) -> bool {
        matches!(
            self,
            Action::Command(
                DbCommand::Upgrade { sql: false, .. } | DbCommand::Stamp { sql: false, .. }
            )
        )
    }
}

impl Request {
    /// A request of this crate's [`PROTOCOL`].
    pub fn new(database: Option<String>, quiet: bool, action: Action) -> Self {
        Request {
            protocol: PROTOCOL,
            database,
            quiet,
            busy_timeout_ms: None,
            action,
        }
    }

    /// The request as the runner's argument.
    pub fn to_arg(&self) -> String {
        serde_json::to_string(self).expect("a request always serialises")
    }

    /// Reads a runner argument, checking the protocol before anything else (the handshake
    /// has checked it already; this keeps a stray runner from guessing).
    ///
    /// # Errors
    /// [`RequestError::Protocol`] when the sender speaks another protocol,
    /// [`RequestError::Malformed`] when the argument is not a request.
    pub fn from_arg(arg: &str) -> Result<Self, RequestError> {
        let value: serde_json::Value =
            serde_json::from_str(arg).map_err(|e| RequestError::Malformed(e.to_string()))?;
        match value.get("protocol").and_then(serde_json::Value::as_u64) {
            Some(p) if p == u64::from(PROTOCOL) => {}
            other => {
                return Err(RequestError::Protocol(
                    other.and_then(|p| u32::try_from(p).ok()),
                ))
            }
        }
        serde_json::from_value(value).map_err(|e| RequestError::Malformed(e.to_string()))
    }
}

/// Why a runner argument was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The sender's protocol (if it named one) is not [`PROTOCOL`].
    Protocol(Option<u32>),
    /// Not a request of this protocol.
    Malformed(String),
}

/// The runner's answer to the [`HANDSHAKE`]: what it speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerInfo {
    /// The runner's [`PROTOCOL`].
    pub protocol: u32,
    /// The version of the alembic-runtime the runner was built with.
    pub runtime: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_of_another_protocol_is_refused_before_it_is_read() {
        let mut request = Request::new(None, false, Action::CurrentRows);
        request.protocol = PROTOCOL + 1;
        assert_eq!(
            Request::from_arg(&request.to_arg()),
            Err(RequestError::Protocol(Some(PROTOCOL + 1)))
        );
        // A future request this protocol cannot even parse is still a protocol mismatch.
        let future = format!("{{\"protocol\":{},\"verb\":[1,2]}}", PROTOCOL + 1);
        assert_eq!(
            Request::from_arg(&future),
            Err(RequestError::Protocol(Some(PROTOCOL + 1)))
        );
        assert_eq!(
            Request::from_arg("{\"action\":\"CurrentRows\"}"),
            Err(RequestError::Protocol(None))
        );
        assert!(matches!(
            Request::from_arg("upgrade head"),
            Err(RequestError::Malformed(_))
        ));
    }

    #[test]
    fn offline_commands_are_the_sql_ones() {
        let upgrade = |sql| DbCommand::Upgrade {
            revision: "head".into(),
            sql,
            sqlite_version: None,
            backup: None,
        };
        assert!(upgrade(true).is_offline());
        assert!(!upgrade(false).is_offline());
        assert!(!DbCommand::Current { verbose: false }.is_offline());
        let creates = |command| Action::Command(command).creates_database();
        assert!(creates(upgrade(false)) && !creates(upgrade(true)));
        assert!(!creates(DbCommand::Current { verbose: false }));
        assert!(!creates(DbCommand::Downgrade {
            revision: "-1".into(),
            sql: false,
            sqlite_version: None,
        }));
        assert!(!Action::CurrentRows.creates_database() && Action::CurrentRows.needs_database());
        assert!(!Action::Schema {
            from_database: false
        }
        .needs_database());
    }
}
