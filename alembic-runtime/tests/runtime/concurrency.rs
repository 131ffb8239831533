//! Several connections upgrading the same new file at once: each migration runs once.

use std::sync::Barrier;

use alembic_runtime::rusqlite::Connection;

use crate::common::{migrations, version_rows};

#[test]
fn eight_connections_upgrading_at_once_run_each_migration_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let m = migrations(&[
        ("aaaa00000001", &[], &[], &[]),
        ("bbbb00000002", &["aaaa00000001"], &[], &[]),
        ("cccc00000003", &["bbbb00000002"], &[], &[]),
        ("dddd00000004", &["aaaa00000001"], &[], &[]),
        ("eeee00000005", &["cccc00000003", "dddd00000004"], &[], &[]),
    ]);
    for round in 0..20 {
        let path = path.with_extension(format!("{round}.db"));
        let barrier = Barrier::new(8);
        let applied: Vec<Vec<&str>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        // rusqlite opens connections with a 5 s busy timeout, which is what
                        // lets the losers wait for the lock instead of failing.
                        let mut conn = Connection::open(&path).unwrap();
                        barrier.wait();
                        m.upgrade(&mut conn, "head").unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let winners: Vec<_> = applied.iter().filter(|a| !a.is_empty()).collect();
        assert_eq!(winners.len(), 1, "exactly one caller applies: {applied:?}");
        assert_eq!(winners[0].len(), 5);

        let conn = Connection::open(&path).unwrap();
        let runs: Vec<(i64, i64)> = conn
            .prepare("SELECT migration, count(*) FROM runs WHERE direction = 'up' GROUP BY migration ORDER BY 1")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(runs, [(0, 1), (1, 1), (2, 1), (3, 1), (4, 1)]);
        assert_eq!(version_rows(&conn).unwrap(), ["eeee00000005"]);
    }
}
