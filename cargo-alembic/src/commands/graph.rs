//! `heads`, `history`, `branches`, `show` and the file for `edit`: answered from the
//! migration files, without building anything.

use std::path::PathBuf;

use alembic_build::MigrationModule;
use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::resolve::CURRENT;

use crate::error::CliError;
use crate::project::Project;

/// Prints the heads as Alembic's `heads` does: `<rev> (<labels>) (head)`, or with `verbose`
/// each head's full entry.
///
/// # Errors
/// A broken versions directory.
pub fn heads(project: &Project, verbose: bool) -> Result<(), CliError> {
    project.graph(|modules, graph| {
        for &head in graph
            .topological()
            .iter()
            .filter(|r| graph.heads().contains(r))
        {
            if verbose {
                out!("{}", entry(graph, &modules[head], head, false));
            } else {
                out!(
                    "{}{}",
                    graph.id(head),
                    line_marks(graph, head, false, false)
                );
            }
        }
        Ok(())
    })
}

/// Prints the history newest first in Alembic's order, Alembic's line per revision:
/// `<parents> (<depends_on>) -> <rev> (<labels>) (head) (current) (branchpoint)
/// (mergepoint), <doc>`, or with `verbose` each revision's full entry (as `show` prints it).
/// `current` (the database's rows) lets ranges use `current`; with `indicate`, the stored
/// version rows are marked ` (current)`, as Alembic marks them.
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
    project.graph(|modules, graph| {
        let stored: Vec<Rev> = current
            .unwrap_or_default()
            .iter()
            .filter_map(|r| graph.get(r))
            .collect();
        let revs: Vec<Rev> = match range {
            Some(range) => graph.history_range(range, &stored)?,
            None => graph.history(),
        };
        for rev in revs {
            let module = &modules[rev];
            let is_current = indicate && stored.contains(&rev);
            if verbose {
                out!("{}", entry(graph, module, rev, is_current));
                continue;
            }
            let deps = if module.header.depends_on.is_empty() {
                String::new()
            } else {
                format!(" ({})", module.header.depends_on.join(", "))
            };
            out!(
                "{}{deps} -> {}{}, {}",
                graph.parents_text(rev),
                graph.id(rev),
                line_marks(graph, rev, is_current, true),
                first_paragraph(&module.doc)
            );
        }
        Ok(())
    })
}

/// Prints each branch point and the revisions it branches into, as Alembic's `branches`
/// does (a blank line after each); with `verbose` the branch point's full entry and each
/// child's message.
///
/// # Errors
/// A broken versions directory.
pub fn branches(project: &Project, verbose: bool) -> Result<(), CliError> {
    project.graph(|modules, graph| {
        for rev in graph
            .history()
            .into_iter()
            .filter(|&r| graph.is_branch_point(r))
        {
            if verbose {
                out!("{}", entry(graph, &modules[rev], rev, false));
            } else {
                out!("{}{}", graph.id(rev), line_marks(graph, rev, false, true));
            }
            let indent = " ".repeat(graph.id(rev).len());
            for &child in graph.children(rev) {
                let doc = if verbose {
                    format!(", {}", first_paragraph(&modules[child].doc))
                } else {
                    String::new()
                };
                out!(
                    "{indent} -> {}{}{doc}",
                    graph.id(child),
                    line_marks(graph, child, false, true)
                );
            }
            out!();
        }
        Ok(())
    })
}

/// Prints the full entry of the revision(s) `arg` names; `current` are the database's
/// version rows, for `show current`.
///
/// # Errors
/// A broken versions directory, or an unknown revision.
pub fn show(project: &Project, arg: &str, current: Option<&[String]>) -> Result<(), CliError> {
    project.graph(|modules, graph| {
        let revs: Vec<Rev> = match current {
            Some(rows) if arg == CURRENT => rows.iter().filter_map(|r| graph.get(r)).collect(),
            _ => graph.resolve(arg)?,
        };
        for rev in revs {
            out!("{}", entry(graph, &modules[rev], rev, false));
        }
        Ok(())
    })
}

/// The file of the revision `arg` names, for `edit`.
///
/// # Errors
/// A broken versions directory, or an argument that names no single revision.
pub fn file_of(project: &Project, arg: &str) -> Result<PathBuf, CliError> {
    project.graph(|modules, graph| {
        let rev = graph
            .resolve_one(arg)?
            .ok_or_else(|| CliError::BaseIsNotARevision(format!("edit {arg}")))?;
        Ok(modules[rev].file.clone())
    })
}

/// Alembic's verbose entry of a migration file.
fn entry(graph: &RevisionGraph<'_>, module: &MigrationModule, rev: Rev, current: bool) -> String {
    let depends_on: Vec<&str> = module
        .header
        .depends_on
        .iter()
        .map(String::as_str)
        .collect();
    let path = module.file.display().to_string();
    graph.log_entry(rev, &depends_on, Some(&path), &module.doc, current)
}

/// Alembic's marks after a revision in one-line output: ` (labels)`, ` (head)` or
/// ` (effective head)`, ` (current)`, and with `tree` ` (branchpoint)` and ` (mergepoint)`.
fn line_marks(graph: &RevisionGraph<'_>, rev: Rev, current: bool, tree: bool) -> String {
    labels(graph, rev) + &graph.annotations(rev, current, tree)
}

/// A docstring's first paragraph, which Alembic's one-line output shows.
fn first_paragraph(doc: &str) -> &str {
    doc.split("\n\n").next().unwrap_or_default()
}

fn labels(graph: &RevisionGraph<'_>, rev: Rev) -> String {
    match graph.branch_labels(rev) {
        [] => String::new(),
        labels => format!(" ({})", labels.join(", ")),
    }
}
