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

use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::plan::{self, Direction, Plan, RowChange};
use alembic_core::test_support::{self, Deviation, DEVIATIONS, DEVIATION_RULES};
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
    let mut mismatches = Vec::new();
    let mut rules_seen = vec![0; DEVIATION_RULES.len()];
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
            let as_ids = |revs: &[Rev]| -> Vec<String> {
                revs.iter().map(|&r| graph.id(r).to_owned()).collect()
            };
            let targets: Vec<&str> = cmd.arg.split_whitespace().collect();
            let planned = match cmd.command.as_str() {
                "upgrade" => plan::upgrade(&graph, &current, &cmd.arg),
                "downgrade" => plan::downgrade(&graph, &current, &cmd.arg),
                "history" => graph.history_range(&cmd.arg, &current).map(|listed| Plan {
                    // The listed revisions stand in for the steps; nothing changes.
                    steps: Vec::new(),
                    heads: listed,
                }),
                _ => plan::stamp(&graph, &current, &targets, false).map(|s| Plan {
                    steps: Vec::new(),
                    heads: s.heads,
                }),
            };
            let outcome: test_support::Outcome = planned
                .map(|p| {
                    if cmd.command == "history" {
                        return (as_ids(&p.heads), rows.clone());
                    }
                    let ran: Vec<String> = p
                        .steps
                        .iter()
                        .map(|s| match s.direction {
                            Direction::Upgrade => format!("up {}", graph.id(s.revision)),
                            Direction::Downgrade => format!("down {}", graph.id(s.revision)),
                        })
                        .collect();
                    let rows = ids(&graph, &p.heads)
                        .into_iter()
                        .map(str::to_owned)
                        .collect();
                    (ran, rows)
                })
                .map_err(|e| e.to_string());

            let problem = match (test_support::deviation(scenario, index), &outcome) {
                (Some(Deviation::Error(msg)), _) => {
                    deviations_seen += 1;
                    (outcome.as_ref().err().map(String::as_str) != Some(*msg))
                        .then(|| format!("want the deviation's error {msg:?}, got {outcome:?}"))
                }
                (Some(Deviation::Rows(want)), Ok((_, heads))) => {
                    deviations_seen += 1;
                    (heads != want)
                        .then(|| format!("want the deviation's rows {want:?}, got {heads:?}"))
                }
                (Some(_), Err(e)) => Some(format!("unexpected error {e}")),
                (None, _) => match &cmd.error {
                    Some(err) => {
                        let want = err.strip_prefix("CommandError: ").unwrap_or(err);
                        (outcome.as_ref().err().map(String::as_str) != Some(want))
                            .then(|| format!("Alembic: {err}; we: {outcome:?}"))
                    }
                    None => match &outcome {
                        Err(e) => Some(format!(
                            "Alembic ran {:?} to {:?}; we: {e}",
                            cmd.ran, cmd.rows
                        )),
                        Ok((ran, heads)) => {
                            let ran_ok = cmd.command == "stamp" || ran == &cmd.ran;
                            (!ran_ok || heads != &cmd.rows).then(|| {
                                format!(
                                    "Alembic ran {:?} to {:?}; we ran {ran:?} to {heads:?}",
                                    cmd.ran, cmd.rows
                                )
                            })
                        }
                    },
                },
            };
            if let Some(problem) = problem {
                match DEVIATION_RULES
                    .iter()
                    .position(|r| (r.applies)(cmd, &outcome))
                {
                    Some(rule) => rules_seen[rule] += 1,
                    None => mismatches.push(format!("{context}: {problem}")),
                }
            }
            compared += 1;
            rows = cmd.rows.clone();
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {compared} commands differ from Alembic:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(
        deviations_seen,
        DEVIATIONS.len(),
        "every deviation is exercised"
    );
    for (rule, seen) in DEVIATION_RULES.iter().zip(rules_seen) {
        assert!(seen > 0, "deviation rule {} explains no command", rule.name);
    }
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
            let down = match plan::downgrade(&graph, &all.heads, target) {
                Ok(down) => down,
                // Alembic's refusal: a revision applied only as a dependency, which no
                // head has as a parent, is no point to bring the database down to.
                Err(alembic_core::RevisionError::NotDowngradeTarget(_)) => {
                    prop_assert!(!graph.ancestors(&all.heads, false)[t], "{} is below a head", target);
                    continue;
                }
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            };
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
