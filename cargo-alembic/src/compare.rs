//! Autogenerate's comparison: the changes from the schema the migrations produce to the one
//! the models declare, and both function bodies. The downgrade is the diff taken the other way
//! (renames reversed), so it restores the prior schema: dropped tables come back whole, with
//! their indexes and triggers, and altered columns get their old definition.

use alembic_core::schema::diff::{detected_lines, diff_in, Change};
use alembic_core::schema::sql::postgres::plain_default;
use alembic_core::schema::sql::{sqlite, Dialect};
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
    /// Alembic's "Detected …" lines, one per line.
    pub fn detected(&self) -> Vec<String> {
        detected(&self.changes)
    }
}

/// Alembic's "Detected …" lines of `changes`, one per line (a CHECK that changed is one).
pub fn detected(changes: &[Change]) -> Vec<String> {
    detected_lines(changes)
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

/// `current` as read on SQLite, for a comparison in PostgreSQL's terms: SQLite keeps one
/// integer type (a change between integer types is left undone there, and a table's
/// single integer key is declared INTEGER), so where both sides have an integer type the
/// models' width is taken. Without a server, integer widths are not compared.
///
/// ```
/// use alembic_core::schema::{Column, Schema, Table, Type};
/// let table = |ty| Schema {
///     tables: vec![Table::new("t").column(Column::new("n", ty))],
///     ..Schema::default()
/// };
/// let read = cargo_alembic::compare::at_model_widths(&table(Type::Integer), &table(Type::BigInt));
/// assert_eq!(read.tables[0].columns[0].sql_type, "BIGINT");
/// ```
pub fn at_model_widths(current: &Schema, target: &Schema) -> Schema {
    let mut current = current.clone();
    for table in &mut current.tables {
        let Some(wanted) = target.table(&table.name) else {
            continue;
        };
        for column in &mut table.columns {
            if let Some(model) = wanted.column_named(&column.name).filter(|m| {
                sqlite::is_integer_type(&m.sql_type) && sqlite::is_integer_type(&column.sql_type)
            }) {
                column.sql_type.clone_from(&model.sql_type);
            }
        }
    }
    current
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
