//! The connection a migration uses directly (`op.connection()`), for data work with
//! rusqlite's API. It is the runner's transaction; the methods that take SQL remember the
//! last statement, so that when one fails the error names it (DESIGN §10) — SQLite's own
//! message says what failed ("UNIQUE constraint failed: u.a") but not in which statement.

use std::cell::RefCell;
use std::ops::Deref;

use rusqlite::{Params, Row, Statement, Transaction};

/// The runner's transaction, as [`crate::Op::connection`] gives it. Everything of
/// [`rusqlite::Transaction`] (and so of [`rusqlite::Connection`]) is available through it.
///
/// ```
/// # use alembic_runtime::prelude::*;
/// fn upgrade(op: &mut Op) -> Result<()> {
///     let conn = op.connection()?;
///     conn.execute("UPDATE monitor SET url = lower(url)", [])?;
///     let n: i64 = conn.query_row("SELECT count(*) FROM monitor", [], |r| r.get(0))?;
///     log::info!("{n} monitors");
///     Ok(())
/// }
/// ```
pub struct DirectConnection<'c> {
    tx: &'c Transaction<'c>,
    last_sql: RefCell<Option<String>>,
}

impl<'c> DirectConnection<'c> {
    pub(crate) fn new(tx: &'c Transaction<'c>) -> Self {
        DirectConnection {
            tx,
            last_sql: RefCell::new(None),
        }
    }

    /// The last statement given to one of the methods below, if any.
    pub(crate) fn last_sql(&self) -> Option<String> {
        self.last_sql.borrow().clone()
    }

    fn remember(&self, sql: &str) {
        *self.last_sql.borrow_mut() = Some(sql.to_owned());
    }

    /// [`rusqlite::Connection::execute`].
    ///
    /// # Errors
    /// SQLite's.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.remember(sql);
        self.tx.execute(sql, params)
    }

    /// [`rusqlite::Connection::execute_batch`].
    ///
    /// # Errors
    /// SQLite's.
    pub fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        self.remember(sql);
        self.tx.execute_batch(sql)
    }

    /// [`rusqlite::Connection::prepare`].
    ///
    /// # Errors
    /// SQLite's.
    pub fn prepare(&self, sql: &str) -> rusqlite::Result<Statement<'_>> {
        self.remember(sql);
        self.tx.prepare(sql)
    }

    /// [`rusqlite::Connection::query_row`].
    ///
    /// # Errors
    /// SQLite's.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.remember(sql);
        self.tx.query_row(sql, params, f)
    }
}

impl<'c> Deref for DirectConnection<'c> {
    type Target = Transaction<'c>;

    fn deref(&self) -> &Transaction<'c> {
        self.tx
    }
}
