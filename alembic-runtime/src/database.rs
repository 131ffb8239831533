//! [`Database`] and [`DatabaseMut`]: the connections the runtime reads and migrates.
//!
//! Every entry point of [`Migrations`](crate::Migrations) takes one of them, so one call
//! serves both databases:
//!
//! ```
//! # use alembic_runtime::Migrations;
//! # static MIGRATIONS: Migrations = Migrations::new(&[]);
//! let mut conn = alembic_runtime::rusqlite::Connection::open_in_memory()?;
//! MIGRATIONS.upgrade(&mut conn, "head")?; // migrating takes `&mut conn`
//! assert!(MIGRATIONS.current(&conn)?.is_empty()); // reading takes `&conn` too
//! // PostgreSQL (feature `postgres`): `MIGRATIONS.upgrade(&mut client, "head")?`
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! There are two traits because SQLite reads through a shared connection but installs its
//! hooks (the guard against transaction statements, progress) through an exclusive one,
//! while rust-postgres needs `&mut Client` for either. Both are sealed: each database is
//! a variant of [`Backend`] / [`BackendMut`] and a module of the runtime behind it
//! (`runner` for SQLite, `postgres` for PostgreSQL), so a third database slots in as one
//! more variant, one more module and its impls here.

/// A connection the runtime can read the version of: `&rusqlite::Connection`,
/// `&mut rusqlite::Connection`, or `&mut postgres::Client` (feature `postgres`).
pub trait Database: sealed::Sealed {
    /// The connection, as the runtime reads it.
    #[doc(hidden)]
    fn backend(&mut self) -> Backend<'_>;
}

/// A connection the runtime can migrate: `&mut rusqlite::Connection` or `&mut
/// postgres::Client` (feature `postgres`).
pub trait DatabaseMut: Database {
    /// The connection, as the runtime migrates it.
    #[doc(hidden)]
    fn backend_mut(&mut self) -> BackendMut<'_>;
}

/// The database behind a [`Database`].
#[doc(hidden)]
pub enum Backend<'a> {
    /// A SQLite connection.
    #[cfg(feature = "sqlite")]
    Sqlite(&'a rusqlite::Connection),
    /// A PostgreSQL client.
    #[cfg(feature = "postgres")]
    Postgres(&'a mut postgres::Client),
}

/// The database behind a [`DatabaseMut`].
#[doc(hidden)]
pub enum BackendMut<'a> {
    /// A SQLite connection.
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut rusqlite::Connection),
    /// A PostgreSQL client.
    #[cfg(feature = "postgres")]
    Postgres(&'a mut postgres::Client),
}

impl Backend<'_> {
    /// The SQL dialect of the database.
    pub(crate) fn dialect(&self) -> alembic_core::schema::sql::Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(_) => alembic_core::schema::sql::Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => alembic_core::schema::sql::Dialect::Postgres,
        }
    }
}

pub(crate) mod sealed {
    pub trait Sealed {}
    #[cfg(feature = "sqlite")]
    impl Sealed for &rusqlite::Connection {}
    #[cfg(feature = "sqlite")]
    impl Sealed for &mut rusqlite::Connection {}
    #[cfg(feature = "postgres")]
    impl Sealed for &mut postgres::Client {}
}

#[cfg(feature = "sqlite")]
impl Database for &rusqlite::Connection {
    fn backend(&mut self) -> Backend<'_> {
        Backend::Sqlite(self)
    }
}

#[cfg(feature = "sqlite")]
impl Database for &mut rusqlite::Connection {
    fn backend(&mut self) -> Backend<'_> {
        Backend::Sqlite(self)
    }
}

#[cfg(feature = "sqlite")]
impl DatabaseMut for &mut rusqlite::Connection {
    fn backend_mut(&mut self) -> BackendMut<'_> {
        BackendMut::Sqlite(self)
    }
}

#[cfg(feature = "postgres")]
impl Database for &mut postgres::Client {
    fn backend(&mut self) -> Backend<'_> {
        Backend::Postgres(self)
    }
}

#[cfg(feature = "postgres")]
impl DatabaseMut for &mut postgres::Client {
    fn backend_mut(&mut self) -> BackendMut<'_> {
        BackendMut::Postgres(self)
    }
}
