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
    Ok(string_setting(
        manifest_dir,
        "versions",
        &format!("a string path, like \"{DEFAULT_VERSIONS}\""),
    )?
    .map(PathBuf::from))
}

/// The `version_table_schema` key of `[package.metadata.alembic]`: the PostgreSQL schema of
/// `alembic_version`, as Alembic's setting of that name.
///
/// # Errors
/// An unreadable or invalid Cargo.toml, or a value that is not a string.
pub fn version_table_schema(manifest_dir: &Path) -> Result<Option<String>, BuildError> {
    string_setting(
        manifest_dir,
        "version_table_schema",
        "a schema name, like \"ops\"",
    )
}

/// A string key of `[package.metadata.alembic]`, if Cargo.toml sets it.
fn string_setting(
    manifest_dir: &Path,
    key: &str,
    expected: &str,
) -> Result<Option<String>, BuildError> {
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
    let value = ["package", "metadata", "alembic", key]
        .iter()
        .try_fold(&manifest, |value, key| value.get(*key).map(|v| v.get_ref()));
    match value {
        None => Ok(None),
        Some(toml::de::DeValue::String(s)) => Ok(Some(s.to_string())),
        Some(other) => Err(BuildError::Config {
            path,
            message: format!(
                "[package.metadata.alembic] {key} must be {expected}; found {}",
                other.type_str()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_table_schema_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let write = |meta: &str| {
            std::fs::write(
                dir.path().join("Cargo.toml"),
                format!("[package]\nname = \"app\"\n\n[package.metadata.alembic]\n{meta}\n"),
            )
            .unwrap();
        };
        write("version_table_schema = \"ops\"");
        assert_eq!(
            version_table_schema(dir.path()).unwrap().as_deref(),
            Some("ops")
        );
        write("versions = \"db/versions\"");
        assert_eq!(version_table_schema(dir.path()).unwrap(), None);
        write("version_table_schema = 7");
        assert_eq!(
            version_table_schema(dir.path()).unwrap_err().to_string(),
            format!(
                "{}: [package.metadata.alembic] version_table_schema must be a schema name, like \
                 \"ops\"; found integer",
                dir.path().join("Cargo.toml").display()
            )
        );
    }
}
