//! `cargo alembic revision` and `merge`: new migration modules from the DESIGN §3 template.
//! They read the graph from the files and build nothing.

use std::path::PathBuf;

use alembic_core::revision::graph::{Rev, RevisionGraph};
use alembic_core::revision::resolve::Heads;

use crate::error::CliError;
use crate::fs::write;
use crate::project::Project;
use crate::render::{module, Body, Header};

/// What the new revision is: the command line's flags. Its bodies come separately.
#[derive(Debug, Default, Clone)]
pub struct NewRevision {
    /// `-m`.
    pub message: Option<String>,
    /// `--head` (default `head`): the revision(s) to build on.
    pub head: Option<String>,
    /// `--splice`: allow a non-head parent (starts a branch).
    pub splice: bool,
    /// `--branch-label`.
    pub branch_labels: Vec<String>,
    /// `--depends-on`.
    pub depends_on: Vec<String>,
    /// `--rev-id`.
    pub rev_id: Option<String>,
    /// `-q`: no "Generating … done" line.
    pub quiet: bool,
}

/// Writes a new migration with these bodies (empty ones for a plain `revision`) and returns
/// its path.
///
/// # Errors
/// A broken versions directory, several heads without `--head`, a non-head parent without
/// `--splice`, an unknown dependency, or a `--rev-id` that is taken or malformed.
pub fn revision(
    project: &Project,
    new: &NewRevision,
    upgrade: &Body,
    downgrade: &Body,
) -> Result<PathBuf, CliError> {
    project.ensure_versions(new.quiet)?;
    project.graph(|_, graph| {
        let arg = new.head.as_deref().unwrap_or("head");
        let parents: Vec<Rev> = match Heads::parse(arg) {
            // Alembic's own message for `revision` here, not the resolver's.
            Some(Heads::One) if graph.heads().len() > 1 => return Err(CliError::MultipleHeads),
            _ => graph.resolve(arg)?,
        };
        check_heads(graph, &parents, new.splice)?;
        let depends_on = new
            .depends_on
            .iter()
            .map(|d| match graph.label_owner(d) {
                Some(_) => Ok(d.clone()),
                None => graph
                    .resolve_one(d)?
                    .map(|r| graph.id(r).to_owned())
                    .ok_or_else(|| CliError::BaseIsNotARevision(format!("--depends-on {d}"))),
            })
            .collect::<Result<Vec<_>, CliError>>()?;
        write_module(
            project,
            graph,
            new,
            &parents,
            &depends_on,
            [upgrade, downgrade],
        )
    })
}

/// Writes a migration whose parents are `revisions` (usually `heads`): it merges branches.
///
/// # Errors
/// As [`revision`]; each parent must be a head unless `splice`.
pub fn merge(
    project: &Project,
    revisions: &[String],
    new: &NewRevision,
) -> Result<PathBuf, CliError> {
    project.graph(|_, graph| {
        let mut parents = Vec::new();
        for arg in revisions {
            for rev in graph.resolve(arg)? {
                if !parents.contains(&rev) {
                    parents.push(rev);
                }
            }
        }
        if parents.len() < 2 {
            return Err(CliError::MergeNeedsTwo {
                arguments: revisions.join(" "),
                count: parents.len(),
            });
        }
        check_heads(graph, &parents, new.splice)?;
        let merge = NewRevision {
            message: new
                .message
                .clone()
                .or_else(|| Some(format!("merge {}", revisions.join(", ")))),
            ..new.clone()
        };
        let empty = Body::default();
        write_module(project, graph, &merge, &parents, &[], [&empty, &empty])
    })
}

fn check_heads(graph: &RevisionGraph<'_>, parents: &[Rev], splice: bool) -> Result<(), CliError> {
    match parents.iter().find(|p| !graph.heads().contains(p)) {
        Some(&p) if !splice => Err(CliError::NotAHead(graph.id(p).to_owned())),
        _ => Ok(()),
    }
}

fn write_module(
    project: &Project,
    graph: &RevisionGraph<'_>,
    new: &NewRevision,
    parents: &[Rev],
    depends_on: &[String],
    [upgrade, downgrade]: [&Body; 2],
) -> Result<PathBuf, CliError> {
    let rev = match &new.rev_id {
        Some(id) => {
            alembic_core::revision::graph::check_identifier(id).map_err(CliError::BadRevisionId)?;
            if graph.get(id).is_some() {
                return Err(CliError::RevisionIdTaken(id.clone()));
            }
            id.clone()
        }
        None => new_revision_id(),
    };
    let message = new
        .message
        .clone()
        .unwrap_or_else(|| "empty message".to_owned());
    let down: Vec<String> = parents.iter().map(|&p| graph.id(p).to_owned()).collect();
    let path = project
        .versions
        .join(format!("{rev}_{}.rs", slug(&message)));
    let date = chrono::Local::now()
        .format("%Y-%m-%d %H:%M:%S%.6f")
        .to_string();
    let header = Header {
        revision: &rev,
        down_revisions: &down,
        branch_labels: &new.branch_labels,
        depends_on,
        message: &message,
        date: &date,
    };
    write(&path, &module(&header, upgrade, downgrade))?;
    if !new.quiet {
        out!("Generating {} ...  done", path.display());
    }
    Ok(path)
}

/// Twelve random lowercase hex digits, as Alembic makes them.
fn new_revision_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[20..].to_owned()
}

/// The message lower-cased, runs of anything but letters and digits as `_`, at most 40
/// characters.
pub fn slug(message: &str) -> String {
    let mut slug = String::new();
    for c in message.to_lowercase().chars() {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_matches('_');
    slug.chars()
        .take(40)
        .collect::<String>()
        .trim_end_matches('_')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_lowercase_underscored_and_short() {
        assert_eq!(
            slug("Add description to Monitor"),
            "add_description_to_monitor"
        );
        assert_eq!(
            slug("Add user's e-mail column: v2 (final!)"),
            "add_user_s_e_mail_column_v2_final"
        );
        assert_eq!(slug("héllo wörld"), "héllo_wörld");
        assert_eq!(slug("a".repeat(50).as_str()).len(), 40);
        assert_eq!(slug("!!!"), "");
    }
}
