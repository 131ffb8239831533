//! Test support (feature `test-support`): owned revisions, the fixture recorded from Python
//! Alembic, and a proptest strategy for random revision graphs. Shared by the tests of
//! this crate and of alembic-runtime so that both check the same cases.

use proptest::prelude::*;
use serde::Deserialize;

use crate::graph::RevisionSource;

/// A revision with owned strings.
#[derive(Debug, Clone, Deserialize)]
pub struct OwnedRevision {
    /// The id.
    pub revision: String,
    /// Parents.
    pub down_revisions: Vec<String>,
    /// Declared labels.
    pub branch_labels: Vec<String>,
    /// Dependencies.
    pub depends_on: Vec<String>,
}

impl RevisionSource for OwnedRevision {
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

/// What Python Alembic did, as recorded by `tools/alembic-fixtures/generate.py`.
#[derive(Debug, Deserialize)]
pub struct Fixture {
    /// Alembic's version.
    pub alembic: String,
    /// The graphs and command sequences.
    pub scenarios: Vec<Scenario>,
}

/// One graph and the commands run on it, in order, from an empty database.
#[derive(Debug, Deserialize)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// The graph.
    pub revisions: Vec<OwnedRevision>,
    /// The commands and what Alembic did.
    pub commands: Vec<Command>,
}

/// One command and its outcome.
#[derive(Debug, Deserialize)]
pub struct Command {
    /// `upgrade`, `downgrade` or `stamp`.
    pub command: String,
    /// Its argument.
    pub arg: String,
    /// The exception Alembic raised, as `Type: message`.
    pub error: Option<String>,
    /// The steps Alembic ran, `up <rev>` / `down <rev>`, in its order.
    pub ran: Vec<String>,
    /// The version rows afterwards, sorted.
    pub rows: Vec<String>,
}

/// The recorded fixture.
pub fn alembic_fixture() -> Fixture {
    serde_json::from_str(include_str!("../tests/fixtures/alembic.json"))
        .expect("the fixture is valid JSON")
}

/// Where we deliberately answer differently from Alembic: (scenario, command index,
/// command as written, our outcome, why). The replays check each of these instead.
pub const DEVIATIONS: &[(&str, usize, &str, Deviation, &str)] = &[
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
        11,
        "stamp heads",
        Deviation::Rows(&["n2nnnnnnnnnn", "x1xxxxxxxxxx"]),
        "Alembic replaces every head related to any target, dropping x1 although x1 is itself a target",
    ),
    (
        "depends_on",
        12,
        "downgrade extra@-1",
        Deviation::Error("Relative revision -1 didn't produce 1 migrations"),
        "Alembic crashes with a bare AssertionError; nothing of branch 'extra' is applied",
    ),
];

/// What we do instead of Alembic.
#[derive(Debug)]
pub enum Deviation {
    /// We fail with this message.
    Error(&'static str),
    /// We end with these version rows (sorted).
    Rows(&'static [&'static str]),
}

/// The deviation for a scenario's command, checking that the index still names it.
pub fn deviation(scenario: &Scenario, index: usize) -> Option<&'static Deviation> {
    let (.., written, deviation, _) = DEVIATIONS
        .iter()
        .find(|d| d.0 == scenario.name && d.1 == index)?;
    let cmd = &scenario.commands[index];
    assert_eq!(
        *written,
        format!("{} {}", cmd.command, cmd.arg),
        "DEVIATIONS index is stale"
    );
    Some(deviation)
}

/// Random revision graphs of up to `max` revisions: bases, chains, branch points, merges
/// and `depends_on`. Generated parents first, then reversed, since nothing may depend on
/// the input order.
pub fn graphs(max: usize) -> impl Strategy<Value = Vec<OwnedRevision>> {
    let node = (
        0u8..10,
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        0u8..10,
    );
    prop::collection::vec(node, 1..max).prop_map(|shape| {
        let mut revs: Vec<OwnedRevision> = Vec::new();
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
            revs.push(OwnedRevision {
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
