//! Checksums of applied migrations, so that a migration edited after it ran is noticed.
//!
//! `alembic_version` stays exactly Alembic's, so that a database can move between Python
//! Alembic and this runtime; the checksums live beside it in `alembic_checksum`, one row
//! per applied migration: its revision and [`Migration::checksum`] (what the migration
//! does, comments and formatting aside — see alembic-build's `code_checksum`). Python
//! Alembic never reads the table; its autogenerate would offer to drop it, which an
//! `include_name` hook prevents (docs/from-python.md). A revision without a row (applied by
//! Python Alembic, or before checksums existed) and a migration whose checksum is 0 (a
//! hand-written list) are never reported.
//!
//! At head, the check compares a summary row (the XOR of the stored checksums), read in the
//! same statement as the version rows, with the list's own; only when they differ are the
//! rows read and matched to the graph.

use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::resolve::CURRENT;
#[cfg(feature = "sqlite")]
use rusqlite::{Connection, OptionalExtension};

use crate::database::{Backend, BackendMut, Database, DatabaseMut};
#[cfg(feature = "sqlite")]
use crate::error::database_path;
use crate::error::{Error, Result};
use crate::migration::{Migration, Migrations};
#[cfg(feature = "sqlite")]
use crate::version_table;

#[cfg(feature = "sqlite")]
/// The table's DDL. `WITHOUT ROWID`, so that its key is the table itself: every
/// connection parses the schema on its first statement, and one object parses faster than
/// a table and its key's index.
pub const CREATE: &str = "CREATE TABLE alembic_checksum (version_num VARCHAR(32) NOT NULL \
     PRIMARY KEY, checksum BIGINT NOT NULL) WITHOUT ROWID";

#[cfg(feature = "sqlite")]
/// The row keyed by the empty string (no revision id) holds the XOR of all the others'
/// checksums, kept by every write: at head, comparing it is one key lookup.
const SUMMARY: &str = "SELECT checksum FROM alembic_checksum WHERE version_num = ''";
#[cfg(feature = "sqlite")]
const SELECT: &str = "SELECT version_num, checksum FROM alembic_checksum WHERE version_num <> ''";

/// An applied migration whose code is no longer what ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditedMigration {
    /// The revision.
    pub revision: &'static str,
    /// Its message.
    pub message: &'static str,
    /// The checksum recorded when it was applied.
    pub recorded: u64,
    /// The checksum of the migration as compiled now.
    pub current: u64,
}

impl std::fmt::Display for EditedMigration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "revision {} ({}) was edited after it was applied to this database (checksum \
             {:016x}, applied as {:016x}); restore what it did, or if the edit is intended \
             accept it with `cargo alembic stamp --rehash {}`",
            self.revision, self.message, self.current, self.recorded, self.revision
        )
    }
}

/// What to do when applied migrations were edited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnEdited {
    /// Log a warning for each and go on (the default).
    #[default]
    Warn,
    /// Fail with [`Error::Edited`] before changing anything.
    Fail,
}

/// The XOR of a set of checksums (0 for none): what the summary row holds when exactly
/// those are recorded.
pub(crate) fn summary(checksums: impl Iterator<Item = u64>) -> u64 {
    checksums.fold(0, |x, c| x ^ c)
}

#[cfg(feature = "sqlite")]
/// The summary row, as [`versions_and_summary`] found it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stored {
    /// Read: its value, `None` when the row is missing.
    Read(Option<i64>),
    /// Not read (no checksum table, or the combined query failed): ask the database.
    Unread,
}

#[cfg(feature = "sqlite")]
/// The version rows and the checksums' summary in one statement, which is what boot at
/// head costs when both tables exist; `None` when the query fails (a database without
/// `alembic_checksum`), and the caller reads the version rows alone.
pub(crate) fn versions_and_summary(conn: &Connection) -> Option<(Vec<String>, Stored)> {
    const BOTH: &str = "SELECT version_num, (SELECT checksum FROM alembic_checksum \
                        WHERE version_num = '') FROM alembic_version";
    let mut stmt = conn.prepare(BOTH).ok()?;
    let mut summary = None;
    let rows = stmt
        .query_map([], |r| {
            summary = r.get::<_, Option<i64>>(1)?;
            r.get::<_, String>(0)
        })
        .ok()?
        .collect::<rusqlite::Result<Vec<String>>>()
        .ok()?;
    let stored = if rows.is_empty() {
        Stored::Unread
    } else {
        Stored::Read(summary)
    };
    Some((rows, stored))
}

#[cfg(feature = "sqlite")]
/// The stored rows, or `None` without the table.
fn read(conn: &Connection) -> Result<Option<Vec<(String, u64)>>> {
    if !exists(conn)? {
        return Ok(None);
    }
    let mut stmt = conn
        .prepare(SELECT)
        .map_err(|e| Error::sqlite(conn, SELECT, e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })
        .and_then(Iterator::collect)
        .map_err(|e| Error::sqlite(conn, SELECT, e))?;
    Ok(Some(rows))
}

#[cfg(feature = "sqlite")]
fn exists(conn: &Connection) -> Result<bool> {
    version_table::table_exists(conn, "alembic_checksum")
}

#[cfg(feature = "sqlite")]
/// Records what a call applied and forgets what it reverted, in its transaction: a few
/// statements for all of them, as nobody outside sees the rows before the commit.
pub(crate) fn record(
    tx: &Connection,
    applied: &[&'static Migration],
    reverted: &[&'static Migration],
) -> Result<()> {
    let (hashed, unhashed): (Vec<_>, Vec<_>) = applied.iter().partition(|m| m.checksum != 0);
    let forget: Vec<_> = reverted.iter().chain(unhashed).collect();
    if hashed.is_empty() && (forget.is_empty() || !exists(tx)?) {
        return Ok(());
    }
    let run = |sql: &str, params: Vec<rusqlite::types::Value>| {
        tx.execute(sql, rusqlite::params_from_iter(params))
            .map(drop)
            .map_err(|e| Error::sqlite(tx, sql, e))
    };
    if !exists(tx)? {
        run(CREATE, Vec::new())?;
    }
    // 400 rows of two parameters stay under the 999 variables of old SQLite builds.
    for chunk in forget.chunks(400) {
        let marks = vec!["?"; chunk.len()].join(", ");
        run(
            &format!("DELETE FROM alembic_checksum WHERE version_num IN ({marks})"),
            chunk.iter().map(|m| m.revision.to_owned().into()).collect(),
        )?;
    }
    for chunk in hashed.chunks(400) {
        let values = vec!["(?, ?)"; chunk.len()].join(", ");
        run(
            &format!(
                "INSERT OR REPLACE INTO alembic_checksum (version_num, checksum) VALUES {values}"
            ),
            chunk
                .iter()
                .flat_map(|m| [m.revision.to_owned().into(), (m.checksum as i64).into()])
                .collect(),
        )?;
    }
    let all = read(tx)?.unwrap_or_default();
    run(
        "INSERT OR REPLACE INTO alembic_checksum (version_num, checksum) VALUES ('', ?)",
        vec![(summary(all.iter().map(|(_, c)| *c)) as i64).into()],
    )
}

impl Migrations {
    /// The applied migrations (by the version rows) whose recorded checksum differs from
    /// the compiled one, in graph order; empty for a database without checksums.
    ///
    /// # Errors
    /// An invalid graph, a version row no migration declares, or a database failure.
    pub fn edited(&self, mut db: impl Database) -> Result<Vec<EditedMigration>> {
        let graph = self.graph()?;
        match db.backend() {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(conn) => {
                let current = crate::runner::current_revs(graph, version_table::read(conn)?)?;
                self.edited_at(conn, graph, &current)
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(client) => {
                let place = crate::pg::Place::new(self.version_table_schema());
                let rows = crate::pg::version_table::read(client, &place)?;
                let current = crate::runner::current_revs(graph, rows)?;
                let recorded = crate::pg::checksum::read(client, &place)?;
                Ok(self.edited_from(graph, &current, recorded))
            }
        }
    }

    #[cfg(feature = "sqlite")]
    pub(crate) fn edited_at(
        &self,
        conn: &Connection,
        graph: &RevisionGraph<'static>,
        current: &[Rev],
    ) -> Result<Vec<EditedMigration>> {
        Ok(self.edited_from(graph, current, read(conn)?))
    }

    /// The applied migrations at `current` whose checksum differs from the one recorded
    /// (`None`: no checksum table).
    pub(crate) fn edited_from(
        &self,
        graph: &RevisionGraph<'static>,
        current: &[Rev],
        recorded_rows: Option<Vec<(String, u64)>>,
    ) -> Vec<EditedMigration> {
        let Some(rows) = recorded_rows else {
            return Vec::new();
        };
        let applied = graph.ancestors(current, true);
        let mut recorded = vec![None; graph.len()];
        for (revision, checksum) in rows {
            if let Some(rev) = graph.get(&revision) {
                recorded[rev] = Some(checksum);
            }
        }
        graph
            .topological()
            .iter()
            .filter_map(|&rev| {
                let m = self.at(rev);
                let recorded = recorded[rev]?;
                (applied[rev] && m.checksum != 0 && m.checksum != recorded).then_some(
                    EditedMigration {
                        revision: m.revision,
                        message: m.message,
                        recorded,
                        current: m.checksum,
                    },
                )
            })
            .collect()
    }

    #[cfg(feature = "sqlite")]
    /// At every head: whether the recorded checksums are the list's, by one key lookup.
    /// True without a table or without checksums in the list (nothing to compare); false
    /// when any row differs or is missing, and the caller reads the rows.
    pub(crate) fn checksums_match_at_head(&self, conn: &Connection, stored: Stored) -> bool {
        let Some(compiled) = self.compiled_summary() else {
            return true;
        };
        let stored = match stored {
            Stored::Read(summary) => summary,
            // Nothing recorded, nothing to compare; any failure to read is for the caller's
            // reading of the rows to report.
            Stored::Unread => match exists(conn) {
                Ok(false) => return true,
                _ => conn
                    .query_row(SUMMARY, [], |r| r.get::<_, i64>(0))
                    .optional()
                    .ok()
                    .flatten(),
            },
        };
        stored.is_some_and(|stored| stored as u64 == compiled)
    }

    /// The XOR of the list's checksums, `None` when it has none.
    pub(crate) fn compiled_summary(&self) -> Option<u64> {
        *self.summary.get_or_init(|| {
            let mut checksums = self
                .list
                .iter()
                .map(|m| m.checksum)
                .filter(|&c| c != 0)
                .peekable();
            checksums.peek().is_some().then(|| summary(checksums))
        })
    }

    /// Warns about or refuses edited migrations, as `policy` says.
    pub(crate) fn police_edits(
        &self,
        edited: Vec<EditedMigration>,
        policy: OnEdited,
    ) -> Result<()> {
        if edited.is_empty() {
            return Ok(());
        }
        match policy {
            OnEdited::Fail => Err(Error::Edited(edited)),
            OnEdited::Warn => {
                for e in &edited {
                    log::warn!(target: crate::runner::LOG, "{e}");
                }
                Ok(())
            }
        }
    }

    /// Records the compiled checksums of `targets` (revision ids, or `current` for every
    /// applied revision) as the ones they were applied with: accepts intended edits.
    /// Returns the revisions rehashed, in graph order.
    ///
    /// # Errors
    /// An unknown or unapplied revision, or a database failure; nothing changes then.
    pub fn rehash(&self, mut db: impl DatabaseMut, targets: &[&str]) -> Result<Vec<&'static str>> {
        match db.backend_mut() {
            #[cfg(feature = "sqlite")]
            BackendMut::Sqlite(conn) => self.rehash_sqlite(conn, targets),
            #[cfg(feature = "postgres")]
            BackendMut::Postgres(client) => crate::pg::rehash(self, client, targets),
        }
    }

    #[cfg(feature = "sqlite")]
    fn rehash_sqlite(&self, conn: &mut Connection, targets: &[&str]) -> Result<Vec<&'static str>> {
        let graph = self.graph()?;
        let path = database_path(conn);
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::sqlite_at(path.clone(), "BEGIN IMMEDIATE", e))?;
        let current = crate::runner::current_revs(graph, version_table::read(&tx)?)?;
        let revs = self.to_rehash(graph, &current, targets)?;
        record(&tx, &revs, &[])?;
        tx.commit()
            .map_err(|e| Error::sqlite_at(path, "COMMIT", e))?;
        Ok(revs.iter().map(|m| m.revision).collect())
    }

    /// The migrations `rehash(targets)` records, in graph order.
    pub(crate) fn to_rehash(
        &self,
        graph: &RevisionGraph<'static>,
        current: &[Rev],
        targets: &[&str],
    ) -> Result<Vec<&'static Migration>> {
        let applied = graph.ancestors(current, true);
        let mut chosen = vec![false; graph.len()];
        for &target in targets {
            if target == CURRENT {
                chosen.iter_mut().zip(&applied).for_each(|(c, &a)| *c |= a);
                continue;
            }
            for rev in graph.resolve(target)? {
                if !applied[rev] {
                    return Err(Error::NotApplied(graph.id(rev)));
                }
                chosen[rev] = true;
            }
        }
        Ok(graph
            .topological()
            .iter()
            .filter(|&&r| chosen[r])
            .map(|&r| self.at(r))
            .collect())
    }
}
