//! The stairway: every migration, in graph order, upgraded, downgraded and upgraded again
//! on one in-memory database, each downgrade required to restore the exact schema before
//! its upgrade. Behind [`crate::testing`] for an application's tests and behind
//! `cargo alembic check --stairway` (the `runner` feature).

use alembic_core::revision::graph::Rev;
use alembic_core::revision::plan::{self, Direction, Plan, Step};
use alembic_core::schema::diff::{diff, Change, Renames};
use alembic_core::schema::Schema;
use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::introspect;
use crate::migration::Migrations;
use crate::runner::UpgradeOptions;

/// A revision whose downgrade does not undo its upgrade, or whose second upgrade differs
/// from its first.
#[derive(Debug)]
pub struct StairwayFailure {
    /// The revision.
    pub revision: &'static str,
    /// Which step failed: `"upgrade"`, `"downgrade"`, `"upgrade again"`, or which
    /// comparison.
    pub step: &'static str,
    /// The error, or the differences in the words of `check` (`Detected …`).
    pub differences: Vec<String>,
}

impl std::fmt::Display for StairwayFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stairway: revision {} failed at {}",
            self.revision, self.step
        )?;
        self.differences
            .iter()
            .try_for_each(|d| write!(f, "\n  {d}"))
    }
}

impl std::error::Error for StairwayFailure {}

/// The schema to compare: the runtime's own tables aside, objects by name (a rebuilt table
/// moves to the end of `sqlite_master`, which means nothing).
fn comparable(conn: &Connection) -> Result<Schema> {
    let mut schema = introspect::schema(conn)?;
    schema.tables.retain(|t| {
        !t.name.eq_ignore_ascii_case("alembic_version")
            && !t.name.eq_ignore_ascii_case("alembic_checksum")
    });
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    schema.views.sort_by(|a, b| a.name.cmp(&b.name));
    schema.triggers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(schema)
}

/// How two schemas differ, as `check` words it, or their first differing object when the
/// diff has no word for it (a view's or trigger's text, an index detail).
fn differences(before: &Schema, after: &Schema) -> Vec<String> {
    let changes = diff(before, after, &Renames::default(), &[]);
    if !changes.is_empty() {
        return changes.iter().map(Change::detected).collect();
    }
    let mut out = Vec::new();
    for (a, b) in before.tables.iter().zip(&after.tables) {
        if a != b {
            out.push(format!("table '{}' was {a:?}, is {b:?}", a.name));
        }
    }
    let objects = |s: &Schema| {
        let views = s.views.iter().map(|v| (v.name.clone(), v.sql.clone()));
        let triggers = s.triggers.iter().map(|t| (t.name.clone(), t.sql.clone()));
        views.chain(triggers).collect::<Vec<_>>()
    };
    let (was, is) = (objects(before), objects(after));
    for (name, sql) in &was {
        if !is.iter().any(|o| &o.0 == name && &o.1 == sql) {
            out.push(format!("'{name}' was: {sql}"));
        }
    }
    for (name, sql) in &is {
        if !was.iter().any(|o| &o.0 == name && &o.1 == sql) {
            out.push(format!("'{name}' is: {sql}"));
        }
    }
    if out.is_empty() {
        out.push("the schemas differ in table order or count".to_owned());
    }
    out
}

impl Migrations {
    /// Runs the stairway on a new in-memory database; see the module documentation.
    ///
    /// # Errors
    /// The first revision that fails, with what differed; an invalid graph as
    /// [`Error::Graph`] inside the failure's text.
    pub(crate) fn stairway(&self) -> std::result::Result<usize, StairwayFailure> {
        let before_any = |step, e: &dyn std::fmt::Display| StairwayFailure {
            revision: "",
            step,
            differences: vec![e.to_string()],
        };
        let graph = self
            .graph()
            .map_err(|e| before_any("building the graph", &e))?;
        let mut conn = Connection::open_in_memory()
            .map_err(|e| before_any("opening an in-memory database", &e))?;
        let mut heads: Vec<Rev> = Vec::new();
        for &rev in graph.topological() {
            let revision = self.at(rev).revision;
            let fail = |step, e: Error| StairwayFailure {
                revision,
                step,
                differences: vec![e.to_string()],
            };
            // Every ancestor is applied (graph order), so this plan runs `rev` alone.
            let up =
                plan::upgrade(graph, &heads, revision).map_err(|e| fail("planning", e.into()))?;
            // Undoing it returns to the rows before it.
            let down = Plan {
                steps: vec![Step {
                    revision: rev,
                    direction: Direction::Downgrade,
                    from: vec![rev],
                    to: graph.down_revisions(rev).to_vec(),
                    rows: Vec::new(),
                }],
                heads: heads.clone(),
            };
            let before = comparable(&conn).map_err(|e| fail("reading the schema", e))?;
            // Runs `plan` and reads the schema it leaves, which must be `expected` if given.
            let mut step = |plan: &Plan, step, expected: Option<(&Schema, &'static str)>| {
                self.run_plan(&mut conn, plan).map_err(|e| fail(step, e))?;
                let now = comparable(&conn).map_err(|e| fail("reading the schema", e))?;
                match expected {
                    Some((want, failure)) if *want != now => Err(StairwayFailure {
                        revision,
                        step: failure,
                        differences: differences(want, &now),
                    }),
                    _ => Ok(now),
                }
            };
            let upgraded = step(&up, "upgrade", None)?;
            step(
                &down,
                "downgrade",
                Some((
                    &before,
                    "downgrade (it does not restore the schema before the upgrade)",
                )),
            )?;
            step(
                &up,
                "upgrade again",
                Some((
                    &upgraded,
                    "upgrade again (it differs from the first upgrade)",
                )),
            )?;
            heads = up.heads;
        }
        Ok(graph.len())
    }

    /// Runs `plan` through the runner: its transaction, foreign-key check, version rows.
    fn run_plan(&self, conn: &mut Connection, plan: &Plan) -> Result<()> {
        let rows = crate::version_table::read(conn)?;
        self.migrate(conn, rows, &UpgradeOptions::default(), |_, _| {
            Ok(plan.clone())
        })
        .map(drop)
    }
}
