//! Databases of their own on the test PostgreSQL server.
//!
//! The server is named by one environment variable, `ALEMBIC_TEST_POSTGRES`: a URL of a
//! database the tests may connect to and create databases from (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), or `skip` to skip the PostgreSQL tests
//! (`scripts/test.sh` sets it, and says so, when no server answers; CI never does). Each
//! [`TestDatabase`] is a new database with a unique name, dropped when it goes out of scope,
//! so tests run in parallel and leave nothing behind.

use postgres::{Client, Config, NoTls};

/// The variable that names the test server.
pub const ENV: &str = "ALEMBIC_TEST_POSTGRES";
const DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The server's URL, or `None` when the PostgreSQL tests are skipped.
pub fn server_url() -> Option<String> {
    match std::env::var(ENV) {
        Ok(v) if v == "skip" => None,
        Ok(v) if !v.is_empty() => Some(v),
        _ => Some(DEFAULT.to_owned()),
    }
}

fn admin(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap_or_else(|e| {
        panic!(
            "cannot reach the test PostgreSQL server at {url}: {e}\n\
             start one, point {ENV} at one, or set {ENV}=skip to skip the PostgreSQL tests"
        )
    })
}

/// A database created for one test and dropped after it.
pub struct TestDatabase {
    /// Its name.
    pub name: String,
    server: String,
    config: Config,
}

impl TestDatabase {
    /// A new, empty database; `None` when the PostgreSQL tests are skipped (the test then
    /// returns, and `scripts/test.sh` has said loudly that they were skipped).
    ///
    /// # Panics
    /// When the server cannot be reached or refuses: a test never passes without it.
    pub fn create() -> Option<TestDatabase> {
        let server = server_url()?;
        let name = crate::unique_name("alembic_test").to_ascii_lowercase();
        let mut client = admin(&server);
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} on {server}: {e}"));
        let mut config: Config = server.parse().expect("a PostgreSQL URL");
        config.dbname(&name);
        Some(TestDatabase {
            name,
            server,
            config,
        })
    }

    /// A new connection to it.
    pub fn connect(&self) -> Client {
        self.config
            .connect(NoTls)
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.name))
    }

    /// Its URL, for another process.
    pub fn url(&self) -> String {
        let (scheme_and_auth, _) = self
            .server
            .rsplit_once('/')
            .expect("a PostgreSQL URL has a database part");
        let query = self.server.split_once('?').map(|(_, q)| format!("?{q}"));
        format!(
            "{scheme_and_auth}/{}{}",
            self.name,
            query.unwrap_or_default()
        )
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if std::env::var_os("KEEP_TEMP_DIR").is_some() {
            eprintln!("kept database {} on {}", self.name, self.server);
            return;
        }
        let mut client = admin(&self.server);
        // WITH (FORCE) ends sessions a failed test left open (PostgreSQL 13 and later).
        let _ = client.batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ));
    }
}
