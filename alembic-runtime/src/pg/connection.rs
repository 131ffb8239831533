//! [`PostgresConnection`]: what `op.postgres()` gives a migration for data work.

use alembic_core::schema::sql::postgres::{statements, transaction_control};
use postgres::types::ToSql;
use postgres::{Client, Row};

use crate::error::OpError;

/// The migration's transaction on PostgreSQL, for data work: rust-postgres's query API,
/// with each failure carrying its statement. Statements that would end the transaction
/// (`BEGIN`, `COMMIT`, `ROLLBACK`, `END`, `ABORT`, `PREPARE TRANSACTION`) are refused
/// before they are sent; savepoints nest and may be used.
///
/// ```no_run
/// use alembic_runtime::prelude::*;
///
/// pub fn upgrade(op: &mut Op) -> Result<()> {
///     let pg = op.postgres()?;
///     for row in pg.query("SELECT id, url FROM monitor", &[])? {
///         let (id, url): (i64, String) = (row.get(0), row.get(1));
///         pg.execute("UPDATE monitor SET url = $1 WHERE id = $2", &[&url.to_lowercase(), &id])?;
///     }
///     Ok(())
/// }
/// ```
pub struct PostgresConnection<'c> {
    client: &'c mut Client,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl<'c> PostgresConnection<'c> {
    pub(crate) fn new(client: &'c mut Client) -> Self {
        PostgresConnection { client }
    }

    /// The client, for the runtime's own operations.
    pub(crate) fn client(&mut self) -> &mut Client {
        self.client
    }

    fn checked(sql: &str) -> Result<(), OpError> {
        match statements(sql).into_iter().find_map(transaction_control) {
            Some(statement) => Err(OpError::TransactionControl(statement.to_owned())),
            None => Ok(()),
        }
    }

    fn failed(sql: &str) -> impl FnOnce(postgres::Error) -> OpError + '_ {
        move |source| OpError::Postgres {
            sql: sql.to_owned(),
            source,
        }
    }

    /// Runs one statement with parameters (`$1`, `$2`, …) and returns the rows it changed.
    ///
    /// # Errors
    /// The server's error, with the statement.
    pub fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64, OpError> {
        Self::checked(sql)?;
        self.client.execute(sql, params).map_err(Self::failed(sql))
    }

    /// Runs a query and returns its rows.
    ///
    /// # Errors
    /// The server's error, with the statement.
    pub fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, OpError> {
        Self::checked(sql)?;
        self.client.query(sql, params).map_err(Self::failed(sql))
    }

    /// Runs a query that returns exactly one row.
    ///
    /// # Errors
    /// The server's error, or a count of rows other than one, with the statement.
    pub fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row, OpError> {
        Self::checked(sql)?;
        self.client
            .query_one(sql, params)
            .map_err(Self::failed(sql))
    }

    /// Runs a query that returns at most one row.
    ///
    /// # Errors
    /// The server's error, or more than one row, with the statement.
    pub fn query_opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>, OpError> {
        Self::checked(sql)?;
        self.client
            .query_opt(sql, params)
            .map_err(Self::failed(sql))
    }

    /// Runs statements separated by `;`, without parameters, one at a time so that a
    /// failure names its statement.
    ///
    /// # Errors
    /// The first statement the server rejects.
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), OpError> {
        let stmts = statements(sql);
        if let Some(statement) = stmts.iter().copied().find_map(transaction_control) {
            return Err(OpError::TransactionControl(statement.to_owned()));
        }
        for stmt in stmts {
            self.client
                .batch_execute(stmt)
                .map_err(Self::failed(stmt))?;
        }
        Ok(())
    }
}
