//! uptimo's queries on either database. The SQL is written once, in what both understand:
//! `$1` parameters (SQLite reads them as `?1`), `"user"` quoted (a keyword on PostgreSQL),
//! `CASE` rather than summing booleans. Values are the Rust types both drivers bind and
//! read: `i64` for every integer column (`BIGINT` on PostgreSQL), `String`/`&str`, and
//! `Option`s of them.

use std::error::Error;

use alembic_runtime::cli::Opened;
use alembic_runtime::{postgres, rusqlite};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// A value both databases bind.
pub trait Param {
    fn sqlite(&self) -> &dyn rusqlite::ToSql;
    fn postgres(&self) -> &(dyn postgres::types::ToSql + Sync);
}

impl<T: rusqlite::ToSql + postgres::types::ToSql + Sync> Param for T {
    fn sqlite(&self) -> &dyn rusqlite::ToSql {
        self
    }
    fn postgres(&self) -> &(dyn postgres::types::ToSql + Sync) {
        self
    }
}

/// A value both databases read.
pub trait Field: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> {}

impl<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>> Field for T {}

/// One row of a result, from either database.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    /// The value of column `i`.
    pub fn get<T: Field>(&self, i: usize) -> Result<T> {
        Ok(match self {
            Row::Sqlite(row) => row.get(i)?,
            Row::Postgres(row) => row.try_get(i)?,
        })
    }
}

/// The database uptimo keeps its monitors in.
pub struct Store(pub Opened);

impl Store {
    /// Runs a statement; the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[&dyn Param]) -> Result<u64> {
        Ok(match &mut self.0 {
            Opened::Sqlite(conn) => conn.execute(
                &sqlite_parameters(sql),
                rusqlite::params_from_iter(params.iter().map(|p| p.sqlite())),
            )? as u64,
            Opened::Postgres(client) => client.execute(sql, &postgres_params(params))?,
        })
    }

    /// Runs a query, making one value of each row.
    pub fn query<T>(
        &mut self,
        sql: &str,
        params: &[&dyn Param],
        mut each: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        match &mut self.0 {
            Opened::Sqlite(conn) => {
                let mut stmt = conn.prepare(&sqlite_parameters(sql))?;
                let mut rows = stmt.query(rusqlite::params_from_iter(
                    params.iter().map(|p| p.sqlite()),
                ))?;
                while let Some(row) = rows.next()? {
                    out.push(each(&Row::Sqlite(row))?);
                }
            }
            Opened::Postgres(client) => {
                for row in client.query(sql, &postgres_params(params))? {
                    out.push(each(&Row::Postgres(&row))?);
                }
            }
        }
        Ok(out)
    }

    /// The first column of the first row, if there is one.
    pub fn first<T: Field>(&mut self, sql: &str, params: &[&dyn Param]) -> Result<Option<T>> {
        Ok(self.query(sql, params, |r| r.get(0))?.into_iter().next())
    }
}

fn postgres_params<'a>(params: &[&'a dyn Param]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params.iter().map(|p| p.postgres()).collect()
}

/// `$1` becomes `?1`: the same numbered parameter in SQLite's spelling (SQLite would read
/// `$1` as a parameter named "$1", numbered by where it first appears).
fn sqlite_parameters(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let numbered = c == '$' && chars.peek().is_some_and(char::is_ascii_digit);
        out.push(if numbered { '?' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbered_parameters_keep_their_numbers_on_sqlite() {
        assert_eq!(
            super::sqlite_parameters("VALUES ($2, $1, '$', $10)"),
            "VALUES (?2, ?1, '$', ?10)"
        );
    }
}
