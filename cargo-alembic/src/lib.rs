//! `cargo alembic`: Alembic's commands for a Rust project. The command line is parsed with
//! clap, resolved once into a [`project::Project`], and handed to one command module.
//!
//! Exit codes ([`error::exit`]): 0 success, 1 failure (one `error: …` line on stderr), 2
//! usage errors.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alembic_core::command::DbCommand;
use alembic_core::revision::resolve::{names_current, CURRENT};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// `println!` for command output: a reader that went away (`| head`) ends the command
/// quietly instead of panicking, and other write errors are reported.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::error::CliError::Stdout)?
    }};
}

pub mod commands;
pub mod compare;
pub mod error;
mod fs;
mod headers;
pub mod models;
pub mod project;
pub mod render;
pub mod runner;

use commands::autogenerate::Against;
use commands::revision::NewRevision;
use error::{exit, CliError};
use project::{Lookup, Project};

/// `cargo` runs subcommands as `cargo-alembic alembic …`.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum CargoCli {
    Alembic(Cli),
}

/// Alembic for Rust: versioned SQLite schema migrations.
#[derive(Debug, clap::Args)]
#[command(version, about)]
struct Cli {
    /// Path to the package's Cargo.toml.
    #[arg(long, global = true, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// The package to work on, in a workspace.
    #[arg(short, long, global = true, value_name = "SPEC")]
    package: Option<String>,
    /// The database (path, sqlite://path, sqlite:path, sqlite::memory:); default: DATABASE_URL,
    /// then .env, then [package.metadata.alembic] database.
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// Print no progress messages.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// How long database commands wait for a database another connection has locked;
    /// default: busy_timeout in [package.metadata.alembic], else 5.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = alembic_core::command::parse_busy_timeout)]
    busy_timeout: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Set the package up: versions directory, dependencies, config, build.rs.
    #[command(after_help = "Example:\n  cargo alembic init")]
    Init {
        /// Use path dependencies on this cargo-alembic checkout.
        #[arg(long, value_name = "CHECKOUT")]
        path: Option<PathBuf>,
    },
    /// Create a new migration: empty, or with --autogenerate what the models changed.
    #[command(
        after_help = "Examples:\n  cargo alembic revision -m \"add description to monitor\"\n  cargo alembic revision --autogenerate -m \"add description to monitor\""
    )]
    Revision {
        /// The migration's message.
        #[arg(short, long)]
        message: Option<String>,
        /// Fill the migration with what differs between the models and the migrations
        /// (or --database, which must be at head).
        #[arg(long)]
        autogenerate: bool,
        /// The revision to build on (default: head; `heads` merges; `base` starts a new root).
        #[arg(long)]
        head: Option<String>,
        /// Allow building on a revision that is not a head (starts a branch).
        #[arg(long)]
        splice: bool,
        /// A branch label for the new revision.
        #[arg(long = "branch-label")]
        branch_label: Vec<String>,
        /// A revision or label the new revision depends on.
        #[arg(long = "depends-on")]
        depends_on: Vec<String>,
        /// Use this revision id instead of a random one.
        #[arg(long = "rev-id")]
        rev_id: Option<String>,
    },
    /// Create a migration that merges revisions (usually `heads`).
    #[command(after_help = "Example:\n  cargo alembic merge heads -m \"merge branches\"")]
    Merge {
        /// The revisions to merge.
        #[arg(required = true)]
        revisions: Vec<String>,
        /// The migration's message.
        #[arg(short, long)]
        message: Option<String>,
        /// A branch label for the merge.
        #[arg(long = "branch-label")]
        branch_label: Vec<String>,
        /// Use this revision id instead of a random one.
        #[arg(long = "rev-id")]
        rev_id: Option<String>,
    },
    /// Exit 1, listing them, when the models differ from what the migrations produce (for CI).
    #[command(after_help = "Examples:\n  cargo alembic check\n  cargo alembic check --stairway")]
    Check {
        /// Also upgrade, downgrade and upgrade again every migration on a new in-memory
        /// database, each downgrade required to restore the schema before it.
        #[arg(long)]
        stairway: bool,
    },
    /// Show the head revisions.
    #[command(after_help = "Example:\n  cargo alembic heads")]
    Heads {
        /// Show each head's full entry.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Show the revisions, newest first.
    #[command(after_help = "Example:\n  cargo alembic history -r 156027c76783:head")]
    History {
        /// A range `start:end` (`start:`, `:end`).
        #[arg(short = 'r', long = "rev-range", allow_hyphen_values = true)]
        rev_range: Option<String>,
        /// Show each revision's full entry.
        #[arg(short, long)]
        verbose: bool,
        /// Mark the revisions the database is at (builds and runs the runner).
        #[arg(short = 'i', long = "indicate-current")]
        indicate_current: bool,
    },
    /// Show the branch points and the revisions they branch into.
    #[command(after_help = "Example:\n  cargo alembic branches")]
    Branches {
        /// Show each branch point's full entry.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Show a revision's full entry (`current`: the revisions the database is at).
    #[command(after_help = "Examples:\n  cargo alembic show head\n  cargo alembic show current")]
    Show {
        /// The revision.
        revision: String,
    },
    /// Open a revision's file in $VISUAL or $EDITOR.
    #[command(after_help = "Example:\n  cargo alembic edit head")]
    Edit {
        /// The revision.
        revision: String,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  cargo alembic completions bash > ~/.local/share/bash-completion/completions/cargo-alembic"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The database commands: upgrade, downgrade, current, stamp.
    #[command(flatten)]
    Db(DbCommand),
}

/// The examples shown under each database command's help, which are `cargo alembic`'s own
/// (the commands are defined once, with `myapp db`).
const DB_EXAMPLES: [(&str, &str); 4] = [
    (
        "upgrade",
        "Examples:\n  cargo alembic upgrade head\n  cargo alembic upgrade +1\n  cargo alembic upgrade head --sql",
    ),
    (
        "downgrade",
        "Examples:\n  cargo alembic downgrade -1\n  cargo alembic downgrade base",
    ),
    ("current", "Example:\n  cargo alembic current"),
    ("stamp", "Example:\n  cargo alembic stamp head"),
];

/// The whole command line, as clap parses and completes it.
fn command_line() -> clap::Command {
    CargoCli::command().mut_subcommand("alembic", |mut alembic| {
        for (name, examples) in DB_EXAMPLES {
            alembic = alembic.mut_subcommand(name, |c| c.after_help(examples));
        }
        alembic
    })
}

/// Runs the command line and reports errors: the binary's whole `main`.
pub fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // Run directly (`cargo-alembic upgrade head`) as well as through cargo.
    if args.get(1).is_none_or(|a| a != "alembic") {
        args.insert(1, "alembic".into());
    }
    let matches = command_line().get_matches_from(args);
    let CargoCli::Alembic(cli) = CargoCli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match run(&cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(CliError::RunnerFailed(code)) => ExitCode::from(code),
        // As Unix tools do when their reader goes away: stop, say nothing.
        Err(CliError::Stdout(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(exit::OK)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

fn run(cli: &Cli) -> Result<(), CliError> {
    if let Command::Completions { shell } = cli.command {
        // Into a buffer: clap_complete panics when its writer fails (`| head`).
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command_line(), "cargo", &mut script);
        out!("{}", String::from_utf8_lossy(&script).trim_end());
        return Ok(());
    }
    let project = Project::discover(&Lookup {
        manifest_path: cli.manifest_path.as_deref(),
        package: cli.package.as_deref(),
        database: cli.database.as_deref(),
        busy_timeout_ms: cli.busy_timeout,
    })?;
    // Only an explicit --database makes autogenerate compare with a database.
    let against = if cli.database.is_some() {
        Against::Database
    } else {
        Against::Migrations
    };
    match &cli.command {
        Command::Init { path } => commands::init::init(&project, path.as_deref(), cli.quiet),
        Command::Revision {
            message,
            autogenerate,
            head,
            splice,
            branch_label,
            depends_on,
            rev_id,
        } => {
            let new = NewRevision {
                message: message.clone(),
                head: head.clone(),
                splice: *splice,
                branch_labels: branch_label.clone(),
                depends_on: depends_on.clone(),
                rev_id: rev_id.clone(),
                quiet: cli.quiet,
            };
            if *autogenerate {
                commands::autogenerate::autogenerate(&project, &new, against, cli.quiet).map(drop)
            } else {
                let empty = render::Body::default();
                commands::revision::revision(&project, &new, &empty, &empty).map(drop)
            }
        }
        Command::Check { stairway } => {
            if *stairway {
                runner::stairway(&project)?;
            }
            commands::autogenerate::check(&project, against)
        }
        Command::Merge {
            revisions,
            message,
            branch_label,
            rev_id,
        } => {
            let new = NewRevision {
                message: message.clone(),
                branch_labels: branch_label.clone(),
                rev_id: rev_id.clone(),
                quiet: cli.quiet,
                ..NewRevision::default()
            };
            commands::revision::merge(&project, revisions, &new).map(drop)
        }
        Command::Heads { verbose } => commands::graph::heads(&project, *verbose),
        Command::History {
            rev_range,
            verbose,
            indicate_current,
        } => {
            let current = if *indicate_current || rev_range.as_deref().is_some_and(names_current) {
                Some(runner::current_rows(&project)?)
            } else {
                None
            };
            commands::graph::history(
                &project,
                rev_range.as_deref(),
                *verbose,
                current.as_deref(),
                *indicate_current,
            )
        }
        Command::Branches { verbose } => commands::graph::branches(&project, *verbose),
        Command::Show { revision } => {
            let current = if revision == CURRENT {
                Some(runner::current_rows(&project)?)
            } else {
                None
            };
            commands::graph::show(&project, revision, current.as_deref())
        }
        Command::Edit { revision } => commands::edit::edit(&project, revision),
        Command::Completions { .. } => unreachable!("answered before the project is looked up"),
        Command::Db(command) => {
            if let (DbCommand::Current { verbose: true }, Some(db), Some(shown), false) = (
                command,
                &project.database,
                project.shown_database(),
                cli.quiet,
            ) {
                eprintln!("Database {shown} (from {})", db.source);
            }
            // The runner runs in the package's directory; a backup path typed here is the
            // user's, from where they are.
            let mut command = command.clone();
            if let DbCommand::Upgrade {
                backup: Some(path), ..
            } = &mut command
            {
                if !path.is_empty() && Path::new(path.as_str()).is_relative() {
                    let here = std::env::current_dir().map_err(CliError::io("."))?;
                    *path = here.join(&*path).display().to_string();
                }
            }
            runner::run(&project, &command, cli.quiet)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        command_line().debug_assert();
    }

    #[test]
    fn relative_targets_parse_as_values_not_flags() {
        let CargoCli::Alembic(cli) = CargoCli::parse_from(["cargo", "alembic", "downgrade", "-1"]);
        assert!(
            matches!(cli.command, Command::Db(DbCommand::Downgrade { ref revision, .. }) if revision == "-1")
        );
        let CargoCli::Alembic(cli) = CargoCli::parse_from(["cargo", "alembic", "upgrade", "-2"]);
        assert!(
            matches!(cli.command, Command::Db(DbCommand::Upgrade { ref revision, .. }) if revision == "-2")
        );
        let CargoCli::Alembic(cli) =
            CargoCli::parse_from(["cargo", "alembic", "history", "-r", "-1:"]);
        assert!(
            matches!(cli.command, Command::History { rev_range: Some(ref r), .. } if r == "-1:")
        );
    }
}
