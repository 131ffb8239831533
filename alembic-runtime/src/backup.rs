//! The copy of a database taken before migrations change it ([`crate::UpgradeOptions::backup_to`]).
//!
//! It is taken inside the upgrade's `BEGIN IMMEDIATE` transaction, before the first
//! migration runs: the write lock is held, so no other connection's write can slip between
//! the copy and the migration, and of several processes booting at once only the one that
//! gets the lock first finds migrations pending and copies. SQLite's online backup API
//! copies the pages through a second, read-only connection, which sees the last commit:
//! the database exactly as the first migration will find it.

use std::path::{Path, PathBuf};

use rusqlite::backup::StepResult;
use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// Copies the database of `conn` to `template` (`{revision}` replaced by `at`; relative to
/// the database's directory) when it is a file holding any table; returns the copy's
/// path.
pub(crate) fn take(conn: &Connection, template: &Path, at: &str) -> Result<Option<PathBuf>> {
    let file: String = conn
        .query_row(
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| Error::sqlite(conn, "PRAGMA database_list", e))?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(|e| Error::sqlite(conn, "SELECT count(*) FROM sqlite_master", e))?;
    if file.is_empty() || tables == 0 {
        // In memory, or new: nothing to lose.
        return Ok(None);
    }
    let name = PathBuf::from(template.to_string_lossy().replace("{revision}", at));
    let path = match Path::new(&file).parent() {
        Some(dir) if name.is_relative() => dir.join(name),
        _ => name,
    };
    let failed = |message: String| Error::Backup {
        path: path.clone(),
        message,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
    }
    // Written aside and renamed into place: a copy that exists is whole.
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    let copied = (|| {
        // SQLite refuses to back up from a connection in a write transaction; a second,
        // read-only connection sees the last commit, which the held lock keeps current.
        let source = Connection::open_with_flags(&file, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut copy = Connection::open(&partial)?;
        let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
        // The held lock keeps writers out, so a busy source is unexpected: retry briefly,
        // then give up rather than spin.
        let mut busy = 0;
        loop {
            match backup.step(4096)? {
                StepResult::Done => break,
                StepResult::More => {}
                _ if busy < 200 => {
                    busy += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                _ => {
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                        Some("the database stayed busy during the backup".into()),
                    ))
                }
            }
        }
        drop(backup);
        copy.close().map_err(|(_, e)| e)
    })();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(failed(e.to_string()));
    }
    std::fs::rename(&partial, &path).map_err(|e| failed(e.to_string()))?;
    Ok(Some(path))
}
