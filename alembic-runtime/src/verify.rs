//! The schema the migrations produce, and the check that a database matches the models
//! (what `cargo alembic check` does at development time, at run time).

#[cfg(feature = "sqlite")]
use alembic_core::schema::diff::with_declared_integer_widths;
use alembic_core::schema::diff::{detected_lines, diff_in, Renames};
use alembic_core::schema::{Schema, Table};
#[cfg(feature = "sqlite")]
use rusqlite::Connection;

use crate::database::Database;
use crate::error::{Error, Result};
use crate::introspect;
use crate::migration::Migrations;

impl Migrations {
    #[cfg(feature = "sqlite")]
    /// The schema every migration together produces: they are applied to a new in-memory
    /// database, which is then read back. Autogenerate compares the models with this.
    ///
    /// # Errors
    /// An invalid graph or a migration that fails.
    pub fn schema(&self) -> Result<Schema> {
        let mut conn = Connection::open_in_memory().map_err(|source| Error::Sqlite {
            sql: ":memory:".into(),
            source,
        })?;
        self.upgrade(&mut conn, "heads")?;
        introspect::schema(&conn)
    }

    #[cfg(feature = "postgres")]
    /// The schema every migration together produces on PostgreSQL: they are applied to a
    /// scratch database made on the server `url` names (`postgres://user@host/db`; `db` is
    /// only connected to), which is read back and dropped, whatever happens. The role needs
    /// `CREATEDB`. Autogenerate compares the models with this on PostgreSQL.
    ///
    /// # Errors
    /// [`Error::Scratch`] when the scratch database cannot be made or reached; an invalid
    /// graph or a migration that fails.
    pub fn schema_on_server(&self, url: &str) -> Result<Schema> {
        crate::pg::scratch::schema(self, url)
    }

    /// The schema of a database, which must be at the migrations' heads.
    ///
    /// # Errors
    /// [`Error::NotUpToDate`] when it is not at head; a database failure.
    pub fn head_schema(&self, mut db: impl Database) -> Result<Schema> {
        let mut current = self.current_of(&mut db)?;
        let mut heads = self.heads()?;
        current.sort_unstable();
        heads.sort_unstable();
        if current != heads {
            return Err(Error::NotUpToDate);
        }
        introspect::schema(db)
    }

    /// Checks that a database at head has exactly the tables the models declare, as
    /// `cargo alembic check` would find; call it at boot after `upgrade` to catch a model
    /// changed without its migration. Give the tables as declared for that database:
    /// `Model::table()` on SQLite, `Model::table_for(Dialect::Postgres)` on PostgreSQL, whose
    /// types are compared as PostgreSQL reads them back (`int4` is `INTEGER`).
    ///
    /// ```
    /// # use alembic_runtime::{Migration, Migrations, Model, Op, Result as R};
    /// # use alembic_runtime::prelude::*;
    /// # fn up(op: &mut Op) -> Result<()> {
    /// #     op.create_table(Table::new("tag").column(Column::new("id", Type::Integer)).primary_key(&["id"]))
    /// # }
    /// # fn down(op: &mut Op) -> Result<()> { op.drop_table("tag") }
    /// # static MIGRATIONS: Migrations = Migrations::new(&[Migration {
    /// #     revision: "a1", down_revisions: &[], branch_labels: &[], depends_on: &[],
    /// #     message: "tags", upgrade: up, downgrade: down, checksum: 0, transaction: true }]);
    /// struct Tag;
    /// impl Model for Tag {
    ///     fn table() -> Table {
    ///         Table::new("tag").column(Column::new("id", Type::Integer)).primary_key(&["id"])
    ///     }
    /// }
    ///
    /// let mut conn = alembic_runtime::rusqlite::Connection::open_in_memory()?;
    /// MIGRATIONS.upgrade(&mut conn, "head")?;
    /// MIGRATIONS.verify_models(&conn, &[Tag::table()])?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ModelsDiffer`] listing each difference when the models moved on,
    /// [`Error::Drift`] when the database was changed outside the migrations,
    /// [`Error::NotUpToDate`], or a
    /// database failure.
    pub fn verify_models(&self, mut db: impl Database, models: &[Table]) -> Result<()> {
        let dialect = db.backend().dialect();
        let current = self.head_schema(db)?;
        let target = Schema {
            tables: models.to_vec(),
            ..Schema::default()
        };
        let compare = |a: &Schema, b: &Schema| diff_in(dialect, a, b, &Renames::default(), &[]);
        let changes = compare(&current, &target);
        if changes.is_empty() {
            return Ok(());
        }
        // Which side moved? When the migrations already give the models' schema, a new
        // migration would find nothing: the database was changed by hand. What they give is
        // read on in-memory SQLite, which typed operations give the same types on (but one
        // integer type: the declared widths are taken); migrations SQLite cannot run leave
        // the question open.
        #[cfg(feature = "sqlite")]
        if let Ok(read) = self.schema() {
            let migrated = with_declared_integer_widths(&read, &target);
            if compare(&migrated, &target).is_empty() {
                let drift = compare(&migrated, &current);
                return Err(Error::Drift(detected_lines(&drift)));
            }
        }
        Err(Error::ModelsDiffer(detected_lines(&changes)))
    }
}
