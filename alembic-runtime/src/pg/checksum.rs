//! `alembic_checksum` on PostgreSQL: the same rows as on SQLite (see `crate::checksum`),
//! written with PostgreSQL's upsert.

use postgres::Client;

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

fn exists(client: &mut Client) -> Result<bool> {
    super::version_table::table_exists(client, "alembic_checksum")
}

/// The stored rows, or `None` without the table (inside a transaction too).
pub(crate) fn read(client: &mut Client) -> Result<Option<Vec<(String, u64)>>> {
    if !exists(client)? {
        return Ok(None);
    }
    let rows = client.query(SELECT, &[]).map_err(failed(SELECT))?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get::<_, i64>(1)? as u64)))
        .collect::<std::result::Result<Vec<_>, postgres::Error>>()
        .map(Some)
        .map_err(failed(SELECT))
}

/// The version rows and the checksums' summary in one statement, for the at-head path;
/// `None` when the checksum table is missing (the caller reads the version rows alone).
/// Outside a transaction only.
///
/// Sent as a simple query: one round trip, where a prepared statement takes two.
pub(crate) fn versions_and_summary(client: &mut Client) -> Option<(Vec<String>, Option<i64>)> {
    const BOTH: &str = "SELECT version_num, (SELECT checksum FROM alembic_checksum \
                        WHERE version_num = '') FROM alembic_version";
    let messages = client.simple_query(BOTH).ok()?;
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
    applied: &[&'static Migration],
    reverted: &[&'static Migration],
) -> Result<()> {
    let (hashed, unhashed): (Vec<_>, Vec<_>) = applied.iter().partition(|m| m.checksum != 0);
    let forget: Vec<&str> = reverted
        .iter()
        .chain(unhashed)
        .map(|m| m.revision)
        .collect();
    if hashed.is_empty() && (forget.is_empty() || !exists(client)?) {
        return Ok(());
    }
    client.batch_execute(CREATE).map_err(failed(CREATE))?;
    const FORGET: &str = "DELETE FROM alembic_checksum WHERE version_num = ANY($1)";
    if !forget.is_empty() {
        client.execute(FORGET, &[&forget]).map_err(failed(FORGET))?;
    }
    const UPSERT: &str = "INSERT INTO alembic_checksum (version_num, checksum) \
         SELECT * FROM unnest($1::text[], $2::bigint[]) \
         ON CONFLICT (version_num) DO UPDATE SET checksum = EXCLUDED.checksum";
    let revisions: Vec<&str> = hashed.iter().map(|m| m.revision).collect();
    let checksums: Vec<i64> = hashed.iter().map(|m| m.checksum as i64).collect();
    client
        .execute(UPSERT, &[&revisions, &checksums])
        .map_err(failed(UPSERT))?;
    let all = read(client)?.unwrap_or_default();
    let total = summary(all.iter().map(|(_, c)| *c)) as i64;
    client
        .execute(UPSERT, &[&vec![""], &vec![total]])
        .map_err(failed(UPSERT))?;
    Ok(())
}
