//! `cargo alembic init`: the versions directory, the dependencies and
//! `[package.metadata.alembic]` in Cargo.toml (edited with toml_edit, formatting and
//! comments kept), and build.rs. Idempotent; it never overwrites and edits no source file.

use std::path::{Path, PathBuf};

use toml_edit::{value, DocumentMut, InlineTable, Item, Table};

use crate::error::CliError;
use crate::fs;
use crate::project::Project;

/// Sets up `project`. With `checkout`, the dependencies are path dependencies on that
/// cargo-alembic checkout (the crates are not published yet).
///
/// # Errors
/// Cargo.toml or the directories cannot be read or written.
pub fn init(project: &Project, checkout: Option<&Path>, quiet: bool) -> Result<(), CliError> {
    // Progress lines; `-q` silences them, not the instructions at the end.
    let progress = |line: String| -> Result<(), CliError> {
        if !quiet {
            out!("{line}");
        }
        Ok(())
    };
    if project.versions.is_dir() {
        progress(format!(
            "Directory {} already exists, skipping",
            project.versions.display()
        ))?;
    } else {
        std::fs::create_dir_all(&project.versions).map_err(CliError::io(&project.versions))?;
        progress(format!(
            "Creating directory {} ...  done",
            project.versions.display()
        ))?;
    }

    let manifest = project.root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(CliError::io(&manifest))?;
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| CliError::Manifest {
                path: manifest.clone(),
                message: e.to_string(),
            })?;
    let added_runtime = add_dependency(&mut doc, "dependencies", "alembic-runtime", {
        // Models (`#[derive(Model)]`) are what autogenerate compares with.
        let mut spec = dependency("alembic-runtime", checkout);
        let mut features = toml_edit::Array::new();
        features.push("derive");
        // An application on a PostgreSQL server migrates it at boot with the same runtime.
        if project.needs_postgres() {
            features.push("postgres");
        }
        spec.insert("features", features.into());
        spec
    });
    let added_build = add_dependency(
        &mut doc,
        "build-dependencies",
        "alembic-build",
        dependency("alembic-build", checkout),
    );
    let config = metadata_table(&mut doc, &manifest)?;
    let added_config = !config.contains_key("versions");
    if added_config {
        config.insert(
            "versions",
            value(project.versions_relative.display().to_string()),
        );
    }
    if added_runtime || added_build || added_config {
        fs::write(&manifest, &doc.to_string())?;
        progress(format!("Updating {} ...  done", manifest.display()))?;
    } else {
        progress(format!(
            "File {} already set up, skipping",
            manifest.display()
        ))?;
    }

    let build_rs = project.root.join("build.rs");
    if !build_rs.exists() {
        fs::write(&build_rs, "fn main() {\n    alembic_build::compile();\n}\n")?;
        progress(format!("Generating {} ...  done", build_rs.display()))?;
    } else if !std::fs::read_to_string(&build_rs)
        .map_err(CliError::io(&build_rs))?
        .contains("alembic_build")
    {
        out!(
            "Add this line to the main function of {}:\n    alembic_build::compile();",
            build_rs.display()
        );
    }
    out!(
        "Add this line to src/main.rs (or lib.rs), then call MIGRATIONS.upgrade(&mut conn, \"head\") at start-up:\n    \
         alembic_runtime::embed_migrations!();"
    );
    Ok(())
}

fn dependency(name: &str, checkout: Option<&Path>) -> InlineTable {
    let mut table = InlineTable::new();
    match checkout {
        Some(dir) => {
            let path: PathBuf = dir.join(name);
            table.insert("path", path.display().to_string().into());
        }
        None => {
            table.insert("version", env!("CARGO_PKG_VERSION").into());
        }
    }
    table
}

/// Adds `name` to `[section]` unless it is there; whether it added it.
fn add_dependency(doc: &mut DocumentMut, section: &str, name: &str, spec: InlineTable) -> bool {
    let table = doc
        .entry(section)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .expect("a dependency section is a table");
    if table.contains_key(name) {
        return false;
    }
    table.insert(name, Item::Value(spec.into()));
    true
}

/// `[package.metadata.alembic]`, created if missing.
fn metadata_table<'d>(
    doc: &'d mut DocumentMut,
    manifest: &std::path::Path,
) -> Result<&'d mut Table, CliError> {
    let shape = |message: &str| CliError::Manifest {
        path: manifest.to_owned(),
        message: message.to_owned(),
    };
    let package = doc
        .get_mut("package")
        .and_then(Item::as_table_mut)
        .ok_or_else(|| shape("no [package]; run init in a package, or pass -p"))?;
    let metadata = package.entry("metadata").or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    let alembic = metadata
        .as_table_mut()
        .ok_or_else(|| shape("[package.metadata] is not a table"))?
        .entry("alembic")
        .or_insert_with(|| Item::Table(Table::new()));
    alembic
        .as_table_mut()
        .ok_or_else(|| shape("[package.metadata.alembic] is not a table"))
}
