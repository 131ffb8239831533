//! `upgrade`, `downgrade`, `current`, `stamp`: run by a small runner built from the
//! project's versions directory and the very `alembic-runtime` the project depends on, in
//! `target/alembic/`. Its entry point is the runtime's own `cli` module. Cargo rebuilds it
//! only when the migrations or dependencies change, so a second run builds nothing.

use std::path::PathBuf;
use std::process::Command;

use alembic_core::schema::Schema;

use crate::error::CliError;
use crate::fs::write_if_changed;
use crate::project::{Project, Source};

/// Builds the runner if needed and runs it with `args`, streaming its output.
///
/// # Errors
/// A project that does not depend on the crates, a failed build, or the runner's failure.
pub fn run(project: &Project, args: &[String], quiet: bool) -> Result<(), CliError> {
    let offline = args.iter().any(|a| a == "--sql");
    let status = command(project, args, quiet, !offline)?
        .status()
        .map_err(CliError::io("the runner"))?;
    match status.code() {
        Some(0) => Ok(()),
        code => Err(CliError::RunnerFailed(
            code.and_then(|c| u8::try_from(c).ok()).unwrap_or(1),
        )),
    }
}

/// The database's stored version rows, asked of the runner.
///
/// # Errors
/// As [`run`].
pub fn current_rows(project: &Project) -> Result<Vec<String>, CliError> {
    let out = output(project, &["current", "--rows"], true)?;
    Ok(out.lines().map(str::to_owned).collect())
}

/// The schema the migrations produce on a new database or, `from_database`, the schema of
/// the database, which must be at head.
///
/// # Errors
/// As [`run`]; the runner says "Target database is not up to date." when it is not.
pub fn schema(project: &Project, from_database: bool) -> Result<Schema, CliError> {
    let args: &[&str] = if from_database {
        &["schema", "--from-database"]
    } else {
        &["schema"]
    };
    let out = output(project, args, from_database)?;
    serde_json::from_str(&out).map_err(|e| {
        CliError::Usage(format!(
            "the migration runner printed a schema this cargo-alembic cannot read ({e}); \
             use the same version of cargo-alembic and alembic-runtime"
        ))
    })
}

/// Runs the runner quietly and returns its standard output; its errors go to stderr.
fn output(project: &Project, args: &[&str], needs_database: bool) -> Result<String, CliError> {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = command(project, &args, true, needs_database)?
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(CliError::io("the runner"))?;
    if !out.status.success() {
        return Err(CliError::RunnerFailed(
            out.status
                .code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(1),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn command(
    project: &Project,
    args: &[String],
    quiet: bool,
    needs_database: bool,
) -> Result<Command, CliError> {
    if project.database.is_none() && needs_database {
        return Err(CliError::Usage(
            "no database: pass --database <path or URL>, set DATABASE_URL (or put it in .env), or add \
             database = \"…\" to [package.metadata.alembic] in Cargo.toml"
                .into(),
        ));
    }
    let exe = build(project)?;
    let mut cmd = Command::new(&exe);
    cmd.current_dir(&project.root);
    if let Some(db) = &project.database {
        cmd.args(["--database", db]);
    }
    if quiet {
        cmd.arg("-q");
    }
    cmd.args(args);
    Ok(cmd)
}

fn build(project: &Project) -> Result<PathBuf, CliError> {
    // One runner per package: packages of a workspace share the target directory.
    let name = format!("alembic-runner-{}", project.name);
    let base = project.target_dir.join("alembic");
    let dir = base.join(&name);
    std::fs::create_dir_all(dir.join("src")).map_err(CliError::io(&dir))?;
    let runtime = spec(project.runtime.as_ref(), "alembic-runtime", &["cli"])?;
    let build = spec(project.build.as_ref(), "alembic-build", &[])?;
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n\
         [dependencies]\nalembic-runtime = {runtime}\n\n[build-dependencies]\nalembic-build = {build}\n"
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(
        &dir.join("build.rs"),
        &format!(
            "fn main() {{\n    alembic_build::Builder::new()\n        .manifest_dir({:?})\n        .versions({:?})\n        .compile();\n}}\n",
            project.root.display().to_string(),
            project.versions_relative.display().to_string()
        ),
    )?;
    write_if_changed(
        &dir.join("src/main.rs"),
        "alembic_runtime::embed_migrations!();\n\nfn main() -> std::process::ExitCode {\n    \
         alembic_runtime::cli::run(&MIGRATIONS, std::env::args_os())\n}\n",
    )?;
    // The project's lock file, so that the runner gets the versions the application gets.
    if let Ok(lock) = std::fs::read_to_string(&project.lock_file) {
        write_if_changed(&dir.join("Cargo.lock"), &lock)?;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &base)
        .status()
        .map_err(CliError::io("cargo"))?;
    if !status.success() {
        return Err(CliError::RunnerBuild);
    }
    Ok(base
        .join("debug")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}

/// The dependency line for the runner, the same source the project uses.
fn spec(source: Option<&Source>, name: &str, features: &[&str]) -> Result<String, CliError> {
    let features = if features.is_empty() {
        String::new()
    } else {
        format!(
            ", features = [{}]",
            features
                .iter()
                .map(|f| format!("{f:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match source {
        Some(Source::Path(path)) => Ok(format!(
            "{{ path = {:?}{features} }}",
            path.display().to_string()
        )),
        Some(Source::Version(req)) => Ok(format!("{{ version = {req:?}{features} }}")),
        None => Err(CliError::Usage(format!(
            "this package does not depend on {name}; run `cargo alembic init` first"
        ))),
    }
}
