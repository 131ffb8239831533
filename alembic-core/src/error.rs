//! Error types. Texts follow Python Alembic's wherever Alembic has one, because users
//! search for them; where Alembic crashes or stays silent, the text says what to do.
//!
//! `Display` is written by hand rather than derived with thiserror: this crate is in
//! alembic-runtime's dependency tree, whose default build must pull in no proc-macro.

use std::fmt;

/// A versions directory that does not form a valid revision graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// A revision id contains a character of the identifier grammar.
    InvalidIdentifier {
        /// The offending id.
        revision: String,
        /// The forbidden characters it contains.
        chars: String,
    },
    /// A revision id that is one of the grammar's words (`head`, `heads`, `base`, `current`).
    ReservedIdentifier {
        /// The id.
        revision: String,
    },
    /// A revision id longer than `alembic_version.version_num` holds.
    LongIdentifier {
        /// The id.
        revision: String,
    },
    /// A revision id is empty.
    EmptyIdentifier,
    /// Two migrations declare the same revision id.
    Duplicate {
        /// The id declared twice.
        revision: String,
    },
    /// A down revision names no known revision.
    MissingParent {
        /// The revision whose `DOWN_REVISION` is wrong.
        revision: String,
        /// The id it names.
        parent: String,
    },
    /// A `DEPENDS_ON` entry names no known revision or branch label.
    MissingDependency {
        /// The revision whose `DEPENDS_ON` is wrong.
        revision: String,
        /// The id or label it names.
        dependency: String,
    },
    /// A revision lists itself as its own down revision.
    SelfLoop {
        /// The revision pointing at itself.
        revision: String,
    },
    /// The down revisions form a cycle.
    Cycle {
        /// The revisions on or behind the cycle, sorted.
        revisions: Vec<String>,
    },
    /// Down revisions and dependencies together form a cycle.
    DependencyCycle {
        /// The revisions on or behind the cycle, sorted.
        revisions: Vec<String>,
    },
    /// Two revisions declare the same branch label.
    DuplicateBranchLabel {
        /// The label.
        label: String,
        /// The second revision declaring it.
        revision: String,
        /// The first revision declaring it.
        other: String,
    },
    /// A branch label that is also a revision id or a reserved word.
    ReservedBranchLabel {
        /// The label.
        label: String,
        /// The revision declaring it.
        revision: String,
    },
    /// Heads declared alongside the list (by generated code) that are not its heads.
    StaleHeads {
        /// Declared heads.
        declared: Vec<String>,
        /// Actual heads.
        actual: Vec<String>,
    },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::InvalidIdentifier { revision, chars } => write!(f, "Character(s) '{chars}' not allowed in revision identifier '{revision}'"),
            GraphError::ReservedIdentifier { revision } => write!(f, "Revision identifier '{revision}' is a reserved word of the revision grammar (head, heads, base, current); choose another REVISION"),
            GraphError::LongIdentifier { revision } => write!(f, "Revision identifier '{revision}' is {} characters long; alembic_version.version_num holds at most {}", revision.chars().count(), crate::revision::graph::MAX_IDENTIFIER),
            GraphError::EmptyIdentifier => write!(f, "A revision identifier may not be empty"),
            GraphError::Duplicate { revision } => write!(f, "Revision {revision} is present more than once"),
            GraphError::MissingParent { revision, parent } => write!(f, "Revision {parent} referenced from {revision} is not present"),
            GraphError::MissingDependency { revision, dependency } => write!(f, "Revision {dependency} listed in DEPENDS_ON of {revision} is not present"),
            GraphError::SelfLoop { revision } => write!(f, "Self-loop is detected in revisions ({revision})"),
            GraphError::Cycle { revisions } => write!(f, "Cycle is detected in revisions ({})", revisions.join(", ")),
            GraphError::DependencyCycle { revisions } => write!(f, "Dependency cycle is detected in revisions ({})", revisions.join(", ")),
            GraphError::DuplicateBranchLabel { label, revision, other } => write!(f, "Branch name '{label}' in revision {revision} already used by revision {other}"),
            GraphError::ReservedBranchLabel { label, revision } => write!(f, "Branch label '{label}' of revision {revision} is a revision identifier or a reserved word; choose another label"),
            GraphError::StaleHeads { declared, actual } => write!(f, "The heads declared for these migrations ({}) are not their heads ({}); the generated migration list is stale, rebuild the application", declared.join(", "), actual.join(", ")),
        }
    }
}

impl std::error::Error for GraphError {}

/// A revision argument that cannot be resolved, or a move the graph does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevisionError {
    /// No revision, prefix or branch label matches.
    NotFound(String),
    /// A prefix shorter than [`crate::revision::resolve::MIN_PREFIX`] that some revision starts with.
    PrefixTooShort(String),
    /// A prefix matches several revisions.
    Ambiguous {
        /// The prefix given.
        prefix: String,
        /// Every revision it matches.
        candidates: Vec<String>,
    },
    /// `head` (or `label@head`) names more than one revision.
    MultipleHeads(String),
    /// `stamp head` with several heads.
    MultipleHeadsStamp,
    /// A relative move walks past the end of the graph.
    RelativeTooFar {
        /// The relative argument as given (`+5`, `-2`).
        relative: String,
        /// How many steps were asked for.
        count: u64,
    },
    /// A relative move from a revision walks past base.
    WalkedTooFar,
    /// A relative move reaches a branch point or merge point and cannot choose.
    AmbiguousWalk(String),
    /// A relative upgrade from several current heads.
    AmbiguousUpgrade,
    /// A relative downgrade from several current heads.
    AmbiguousDowngrade(String),
    /// The target is not reachable by downgrading from the current heads.
    NotDowngradeTarget(String),
    /// A branch-qualified downgrade target filters out every branch.
    NotDowngradeTargetOnBranch,
    /// `a:b` where `a` is not an ancestor of `b`.
    RangeNotAncestor(String),
    /// A malformed `history -r` range.
    BadRange,
    /// A revision is named relative to a branch it is not on.
    NotOnBranch {
        /// The revision.
        revision: String,
        /// The branch label.
        label: String,
    },
    /// A stamp whose targets include a revision and its own ancestor.
    StampAncestor {
        /// The ancestor.
        ancestor: String,
        /// The descendant.
        descendant: String,
    },
    /// The version table names a revision no migration declares.
    UnknownCurrent(String),
}

impl fmt::Display for RevisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevisionError::NotFound(v0) => write!(f, "Can't locate revision identified by '{v0}'"),
            RevisionError::PrefixTooShort(v0) => write!(f, "Can't locate revision identified by '{v0}': prefixes need at least {} characters, so that a short word cannot pick a revision by accident", crate::revision::resolve::MIN_PREFIX),
            RevisionError::Ambiguous { prefix, candidates } => write!(f, "Multiple revisions start with '{prefix}': {}", quoted(candidates)),
            RevisionError::MultipleHeads(v0) => write!(f, "Multiple head revisions are present for given argument '{v0}'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads"),
            RevisionError::MultipleHeadsStamp => write!(f, "Multiple heads are present; please specify a single target revision"),
            RevisionError::RelativeTooFar { relative, count } => write!(f, "Relative revision {relative} didn't produce {count} migrations"),
            RevisionError::WalkedTooFar => write!(f, "Walked too far"),
            RevisionError::AmbiguousWalk(v0) => write!(f, "Ambiguous walk from {v0}; name the target revision or use '<branchname>@{{+|-}}N'"),
            RevisionError::AmbiguousUpgrade => write!(f, "Ambiguous upgrade from multiple current revisions"),
            RevisionError::AmbiguousDowngrade(v0) => write!(f, "downgrade {v0} from multiple heads is ambiguous; name the target revision or use '<branchname>@{v0}'"),
            RevisionError::NotDowngradeTarget(v0) => write!(f, "Destination {v0} is not a valid downgrade target from current head(s)"),
            RevisionError::NotDowngradeTargetOnBranch => write!(f, "Not a valid downgrade target from current heads"),
            RevisionError::RangeNotAncestor(v0) => write!(f, "Requested range {v0} does not refer to ancestor/descendant revisions along the same branch"),
            RevisionError::BadRange => write!(f, "History range requires [start]:[end], [start]:, or :[end]"),
            RevisionError::NotOnBranch { revision, label } => write!(f, "Revision {revision} is not a member of branch '{label}'"),
            RevisionError::StampAncestor { ancestor, descendant } => write!(f, "Revision {ancestor} is an ancestor of {descendant}; stamp only {descendant}"),
            RevisionError::UnknownCurrent(v0) => write!(f, "The database is at revision '{v0}', which no migration declares; the database may be newer than this code (deploy the newer code) or was stamped by hand (fix it with stamp)"),
        }
    }
}

impl std::error::Error for RevisionError {}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
