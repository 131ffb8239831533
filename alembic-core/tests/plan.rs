//! Replays the commands recorded from Python Alembic 1.20.1
//! (`tools/alembic-fixtures/generate.py` → `fixtures/alembic.json`) through alembic-core's
//! planner and compares, command by command: the migrations run (as a set: Alembic's order
//! among independent branches comes from hash iteration), the version rows afterwards, and
//! the error message. Each command starts from the rows Alembic had, so one difference
//! cannot hide or cause others.
//!
//! Where we deliberately differ from Alembic, `DEVIATIONS` says how and why.

use alembic_core::graph::{Rev, RevisionGraph, RevisionSource};
use alembic_core::plan;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    alembic: String,
    scenarios: Vec<Scenario>,
}

#[derive(Deserialize)]
struct Scenario {
    name: String,
    revisions: Vec<Revision>,
    commands: Vec<Command>,
}

#[derive(Debug, Deserialize)]
struct Revision {
    revision: String,
    down_revisions: Vec<String>,
    branch_labels: Vec<String>,
    depends_on: Vec<String>,
}

impl RevisionSource for Revision {
    fn revision(&self) -> &str {
        &self.revision
    }
    fn down_revisions(&self) -> impl Iterator<Item = &str> {
        self.down_revisions.iter().map(String::as_str)
    }
    fn branch_labels(&self) -> impl Iterator<Item = &str> {
        self.branch_labels.iter().map(String::as_str)
    }
    fn depends_on(&self) -> impl Iterator<Item = &str> {
        self.depends_on.iter().map(String::as_str)
    }
}

#[derive(Deserialize)]
struct Command {
    command: String,
    arg: String,
    error: Option<String>,
    ran: Vec<String>,
    rows: Vec<String>,
}

/// What we do instead of Alembic, by (scenario, command, argument).
enum Deviation {
    /// We fail with this message where Alembic succeeded or failed differently.
    Error(&'static str),
    /// We end with these rows (sorted).
    Rows(&'static [&'static str]),
}

/// (scenario, command index, command as written, what we do, why)
const DEVIATIONS: &[(&str, usize, &str, Deviation, &str)] = &[
    (
        "linear",
        19,
        "upgrade 1aa",
        Deviation::Error("Can't locate revision identified by '1aa'"),
        "DESIGN §4: a partial id needs at least four characters; Alembic accepts three",
    ),
    (
        "branches",
        12,
        "upgrade 2000",
        Deviation::Error("Multiple revisions start with '2000': '2000aaaaaaaa', '2000bbbbbbbb'"),
        "DESIGN §4: an ambiguous prefix lists its candidates; Alembic's CLI hides them",
    ),
    (
        "branches",
        20,
        "upgrade alpha@3000bbbb",
        Deviation::Error("Revision 3000bbbbbbbb is not a member of branch 'alpha'"),
        "the real reason, which Alembic's CLI replaces with \"Can't locate revision\"",
    ),
    (
        "merge",
        4,
        "downgrade -1",
        Deviation::Error("Ambiguous walk from m3mmmmmmmmmm; name the target revision or use '<branchname>@{+|-}N'"),
        "names where the walk stopped and what to do",
    ),
    (
        "two_roots",
        0,
        "upgrade +1",
        Deviation::Error("Ambiguous walk from base; name the target revision or use '<branchname>@{+|-}N'"),
        "names where the walk stopped and what to do",
    ),
    (
        "depends_on",
        12,
        "downgrade extra@-1",
        Deviation::Error("Relative revision -1 didn't produce 1 migrations"),
        "Alembic crashes with a bare AssertionError; nothing of branch 'extra' is applied",
    ),
    (
        "depends_on",
        11,
        "stamp heads",
        Deviation::Rows(&["n2nnnnnnnnnn", "x1xxxxxxxxxx"]),
        "Alembic replaces every head related to any target, dropping x1 although x1 is itself a target",
    ),
];

fn ids<'a>(graph: &RevisionGraph<'a>, revs: &[Rev]) -> Vec<&'a str> {
    let mut v: Vec<&str> = revs.iter().map(|&r| graph.id(r)).collect();
    v.sort_unstable();
    v
}

#[test]
fn planner_matches_alembic_on_every_recorded_command() {
    let fixture: Fixture =
        serde_json::from_str(include_str!("fixtures/alembic.json")).expect("fixture parses");
    assert_eq!(fixture.alembic, "1.20.1");
    let mut compared = 0;
    let mut deviations_seen = 0;
    for scenario in &fixture.scenarios {
        let graph = RevisionGraph::build(&scenario.revisions).expect("fixture graph is valid");
        let mut rows: Vec<String> = Vec::new();
        for (index, cmd) in scenario.commands.iter().enumerate() {
            let context = format!(
                "{}: {} {} from {:?}",
                scenario.name, cmd.command, cmd.arg, rows
            );
            let current: Vec<Rev> = rows
                .iter()
                .map(|r| graph.get(r).expect("known row"))
                .collect();
            let outcome: Result<(Vec<String>, Vec<&str>), String> = match cmd.command.as_str() {
                "upgrade" => plan::upgrade(&graph, &current, &cmd.arg),
                "downgrade" => plan::downgrade(&graph, &current, &cmd.arg),
                "stamp" => {
                    plan::stamp(&graph, &current, &[cmd.arg.as_str()], false).map(|s| plan::Plan {
                        steps: Vec::new(),
                        heads: s.heads,
                    })
                }
                other => panic!("unknown command {other}"),
            }
            .map(|p| {
                let mut ran: Vec<String> = p
                    .steps
                    .iter()
                    .map(|s| {
                        let dir = match s.direction {
                            plan::Direction::Upgrade => "up",
                            plan::Direction::Downgrade => "down",
                        };
                        format!("{dir} {}", graph.id(s.revision))
                    })
                    .collect();
                ran.sort();
                (ran, ids(&graph, &p.heads))
            })
            .map_err(|e| e.to_string());

            let deviation = DEVIATIONS
                .iter()
                .find(|d| d.0 == scenario.name && d.1 == index);
            if let Some(d) = deviation {
                assert_eq!(
                    d.2,
                    format!("{} {}", cmd.command, cmd.arg),
                    "deviation index"
                );
            }
            match (deviation, &outcome) {
                (Some((.., Deviation::Error(msg), _)), _) => {
                    assert_eq!(
                        outcome.as_ref().err().map(String::as_str),
                        Some(*msg),
                        "{context}"
                    );
                    deviations_seen += 1;
                }
                (Some((.., Deviation::Rows(want), _)), Ok((_, heads))) => {
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

mod properties {
    use super::{ids, Revision};
    use alembic_core::graph::{Rev, RevisionGraph};
    use alembic_core::plan::{self, Plan, RowChange};
    use proptest::prelude::*;

    /// Random DAGs: bases, chains, branch points, merges and depends_on. Generated parents
    /// first, then reversed, since the graph must not depend on input order.
    fn graphs() -> impl Strategy<Value = Vec<Revision>> {
        let node = (
            0u8..10,
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            0u8..10,
        );
        prop::collection::vec(node, 1..24).prop_map(|shape| {
            let mut revs: Vec<Revision> = Vec::new();
            for (i, (kind, a, b, dep)) in shape.into_iter().enumerate() {
                let mut down = Vec::new();
                if i > 0 && kind > 0 {
                    down.push(revs[a.index(i)].revision.clone());
                    let other = revs[b.index(i)].revision.clone();
                    if kind > 7 && !down.contains(&other) {
                        down.push(other);
                    }
                }
                let depends_on = if i > 0 && dep > 7 {
                    vec![revs[b.index(i)].revision.clone()]
                } else {
                    Vec::new()
                };
                revs.push(Revision {
                    revision: format!("r{i:03}abcdef"),
                    down_revisions: down,
                    branch_labels: Vec::new(),
                    depends_on,
                });
            }
            revs.reverse();
            revs
        })
    }

    /// Applies the plan's row changes to a table holding `start`, checking that every UPDATE
    /// and DELETE hits exactly one row and no INSERT duplicates one, as the runtime checks.
    fn replay_rows(
        graph: &RevisionGraph<'_>,
        start: &[Rev],
        plan: &Plan,
    ) -> Result<Vec<Rev>, String> {
        let mut rows = start.to_vec();
        for row in plan.steps.iter().flat_map(|s| &s.rows) {
            match *row {
                RowChange::Insert(r) if rows.contains(&r) => {
                    return Err(format!("duplicate {}", graph.id(r)))
                }
                RowChange::Insert(r) => rows.push(r),
                RowChange::Update { from, .. } | RowChange::Delete(from)
                    if !rows.contains(&from) =>
                {
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
        fn every_target_upgrades_consistently_and_downgrades_to_base(revs in graphs()) {
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
        fn downgrading_to_a_revision_keeps_exactly_its_ancestry_applied(revs in graphs()) {
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
}
