//! Alembic's database commands for a binary (feature `cli`; the runner's entry point alone
//! with `runner`): an application can expose
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

#[cfg(feature = "cli")]
use alembic_core::command::parse_busy_timeout;
use alembic_core::command::{Action, Request, RequestError, RunnerInfo, HANDSHAKE, PROTOCOL};
use alembic_core::revision::resolve::split_range;
use std::fmt;
use std::path::PathBuf;

use alembic_core::url::{DatabaseUrl, UrlError};
#[cfg(feature = "cli")]
use clap::Parser;
use rusqlite::{Connection, OpenFlags};

use crate::{Error, Migrations, ScriptFor, UpgradeOptions};
use alembic_core::schema::sql::SqliteVersion;

pub use alembic_core::command::DbCommand;

/// The database commands.
#[cfg(feature = "cli")]
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
    /// How long to wait for a database another connection has locked [default: 5].
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_busy_timeout)]
    pub busy_timeout: Option<u64>,
    /// The command.
    #[command(subcommand)]
    pub command: DbCommand,
}

/// Parses `args` (the first is the program name) and runs the command.
#[cfg(feature = "cli")]
pub fn run<I, T>(migrations: &Migrations, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match DbArgs::try_parse_from(args) {
        Ok(args) => {
            let mut request =
                Request::new(args.database, args.quiet, Action::Command(args.command));
            request.busy_timeout_ms = args.busy_timeout;
            answer(migrations, &request)
        }
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
    // An application that installed its own logger keeps it. Quiet still shows warnings
    // (an edited migration).
    if log::set_logger(&ALEMBIC_LOGGER).is_ok() {
        log::set_max_level(if request.quiet {
            log::LevelFilter::Warn
        } else {
            log::LevelFilter::Info
        });
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
    let text = |e: Error| match e {
        // The library's advice (Connection::busy_timeout) is not a command-line user's.
        Error::Locked { path, .. } => format!(
            "{path} is locked by another connection and stayed locked for the whole busy timeout; \
             retry when it is free, or wait longer with --busy-timeout SECONDS"
        ),
        e => e.to_string(),
    };
    let create = request.action.creates_database();
    let open = || {
        let mut opened = open(request.database.as_deref(), create)?;
        if let (Some(ms), Opened::Sqlite(conn)) = (request.busy_timeout_ms, &mut opened) {
            conn.busy_timeout(std::time::Duration::from_millis(ms))
                .map_err(|e| format!("cannot set the busy timeout: {e}"))?;
        }
        Ok::<_, String>(opened)
    };
    let command = match &request.action {
        Action::Command(command) => command,
        Action::Stairway => {
            let walked = migrations.stairway().map_err(|e| e.to_string())?;
            emit(&format!(
                "Stairway passed: {walked} revision(s) upgraded, downgraded and upgraded again.\n"
            ))?;
            return Ok(());
        }
        Action::Edited => {
            for edited in migrations.edited(&mut open()?).map_err(text)? {
                emit(&format!("{}\n", edited.revision))?;
            }
            return Ok(());
        }
        Action::CurrentRows => {
            for row in migrations.current(&mut open()?).map_err(text)? {
                emit(&format!("{row}\n"))?;
            }
            return Ok(());
        }
        Action::Schema { from_database } => {
            let schema = if *from_database {
                migrations.head_schema(&mut open()?)
            } else {
                produced_schema(migrations, request)
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
            sqlite_version,
            ..
        } => {
            let version = script_for(request, *sqlite_version);
            offline_log(version);
            let (from, to) = match split_range(revision) {
                Some((from, to)) => (Some(from), to),
                None => (None, revision.as_str()),
            };
            emit(
                &migrations
                    .upgrade_sql_for(from, to, version)
                    .map_err(text)?,
            )?;
        }
        DbCommand::Downgrade {
            revision,
            sql: true,
            sqlite_version,
        } => {
            let (from, to) =
                split_range(revision).ok_or("downgrade with --sql requires <fromrev>:<torev>")?;
            let version = script_for(request, *sqlite_version);
            offline_log(version);
            emit(
                &migrations
                    .downgrade_sql_for(from, to, version)
                    .map_err(text)?,
            )?;
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
            let dialect = script_for(request, None);
            offline_log(dialect);
            let targets: Vec<&str> = revisions.iter().map(String::as_str).collect();
            emit(&migrations.stamp_sql_for(&targets, dialect).map_err(text)?)?;
        }
        DbCommand::Upgrade {
            revision, backup, ..
        } => {
            let mut options = UpgradeOptions::default();
            if let Some(path) = backup {
                // A path typed on the command line is from where it was typed; the default
                // is beside the database.
                options = options.backup_to(if path.is_empty() {
                    PathBuf::from(default_backup(request.database.as_deref())?)
                } else {
                    std::env::current_dir()
                        .map_err(|e| format!("cannot read the working directory: {e}"))?
                        .join(path)
                });
            }
            migrations
                .upgrade_with(&mut open()?, revision, &options)
                .map_err(text)?;
        }
        DbCommand::Downgrade { revision, .. } => {
            migrations.downgrade(&mut open()?, revision).map_err(text)?;
        }
        DbCommand::Stamp {
            revisions,
            rehash: true,
            ..
        } => {
            let targets: Vec<&str> = revisions.iter().map(String::as_str).collect();
            for revision in migrations.rehash(&mut open()?, &targets).map_err(text)? {
                log::info!(
                    target: "alembic.runtime.migration",
                    "Recorded the checksum of {revision} as it is written now"
                );
            }
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
            let mut conn = open()?;
            let graph = migrations.graph().map_err(text)?;
            let rows = migrations.current(&mut conn).map_err(text)?;
            let stored: Vec<usize> = rows.iter().filter_map(|r| graph.get(r)).collect();
            if *verbose {
                emit(&format!(
                    "Current revision(s) for {}:\n",
                    alembic_core::url::redacted(&database_url(request.database.as_deref())?)
                ))?;
            }
            for edited in migrations.edited(&mut conn).map_err(text)? {
                log::warn!(target: "alembic.runtime.migration", "{edited}");
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

/// The schema the migrations produce: on the configured PostgreSQL server when there is
/// one (in a scratch database), else on an in-memory SQLite database.
fn produced_schema(
    migrations: &Migrations,
    request: &Request,
) -> crate::Result<alembic_core::schema::Schema> {
    #[cfg(feature = "postgres")]
    if let Some(Ok(DatabaseUrl::Postgres(url))) =
        request.database.as_deref().map(DatabaseUrl::parse)
    {
        return migrations.schema_on_server(&url);
    }
    let _ = request;
    migrations.schema()
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

/// `backups/<database file stem>-{revision}.db`, beside the database.
fn default_backup(database: Option<&str>) -> Result<String, String> {
    let url = database_url(database)?;
    let stem = match DatabaseUrl::parse(&url) {
        Ok(DatabaseUrl::File(path)) => path.file_stem().map_or_else(
            || "database".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        ),
        _ => "database".to_owned(),
    };
    Ok(format!("backups/{stem}-{{revision}}.db"))
}

fn database_url(database: Option<&str>) -> Result<String, String> {
    database
        .map(str::to_owned)
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or_else(|| "no database: pass --database <path or URL> or set DATABASE_URL".to_owned())
}

/// A database a URL named: a SQLite file, or a PostgreSQL server with the `postgres`
/// feature. `&mut Opened` is a [`crate::Database`], so every call of [`Migrations`] takes
/// it; an application that runs on either database matches on it for its own queries.
pub enum Opened {
    /// A SQLite database.
    Sqlite(Connection),
    /// A PostgreSQL server.
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres::Client>),
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Opened::Sqlite(conn) => f.debug_tuple("Sqlite").field(conn).finish(),
            // rust-postgres's client has no Debug of its own.
            #[cfg(feature = "postgres")]
            Opened::Postgres(_) => f.write_str("Postgres(Client)"),
        }
    }
}

impl crate::database::sealed::Sealed for &mut Opened {}

impl crate::Database for &mut Opened {
    fn backend(&mut self) -> crate::Backend<'_> {
        match self {
            Opened::Sqlite(conn) => crate::Backend::Sqlite(conn),
            #[cfg(feature = "postgres")]
            Opened::Postgres(client) => crate::Backend::Postgres(client),
        }
    }
}

impl crate::DatabaseMut for &mut Opened {
    fn backend_mut(&mut self) -> crate::BackendMut<'_> {
        match self {
            Opened::Sqlite(conn) => crate::BackendMut::Sqlite(conn),
            #[cfg(feature = "postgres")]
            Opened::Postgres(client) => crate::BackendMut::Postgres(client),
        }
    }
}

fn open(database: Option<&str>, create: bool) -> Result<Opened, String> {
    let url = database_url(database)?;
    open_any(&url, create).map_err(|e| match e {
        OpenError::Sqlite(e) => format!("cannot open database {url}: {e}"),
        other => other.to_string(),
    })
}

/// Opens the database a URL names, whichever it is: a SQLite file as [`open_database`]
/// opens it (created when missing), or a connection to a PostgreSQL server (TLS as
/// `sslmode` asks, with the `postgres-tls` feature). For an application that runs on
/// either database, as its `DATABASE_URL` says.
///
/// ```
/// use alembic_runtime::cli::{connect, Opened};
/// assert!(matches!(connect("sqlite::memory:").unwrap(), Opened::Sqlite(_)));
/// ```
///
/// # Errors
/// As [`open_database`]; for a server, [`OpenError::Connect`] says why it refused and
/// what to do, without the URL's password.
pub fn connect(url: &str) -> Result<Opened, OpenError> {
    open_any(url, true)
}

fn open_any(url: &str, create: bool) -> Result<Opened, OpenError> {
    if let Ok(DatabaseUrl::Postgres(url)) = DatabaseUrl::parse(url) {
        return connect_postgres(&url).map_err(OpenError::Connect);
    }
    open_url(url, create).map(Opened::Sqlite)
}

#[cfg(not(feature = "postgres"))]
fn connect_postgres(_url: &str) -> Result<Opened, String> {
    Err(Error::NotBuilt {
        database: "PostgreSQL",
        feature: "postgres",
    }
    .to_string())
}

/// Connects, and says what to do when that fails; the URL is shown without its password.
#[cfg(feature = "postgres")]
fn connect_postgres(url: &str) -> Result<Opened, String> {
    use postgres::error::SqlState;
    let shown = alembic_core::url::redacted(url);
    let target = crate::pg::connect::Target::parse(url)
        .map_err(|e| format!("cannot read the PostgreSQL URL {shown}: {e}"))?;
    let error = match crate::pg::connect::connect(&target) {
        Ok(client) => return Ok(Opened::Postgres(Box::new(client))),
        Err(crate::pg::connect::ConnectError::Postgres(e)) => e,
        Err(other) => return Err(format!("cannot connect to {shown}: {other}")),
    };
    let config = &target.config;
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("(the login user)").to_owned();
    let database = config.get_dbname().unwrap_or(&user).to_owned();
    let advice = match error.code() {
        Some(c) if *c == SqlState::INVALID_PASSWORD || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            format!("authentication failed for user {user}; check the user and password in the URL")
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => format!(
            "the server has no database {database}; create it (`createdb {database}`) or fix the URL"
        ),
        _ if std::error::Error::source(&error)
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused) =>
        {
            format!(
                "connection refused at {}:{port}; is the PostgreSQL server running, and is that its \
                 address?",
                hosts.join(",")
            )
        }
        // rust-postgres's own words ("no TLS implementation configured") say nothing of
        // the URL: this build connects without TLS.
        _ if cfg!(not(feature = "postgres-tls"))
            && config.get_ssl_mode() == postgres::config::SslMode::Require =>
        {
            "the URL asks for TLS (sslmode=require), and this build connects without it: \
             build alembic-runtime with the postgres-tls feature (cargo alembic's runner has \
             it), use sslmode=prefer or disable on a network you trust, or have the \
             application connect with its own TLS connector and hand its client to the runtime"
                .to_owned()
        }
        _ => crate::error::postgres_message(&error),
    };
    Err(format!("cannot connect to {shown}: {advice}"))
}

/// Why a database could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The URL is not one this crate serves.
    Url(UrlError),
    /// The file does not exist, and this command does not create databases.
    Missing(PathBuf),
    /// SQLite could not open or create it.
    Sqlite(rusqlite::Error),
    /// A PostgreSQL URL: connect with `postgres::Client::connect`, or [`connect`].
    Postgres,
    /// The PostgreSQL server could not be reached or refused the connection: what happened
    /// and what to do, the URL shown without its password.
    Connect(String),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Url(e) => e.fmt(f),
            OpenError::Missing(path) => write!(
                f,
                "no database at {}; `upgrade head` creates it",
                path.display()
            ),
            OpenError::Sqlite(e) => e.fmt(f),
            OpenError::Connect(message) => f.write_str(message),
            OpenError::Postgres => f.write_str(
                "a PostgreSQL URL names a server, not a SQLite file: connect with \
                 alembic_runtime::postgres::Client::connect(url, NoTls), or cli::connect(url)",
            ),
        }
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OpenError::Url(e) => Some(e),
            OpenError::Sqlite(e) => Some(e),
            OpenError::Missing(_) | OpenError::Postgres | OpenError::Connect(_) => None,
        }
    }
}

/// Opens the database a URL names ([`DatabaseUrl`]: a file path, `sqlite:///relative.db`,
/// `sqlite:////absolute.db`, `sqlite:path`, `sqlite::memory:`), creating a missing file and
/// its folder (`instance/app.db` on a fresh checkout): what an application that upgrades on
/// boot wants.
///
/// # Errors
/// A URL of another scheme, or SQLite's error when the file cannot be opened or created.
pub fn open_database(url: &str) -> Result<Connection, OpenError> {
    open_url(url, true)
}

/// Opens an existing database, never creating one: for commands that only read.
///
/// # Errors
/// As [`open_database`], and [`OpenError::Missing`] when there is no file.
pub fn open_existing_database(url: &str) -> Result<Connection, OpenError> {
    open_url(url, false)
}

fn open_url(url: &str, create: bool) -> Result<Connection, OpenError> {
    let path = match DatabaseUrl::parse(url).map_err(OpenError::Url)? {
        DatabaseUrl::Memory => return Connection::open_in_memory().map_err(OpenError::Sqlite),
        DatabaseUrl::File(path) => path,
        DatabaseUrl::Postgres(_) => return Err(OpenError::Postgres),
    };
    if !create {
        if !path.exists() {
            return Err(OpenError::Missing(path));
        }
        let mut flags = OpenFlags::default();
        flags.remove(OpenFlags::SQLITE_OPEN_CREATE);
        return Connection::open_with_flags(&path, flags).map_err(OpenError::Sqlite);
    }
    // The folder is created only when opening fails, so that an existing database costs
    // nothing more to open; if creating it fails, SQLite's own message is reported.
    Connection::open(&path)
        .or_else(|first| match path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() && !folder.exists() => {
                let _ = std::fs::create_dir_all(folder);
                Connection::open(&path)
            }
            _ => Err(first),
        })
        .map_err(OpenError::Sqlite)
}

/// What a `--sql` script is for: PostgreSQL when the configured database is, as Alembic
/// takes the dialect from the URL; else SQLite of the version asked for.
fn script_for(request: &Request, sqlite_version: Option<SqliteVersion>) -> ScriptFor {
    let configured = database_url(request.database.as_deref()).ok();
    match configured.as_deref().map(DatabaseUrl::parse) {
        Some(Ok(DatabaseUrl::Postgres(_))) => ScriptFor::Postgres,
        _ => sqlite_version.map_or(ScriptFor::AnySqlite, ScriptFor::Sqlite),
    }
}

fn offline_log(script: ScriptFor) {
    let implementation = match script {
        ScriptFor::Postgres => "PostgresqlImpl",
        _ => "SQLiteImpl",
    };
    log::info!(target: "alembic.runtime.migration", "Context impl {implementation}.");
    log::info!(target: "alembic.runtime.migration", "Generating static SQL");
}

/// Alembic's log format on stderr: `INFO  [alembic.runtime.migration] …`.
struct AlembicLogger;

static ALEMBIC_LOGGER: AlembicLogger = AlembicLogger;

impl log::Log for AlembicLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        // Alembic's own lines; other crates' only when they warn (rust-postgres logs each
        // server NOTICE, such as `relation … already exists, skipping`, at info).
        let shown = if metadata.target().starts_with("alembic") {
            log::Level::Info
        } else {
            log::Level::Warn
        };
        metadata.level() <= shown
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

#[cfg(all(test, feature = "postgres"))]
mod tests {
    use super::*;

    fn refused(url: &str) -> String {
        match open(Some(url), false) {
            Ok(_) => panic!("{url} opened"),
            Err(message) => message,
        }
    }

    #[test]
    fn a_refused_connection_names_the_address_and_never_the_password() {
        let message = refused("postgres://app:s3cret@127.0.0.1:1/app");
        assert_eq!(
            message,
            "cannot connect to postgres://app:***@127.0.0.1:1/app: connection refused at \
             127.0.0.1:1; is the PostgreSQL server running, and is that its address?"
        );
    }

    #[test]
    fn a_missing_role_or_database_says_what_to_do() {
        let Some(server) = alembic_e2e::postgres::server_url() else {
            return;
        };
        let (base, _) = server.rsplit_once('/').unwrap();
        let missing_db = format!("{base}/alembic_no_such_database");
        assert_eq!(
            refused(&missing_db),
            format!(
                "cannot connect to {}: the server has no database alembic_no_such_database; \
                 create it (`createdb alembic_no_such_database`) or fix the URL",
                alembic_core::url::redacted(&missing_db)
            )
        );
        let (scheme, rest) = base.split_once("://").unwrap();
        let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
        let no_role = format!("{scheme}://alembic_no_such_role:pw@{host}/postgres");
        let message = refused(&no_role);
        assert!(
            message.starts_with(&format!(
                "cannot connect to {scheme}://alembic_no_such_role:***@{host}/postgres: "
            )),
            "{message}"
        );
        assert!(message.contains("alembic_no_such_role"), "{message}");
        assert!(!message.contains(":pw@"), "{message}");
    }

    #[test]
    fn the_command_line_migrates_a_postgresql_database() {
        let Some(db) = alembic_e2e::postgres::TestDatabase::create() else {
            return;
        };
        fn up(op: &mut crate::Op) -> Result<(), crate::OpError> {
            op.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        }
        fn down(op: &mut crate::Op) -> Result<(), crate::OpError> {
            op.execute("DROP TABLE t")
        }
        static LIST: [crate::Migration; 1] = [crate::Migration {
            revision: "aaaa00000001",
            down_revisions: &[],
            branch_labels: &[],
            depends_on: &[],
            message: "t",
            upgrade: up,
            downgrade: down,
            checksum: 7,
            transaction: true,
        }];
        static MIGRATIONS: Migrations = Migrations::new(&LIST);
        let url = db.url();
        let code = run(
            &MIGRATIONS,
            ["db", "-q", "--database", &url, "upgrade", "head"],
        );
        assert_eq!(code, ExitCode::SUCCESS);
        let mut client = db.connect();
        assert_eq!(MIGRATIONS.current(&mut client).unwrap(), ["aaaa00000001"]);
        let stamp = run(
            &MIGRATIONS,
            [
                "db",
                "-q",
                "--database",
                &url,
                "stamp",
                "--rehash",
                "current",
            ],
        );
        assert_eq!(stamp, ExitCode::SUCCESS);
        let code = run(
            &MIGRATIONS,
            ["db", "-q", "--database", &url, "downgrade", "base"],
        );
        assert_eq!(code, ExitCode::SUCCESS);
        assert!(MIGRATIONS.current(&mut client).unwrap().is_empty());
    }
}
