//! Test support (feature `test-support`): owned revisions, the fixture recorded from Python
//! Alembic, and a proptest strategy for random revision graphs. Shared by the tests of
//! this crate and of alembic-runtime so that both check the same cases.

use proptest::prelude::*;
use serde::Deserialize;

use crate::revision::graph::RevisionHeader;

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
    pub revisions: Vec<RevisionHeader>,
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
    /// Alembic's warnings during the command.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// What a planner did with a command: the steps run (`up <rev>` / `down <rev>`, in order) and
/// the version rows after (sorted), or the error's message.
pub type Outcome = Result<(Vec<String>, Vec<String>), String>;

/// A kind of command where we deliberately answer differently from Alembic, recognised by
/// what Alembic recorded and what we answered.
pub struct DeviationRule {
    /// A short name.
    pub name: &'static str,
    /// Alembic's behaviour, and why we differ.
    pub why: &'static str,
    /// Whether the rule explains this pair of answers.
    pub applies: fn(&Command, &Outcome) -> bool,
}

fn alembic_error<'c>(cmd: &'c Command, prefix: &str) -> Option<&'c str> {
    cmd.error.as_deref().filter(|e| e.starts_with(prefix))
}

/// The kinds of deliberate difference the random graphs run into; each command they
/// explain is counted, and every rule must explain at least one.
pub const DEVIATION_RULES: &[DeviationRule] = &[
    DeviationRule {
        name: "alembic-crashes",
        why: "Alembic fails with a bare AssertionError (relative moves from a revision with no \
              such neighbour, a branch none of which is applied, a history range whose end \
              reaches its start only through a dependency); we refuse with a message saying what \
              did not resolve, do nothing when the target is where the database is, or list the \
              range",
        applies: |cmd, ours| {
            alembic_error(cmd, "AssertionError").is_some()
                && match ours {
                    Err(message) => !message.is_empty(),
                    Ok((listed, _)) if cmd.command == "history" => !listed.is_empty(),
                    Ok((ran, rows)) => ran.is_empty() && rows == &cmd.rows,
                }
        },
    },
    DeviationRule {
        name: "ambiguous-walk-says-where",
        why: "Alembic says only \"Ambiguous walk\"; we name the revision the walk stopped at and \
              what to write instead",
        applies: |cmd, ours| {
            cmd.error.as_deref() == Some("CommandError: Ambiguous walk")
                && ours
                    .as_ref()
                    .is_err_and(|e| e.starts_with("Ambiguous walk from "))
        },
    },
    DeviationRule {
        name: "multiple-heads-advice",
        why: "Alembic pastes the argument into its advice ('<branchname>@l0@head', \
              '<branchname>@heads'); we advise '<branchname>@head'",
        applies: |cmd, ours| {
            let head = |e: &str| e.split("; please").next().map(str::to_owned);
            alembic_error(cmd, "CommandError: Multiple head revisions").is_some_and(|a| {
                ours.as_ref().is_err_and(|e| {
                    head(e) == head(a.trim_start_matches("CommandError: "))
                        && e.contains("'<branchname>@head'")
                })
            })
        },
    },
    DeviationRule {
        name: "downgrade-label-head-stays-on-the-label",
        why: "for `downgrade label@head` Alembic drops the label and resolves `head` over the \
              whole graph (\"Multiple head revisions\" whenever there are several); we resolve \
              the head of that branch",
        applies: |cmd, ours| {
            cmd.command == "downgrade"
                && cmd.arg.ends_with("@head")
                && alembic_error(cmd, "CommandError: Multiple head revisions").is_some()
                && !ours
                    .as_ref()
                    .is_err_and(|e| e.starts_with("Multiple head revisions"))
        },
    },
    DeviationRule {
        name: "stamp-takes-no-relative-move",
        why: "Alembic's stamp resolves `label@-N` from the branch's heads in some graphs and \
              fails in others naming only '-N'; a stamp names where the database is, so we take \
              revisions, heads and base only and name the whole argument we cannot locate",
        applies: |cmd, ours| {
            cmd.command == "stamp"
                && cmd.arg.contains(['+', '-'])
                && ours.as_ref().err()
                    == Some(&format!(
                        "Can't locate revision identified by '{}'",
                        cmd.arg
                    ))
        },
    },
    DeviationRule {
        name: "relative-history-start-from-several-heads",
        why: "for `history -r -1:` (or `label@-1:`) with several heads to count from, Alembic \
              fails with an unrelated \"Requested revision … overlaps with other requested \
              revisions …\"; we say the walk is ambiguous",
        applies: |cmd, ours| {
            cmd.command == "history"
                && alembic_error(cmd, "CommandError: Requested revision").is_some()
                && ours
                    .as_ref()
                    .is_err_and(|e| e.starts_with("Ambiguous walk from heads"))
        },
    },
    DeviationRule {
        name: "no-relative-downgrade-from-several-heads",
        why: "Alembic warns that `downgrade -N` from several heads is ambiguous and will be \
              disallowed, then walks from whichever head it lists first; we already refuse",
        applies: |cmd, ours| {
            cmd.warnings
                .iter()
                .any(|w| w.contains("from multiple heads is ambiguous"))
                && ours
                    .as_ref()
                    .is_err_and(|e| e.contains("from multiple heads is ambiguous"))
        },
    },
];

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
        Deviation::Error("Can't locate revision identified by '1aa': prefixes need at least 4 characters, so that a short word cannot pick a revision by accident"),
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
        "stamp_below_merge",
        1,
        "stamp a2aa b2bb",
        Deviation::Rows(&["a2aaaaaaaaaa", "b2bbbbbbbbbb"]),
        "Alembic raises KeyError: 'm3mmmmmmmmmm' after committing one of the two rows; both \
         targets are stored, as asked",
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
pub fn graphs(max: usize) -> impl Strategy<Value = Vec<RevisionHeader>> {
    let node = (
        0u8..10,
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        0u8..10,
    );
    prop::collection::vec(node, 1..max).prop_map(|shape| {
        let mut revs: Vec<RevisionHeader> = Vec::new();
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
            revs.push(RevisionHeader {
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
