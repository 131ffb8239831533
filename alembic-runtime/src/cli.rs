//! Alembic's database commands for a binary (feature `cli`): an application can expose
//! `myapp db upgrade head` (Flask-Migrate style), and `cargo alembic` runs the very same code
//! in the runner it builds from the project's migrations.
//!
//! ```no_run
//! # use alembic_runtime::{Migration, Migrations};
//! # static MIGRATIONS: Migrations = Migrations::new(&[]);
//! // With `alembic_runtime::embed_migrations!();` defining MIGRATIONS:
//! fn main() -> std::process::ExitCode {
//!     // `myapp db upgrade head`, `myapp db --database app.db current`…
//!     alembic_runtime::cli::run(&MIGRATIONS, std::env::args_os().skip(1))
//! }
//! ```
//!
//! Output follows Alembic: progress as `INFO  [alembic.runtime.migration] Running upgrade …`
//! on stderr (`-q` silences it), `current` on stdout, `--sql` scripts on stdout. Errors are
//! one `error: …` line on stderr with exit code 1; usage errors exit with 2.

use std::ffi::OsString;
use std::process::ExitCode;

use alembic_core::command::{Action, Request, RequestError, RunnerInfo, HANDSHAKE, PROTOCOL};
use alembic_core::revision::resolve::split_range;
use clap::Parser;
use rusqlite::Connection;

use crate::{Error, Migrations};

pub use alembic_core::command::DbCommand;

/// The database commands.
#[derive(Debug, Parser)]
#[command(name = "db", about = "Database migrations, with Alembic's commands")]
pub struct DbArgs {
    /// The database: a file path, sqlite://path, sqlite:path or sqlite::memory:
    /// [default: $DATABASE_URL]
    #[arg(long, global = true)]
    pub database: Option<String>,
    /// Print no progress messages.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: DbCommand,
}

/// Parses `args` (the first is the program name) and runs the command.
pub fn run<I, T>(migrations: &Migrations, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match DbArgs::try_parse_from(args) {
        Ok(args) => answer(
            migrations,
            &Request::new(args.database, args.quiet, Action::Command(args.command)),
        ),
        Err(e) => {
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
    }
}

/// The entry point of the runner `cargo alembic` builds: the handshake, or one JSON
/// [`Request`] as the only argument after the program name. Not for applications, which use
/// [`run`].
#[doc(hidden)]
pub fn runner<I, T>(migrations: &Migrations, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let arg = args.into_iter().nth(1).map(Into::into).unwrap_or_default();
    let arg = arg.to_string_lossy();
    if arg == HANDSHAKE {
        let info = RunnerInfo {
            protocol: PROTOCOL,
            runtime: env!("CARGO_PKG_VERSION").to_owned(),
        };
        println!(
            "{}",
            serde_json::to_string(&info).expect("runner info serialises")
        );
        return ExitCode::SUCCESS;
    }
    match Request::from_arg(&arg) {
        Ok(request) => answer(migrations, &request),
        Err(RequestError::Protocol(theirs)) => {
            eprintln!(
                "error: this migration runner speaks protocol {PROTOCOL} and was sent a request of protocol {}; \
                 use the cargo-alembic of the same version as alembic-runtime ({})",
                theirs.map_or_else(|| "unknown".to_owned(), |p| p.to_string()),
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::from(2)
        }
        Err(RequestError::Malformed(e)) => {
            eprintln!("error: the migration runner was sent a request it cannot read ({e})");
            ExitCode::from(2)
        }
    }
}

fn answer(migrations: &Migrations, request: &Request) -> ExitCode {
    if !request.quiet {
        // An application that installed its own logger keeps it.
        if log::set_logger(&ALEMBIC_LOGGER).is_ok() {
            log::set_max_level(log::LevelFilter::Info);
        }
    }
    match execute(migrations, request) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn execute(migrations: &Migrations, request: &Request) -> Result<(), String> {
    let text = |e: Error| e.to_string();
    let open = || open(request.database.as_deref());
    let command = match &request.action {
        Action::Command(command) => command,
        Action::CurrentRows => {
            for row in migrations.current(&open()?).map_err(text)? {
                emit(&format!("{row}\n"))?;
            }
            return Ok(());
        }
        Action::Schema { from_database } => {
            let schema = if *from_database {
                migrations.head_schema(&open()?)
            } else {
                migrations.schema()
            };
            let json = serde_json::to_string(&schema.map_err(text)?)
                .map_err(|e| format!("cannot write the schema as JSON: {e}"))?;
            emit(&format!("{json}\n"))?;
            return Ok(());
        }
    };
    match command {
        DbCommand::Upgrade {
            revision,
            sql: true,
        } => {
            offline_log();
            let (from, to) = match split_range(revision) {
                Some((from, to)) => (Some(from), to),
                None => (None, revision.as_str()),
            };
            emit(&migrations.upgrade_sql(from, to).map_err(text)?)?;
        }
        DbCommand::Downgrade {
            revision,
            sql: true,
        } => {
            let (from, to) =
                split_range(revision).ok_or("downgrade with --sql requires <fromrev>:<torev>")?;
            offline_log();
            emit(&migrations.downgrade_sql(from, to).map_err(text)?)?;
        }
        DbCommand::Stamp {
            sql: true,
            purge: true,
            ..
        } => return Err("Can't use --purge with --sql mode".into()),
        DbCommand::Stamp {
            revisions,
            sql: true,
            ..
        } => {
            offline_log();
            let targets: Vec<&str> = revisions.iter().map(String::as_str).collect();
            emit(&migrations.stamp_sql(&targets).map_err(text)?)?;
        }
        DbCommand::Upgrade { revision, .. } => {
            migrations.upgrade(&mut open()?, revision).map_err(text)?;
        }
        DbCommand::Downgrade { revision, .. } => {
            migrations.downgrade(&mut open()?, revision).map_err(text)?;
        }
        DbCommand::Stamp {
            revisions, purge, ..
        } => {
            let targets: Vec<&str> = revisions.iter().map(String::as_str).collect();
            migrations
                .stamp(&mut open()?, &targets, *purge)
                .map_err(text)?;
        }
        DbCommand::Current { verbose } => {
            let conn = open()?;
            let graph = migrations.graph().map_err(text)?;
            let rows = migrations.current(&conn).map_err(text)?;
            let stored: Vec<usize> = rows.iter().filter_map(|r| graph.get(r)).collect();
            if *verbose {
                emit(&format!(
                    "Current revision(s) for {}:\n",
                    database_url(request.database.as_deref())?
                ))?;
            }
            for rev in graph.branch_tips(&stored) {
                let marks = graph.annotations(rev, false, true);
                let m = &migrations.list()[rev];
                if *verbose {
                    // An embedded migration has no file to show, and its message for a doc.
                    emit(&format!(
                        "{}\n",
                        graph.log_entry(rev, m.depends_on, None, m.message, false)
                    ))?;
                } else {
                    emit(&format!("{}{marks}\n", m.revision))?;
                }
            }
        }
    }
    Ok(())
}

/// Writes command output; a reader that went away (`| head`) is not an error.
fn emit(text: &str) -> Result<(), String> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}

fn database_url(database: Option<&str>) -> Result<String, String> {
    database
        .map(str::to_owned)
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or_else(|| "no database: pass --database <path or URL> or set DATABASE_URL".to_owned())
}

fn open(database: Option<&str>) -> Result<Connection, String> {
    let url = database_url(database)?;
    open_database(&url).map_err(|e| format!("cannot open database {url}: {e}"))
}

/// Opens a database given as a file path, `sqlite://path`, `sqlite:path` or
/// `sqlite::memory:` (a query string such as `?mode=rwc` is ignored). A missing file is
/// created, and so is its folder (`instance/app.db` on a fresh checkout).
///
/// # Errors
/// SQLite's, when the file cannot be opened or created.
pub fn open_database(url: &str) -> rusqlite::Result<Connection> {
    let url = url.split('?').next().unwrap_or(url);
    if url == "sqlite::memory:" || url == ":memory:" {
        return Connection::open_in_memory();
    }
    let path = std::path::Path::new(
        url.strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url),
    );
    // The folder is created only when opening fails, so that an existing database costs
    // nothing more to open; if creating it fails, SQLite's own message is reported.
    Connection::open(path).or_else(|first| match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() && !folder.exists() => {
            let _ = std::fs::create_dir_all(folder);
            Connection::open(path)
        }
        _ => Err(first),
    })
}

fn offline_log() {
    log::info!(target: "alembic.runtime.migration", "Context impl SQLiteImpl.");
    log::info!(target: "alembic.runtime.migration", "Generating static SQL");
}

/// Alembic's log format on stderr: `INFO  [alembic.runtime.migration] …`.
struct AlembicLogger;

static ALEMBIC_LOGGER: AlembicLogger = AlembicLogger;

impl log::Log for AlembicLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!(
                "{:<5} [{}] {}",
                record.level(),
                record.target(),
                record.args()
            );
        }
    }
    fn flush(&self) {}
}
