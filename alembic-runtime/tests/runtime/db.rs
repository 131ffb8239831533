//! One behaviour test, both databases: [`Db`] is what a test needs of a database, and
//! `on_both!` makes a SQLite test and a PostgreSQL test of one generic function.
//!
//! The PostgreSQL side is a database of its own on the test server
//! (`alembic_e2e::postgres`, `ALEMBIC_TEST_POSTGRES`), dropped after the test.

use alembic_runtime::rusqlite::Connection;
use alembic_runtime::DatabaseMut;

/// What a behaviour test needs of a database.
pub trait Db {
    /// The connection the runtime's calls take.
    type Conn<'a>: DatabaseMut
    where
        Self: 'a;
    /// The connection, for one call.
    fn db(&mut self) -> Self::Conn<'_>;
    /// Runs statements written in the SQL both databases speak.
    fn execute(&mut self, sql: &str);
    /// The tables, sorted, without the migrations' log table `runs`.
    fn tables(&mut self) -> Vec<String>;
    /// The version rows, sorted; `None` without the table.
    fn version_rows(&mut self) -> Option<Vec<String>>;
    /// Rows of a query, each as its values' text joined by `|` (every column cast to text
    /// by the query).
    fn rows(&mut self, sql: &str) -> Vec<String>;
    /// Back to an empty database.
    fn reset(&mut self);
    /// Everything in the database as text (schema, and every table's rows), for
    /// before/after comparisons.
    fn dump(&mut self) -> Vec<String>;
    /// How many random cases to run of what SQLite runs `cases` of: PostgreSQL's tables are
    /// real catalog entries, written through the server, about 20 times slower to make.
    fn cases(&self, cases: u32) -> u32 {
        cases
    }
}

/// An in-memory SQLite database.
pub struct Sqlite(pub Connection);

impl Sqlite {
    pub fn new() -> Self {
        Sqlite(Connection::open_in_memory().unwrap())
    }
}

impl Db for Sqlite {
    type Conn<'a> = &'a mut Connection;
    fn db(&mut self) -> &mut Connection {
        &mut self.0
    }
    fn execute(&mut self, sql: &str) {
        self.0.execute_batch(sql).unwrap();
    }
    fn tables(&mut self) -> Vec<String> {
        crate::common::tables(&self.0)
    }
    fn version_rows(&mut self) -> Option<Vec<String>> {
        crate::common::version_rows(&self.0)
    }
    fn rows(&mut self, sql: &str) -> Vec<String> {
        let mut stmt = self.0.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            (0..n)
                .map(|i| r.get::<_, Option<String>>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap()
        .map(|r| {
            r.unwrap()
                .into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
    }
    fn reset(&mut self) {
        *self = Sqlite::new();
    }
    fn dump(&mut self) -> Vec<String> {
        crate::common::dump(&self.0)
    }
}

/// A database of its own on the test PostgreSQL server.
#[cfg(feature = "postgres")]
pub struct Postgres {
    pub client: alembic_runtime::postgres::Client,
    /// Dropped after the test.
    pub database: alembic_e2e::postgres::TestDatabase,
}

#[cfg(feature = "postgres")]
impl Postgres {
    /// `None` when the PostgreSQL tests are skipped.
    pub fn new() -> Option<Self> {
        let database = alembic_e2e::postgres::TestDatabase::create()?;
        let mut client = database.connect();
        // Tests commit thousands of times; waiting for each commit's flush to disk proves
        // nothing here (a crash is not what they test).
        client
            .batch_execute("SET synchronous_commit TO off")
            .unwrap();
        Some(Postgres { client, database })
    }
}

#[cfg(feature = "postgres")]
impl Db for Postgres {
    type Conn<'a> = &'a mut alembic_runtime::postgres::Client;
    fn db(&mut self) -> &mut alembic_runtime::postgres::Client {
        &mut self.client
    }
    fn execute(&mut self, sql: &str) {
        self.client
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    fn tables(&mut self) -> Vec<String> {
        self.rows(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename <> 'runs' ORDER BY 1",
        )
    }
    fn version_rows(&mut self) -> Option<Vec<String>> {
        let exists = self.rows("SELECT (to_regclass('alembic_version') IS NOT NULL)::text");
        (exists == ["true"])
            .then(|| self.rows("SELECT version_num FROM alembic_version ORDER BY 1"))
    }
    fn rows(&mut self, sql: &str) -> Vec<String> {
        self.client
            .simple_query(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .filter_map(|m| match m {
                alembic_runtime::postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).unwrap_or("NULL").to_owned())
                        .collect::<Vec<_>>()
                        .join("|"),
                ),
                _ => None,
            })
            .collect()
    }
    fn reset(&mut self) {
        self.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    fn cases(&self, cases: u32) -> u32 {
        cases.div_ceil(4)
    }
    /// The catalog as the runtime reads it, and a hash of every table's rows.
    fn dump(&mut self) -> Vec<String> {
        let schema = alembic_runtime::introspect::schema(&mut self.client).unwrap();
        let mut out = vec![format!("{schema:#?}")];
        for table in &schema.tables {
            let name = alembic_core::schema::sql::quote_ident(&table.name);
            out.extend(self.rows(&format!(
                "SELECT '{name}: ' || count(*) || ' ' || \
                 md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {name} t"
            )));
        }
        out
    }
}

/// `on_both!(name: function)`: tests `name::sqlite` and `name::postgres` running the
/// generic `function(&mut impl Db)`.
macro_rules! on_both {
    ($($name:ident: $function:ident;)*) => {$(
        mod $name {
            use super::*;

            #[test]
            fn sqlite() {
                $function(&mut crate::db::Sqlite::new());
            }
            #[cfg(feature = "postgres")]
            #[test]
            fn postgres() {
                if let Some(mut db) = crate::db::Postgres::new() {
                    $function(&mut db);
                }
            }
        }
    )*};
}
pub(crate) use on_both;
