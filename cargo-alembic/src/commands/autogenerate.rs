//! `revision --autogenerate` and `check`: the models against the schema the migrations
//! produce (applied by the runner to an in-memory database), or against `--database`.

use std::path::PathBuf;

use crate::commands::revision::{revision, NewRevision};
use alembic_core::schema::diff::{diff, Renames};

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

fn comparison(project: &Project, against: Against, quiet: bool) -> Result<Comparison, CliError> {
    let models = models::discover(&project.root, &project.models)?;
    compared(project, &models, against, quiet)
}

fn compared(
    project: &Project,
    models: &models::Models,
    against: Against,
    quiet: bool,
) -> Result<Comparison, CliError> {
    for unread in &models.unread {
        eprintln!("WARNI [alembic.autogenerate.compare] {unread}");
    }
    let current = runner::schema(project, against == Against::Database)?;
    let comparison = compare(&current, models, &project.exclude_tables);
    if !quiet {
        for line in comparison.detected() {
            eprintln!("INFO  [alembic.autogenerate.compare] {line}");
        }
    }
    Ok(comparison)
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
    let comparison = comparison(project, against, quiet)?;
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
    let models = models::discover(&project.root, &project.models)?;
    let comparison = compared(project, &models, against, true)?;
    if comparison.changes.is_empty() {
        out!("No new upgrade operations detected.");
        return Ok(());
    }
    if against == Against::Database {
        // When the migrations already give the models' schema, a new migration would find
        // nothing: the database was changed outside them, and the advice differs.
        let migrated = runner::schema(project, false)?;
        if compare(&migrated, &models, &project.exclude_tables)
            .changes
            .is_empty()
        {
            let database = runner::schema(project, true)?;
            let drift = diff(
                &migrated,
                &database,
                &Renames::default(),
                &models.excluded(&project.exclude_tables),
            );
            return Err(CliError::Drift(
                drift
                    .iter()
                    .flat_map(|c| c.detected().lines().map(str::to_owned).collect::<Vec<_>>())
                    .collect(),
            ));
        }
    }
    Err(CliError::Check(comparison.detected()))
}
