//! A migration test kit for an application's own `cargo test` (feature `testing`): what
//! pytest-alembic does for Python projects.
//!
//! ```
//! # use alembic_runtime::{prelude::*, Migration, Migrations};
//! # fn up(op: &mut Op) -> Result<()> { op.create_table(Table::new("t").column(Column::new("a", Type::Text))) }
//! # fn down(op: &mut Op) -> Result<()> { op.drop_table("t") }
//! # static MIGRATIONS: Migrations = Migrations::new(&[Migration { revision: "aaaa00000001",
//! #     down_revisions: &[], branch_labels: &[], depends_on: &[], message: "t", upgrade: up,
//! #     downgrade: down, checksum: 1, transaction: true }]);
//! use alembic_runtime::testing;
//!
//! testing::single_head(&MIGRATIONS)?;
//! testing::stairway(&MIGRATIONS)?;
//! # Ok::<(), testing::Failure>(())
//! ```
//!
//! Each check returns a [`Failure`] that says what is wrong and where, so a test can `?`
//! it or `unwrap` it.

use alembic_core::schema::diff::{detected_lines, diff, Renames};
use alembic_core::schema::{Schema, Table};
use rusqlite::types::Value;
use rusqlite::Connection;

use crate::migration::Migrations;

pub use crate::stairway::StairwayFailure;

/// Why a check failed.
#[derive(Debug)]
pub enum Failure {
    /// The migrations have several heads (or none).
    Heads(Vec<&'static str>),
    /// A revision's downgrade does not undo its upgrade.
    Stairway(StairwayFailure),
    /// Rows seeded at a revision did not survive the upgrade to head.
    DataLost {
        /// Where they were seeded.
        revision: String,
        /// What the query returned before the upgrade.
        before: Vec<Vec<Value>>,
        /// What it returns at head.
        after: Vec<Vec<Value>>,
    },
    /// Head's schema is not the models'; one `Detected …` line per difference.
    ModelsDiffer(Vec<String>),
    /// The migrations, the seed SQL or the query failed.
    Error(crate::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Heads(heads) if heads.is_empty() => f.write_str("the migrations have no head"),
            Failure::Heads(heads) => write!(
                f,
                "the migrations have {} heads ({}); merge them with `cargo alembic merge heads`",
                heads.len(),
                heads.join(", ")
            ),
            Failure::Stairway(e) => e.fmt(f),
            Failure::DataLost {
                revision,
                before,
                after,
            } => write!(
                f,
                "rows seeded at {revision} did not survive the upgrade to head:\n  before: \
                 {before:?}\n  at head: {after:?}"
            ),
            Failure::ModelsDiffer(lines) => {
                write!(
                    f,
                    "head's schema differs from the models; generate a migration with `cargo \
                     alembic revision --autogenerate`:"
                )?;
                lines.iter().try_for_each(|l| write!(f, "\n  {l}"))
            }
            Failure::Error(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Failure {}

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Self {
        Failure::Error(e)
    }
}

fn sqlite(sql: &str, source: rusqlite::Error) -> Failure {
    Failure::Error(crate::Error::Sqlite {
        sql: sql.to_owned(),
        source,
    })
}

/// The migrations have exactly one head.
///
/// # Errors
/// [`Failure::Heads`] naming them; an invalid graph.
pub fn single_head(migrations: &Migrations) -> Result<(), Failure> {
    let heads = migrations.heads()?;
    match heads.len() {
        1 => Ok(()),
        _ => Err(Failure::Heads(heads)),
    }
}

/// On a new in-memory database, for every revision in graph order (every branch): upgrade
/// it, downgrade it, upgrade it again; each downgrade must restore the exact schema before
/// the upgrade (tables, columns, indexes, constraints, views, triggers) and the second
/// upgrade must give what the first gave. Returns how many revisions were walked.
///
/// # Errors
/// [`Failure::Stairway`] naming the revision, the step and the difference.
pub fn stairway(migrations: &Migrations) -> Result<usize, Failure> {
    migrations.stairway().map_err(Failure::Stairway)
}

/// Upgrades a new in-memory database to `revision`, runs `seed` (SQL), and upgrades to
/// head: what `query` returns must be the same before and after.
///
/// ```
/// # use alembic_runtime::Migrations;
/// # static MIGRATIONS: Migrations = Migrations::new(&[]);
/// # if false {
/// alembic_runtime::testing::upgrade_keeps_data(
///     &MIGRATIONS,
///     "d3813c93def0",
///     "INSERT INTO monitor (name, url) VALUES ('home', 'https://example.com')",
///     "SELECT name, url FROM monitor ORDER BY name",
/// )?;
/// # }
/// # Ok::<(), alembic_runtime::testing::Failure>(())
/// ```
///
/// # Errors
/// [`Failure::DataLost`] with both results; a failing migration, seed or query.
pub fn upgrade_keeps_data(
    migrations: &Migrations,
    revision: &str,
    seed: &str,
    query: &str,
) -> Result<(), Failure> {
    let mut conn = Connection::open_in_memory().map_err(|e| sqlite(":memory:", e))?;
    migrations.upgrade(&mut conn, revision)?;
    conn.execute_batch(seed).map_err(|e| sqlite(seed, e))?;
    let before = rows(&conn, query)?;
    migrations.upgrade(&mut conn, "heads")?;
    let after = rows(&conn, query)?;
    if before == after {
        Ok(())
    } else {
        Err(Failure::DataLost {
            revision: revision.to_owned(),
            before,
            after,
        })
    }
}

fn rows(conn: &Connection, query: &str) -> Result<Vec<Vec<Value>>, Failure> {
    let mut stmt = conn.prepare(query).map_err(|e| sqlite(query, e))?;
    let n = stmt.column_count();
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .and_then(Iterator::collect)
        .map_err(|e| sqlite(query, e))
}

/// Head's schema is the models' (what `cargo alembic check` finds, in a test).
///
/// # Errors
/// [`Failure::ModelsDiffer`] with one `Detected …` line per difference.
pub fn models_match(migrations: &Migrations, models: &[Table]) -> Result<(), Failure> {
    let head = migrations.schema()?;
    let target = Schema {
        tables: models.to_vec(),
        ..Schema::default()
    };
    let changes = diff(&head, &target, &Renames::default(), &[]);
    if changes.is_empty() {
        Ok(())
    } else {
        Err(Failure::ModelsDiffer(detected_lines(&changes)))
    }
}
