//! The runtime on real databases against Python Alembic and against the graph's meaning:
//! after every command the version rows must be Alembic's, and the tables present exactly
//! those of the migrations the rows imply.

use alembic_core::revision::graph::RevisionHeader;
use alembic_core::test_support;
use alembic_runtime::{Migrations, RevisionGraph};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::common::{migrations, Spec};
use crate::db::{on_both, Db};

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
fn sync_tables(db: &mut impl Db, graph: &RevisionGraph<'_>, rows: &[String]) {
    // The migrations' log, which their downgrades write to.
    db.execute("CREATE TABLE IF NOT EXISTS runs (migration INTEGER, direction TEXT)");
    let current: Vec<usize> = rows.iter().map(|r| graph.get(r).unwrap()).collect();
    let applied = graph.ancestors(&current, true);
    for (i, on) in applied.iter().enumerate() {
        let sql = if *on {
            format!("CREATE TABLE IF NOT EXISTS t{i} (id INTEGER PRIMARY KEY)")
        } else {
            format!("DROP TABLE IF EXISTS t{i}")
        };
        db.execute(&sql);
    }
}

on_both! {
    version_rows_and_schema_follow_alembic_through_every_recorded_command: follow_alembic;
    upgrading_to_any_target_and_back_to_base_leaves_an_empty_schema: any_target_and_back;
}

fn follow_alembic(db: &mut impl Db) {
    let mut checked = 0;
    for scenario in &test_support::alembic_fixture().scenarios {
        let m = migrations_for(&scenario.revisions);
        let graph = m.graph().unwrap();
        db.reset();
        for (index, cmd) in scenario.commands.iter().enumerate() {
            let context = format!("{} #{index}: {} {}", scenario.name, cmd.command, cmd.arg);
            if cmd.command == "history" {
                // Listing changes nothing; alembic-core's replay compares what it lists.
                continue;
            }
            let outcome = match cmd.command.as_str() {
                "upgrade" => m.upgrade(db.db(), &cmd.arg),
                "downgrade" => m.downgrade(db.db(), &cmd.arg),
                _ => m.stamp(
                    db.db(),
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
                    db.version_rows().unwrap_or_default(),
                )),
                Err(e) => Err(e.to_string()),
            };
            let explained = test_support::DEVIATION_RULES
                .iter()
                .any(|rule| (rule.applies)(cmd, &ours));
            if test_support::deviation(scenario, index).is_some() || explained {
                // Checked in alembic-core's replay; continue from where Alembic was.
                m.stamp(db.db(), &strs(&cmd.rows), true).unwrap();
                sync_tables(db, graph, &cmd.rows);
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
            let rows = db.version_rows();
            assert_eq!(
                rows.clone().unwrap_or_default(),
                cmd.rows,
                "{context}: version rows"
            );
            if cmd.command == "stamp" {
                sync_tables(db, graph, &cmd.rows);
            } else {
                assert_eq!(
                    db.tables(),
                    implied_tables(graph, &cmd.rows, rows.is_some()),
                    "{context}: tables"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 80, "checked {checked}");
}

/// Every target of random graphs (proptest's shrinking included), on one database that is
/// emptied between graphs.
fn any_target_and_back(db: &mut impl Db) {
    let mut runner = TestRunner::new(Config::with_cases(db.cases(48)));
    let db = std::cell::RefCell::new(db);
    runner
        .run(&test_support::graphs(16), |revs| {
            let db = &mut **db.borrow_mut();
            let m = migrations_for(&revs);
            let graph = m.graph().unwrap();
            // Each target ends at base, where the next begins.
            db.reset();
            for target in graph.ids() {
                m.upgrade(db.db(), target).unwrap();
                let rows = db.version_rows().unwrap();
                prop_assert_eq!(db.tables(), implied_tables(graph, &rows, true));
                m.upgrade(db.db(), "heads").unwrap();
                let rows = db.version_rows().unwrap();
                prop_assert_eq!(db.tables(), implied_tables(graph, &rows, true));
                m.downgrade(db.db(), "base").unwrap();
                prop_assert_eq!(db.tables(), ["alembic_version"]);
                prop_assert_eq!(db.version_rows().unwrap(), Vec::<String>::new());
            }
            Ok(())
        })
        .unwrap();
}
