//! `revision --autogenerate` and `check`: the models against the schema the migrations
//! produce (applied by the runner to an in-memory database), or against `--database`.

use std::path::PathBuf;

use alembic_core::schema::diff::{detected_lines, diff_in, with_declared_integer_widths, Renames};
use alembic_core::schema::sql::Dialect;
use alembic_core::schema::Schema;

use crate::commands::revision::{revision, NewRevision};
use crate::compare::{compare, Comparison};
use crate::error::CliError;
use crate::models;
use crate::project::Project;
use crate::runner;

/// Where the current schema comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The migrations, applied to an in-memory database.
    Migrations,
    /// The configured database, which must be at head.
    Database,
}

/// The schema the runner reads (the database, or the migrations applied), for comparing
/// with `models`: a PostgreSQL project's schema read on SQLite has the models' integer
/// widths ([`with_declared_integer_widths`]).
fn current_schema(
    project: &Project,
    from_database: bool,
    models: &models::Models,
) -> Result<Schema, CliError> {
    let current = runner::schema(project, from_database)?;
    Ok(
        if project.dialect == Dialect::Postgres && !project.on_server() {
            with_declared_integer_widths(&current, &models.schema())
        } else {
            current
        },
    )
}

/// The models, the current schema, and the comparison of the two (logged unless `quiet`).
fn comparison(
    project: &Project,
    against: Against,
    quiet: bool,
) -> Result<(models::Models, Schema, Comparison), CliError> {
    let models = models::discover(&project.root, &project.models, project.dialect)?;
    for unread in &models.unread {
        eprintln!("WARNI [alembic.autogenerate.compare] {unread}");
    }
    let current = current_schema(project, against == Against::Database, &models)?;
    let comparison = compare(project.dialect, &current, &models, &project.exclude_tables);
    if !quiet {
        for line in comparison.detected() {
            eprintln!("INFO  [alembic.autogenerate.compare] {line}");
        }
    }
    Ok((models, current, comparison))
}

/// Writes a migration holding the differences, or nothing when there are none.
///
/// # Errors
/// Unreadable models, a failing runner, or what [`revision`] refuses.
pub fn autogenerate(
    project: &Project,
    new: &NewRevision,
    against: Against,
    quiet: bool,
) -> Result<Option<PathBuf>, CliError> {
    project.ensure_versions(new.quiet)?;
    let (_, _, comparison) = comparison(project, against, quiet)?;
    if comparison.changes.is_empty() {
        out!("No changes in schema detected.");
        return Ok(None);
    }
    revision(project, new, &comparison.upgrade, &comparison.downgrade).map(Some)
}

/// Succeeds when the models and the migrations agree.
///
/// # Errors
/// [`CliError::Check`] listing the differences, or as [`autogenerate`].
pub fn check(project: &Project, against: Against) -> Result<(), CliError> {
    let edited = runner::edited(project)?;
    if !edited.is_empty() {
        let lines = project.graph(|modules, _| {
            Ok(edited
                .iter()
                .map(|revision| {
                    let file = modules
                        .iter()
                        .find(|m| &m.header.revision == revision)
                        .map_or_else(String::new, |m| format!(" ({})", m.path.display()));
                    format!("Detected edited migration {revision}{file}")
                })
                .collect())
        })?;
        return Err(CliError::Edited(lines));
    }
    let (models, current, comparison) = comparison(project, against, true)?;
    if comparison.changes.is_empty() {
        out!("No new upgrade operations detected.");
        return Ok(());
    }
    if against == Against::Database {
        // When the migrations already give the models' schema, a new migration would find
        // nothing: the database was changed outside them, and the advice differs.
        let migrated = current_schema(project, false, &models)?;
        if compare(project.dialect, &migrated, &models, &project.exclude_tables)
            .changes
            .is_empty()
        {
            let drift = diff_in(
                project.dialect,
                &migrated,
                &current,
                &Renames::default(),
                &models.excluded(&project.exclude_tables),
            );
            return Err(CliError::Drift(detected_lines(&drift)));
        }
    }
    Err(CliError::Check(comparison.detected()))
}
