//! PostgreSQL (feature `postgres`): the entry points of [`Migrations`] on a
//! `postgres::Client`.
//!
//! Every call that writes is one transaction, DDL included (PostgreSQL's DDL is
//! transactional): `BEGIN`, then `pg_advisory_xact_lock` on a key derived from the version
//! table's schema and name as its first statement, then the version rows read again under
//! the lock, so concurrent callers serialise and the ones that lose the race find the work
//! done. `upgrade("head")` at head is one `SELECT` of the version rows: no lock, no write.
//!
//! A migration that declares `TRANSACTION = false` (for `CREATE INDEX CONCURRENTLY`) runs
//! on its own, outside any transaction, between two transactions that hold the lock: the
//! migrations before it commit first, its version row is written in a transaction of its
//! own after it succeeded, and the migrations after it run in a new one.

pub(crate) mod checksum;
pub(crate) mod connect;
mod connection;
mod ddl;
mod introspect;
mod place;
pub(crate) mod scratch;
mod value;
pub(crate) mod version_table;

use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::plan::{self, Plan, RowChange, StampPlan};
use alembic_core::schema::sql::Dialect;
use alembic_core::RevisionError;
use postgres::Client;

pub use connection::PostgresConnection;
pub(crate) use ddl::{literal, statements as ddl_statements, NamingRule};
pub(crate) use introspect::{schema, CatalogLookup};
pub(crate) use place::Place;
pub(crate) use value::Text;

use crate::error::{Direction, Error, Result};
use crate::migration::{sorted_ids, Migration, Migrations};
use crate::op::Op;
use crate::runner::{current_revs, joined, log_context, StepError, UpgradeOptions, Upgraded, LOG};

/// Runs `f` where rust-postgres can block: rust-postgres drives its connection with a
/// runtime of its own, and starting it on a thread that runs an async runtime panics, so
/// a call made from async code (an `async fn main`) runs on a scoped thread of its own.
fn off_async_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

pub(crate) fn upgrade(
    migrations: &Migrations,
    client: &mut Client,
    target: &str,
    options: &UpgradeOptions,
) -> Result<Upgraded> {
    off_async_runtime(|| {
        let place = Place::new(migrations.version_table_schema());
        log_context(Dialect::Postgres);
        let (rows, summary) = match checksum::versions_and_summary(client, &place) {
            Some((rows, summary)) => (Some(rows), Some(summary)),
            None => (version_table::read(client, &place)?, None),
        };
        if let Some(rows) = &rows {
            if migrations.at_target(target, rows)? {
                let compiled = migrations.compiled_summary();
                let matches = compiled.is_none()
                    || summary.is_none()
                    || summary.flatten().map(|s| s as u64) == compiled;
                if !matches {
                    let graph = migrations.graph()?;
                    let current = current_revs(graph, Some(rows.clone()))?;
                    let recorded = checksum::read(client, &place)?;
                    let edited = migrations.edited_from(graph, &current, recorded);
                    migrations.police_edits(edited, options.on_edited)?;
                }
                return Ok(Upgraded::default());
            }
        }
        let graph = migrations.graph()?;
        let current = current_revs(graph, rows.clone())?;
        let edited = migrations.edited_from(graph, &current, checksum::read(client, &place)?);
        migrations.police_edits(edited, options.on_edited)?;
        if let Some(path) = &options.backup {
            return Err(Error::Backup {
                path: path.clone(),
                message: "the runtime copies SQLite files only; back a PostgreSQL database up \
                          with pg_dump before migrating it"
                    .to_owned(),
            });
        }
        migrate(migrations, client, rows, |g, current| {
            plan::upgrade(g, current, target)
        })
    })
}

pub(crate) fn downgrade(
    migrations: &Migrations,
    client: &mut Client,
    target: &str,
) -> Result<Vec<&'static str>> {
    off_async_runtime(|| {
        let place = Place::new(migrations.version_table_schema());
        log_context(Dialect::Postgres);
        let rows = version_table::read(client, &place)?;
        migrate(migrations, client, rows, |g, current| {
            plan::downgrade(g, current, target)
        })
        .map(|u| u.applied)
    })
}

pub(crate) fn stamp(
    migrations: &Migrations,
    client: &mut Client,
    targets: &[&str],
    purge: bool,
) -> Result<Vec<&'static str>> {
    off_async_runtime(|| {
        let place = Place::new(migrations.version_table_schema());
        log_context(Dialect::Postgres);
        let graph = migrations.graph()?;
        let mut tx = Locked::begin(client, place)?;
        let rows = version_table::read_locked(tx.client(), &place)?;
        let exists = rows.is_some();
        // --purge exists to repair a table whose rows name unknown revisions: don't map them.
        let current = if purge {
            Vec::new()
        } else {
            current_revs(graph, rows)?
        };
        let StampPlan { rows, heads, steps } = plan::stamp(graph, &current, targets, purge)?;
        if rows.is_empty() && !purge {
            return Ok(sorted_ids(graph, &heads));
        }
        if !exists {
            version_table::create(tx.client(), &place)?;
        }
        if purge {
            version_table::delete_all(tx.client(), &place)?;
        }
        for (from, to) in &steps {
            let (from, to) = (joined(graph, from), joined(graph, to));
            log::info!(target: LOG, "Running stamp_revision {from} -> {to}");
        }
        for change in rows {
            version_table::apply(tx.client(), &place, graph, change)?;
        }
        tx.commit()?;
        Ok(sorted_ids(graph, &heads))
    })
}

/// The version rows read without the lock plan first, so that a call with nothing to do
/// takes no lock; the plan made under the lock is the one that runs.
fn migrate(
    migrations: &Migrations,
    client: &mut Client,
    rows: Option<Vec<String>>,
    planner: impl Fn(&RevisionGraph<'static>, &[Rev]) -> std::result::Result<Plan, RevisionError>,
) -> Result<Upgraded> {
    let graph = migrations.graph()?;
    let place = Place::new(migrations.version_table_schema());
    if planner(graph, &current_revs(graph, rows)?)?.is_empty() {
        return Ok(Upgraded::default());
    }
    let mut tx = Locked::begin(client, place)?;
    let rows = version_table::read_locked(tx.client(), &place)?;
    let mut exists = rows.is_some();
    let mut at = current_revs(graph, rows)?;
    let plan = planner(graph, &at)?;
    let mut ran: Vec<&'static Migration> = Vec::with_capacity(plan.steps.len());
    for part in parts(migrations, &plan, &at) {
        if !exists {
            version_table::create(tx.client(), &place)?;
            exists = true;
        }
        let outside = !in_transaction(migrations, &part.steps[0]);
        if outside {
            // Everything before it is committed, so that it runs on its own.
            tx.commit_keeping_lock()?;
        }
        let done = migrations
            .run_steps(graph, &part, |migration| {
                let function = match part.steps[0].direction {
                    Direction::Upgrade => migration.upgrade,
                    Direction::Downgrade => migration.downgrade,
                };
                Op::run_postgres(tx.client(), function).map_err(StepError::Failed)
            })
            .map_err(|e| mark_committed(e, &ran))?;
        if outside {
            tx.begin_again()?;
        }
        for change in crate::version_table::changes(&at, &part.heads) {
            version_table::apply(tx.client(), &place, graph, change)?;
        }
        match part.steps[0].direction {
            Direction::Upgrade => checksum::record(tx.client(), &place, &done, &[])?,
            Direction::Downgrade => checksum::record(tx.client(), &place, &[], &done)?,
        }
        at.clone_from(&part.heads);
        ran.extend(done);
        if outside {
            tx.commit_and_leave()?;
            tx.begin_again()?;
            tx.release_session_lock()?;
        }
    }
    tx.commit()?;
    Ok(Upgraded {
        applied: ran.iter().map(|m| m.revision).collect(),
        backup: None,
    })
}

pub(crate) fn rehash(
    migrations: &Migrations,
    client: &mut Client,
    targets: &[&str],
) -> Result<Vec<&'static str>> {
    off_async_runtime(|| {
        let place = Place::new(migrations.version_table_schema());
        let graph = migrations.graph()?;
        let mut tx = Locked::begin(client, place)?;
        let current = current_revs(graph, version_table::read_locked(tx.client(), &place)?)?;
        let revs = migrations.to_rehash(graph, &current, targets)?;
        checksum::record(tx.client(), &place, &revs, &[])?;
        tx.commit()?;
        Ok(revs.iter().map(|m| m.revision).collect())
    })
}

/// The plan cut where a migration must run outside a transaction: each such migration is
/// a part of its own, the others are grouped between them. Each part's `heads` are the
/// version rows after it.
fn parts(migrations: &Migrations, plan: &Plan, before: &[Rev]) -> Vec<Plan> {
    let mut parts: Vec<Plan> = Vec::new();
    for step in &plan.steps {
        let alone = !in_transaction(migrations, step);
        match parts.last_mut() {
            Some(last) if !alone && in_transaction(migrations, &last.steps[0]) => {
                last.steps.push(step.clone());
            }
            _ => parts.push(Plan {
                steps: vec![step.clone()],
                heads: Vec::new(),
            }),
        }
    }
    let mut rows = before.to_vec();
    for part in &mut parts {
        for change in part.steps.iter().flat_map(|s| &s.rows) {
            match *change {
                RowChange::Insert(r) => rows.push(r),
                RowChange::Delete(r) => rows.retain(|&x| x != r),
                RowChange::Update { from, to } => {
                    for x in rows.iter_mut().filter(|x| **x == from) {
                        *x = to;
                    }
                }
            }
        }
        part.heads.clone_from(&rows);
    }
    parts
}

/// A failure after a part was committed leaves the database at that part: say so.
fn mark_committed(error: Error, committed: &[&'static Migration]) -> Error {
    match error {
        Error::Migration(mut failed) if !committed.is_empty() => {
            failed.committed = committed.iter().map(|m| m.revision).collect();
            Error::Migration(failed)
        }
        other => other,
    }
}

/// Whether a step's migration runs in the call's transaction (`TRANSACTION`).
fn in_transaction(migrations: &Migrations, step: &plan::Step) -> bool {
    migrations.at(step.revision).transaction
}

/// A transaction that holds the runtime's advisory lock; rolled back when dropped
/// unfinished (a failed step, a panicking migration).
///
/// The lock is waited for by trying it, not by blocking in `pg_advisory_xact_lock`: a
/// session blocked in a statement holds a snapshot, and `CREATE INDEX CONCURRENTLY` in the
/// session that has the lock waits for every older snapshot — a deadlock the server breaks
/// by failing one of them.
struct Locked<'c> {
    client: &'c mut Client,
    /// The lock's keys.
    key: String,
    open: bool,
    /// The session-level lock, held while a migration runs outside any transaction.
    session: bool,
}

impl<'c> Locked<'c> {
    fn begin(client: &'c mut Client, place: Place) -> Result<Self> {
        let mut locked = Locked {
            client,
            key: place.lock_key(),
            open: false,
            session: false,
        };
        locked.begin_again()?;
        Ok(locked)
    }

    fn client(&mut self) -> &mut Client {
        self.client
    }

    fn begin_again(&mut self) -> Result<()> {
        let try_lock = format!("SELECT pg_try_advisory_xact_lock({})", self.key);
        let mut wait = std::time::Duration::from_millis(1);
        let mut told = false;
        loop {
            run(self.client, "BEGIN")?;
            self.open = true;
            let got: bool = self
                .client
                .query_one(try_lock.as_str(), &[])
                .and_then(|row| row.try_get(0))
                .map_err(|source| Error::Postgres {
                    sql: try_lock.clone(),
                    source,
                })?;
            if got {
                return Ok(());
            }
            run(self.client, "ROLLBACK")?;
            self.open = false;
            if !told {
                log::info!(target: LOG, "Waiting for another migration of this database to finish");
                told = true;
            }
            std::thread::sleep(wait);
            wait = (wait * 2).min(std::time::Duration::from_millis(50));
        }
    }

    /// Commits, keeping the lock for the session, so that a migration runs outside any
    /// transaction with no other migrator in between.
    fn commit_keeping_lock(&mut self) -> Result<()> {
        run(
            self.client,
            &format!("SELECT pg_advisory_lock({})", self.key),
        )?;
        self.session = true;
        self.commit_and_leave()
    }

    /// Drops the session-level lock (inside a transaction that holds the lock again).
    fn release_session_lock(&mut self) -> Result<()> {
        self.session = false;
        run(
            self.client,
            &format!("SELECT pg_advisory_unlock({})", self.key),
        )
    }

    fn commit_and_leave(&mut self) -> Result<()> {
        self.open = false;
        run(self.client, "COMMIT")
    }

    fn commit(mut self) -> Result<()> {
        self.commit_and_leave()
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // If these fail the connection is gone, and the server drops both.
        if self.open {
            let _ = self.client.batch_execute("ROLLBACK");
        }
        if self.session {
            let _ = self
                .client
                .batch_execute(&format!("SELECT pg_advisory_unlock({})", self.key));
        }
    }
}

/// Runs one of the runtime's own statements.
fn run(client: &mut Client, sql: &str) -> Result<()> {
    client.batch_execute(sql).map_err(|source| Error::Postgres {
        sql: sql.to_owned(),
        source,
    })
}
