//! The runtime on real databases against Python Alembic and against the graph's meaning:
//! after every command the version rows must be Alembic's, and the tables present exactly
//! those of the migrations the rows imply.

use alembic_core::revision::graph::RevisionHeader;
use alembic_core::test_support;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{Migrations, RevisionGraph};
use proptest::prelude::*;

use crate::common::{migrations, tables, version_rows, Spec};

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A leaked migration list for the revisions: migration `i` manages table `t<i>`.
fn migrations_for(revisions: &[RevisionHeader]) -> &'static Migrations {
    let downs: Vec<Vec<&str>> = revisions.iter().map(|r| strs(&r.down_revisions)).collect();
    let labels: Vec<Vec<&str>> = revisions.iter().map(|r| strs(&r.branch_labels)).collect();
    let deps: Vec<Vec<&str>> = revisions.iter().map(|r| strs(&r.depends_on)).collect();
    let specs: Vec<Spec<'_>> = revisions
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
    migrations(&specs)
}

/// The tables a database at `rows` must hold.
fn implied_tables(
    graph: &RevisionGraph<'_>,
    rows: &[String],
    with_version_table: bool,
) -> Vec<String> {
    let current: Vec<usize> = rows.iter().map(|r| graph.get(r).unwrap()).collect();
    let applied = graph.ancestors(&current, true);
    let mut tables: Vec<String> = (0..graph.len())
        .filter(|&i| applied[i])
        .map(|i| format!("t{i}"))
        .collect();
    if with_version_table {
        tables.push("alembic_version".into());
    }
    tables.sort();
    tables
}

/// Makes the tables match the version rows, as if the migrations they imply had run:
/// a stamp moves the rows without running anything.
fn sync_tables(conn: &Connection, graph: &RevisionGraph<'_>, rows: &[String]) {
    // The migrations' log, which their downgrades write to.
    conn.execute_batch("CREATE TABLE IF NOT EXISTS runs (migration INTEGER, direction TEXT)")
        .unwrap();
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

#[test]
fn version_rows_and_schema_follow_alembic_through_every_recorded_command() {
    let mut checked = 0;
    for scenario in &test_support::alembic_fixture().scenarios {
        let m = migrations_for(&scenario.revisions);
        let graph = m.graph().unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        for (index, cmd) in scenario.commands.iter().enumerate() {
            let context = format!("{} #{index}: {} {}", scenario.name, cmd.command, cmd.arg);
            if cmd.command == "history" {
                // Listing changes nothing; alembic-core's replay compares what it lists.
                continue;
            }
            let outcome = match cmd.command.as_str() {
                "upgrade" => m.upgrade(&mut conn, &cmd.arg),
                "downgrade" => m.downgrade(&mut conn, &cmd.arg),
                _ => m.stamp(
                    &mut conn,
                    &cmd.arg.split_whitespace().collect::<Vec<_>>(),
                    false,
                ),
            };
            let step = if cmd.command == "downgrade" {
                "down"
            } else {
                "up"
            };
            let ours: test_support::Outcome = match &outcome {
                Ok(ran) => Ok((
                    ran.iter().map(|r| format!("{step} {r}")).collect(),
                    version_rows(&conn).unwrap_or_default(),
                )),
                Err(e) => Err(e.to_string()),
            };
            let explained = test_support::DEVIATION_RULES
                .iter()
                .any(|rule| (rule.applies)(cmd, &ours));
            if test_support::deviation(scenario, index).is_some() || explained {
                // Checked in alembic-core's replay; continue from where Alembic was.
                m.stamp(&mut conn, &strs(&cmd.rows), true).unwrap();
                sync_tables(&conn, graph, &cmd.rows);
                continue;
            }
            match (&cmd.error, &ours) {
                (Some(_), Ok(ran)) => panic!("{context}: Alembic failed, we ran {ran:?}"),
                (None, Err(e)) => panic!("{context}: Alembic succeeded, we failed: {e}"),
                (None, Ok((ran, _))) if cmd.command != "stamp" => {
                    assert_eq!(ran, &cmd.ran, "{context}: migrations run, in order");
                }
                _ => {}
            }
            let rows = version_rows(&conn);
            assert_eq!(
                rows.clone().unwrap_or_default(),
                cmd.rows,
                "{context}: version rows"
            );
            if cmd.command == "stamp" {
                sync_tables(&conn, graph, &cmd.rows);
            } else {
                assert_eq!(
                    tables(&conn),
                    implied_tables(graph, &cmd.rows, rows.is_some()),
                    "{context}: tables"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 80, "checked {checked}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn upgrading_to_any_target_and_back_to_base_leaves_an_empty_schema(revs in test_support::graphs(16)) {
        let m = migrations_for(&revs);
        let graph = m.graph().unwrap();
        for target in graph.ids() {
            let mut conn = Connection::open_in_memory().unwrap();
            m.upgrade(&mut conn, target).unwrap();
            let rows = version_rows(&conn).unwrap();
            prop_assert_eq!(tables(&conn), implied_tables(graph, &rows, true));
            m.upgrade(&mut conn, "heads").unwrap();
            let rows = version_rows(&conn).unwrap();
            prop_assert_eq!(tables(&conn), implied_tables(graph, &rows, true));
            m.downgrade(&mut conn, "base").unwrap();
            prop_assert_eq!(tables(&conn), ["alembic_version"]);
            prop_assert_eq!(version_rows(&conn).unwrap(), Vec::<String>::new());
        }
    }
}
