//! Applies cargo-alembic migrations to a SQLite database when an application boots.
//!
//! The application embeds its migrations (`embed_migrations!()` defines
//! `static MIGRATIONS: Migrations`) and calls [`Migrations::upgrade`] at start-up:
//!
//! ```
//! use alembic_runtime::{Migration, Migrations, prelude::*};
//!
//! fn create_monitor(op: &mut Op) -> Result<()> {
//!     op.execute("CREATE TABLE monitor (id INTEGER PRIMARY KEY, url TEXT NOT NULL)")
//! }
//! fn drop_monitor(op: &mut Op) -> Result<()> {
//!     op.execute("DROP TABLE monitor")
//! }
//!
//! static LIST: [Migration; 1] = [Migration {
//!     revision: "156027c76783", down_revisions: &[], branch_labels: &[], depends_on: &[],
//!     message: "create monitor", upgrade: create_monitor, downgrade: drop_monitor, checksum: 0, transaction: true,
//! }];
//! static MIGRATIONS: Migrations = Migrations::new(&LIST);
//!
//! let mut conn = alembic_runtime::rusqlite::Connection::open_in_memory()?;
//! MIGRATIONS.upgrade(&mut conn, "head")?; // a no-op when already at head
//! assert_eq!(MIGRATIONS.current(&conn)?, ["156027c76783"]);
//! MIGRATIONS.downgrade(&mut conn, "base")?;
//! assert!(MIGRATIONS.current(&conn)?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Semantics are Python Alembic's: the `alembic_version` table, revision identifiers
//! (`head`, `heads`, `base`, prefixes, `+N`/`-N`, `label@head`), branches, merges and
//! `depends_on`. Unlike Alembic on SQLite, each call is one transaction: it completes wholly
//! or leaves schema, data and version rows as they were. Progress is reported through the
//! `log` crate (target `alembic.runtime.migration`), in Alembic's words.
//!
//! Concurrent callers serialise on SQLite's write lock and wait for it up to the
//! connection's busy timeout (rusqlite sets 5 s when it opens a connection).

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!(
    "alembic-runtime needs a database: enable its `sqlite` (default) or `postgres` feature"
);

#[cfg(feature = "sqlite")]
mod alter;
#[cfg(feature = "sqlite")]
mod backup;
mod change;
mod checksum;
#[cfg(feature = "runner")]
pub mod cli;
mod database;
#[cfg(feature = "sqlite")]
mod direct;
mod error;
pub mod introspect;
mod migration;
mod offline;
mod op;
#[cfg(feature = "postgres")]
mod pg;
pub mod progress;
#[cfg(feature = "sqlite")]
mod rebuild;
mod runner;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(any(feature = "testing", feature = "runner"))]
mod stairway;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(not(feature = "sqlite"))]
mod value;
mod verify;
pub mod version_table;

pub use alembic_core::revision::graph::RevisionGraph;
pub use alembic_core::schema;
pub use change::AlterColumn;
pub use checksum::{EditedMigration, OnEdited};
pub use database::{Backend, BackendMut, Database, DatabaseMut};
#[cfg(feature = "sqlite")]
pub use direct::DirectConnection;
pub use error::{
    Direction, Error, FailedMigration, ForeignKeyViolation, GraphError, OpError, Result,
    RevisionError,
};
pub use migration::{Migration, MigrationFn, Migrations};
pub use offline::ScriptFor;
pub use op::{Batch, Op};
pub use runner::{UpgradeOptions, Upgraded};
#[cfg(feature = "sqlite")]
pub use sqlite::apply;

/// A struct that declares a table: `#[derive(Model)]` implements it (feature `derive`).
///
/// ```
/// use alembic_runtime::{Model, schema::{Column, Table, Type}};
///
/// struct Tag;
/// impl Model for Tag {
///     fn table() -> Table {
///         Table::new("tag").column(Column::new("id", Type::Integer)).primary_key(&["id"])
///     }
/// }
/// assert_eq!(Tag::table().name, "tag");
/// ```
pub trait Model {
    /// The table the model declares, with SQLite's types.
    fn table() -> schema::Table;

    /// The table the model declares on `dialect`: `#[derive(Model)]` maps each field's Rust
    /// type to that database's type (`i64` is `BIGINT` on PostgreSQL). A hand-written model
    /// declares the same table everywhere unless it says otherwise.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use alembic_runtime::{schema::sql::Dialect, Model};
    ///
    /// #[derive(Model)]
    /// struct Tag {
    ///     #[alembic(primary_key)]
    ///     id: i64,
    /// }
    /// assert_eq!(Tag::table().columns[0].sql_type, "INTEGER");
    /// assert_eq!(Tag::table_for(Dialect::Postgres).columns[0].sql_type, "BIGINT");
    /// # }
    /// ```
    fn table_for(dialect: schema::sql::Dialect) -> schema::Table {
        let _ = dialect;
        Self::table()
    }
}

/// `#[derive(Model)]`.
#[cfg(feature = "derive")]
pub use alembic_derive::Model;
#[cfg(feature = "postgres")]
pub use pg::PostgresConnection;
/// The rust-postgres this crate was built with (feature `postgres`): connect with
/// `alembic_runtime::postgres::Client::connect(url, alembic_runtime::postgres::NoTls)`.
#[cfg(feature = "postgres")]
pub use postgres;
/// The rusqlite this crate was built with; use it to open connections so that only one
/// SQLite is linked.
#[cfg(feature = "sqlite")]
pub use rusqlite;

/// What a migration module needs: `use alembic_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::change::AlterColumn;
    pub use crate::error::OpError;
    pub use crate::op::Op;
    /// A value for [`Op::bulk_insert`](crate::Op::bulk_insert).
    #[cfg(not(feature = "sqlite"))]
    pub use crate::value::Value;
    pub use alembic_core::schema::{Column, ForeignKey, Index, Table, Type};
    /// A value for [`Op::bulk_insert`](crate::Op::bulk_insert).
    #[cfg(feature = "sqlite")]
    pub use rusqlite::types::Value;

    /// The result of a migration function.
    pub type Result<T, E = OpError> = std::result::Result<T, E>;
}

/// The user guide's runtime chapter, compiled and run as doc tests so it cannot rot.
#[cfg(all(doctest, feature = "sqlite"))]
#[doc = include_str!("../../docs/runtime.md")]
pub struct RuntimeGuide;

/// The user guide's operations chapter, compiled and run as doc tests.
#[cfg(all(doctest, feature = "sqlite"))]
#[doc = include_str!("../../docs/operations.md")]
pub struct OperationsGuide;

/// The user guide's models chapter, compiled and run as doc tests.
#[cfg(all(doctest, feature = "derive", feature = "sqlite"))]
#[doc = include_str!("../../docs/models.md")]
pub struct ModelsGuide;

/// The user guide's PostgreSQL chapter, compiled as doc tests.
#[cfg(all(doctest, feature = "postgres"))]
#[doc = include_str!("../../docs/postgresql.md")]
pub struct PostgresGuide;

/// The user guide's autogenerate chapter: its generated module compiles and runs.
#[cfg(all(doctest, feature = "sqlite"))]
#[doc = include_str!("../../docs/autogenerate.md")]
pub struct AutogenerateGuide;

/// Embeds the migrations `alembic_build::compile()` found, as `static MIGRATIONS: Migrations`
/// (`embed_migrations!(pub)` makes it public).
///
/// ```ignore
/// alembic_runtime::embed_migrations!();
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let mut conn = alembic_runtime::rusqlite::Connection::open("app.db")?;
///     MIGRATIONS.upgrade(&mut conn, "head")?;
///     Ok(())
/// }
/// ```
///
/// The migration modules are compiled as submodules of the module that invokes the macro;
/// they refer to this crate as `alembic_runtime`.
#[macro_export]
macro_rules! embed_migrations {
    () => {
        $crate::embed_migrations!(pub(self));
    };
    ($vis:vis) => {
        // The variable is alembic-build's `generate::ENV_VAR`, set by `alembic_build::compile()`.
        $vis static MIGRATIONS: $crate::Migrations = include!(env!(
            "ALEMBIC_MIGRATIONS_RS",
            "embed_migrations!() found no migration list: add a build.rs with \
             `fn main() { alembic_build::compile(); }` and alembic-build to [build-dependencies] \
             (`cargo alembic init` sets both up)"
        ));
    };
}
