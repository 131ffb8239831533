//! Writing the project's files: every file cargo alembic writes (Cargo.toml, build.rs, new
//! migrations, the runner's sources) goes through here, so none is ever left half-written.

use std::path::Path;

use crate::error::CliError;

/// Writes atomically: a temporary file beside the target (named after the whole file name,
/// so that `Cargo.toml` and `Cargo.lock` never share one), then a rename.
pub(crate) fn write(path: &Path, content: &str) -> Result<(), CliError> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".alembic-tmp");
    let tmp = path.with_file_name(name);
    std::fs::write(&tmp, content).map_err(CliError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(CliError::io(path))
}

/// [`write`], leaving an unchanged file alone so that cargo sees nothing new.
pub(crate) fn write_if_changed(path: &Path, content: &str) -> Result<(), CliError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_leaves_no_temporary_file_or_unchanged_file_touched() {
        let dir = tempfile::tempdir().unwrap();
        let (toml, lock) = (dir.path().join("Cargo.toml"), dir.path().join("Cargo.lock"));
        write(&toml, "a").unwrap();
        write(&lock, "b").unwrap();
        assert_eq!(std::fs::read_to_string(&toml).unwrap(), "a");
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "b");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let before = std::fs::metadata(&toml).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_if_changed(&toml, "a").unwrap();
        assert_eq!(
            std::fs::metadata(&toml).unwrap().modified().unwrap(),
            before
        );
        write_if_changed(&toml, "c").unwrap();
        assert_eq!(std::fs::read_to_string(&toml).unwrap(), "c");
    }
}
