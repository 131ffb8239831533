//! `alembic_version` on PostgreSQL, as Python Alembic creates and writes it there, in the
//! connection's current schema.

use alembic_core::revision::graph::RevisionGraph;
use alembic_core::revision::plan::RowChange;
use postgres::error::SqlState;
use postgres::Client;

use super::place::Place;
use crate::error::{Error, Result};
use crate::version_table::Statement;

/// Alembic's DDL on PostgreSQL, byte for byte.
pub const CREATE: &str =
    "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    \
     CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)";

const SELECT: &str = "SELECT version_num FROM alembic_version";

fn failed(sql: &str) -> impl FnOnce(postgres::Error) -> Error + '_ {
    move |source| Error::Postgres {
        sql: sql.to_owned(),
        source,
    }
}

/// The version rows, or `None` when the table does not exist: one statement, for the
/// at-head fast path. Outside a transaction only (a failed statement would abort one).
pub(crate) fn read(client: &mut Client, place: &Place) -> Result<Option<Vec<String>>> {
    let select = place.sql(SELECT);
    match client.query(select.as_str(), &[]) {
        Ok(rows) => rows
            .iter()
            .map(|r| r.try_get::<_, String>(0))
            .collect::<std::result::Result<_, _>>()
            .map(Some)
            .map_err(failed(&select)),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => Ok(None),
        Err(e) => Err(failed(&select)(e)),
    }
}

/// [`read`] inside a transaction: asks whether the table exists first.
pub(crate) fn read_locked(client: &mut Client, place: &Place) -> Result<Option<Vec<String>>> {
    if table_exists(client, place, "alembic_version")? {
        read(client, place)
    } else {
        Ok(None)
    }
}

/// Whether a table of the runtime's is on the search path, as the statement's snapshot
/// sees the catalog. Not `to_regclass`: it reads the session's catalog cache, which may
/// still say "no such table" when another session created it and committed while this
/// transaction waited for the lock (the cache catches up only when a lock is taken).
pub(crate) fn table_exists(client: &mut Client, place: &Place, name: &str) -> Result<bool> {
    let exists = format!(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c \
         WHERE c.relname = $1 AND c.relkind IN ('r', 'p') \
         AND c.relnamespace = ANY (SELECT oid FROM pg_catalog.pg_namespace \
                                   WHERE nspname = ANY ({})))",
        place.schemas_sql()
    );
    client
        .query_one(exists.as_str(), &[&name])
        .and_then(|r| r.try_get(0))
        .map_err(failed(&exists))
}

/// Creates the table.
pub(crate) fn create(client: &mut Client, place: &Place) -> Result<()> {
    let create = place.sql(CREATE);
    client.batch_execute(&create).map_err(failed(&create))
}

/// Writes one change, checking that an UPDATE or DELETE hits exactly one row.
pub(crate) fn apply(
    client: &mut Client,
    place: &Place,
    graph: &RevisionGraph<'_>,
    change: RowChange,
) -> Result<()> {
    let statement = Statement::of(graph, change);
    let sql = place.sql(&statement.sql.replace('?', "$"));
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = statement
        .params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect();
    let found = client
        .execute(sql.as_str(), &params)
        .map_err(failed(&sql))?;
    statement.check(usize::try_from(found).unwrap_or(usize::MAX))
}

/// Deletes every row (`stamp --purge`).
pub(crate) fn delete_all(client: &mut Client, place: &Place) -> Result<()> {
    let purge = place.sql("DELETE FROM alembic_version");
    client.batch_execute(&purge).map_err(failed(&purge))
}
