//! SQLite's side of the entry points of [`Migrations`]: one `BEGIN IMMEDIATE` transaction
//! per call, taken and the version rows re-read once it holds the write lock, so concurrent
//! callers serialise and the ones that lose the race find the work done; foreign keys off
//! during the call and checked as a whole before commit; the authorizer that refuses
//! transaction statements from migration code.

use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::plan::{self, Plan, StampPlan};
use alembic_core::schema::sql::Dialect;
use alembic_core::RevisionError;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization, TransactionOperation};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::backup;
use crate::checksum::{self, Stored};
use crate::error::{database_path, Direction, Error, ForeignKeyViolation, OpError, Result};
use crate::migration::{sorted_ids, Migration, Migrations};
use crate::op::{KnownSchema, Op};
use crate::progress;
use crate::runner::{current_revs, joined, log_context, StepError, UpgradeOptions, Upgraded, LOG};
use crate::version_table;

impl Migrations {
    pub(crate) fn upgrade_sqlite(
        &self,
        conn: &mut Connection,
        target: &str,
        options: &UpgradeOptions,
    ) -> Result<Upgraded> {
        log_context(Dialect::Sqlite);
        let (rows, stored) = match checksum::versions_and_summary(conn) {
            Some((rows, stored)) => (Some(rows), stored),
            None => (version_table::read(conn)?, Stored::Unread),
        };
        if let Some(rows) = &rows {
            if self.at_target(target, rows)? {
                if !self.checksums_match_at_head(conn, stored) {
                    let graph = self.graph()?;
                    let current = current_revs(graph, Some(rows.clone()))?;
                    self.police_edits(self.edited_at(conn, graph, &current)?, options.on_edited)?;
                }
                return Ok(Upgraded::default());
            }
        }
        self.migrate(conn, rows, options, |g, current| {
            plan::upgrade(g, current, target)
        })
    }

    pub(crate) fn downgrade_sqlite(
        &self,
        conn: &mut Connection,
        target: &str,
    ) -> Result<Vec<&'static str>> {
        log_context(Dialect::Sqlite);
        let rows = version_table::read(conn)?;
        self.migrate(conn, rows, &UpgradeOptions::default(), |g, current| {
            plan::downgrade(g, current, target)
        })
        .map(|u| u.applied)
    }

    pub(crate) fn stamp_sqlite(
        &self,
        conn: &mut Connection,
        targets: &[&str],
        purge: bool,
    ) -> Result<Vec<&'static str>> {
        log_context(Dialect::Sqlite);
        let graph = self.graph()?;
        // --purge exists to repair a table whose rows name unknown revisions: don't read them.
        let locked = begin(conn, if purge { None } else { Some(graph) })?;
        let StampPlan { rows, heads, steps } = plan::stamp(graph, &locked.current, targets, purge)?;
        if !rows.is_empty() || purge {
            let tx = &locked.tx;
            if !locked.table_exists {
                version_table::create(tx)?;
            }
            if purge {
                version_table::delete_all(tx)?;
            }
            for (from, to) in &steps {
                let (from, to) = (joined(graph, from), joined(graph, to));
                log::info!(target: LOG, "Running stamp_revision {from} -> {to}");
            }
            for change in rows {
                version_table::apply(tx, graph, change)?;
            }
            locked.commit()?;
        }
        Ok(sorted_ids(graph, &heads))
    }

    /// Plans from `rows` (read without the lock) first, so that a call with nothing to do
    /// takes no write lock; then plans again under the lock, where the answer counts.
    /// Foreign keys: see [`with_foreign_keys_deferred`].
    pub(crate) fn migrate(
        &self,
        conn: &mut Connection,
        rows: Option<Vec<String>>,
        options: &UpgradeOptions,
        planner: impl Fn(&RevisionGraph<'static>, &[Rev]) -> std::result::Result<Plan, RevisionError>,
    ) -> Result<Upgraded> {
        let graph = self.graph()?;
        let current = current_revs(graph, rows)?;
        self.police_edits(self.edited_at(conn, graph, &current)?, options.on_edited)?;
        if planner(graph, &current)?.is_empty() {
            return Ok(Upgraded::default());
        }
        with_foreign_keys_deferred(conn, |conn, enforced| {
            TransactionGuard::around(conn, |conn, guard| {
                self.migrate_locked(conn, graph, options, planner, enforced, guard)
            })
        })
    }

    fn migrate_locked(
        &self,
        conn: &mut Connection,
        graph: &RevisionGraph<'static>,
        options: &UpgradeOptions,
        planner: impl Fn(&RevisionGraph<'static>, &[Rev]) -> std::result::Result<Plan, RevisionError>,
        check_foreign_keys: bool,
        guard: &TransactionGuard,
    ) -> Result<Upgraded> {
        let locked = begin(conn, Some(graph))?;
        let plan = planner(graph, &locked.current)?;
        let Some(direction) = plan.steps.first().map(|s| s.direction) else {
            return Ok(Upgraded::default());
        };
        let tx = &locked.tx;
        let backup = match &options.backup {
            Some(template) if direction == Direction::Upgrade => {
                let at = if locked.current.is_empty() {
                    "base".to_owned()
                } else {
                    sorted_ids(graph, &locked.current).join("+")
                };
                backup::take(tx, template, &at)?
            }
            _ => None,
        };
        if let Some(path) = &backup {
            log::info!(target: LOG, "Backed up {} to {}", locked.path, path.display());
        }
        if !locked.table_exists {
            version_table::create(tx)?;
        }
        let mut known = None;
        let ran = self.run_steps(graph, &plan, |migration| {
            self.run_step(tx, migration, direction, &mut known, guard)
        })?;
        // Alembic writes the rows after each step; nobody outside the transaction sees the
        // difference, and one write per call keeps 1,000 migrations near raw SQL's speed.
        version_table::replace(tx, graph, &locked.current, &plan.heads)?;
        match direction {
            Direction::Upgrade => checksum::record(tx, &ran, &[])?,
            Direction::Downgrade => checksum::record(tx, &[], &ran)?,
        }
        if check_foreign_keys {
            if let Err(Error::ForeignKeys { rows, .. }) = foreign_key_check(tx) {
                drop(locked);
                let revision = self.breaking_step(conn, &plan, direction, guard);
                return Err(Error::ForeignKeys { revision, rows });
            }
        }
        locked.commit()?;
        Ok(Upgraded {
            applied: ran.iter().map(|m| m.revision).collect(),
            backup,
        })
    }

    /// Runs one migration's function in `tx`.
    fn run_step(
        &self,
        tx: &Transaction<'_>,
        migration: &Migration,
        direction: Direction,
        known: &mut Option<KnownSchema>,
        guard: &TransactionGuard,
    ) -> std::result::Result<(), StepError> {
        let function = match direction {
            Direction::Upgrade => migration.upgrade,
            Direction::Downgrade => migration.downgrade,
        };
        let outcome = guard.run(|| Op::run_body(tx, known, function));
        if tx.is_autocommit() {
            return Err(StepError::Ended);
        }
        outcome.map_err(StepError::Failed)
    }

    /// The migration of `plan` after which the foreign keys broke and stayed broken; `None`
    /// when they were broken before it ran, or the replay did not go as the run did.
    ///
    /// Found by replaying the plan (the failed run is rolled back) in a transaction that is
    /// rolled back too, checking the keys after each migration. Paying for this only when
    /// the keys are broken keeps every successful upgrade free of per-migration savepoints,
    /// whose journal writes cost a fifth of a fresh apply.
    fn breaking_step(
        &self,
        conn: &mut Connection,
        plan: &Plan,
        direction: Direction,
        guard: &TransactionGuard,
    ) -> Option<&'static str> {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ok()?;
        let mut broken_after = foreign_key_check(&tx).is_err().then_some(None);
        let mut known = None;
        for step in &plan.steps {
            let migration = self.at(step.revision);
            self.run_step(&tx, migration, direction, &mut known, guard)
                .ok()?;
            match (foreign_key_check(&tx).is_ok(), broken_after) {
                (true, _) => broken_after = None,
                (false, None) => broken_after = Some(Some(migration.revision)),
                (false, Some(_)) => {}
            }
        }
        broken_after.flatten()
    }
}

/// Runs operations outside any migration: one `BEGIN IMMEDIATE` transaction, foreign keys
/// handled as for a migration (off during, checked before commit, restored after). For
/// one-off fixes and for tests; `alembic_version` is not touched.
///
/// ```
/// use alembic_runtime::{apply, prelude::*};
/// let mut conn = alembic_runtime::rusqlite::Connection::open_in_memory()?;
/// apply(&mut conn, |op| {
///     op.create_table(Table::new("t").column(Column::new("a", Type::Text)))?;
///     op.alter_column("t", "a", AlterColumn::new().nullable(true))
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Operation`] when an operation fails, [`Error::ForeignKeys`] when the result
/// breaks a foreign key; nothing is changed then.
pub fn apply(
    conn: &mut Connection,
    ops: impl FnOnce(&mut Op<'_>) -> std::result::Result<(), crate::OpError>,
) -> Result<()> {
    with_foreign_keys_deferred(conn, |conn, enforced| {
        TransactionGuard::around(conn, |conn, guard| {
            let path = database_path(conn);
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| Error::sqlite_at(path.clone(), "BEGIN IMMEDIATE", e))?;
            guard
                .run(|| Op::run_body(&tx, &mut None, ops))
                .map_err(Error::Operation)?;
            if enforced {
                foreign_key_check(&tx)?;
            }
            tx.commit().map_err(|e| Error::sqlite_at(path, "COMMIT", e))
        })
    })
}

/// Runs `body` with foreign-key enforcement off, telling it whether it was on; restores it.
///
/// SQLite ignores `PRAGMA foreign_keys` inside a transaction, so this wraps the whole
/// transaction: a table rebuild drops and re-creates its table, which with enforcement on
/// would fire ON DELETE actions on every child row. Bodies check the keys as a whole
/// before committing instead.
fn with_foreign_keys_deferred<T>(
    conn: &mut Connection,
    body: impl FnOnce(&mut Connection, bool) -> Result<T>,
) -> Result<T> {
    let enforced = foreign_keys(conn, None)?;
    if enforced {
        foreign_keys(conn, Some(false))?;
    }
    let result = body(conn, enforced);
    if enforced {
        let restored = foreign_keys(conn, Some(true));
        if result.is_ok() {
            restored?;
        }
    }
    result
}

/// Refuses the statements that would end the runner's transaction — `BEGIN`, `COMMIT`,
/// `END`, `ROLLBACK` — while migration code runs, whether it sends them through
/// `op.execute` or the connection: an SQLite authorizer denies them when they are prepared,
/// before they can run. (Savepoints nest inside the runner's `BEGIN` transaction, so no
/// `RELEASE` or `ROLLBACK TO` can end it; they stay allowed.)
///
/// The authorizer is installed on the connection for one call and removed after it; an
/// authorizer the application had set is not restored.
struct TransactionGuard {
    armed: Arc<AtomicBool>,
    refused: Arc<Mutex<Option<&'static str>>>,
}

impl TransactionGuard {
    /// Runs `body` with the guard installed (disarmed: the runner's own BEGIN and COMMIT
    /// pass), and removes it after.
    fn around<T>(
        conn: &mut Connection,
        body: impl FnOnce(&mut Connection, &TransactionGuard) -> Result<T>,
    ) -> Result<T> {
        let guard = TransactionGuard {
            armed: Arc::new(AtomicBool::new(false)),
            refused: Arc::new(Mutex::new(None)),
        };
        let (armed, refused) = (Arc::clone(&guard.armed), Arc::clone(&guard.refused));
        let path = database_path(conn);
        let installed = conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            let AuthAction::Transaction { operation } = ctx.action else {
                return Authorization::Allow;
            };
            if !armed.load(Ordering::Relaxed) {
                return Authorization::Allow;
            }
            let statement = match operation {
                TransactionOperation::Begin => "BEGIN",
                TransactionOperation::Rollback => "ROLLBACK",
                _ => "COMMIT or END",
            };
            *refused.lock().unwrap_or_else(PoisonError::into_inner) = Some(statement);
            Authorization::Deny
        }));
        installed
            .into_result()
            .map_err(|e| Error::sqlite_at(path.clone(), "sqlite3_set_authorizer", e))?;
        progress::watch(conn)
            .map_err(|e| Error::sqlite_at(path.clone(), "sqlite3_progress_handler", e))?;
        let result = body(conn, &guard);
        let unwatched = progress::unwatch(conn)
            .map_err(|e| Error::sqlite_at(path.clone(), "sqlite3_progress_handler", e));
        let removed = conn
            .authorizer(None::<fn(AuthContext<'_>) -> Authorization>)
            .into_result()
            .map_err(|e| Error::sqlite_at(path, "sqlite3_set_authorizer", e));
        let value = result?;
        removed?;
        unwatched?;
        Ok(value)
    }

    /// Runs migration code with the guard armed. A refused statement fails the migration
    /// even when the code went on past the error.
    fn run(
        &self,
        code: impl FnOnce() -> std::result::Result<(), OpError>,
    ) -> std::result::Result<(), OpError> {
        self.armed.store(true, Ordering::Relaxed);
        let outcome = code();
        self.armed.store(false, Ordering::Relaxed);
        let refused = self
            .refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match (refused, outcome) {
            (None, outcome) => outcome,
            (Some(_), Err(OpError::Sql { sql, .. })) => Err(OpError::TransactionControl(sql)),
            (Some(statement), _) => Err(OpError::TransactionControl(statement.to_owned())),
        }
    }
}

/// `Connection::authorizer` and `progress_handler` return `()` in older rusqlite versions
/// and a `Result` in newer; the runtime accepts both.
pub(crate) trait HookOutcome {
    fn into_result(self) -> rusqlite::Result<()>;
}

impl HookOutcome for () {
    fn into_result(self) -> rusqlite::Result<()> {
        Ok(())
    }
}

impl HookOutcome for rusqlite::Result<()> {
    fn into_result(self) -> rusqlite::Result<()> {
        self
    }
}

/// Reads `PRAGMA foreign_keys`, or sets it when `set` is given (outside a transaction only).
fn foreign_keys(conn: &Connection, set: Option<bool>) -> Result<bool> {
    let sql = match set {
        None => "PRAGMA foreign_keys",
        Some(true) => "PRAGMA foreign_keys = ON",
        Some(false) => "PRAGMA foreign_keys = OFF",
    };
    match set {
        None => conn.query_row(sql, [], |r| r.get(0)),
        Some(on) => conn.execute_batch(sql).map(|()| on),
    }
    .map_err(|e| Error::sqlite(conn, sql, e))
}

/// Fails with the offending rows when any foreign key points nowhere.
fn foreign_key_check(conn: &Connection) -> Result<()> {
    const CHECK: &str = "PRAGMA foreign_key_check";
    let mut stmt = conn
        .prepare(CHECK)
        .map_err(|e| Error::sqlite(conn, CHECK, e))?;
    let rows: Vec<ForeignKeyViolation> = stmt
        .query_map([], |r| {
            Ok(ForeignKeyViolation {
                table: r.get(0)?,
                rowid: r.get(1)?,
                parent: r.get(2)?,
            })
        })
        .and_then(Iterator::collect)
        .map_err(|e| Error::sqlite(conn, CHECK, e))?;
    if rows.is_empty() {
        Ok(())
    } else {
        Err(Error::ForeignKeys {
            revision: None,
            rows,
        })
    }
}

/// A write transaction with the version rows read under its lock.
struct Locked<'c> {
    tx: Transaction<'c>,
    /// Read before the lock: a failed BEGIN or COMMIT leaves no connection to ask.
    path: String,
    current: Vec<Rev>,
    table_exists: bool,
}

/// Takes the write lock and reads the version rows under it (mapped to revisions when a
/// graph is given).
fn begin<'c>(
    conn: &'c mut Connection,
    graph: Option<&RevisionGraph<'static>>,
) -> Result<Locked<'c>> {
    let path = database_path(conn);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| Error::sqlite_at(path.clone(), "BEGIN IMMEDIATE", e))?;
    let rows = version_table::read(&tx)?;
    let table_exists = rows.is_some();
    let current = match graph {
        Some(graph) => current_revs(graph, rows)?,
        None => Vec::new(),
    };
    Ok(Locked {
        tx,
        path,
        current,
        table_exists,
    })
}

impl Locked<'_> {
    fn commit(self) -> Result<()> {
        let path = self.path;
        self.tx
            .commit()
            .map_err(|e| Error::sqlite_at(path, "COMMIT", e))
    }
}
