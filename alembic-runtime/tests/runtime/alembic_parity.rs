//! Replays the commands recorded from Python Alembic 1.20.1 (alembic-core's fixture) on a
//! real database: after every command the version rows must equal Alembic's, and the
//! tables present must be exactly those of the migrations the rows imply.

use alembic_runtime::rusqlite::Connection;
use alembic_runtime::RevisionGraph;
use serde::Deserialize;

use crate::common::{migrations, tables, version_rows, Spec};

#[derive(Deserialize)]
struct Fixture {
    scenarios: Vec<Scenario>,
}

#[derive(Deserialize)]
struct Scenario {
    name: String,
    revisions: Vec<Revision>,
    commands: Vec<Command>,
}

#[derive(Deserialize)]
struct Revision {
    revision: String,
    down_revisions: Vec<String>,
    branch_labels: Vec<String>,
    depends_on: Vec<String>,
}

#[derive(Deserialize)]
struct Command {
    command: String,
    arg: String,
    error: Option<String>,
    rows: Vec<String>,
}

/// Commands where we deliberately differ (see alembic-core/tests/plan.rs for why); the
/// replay restarts from Alembic's rows after them.
const DEVIATING: &[(&str, usize)] = &[
    ("linear", 19),
    ("branches", 12),
    ("branches", 20),
    ("merge", 4),
    ("two_roots", 0),
    ("depends_on", 11),
    ("depends_on", 12),
];

/// Makes the tables match the version rows, as if the migrations they imply had run:
/// a stamp moves the rows without running anything.
fn sync_tables(conn: &Connection, graph: &RevisionGraph<'_>, rows: &[String]) {
    let current: Vec<usize> = rows.iter().map(|r| graph.get(r).unwrap()).collect();
    let applied = graph.ancestors(&current, true);
    for (i, on) in applied.iter().enumerate() {
        let sql = if *on {
            format!("CREATE TABLE IF NOT EXISTS t{i} (id INTEGER PRIMARY KEY)")
        } else {
            format!("DROP TABLE IF EXISTS t{i}")
        };
        conn.execute_batch(&sql).unwrap();
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn version_rows_and_schema_follow_alembic_through_every_recorded_command() {
    let fixture: Fixture = serde_json::from_str(include_str!(
        "../../../alembic-core/tests/fixtures/alembic.json"
    ))
    .unwrap();
    let mut checked = 0;
    for scenario in &fixture.scenarios {
        let downs: Vec<Vec<&str>> = scenario
            .revisions
            .iter()
            .map(|r| strs(&r.down_revisions))
            .collect();
        let labels: Vec<Vec<&str>> = scenario
            .revisions
            .iter()
            .map(|r| strs(&r.branch_labels))
            .collect();
        let deps: Vec<Vec<&str>> = scenario
            .revisions
            .iter()
            .map(|r| strs(&r.depends_on))
            .collect();
        let specs: Vec<Spec<'_>> = scenario
            .revisions
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    r.revision.as_str(),
                    &downs[i][..],
                    &labels[i][..],
                    &deps[i][..],
                )
            })
            .collect();
        let m = migrations(&specs);
        let graph = m.graph().unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        for (index, cmd) in scenario.commands.iter().enumerate() {
            let context = format!("{} #{index}: {} {}", scenario.name, cmd.command, cmd.arg);
            let outcome = match cmd.command.as_str() {
                "upgrade" => m.upgrade(&mut conn, &cmd.arg),
                "downgrade" => m.downgrade(&mut conn, &cmd.arg),
                _ => m.stamp(&mut conn, &[cmd.arg.as_str()], false),
            };
            if DEVIATING.contains(&(scenario.name.as_str(), index)) {
                m.stamp(&mut conn, &strs(&cmd.rows), true).unwrap();
                sync_tables(&conn, graph, &cmd.rows);
                continue;
            }
            match (&cmd.error, outcome) {
                (Some(_), Ok(ran)) => panic!("{context}: Alembic failed, we ran {ran:?}"),
                (None, Err(e)) => panic!("{context}: Alembic succeeded, we failed: {e}"),
                _ => {}
            }
            let rows = version_rows(&conn).unwrap_or_default();
            assert_eq!(rows, cmd.rows, "{context}: version rows");
            if cmd.command != "stamp" {
                let current: Vec<usize> = rows.iter().map(|r| graph.get(r).unwrap()).collect();
                let applied = graph.ancestors(&current, true);
                let want: Vec<String> = {
                    let mut t: Vec<String> = (0..graph.len())
                        .filter(|&i| applied[i])
                        .map(|i| format!("t{i}"))
                        .collect();
                    if version_rows(&conn).is_some() {
                        t.push("alembic_version".into());
                    }
                    t.sort();
                    t
                };
                assert_eq!(tables(&conn), want, "{context}: tables");
            }
            if cmd.command == "stamp" {
                sync_tables(&conn, graph, &cmd.rows);
            }
            checked += 1;
        }
    }
    assert!(checked > 80, "checked {checked}");
}
