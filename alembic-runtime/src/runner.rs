//! The entry points of [`Migrations`], whatever the database, and what both databases'
//! sides share: the at-head test, the run of a plan's steps with Alembic's log lines, the
//! options. Each call goes to `sqlite` or `pg` by its connection.
//!
//! Every call that writes runs in one transaction and re-reads the version rows once it
//! holds the database's lock, so concurrent callers serialise and the ones that lose the
//! race find the work done. `upgrade("head")` on a database already at head reads one table
//! and returns: no lock, no write, no per-migration work.

use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::plan::{self, Plan};
use alembic_core::revision::resolve::Heads;
use alembic_core::schema::sql::Dialect;
use alembic_core::RevisionError;
use std::path::PathBuf;

use crate::checksum::OnEdited;
use crate::database::{Backend, BackendMut, Database, DatabaseMut};
use crate::error::{Error, FailedMigration, OpError, Result};
use crate::migration::{sorted_ids, Migration, Migrations};
use crate::progress;
#[cfg(feature = "sqlite")]
use crate::version_table;

pub(crate) const LOG: &str = "alembic.runtime.migration";

impl Migrations {
    /// Applies migrations up to `target` (`"head"`, `"heads"`, a revision, `"+1"`, …) and
    /// returns the revisions applied, in order; empty when already there.
    ///
    /// # Errors
    /// An invalid graph or target, a database that is not SQLite or stays locked, or a
    /// failing migration; in every case the database is left as it was.
    pub fn upgrade(&self, db: impl DatabaseMut, target: &str) -> Result<Vec<&'static str>> {
        self.upgrade_with(db, target, &UpgradeOptions::default())
            .map(|u| u.applied)
    }

    /// [`Migrations::upgrade`] with options: what to do about applied migrations that were
    /// edited since they ran ([`UpgradeOptions::on_edited`]), and a copy of the database
    /// before migrations change it ([`UpgradeOptions::backup_to`]).
    ///
    /// ```
    /// # use alembic_runtime::{Migrations, OnEdited, UpgradeOptions};
    /// # static MIGRATIONS: Migrations = Migrations::new(&[]);
    /// let mut conn = alembic_runtime::rusqlite::Connection::open_in_memory()?;
    /// let options = UpgradeOptions::default()
    ///     .on_edited(OnEdited::Fail)
    ///     .backup_to("backups/app-{revision}.db");
    /// let upgraded = MIGRATIONS.upgrade_with(&mut conn, "head", &options)?;
    /// assert!(upgraded.applied.is_empty() && upgraded.backup.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Migrations::upgrade`]; [`Error::Edited`] with [`OnEdited::Fail`];
    /// [`Error::Backup`] when the copy cannot be written (nothing is migrated then).
    pub fn upgrade_with(
        &self,
        mut db: impl DatabaseMut,
        target: &str,
        options: &UpgradeOptions,
    ) -> Result<Upgraded> {
        match db.backend_mut() {
            #[cfg(feature = "sqlite")]
            BackendMut::Sqlite(conn) => self.upgrade_sqlite(conn, target, options),
            #[cfg(feature = "postgres")]
            BackendMut::Postgres(client) => crate::pg::upgrade(self, client, target, options),
        }
    }

    /// Reverts migrations down to `target` (`"base"`, a revision, `"-1"`, `"label@-1"`, …)
    /// and returns the revisions reverted, in order.
    ///
    /// # Errors
    /// As [`Migrations::upgrade`].
    pub fn downgrade(&self, mut db: impl DatabaseMut, target: &str) -> Result<Vec<&'static str>> {
        match db.backend_mut() {
            #[cfg(feature = "sqlite")]
            BackendMut::Sqlite(conn) => self.downgrade_sqlite(conn, target),
            #[cfg(feature = "postgres")]
            BackendMut::Postgres(client) => crate::pg::downgrade(self, client, target),
        }
    }

    /// Sets the version rows to `targets` without running migrations (after `purge`, from an
    /// empty table) and returns the new rows, sorted.
    ///
    /// # Errors
    /// An invalid graph or target, `head` with several heads, targets where one is an
    /// ancestor of another, or a database failure; nothing changes then.
    pub fn stamp(
        &self,
        mut db: impl DatabaseMut,
        targets: &[&str],
        purge: bool,
    ) -> Result<Vec<&'static str>> {
        match db.backend_mut() {
            #[cfg(feature = "sqlite")]
            BackendMut::Sqlite(conn) => self.stamp_sqlite(conn, targets, purge),
            #[cfg(feature = "postgres")]
            BackendMut::Postgres(client) => crate::pg::stamp(self, client, targets, purge),
        }
    }

    /// The revisions the database is at, sorted (empty for a new database).
    ///
    /// # Errors
    /// A row naming an unknown revision, or a database failure.
    pub fn current(&self, mut db: impl Database) -> Result<Vec<&'static str>> {
        self.current_of(&mut db)
    }

    /// [`Migrations::current`] of a connection the caller goes on using.
    pub(crate) fn current_of(&self, db: &mut impl Database) -> Result<Vec<&'static str>> {
        let graph = self.graph()?;
        let current = current_revs(graph, self.read_versions(db)?)?;
        Ok(sorted_ids(graph, &current))
    }

    /// The head revisions of the migrations, sorted.
    ///
    /// # Errors
    /// An invalid graph.
    pub fn heads(&self) -> Result<Vec<&'static str>> {
        let graph = self.graph()?;
        Ok(sorted_ids(graph, graph.heads()))
    }

    /// Every migration, newest first, in Alembic's `history` order.
    ///
    /// # Errors
    /// An invalid graph.
    pub fn history(&self) -> Result<Vec<&'static Migration>> {
        let graph = self.graph()?;
        Ok(graph.history().into_iter().map(|r| self.at(r)).collect())
    }

    /// The migrations of an Alembic range (`a:b`, `a:`, `:b`, `current` for the database's
    /// revisions, relative forms), newest first.
    ///
    /// # Errors
    /// An invalid graph or range, or a database failure.
    pub fn history_range(
        &self,
        mut db: impl Database,
        range: &str,
    ) -> Result<Vec<&'static Migration>> {
        let graph = self.graph()?;
        let current = current_revs(graph, self.read_versions(&mut db)?)?;
        let revs = graph.history_range(range, &current)?;
        Ok(revs.into_iter().map(|r| self.at(r)).collect())
    }

    /// The migrations `upgrade("heads")` would apply, in order.
    ///
    /// # Errors
    /// An invalid graph, a row naming an unknown revision, or a database failure.
    pub fn pending(&self, mut db: impl Database) -> Result<Vec<&'static Migration>> {
        let rows = self.read_versions(&mut db)?;
        if let Some(rows) = &rows {
            if self.at_every_head(rows)? {
                return Ok(Vec::new());
            }
        }
        let graph = self.graph()?;
        let current = current_revs(graph, rows)?;
        let plan = plan::upgrade(graph, &current, "heads")?;
        Ok(plan.steps.iter().map(|s| self.at(s.revision)).collect())
    }

    /// The version rows of any database, `None` without the table.
    fn read_versions(&self, db: &mut impl Database) -> Result<Option<Vec<String>>> {
        match db.backend() {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(conn) => version_table::read(conn),
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                let place = crate::pg::Place::new(self.version_table_schema());
                crate::pg::version_table::read(client, &place)
            }
        }
    }

    /// Whether `upgrade(target)` has nothing to do at `rows` without planning: `target` is
    /// `head` or `heads` and the rows are exactly the heads. The boot-time fast path.
    pub(crate) fn at_target(&self, target: &str, rows: &[String]) -> Result<bool> {
        Ok(match Heads::parse(target) {
            Some(heads) => self.at_every_head(rows)? && (heads == Heads::All || rows.len() == 1),
            None => false,
        })
    }

    /// Whether the version rows are exactly the heads: the boot-time fast path, which
    /// builds no graph when `embed_migrations!()` declared the heads.
    fn at_every_head(&self, rows: &[String]) -> Result<bool> {
        // Version rows are unique (the table's key): same length and all present is equal.
        let heads = self.rows_at_heads()?;
        Ok(rows.len() == heads.len() && rows.iter().all(|r| heads.contains(&r.as_str())))
    }

    /// Runs every step of `plan` with `run`, logging each in Alembic's words and reporting
    /// progress, and returns the migrations run; a failure names the step, and the ones
    /// before it (rolled back with it).
    pub(crate) fn run_steps(
        &self,
        graph: &RevisionGraph<'static>,
        plan: &Plan,
        mut run: impl FnMut(&'static Migration) -> std::result::Result<(), StepError>,
    ) -> Result<Vec<&'static Migration>> {
        let mut ran: Vec<&'static Migration> = Vec::with_capacity(plan.steps.len());
        let mut progress = progress::Steps::new(plan.steps.len());
        for step in &plan.steps {
            let migration = self.at(step.revision);
            let direction = step.direction;
            let span = || (joined(graph, &step.from), joined(graph, &step.to));
            if log::log_enabled!(target: LOG, log::Level::Info) {
                let (from, to) = span();
                log::info!(target: LOG, "Running {direction} {from} -> {to}, {}", migration.message);
            }
            run(migration).map_err(|source| match source {
                #[cfg(feature = "sqlite")]
                StepError::Ended => Error::TransactionEnded(migration.revision),
                StepError::Failed(source) => {
                    let (from, to) = span();
                    Error::Migration(Box::new(FailedMigration {
                        direction,
                        revision: migration.revision,
                        from,
                        to,
                        message: migration.message,
                        source,
                        rolled_back: ran.iter().map(|m| m.revision).collect(),
                        committed: Vec::new(),
                    }))
                }
            })?;
            ran.push(migration);
            progress.done(ran.len());
        }
        Ok(ran)
    }
}

/// How [`Migrations::upgrade_with`] treats what it finds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpgradeOptions {
    pub(crate) on_edited: OnEdited,
    pub(crate) backup: Option<PathBuf>,
}

/// What [`Migrations::upgrade_with`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upgraded {
    /// The revisions applied, in order; empty when the database was there already.
    pub applied: Vec<&'static str>,
    /// The copy taken before the first of them ran.
    pub backup: Option<PathBuf>,
}

impl UpgradeOptions {
    /// Copies a file database that holds any table to `path` before migrations change it
    /// — only when some are pending, under the upgrade's write lock, so that no write
    /// slips between the copy and the migration and of several processes booting at once
    /// exactly one copies. `{revision}` in `path` becomes the revisions the database was
    /// at (`+`-joined, `base` for none); a relative path is taken from the database's
    /// directory. The copy is written aside and renamed into place, so a file at `path`
    /// is always whole; one already there is replaced.
    pub fn backup_to(mut self, path: impl Into<PathBuf>) -> Self {
        self.backup = Some(path.into());
        self
    }

    /// What to do when applied migrations were edited since they ran: warn through `log`
    /// (the default), or fail before changing anything.
    pub fn on_edited(mut self, policy: OnEdited) -> Self {
        self.on_edited = policy;
        self
    }
}

/// How a migration's function failed.
pub(crate) enum StepError {
    /// It ended the runner's transaction (SQLite's authorizer notices; PostgreSQL refuses
    /// such statements before they are sent).
    #[cfg(feature = "sqlite")]
    Ended,
    /// It returned an error.
    Failed(OpError),
}

/// Maps version rows to revisions; a row no migration declares is an error.
pub(crate) fn current_revs(
    graph: &RevisionGraph<'static>,
    rows: Option<Vec<String>>,
) -> Result<Vec<Rev>> {
    rows.unwrap_or_default()
        .into_iter()
        .map(|row| {
            graph
                .get(&row)
                .ok_or(Error::Revision(RevisionError::UnknownCurrent(row)))
        })
        .collect()
}

/// Revision ids joined as Alembic's log lines show them.
pub(crate) fn joined(graph: &RevisionGraph<'_>, revs: &[Rev]) -> String {
    revs.iter()
        .map(|&r| graph.id(r))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Alembic's first two lines of every command that connects.
pub(crate) fn log_context(dialect: Dialect) {
    let implementation = match dialect {
        Dialect::Sqlite => "SQLiteImpl",
        Dialect::Postgres => "PostgresqlImpl",
    };
    log::info!(target: LOG, "Context impl {implementation}.");
    log::info!(target: LOG, "Will assume transactional DDL.");
}
