//! Progress of long work, through `log` under the target `alembic.runtime.progress`, at
//! most every [`INTERVAL`] (or [`set_interval`]): a call that finishes sooner logs nothing more than Alembic
//! does. Two kinds of long work: many migrations in one call, and a table rebuild's row
//! copy (one statement, watched with SQLite's progress handler, which the copy installs
//! and removes: an application's own handler on the connection is removed too).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[cfg(feature = "sqlite")]
use rusqlite::Connection;

#[cfg(feature = "sqlite")]
use crate::sqlite::HookOutcome;

/// The `log` target of progress lines.
pub const TARGET: &str = "alembic.runtime.progress";

/// How long work runs before its first progress line, and between lines, unless
/// [`set_interval`] says otherwise.
pub const INTERVAL: Duration = Duration::from_secs(2);

/// A rebuild copying this many rows says how many it copied, however fast it was.
#[cfg(feature = "sqlite")]
const LARGE: i64 = 100_000;

static INTERVAL_MS: AtomicU64 = AtomicU64::new(2_000);

/// Sets how long work runs before its first progress line, and between lines, for the
/// whole process (default [`INTERVAL`]).
///
/// ```
/// alembic_runtime::progress::set_interval(std::time::Duration::from_secs(10));
/// ```
pub fn set_interval(interval: Duration) {
    let ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);
    INTERVAL_MS.store(ms, Ordering::Relaxed);
}

fn interval() -> Duration {
    Duration::from_millis(INTERVAL_MS.load(Ordering::Relaxed))
}

/// Counts the migrations one call runs and logs how far it got, at intervals.
pub(crate) struct Steps {
    total: usize,
    start: Instant,
    last: Instant,
}

impl Steps {
    pub(crate) fn new(total: usize) -> Self {
        let now = Instant::now();
        Steps {
            total,
            start: now,
            last: now,
        }
    }

    /// Called after migration `done` (1-based) of the call.
    pub(crate) fn done(&mut self, done: usize) {
        if self.last.elapsed() >= interval() && done < self.total {
            self.last = Instant::now();
            log::info!(
                target: TARGET,
                "{done} of {} migrations applied ({:.0?})",
                self.total,
                self.start.elapsed()
            );
        }
    }
}

#[cfg(feature = "sqlite")]
/// The rebuild copy running on this thread, if any: SQLite calls the progress handler on
/// the thread that steps the statement, and a handler cannot be installed through the
/// shared borrow of the connection that operations hold.
struct Copy {
    table: String,
    start: Instant,
    last: Instant,
}

#[cfg(feature = "sqlite")]
thread_local! {
    static COPYING: std::cell::RefCell<Option<Copy>> = const { std::cell::RefCell::new(None) };
}

#[cfg(feature = "sqlite")]
/// Installs the progress handler for one call of the runner.
pub(crate) fn watch(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.progress_handler(
        100_000,
        Some(|| {
            COPYING.with(|c| {
                if let Some(copy) = c.borrow_mut().as_mut() {
                    if copy.last.elapsed() >= interval() {
                        copy.last = Instant::now();
                        log::info!(
                            target: TARGET,
                            "Copying the rows of '{}' ({:.0?} so far)",
                            copy.table,
                            copy.start.elapsed()
                        );
                    }
                }
            });
            false
        }),
    )
    .into_result()
}

#[cfg(feature = "sqlite")]
/// Removes it.
pub(crate) fn unwatch(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.progress_handler(0, None::<fn() -> bool>).into_result()
}

#[cfg(feature = "sqlite")]
/// Runs `copy`, a rebuild's `INSERT … SELECT` into the new table, logging at intervals
/// while it runs (under [`watch`]) and the number of rows when it took long or copied
/// many.
pub(crate) fn copy_rows(
    conn: &Connection,
    table: &str,
    copy: impl FnOnce() -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let start = Instant::now();
    COPYING.with(|c| {
        *c.borrow_mut() = Some(Copy {
            table: table.to_owned(),
            start,
            last: start,
        });
    });
    let copied = copy();
    COPYING.with(|c| c.borrow_mut().take());
    copied?;
    // `Connection::changes` is private in the oldest rusqlite the runtime accepts.
    let rows: i64 = conn.query_row("SELECT changes()", [], |r| r.get(0))?;
    if rows >= LARGE || start.elapsed() >= interval() {
        log::info!(
            target: TARGET,
            "Copied {rows} rows of '{table}' in {:.1?}",
            start.elapsed()
        );
    }
    Ok(())
}
