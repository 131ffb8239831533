//! SQLite release numbers, for scripts written for a server whose SQLite is not the one
//! linked here (`--sql --sqlite-version 3.53.0`).

use std::fmt;
use std::str::FromStr;

/// A SQLite release, as `sqlite3_libversion_number()` counts it (`3.53.0` = 3053000); the
/// default is [`SqliteVersion::OLDEST`].
///
/// ```
/// use alembic_core::schema::sql::SqliteVersion;
/// let v: SqliteVersion = "3.53".parse().unwrap();
/// assert_eq!(v.number(), 3_053_000);
/// assert_eq!(v.to_string(), "3.53.0");
/// assert!("3.x".parse::<SqliteVersion>().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SqliteVersion(i32);

impl SqliteVersion {
    /// A version older than every feature this crate looks for: scripts for it use only
    /// what every supported SQLite runs (a table rebuild where a newer SQLite alters in
    /// place).
    pub const OLDEST: SqliteVersion = SqliteVersion(0);

    /// The version with `sqlite3_libversion_number()` equal to `number`.
    pub const fn from_number(number: i32) -> Self {
        SqliteVersion(number)
    }

    /// The number `sqlite3_libversion_number()` would return.
    pub const fn number(self) -> i32 {
        self.0
    }
}

impl fmt::Display for SqliteVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        write!(f, "{}.{}.{}", n / 1_000_000, n / 1_000 % 1_000, n % 1_000)
    }
}

/// A `--sqlite-version` that is not `MAJOR.MINOR[.PATCH]` of SQLite 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteVersionError(String);

impl fmt::Display for SqliteVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a SQLite 3 version; write it as 3.MINOR or 3.MINOR.PATCH, e.g. 3.53.0",
            self.0
        )
    }
}

impl std::error::Error for SqliteVersionError {}

impl FromStr for SqliteVersion {
    type Err = SqliteVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SqliteVersionError(s.to_owned());
        let parts = s
            .trim()
            .split('.')
            .map(|p| p.parse::<u16>().map_err(|_| bad()))
            .collect::<Result<Vec<_>, _>>()?;
        let (minor, patch) = match parts[..] {
            [3, minor] => (minor, 0),
            [3, minor, patch] => (minor, patch),
            _ => return Err(bad()),
        };
        if minor >= 1_000 || patch >= 1_000 {
            return Err(bad());
        }
        Ok(SqliteVersion(
            3_000_000 + i32::from(minor) * 1_000 + i32::from(patch),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_to_sqlite_version_numbers() {
        for (text, number) in [
            ("3.53.0", 3_053_000),
            ("3.8.11", 3_008_011),
            ("3.54", 3_054_000),
        ] {
            let v: SqliteVersion = text.parse().unwrap();
            assert_eq!(v.number(), number, "{text}");
            assert_eq!(v.to_string().parse::<SqliteVersion>().unwrap(), v);
        }
        for bad in ["", "3", "4.1.0", "3.53.0.1", "3.-1", "3.1000", "v3.53"] {
            assert!(bad.parse::<SqliteVersion>().is_err(), "{bad}");
        }
    }
}
