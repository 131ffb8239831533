//! The schema the migrations produce, and the check that a database matches the models
//! (what `cargo alembic check` does at development time, at run time).

#[cfg(feature = "sqlite")]
use alembic_core::schema::diff::{diff, Change, Renames};
use alembic_core::schema::Schema;
#[cfg(feature = "sqlite")]
use alembic_core::schema::Table;
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

    #[cfg(feature = "sqlite")]
    /// Checks that a database at head has exactly the tables the models declare, as
    /// `cargo alembic check` would find; call it at boot after `upgrade` to catch a model
    /// changed without its migration.
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
    pub fn verify_models(&self, conn: &Connection, models: &[Table]) -> Result<()> {
        let current = self.head_schema(conn)?;
        let target = Schema {
            tables: models.to_vec(),
            ..Schema::default()
        };
        let changes = diff(&current, &target, &Renames::default(), &[]);
        if changes.is_empty() {
            return Ok(());
        }
        // Which side moved? When the migrations already give the models' schema, a new
        // migration would find nothing: the database was changed by hand.
        let migrated = self.schema()?;
        if diff(&migrated, &target, &Renames::default(), &[]).is_empty() {
            let drift = diff(&migrated, &current, &Renames::default(), &[]);
            return Err(Error::Drift(drift.iter().map(Change::detected).collect()));
        }
        Err(Error::ModelsDiffer(
            changes.iter().map(Change::detected).collect(),
        ))
    }
}
