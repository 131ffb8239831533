//! The versions directory: which files are migrations, read and validated as a graph.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use alembic_core::revision::graph::RevisionGraph;
use alembic_core::GraphError;

use crate::error::{BuildError, Location};
use crate::module::{read_module, MigrationModule};

/// A validated versions directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionsTree {
    /// The directory, as given.
    pub dir: PathBuf,
    /// The migrations, parents before children, ties by revision id: a deterministic order.
    pub migrations: Vec<MigrationModule>,
    /// The version rows of a database at `heads`, sorted.
    pub heads: Vec<String>,
}

/// The migration files of `dir`, sorted: `*.rs`, leaving out hidden files, editor backups
/// and lock files (`.x.rs`, `#x.rs#`, `x.rs~`). A missing directory has none.
///
/// # Errors
/// A directory that exists but cannot be read.
pub fn migration_files(dir: &Path) -> Result<Vec<PathBuf>, BuildError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(1)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| BuildError::Io {
            path: e.path().unwrap_or(dir).to_owned(),
            source: e.into(),
        })?;
        let name = entry.file_name().to_string_lossy();
        let is_migration = entry.file_type().is_file()
            && name.ends_with(".rs")
            && !name.starts_with('.')
            && !name.starts_with('#')
            && !name.starts_with("~");
        if is_migration {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// Reads and validates every migration of `dir`, in a deterministic order. `display` turns
/// a file path into the one messages show.
///
/// # Errors
/// Every problem found: per file first (syntax, constants, functions), then in the graph.
pub fn read_tree(
    dir: &Path,
    display: impl Fn(&Path) -> PathBuf,
) -> Result<VersionsTree, Vec<BuildError>> {
    let modules = read_migrations(dir, display)?;
    let graph = validated_graph(&modules)?;
    let order: Vec<usize> = graph.topological().to_vec();
    let mut heads: Vec<String> = graph
        .real_heads()
        .iter()
        .map(|&h| graph.id(h).to_owned())
        .collect();
    heads.sort();
    let mut by_index: Vec<Option<MigrationModule>> = modules.into_iter().map(Some).collect();
    let migrations = order
        .into_iter()
        .map(|i| by_index[i].take().expect("each index once"))
        .collect();
    Ok(VersionsTree {
        dir: dir.to_owned(),
        migrations,
        heads,
    })
}

/// Reads every migration file of `dir`, sorted by revision id, each checked on its own and
/// no revision declared twice; the graph is not checked ([`validated_graph`] does).
///
/// # Errors
/// Every problem found per file, and duplicate revisions.
pub fn read_migrations(
    dir: &Path,
    display: impl Fn(&Path) -> PathBuf,
) -> Result<Vec<MigrationModule>, Vec<BuildError>> {
    read_migrations_with(dir, display, read_module)
}

/// [`read_migrations`], reading each file's text with `read` (given the path messages show):
/// for a caller that caches what [`read_module`] finds.
///
/// # Errors
/// As [`read_migrations`].
pub fn read_migrations_with(
    dir: &Path,
    display: impl Fn(&Path) -> PathBuf,
    mut read: impl FnMut(&Path, &str) -> Result<MigrationModule, Vec<BuildError>>,
) -> Result<Vec<MigrationModule>, Vec<BuildError>> {
    let files = migration_files(dir).map_err(|e| vec![e])?;
    let mut modules = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(source) => {
                errors.push(BuildError::Io {
                    path: display(&file),
                    source,
                });
                continue;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
                errors.push(BuildError::Syntax {
                    at: Location {
                        path: display(&file),
                        line: Some(line),
                    },
                    message: "the file is not UTF-8 text (the first other byte is on this line); \
                              save it as UTF-8"
                        .to_owned(),
                });
                continue;
            }
        };
        match read(&display(&file), &text) {
            Ok(module) => modules.push(MigrationModule { file, ..module }),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    check_duplicates(&modules)?;
    modules.sort_by(|a, b| a.header.revision.cmp(&b.header.revision));
    Ok(modules)
}

/// The revision graph of `modules`, its errors pointed at the constant they are about.
///
/// # Errors
/// The graph's first problem, with file and line.
pub fn validated_graph(modules: &[MigrationModule]) -> Result<RevisionGraph<'_>, Vec<BuildError>> {
    RevisionGraph::build(modules).map_err(|e| vec![locate(modules, e)])
}

/// Two files declaring one revision, named both.
fn check_duplicates(modules: &[MigrationModule]) -> Result<(), Vec<BuildError>> {
    let mut seen: HashMap<&str, &MigrationModule> = HashMap::new();
    let mut errors = Vec::new();
    for m in modules {
        if let Some(first) = seen.insert(&m.header.revision, m) {
            errors.push(BuildError::Duplicate {
                at: m.at(m.lines.revision),
                revision: m.header.revision.clone(),
                first: first.at(first.lines.revision),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Points a graph error at the constant it is about.
fn locate(modules: &[MigrationModule], error: GraphError) -> BuildError {
    let find = |rev: &str| modules.iter().find(|m| m.header.revision == rev);
    let at = match &error {
        GraphError::InvalidIdentifier { revision, .. }
        | GraphError::ReservedIdentifier { revision }
        | GraphError::LongIdentifier { revision }
        | GraphError::Duplicate { revision } => find(revision).map(|m| m.at(m.lines.revision)),
        GraphError::EmptyIdentifier => find("").map(|m| m.at(m.lines.revision)),
        GraphError::MissingParent { revision, .. } | GraphError::SelfLoop { revision } => {
            find(revision).map(|m| m.at(m.lines.down_revision))
        }
        GraphError::MissingDependency { revision, .. } => {
            find(revision).map(|m| m.at(m.lines.depends_on.unwrap_or(m.lines.down_revision)))
        }
        GraphError::Cycle { revisions } | GraphError::DependencyCycle { revisions } => revisions
            .first()
            .and_then(|r| find(r))
            .map(|m| m.at(m.lines.down_revision)),
        GraphError::DuplicateBranchLabel { revision, .. }
        | GraphError::ReservedBranchLabel { revision, .. } => {
            find(revision).map(|m| m.at(m.lines.branch_labels.unwrap_or(m.lines.revision)))
        }
        GraphError::StaleHeads { .. } => None,
    };
    BuildError::Graph {
        at: at.unwrap_or_else(|| Location {
            path: PathBuf::from("migrations"),
            line: None,
        }),
        source: error,
    }
}
