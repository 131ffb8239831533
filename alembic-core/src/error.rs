//! Error types. Texts follow Python Alembic's wherever Alembic has one, because users
//! search for them; where Alembic crashes or stays silent, the text says what to do.

/// A versions directory that does not form a valid revision graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// A revision id contains a character of the identifier grammar.
    #[error("Character(s) '{chars}' not allowed in revision identifier '{revision}'")]
    InvalidIdentifier {
        /// The offending id.
        revision: String,
        /// The forbidden characters it contains.
        chars: String,
    },
    /// A revision id is empty.
    #[error("A revision identifier may not be empty")]
    EmptyIdentifier,
    /// Two migrations declare the same revision id.
    #[error("Revision {revision} is present more than once")]
    Duplicate {
        /// The id declared twice.
        revision: String,
    },
    /// A down revision names no known revision.
    #[error("Revision {parent} referenced from {revision} is not present")]
    MissingParent {
        /// The revision whose `DOWN_REVISION` is wrong.
        revision: String,
        /// The id it names.
        parent: String,
    },
    /// A `DEPENDS_ON` entry names no known revision or branch label.
    #[error("Revision {dependency} listed in DEPENDS_ON of {revision} is not present")]
    MissingDependency {
        /// The revision whose `DEPENDS_ON` is wrong.
        revision: String,
        /// The id or label it names.
        dependency: String,
    },
    /// A revision lists itself as its own down revision.
    #[error("Self-loop is detected in revisions ({revision})")]
    SelfLoop {
        /// The revision pointing at itself.
        revision: String,
    },
    /// The down revisions form a cycle.
    #[error("Cycle is detected in revisions ({})", .revisions.join(", "))]
    Cycle {
        /// The revisions on or behind the cycle, sorted.
        revisions: Vec<String>,
    },
    /// Down revisions and dependencies together form a cycle.
    #[error("Dependency cycle is detected in revisions ({})", .revisions.join(", "))]
    DependencyCycle {
        /// The revisions on or behind the cycle, sorted.
        revisions: Vec<String>,
    },
    /// Two revisions declare the same branch label.
    #[error("Branch name '{label}' in revision {revision} already used by revision {other}")]
    DuplicateBranchLabel {
        /// The label.
        label: String,
        /// The second revision declaring it.
        revision: String,
        /// The first revision declaring it.
        other: String,
    },
    /// A branch label that is also a revision id or a reserved word.
    #[error("Branch label '{label}' of revision {revision} is a revision identifier or a reserved word; choose another label")]
    ReservedBranchLabel {
        /// The label.
        label: String,
        /// The revision declaring it.
        revision: String,
    },
    /// Heads declared alongside the list (by generated code) that are not its heads.
    #[error("The heads declared for these migrations ({}) are not their heads ({}); the generated migration list is stale, rebuild the application", .declared.join(", "), .actual.join(", "))]
    StaleHeads {
        /// Declared heads.
        declared: Vec<String>,
        /// Actual heads.
        actual: Vec<String>,
    },
}

/// A revision argument that cannot be resolved, or a move the graph does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevisionError {
    /// No revision, prefix or branch label matches.
    #[error("Can't locate revision identified by '{0}'")]
    NotFound(String),
    /// A prefix matches several revisions.
    #[error("Multiple revisions start with '{prefix}': {}", quoted(.candidates))]
    Ambiguous {
        /// The prefix given.
        prefix: String,
        /// Every revision it matches.
        candidates: Vec<String>,
    },
    /// `head` (or `label@head`) names more than one revision.
    #[error("Multiple head revisions are present for given argument '{0}'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads")]
    MultipleHeads(String),
    /// `stamp head` with several heads.
    #[error("Multiple heads are present; please specify a single target revision")]
    MultipleHeadsStamp,
    /// A relative move walks past the end of the graph.
    #[error("Relative revision {relative} didn't produce {count} migrations")]
    RelativeTooFar {
        /// The relative argument as given (`+5`, `-2`).
        relative: String,
        /// How many steps were asked for.
        count: u64,
    },
    /// A relative move from a revision walks past base.
    #[error("Walked too far")]
    WalkedTooFar,
    /// A relative move reaches a branch point or merge point and cannot choose.
    #[error("Ambiguous walk from {0}; name the target revision or use '<branchname>@{{+|-}}N'")]
    AmbiguousWalk(String),
    /// A relative upgrade from several current heads.
    #[error("Ambiguous upgrade from multiple current revisions")]
    AmbiguousUpgrade,
    /// A relative downgrade from several current heads.
    #[error("downgrade {0} from multiple heads is ambiguous; name the target revision or use '<branchname>@{0}'")]
    AmbiguousDowngrade(String),
    /// The target is not reachable by downgrading from the current heads.
    #[error("Destination {0} is not a valid downgrade target from current head(s)")]
    NotDowngradeTarget(String),
    /// A branch-qualified downgrade target filters out every branch.
    #[error("Not a valid downgrade target from current heads")]
    NotDowngradeTargetOnBranch,
    /// `a:b` where `a` is not an ancestor of `b`.
    #[error(
        "Requested range {0} does not refer to ancestor/descendant revisions along the same branch"
    )]
    RangeNotAncestor(String),
    /// A malformed `history -r` range.
    #[error("History range requires [start]:[end], [start]:, or :[end]")]
    BadRange,
    /// A revision is named relative to a branch it is not on.
    #[error("Revision {revision} is not a member of branch '{label}'")]
    NotOnBranch {
        /// The revision.
        revision: String,
        /// The branch label.
        label: String,
    },
    /// A stamp whose targets include a revision and its own ancestor.
    #[error("Revision {ancestor} is an ancestor of {descendant}; stamp only {descendant}")]
    StampAncestor {
        /// The ancestor.
        ancestor: String,
        /// The descendant.
        descendant: String,
    },
    /// The version table names a revision no migration declares.
    #[error("The database is at revision '{0}', which no migration declares; the database may be newer than this code (deploy the newer code) or was stamped by hand (fix it with stamp)")]
    UnknownCurrent(String),
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
