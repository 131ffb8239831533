//! The schema the migrations produce on PostgreSQL, which has no in-memory database: they
//! are applied to a scratch database made on the server for the call, read back, and the
//! database dropped, on success, on error and on panic alike.
//!
//! The scratch database is named `alembic_scratch_<pid>_<nanoseconds>`, so that concurrent
//! calls never share one and a database left by a killed process says what it is.

use alembic_core::schema::Schema;
use postgres::Client;

use super::connect::{connect, Target};

use crate::error::{Error, Result};
use crate::migration::Migrations;

/// Prefix of every scratch database's name.
pub(crate) const PREFIX: &str = "alembic_scratch_";

/// A database made for one call, dropped when this goes out of scope.
struct Scratch {
    /// A connection to the database the URL names, which creates and drops the scratch one.
    admin: Client,
    name: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.name.is_empty() {
            return;
        }
        // WITH (FORCE) (PostgreSQL 13+) ends a session a failed call left open; older
        // servers take the plain statement once the migrations' connection has closed.
        let quoted = alembic_core::schema::sql::quote_ident(&self.name);
        if self
            .admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            .is_err()
        {
            let _ = self
                .admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {quoted}"));
        }
    }
}

/// The schema `migrations` produce, applied to a scratch database made on the server `url`
/// names (the database it names is only connected to, never changed).
pub(crate) fn schema(migrations: &Migrations, url: &str) -> Result<Schema> {
    let shown = alembic_core::url::redacted(url);
    let failed = |message: String, unreachable: bool| Error::Scratch {
        server: shown.clone(),
        message,
        unreachable,
    };
    let target = Target::parse(url).map_err(|e| failed(e.to_string(), true))?;
    let admin = connect(&target).map_err(|e| failed(e.to_string(), true))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut scratch = Scratch {
        admin,
        name: format!("{PREFIX}{}_{nanos}", std::process::id()),
    };
    let create = format!(
        "CREATE DATABASE {}",
        alembic_core::schema::sql::quote_ident(&scratch.name)
    );
    if let Err(e) = scratch.admin.batch_execute(&create) {
        // Nothing was made: nothing to drop.
        scratch.name.clear();
        return Err(failed(crate::error::postgres_message(&e), false));
    }
    let mut target = target;
    target.config.dbname(&scratch.name);
    let mut client = connect(&target).map_err(|e| failed(e.to_string(), true))?;
    // The schema the version table goes in exists in the real database (made by hand, as
    // with Alembic); the scratch one is made here.
    if let Some(place) = migrations.version_table_schema() {
        let create = format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            alembic_core::schema::sql::quote_ident(place)
        );
        client
            .batch_execute(&create)
            .map_err(|source| Error::Postgres {
                sql: create,
                source,
            })?;
    }
    migrations.upgrade(&mut client, "heads")?;
    let schema = super::schema(&mut client)?;
    drop(client);
    drop(scratch);
    Ok(schema)
}
