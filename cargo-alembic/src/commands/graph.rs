//! `heads`, `history`, `branches`, `show` and the file for `edit`: answered from the
//! migration files, without building anything.

use std::path::PathBuf;

use alembic_build::{MigrationModule, VersionsTree};
use alembic_core::graph::{Rev, RevisionGraph};

use crate::error::CliError;
use crate::project::Project;

/// Runs `f` on the project's validated tree and its graph.
pub(crate) fn with_graph<T>(
    project: &Project,
    f: impl FnOnce(&VersionsTree, &RevisionGraph<'_>) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let tree = project.tree()?;
    let graph =
        RevisionGraph::build(&tree.migrations).map_err(|e| CliError::Usage(e.to_string()))?;
    f(&tree, &graph)
}

/// Prints the heads: `<rev> (<labels>) (head)`.
///
/// # Errors
/// A broken versions directory.
pub fn heads(project: &Project) -> Result<(), CliError> {
    with_graph(project, |_, graph| {
        for &head in graph
            .topological()
            .iter()
            .filter(|r| graph.heads().contains(r))
        {
            println!(
                "{}{}{}",
                graph.id(head),
                labels(graph, head),
                graph.annotations(head, false)
            );
        }
        Ok(())
    })
}

/// Prints the history newest first, Alembic's line per revision:
/// `<parent> -> <rev> (<labels>) (head) (branchpoint) (mergepoint), <message>`, or with
/// `verbose` each revision's full entry (as `show` prints it). `current` (the database's
/// rows) lets ranges use `current`; with `indicate`, the revisions it is at are marked
/// ` (current)`.
///
/// # Errors
/// A broken versions directory, or a bad range.
pub fn history(
    project: &Project,
    range: Option<&str>,
    verbose: bool,
    current: Option<&[String]>,
    indicate: bool,
) -> Result<(), CliError> {
    with_graph(project, |tree, graph| {
        let stored: Vec<Rev> = current
            .unwrap_or_default()
            .iter()
            .filter_map(|r| graph.get(r))
            .collect();
        let revs: Vec<Rev> = match range {
            Some(range) => graph.history_range(range, &stored)?,
            None => graph.history(),
        };
        let tips = graph.branch_tips(&stored);
        let current_mark = |rev: Rev| {
            if indicate && tips.contains(&rev) {
                " (current)"
            } else {
                ""
            }
        };
        for rev in revs {
            let module = &tree.migrations[rev];
            if verbose {
                print!("{}", entry(graph, module, rev));
                continue;
            }
            let down: Vec<&str> = graph
                .down_revisions(rev)
                .iter()
                .map(|&d| graph.id(d))
                .collect();
            let parent = if down.is_empty() {
                "<base>".to_owned()
            } else {
                down.join(", ")
            };
            println!(
                "{parent} -> {}{}{}, {}",
                graph.id(rev),
                marks(graph, rev),
                current_mark(rev),
                module.message
            );
        }
        Ok(())
    })
}

/// Prints each branch point and the revisions it branches into.
///
/// # Errors
/// A broken versions directory.
pub fn branches(project: &Project) -> Result<(), CliError> {
    with_graph(project, |tree, graph| {
        for &rev in graph
            .topological()
            .iter()
            .rev()
            .filter(|&&r| graph.is_branch_point(r))
        {
            println!(
                "{}{}, {}",
                graph.id(rev),
                marks(graph, rev),
                tree.migrations[rev].message
            );
            let indent = " ".repeat(graph.id(rev).len());
            for &child in graph.children(rev) {
                let message = &tree.migrations[child].message;
                println!(
                    "{indent} -> {}{}, {message}",
                    graph.id(child),
                    marks(graph, child)
                );
            }
        }
        Ok(())
    })
}

/// Prints the full entry of the revision(s) `arg` names.
///
/// # Errors
/// A broken versions directory, or an unknown revision.
pub fn show(project: &Project, arg: &str) -> Result<(), CliError> {
    with_graph(project, |tree, graph| {
        for rev in graph.resolve(arg)? {
            print!("{}", entry(graph, &tree.migrations[rev], rev));
        }
        Ok(())
    })
}

/// The file of the revision `arg` names, for `edit`.
///
/// # Errors
/// A broken versions directory, or an argument that names no single revision.
pub fn file_of(project: &Project, arg: &str) -> Result<PathBuf, CliError> {
    with_graph(project, |tree, graph| {
        let rev = graph
            .resolve_one(arg)?
            .ok_or_else(|| CliError::Usage("base is not a revision; name one to edit".into()))?;
        Ok(tree.migrations[rev].file.clone())
    })
}

/// Alembic's verbose log entry.
fn entry(graph: &RevisionGraph<'_>, module: &MigrationModule, rev: Rev) -> String {
    let mut out = format!("Rev: {}{}\n", graph.id(rev), marks(graph, rev));
    let down: Vec<&str> = graph
        .down_revisions(rev)
        .iter()
        .map(|&d| graph.id(d))
        .collect();
    match down.as_slice() {
        [] => out.push_str("Parent: <base>\n"),
        [one] => out.push_str(&format!("Parent: {one}\n")),
        many => out.push_str(&format!("Merges: {}\n", many.join(", "))),
    }
    if !module.depends_on.is_empty() {
        out.push_str(&format!(
            "Also depends on: {}\n",
            module.depends_on.join(", ")
        ));
    }
    if graph.is_branch_point(rev) {
        let children: Vec<&str> = graph.children(rev).iter().map(|&c| graph.id(c)).collect();
        out.push_str(&format!("Branches into: {}\n", children.join(", ")));
    }
    if !graph.branch_labels(rev).is_empty() {
        out.push_str(&format!(
            "Branch names: {}\n",
            graph.branch_labels(rev).join(", ")
        ));
    }
    out.push_str(&format!(
        "Path: {}\n\n    {}\n\n",
        module.file.display(),
        module.message
    ));
    out
}

/// ` (labels)` and Alembic's annotations, as they apply.
fn marks(graph: &RevisionGraph<'_>, rev: Rev) -> String {
    labels(graph, rev) + &graph.annotations(rev, true)
}

fn labels(graph: &RevisionGraph<'_>, rev: Rev) -> String {
    match graph.branch_labels(rev) {
        [] => String::new(),
        labels => format!(" ({})", labels.join(", ")),
    }
}
