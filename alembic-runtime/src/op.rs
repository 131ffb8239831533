//! The operations a migration function performs, through [`Op`].
//!
//! This holds the statement runner; schema operations (add_column, table rebuilds, record
//! mode) build on it.

use rusqlite::Transaction;

use crate::error::OpError;
use alembic_core::sql::statements;

/// The handle a migration's `upgrade` / `downgrade` function receives.
///
/// Everything it does runs inside the transaction of the `upgrade` or `downgrade` call,
/// so a failure anywhere leaves the database as it was.
///
/// ```
/// use alembic_runtime::prelude::*;
///
/// pub fn upgrade(op: &mut Op) -> Result<()> {
///     op.execute("CREATE TABLE monitor (id INTEGER PRIMARY KEY, url TEXT NOT NULL)")?;
///     op.connection().execute("INSERT INTO monitor (url) VALUES (?1)", ["https://example.com"])?;
///     Ok(())
/// }
/// ```
pub struct Op<'c> {
    tx: &'c Transaction<'c>,
}

impl<'c> Op<'c> {
    pub(crate) fn new(tx: &'c Transaction<'c>) -> Self {
        Op { tx }
    }

    /// Runs one or more SQL statements separated by `;`. A failure names the statement.
    ///
    /// # Errors
    /// [`OpError::Sql`] with the first statement SQLite rejected.
    pub fn execute(&mut self, sql: &str) -> Result<(), OpError> {
        for stmt in statements(sql) {
            run_statement(self.tx, stmt).map_err(|source| OpError::Sql {
                sql: stmt.to_owned(),
                source,
            })?;
        }
        Ok(())
    }

    /// The transaction the migration runs in, for data work with rusqlite's full API.
    pub fn connection(&self) -> &Transaction<'c> {
        self.tx
    }
}

/// Runs one statement to completion, whether or not it returns rows (a PRAGMA may).
fn run_statement(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while rows.next()?.is_some() {}
    Ok(())
}
