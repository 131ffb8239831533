//! `upgrade`, `downgrade`, `current`, `stamp`: run by a small runner built from the
//! project's versions directory and the very `alembic-runtime` the project depends on, in
//! `target/alembic/`. Its entry point is the runtime's own `cli` module. Cargo rebuilds it
//! only when the migrations or dependencies change, so a second run builds nothing.

use std::process::Command;

use alembic_core::command::{Action, DbCommand, Request, RunnerInfo, HANDSHAKE, PROTOCOL};
use alembic_core::schema::Schema;
use alembic_core::url::DatabaseUrl;

mod build;
mod progress;

use crate::error::CliError;
use crate::project::Project;

/// Builds the runner if needed and runs a user's database command, streaming its output.
///
/// # Errors
/// A project that does not depend on the crates, a failed build, or the runner's failure.
pub fn run(project: &Project, command: &DbCommand, quiet: bool) -> Result<(), CliError> {
    use std::io::IsTerminal;
    let request = request(project, quiet, Action::Command(command.clone()));
    let cmd = spawnable(project, &request)?;
    let migrating = matches!(
        command,
        DbCommand::Upgrade { sql: false, .. } | DbCommand::Downgrade { sql: false, .. }
    );
    if migrating && !quiet && std::io::stderr().is_terminal() {
        exit(progress::run_with_bar(cmd)?)
    } else {
        streamed(cmd)
    }
}

/// Runs the stairway in the runner, which prints its verdict.
///
/// # Errors
/// As [`run`]; the runner reports a failing revision itself.
pub fn stairway(project: &Project) -> Result<(), CliError> {
    streamed(spawnable(
        project,
        &request(project, true, Action::Stairway),
    )?)
}

/// Runs the runner with its output passed through.
fn streamed(mut cmd: Command) -> Result<(), CliError> {
    exit(cmd.status().map_err(CliError::io("the runner"))?)
}

/// The database's stored version rows, asked of the runner.
///
/// # Errors
/// As [`run`].
pub fn current_rows(project: &Project) -> Result<Vec<String>, CliError> {
    lines(project, Action::CurrentRows)
}

/// The applied migrations of the configured database that were edited since they ran;
/// empty when no database is configured or its file does not exist yet. A server is asked:
/// it was configured to be reached.
///
/// # Errors
/// As [`run`].
pub fn edited(project: &Project) -> Result<Vec<String>, CliError> {
    let exists = project
        .database
        .as_ref()
        .is_some_and(|d| match DatabaseUrl::parse(&d.url) {
            Ok(DatabaseUrl::File(path)) => project.root.join(&path).exists(),
            Ok(DatabaseUrl::Postgres(_)) => true,
            _ => false,
        });
    if !exists {
        return Ok(Vec::new());
    }
    lines(project, Action::Edited)
}

/// The runner's answer to `action`, one item per line.
fn lines(project: &Project, action: Action) -> Result<Vec<String>, CliError> {
    Ok(output(project, action)?
        .lines()
        .map(str::to_owned)
        .collect())
}

/// The schema the migrations produce on a new database or, `from_database`, the schema of
/// the database, which must be at head.
///
/// # Errors
/// As [`run`]; the runner says "Target database is not up to date." when it is not.
pub fn schema(project: &Project, from_database: bool) -> Result<Schema, CliError> {
    let request = request(project, true, Action::Schema { from_database });
    let mut cmd = spawnable(project, &request)?;
    // On a server the runner makes a scratch database and drops it when done. Ctrl-C must
    // not stop it in between: it runs in a process group of its own, which the terminal's
    // interrupt does not reach, and finishes (dropping the database) after we are gone.
    #[cfg(unix)]
    if !from_database && project.on_server() {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let out = captured(cmd)?;
    serde_json::from_str(&out).map_err(|e| CliError::RunnerOutput {
        what: "a schema",
        message: e.to_string(),
    })
}

fn request(project: &Project, quiet: bool, action: Action) -> Request {
    let mut request = Request::new(
        project.database.as_ref().map(|d| d.url.clone()),
        quiet,
        action,
    );
    request.busy_timeout_ms = project.busy_timeout_ms;
    request
}

/// Runs the runner quietly and returns its standard output; its errors go to stderr.
fn output(project: &Project, action: Action) -> Result<String, CliError> {
    captured(spawnable(project, &request(project, true, action))?)
}

/// Runs `cmd` and returns its standard output; its errors go to stderr.
fn captured(mut cmd: Command) -> Result<String, CliError> {
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(CliError::io("the runner"))?;
    exit(out.status)?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The runner reported its own errors; its exit code becomes ours.
fn exit(status: std::process::ExitStatus) -> Result<(), CliError> {
    match status.code() {
        Some(0) => Ok(()),
        code => Err(CliError::RunnerFailed(
            code.and_then(|c| u8::try_from(c).ok()).unwrap_or(1),
        )),
    }
}

/// Asks a freshly built runner which protocol it speaks, before sending it anything.
fn handshake(exe: &std::path::Path) -> Result<(), CliError> {
    let out = Command::new(exe)
        .arg(HANDSHAKE)
        .output()
        .map_err(CliError::io(exe))?;
    let info: Option<RunnerInfo> = serde_json::from_slice(&out.stdout).ok();
    match info {
        Some(info) if info.protocol == PROTOCOL => Ok(()),
        theirs => Err(CliError::RunnerProtocol {
            cli: env!("CARGO_PKG_VERSION"),
            protocol: theirs.as_ref().map(|t| t.protocol),
            runtime: theirs.map(|t| t.runtime),
        }),
    }
}

fn spawnable(project: &Project, request: &Request) -> Result<Command, CliError> {
    // The tree is read here first, so that its problems are reported once, in the CLI's
    // words, rather than relayed through cargo by the runner's build script.
    let migrations = project.graph(|modules, _| Ok(build::migrations_fingerprint(modules)))?;
    check_database(project, &request.action)?;
    let built = build::runner(project, migrations, request.quiet)?;
    if built.fresh {
        handshake(&built.exe)?;
        built.record()?;
    }
    let exe = built.exe;
    let mut cmd = Command::new(&exe);
    cmd.current_dir(&project.root).arg(request.to_arg());
    Ok(cmd)
}

/// Refuses, before anything is built, a database the command cannot use: none configured, a
/// URL of another scheme, or a missing file for a command that only reads.
fn check_database(project: &Project, action: &Action) -> Result<(), CliError> {
    if !action.needs_database() {
        return Ok(());
    }
    let database = project.database.as_ref().ok_or(CliError::NoDatabase)?;
    let url = DatabaseUrl::parse(&database.url).map_err(|error| CliError::DatabaseUrl {
        from: database.source,
        error,
    })?;
    match url {
        // The runner runs in the package's directory, so relative paths are the package's.
        DatabaseUrl::File(path)
            if !action.creates_database() && !project.root.join(&path).exists() =>
        {
            Err(CliError::NoDatabaseFile(path))
        }
        _ => Ok(()),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A stand-in runner that answers the handshake with `answer`.
    fn fake_runner(dir: &std::path::Path, answer: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let exe = dir.join("runner");
        std::fs::write(&exe, format!("#!/bin/sh\nprintf '%s' '{answer}'\n")).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        exe
    }

    #[test]
    fn a_runner_of_another_protocol_is_named_with_both_versions_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let ours = format!("{{\"protocol\":{PROTOCOL},\"runtime\":\"0.1.0\"}}");
        assert!(handshake(&fake_runner(dir.path(), &ours)).is_ok());

        let theirs = format!("{{\"protocol\":{},\"runtime\":\"9.1.0\"}}", PROTOCOL + 1);
        let err = handshake(&fake_runner(dir.path(), &theirs)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cargo-alembic {} speaks runner protocol {PROTOCOL}, but the project's alembic-runtime 9.1.0 \
                 speaks protocol {}; install the cargo-alembic of the same version \
                 (`cargo install cargo-alembic --version 9.1.0`) or depend on alembic-runtime {}",
                env!("CARGO_PKG_VERSION"),
                PROTOCOL + 1,
                env!("CARGO_PKG_VERSION")
            )
        );

        let ancient = handshake(&fake_runner(dir.path(), "usage: db <COMMAND>")).unwrap_err();
        assert!(
            ancient.to_string().contains(
                "alembic-runtime (an unknown version) speaks no protocol this version knows"
            ),
            "{ancient}"
        );
    }
}
