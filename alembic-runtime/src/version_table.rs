//! The `alembic_version` table, exactly as Python Alembic defines and writes it, so either
//! tool can take over a database the other manages: one row per current head.

use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::plan::RowChange;
use alembic_core::schema::sql::quote_literal;
use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

/// Alembic's DDL for SQLite, byte for byte.
pub const CREATE: &str = "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, \
     CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))";

const SELECT: &str = "SELECT version_num FROM alembic_version";

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

fn select(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(SELECT)?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    rows.collect()
}

/// Whether the main database has a table named `name` (one of the runtime's own).
pub(crate) fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    const EXISTS: &str = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1";
    conn.query_row(EXISTS, [name], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
        .map_err(|e| Error::sqlite(conn, EXISTS, e))
}

/// Creates the table.
pub(crate) fn create(conn: &Connection) -> Result<()> {
    conn.execute(CREATE, [])
        .map(drop)
        .map_err(|e| Error::sqlite(conn, CREATE, e))
}

/// Writes one change, checking that an UPDATE or DELETE hits exactly one row.
pub(crate) fn apply(conn: &Connection, graph: &RevisionGraph<'_>, change: RowChange) -> Result<()> {
    let (sql, params, action): (&str, Vec<&str>, Option<String>) = match change {
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
    let found = conn
        .execute(sql, rusqlite::params_from_iter(params))
        .map_err(|e| Error::sqlite(conn, sql, e))?;
    match action {
        Some(action) if found != 1 => Err(Error::VersionRow { action, found }),
        _ => Ok(()),
    }
}

/// Moves the rows from `before` to `after` in as few statements as [`apply`] allows: an
/// UPDATE where one row becomes another, else DELETEs and INSERTs.
pub(crate) fn replace(
    conn: &Connection,
    graph: &RevisionGraph<'_>,
    before: &[Rev],
    after: &[Rev],
) -> Result<()> {
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
        return apply(
            conn,
            graph,
            RowChange::Update {
                from: *from,
                to: *to,
            },
        );
    }
    for &r in &gone {
        apply(conn, graph, RowChange::Delete(r))?;
    }
    for &r in &new {
        apply(conn, graph, RowChange::Insert(r))?;
    }
    Ok(())
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

/// Deletes every row (`stamp --purge`).
pub(crate) fn delete_all(conn: &Connection) -> Result<()> {
    const PURGE: &str = "DELETE FROM alembic_version";
    conn.execute(PURGE, [])
        .map(drop)
        .map_err(|e| Error::sqlite(conn, PURGE, e))
}
