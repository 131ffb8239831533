//! Database URLs, read the way their users' other tools read them: SQLAlchemy's
//! `sqlite:///relative.db` and `sqlite:////absolute.db` (Python Alembic users bring these),
//! sqlx's `sqlite:app.db` and `sqlite://app.db`, `sqlite::memory:`, and plain paths. A scheme
//! this crate does not serve is an error, never a folder named after it.
//!
//! ```
//! use std::path::PathBuf;
//! use alembic_core::url::DatabaseUrl;
//!
//! assert_eq!(DatabaseUrl::parse("sqlite:///instance/app.db"), Ok(DatabaseUrl::File(PathBuf::from("instance/app.db"))));
//! assert_eq!(DatabaseUrl::parse("sqlite:////var/lib/app.db"), Ok(DatabaseUrl::File(PathBuf::from("/var/lib/app.db"))));
//! assert_eq!(DatabaseUrl::parse("app.db?mode=rwc"), Ok(DatabaseUrl::File(PathBuf::from("app.db"))));
//! assert_eq!(DatabaseUrl::parse("sqlite::memory:"), Ok(DatabaseUrl::Memory));
//! assert!(DatabaseUrl::parse("postgres://localhost/x").is_err());
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
}

/// Why a database URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// Nothing was given.
    Empty,
    /// A URL scheme other than `sqlite:`. Only the scheme is kept: the rest may hold a
    /// password.
    UnsupportedScheme(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Empty => write!(f, "the database URL is empty"),
            UrlError::UnsupportedScheme(scheme) => write!(
                f,
                "database URLs with the scheme `{scheme}:` are not supported; use a SQLite file path, \
                 sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite::memory:"
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
                Err(UrlError::UnsupportedScheme("postgres".into())),
            ),
            (
                "postgresql://localhost/x",
                Err(UrlError::UnsupportedScheme("postgresql".into())),
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
        let message = DatabaseUrl::parse("postgres://u:secret@localhost/x")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("secret"), "{message}");
        assert!(message.starts_with("database URLs with the scheme `postgres:`"));
    }
}
