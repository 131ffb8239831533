//! A PostgreSQL database of a bench's own on the server `ALEMBIC_TEST_POSTGRES` names
//! (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped at the end.

use alembic_runtime::postgres::{Client, NoTls};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database of the bench's own, dropped at the end.
pub struct Database {
    server: String,
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

impl Database {
    /// A new, empty database; `purpose` goes into its name.
    pub fn create(purpose: &str) -> Self {
        let server = std::env::var("ALEMBIC_TEST_POSTGRES").unwrap_or_else(|_| SERVER.into());
        let name = format!("alembic_bench_{purpose}_{}", std::process::id());
        let mut admin = Client::connect(&server, NoTls).expect("a PostgreSQL server");
        // One statement per query: neither may run in the implicit transaction of several.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&sql).unwrap();
        }
        let url = format!("{}/{name}", server.rsplit_once('/').unwrap().0);
        Database { server, name, url }
    }

    /// A new connection to it.
    #[allow(dead_code, reason = "not every bench queries it itself")]
    pub fn connect(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.server, NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name));
        }
    }
}

/// An empty schema, and a vacuumed catalog: each run creates and drops a thousand tables,
/// whose dead catalog rows would otherwise slow the next runs and wake autovacuum in the
/// middle of one.
#[allow(dead_code, reason = "the fresh-apply benches use it")]
pub fn empty(client: &mut Client) {
    client
        .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        .unwrap();
    client.batch_execute("VACUUM").unwrap();
    // A checkpoint now rather than in the middle of the next run (superuser only).
    let _ = client.batch_execute("CHECKPOINT");
}
