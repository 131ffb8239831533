//! [`Migration`], one module of the versions directory, and [`Migrations`], the validated
//! set the application embeds.

use std::sync::OnceLock;

use alembic_core::revision::graph::{RevisionGraph, RevisionSource};

use crate::error::{Error, OpError, Result};
use crate::op::Op;

/// A migration function: `upgrade` or `downgrade` of one module.
pub type MigrationFn = fn(&mut Op<'_>) -> std::result::Result<(), OpError>;

/// One migration module, as `alembic-build` describes it.
///
/// ```
/// use alembic_runtime::{Migration, prelude::*};
///
/// fn upgrade(op: &mut Op) -> Result<()> { op.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)") }
/// fn downgrade(op: &mut Op) -> Result<()> { op.execute("DROP TABLE t") }
///
/// static CREATE_T: Migration = Migration {
///     revision: "3f2a9c1b7d4e",
///     down_revisions: &[],
///     branch_labels: &[],
///     depends_on: &[],
///     message: "create t",
///     upgrade,
///     downgrade,
///     checksum: 0, transaction: true,
/// };
/// ```
#[derive(Debug)]
pub struct Migration {
    /// `REVISION`.
    pub revision: &'static str,
    /// `DOWN_REVISION`: empty for a base, two or more for a merge.
    pub down_revisions: &'static [&'static str],
    /// `BRANCH_LABELS`.
    pub branch_labels: &'static [&'static str],
    /// `DEPENDS_ON`: revision ids or branch labels.
    pub depends_on: &'static [&'static str],
    /// First line of the module's doc header, shown in logs and history.
    pub message: &'static str,
    /// Applies the migration.
    pub upgrade: MigrationFn,
    /// Reverts the migration.
    pub downgrade: MigrationFn,
    /// Checksum of the module's source text, computed at build time.
    pub checksum: u64,
    /// `TRANSACTION`: `false` for a migration that cannot run inside a transaction
    /// (PostgreSQL's `CREATE INDEX CONCURRENTLY`), which then runs on its own; SQLite runs
    /// every migration in the call's transaction.
    pub transaction: bool,
}

impl RevisionSource for Migration {
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

/// The application's migrations: a `&'static` list, validated as a graph on first use.
///
/// `embed_migrations!()` defines one as `static MIGRATIONS`; by hand:
///
/// ```
/// use alembic_runtime::{Migration, Migrations, prelude::*};
/// # fn up(op: &mut Op) -> Result<()> { op.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)") }
/// # fn down(op: &mut Op) -> Result<()> { op.execute("DROP TABLE t") }
///
/// static LIST: [Migration; 1] = [Migration {
///     revision: "3f2a9c1b7d4e", down_revisions: &[], branch_labels: &[], depends_on: &[],
///     message: "create t", upgrade: up, downgrade: down, checksum: 0, transaction: true,
/// }];
/// static MIGRATIONS: Migrations = Migrations::new(&LIST);
///
/// let mut conn = alembic_runtime::rusqlite::Connection::open_in_memory()?;
/// assert_eq!(MIGRATIONS.upgrade(&mut conn, "head")?, ["3f2a9c1b7d4e"]);
/// assert!(MIGRATIONS.upgrade(&mut conn, "head")?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Migrations {
    pub(crate) list: &'static [Migration],
    known_heads: Option<&'static [&'static str]>,
    version_table_schema: Option<&'static str>,
    /// The XOR of the list's checksums, `None` when it has none (see `checksum`).
    pub(crate) summary: OnceLock<Option<u64>>,
    graph: OnceLock<std::result::Result<RevisionGraph<'static>, alembic_core::GraphError>>,
}

impl Migrations {
    /// Wraps a list of migrations, in any order. Validation happens on first use.
    pub const fn new(list: &'static [Migration]) -> Self {
        Migrations {
            list,
            known_heads: None,
            version_table_schema: None,
            summary: OnceLock::new(),
            graph: OnceLock::new(),
        }
    }

    /// Declares the heads of the list that no other revision depends on, sorted, as computed
    /// when the list was validated at build time. It lets `upgrade("head")` at head skip building the graph, so booting
    /// does O(1) work whatever the number of migrations. `embed_migrations!()` calls this;
    /// a wrong list is detected (and reported as an invalid graph) as soon as the graph is
    /// built for any other operation.
    pub const fn with_known_heads(mut self, heads: &'static [&'static str]) -> Self {
        self.known_heads = Some(heads);
        self
    }

    /// Keeps `alembic_version` (and the checksums beside it) in this PostgreSQL schema
    /// instead of the connection's current one: Alembic's `version_table_schema`.
    /// `embed_migrations!()` calls this when `[package.metadata.alembic]` sets
    /// `version_table_schema`. The schema must exist. SQLite has no schemas, and ignores it.
    pub const fn with_version_table_schema(mut self, schema: &'static str) -> Self {
        self.version_table_schema = Some(schema);
        self
    }

    /// The schema of the version table on PostgreSQL, when one is named.
    pub fn version_table_schema(&self) -> Option<&'static str> {
        self.version_table_schema
    }

    /// Every migration, in the order given.
    pub fn list(&self) -> &'static [Migration] {
        self.list
    }

    /// The validated graph, built once.
    ///
    /// # Errors
    /// [`Error::Graph`] when the list is not a valid graph.
    pub fn graph(&self) -> Result<&RevisionGraph<'static>> {
        let graph = self
            .graph
            .get_or_init(|| {
                let graph = RevisionGraph::build(self.list)?;
                if let Some(known) = self.known_heads {
                    if sorted_ids(&graph, &graph.real_heads()) != known {
                        return Err(alembic_core::GraphError::StaleHeads {
                            declared: known.iter().map(|s| (*s).to_owned()).collect(),
                            actual: sorted_ids(&graph, &graph.real_heads())
                                .into_iter()
                                .map(str::to_owned)
                                .collect(),
                        });
                    }
                }
                Ok(graph)
            })
            .as_ref()
            .map_err(|e| Error::Graph(e.clone()))?;
        Ok(graph)
    }

    /// The version rows of a database at `heads`, sorted: the heads no other revision
    /// depends on. Declared ones are used as they are, so this costs nothing at boot.
    pub(crate) fn rows_at_heads(&self) -> Result<Vec<&'static str>> {
        match self.known_heads {
            Some(known) => Ok(known.to_vec()),
            None => {
                let graph = self.graph()?;
                Ok(sorted_ids(graph, &graph.real_heads()))
            }
        }
    }

    /// The migration at a graph index.
    pub(crate) fn at(&self, rev: alembic_core::revision::graph::Rev) -> &'static Migration {
        &self.list[rev]
    }
}

/// Ids of `revs`, sorted.
pub(crate) fn sorted_ids<'a>(
    graph: &RevisionGraph<'a>,
    revs: &[alembic_core::revision::graph::Rev],
) -> Vec<&'a str> {
    let mut ids: Vec<&str> = revs.iter().map(|&r| graph.id(r)).collect();
    ids.sort_unstable();
    ids
}

impl std::fmt::Debug for Migrations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrations")
            .field("len", &self.list.len())
            .field("known_heads", &self.known_heads)
            .finish()
    }
}
