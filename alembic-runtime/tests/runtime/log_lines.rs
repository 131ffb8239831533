//! Progress is reported through `log` in Alembic's words, so the CLI can print Alembic's
//! lines and an application can route them to its own logger.

use std::sync::Mutex;
use std::thread::{self, ThreadId};

use alembic_runtime::rusqlite::Connection;

use crate::common::migrations;

/// Keeps the records of each thread apart: tests run in parallel in one process.
struct Capture(Mutex<Vec<(ThreadId, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!(
            "{:<5} [{}] {}",
            record.level(),
            record.target(),
            record.args()
        );
        self.0.lock().unwrap().push((thread::current().id(), line));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

fn lines_of_this_thread() -> Vec<String> {
    let me = thread::current().id();
    let mut all = CAPTURE.0.lock().unwrap();
    let mine = all
        .iter()
        .filter(|(t, _)| *t == me)
        .map(|(_, l)| l.clone())
        .collect();
    all.retain(|(t, _)| *t != me);
    mine
}

/// Installs the capturing logger once for the tests of this module.
fn capture() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURE).expect("only this module installs a logger");
        log::set_max_level(log::LevelFilter::Info);
    });
}

#[test]
fn progress_lines_are_alembics() {
    capture();
    let m = migrations(&[
        ("aaaa00000001", &[], &[], &[]),
        ("bbbb00000002", &["aaaa00000001"], &[], &[]),
        ("cccc00000003", &["aaaa00000001"], &[], &[]),
        ("dddd00000004", &["bbbb00000002", "cccc00000003"], &[], &[]),
    ]);
    let mut conn = Connection::open_in_memory().unwrap();
    m.upgrade(&mut conn, "head").unwrap();
    m.downgrade(&mut conn, "bbbb").unwrap();
    m.stamp(&mut conn, &["aaaa"], false).unwrap();
    // One line per head a stamp changes, as Alembic 1.20.1 logs them on this graph.
    m.stamp(&mut conn, &["bbbb", "cccc"], false).unwrap();
    m.stamp(&mut conn, &["base"], false).unwrap();

    let context = [
        "INFO  [alembic.runtime.migration] Context impl SQLiteImpl.",
        "INFO  [alembic.runtime.migration] Will assume transactional DDL.",
    ];
    let mut want: Vec<&str> = context.to_vec();
    want.extend([
        "INFO  [alembic.runtime.migration] Running upgrade  -> aaaa00000001, create t0",
        // Alembic's order: the merge's second parent's line first.
        "INFO  [alembic.runtime.migration] Running upgrade aaaa00000001 -> cccc00000003, create t2",
        "INFO  [alembic.runtime.migration] Running upgrade aaaa00000001 -> bbbb00000002, create t1",
        "INFO  [alembic.runtime.migration] Running upgrade bbbb00000002, cccc00000003 -> dddd00000004, create t3",
    ]);
    want.extend(context);
    want.push("INFO  [alembic.runtime.migration] Running downgrade dddd00000004 -> bbbb00000002, cccc00000003, create t3");
    want.extend(context);
    want.push("INFO  [alembic.runtime.migration] Running stamp_revision bbbb00000002, cccc00000003 -> aaaa00000001");
    want.extend(context);
    want.push(
        "INFO  [alembic.runtime.migration] Running stamp_revision aaaa00000001 -> bbbb00000002",
    );
    want.push(
        "INFO  [alembic.runtime.migration] Running stamp_revision aaaa00000001 -> cccc00000003",
    );
    want.extend(context);
    want.push("INFO  [alembic.runtime.migration] Running stamp_revision bbbb00000002 -> ");
    want.push("INFO  [alembic.runtime.migration] Running stamp_revision cccc00000003 -> ");
    // Progress lines come at intervals (see the next test), so are left out here.
    let alembics: Vec<String> = lines_of_this_thread()
        .into_iter()
        .filter(|l| !l.contains("[alembic.runtime.progress]"))
        .collect();
    assert_eq!(alembics, want);
}

/// Long work says how far it got: a long upgrade counts its migrations, a rebuild reports
/// while it copies and how many rows it copied. (The interval is zero here: every chance
/// to report is taken.)
#[test]
fn long_work_reports_progress() {
    capture();
    alembic_runtime::progress::set_interval(std::time::Duration::ZERO);
    let m = migrations(&[
        ("aaaa00000001", &[], &[], &[]),
        ("bbbb00000002", &["aaaa00000001"], &[], &[]),
        ("cccc00000003", &["bbbb00000002"], &[], &[]),
    ]);
    let mut conn = Connection::open_in_memory().unwrap();
    m.upgrade(&mut conn, "head").unwrap();
    conn.execute_batch(
        "CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT);          WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)          INSERT INTO big (name) SELECT 'row ' || i FROM n",
    )
    .unwrap();
    alembic_runtime::apply(&mut conn, |op| {
        op.batch_alter_table("big", |b| {
            b.recreate_always();
            b.alter_column("name", alembic_runtime::AlterColumn::new().nullable(false));
        })
    })
    .unwrap();
    let progress: Vec<String> = lines_of_this_thread()
        .into_iter()
        .filter(|l| l.contains("[alembic.runtime.progress]"))
        .collect();
    for (line, want) in progress
        .iter()
        .zip(["1 of 3 migrations applied (", "2 of 3 migrations applied ("])
    {
        assert!(
            line.starts_with(&format!("INFO  [alembic.runtime.progress] {want}")),
            "{progress:#?}"
        );
    }
    assert!(
        progress
            .iter()
            .any(|l| l.starts_with("INFO  [alembic.runtime.progress] Copying the rows of 'big' (")),
        "{progress:#?}"
    );
    assert!(
        progress
            .last()
            .unwrap()
            .starts_with("INFO  [alembic.runtime.progress] Copied 200000 rows of 'big' in "),
        "{progress:#?}"
    );
    alembic_runtime::progress::set_interval(alembic_runtime::progress::INTERVAL);
}
