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

#[test]
fn progress_lines_are_alembics() {
    log::set_logger(&CAPTURE).expect("only this test installs a logger");
    log::set_max_level(log::LevelFilter::Info);
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
    assert_eq!(lines_of_this_thread(), want);
}
