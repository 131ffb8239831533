//! The planner against Python Alembic and against the graph's meaning.
//!
//! `planner_matches_alembic_on_every_recorded_command` replays the commands recorded from
//! Python Alembic 1.20.1 (`tools/alembic-fixtures/generate.py`) and compares, command by
//! command: the migrations run (as a set: Alembic orders independent branches by hash
//! iteration), the version rows afterwards, and the error message. Each command starts from
//! the rows Alembic had, so one difference cannot hide or cause others. Where we deliberately
//! differ, `test_support::DEVIATIONS` says how and why.
//!
//! The property tests check, on random graphs, that plans keep the version table consistent
//! with what has run.

use alembic_core::graph::{Rev, RevisionGraph};
use alembic_core::plan::{self, Direction, Plan, RowChange};
use alembic_core::test_support::{self, Deviation, DEVIATIONS};
use proptest::prelude::*;

fn ids<'a>(graph: &RevisionGraph<'a>, revs: &[Rev]) -> Vec<&'a str> {
    let mut v: Vec<&str> = revs.iter().map(|&r| graph.id(r)).collect();
    v.sort_unstable();
    v
}

#[test]
fn planner_matches_alembic_on_every_recorded_command() {
    let fixture = test_support::alembic_fixture();
    assert_eq!(fixture.alembic, "1.20.1");
    let (mut compared, mut deviations_seen) = (0, 0);
    for scenario in &fixture.scenarios {
        let graph = RevisionGraph::build(&scenario.revisions).expect("fixture graph is valid");
        let mut rows: Vec<String> = Vec::new();
        for (index, cmd) in scenario.commands.iter().enumerate() {
            let context = format!(
                "{} #{index}: {} {} from {rows:?}",
                scenario.name, cmd.command, cmd.arg
            );
            let current: Vec<Rev> = rows
                .iter()
                .map(|r| graph.get(r).expect("known row"))
                .collect();
            let outcome = match cmd.command.as_str() {
                "upgrade" => plan::upgrade(&graph, &current, &cmd.arg),
                "downgrade" => plan::downgrade(&graph, &current, &cmd.arg),
                _ => plan::stamp(&graph, &current, &[cmd.arg.as_str()], false).map(|s| Plan {
                    steps: Vec::new(),
                    heads: s.heads,
                }),
            }
            .map(|p| {
                let mut ran: Vec<String> = p
                    .steps
                    .iter()
                    .map(|s| match s.direction {
                        Direction::Upgrade => format!("up {}", graph.id(s.revision)),
                        Direction::Downgrade => format!("down {}", graph.id(s.revision)),
                    })
                    .collect();
                ran.sort();
                (ran, ids(&graph, &p.heads))
            })
            .map_err(|e| e.to_string());

            match (test_support::deviation(scenario, index), &outcome) {
                (Some(Deviation::Error(msg)), _) => {
                    assert_eq!(
                        outcome.as_ref().err().map(String::as_str),
                        Some(*msg),
                        "{context}"
                    );
                    deviations_seen += 1;
                }
                (Some(Deviation::Rows(want)), Ok((_, heads))) => {
                    assert_eq!(heads, want, "{context}");
                    deviations_seen += 1;
                }
                (Some(_), Err(e)) => panic!("{context}: unexpected error {e}"),
                (None, _) => match &cmd.error {
                    Some(err) => {
                        let want = err.strip_prefix("CommandError: ").unwrap_or(err);
                        assert_eq!(
                            outcome.as_ref().err().map(String::as_str),
                            Some(want),
                            "{context}"
                        );
                    }
                    None => {
                        let (ran, heads) = outcome
                            .as_ref()
                            .unwrap_or_else(|e| panic!("{context}: {e}"));
                        if cmd.command != "stamp" {
                            let mut want_ran = cmd.ran.clone();
                            want_ran.sort();
                            assert_eq!(ran, &want_ran, "{context}: migrations run");
                        }
                        assert_eq!(heads, &cmd.rows, "{context}: version rows");
                    }
                },
            }
            compared += 1;
            rows = cmd.rows.clone();
        }
    }
    assert_eq!(
        deviations_seen,
        DEVIATIONS.len(),
        "every deviation is exercised"
    );
    assert!(compared > 90, "compared {compared} commands");
}

/// Applies the plan's row changes to a table holding `start`, checking that every UPDATE
/// and DELETE hits exactly one row and no INSERT duplicates one, as the runtime checks.
fn replay_rows(graph: &RevisionGraph<'_>, start: &[Rev], plan: &Plan) -> Result<Vec<Rev>, String> {
    let mut rows = start.to_vec();
    for row in plan.steps.iter().flat_map(|s| &s.rows) {
        match *row {
            RowChange::Insert(r) if rows.contains(&r) => {
                return Err(format!("duplicate {}", graph.id(r)))
            }
            RowChange::Insert(r) => rows.push(r),
            RowChange::Update { from, .. } | RowChange::Delete(from) if !rows.contains(&from) => {
                return Err(format!("no row {}", graph.id(from)))
            }
            RowChange::Update { from, to } => rows
                .iter_mut()
                .filter(|r| **r == from)
                .for_each(|r| *r = to),
            RowChange::Delete(r) => rows.retain(|x| *x != r),
        }
    }
    Ok(rows)
}

/// The rows a database must hold once exactly `applied` has run: the applied revisions
/// that no other applied revision builds on.
fn expected_rows(graph: &RevisionGraph<'_>, applied: &[bool]) -> Vec<Rev> {
    let members = graph.members(applied);
    members
        .iter()
        .copied()
        .filter(|&r| {
            !members
                .iter()
                .any(|&o| o != r && graph.is_ancestor(r, o, true))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_target_upgrades_consistently_and_downgrades_to_base(revs in test_support::graphs(24)) {
        let graph = RevisionGraph::build(&revs).expect("generated graphs are valid");
        let all = plan::upgrade(&graph, &[], "heads").unwrap();
        prop_assert_eq!(all.steps.len(), graph.len());
        let mut position = vec![usize::MAX; graph.len()];
        for (i, s) in all.steps.iter().enumerate() {
            position[s.revision] = i;
        }
        for r in 0..graph.len() {
            for &p in graph.down_revisions(r).iter().chain(graph.dependencies(r)) {
                prop_assert!(position[p] < position[r], "{} runs before its parent {}", graph.id(r), graph.id(p));
            }
        }
        for target in graph.ids() {
            let up = plan::upgrade(&graph, &[], target).unwrap();
            let rows = replay_rows(&graph, &[], &up).map_err(TestCaseError::fail)?;
            prop_assert_eq!(ids(&graph, &rows), ids(&graph, &up.heads));
            let applied = graph.ancestors(&[graph.get(target).unwrap()], true);
            prop_assert_eq!(ids(&graph, &up.heads), ids(&graph, &expected_rows(&graph, &applied)));

            let rest = plan::upgrade(&graph, &up.heads, "heads").unwrap();
            let rows = replay_rows(&graph, &up.heads, &rest).map_err(TestCaseError::fail)?;
            prop_assert_eq!(ids(&graph, &rows), ids(&graph, &all.heads));

            let down = plan::downgrade(&graph, &up.heads, "base").unwrap();
            prop_assert_eq!(down.steps.len(), up.steps.len(), "downgrade undoes exactly what ran");
            let rows = replay_rows(&graph, &up.heads, &down).map_err(TestCaseError::fail)?;
            prop_assert!(rows.is_empty(), "rows left after downgrade base: {:?}", ids(&graph, &rows));
        }
    }

    #[test]
    fn downgrading_to_a_revision_keeps_exactly_its_ancestry_applied(revs in test_support::graphs(24)) {
        let graph = RevisionGraph::build(&revs).expect("generated graphs are valid");
        let all = plan::upgrade(&graph, &[], "heads").unwrap();
        for target in graph.ids() {
            let t = graph.get(target).unwrap();
            let down = plan::downgrade(&graph, &all.heads, target).unwrap();
            let rows = replay_rows(&graph, &all.heads, &down).map_err(TestCaseError::fail)?;
            let mut applied = vec![true; graph.len()];
            for s in &down.steps {
                applied[s.revision] = false;
            }
            prop_assert!(applied[t], "{} itself stays applied", target);
            let undone = graph.descendants(graph.children(t), true);
            for (r, &undone) in undone.iter().enumerate() {
                prop_assert_eq!(applied[r], !undone, "{} after downgrade {}", graph.id(r), target);
            }
            prop_assert_eq!(ids(&graph, &rows), ids(&graph, &expected_rows(&graph, &applied)));
        }
    }
}
