//! `[package.metadata.alembic]` in the package's Cargo.toml (DESIGN §2).

use std::path::{Path, PathBuf};

use crate::error::BuildError;

/// The versions directory when Cargo.toml names none.
pub const DEFAULT_VERSIONS: &str = "migrations/versions";

/// The versions directory configured for the package at `manifest_dir`, relative to it.
///
/// # Errors
/// An unreadable or invalid Cargo.toml, or a `versions` that is not a string.
pub fn versions_dir(manifest_dir: &Path) -> Result<PathBuf, BuildError> {
    Ok(versions_setting(manifest_dir)?.unwrap_or_else(|| PathBuf::from(DEFAULT_VERSIONS)))
}

/// The `versions` key of `[package.metadata.alembic]`, if Cargo.toml sets it.
///
/// # Errors
/// As [`versions_dir`].
pub fn versions_setting(manifest_dir: &Path) -> Result<Option<PathBuf>, BuildError> {
    let path = manifest_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|source| BuildError::Io {
        path: path.clone(),
        source,
    })?;
    // The span-keeping parser of the `toml` crate, without its serde layer: an app's build
    // then compiles no serde.
    let manifest = toml::de::DeTable::parse(&text).map_err(|e| BuildError::Config {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let manifest = toml::de::DeValue::Table(manifest.into_inner());
    let value = ["package", "metadata", "alembic", "versions"]
        .iter()
        .try_fold(&manifest, |value, key| value.get(*key).map(|v| v.get_ref()));
    match value {
        None => Ok(None),
        Some(toml::de::DeValue::String(s)) => Ok(Some(PathBuf::from(&**s))),
        Some(other) => Err(BuildError::Config {
            path,
            message: format!(
                "[package.metadata.alembic] versions must be a string path, like \"{DEFAULT_VERSIONS}\"; found {}", other.type_str()
            ),
        }),
    }
}
