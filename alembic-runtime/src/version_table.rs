//! The `alembic_version` table, exactly as Python Alembic defines and writes it, so either
//! tool can take over a database the other manages: one row per current head.

use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::plan::RowChange;
use alembic_core::schema::sql::quote_literal;
#[cfg(feature = "sqlite")]
use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

/// Alembic's DDL on PostgreSQL, byte for byte.
#[cfg(feature = "postgres")]
pub use crate::pg::version_table::CREATE as POSTGRES_CREATE;

/// Alembic's DDL for SQLite, byte for byte.
pub const CREATE: &str = "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, \
     CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))";

#[cfg(feature = "sqlite")]
const SELECT: &str = "SELECT version_num FROM alembic_version";

#[cfg(feature = "sqlite")]
/// The version rows, or `None` when the table does not exist yet.
pub(crate) fn read(conn: &Connection) -> Result<Option<Vec<String>>> {
    match select(conn) {
        Ok(rows) => Ok(Some(rows)),
        // Locked: asking whether the table exists would wait a whole busy timeout again.
        Err(first) if is_busy(&first) => Err(Error::sqlite(conn, SELECT, first)),
        Err(first) if table_exists(conn, "alembic_version")? => {
            // Another connection may have created the table between our two statements.
            select(conn)
                .map(Some)
                .map_err(|_| Error::sqlite(conn, SELECT, first))
        }
        Err(_) => Ok(None),
    }
}

#[cfg(feature = "sqlite")]
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error {
                code: rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked,
                ..
            },
            _
        )
    )
}

#[cfg(feature = "sqlite")]
fn select(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(SELECT)?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    rows.collect()
}

#[cfg(feature = "sqlite")]
/// Whether the main database has a table named `name` (one of the runtime's own).
pub(crate) fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    const EXISTS: &str = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1";
    conn.query_row(EXISTS, [name], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
        .map_err(|e| Error::sqlite(conn, EXISTS, e))
}

#[cfg(feature = "sqlite")]
/// Creates the table.
pub(crate) fn create(conn: &Connection) -> Result<()> {
    conn.execute(CREATE, [])
        .map(drop)
        .map_err(|e| Error::sqlite(conn, CREATE, e))
}

#[cfg(feature = "sqlite")]
/// Writes one change, checking that an UPDATE or DELETE hits exactly one row.
pub(crate) fn apply(conn: &Connection, graph: &RevisionGraph<'_>, change: RowChange) -> Result<()> {
    let statement = Statement::of(graph, change);
    let found = conn
        .execute(statement.sql, rusqlite::params_from_iter(&statement.params))
        .map_err(|e| Error::sqlite(conn, statement.sql, e))?;
    statement.check(found)
}

/// One row change as a statement with numbered parameters (`?1`, which PostgreSQL spells
/// `$1`), and what it must hit.
pub(crate) struct Statement<'g> {
    pub(crate) sql: &'static str,
    pub(crate) params: Vec<&'g str>,
    /// For an UPDATE or DELETE, which must hit exactly one row: what it does, for the error.
    action: Option<String>,
}

impl<'g> Statement<'g> {
    pub(crate) fn of(graph: &RevisionGraph<'g>, change: RowChange) -> Self {
        let (sql, params, action) = match change {
            RowChange::Insert(r) => (
                "INSERT INTO alembic_version (version_num) VALUES (?1)",
                vec![graph.id(r)],
                None,
            ),
            RowChange::Update { from, to } => (
                "UPDATE alembic_version SET version_num = ?2 WHERE alembic_version.version_num = ?1",
                vec![graph.id(from), graph.id(to)],
                Some(format!(
                    "updating '{}' to '{}'",
                    graph.id(from),
                    graph.id(to)
                )),
            ),
            RowChange::Delete(r) => (
                "DELETE FROM alembic_version WHERE alembic_version.version_num = ?1",
                vec![graph.id(r)],
                Some(format!("deleting '{}'", graph.id(r))),
            ),
        };
        Statement {
            sql,
            params,
            action,
        }
    }

    /// Fails unless an UPDATE or DELETE hit exactly one row.
    pub(crate) fn check(self, found: usize) -> Result<()> {
        match self.action {
            Some(action) if found != 1 => Err(Error::VersionRow { action, found }),
            _ => Ok(()),
        }
    }
}

#[cfg(feature = "sqlite")]
/// Moves the rows from `before` to `after` in as few statements as [`apply`] allows.
pub(crate) fn replace(
    conn: &Connection,
    graph: &RevisionGraph<'_>,
    before: &[Rev],
    after: &[Rev],
) -> Result<()> {
    changes(before, after)
        .into_iter()
        .try_for_each(|change| apply(conn, graph, change))
}

/// The changes from the rows `before` to `after`: an UPDATE where one row becomes another,
/// else DELETEs and INSERTs.
pub(crate) fn changes(before: &[Rev], after: &[Rev]) -> Vec<RowChange> {
    let gone: Vec<Rev> = before
        .iter()
        .copied()
        .filter(|r| !after.contains(r))
        .collect();
    let new: Vec<Rev> = after
        .iter()
        .copied()
        .filter(|r| !before.contains(r))
        .collect();
    if let ([from], [to]) = (&gone[..], &new[..]) {
        return vec![RowChange::Update {
            from: *from,
            to: *to,
        }];
    }
    gone.into_iter()
        .map(RowChange::Delete)
        .chain(new.into_iter().map(RowChange::Insert))
        .collect()
}

/// A change with literal values, as Alembic writes it in `--sql` scripts.
pub(crate) fn literal_sql(graph: &RevisionGraph<'_>, change: RowChange) -> String {
    let lit = |r: Rev| quote_literal(graph.id(r));
    match change {
        RowChange::Insert(r) => format!(
            "INSERT INTO alembic_version (version_num) VALUES ({})",
            lit(r)
        ),
        RowChange::Update { from, to } => format!(
            "UPDATE alembic_version SET version_num={} WHERE alembic_version.version_num = {}",
            lit(to),
            lit(from)
        ),
        RowChange::Delete(r) => format!(
            "DELETE FROM alembic_version WHERE alembic_version.version_num = {}",
            lit(r)
        ),
    }
}

#[cfg(feature = "sqlite")]
/// Deletes every row (`stamp --purge`).
pub(crate) fn delete_all(conn: &Connection) -> Result<()> {
    const PURGE: &str = "DELETE FROM alembic_version";
    conn.execute(PURGE, [])
        .map(drop)
        .map_err(|e| Error::sqlite(conn, PURGE, e))
}
