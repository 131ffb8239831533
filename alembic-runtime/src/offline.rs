//! Offline (`--sql`) scripts: the SQL an upgrade or downgrade would run, from a given
//! revision, without a database. Built on the operations' record mode; the schema at the
//! starting revision comes from recording the migrations up to it.

use std::fmt::Write;

use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::plan::{self, Direction, Plan};
use alembic_core::schema::sql::SqliteVersion;
use alembic_core::schema::Schema;

use crate::error::{Error, FailedMigration, Result};
use crate::migration::Migrations;
use crate::op::Op;
use crate::runner::joined;
use crate::version_table;

/// The database a `--sql` script is written for.
///
/// ```
/// use alembic_runtime::{ScriptFor, schema::sql::SqliteVersion};
/// assert_eq!(ScriptFor::from(SqliteVersion::OLDEST), ScriptFor::Sqlite(SqliteVersion::OLDEST));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScriptFor {
    /// SQLite of a version: what it can alter in place.
    Sqlite(SqliteVersion),
    /// PostgreSQL: native `ALTER TABLE`, Alembic's PostgreSQL version-table statements.
    Postgres,
    /// Every SQLite: [`SqliteVersion::OLDEST`].
    #[default]
    AnySqlite,
}

impl From<SqliteVersion> for ScriptFor {
    fn from(version: SqliteVersion) -> Self {
        ScriptFor::Sqlite(version)
    }
}

impl ScriptFor {
    /// A statement of the version table's, in the schema `migrations` keep it in.
    fn placed(self, migrations: &Migrations, sql: String) -> String {
        match self {
            #[cfg(feature = "postgres")]
            ScriptFor::Postgres => {
                crate::pg::Place::new(migrations.version_table_schema()).sql(&sql)
            }
            _ => {
                let _ = migrations;
                sql
            }
        }
    }

    fn create_version_table(self, migrations: &Migrations) -> String {
        let sql = match self {
            #[cfg(feature = "postgres")]
            ScriptFor::Postgres => version_table::POSTGRES_CREATE,
            _ => version_table::CREATE,
        };
        self.placed(migrations, sql.to_owned())
    }

    /// A row change; on PostgreSQL Alembic's INSERT returns the row it wrote.
    fn row(
        self,
        migrations: &Migrations,
        graph: &RevisionGraph<'_>,
        change: plan::RowChange,
    ) -> String {
        let sql = version_table::literal_sql(graph, change);
        let sql = match (self, change) {
            (ScriptFor::Postgres, plan::RowChange::Insert(_)) => {
                format!("{sql} RETURNING alembic_version.version_num")
            }
            _ => sql,
        };
        self.placed(migrations, sql)
    }
}

impl Migrations {
    /// The script `upgrade(target)` would run on a database at `from` (`None`: a new
    /// database), in Alembic's `--sql` format, in one transaction.
    ///
    /// ```
    /// # use alembic_runtime::{Migration, Migrations, prelude::*};
    /// # fn up(op: &mut Op) -> Result<()> { op.create_table(Table::new("t").column(Column::new("a", Type::Text))) }
    /// # fn down(op: &mut Op) -> Result<()> { op.drop_table("t") }
    /// # static LIST: [Migration; 1] = [Migration { revision: "aaa111", down_revisions: &[], branch_labels: &[],
    /// #     depends_on: &[], message: "create t", upgrade: up, downgrade: down, checksum: 0, transaction: true }];
    /// # static MIGRATIONS: Migrations = Migrations::new(&LIST);
    /// let script = MIGRATIONS.upgrade_sql(None, "head")?;
    /// assert!(script.contains("-- Running upgrade  -> aaa111\n\nCREATE TABLE \"t\""));
    /// # Ok::<(), alembic_runtime::Error>(())
    /// ```
    ///
    /// # Errors
    /// Resolution errors, and a migration that needs the database (`op.connection()`).
    pub fn upgrade_sql(&self, from: Option<&str>, target: &str) -> Result<String> {
        self.upgrade_sql_for(from, target, ScriptFor::AnySqlite)
    }

    /// [`Migrations::upgrade_sql`] for a database: SQLite of a version (a script cannot
    /// ask its database what it can do, so by default it uses only what every SQLite runs;
    /// from 3.53.0 a NOT NULL or CHECK change alters the table in place instead of
    /// rebuilding it), or PostgreSQL (feature `postgres`).
    ///
    /// # Errors
    /// As [`Migrations::upgrade_sql`].
    pub fn upgrade_sql_for(
        &self,
        from: Option<&str>,
        target: &str,
        version: impl Into<ScriptFor>,
    ) -> Result<String> {
        let version = version.into();
        let graph = self.graph()?;
        let start = self.start(graph, from)?;
        let plan = plan::upgrade(graph, &start, target)?;
        // From base (`None`, `base`, `base:head`) the version table does not exist yet.
        self.script(graph, &start, &plan, start.is_empty(), version)
    }

    /// The script `downgrade(target)` would run on a database at `from`.
    ///
    /// # Errors
    /// As [`Migrations::upgrade_sql`].
    pub fn downgrade_sql(&self, from: &str, target: &str) -> Result<String> {
        self.downgrade_sql_for(from, target, ScriptFor::AnySqlite)
    }

    /// [`Migrations::downgrade_sql`] for a database running SQLite `version`, as
    /// [`Migrations::upgrade_sql_for`].
    ///
    /// # Errors
    /// As [`Migrations::upgrade_sql`].
    pub fn downgrade_sql_for(
        &self,
        from: &str,
        target: &str,
        version: impl Into<ScriptFor>,
    ) -> Result<String> {
        let version = version.into();
        let graph = self.graph()?;
        let start = self.start(graph, Some(from))?;
        let plan = plan::downgrade(graph, &start, target)?;
        self.script(graph, &start, &plan, false, version)
    }

    /// The script `stamp(targets)` would run on a new database.
    ///
    /// # Errors
    /// As [`Migrations::stamp`].
    pub fn stamp_sql(&self, targets: &[&str]) -> Result<String> {
        self.stamp_sql_for(targets, ScriptFor::AnySqlite)
    }

    /// [`Migrations::stamp_sql`] for a database.
    ///
    /// # Errors
    /// As [`Migrations::stamp`].
    pub fn stamp_sql_for(&self, targets: &[&str], dialect: impl Into<ScriptFor>) -> Result<String> {
        let dialect = dialect.into();
        let graph = self.graph()?;
        let stamp = plan::stamp(graph, &[], targets, false)?;
        let mut out = format!("BEGIN;\n\n{};\n\n", dialect.create_version_table(self));
        for (from, to) in &stamp.steps {
            writeln!(
                out,
                "-- Running stamp_revision {} -> {}\n",
                joined(graph, from),
                joined(graph, to)
            )
            .expect("write to String");
        }
        for &change in &stamp.rows {
            writeln!(out, "{};\n", dialect.row(self, graph, change)).expect("write to String");
        }
        out.push_str("COMMIT;\n");
        Ok(out)
    }

    fn start(&self, graph: &RevisionGraph<'static>, from: Option<&str>) -> Result<Vec<Rev>> {
        Ok(match from {
            None => Vec::new(),
            Some(rev) => graph.resolve(rev)?,
        })
    }

    /// Records `plan`'s steps, starting from the schema the migrations up to `start` build.
    fn script(
        &self,
        graph: &RevisionGraph<'static>,
        start: &[Rev],
        plan: &Plan,
        new_database: bool,
        version: ScriptFor,
    ) -> Result<String> {
        // The schema at `start`: what the migrations up to it build (PostgreSQL's
        // statements do not depend on it).
        let mut schema = Schema::default();
        let mut heads = Vec::new();
        let starts = if version == ScriptFor::Postgres {
            &[][..]
        } else {
            start
        };
        for &rev in starts {
            let up_to = plan::upgrade(graph, &heads, graph.id(rev))?;
            for step in &up_to.steps {
                schema = self
                    .record_step(graph, schema, step.revision, Direction::Upgrade, version)?
                    .0;
            }
            heads = up_to.heads;
        }
        let mut out = String::from("BEGIN;\n\n");
        if new_database {
            writeln!(out, "{};\n", version.create_version_table(self)).expect("write to String");
        }
        for step in &plan.steps {
            let (from, to) = (joined(graph, &step.from), joined(graph, &step.to));
            let direction = step.direction;
            // A migration that runs outside a transaction, as the runtime runs it: what came
            // before is committed, its version row is written in a new transaction.
            let alone = version == ScriptFor::Postgres && !self.at(step.revision).transaction;
            if alone {
                out.push_str("COMMIT;\n\n");
            }
            writeln!(out, "-- Running {direction} {from} -> {to}\n").expect("write to String");
            let (next, sql) =
                self.record_step(graph, schema, step.revision, step.direction, version)?;
            schema = next;
            for stmt in sql {
                writeln!(out, "{stmt};\n").expect("write to String");
            }
            if alone {
                out.push_str("BEGIN;\n\n");
            }
            for &change in &step.rows {
                writeln!(out, "{};\n", version.row(self, graph, change)).expect("write to String");
            }
        }
        out.push_str("COMMIT;\n");
        Ok(out)
    }

    fn record_step(
        &self,
        graph: &RevisionGraph<'static>,
        schema: Schema,
        rev: Rev,
        direction: Direction,
        version: ScriptFor,
    ) -> Result<(Schema, Vec<String>)> {
        let migration = self.at(rev);
        let mut op = match version {
            #[cfg(feature = "sqlite")]
            ScriptFor::Sqlite(version) => Op::record_for(schema, version),
            #[cfg(feature = "sqlite")]
            ScriptFor::AnySqlite => Op::record_for(schema, SqliteVersion::OLDEST),
            #[cfg(not(feature = "sqlite"))]
            ScriptFor::Sqlite(_) | ScriptFor::AnySqlite => {
                let _ = schema;
                return Err(Error::NotBuilt {
                    database: "SQLite",
                    feature: "sqlite",
                });
            }
            #[cfg(feature = "postgres")]
            ScriptFor::Postgres => Op::record_postgres(),
            #[cfg(not(feature = "postgres"))]
            ScriptFor::Postgres => {
                return Err(Error::NotBuilt {
                    database: "PostgreSQL",
                    feature: "postgres",
                })
            }
        };
        let function = match direction {
            Direction::Upgrade => migration.upgrade,
            Direction::Downgrade => migration.downgrade,
        };
        function(&mut op).map_err(|source| {
            Error::Migration(Box::new(FailedMigration {
                direction,
                revision: migration.revision,
                from: joined(graph, graph.down_revisions(rev)),
                to: migration.revision.to_owned(),
                message: migration.message,
                source,
                rolled_back: Vec::new(),
                committed: Vec::new(),
            }))
        })?;
        Ok(op.into_recording())
    }
}
