//! `heads` and `history`: answered from the migration files, without building anything.

use alembic_core::graph::{Rev, RevisionGraph};

use crate::error::CliError;
use crate::project::Project;

/// Prints the heads: `<rev> (<labels>) (head)`.
///
/// # Errors
/// A broken versions directory.
pub fn heads(project: &Project) -> Result<(), CliError> {
    let tree = project.tree()?;
    let graph =
        RevisionGraph::build(&tree.migrations).map_err(|e| CliError::Usage(e.to_string()))?;
    for &head in graph
        .topological()
        .iter()
        .filter(|r| graph.heads().contains(r))
    {
        println!("{}{} (head)", graph.id(head), labels(&graph, head));
    }
    Ok(())
}

/// Prints the history newest first, Alembic's line per revision:
/// `<parent> -> <rev> (<labels>) (head) (branchpoint) (mergepoint), <message>`.
///
/// # Errors
/// A broken versions directory, or a bad range.
pub fn history(project: &Project, range: Option<&str>) -> Result<(), CliError> {
    let tree = project.tree()?;
    let graph =
        RevisionGraph::build(&tree.migrations).map_err(|e| CliError::Usage(e.to_string()))?;
    let revs: Vec<Rev> = match range {
        Some(range) => graph.history_range(range, &[])?,
        None => graph.topological().iter().rev().copied().collect(),
    };
    for rev in revs {
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
        let mut marks = labels(&graph, rev);
        for (on, text) in [
            (graph.heads().contains(&rev), " (head)"),
            (graph.is_branch_point(rev), " (branchpoint)"),
            (graph.is_merge_point(rev), " (mergepoint)"),
        ] {
            if on {
                marks.push_str(text);
            }
        }
        println!(
            "{parent} -> {}{marks}, {}",
            graph.id(rev),
            tree.migrations[rev].message
        );
    }
    Ok(())
}

fn labels(graph: &RevisionGraph<'_>, rev: Rev) -> String {
    match graph.branch_labels(rev) {
        [] => String::new(),
        labels => format!(" ({})", labels.join(", ")),
    }
}
