//! Database URLs, read the way their users' other tools read them: SQLAlchemy's
//! `sqlite:///relative.db` and `sqlite:////absolute.db` (Python Alembic users bring these),
//! sqlx's `sqlite:app.db` and `sqlite://app.db`, `sqlite::memory:`, and plain paths;
//! PostgreSQL's `postgres://` and `postgresql://` (libpq's, with SQLAlchemy's driver suffix
//! `postgresql+psycopg://` accepted and dropped). A scheme this crate does not serve is an
//! error, never a folder named after it. A URL is shown only [`redacted`].
//!
//! ```
//! use std::path::PathBuf;
//! use alembic_core::url::DatabaseUrl;
//!
//! assert_eq!(DatabaseUrl::parse("sqlite:///instance/app.db"), Ok(DatabaseUrl::File(PathBuf::from("instance/app.db"))));
//! assert_eq!(DatabaseUrl::parse("sqlite:////var/lib/app.db"), Ok(DatabaseUrl::File(PathBuf::from("/var/lib/app.db"))));
//! assert_eq!(DatabaseUrl::parse("app.db?mode=rwc"), Ok(DatabaseUrl::File(PathBuf::from("app.db"))));
//! assert_eq!(DatabaseUrl::parse("sqlite::memory:"), Ok(DatabaseUrl::Memory));
//! assert_eq!(
//!     DatabaseUrl::parse("postgresql+psycopg://app:secret@db/app"),
//!     Ok(DatabaseUrl::Postgres("postgresql://app:secret@db/app".into()))
//! );
//! assert!(DatabaseUrl::parse("mysql://localhost/x").is_err());
//! ```

use std::fmt;
use std::path::PathBuf;

/// Where a SQLite database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A new in-memory database.
    Memory,
    /// A file; a relative path is relative to the working directory (the package's, under
    /// `cargo alembic`).
    File(PathBuf),
    /// A PostgreSQL server, as a libpq URL (`postgresql://user:password@host:port/db?…`),
    /// which rust-postgres connects to as it is.
    Postgres(String),
}

/// Why a database URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// Nothing was given.
    Empty,
    /// A URL scheme other than `sqlite:`, `postgres:` or `postgresql:`. Only the scheme is
    /// kept: the rest may hold a password.
    UnsupportedScheme(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Empty => write!(f, "the database URL is empty"),
            UrlError::UnsupportedScheme(scheme) => write!(
                f,
                "database URLs with the scheme `{scheme}:` are not supported; use a SQLite file path, \
                 sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite::memory:, or \
                 postgresql://user@host/database"
            ),
        }
    }
}

impl std::error::Error for UrlError {}

impl DatabaseUrl {
    /// Reads a URL or path; a query string (`?mode=rwc`) is ignored.
    ///
    /// # Errors
    /// [`UrlError::Empty`], or [`UrlError::UnsupportedScheme`] for any scheme but `sqlite`.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let url = url.trim();
        if let Some(postgres) = postgres_url(url) {
            return Ok(DatabaseUrl::Postgres(postgres));
        }
        let url = url.split_once('?').map_or(url, |(path, _)| path);
        if url.is_empty() {
            return Err(UrlError::Empty);
        }
        if url == ":memory:" {
            return Ok(DatabaseUrl::Memory);
        }
        let Some(rest) = strip_scheme(url, "sqlite") else {
            return match scheme(url) {
                Some(other) => Err(UrlError::UnsupportedScheme(other.to_owned())),
                None => Ok(DatabaseUrl::File(PathBuf::from(url))),
            };
        };
        // SQLAlchemy: `sqlite://` + `/path`, so three slashes before a relative path and four
        // before an absolute one. sqlx: `sqlite:path` and `sqlite://path`, both relative.
        let path = match rest.strip_prefix("//") {
            Some(after) => after.strip_prefix('/').unwrap_or(after),
            None => rest,
        };
        match path {
            "" | ":memory:" => Ok(DatabaseUrl::Memory),
            path => Ok(DatabaseUrl::File(PathBuf::from(path))),
        }
    }
}

/// A PostgreSQL URL as libpq reads it: `postgres://` or `postgresql://`, with SQLAlchemy's
/// `+driver` dropped.
fn postgres_url(url: &str) -> Option<String> {
    let scheme = scheme(url)?;
    let (base, _driver) = scheme.split_once('+').unwrap_or((scheme, ""));
    let known = ["postgres", "postgresql"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(base));
    known.then(|| format!("{}{}", base.to_ascii_lowercase(), &url[scheme.len()..]))
}

/// A URL fit to show: a PostgreSQL URL's password (in the user part or a `password=`
/// parameter) is replaced by `***`; anything else is returned as it is.
///
/// ```
/// use alembic_core::url::redacted;
/// assert_eq!(redacted("postgres://app:s3cr@t@db:5432/app"), "postgres://app:***@db:5432/app");
/// assert_eq!(redacted("postgresql://db/app?user=app&password=x&sslmode=require"), "postgresql://db/app?user=app&password=***&sslmode=require");
/// assert_eq!(redacted("instance/app.db"), "instance/app.db");
/// ```
pub fn redacted(url: &str) -> String {
    let Some(postgres) = postgres_url(url.trim()) else {
        return url.to_owned();
    };
    let (scheme, rest) = postgres
        .split_once("://")
        .unwrap_or(("postgres", &postgres));
    let (location, query) = match rest.split_once('?') {
        Some((l, q)) => (l, Some(q)),
        None => (rest, None),
    };
    // The user part ends at the last `@` before the path: a password may hold `@`.
    let authority_end = location.find('/').unwrap_or(location.len());
    let (authority, path) = location.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _password)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_owned(),
    };
    let query = query.map(|q| {
        q.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    match query {
        Some(q) => format!("{scheme}://{authority}{path}?{q}"),
        None => format!("{scheme}://{authority}{path}"),
    }
}

/// `url` after `scheme:`, when it starts so (case-insensitively).
fn strip_scheme<'u>(url: &'u str, scheme: &str) -> Option<&'u str> {
    let (head, rest) = url.split_once(':')?;
    head.eq_ignore_ascii_case(scheme).then_some(rest)
}

/// The scheme of a URL (`postgres` in `postgres://…`). One letter before `:` is a Windows
/// drive (`C:\app.db`), not a scheme.
fn scheme(url: &str) -> Option<&str> {
    let (head, _) = url.split_once(':')?;
    let is_scheme = head.len() > 1
        && head.starts_with(|c: char| c.is_ascii_alphabetic())
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme.then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> Result<DatabaseUrl, UrlError> {
        Ok(DatabaseUrl::File(PathBuf::from(path)))
    }

    #[test]
    fn every_spelling_users_bring() {
        let cases = [
            ("app.db", file("app.db")),
            ("instance/app.db", file("instance/app.db")),
            ("/srv/app.db", file("/srv/app.db")),
            (r"C:\data\app.db", file(r"C:\data\app.db")),
            ("sqlite:app.db", file("app.db")),
            ("sqlite://app.db", file("app.db")),
            ("sqlite:///instance/app.db", file("instance/app.db")),
            ("sqlite:////srv/app.db", file("/srv/app.db")),
            ("SQLITE:///app.db", file("app.db")),
            ("sqlite:///app.db?mode=rwc", file("app.db")),
            ("sqlite::memory:", Ok(DatabaseUrl::Memory)),
            (":memory:", Ok(DatabaseUrl::Memory)),
            ("sqlite://", Ok(DatabaseUrl::Memory)),
            ("sqlite:///:memory:", Ok(DatabaseUrl::Memory)),
            ("", Err(UrlError::Empty)),
            (
                "postgres://u:secret@localhost/x",
                Ok(DatabaseUrl::Postgres(
                    "postgres://u:secret@localhost/x".into(),
                )),
            ),
            (
                "PostgreSQL://localhost/x?sslmode=disable",
                Ok(DatabaseUrl::Postgres(
                    "postgresql://localhost/x?sslmode=disable".into(),
                )),
            ),
            (
                "postgresql+psycopg2://localhost/x",
                Ok(DatabaseUrl::Postgres("postgresql://localhost/x".into())),
            ),
            (
                "mysql+pymysql://localhost/x",
                Err(UrlError::UnsupportedScheme("mysql+pymysql".into())),
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(DatabaseUrl::parse(url), expected, "{url}");
        }
    }

    #[test]
    fn the_message_never_repeats_the_url() {
        let message = DatabaseUrl::parse("mysql://u:secret@localhost/x")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("secret"), "{message}");
        assert!(message.starts_with("database URLs with the scheme `mysql:`"));
    }

    #[test]
    fn redaction_hides_every_spelling_of_a_password() {
        for (url, shown) in [
            ("postgres://app:pw@db/app", "postgres://app:***@db/app"),
            (
                "postgresql+psycopg://app:p@ss@db/app",
                "postgresql://app:***@db/app",
            ),
            ("postgres://app@db/app", "postgres://app@db/app"),
            (
                "postgres://db/app?password=pw",
                "postgres://db/app?password=***",
            ),
            ("postgres://db", "postgres://db"),
        ] {
            assert_eq!(redacted(url), shown, "{url}");
            assert!(!redacted(url).contains("pw") && !redacted(url).contains("p@ss"));
        }
    }
}
