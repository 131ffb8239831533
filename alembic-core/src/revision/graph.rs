//! The revision graph: revisions linked by their down revisions (the versioned history)
//! and by `DEPENDS_ON` (extra prerequisites that do not shape history), validated once.
//!
//! Owns: validation (ids, duplicates, missing parents, cycles, branch labels), the
//! heads and bases, branch-label propagation, and ancestor/descendant traversals. It borrows
//! every string from its input, so building it allocates only index vectors.
//! It does not parse identifiers ([`crate::revision::resolve`]) or plan moves ([`crate::revision::plan`]).

use std::collections::HashMap;

use crate::GraphError;

/// What the graph needs to know about one migration.
///
/// Implemented by the runtime's `Migration` (static strings), by [`RevisionHeader`] (owned:
/// files read by the build helper, fixtures) and by [`RevisionSpec`] (borrowed, for tests and
/// examples).
pub trait RevisionSource {
    /// The revision id.
    fn revision(&self) -> &str;
    /// Parent revision ids: none for a base, two or more for a merge.
    fn down_revisions(&self) -> impl Iterator<Item = &str>;
    /// Branch labels declared by this revision.
    fn branch_labels(&self) -> impl Iterator<Item = &str>;
    /// Revision ids or branch labels this revision depends on.
    fn depends_on(&self) -> impl Iterator<Item = &str>;
}

/// A plain [`RevisionSource`], handy in tests and examples.
///
/// ```
/// use alembic_core::revision::graph::RevisionSpec;
/// let merge = RevisionSpec::new("cccc3333", &["aaaa1111", "bbbb2222"]).labels(&["main"]);
/// assert_eq!(merge.down_revisions.len(), 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RevisionSpec<'a> {
    /// The revision id.
    pub revision: &'a str,
    /// Parent revision ids.
    pub down_revisions: &'a [&'a str],
    /// Declared branch labels.
    pub branch_labels: &'a [&'a str],
    /// Dependencies (ids or labels).
    pub depends_on: &'a [&'a str],
}

impl<'a> RevisionSpec<'a> {
    /// A revision with the given parents, no labels and no dependencies.
    pub const fn new(revision: &'a str, down_revisions: &'a [&'a str]) -> Self {
        RevisionSpec {
            revision,
            down_revisions,
            branch_labels: &[],
            depends_on: &[],
        }
    }

    /// The same revision declaring these branch labels.
    pub const fn labels(mut self, labels: &'a [&'a str]) -> Self {
        self.branch_labels = labels;
        self
    }

    /// The same revision depending on these revisions or labels.
    pub const fn depends(mut self, depends_on: &'a [&'a str]) -> Self {
        self.depends_on = depends_on;
        self
    }
}

impl RevisionSource for RevisionSpec<'_> {
    fn revision(&self) -> &str {
        self.revision
    }
    fn down_revisions(&self) -> impl Iterator<Item = &str> {
        self.down_revisions.iter().copied()
    }
    fn branch_labels(&self) -> impl Iterator<Item = &str> {
        self.branch_labels.iter().copied()
    }
    fn depends_on(&self) -> impl Iterator<Item = &str> {
        self.depends_on.iter().copied()
    }
}

/// A revision's header with owned strings: what a migration file read from disk, or a
/// recorded fixture, declares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RevisionHeader {
    /// The revision id.
    pub revision: String,
    /// Parent revision ids.
    pub down_revisions: Vec<String>,
    /// Declared branch labels.
    pub branch_labels: Vec<String>,
    /// Dependencies (ids or labels).
    pub depends_on: Vec<String>,
}

impl RevisionSource for RevisionHeader {
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

/// Index of a revision in the graph (its position in the input slice).
pub type Rev = usize;

#[derive(Debug, Default)]
struct Node<'a> {
    id: &'a str,
    /// Versioned parents (`DOWN_REVISION`), in declared order.
    down: Vec<Rev>,
    /// Resolved `DEPENDS_ON`.
    deps: Vec<Rev>,
    /// `down` plus the dependencies not already implied by an ancestor's dependencies:
    /// the revisions whose version rows this one replaces on upgrade.
    normalized_down: Vec<Rev>,
    /// Versioned children.
    children: Vec<Rev>,
    /// Children and dependents.
    all_children: Vec<Rev>,
    /// Labels this revision declares.
    own_labels: Vec<&'a str>,
    /// Labels of every branch this revision belongs to.
    labels: Vec<&'a str>,
}

/// A validated revision graph over borrowed revision data.
#[derive(Debug)]
pub struct RevisionGraph<'a> {
    nodes: Vec<Node<'a>>,
    by_id: HashMap<&'a str, Rev>,
    label_owner: HashMap<&'a str, Rev>,
    /// Revisions no other revision names as a down revision, in input order.
    heads: Vec<Rev>,
    /// Revisions with no down revision, in input order.
    bases: Vec<Rev>,
    /// Every revision after its parents and dependencies; ties keep input order.
    topo: Vec<Rev>,
}

/// Characters that have a meaning in the identifier grammar.
const FORBIDDEN: [char; 4] = ['@', '-', '+', ':'];
const RESERVED: [&str; 4] = ["head", "heads", "base", "current"];

impl<'a> RevisionGraph<'a> {
    /// Builds and validates the graph.
    ///
    /// # Errors
    /// The first problem found, checked in this order: identifiers, duplicates, missing
    /// parents and dependencies, branch labels, cycles.
    pub fn build<S: RevisionSource>(sources: &'a [S]) -> Result<Self, GraphError> {
        let mut by_id = HashMap::with_capacity(sources.len());
        let mut nodes: Vec<Node<'a>> = Vec::with_capacity(sources.len());
        for (i, s) in sources.iter().enumerate() {
            let id = s.revision();
            check_identifier(id)?;
            if by_id.insert(id, i).is_some() {
                return Err(GraphError::Duplicate {
                    revision: id.to_owned(),
                });
            }
            nodes.push(Node {
                id,
                own_labels: s.branch_labels().collect(),
                ..Node::default()
            });
        }

        let mut label_owner: HashMap<&'a str, Rev> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            for &label in &node.own_labels {
                if RESERVED.contains(&label) || by_id.contains_key(label) {
                    return Err(GraphError::ReservedBranchLabel {
                        label: label.to_owned(),
                        revision: node.id.to_owned(),
                    });
                }
                if let Some(&other) = label_owner.get(label) {
                    return Err(GraphError::DuplicateBranchLabel {
                        label: label.to_owned(),
                        revision: node.id.to_owned(),
                        other: nodes[other].id.to_owned(),
                    });
                }
                label_owner.insert(label, i);
            }
        }

        for (i, s) in sources.iter().enumerate() {
            for parent in s.down_revisions() {
                if parent == nodes[i].id {
                    return Err(GraphError::SelfLoop {
                        revision: parent.to_owned(),
                    });
                }
                let &p = by_id.get(parent).ok_or_else(|| GraphError::MissingParent {
                    revision: nodes[i].id.to_owned(),
                    parent: parent.to_owned(),
                })?;
                if !nodes[i].down.contains(&p) {
                    nodes[i].down.push(p);
                }
            }
            for dep in s.depends_on() {
                let &d = by_id
                    .get(dep)
                    .or_else(|| label_owner.get(dep))
                    .ok_or_else(|| GraphError::MissingDependency {
                        revision: nodes[i].id.to_owned(),
                        dependency: dep.to_owned(),
                    })?;
                if !nodes[i].deps.contains(&d) {
                    nodes[i].deps.push(d);
                }
            }
        }
        for i in 0..nodes.len() {
            for p in nodes[i].down.clone() {
                nodes[p].children.push(i);
                nodes[p].all_children.push(i);
            }
            for d in nodes[i].deps.clone() {
                if !nodes[d].all_children.contains(&i) {
                    nodes[d].all_children.push(i);
                }
            }
        }

        let topo = topological_order(&nodes)?;
        let heads = (0..nodes.len())
            .filter(|&i| nodes[i].children.is_empty())
            .collect();
        let bases = (0..nodes.len())
            .filter(|&i| nodes[i].down.is_empty())
            .collect();
        let mut graph = RevisionGraph {
            nodes,
            by_id,
            label_owner,
            heads,
            bases,
            topo,
        };
        graph.normalize_dependencies();
        graph.propagate_labels();
        Ok(graph)
    }

    /// A dependency that an ancestor already depends on is satisfied through that ancestor,
    /// so it is not one of the rows this revision replaces (Alembic's normalisation).
    fn normalize_dependencies(&mut self) {
        for i in 0..self.nodes.len() {
            let mut deps = self.nodes[i].deps.clone();
            if !deps.is_empty() {
                let ancestors = self.ancestors(&[i], false);
                for a in self.members(&ancestors) {
                    if a != i {
                        deps.retain(|d| !self.nodes[a].deps.contains(d));
                    }
                }
            }
            let mut normalized = self.nodes[i].down.clone();
            normalized.extend(deps.into_iter().filter(|d| !self.nodes[i].down.contains(d)));
            self.nodes[i].normalized_down = normalized;
        }
    }

    /// A label covers the revision declaring it, every descendant, and the ancestors down
    /// to (not including) the nearest branch point or merge point: the whole branch.
    fn propagate_labels(&mut self) {
        for owner in 0..self.nodes.len() {
            let labels = self.nodes[owner].own_labels.clone();
            if labels.is_empty() {
                continue;
            }
            let mut covered = self.descendants(&[owner], false);
            let mut parent = Some(owner);
            while let Some(p) = parent {
                let node = &self.nodes[p];
                if node.all_children.len() > 1 || node.down.len() > 1 {
                    break;
                }
                covered[p] = true;
                parent = node.down.first().copied();
            }
            for r in self.members(&covered) {
                for &label in &labels {
                    if !self.nodes[r].labels.contains(&label) {
                        self.nodes[r].labels.push(label);
                    }
                }
            }
        }
        for node in &mut self.nodes {
            node.labels.sort_unstable();
        }
    }

    /// Number of revisions.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the graph has no revisions.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The id of a revision.
    pub fn id(&self, rev: Rev) -> &'a str {
        self.nodes[rev].id
    }

    /// The revision with exactly this id.
    pub fn get(&self, id: &str) -> Option<Rev> {
        self.by_id.get(id).copied()
    }

    /// The revision declaring this branch label.
    pub fn label_owner(&self, label: &str) -> Option<Rev> {
        self.label_owner.get(label).copied()
    }

    /// Every revision id, in input order.
    pub fn ids(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.nodes.iter().map(|n| n.id)
    }

    /// Revisions no other revision descends from (ignoring `DEPENDS_ON`).
    pub fn heads(&self) -> &[Rev] {
        &self.heads
    }

    /// Revisions without a down revision.
    pub fn bases(&self) -> &[Rev] {
        &self.bases
    }

    /// Versioned parents.
    pub fn down_revisions(&self, rev: Rev) -> &[Rev] {
        &self.nodes[rev].down
    }

    /// Resolved dependencies.
    pub fn dependencies(&self, rev: Rev) -> &[Rev] {
        &self.nodes[rev].deps
    }

    /// Parents plus the dependencies not implied by ancestors.
    pub fn normalized_down_revisions(&self, rev: Rev) -> &[Rev] {
        &self.nodes[rev].normalized_down
    }

    /// Versioned children.
    pub fn children(&self, rev: Rev) -> &[Rev] {
        &self.nodes[rev].children
    }

    /// Branch labels that apply to this revision (declared here or inherited).
    pub fn branch_labels(&self, rev: Rev) -> &[&'a str] {
        &self.nodes[rev].labels
    }

    /// Branch labels this revision itself declares.
    pub fn own_branch_labels(&self, rev: Rev) -> &[&'a str] {
        &self.nodes[rev].own_labels
    }

    /// Whether more than one revision (or dependent) builds on this one.
    pub fn is_branch_point(&self, rev: Rev) -> bool {
        self.nodes[rev].children.len() > 1
    }

    /// Whether this revision has several down revisions.
    pub fn is_merge_point(&self, rev: Rev) -> bool {
        self.nodes[rev].down.len() > 1
    }

    /// All revisions, each after its parents and dependencies.
    pub fn topological(&self) -> &[Rev] {
        &self.topo
    }

    /// Membership mask of `starts` and all their ancestors (through dependencies too
    /// when `with_deps`).
    pub fn ancestors(&self, starts: &[Rev], with_deps: bool) -> Vec<bool> {
        self.closure(starts, |r| {
            let node = &self.nodes[r];
            let deps: &[Rev] = if with_deps { &node.deps } else { &[] };
            node.down.iter().chain(deps).copied().collect()
        })
    }

    /// Membership mask of `starts` and all their descendants (through dependents too
    /// when `with_deps`).
    pub fn descendants(&self, starts: &[Rev], with_deps: bool) -> Vec<bool> {
        self.closure(starts, |r| {
            let node = &self.nodes[r];
            if with_deps {
                node.all_children.clone()
            } else {
                node.children.clone()
            }
        })
    }

    fn closure(&self, starts: &[Rev], next: impl Fn(Rev) -> Vec<Rev>) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<Rev> = starts.to_vec();
        while let Some(r) = stack.pop() {
            if !std::mem::replace(&mut seen[r], true) {
                stack.extend(next(r));
            }
        }
        seen
    }

    /// The revisions set in a mask, in topological order.
    pub fn members(&self, mask: &[bool]) -> Vec<Rev> {
        self.topo.iter().copied().filter(|&r| mask[r]).collect()
    }

    /// Alembic's annotations of a revision: ` (head)` (or ` (effective head)` for a head that
    /// another revision depends on), ` (current)` when `current`, and with `tree`
    /// ` (branchpoint)` and ` (mergepoint)`.
    pub fn annotations(&self, rev: Rev, current: bool, tree: bool) -> String {
        let mut out = String::new();
        if self.nodes[rev].all_children.is_empty() {
            out.push_str(" (head)");
        } else if self.nodes[rev].children.is_empty() {
            out.push_str(" (effective head)");
        }
        if current {
            out.push_str(" (current)");
        }
        if tree && self.is_branch_point(rev) {
            out.push_str(" (branchpoint)");
        }
        if tree && self.is_merge_point(rev) {
            out.push_str(" (mergepoint)");
        }
        out
    }

    /// What Alembic's `current` shows for a database whose rows are `revs`: of everything
    /// applied (dependencies included), the revisions with no applied versioned child — the
    /// tip of each branch. In topological order.
    pub fn branch_tips(&self, revs: &[Rev]) -> Vec<Rev> {
        let applied = self.ancestors(revs, true);
        self.members(&applied)
            .into_iter()
            .filter(|&r| !self.children(r).iter().any(|&c| applied[c]))
            .collect()
    }

    /// The revisions of `todo` in the order Alembic visits them walking down from `heads`:
    /// children before parents, and one branch at a time. A walk follows a line of parents
    /// until it reaches a revision that another walk still has to pass first (a branch point
    /// or a shared dependency); it then switches to that walk. At a merge the walk follows the
    /// first parent as declared and queues the others. Walks start from `heads` in id order,
    /// which is Alembic's file order for files named `<rev>_<slug>`. A downgrade runs in this
    /// order, and `history` lists it; an upgrade runs in the reverse.
    ///
    /// Alembic's own tests pin the resulting orders (for `b → c1 → d1`, `b → c2 → d2` merged by
    /// `e`, an upgrade runs `c2 d2 c1 d1 e`), and two branches that touch the same table make
    /// them visible to a user.
    pub fn walk_order(&self, mut todo: Vec<bool>, heads: &[Rev]) -> Vec<Rev> {
        let mut order = Vec::new();
        let mut starts: Vec<Rev> = heads.iter().copied().filter(|&h| todo[h]).collect();
        loop {
            if starts.is_empty() {
                // What no start reaches (a history range whose end reaches its start only
                // through a dependency, where Alembic fails an assertion) is walked from its
                // own tips, so that everything asked for is listed.
                starts = (0..self.len())
                    .filter(|&r| todo[r] && !self.nodes[r].all_children.iter().any(|&c| todo[c]))
                    .collect();
            }
            if starts.is_empty() {
                break;
            }
            self.walk_from(std::mem::take(&mut starts), &mut todo, &mut order);
        }
        order
    }

    /// One round of [`RevisionGraph::walk_order`], from `walks`.
    fn walk_from(&self, mut walks: Vec<Rev>, todo: &mut [bool], order: &mut Vec<Rev>) {
        walks.sort_by_key(|&h| self.id(h));
        walks.dedup();
        let mut reach: Vec<Vec<bool>> = walks.iter().map(|&w| self.ancestors(&[w], true)).collect();
        let mut at = 0;
        while let Some(&rev) = walks.get(at) {
            if let Some(first) = (0..walks.len()).find(|&o| o != at && reach[o][rev]) {
                at = first;
                continue;
            }
            if std::mem::replace(&mut todo[rev], false) {
                order.push(rev);
            }
            let next: Vec<Rev> = self
                .normalized_down_revisions(rev)
                .iter()
                .copied()
                .filter(|&p| todo[p] && !walks.contains(&p))
                .collect();
            match next.split_first() {
                None => {
                    walks.remove(at);
                    reach.remove(at);
                    at = at.saturating_sub(1);
                }
                Some((&first, rest)) => {
                    let straight = self.down_revisions(rev).len() == 1
                        && self.normalized_down_revisions(rev).len() == 1;
                    walks[at] = first;
                    if straight {
                        reach[at][rev] = false;
                    } else {
                        reach[at] = self.ancestors(&[first], true);
                        walks.extend(rest);
                        reach.extend(rest.iter().map(|&r| self.ancestors(&[r], true)));
                    }
                }
            }
        }
    }

    /// The parents as Alembic writes them: `<base>`, or the ids joined by `, `.
    pub fn parents_text(&self, rev: Rev) -> String {
        match self.down_revisions(rev) {
            [] => "<base>".to_owned(),
            down => down
                .iter()
                .map(|&d| self.id(d))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Alembic's verbose entry for a revision (`show`, `history -v`, `current -v`): a `Rev:`
    /// line with ` (head)` (no versioned child), ` (branchpoint)`, ` (mergepoint)` and, when
    /// `current`, ` (current)`, never branch labels, which get a line of their own; the
    /// parents, the dependencies as declared, the children of a branch point, the branch
    /// names, the file when known, and the doc header indented by four spaces.
    ///
    /// ```
    /// use alembic_core::revision::graph::{RevisionGraph, RevisionSpec};
    /// let specs = [RevisionSpec::new("aaaa", &[])];
    /// let g = RevisionGraph::build(&specs).unwrap();
    /// assert_eq!(
    ///     g.log_entry(0, &[], Some("v/aaaa_x.rs"), "x\n\nRevision ID: aaaa", false),
    ///     "Rev: aaaa (head)\nParent: <base>\nPath: v/aaaa_x.rs\n\n    x\n    \n    Revision ID: aaaa\n"
    /// );
    /// ```
    pub fn log_entry(
        &self,
        rev: Rev,
        depends_on: &[&str],
        path: Option<&str>,
        doc: &str,
        current: bool,
    ) -> String {
        use std::fmt::Write;
        let flag = |on: bool, text: &'static str| if on { text } else { "" };
        let mut out = format!(
            "Rev: {}{}{}{}{}\n",
            self.id(rev),
            flag(self.children(rev).is_empty(), " (head)"),
            flag(self.is_branch_point(rev), " (branchpoint)"),
            flag(self.is_merge_point(rev), " (mergepoint)"),
            flag(current, " (current)"),
        );
        let parents = if self.is_merge_point(rev) {
            "Merges"
        } else {
            "Parent"
        };
        writeln!(out, "{parents}: {}", self.parents_text(rev)).expect("write to String");
        if !depends_on.is_empty() {
            writeln!(out, "Also depends on: {}", depends_on.join(", ")).expect("write to String");
        }
        if self.is_branch_point(rev) {
            let children: Vec<&str> = self.children(rev).iter().map(|&c| self.id(c)).collect();
            writeln!(out, "Branches into: {}", children.join(", ")).expect("write to String");
        }
        if !self.branch_labels(rev).is_empty() {
            writeln!(out, "Branch names: {}", self.branch_labels(rev).join(", "))
                .expect("write to String");
        }
        if let Some(path) = path {
            writeln!(out, "Path: {path}").expect("write to String");
        }
        out.push('\n');
        for line in doc.lines() {
            writeln!(out, "    {line}").expect("write to String");
        }
        out
    }

    /// Whether `a` is `b` or one of its ancestors (through dependencies when `with_deps`).
    pub fn is_ancestor(&self, a: Rev, b: Rev, with_deps: bool) -> bool {
        self.ancestors(&[b], with_deps)[a]
    }
}

/// The longest revision id: Alembic's `version_num` column is `VARCHAR(32)`.
pub const MAX_IDENTIFIER: usize = 32;

/// The one rule for revision ids, applied to the migrations and to `revision --rev-id`: not
/// empty, not a word of the grammar (`head`, `heads`, `base`, `current`), at most
/// [`MAX_IDENTIFIER`] characters, and none of the characters the grammar gives a meaning
/// (`@ - + :`), nor whitespace, which separates arguments.
///
/// # Errors
/// [`GraphError::EmptyIdentifier`], [`GraphError::ReservedIdentifier`],
/// [`GraphError::LongIdentifier`] or [`GraphError::InvalidIdentifier`] naming the characters.
pub fn check_identifier(id: &str) -> Result<(), GraphError> {
    if id.is_empty() {
        return Err(GraphError::EmptyIdentifier);
    }
    if RESERVED.contains(&id) {
        return Err(GraphError::ReservedIdentifier {
            revision: id.to_owned(),
        });
    }
    if id.chars().count() > MAX_IDENTIFIER {
        return Err(GraphError::LongIdentifier {
            revision: id.to_owned(),
        });
    }
    let mut chars: String = FORBIDDEN.iter().filter(|c| id.contains(**c)).collect();
    chars.extend(id.chars().filter(|c| c.is_whitespace()).take(1));
    if chars.is_empty() {
        Ok(())
    } else {
        Err(GraphError::InvalidIdentifier {
            revision: id.to_owned(),
            chars,
        })
    }
}

/// Kahn's algorithm over down revisions and dependencies, ties in input order.
fn topological_order(nodes: &[Node<'_>]) -> Result<Vec<Rev>, GraphError> {
    let distinct_parents =
        |n: &Node<'_>| n.down.len() + n.deps.iter().filter(|d| !n.down.contains(d)).count();
    let order = kahn(nodes, distinct_parents, |n| &n.all_children);
    if order.len() == nodes.len() {
        return Ok(order);
    }
    let versioned = kahn(nodes, |n| n.down.len(), |n| &n.children);
    let mut placed = vec![false; nodes.len()];
    let (cyclic, dependency) = if versioned.len() < nodes.len() {
        (versioned, false)
    } else {
        (order, true)
    };
    for r in cyclic {
        placed[r] = true;
    }
    let mut revisions: Vec<String> = (0..nodes.len())
        .filter(|&r| !placed[r])
        .map(|r| nodes[r].id.to_owned())
        .collect();
    revisions.sort();
    Err(if dependency {
        GraphError::DependencyCycle { revisions }
    } else {
        GraphError::Cycle { revisions }
    })
}

fn kahn<'n>(
    nodes: &'n [Node<'_>],
    in_degree: impl Fn(&Node<'_>) -> usize,
    out: impl Fn(&'n Node<'_>) -> &'n Vec<Rev>,
) -> Vec<Rev> {
    let mut pending: Vec<usize> = nodes.iter().map(in_degree).collect();
    let mut ready: std::collections::BTreeSet<Rev> =
        (0..nodes.len()).filter(|&r| pending[r] == 0).collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(r) = ready.pop_first() {
        order.push(r);
        for &c in out(&nodes[r]) {
            pending[c] -= 1;
            if pending[c] == 0 {
                ready.insert(c);
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(specs: &[RevisionSpec<'static>]) -> Result<Vec<String>, GraphError> {
        let g = RevisionGraph::build(specs)?;
        Ok(g.topological()
            .iter()
            .map(|&r| g.id(r).to_owned())
            .collect())
    }

    #[test]
    fn orders_parents_before_children_whatever_the_input_order() {
        let specs = [
            RevisionSpec::new("cccc", &["bbbb"]),
            RevisionSpec::new("bbbb", &["aaaa"]),
            RevisionSpec::new("aaaa", &[]),
        ];
        assert_eq!(build(&specs).unwrap(), ["aaaa", "bbbb", "cccc"]);
    }

    #[test]
    fn rejects_a_duplicate_id() {
        let specs = [
            RevisionSpec::new("aaaa", &[]),
            RevisionSpec::new("aaaa", &[]),
        ];
        assert_eq!(
            build(&specs).unwrap_err().to_string(),
            "Revision aaaa is present more than once"
        );
    }

    #[test]
    fn rejects_a_missing_parent() {
        let specs = [RevisionSpec::new("bbbb", &["zzzz"])];
        assert_eq!(
            build(&specs).unwrap_err().to_string(),
            "Revision zzzz referenced from bbbb is not present"
        );
    }

    #[test]
    fn rejects_a_missing_dependency() {
        let specs = [RevisionSpec::new("bbbb", &[]).depends(&["nope"])];
        assert_eq!(
            build(&specs).unwrap_err().to_string(),
            "Revision nope listed in DEPENDS_ON of bbbb is not present"
        );
    }

    #[test]
    fn rejects_a_cycle_naming_its_members() {
        let specs = [
            RevisionSpec::new("aaaa", &[]),
            RevisionSpec::new("bbbb", &["cccc"]),
            RevisionSpec::new("cccc", &["bbbb"]),
        ];
        assert_eq!(
            build(&specs).unwrap_err().to_string(),
            "Cycle is detected in revisions (bbbb, cccc)"
        );
    }

    #[test]
    fn rejects_a_self_loop() {
        let specs = [RevisionSpec::new("aaaa", &["aaaa"])];
        assert_eq!(
            build(&specs).unwrap_err().to_string(),
            "Self-loop is detected in revisions (aaaa)"
        );
    }

    #[test]
    fn rejects_a_cycle_through_dependencies() {
        let specs = [
            RevisionSpec::new("aaaa", &[]).depends(&["bbbb"]),
            RevisionSpec::new("bbbb", &["aaaa"]),
        ];
        assert_eq!(
            build(&specs).unwrap_err().to_string(),
            "Dependency cycle is detected in revisions (aaaa, bbbb)"
        );
    }

    #[test]
    fn rejects_grammar_characters_in_ids() {
        let specs = [RevisionSpec::new("a-b", &[])];
        assert_eq!(
            build(&specs).unwrap_err().to_string(),
            "Character(s) '-' not allowed in revision identifier 'a-b'"
        );
        assert_eq!(
            check_identifier("my rev").unwrap_err().to_string(),
            "Character(s) ' ' not allowed in revision identifier 'my rev'"
        );
        assert!(check_identifier("").is_err() && check_identifier("a0b1c2").is_ok());
        for word in ["head", "heads", "base", "current"] {
            assert_eq!(
                check_identifier(word),
                Err(GraphError::ReservedIdentifier {
                    revision: word.to_owned()
                })
            );
        }
        assert!(check_identifier(&"a".repeat(MAX_IDENTIFIER)).is_ok());
        assert_eq!(
            check_identifier(&"a".repeat(MAX_IDENTIFIER + 1))
                .unwrap_err()
                .to_string(),
            format!(
                "Revision identifier '{}' is 33 characters long; alembic_version.version_num holds at most 32",
                "a".repeat(33)
            )
        );
    }

    #[test]
    fn rejects_a_label_declared_twice() {
        let specs = [
            RevisionSpec::new("aaaa", &[]).labels(&["net"]),
            RevisionSpec::new("bbbb", &[]).labels(&["net"]),
        ];
        assert_eq!(
            build(&specs).unwrap_err().to_string(),
            "Branch name 'net' in revision bbbb already used by revision aaaa"
        );
    }

    #[test]
    fn labels_cover_the_branch_down_to_its_branch_point() {
        // r1 -> {a1 -> a2 (label "a"), b1}
        let specs = [
            RevisionSpec::new("r1", &[]),
            RevisionSpec::new("a1", &["r1"]),
            RevisionSpec::new("a2", &["a1"]).labels(&["a"]),
            RevisionSpec::new("a3", &["a2"]),
            RevisionSpec::new("b1", &["r1"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        let labelled: Vec<_> = g
            .ids()
            .filter(|id| g.branch_labels(g.get(id).unwrap()) == ["a"])
            .collect();
        assert_eq!(labelled, ["a1", "a2", "a3"]);
    }

    #[test]
    fn a_dependency_that_is_also_a_parent_is_not_a_cycle() {
        let specs = [
            RevisionSpec::new("aaaa", &[]),
            RevisionSpec::new("bbbb", &["aaaa"]).depends(&["aaaa"]),
        ];
        assert_eq!(build(&specs).unwrap(), ["aaaa", "bbbb"]);
    }

    #[test]
    fn branch_tips_include_applied_dependencies() {
        // c1 -> c2; n1 -> n2, n2 depends on c2: a database at n2 shows c2 and n2.
        let specs = [
            RevisionSpec::new("c1", &[]),
            RevisionSpec::new("c2", &["c1"]),
            RevisionSpec::new("n1", &[]),
            RevisionSpec::new("n2", &["n1"]).depends(&["c2"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        let tips: Vec<&str> = g
            .branch_tips(&[g.get("n2").unwrap()])
            .iter()
            .map(|&r| g.id(r))
            .collect();
        assert_eq!(tips, ["c2", "n2"]);
    }

    #[test]
    fn heads_ignore_dependencies() {
        let specs = [
            RevisionSpec::new("aaaa", &[]),
            RevisionSpec::new("bbbb", &[]).depends(&["aaaa"]),
        ];
        let g = RevisionGraph::build(&specs).unwrap();
        assert_eq!(g.heads(), &[0, 1]);
    }
}
