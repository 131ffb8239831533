//! Which migrations an upgrade, downgrade or stamp runs, in which order, and how the rows
//! of `alembic_version` change at each step — Alembic's semantics, computed without a
//! database so that the runtime, the `--sql` output and the CLI agree.
//!
//! The version table holds one row per current head. An upgrade step INSERTs a row when it
//! starts a new branch, UPDATEs its parent's row in a straight line, and DELETEs all but one
//! parent row then UPDATEs the last when it merges; a downgrade step mirrors that. A
//! dependency that another stored revision already implies is never stored.

use crate::revision::graph::{Rev, RevisionGraph};
use crate::revision::resolve::{Position, Relative};
use crate::RevisionError;

/// Upgrade or downgrade; displayed as Alembic's log lines spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Running `upgrade` functions.
    Upgrade,
    /// Running `downgrade` functions.
    Downgrade,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        })
    }
}

/// One change to the version table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowChange {
    /// `INSERT INTO alembic_version (version_num) VALUES (rev)`.
    Insert(Rev),
    /// `UPDATE alembic_version SET version_num = to WHERE version_num = from`.
    Update {
        /// The row's revision before.
        from: Rev,
        /// The row's revision after.
        to: Rev,
    },
    /// `DELETE FROM alembic_version WHERE version_num = rev`.
    Delete(Rev),
}

/// One migration to run and its effect on the version table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The migration whose function runs.
    pub revision: Rev,
    /// Which of its functions.
    pub direction: Direction,
    /// For log lines (`a, b -> m`), as Alembic writes them: the parents of an upgraded
    /// revision (not its dependencies), or the downgraded revision.
    pub from: Vec<Rev>,
    /// For log lines: the upgraded revision, or the parents of the downgraded one.
    pub to: Vec<Rev>,
    /// Version-table changes, in order.
    pub rows: Vec<RowChange>,
}

/// The steps of an upgrade or downgrade and the heads it ends at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Steps in execution order.
    pub steps: Vec<Step>,
    /// The version rows after the last step.
    pub heads: Vec<Rev>,
}

impl Plan {
    /// Ids of the migrations the plan runs, in order.
    pub fn revisions<'a>(&self, graph: &RevisionGraph<'a>) -> Vec<&'a str> {
        self.steps.iter().map(|s| graph.id(s.revision)).collect()
    }

    /// Whether the plan runs nothing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// The version-table changes of a stamp.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StampPlan {
    /// Changes, deletions first.
    pub rows: Vec<RowChange>,
    /// The version rows afterwards.
    pub heads: Vec<Rev>,
    /// What Alembic logs, one `Running stamp_revision from -> to` line per entry: for each
    /// target not already stored, the stored heads it replaces; for `base`, each head it
    /// clears.
    pub steps: Vec<(Vec<Rev>, Vec<Rev>)>,
}

/// Plans `upgrade <target>` from the revisions in the version table.
///
/// Runs every ancestor of the target (dependencies included) that is not already an
/// ancestor of a current head, parents first. A target below the current heads is a no-op.
///
/// # Errors
/// Resolution errors, and relative moves that walk off the graph.
pub fn upgrade(
    graph: &RevisionGraph<'_>,
    current: &[Rev],
    target: &str,
) -> Result<Plan, RevisionError> {
    let targets = upgrade_targets(graph, current, target)?;
    let required = graph.ancestors(&targets, true);
    let done = graph.ancestors(current, true);
    let todo: Vec<bool> = required.iter().zip(&done).map(|(&r, &d)| r && !d).collect();
    let mut needs = graph.walk_order(todo, &targets);
    needs.reverse();
    Ok(run_steps(graph, current, needs, Direction::Upgrade))
}

/// Plans `downgrade <target>` from the revisions in the version table.
///
/// Undoes every applied descendant (dependents included) of the target's children,
/// children first; with `label@…` only that branch's.
///
/// # Errors
/// Resolution errors, relative moves that walk off the graph, and a target that is not
/// below the current heads.
pub fn downgrade(
    graph: &RevisionGraph<'_>,
    current: &[Rev],
    target: &str,
) -> Result<Plan, RevisionError> {
    let (branch, dest) = downgrade_target(graph, current, target)?;
    let roots: Vec<Rev> = match dest {
        Position::Base => graph.bases().to_vec(),
        Position::At(r) => graph.children(r).to_vec(),
    };
    let roots = match branch {
        Some(b) if roots.len() > 1 => {
            let on_branch = graph.ancestors(&[b], false);
            let roots: Vec<Rev> = roots.into_iter().filter(|&r| on_branch[r]).collect();
            if roots.is_empty() {
                return Err(RevisionError::NotDowngradeTargetOnBranch);
            }
            roots
        }
        _ => roots,
    };
    let undo = graph.descendants(&roots, true);
    let applied = graph.ancestors(current, true);
    let todo: Vec<bool> = undo.iter().zip(&applied).map(|(&u, &a)| u && a).collect();
    let needs = graph.walk_order(todo, current);
    if let Position::At(d) = dest {
        // A target that is applied only as another revision's dependency is not a point
        // the database can be brought down to (Alembic's refusal).
        let below_a_head = graph.ancestors(current, false);
        if needs.is_empty() && !current.contains(&d) && !below_a_head[d] {
            return Err(RevisionError::NotDowngradeTarget(target.to_owned()));
        }
    }
    Ok(run_steps(graph, current, needs, Direction::Downgrade))
}

/// Plans `stamp <targets…>`: the version rows change as if the migrations between had run.
///
/// A current head related to a target (ancestor or descendant) is replaced by it; unrelated
/// heads stay; `base` removes the heads it is given with; `purge` starts from an empty table.
///
/// # Errors
/// Resolution errors, `head` with several heads, and targets where one is an ancestor of
/// another (Alembic would store both).
pub fn stamp(
    graph: &RevisionGraph<'_>,
    current: &[Rev],
    targets: &[&str],
    purge: bool,
) -> Result<StampPlan, RevisionError> {
    let mut dests = Vec::new();
    for t in targets {
        let mut revs = graph.resolve(t).map_err(|e| match e {
            RevisionError::MultipleHeads(_) => RevisionError::MultipleHeadsStamp,
            e => e,
        })?;
        // `heads` in Alembic's file order, which is id order.
        revs.sort_by_key(|&r| graph.id(r));
        for r in revs {
            if !dests.contains(&r) {
                dests.push(r);
            }
        }
    }
    for &a in &dests {
        for &d in &dests {
            if a != d && graph.is_ancestor(a, d, true) {
                return Err(RevisionError::StampAncestor {
                    ancestor: graph.id(a).to_owned(),
                    descendant: graph.id(d).to_owned(),
                });
            }
        }
    }
    let start: &[Rev] = if purge { &[] } else { current };
    // `base` clears every head; `label@base` only the heads on that branch.
    let mut clears_all = false;
    let mut cleared_branches = Vec::new();
    for t in targets {
        match t.strip_suffix("@base") {
            Some(label) => cleared_branches.push(graph.resolve_branch(label)?),
            None if *t == "base" => clears_all = true,
            None => {}
        }
    }
    let mut heads: Vec<Rev> = start
        .iter()
        .copied()
        .filter(|&h| {
            let related = dests
                .iter()
                .any(|&d| graph.is_ancestor(h, d, true) || graph.is_ancestor(d, h, true));
            let cleared =
                clears_all || cleared_branches.iter().any(|&b| graph.shares_lineage(h, b));
            !related && !cleared
        })
        .collect();
    // Alembic reads the stored heads in the version table's key order, which is id order.
    let mut stored = start.to_vec();
    stored.sort_by_key(|&r| graph.id(r));
    let mut steps: Vec<(Vec<Rev>, Vec<Rev>)> = stored
        .iter()
        .filter(|&&h| clears_all || cleared_branches.iter().any(|&b| graph.shares_lineage(h, b)))
        .map(|&h| (vec![h], Vec::new()))
        .collect();
    for &d in dests.iter().filter(|d| !stored.contains(d)) {
        let replaced: Vec<Rev> = stored
            .iter()
            .copied()
            .filter(|&h| graph.is_ancestor(h, d, true) || graph.is_ancestor(d, h, true))
            .collect();
        steps.push((replaced, vec![d]));
    }
    heads.extend(dests);
    let heads = normalize(graph, heads);
    let mut rows: Vec<RowChange> = current
        .iter()
        .filter(|h| purge || !heads.contains(h))
        .map(|&h| RowChange::Delete(h))
        .collect();
    rows.extend(
        heads
            .iter()
            .filter(|h| purge || !current.contains(h))
            .map(|&h| RowChange::Insert(h)),
    );
    Ok(StampPlan { rows, heads, steps })
}

/// Drops every head that another head implies.
fn normalize(graph: &RevisionGraph<'_>, heads: Vec<Rev>) -> Vec<Rev> {
    heads
        .iter()
        .copied()
        .filter(|&h| {
            !heads
                .iter()
                .any(|&o| o != h && graph.is_ancestor(h, o, true))
        })
        .collect()
}

fn upgrade_targets(
    graph: &RevisionGraph<'_>,
    current: &[Rev],
    target: &str,
) -> Result<Vec<Rev>, RevisionError> {
    let Some(rel) = Relative::parse(target) else {
        return graph.resolve(target);
    };
    let too_far = || RevisionError::RelativeTooFar {
        relative: rel.written.to_owned(),
        count: rel.steps.unsigned_abs(),
    };
    let branch = rel.label.map(|l| graph.resolve_branch(l)).transpose()?;
    let start = match rel.symbol {
        Some(symbol) => {
            let symbol = match rel.label {
                Some(label) if rel.steps < 0 => format!("{label}@{symbol}"),
                _ => symbol.to_owned(),
            };
            Some(
                graph
                    .resolve_one(&symbol)?
                    .map_or(Position::Base, Position::At),
            )
        }
        None if rel.steps <= 0 => return Err(too_far()),
        None => {
            let mut starts = match branch {
                Some(b) => graph.on_lineage(current, b),
                None => current.to_vec(),
            };
            if let (Some(b), true) = (branch, starts.is_empty()) {
                starts = branch_tips(graph, current, b);
            }
            match starts.as_slice() {
                [] => None,
                [one] => Some(Position::At(*one)),
                _ => return Err(RevisionError::AmbiguousUpgrade),
            }
        }
    };
    match graph.walk(start, rel.steps, branch)? {
        Some(Position::At(r)) => Ok(vec![r]),
        Some(Position::Base) => Ok(Vec::new()),
        None => Err(too_far()),
    }
}

/// The applied revisions on `branch` that nothing applied on it builds on: where a
/// relative upgrade of a branch that is not a current head starts.
fn branch_tips(graph: &RevisionGraph<'_>, current: &[Rev], branch: Rev) -> Vec<Rev> {
    let applied = graph.ancestors(current, true);
    let on_branch: Vec<Rev> = graph.on_lineage(&graph.members(&applied), branch);
    on_branch
        .iter()
        .copied()
        .filter(|&r| {
            !on_branch
                .iter()
                .any(|&o| graph.normalized_down_revisions(o).contains(&r))
        })
        .collect()
}

fn downgrade_target(
    graph: &RevisionGraph<'_>,
    current: &[Rev],
    target: &str,
) -> Result<(Option<Rev>, Position), RevisionError> {
    let Some(rel) = Relative::parse(target) else {
        let branch = match target.split_once('@') {
            Some((label, _)) => Some(graph.resolve_branch(label)?),
            None => None,
        };
        let dest = graph
            .resolve_one(target)?
            .map_or(Position::Base, Position::At);
        return Ok((branch, dest));
    };
    let too_far = || RevisionError::RelativeTooFar {
        relative: rel.written.to_owned(),
        count: rel.steps.unsigned_abs(),
    };
    let branch = rel.label.map(|l| graph.resolve_branch(l)).transpose()?;
    if rel.steps >= 0 {
        let Some(symbol) = rel.symbol else {
            return Err(too_far());
        };
        let start = graph
            .resolve_one(symbol)?
            .map_or(Position::Base, Position::At);
        return match graph.walk(Some(start), rel.steps, branch)? {
            Some(dest) => Ok((branch, dest)),
            None => Err(RevisionError::WalkedTooFar),
        };
    }
    let (branch, start) = match rel.symbol {
        Some(symbol) => {
            let qualified = match rel.label {
                Some(label) => format!("{label}@{symbol}"),
                None => symbol.to_owned(),
            };
            let start = graph
                .resolve_one(&qualified)?
                .map_or(Position::Base, Position::At);
            (branch, start)
        }
        None => {
            let on_branch = match (branch, rel.label) {
                (Some(b), Some(label)) => {
                    let mut on = graph.on_lineage(current, b);
                    if on.is_empty() {
                        // No current head is on the branch: its applied tip, if any of it
                        // is applied (a revision below its branch point is not).
                        let applied = graph.ancestors(current, true);
                        let members = graph.members(&applied);
                        on = normalize(
                            graph,
                            members
                                .into_iter()
                                .filter(|&r| on_branch(graph, r, label, b))
                                .collect(),
                        );
                    }
                    on
                }
                _ => current.to_vec(),
            };
            match on_branch.as_slice() {
                [] => return Err(too_far()),
                [one] => {
                    if let (Some(b), Some(label)) = (branch, rel.label) {
                        if !stays_on_branch(graph, *one, rel.steps, label, b) {
                            return Err(too_far());
                        }
                    }
                    (Some(branch.unwrap_or(*one)), Position::At(*one))
                }
                _ => return Err(RevisionError::AmbiguousDowngrade(rel.written.to_owned())),
            }
        }
    };
    match graph.walk(Some(start), rel.steps, None)? {
        Some(dest) => Ok((branch, dest)),
        None if rel.symbol.is_none() => Err(too_far()),
        None => Err(RevisionError::WalkedTooFar),
    }
}

/// Whether `rev` belongs to the branch `label` names (`branch` is what it resolves to): the
/// revisions that carry the label, or, for a revision id used as a branch, its lineage.
fn on_branch(graph: &RevisionGraph<'_>, rev: Rev, label: &str, branch: Rev) -> bool {
    if graph.label_owner(label).is_some() {
        graph.branch_labels(rev).contains(&label)
    } else {
        graph.shares_lineage(rev, branch)
    }
}

/// Whether reverting `steps` revisions down from `start` reverts only revisions of the
/// branch: `label@-N` walks that branch and never the line below its branch point, which
/// other branches share.
fn stays_on_branch(
    graph: &RevisionGraph<'_>,
    start: Rev,
    steps: i64,
    label: &str,
    branch: Rev,
) -> bool {
    let mut at = start;
    for _ in 0..steps.unsigned_abs() {
        if !on_branch(graph, at, label, branch) {
            return false;
        }
        match graph.down_revisions(at) {
            [parent] => at = *parent,
            // A root or a merge: the plain walk reports walking past either.
            _ => return true,
        }
    }
    true
}

fn run_steps(
    graph: &RevisionGraph<'_>,
    current: &[Rev],
    revs: Vec<Rev>,
    direction: Direction,
) -> Plan {
    let mut heads = current.to_vec();
    let steps = revs
        .into_iter()
        .map(|r| match direction {
            Direction::Upgrade => upgrade_step(graph, &mut heads, r),
            Direction::Downgrade => downgrade_step(graph, &mut heads, r),
        })
        .collect();
    Plan { steps, heads }
}

/// Ancestors (dependencies included) of every head except `except`.
fn implied_by_others(graph: &RevisionGraph<'_>, heads: &[Rev], except: &[Rev]) -> Vec<bool> {
    let others: Vec<Rev> = heads
        .iter()
        .copied()
        .filter(|h| !except.contains(h))
        .collect();
    graph.ancestors(&others, true)
}

fn upgrade_step(graph: &RevisionGraph<'_>, heads: &mut Vec<Rev>, rev: Rev) -> Step {
    let down = graph.normalized_down_revisions(rev);
    let present: Vec<Rev> = down.iter().copied().filter(|d| heads.contains(d)).collect();
    let rows = if present.is_empty() {
        vec![RowChange::Insert(rev)]
    } else if present.len() > 1 {
        let implied = implied_by_others(graph, heads, down);
        let mut from: Vec<Rev> = present.iter().copied().filter(|&p| !implied[p]).collect();
        if from.is_empty() {
            from = present;
        }
        let last = from.pop().expect("at least one parent row is present");
        let mut rows: Vec<RowChange> = from.into_iter().map(RowChange::Delete).collect();
        rows.push(RowChange::Update {
            from: last,
            to: rev,
        });
        rows
    } else {
        vec![RowChange::Update {
            from: present[0],
            to: rev,
        }]
    };
    apply(heads, &rows);
    Step {
        revision: rev,
        direction: Direction::Upgrade,
        from: graph.down_revisions(rev).to_vec(),
        to: vec![rev],
        rows,
    }
}

fn downgrade_step(graph: &RevisionGraph<'_>, heads: &mut Vec<Rev>, rev: Rev) -> Step {
    let down = graph.normalized_down_revisions(rev);
    let rows = if heads.contains(&rev) {
        let implied = implied_by_others(graph, heads, &[rev]);
        // A dependency that is also an ancestor of another parent is implied by it: storing
        // both would record a revision together with its own ancestor.
        let mut to = normalize(
            graph,
            down.iter().copied().filter(|&d| !implied[d]).collect(),
        );
        match to.pop() {
            None => vec![RowChange::Delete(rev)],
            Some(last) => {
                let mut rows: Vec<RowChange> = to.into_iter().map(RowChange::Insert).collect();
                rows.push(RowChange::Update {
                    from: rev,
                    to: last,
                });
                rows
            }
        }
    } else {
        // Only reachable for a revision whose row another head implies; Alembic would fail
        // its one-row UPDATE here, while leaving the rows alone is what the graph means.
        Vec::new()
    };
    apply(heads, &rows);
    Step {
        revision: rev,
        direction: Direction::Downgrade,
        from: vec![rev],
        to: graph.down_revisions(rev).to_vec(),
        rows,
    }
}

fn apply(heads: &mut Vec<Rev>, rows: &[RowChange]) {
    for row in rows {
        match *row {
            RowChange::Insert(r) => heads.push(r),
            RowChange::Delete(r) => heads.retain(|&h| h != r),
            RowChange::Update { from, to } => {
                for h in heads.iter_mut().filter(|h| **h == from) {
                    *h = to;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revision::graph::RevisionSpec;

    fn names<'a>(g: &RevisionGraph<'a>, revs: &[Rev]) -> Vec<&'a str> {
        let mut v: Vec<&str> = revs.iter().map(|&r| g.id(r)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn merge_step_deletes_one_parent_row_and_updates_the_other() {
        let specs = [
            RevisionSpec::new("r1", &[]),
            RevisionSpec::new("a2", &["r1"]),
            RevisionSpec::new("b2", &["r1"]),
            RevisionSpec::new("m3", &["a2", "b2"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        let current = [g.get("a2").unwrap(), g.get("b2").unwrap()];
        let plan = upgrade(&g, &current, "head").unwrap();
        assert_eq!(plan.revisions(&g), ["m3"]);
        assert_eq!(
            plan.steps[0].rows,
            [
                RowChange::Delete(g.get("a2").unwrap()),
                RowChange::Update {
                    from: g.get("b2").unwrap(),
                    to: g.get("m3").unwrap()
                }
            ]
        );
        let back = downgrade(&g, &plan.heads, "-1");
        assert_eq!(
            back.unwrap_err().to_string(),
            "Ambiguous walk from m3; name the target revision or use '<branchname>@{+|-}N'"
        );
        let back = downgrade(&g, &plan.heads, "a2").unwrap();
        assert_eq!(names(&g, &back.heads), ["a2", "b2"]);
    }

    #[test]
    fn a_dependency_implied_by_a_stored_head_is_not_stored() {
        let specs = [
            RevisionSpec::new("c1", &[]),
            RevisionSpec::new("c2", &["c1"]),
            RevisionSpec::new("n1", &[]).labels(&["net"]),
            RevisionSpec::new("n2", &["n1"]).depends(&["c2"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        let plan = upgrade(&g, &[], "n2").unwrap();
        assert_eq!(plan.revisions(&g), ["c1", "c2", "n1", "n2"]);
        assert_eq!(names(&g, &plan.heads), ["n2"]);
        // Alembic's "Running upgrade n1 -> n2" names the parent, not the dependency.
        assert_eq!(names(&g, &plan.steps[3].from), ["n1"]);
    }

    #[test]
    fn relative_moves_past_the_ends_are_errors_not_crashes() {
        let specs = [
            RevisionSpec::new("aaaa", &[]),
            RevisionSpec::new("bbbb", &["aaaa"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        let head = [g.get("bbbb").unwrap()];
        let msg = |r: Result<Plan, RevisionError>| r.unwrap_err().to_string();
        assert_eq!(
            msg(upgrade(&g, &head, "head+1")),
            "Relative revision +1 didn't produce 1 migrations"
        );
        assert_eq!(
            msg(upgrade(&g, &[], "aaaa+9")),
            "Relative revision +9 didn't produce 9 migrations"
        );
        assert_eq!(
            msg(upgrade(&g, &[], "+3")),
            "Relative revision +3 didn't produce 3 migrations"
        );
        assert_eq!(
            msg(downgrade(&g, &head, "-3")),
            "Relative revision -3 didn't produce 3 migrations"
        );
        assert_eq!(msg(downgrade(&g, &head, "base+5")), "Walked too far");
        assert_eq!(
            msg(downgrade(&g, &head, "+1")),
            "Relative revision +1 didn't produce 1 migrations"
        );
    }

    #[test]
    fn downgrade_never_stores_a_dependency_its_parent_implies() {
        // r2 depends on r0, which is already r1's parent: undoing r2 leaves only r1.
        let specs = [
            RevisionSpec::new("r0", &[]),
            RevisionSpec::new("r1", &["r0"]),
            RevisionSpec::new("r2", &["r1"]).depends(&["r0"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        let down = downgrade(&g, &[g.get("r2").unwrap()], "r1").unwrap();
        assert_eq!(names(&g, &down.heads), ["r1"]);
    }

    #[test]
    fn label_moves_never_walk_another_branch() {
        // a → b → c, and s (branch "search") on a: nothing of search is applied at c.
        let specs = [
            RevisionSpec::new("a0", &[]),
            RevisionSpec::new("b0", &["a0"]),
            RevisionSpec::new("c0", &["b0"]),
            RevisionSpec::new("s0", &["a0"]).labels(&["search"]),
            RevisionSpec::new("s1", &["s0"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        let at = |ids: &[&str]| -> Vec<Rev> { ids.iter().map(|i| g.get(i).unwrap()).collect() };
        let msg = |r: Result<Plan, RevisionError>| r.unwrap_err().to_string();
        assert_eq!(
            msg(downgrade(&g, &at(&["c0"]), "search@-1")),
            "Relative revision -1 didn't produce 1 migrations"
        );
        // Two back from s1 reverts the branch and stops at the branch point; three would
        // revert a0, which the other line needs.
        let two = downgrade(&g, &at(&["c0", "s1"]), "search@-2").unwrap();
        assert_eq!(two.revisions(&g), ["s1", "s0"]);
        assert_eq!(
            msg(downgrade(&g, &at(&["c0", "s1"]), "search@-3")),
            "Relative revision -3 didn't produce 3 migrations"
        );
        assert_eq!(
            msg(downgrade(&g, &at(&["c0", "s1"]), "search@b0")),
            "Revision b0 is not a member of branch 'search'"
        );
    }

    #[test]
    fn stamp_label_at_base_clears_only_that_branch() {
        let specs = [
            RevisionSpec::new("a1", &[]).labels(&["alpha"]),
            RevisionSpec::new("b1", &[]).labels(&["beta"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        let both = [g.get("a1").unwrap(), g.get("b1").unwrap()];
        assert_eq!(
            names(&g, &stamp(&g, &both, &["alpha@base"], false).unwrap().heads),
            ["b1"]
        );
        assert!(stamp(&g, &both, &["base"], false).unwrap().heads.is_empty());
    }

    #[test]
    fn stamp_refuses_a_revision_with_its_own_ancestor() {
        let specs = [
            RevisionSpec::new("aaaa", &[]),
            RevisionSpec::new("bbbb", &["aaaa"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        let err = stamp(&g, &[], &["bbbb", "aaaa"], false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Revision aaaa is an ancestor of bbbb; stamp only bbbb"
        );
    }
}
