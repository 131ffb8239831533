//! Autogenerate's comparison: the changes from the schema the migrations produce to the one
//! the models declare, and both function bodies. The downgrade is the diff taken the other way
//! (renames reversed), so it restores the prior schema: dropped tables come back whole, with
//! their indexes and triggers, and altered columns get their old definition.

use alembic_core::schema::diff::{detected_lines, diff_in, Change};
use alembic_core::schema::sql::postgres::plain_default;
use alembic_core::schema::sql::Dialect;
use alembic_core::schema::Schema;

use crate::models::Models;
use crate::render::{body, Body};

/// The outcome of a comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// What differs, in the order the upgrade applies it.
    pub changes: Vec<Change>,
    /// The upgrade's body.
    pub upgrade: Body,
    /// The downgrade's body.
    pub downgrade: Body,
}

impl Comparison {
    /// Alembic's "Detected …" lines, one per line (a CHECK that changed is one).
    pub fn detected(&self) -> Vec<String> {
        detected_lines(&self.changes)
    }
}

/// Compares `current` (what the migrations produce) with the models as `dialect` stores
/// them, leaving out `exclude`d tables and those of models the CLI could not read for
/// certain.
pub fn compare(
    dialect: Dialect,
    current: &Schema,
    models: &Models,
    exclude: &[String],
) -> Comparison {
    let excluded = models.excluded(exclude);
    let target = models.schema();
    let written;
    let current = if dialect == Dialect::Postgres {
        written = as_written(current);
        &written
    } else {
        current
    };
    let changes = diff_in(dialect, current, &target, &models.renames, &excluded);
    let back = diff_in(
        dialect,
        &target,
        current,
        &models.renames.reversed(),
        &excluded,
    );
    Comparison {
        upgrade: body(dialect, &changes, &[]),
        downgrade: body(dialect, &back, &current.triggers),
        changes,
    }
}

/// A schema read from PostgreSQL with its defaults as a migration would write them
/// (`'active'`, not `'active'::text`), so that a downgrade restores them in those words.
fn as_written(schema: &Schema) -> Schema {
    let mut schema = schema.clone();
    for column in schema.tables.iter_mut().flat_map(|t| &mut t.columns) {
        if let Some(plain) = column.default.as_deref().and_then(plain_default) {
            column.default = Some(plain);
        }
    }
    schema
}
