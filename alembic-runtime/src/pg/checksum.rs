//! `alembic_checksum` on PostgreSQL: the same rows as on SQLite (see `crate::checksum`),
//! written with PostgreSQL's upsert.

use postgres::Client;

use super::place::Place;
use crate::checksum::summary;
use crate::error::{Error, Result};
use crate::migration::Migration;

/// The table's DDL.
pub const CREATE: &str = "CREATE TABLE IF NOT EXISTS alembic_checksum (version_num VARCHAR(32) \
     NOT NULL PRIMARY KEY, checksum BIGINT NOT NULL)";

const SELECT: &str = "SELECT version_num, checksum FROM alembic_checksum WHERE version_num <> ''";

fn failed(sql: &str) -> impl FnOnce(postgres::Error) -> Error + '_ {
    move |source| Error::Postgres {
        sql: sql.to_owned(),
        source,
    }
}

fn exists(client: &mut Client, place: &Place) -> Result<bool> {
    super::version_table::table_exists(client, place, "alembic_checksum")
}

/// The stored rows, or `None` without the table (inside a transaction too).
pub(crate) fn read(client: &mut Client, place: &Place) -> Result<Option<Vec<(String, u64)>>> {
    if !exists(client, place)? {
        return Ok(None);
    }
    let select = place.sql(SELECT);
    let rows = client
        .query(select.as_str(), &[])
        .map_err(failed(&select))?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get::<_, i64>(1)? as u64)))
        .collect::<std::result::Result<Vec<_>, postgres::Error>>()
        .map(Some)
        .map_err(failed(&select))
}

/// The version rows and the checksums' summary in one statement, for the at-head path;
/// `None` when the checksum table is missing (the caller reads the version rows alone).
/// Outside a transaction only.
///
/// Sent as a simple query: one round trip, where a prepared statement takes two.
pub(crate) fn versions_and_summary(
    client: &mut Client,
    place: &Place,
) -> Option<(Vec<String>, Option<i64>)> {
    const BOTH: &str = "SELECT version_num, (SELECT checksum FROM alembic_checksum \
                        WHERE version_num = '') FROM alembic_version";
    let messages = client.simple_query(&place.sql(BOTH)).ok()?;
    let mut rows = Vec::new();
    let mut summary = None;
    for message in messages {
        if let postgres::SimpleQueryMessage::Row(row) = message {
            rows.push(row.get(0)?.to_owned());
            summary = row.get(1).and_then(|s| s.parse::<i64>().ok());
        }
    }
    Some((rows, summary))
}

/// Records what a call applied and forgets what it reverted, in its transaction.
pub(crate) fn record(
    client: &mut Client,
    place: &Place,
    applied: &[&'static Migration],
    reverted: &[&'static Migration],
) -> Result<()> {
    let (hashed, unhashed): (Vec<_>, Vec<_>) = applied.iter().partition(|m| m.checksum != 0);
    let forget: Vec<&str> = reverted
        .iter()
        .chain(unhashed)
        .map(|m| m.revision)
        .collect();
    if hashed.is_empty() && (forget.is_empty() || !exists(client, place)?) {
        return Ok(());
    }
    let create = place.sql(CREATE);
    client.batch_execute(&create).map_err(failed(&create))?;
    let forget_sql = place.sql("DELETE FROM alembic_checksum WHERE version_num = ANY($1)");
    if !forget.is_empty() {
        client
            .execute(forget_sql.as_str(), &[&forget])
            .map_err(failed(&forget_sql))?;
    }
    let upsert = place.sql(
        "INSERT INTO alembic_checksum (version_num, checksum) \
         SELECT * FROM unnest($1::text[], $2::bigint[]) \
         ON CONFLICT (version_num) DO UPDATE SET checksum = EXCLUDED.checksum",
    );
    let upsert = upsert.as_str();
    let revisions: Vec<&str> = hashed.iter().map(|m| m.revision).collect();
    let checksums: Vec<i64> = hashed.iter().map(|m| m.checksum as i64).collect();
    client
        .execute(upsert, &[&revisions, &checksums])
        .map_err(failed(upsert))?;
    let all = read(client, place)?.unwrap_or_default();
    let total = summary(all.iter().map(|(_, c)| *c)) as i64;
    client
        .execute(upsert, &[&vec![""], &vec![total]])
        .map_err(failed(upsert))?;
    Ok(())
}
