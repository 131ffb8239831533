//! Reads a database's schema into the [`alembic_core::schema`] model.
//!
//! The source is the DDL SQLite stores in `sqlite_master`, parsed: it is the only place
//! that keeps constraint names, CHECK expressions, collations, AUTOINCREMENT,
//! deferrability and generated columns, which the PRAGMAs (`table_xinfo`,
//! `foreign_key_list`, `index_xinfo`) drop. Tests cross-check the result against the
//! PRAGMAs. Virtual tables and SQLite's own objects are left out.

#[cfg(feature = "sqlite")]
use alembic_core::schema::sql::{parse_create_index, parse_create_table};
use alembic_core::schema::Schema;
#[cfg(feature = "sqlite")]
use alembic_core::schema::{Table, Trigger, View};
#[cfg(feature = "sqlite")]
use rusqlite::Connection;

use crate::database::{Backend, Database};
use crate::error::Result;
#[cfg(feature = "sqlite")]
use crate::error::{Error, OpError};

#[cfg(feature = "sqlite")]
const OBJECTS: &str = "SELECT type, name, tbl_name, sql FROM sqlite_master \
     WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid";

/// The whole schema: tables (with indexes) in creation order, views, triggers. On
/// PostgreSQL (feature `postgres`), the connection's current schema, read from
/// `pg_catalog` in PostgreSQL's own normalised text.
///
/// # Errors
/// A database failure, or a stored definition that cannot be parsed (names the object).
pub fn schema(mut db: impl Database) -> Result<Schema> {
    match db.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite(conn) => sqlite_schema(conn),
        #[cfg(feature = "postgres")]
        Backend::Postgres(client) => crate::pg::schema(client),
    }
}

#[cfg(feature = "sqlite")]
/// [`schema`] of a SQLite connection (or transaction).
pub(crate) fn sqlite_schema(conn: &Connection) -> Result<Schema> {
    let mut stmt = conn
        .prepare(OBJECTS)
        .map_err(|e| Error::sqlite(conn, OBJECTS, e))?;
    let objects: Vec<(String, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .and_then(Iterator::collect)
        .map_err(|e| Error::sqlite(conn, OBJECTS, e))?;
    let mut schema = Schema::default();
    let mut indexes = Vec::new();
    for (kind, name, table, sql) in objects {
        let unreadable = |e: alembic_core::schema::sql::ParseError| Error::Introspect {
            object: name.clone(),
            sql: sql.clone(),
            message: e.to_string(),
        };
        match kind.as_str() {
            "table" if is_virtual(&sql) => {}
            "table" => schema
                .tables
                .push(parse_create_table(&sql).map_err(unreadable)?),
            "index" => indexes.push(parse_create_index(&sql).map_err(unreadable)?),
            "view" => schema.views.push(View { name, sql }),
            "trigger" => schema.triggers.push(Trigger { name, table, sql }),
            _ => {}
        }
    }
    for (table, index) in indexes {
        if let Some(t) = schema.table_mut(&table) {
            t.indexes.push(index);
        }
    }
    Ok(schema)
}

#[cfg(feature = "sqlite")]
/// The schema, and whether the database has ANALYZE statistics (`sqlite_stat1`), which a
/// table rebuild carries over.
pub(crate) fn schema_and_statistics(conn: &Connection) -> Result<(Schema, bool)> {
    const STAT1: &str = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'";
    let statistics: i64 = conn
        .query_row(STAT1, [], |r| r.get(0))
        .map_err(|e| Error::sqlite(conn, STAT1, e))?;
    Ok((schema(conn)?, statistics > 0))
}

#[cfg(feature = "sqlite")]
/// What [`replay`] does with a statement the scratch database refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The replay fails with the statement (an operation's own SQL must run).
    Fail,
    /// The statement is skipped and the others still count (raw SQL that needs rows or
    /// objects a recording does not have).
    Skip,
}

#[cfg(feature = "sqlite")]
/// The schema that `stmts` leave when run on a database holding `schema` (and no rows):
/// a scratch in-memory copy, so that SQLite itself decides what a statement does to the
/// objects that refer to what it changes. Record mode uses it for renames and raw SQL.
pub(crate) fn replay(
    schema: &Schema,
    stmts: &[String],
    refused: Refused,
) -> std::result::Result<Schema, OpError> {
    let scratch = |e: rusqlite::Error| OpError::Schema(format!("recording SQL: {e}"));
    let conn = Connection::open_in_memory().map_err(scratch)?;
    for stmt in schema.create_statements() {
        conn.execute_batch(&stmt)
            .map_err(|source| OpError::Sql { sql: stmt, source })?;
    }
    for stmt in stmts {
        match conn.execute_batch(stmt) {
            Err(source) if refused == Refused::Fail => {
                return Err(OpError::Sql {
                    sql: stmt.clone(),
                    source,
                })
            }
            _ => {}
        }
    }
    self::schema(&conn).map_err(|e| OpError::Schema(e.to_string()))
}

#[cfg(feature = "sqlite")]
/// One table with its indexes, or `None` when there is no such table.
///
/// # Errors
/// As [`schema`].
pub fn table(conn: &Connection, name: &str) -> Result<Option<Table>> {
    Ok(schema(conn)?
        .tables
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(name)))
}

#[cfg(feature = "sqlite")]
/// The views only, without parsing any table.
///
/// # Errors
/// A database failure.
pub fn views(conn: &Connection) -> Result<Vec<View>> {
    const VIEWS: &str = "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid";
    let mut stmt = conn
        .prepare(VIEWS)
        .map_err(|e| Error::sqlite(conn, VIEWS, e))?;
    stmt.query_map([], |r| {
        Ok(View {
            name: r.get(0)?,
            sql: r.get(1)?,
        })
    })
    .and_then(Iterator::collect)
    .map_err(|e| Error::sqlite(conn, VIEWS, e))
}

#[cfg(feature = "sqlite")]
fn is_virtual(sql: &str) -> bool {
    let words: Vec<&str> = sql.split_whitespace().take(2).collect();
    words.len() == 2 && words[1].eq_ignore_ascii_case("VIRTUAL")
}
