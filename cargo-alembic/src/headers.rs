//! What the graph commands know of each migration file — its header constants, message,
//! doc and their lines — kept between runs under `target/alembic/`, keyed by the checksum of
//! the file's text. Parsing a thousand modules with syn takes most of a graph command's time;
//! reading and hashing them takes a few milliseconds. A file whose text changed in any way
//! is parsed again; a file that does not parse is never cached, so its error is reported
//! every time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use alembic_build::module::{checksum, read_module, ConstLines};
use alembic_build::{BuildError, MigrationModule};
use alembic_core::revision::graph::RevisionHeader;
use serde::{Deserialize, Serialize};

/// One file's cached reading.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    header: RevisionHeader,
    message: String,
    doc: String,
    /// What the migration does ([`alembic_build::module::code_checksum`]).
    checksum: u64,
    /// `REVISION`, `DOWN_REVISION`, `BRANCH_LABELS`, `DEPENDS_ON`, `TRANSACTION` lines.
    lines: (usize, usize, Option<usize>, Option<usize>, Option<usize>),
}

/// The cache of one package, loaded and saved as a whole.
#[derive(Debug)]
pub struct HeaderCache {
    path: PathBuf,
    /// By checksum, as hex: JSON keys are strings.
    entries: HashMap<String, Entry>,
    /// Checksums seen in this run: what is saved.
    used: HashMap<String, Entry>,
    changed: bool,
}

impl HeaderCache {
    /// The cache at `path`; empty when it is missing or unreadable (it is only a cache).
    pub fn load(path: PathBuf) -> Self {
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        HeaderCache {
            path,
            entries,
            used: HashMap::new(),
            changed: false,
        }
    }

    /// Reads one migration file's text, from the cache when its checksum is known.
    ///
    /// # Errors
    /// What [`read_module`] finds wrong with the file.
    pub fn read(&mut self, path: &Path, text: &str) -> Result<MigrationModule, Vec<BuildError>> {
        let sum = checksum(text);
        let key = format!("{sum:016x}");
        if let Some(entry) = self.entries.get(&key) {
            let module = MigrationModule {
                path: path.to_owned(),
                file: path.to_owned(),
                header: entry.header.clone(),
                message: entry.message.clone(),
                doc: entry.doc.clone(),
                text_checksum: sum,
                checksum: entry.checksum,
                lines: ConstLines {
                    revision: entry.lines.0,
                    down_revision: entry.lines.1,
                    branch_labels: entry.lines.2,
                    depends_on: entry.lines.3,
                    transaction: entry.lines.4,
                },
            };
            self.used.insert(key, entry.clone());
            return Ok(module);
        }
        let module = read_module(path, text)?;
        let l = module.lines;
        self.used.insert(
            key,
            Entry {
                header: module.header.clone(),
                message: module.message.clone(),
                doc: module.doc.clone(),
                checksum: module.checksum,
                lines: (
                    l.revision,
                    l.down_revision,
                    l.branch_labels,
                    l.depends_on,
                    l.transaction,
                ),
            },
        );
        self.changed = true;
        Ok(module)
    }

    /// Writes the entries of this run's files back, when any was new or any is gone. A
    /// failure to write costs only speed next time, so it is ignored.
    pub fn save(self) {
        if !self.changed && self.used.len() == self.entries.len() {
            return;
        }
        if let Ok(json) = serde_json::to_string(&self.used) {
            if let Some(dir) = self.path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = crate::fs::write(&self.path, &json);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(rev: &str, down: &str) -> String {
        format!(
            "//! m {rev}\n\npub const REVISION: &str = \"{rev}\";\npub const DOWN_REVISION: &[&str] = &[{down}];\n\
             pub fn upgrade(_op: &mut Op) -> Result<()> {{ Ok(()) }}\npub fn downgrade(_op: &mut Op) -> Result<()> {{ Ok(()) }}\n"
        )
    }

    #[test]
    fn a_cached_reading_equals_a_fresh_one_and_any_edit_reads_the_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("headers.json");
        let file = Path::new("migrations/versions/b.rs");
        let text = module("bbbb00000002", "\"aaaa00000001\"");

        let mut cache = HeaderCache::load(path.clone());
        let fresh = cache.read(file, &text).unwrap();
        assert_eq!(fresh, read_module(file, &text).unwrap());
        cache.save();

        let mut cache = HeaderCache::load(path.clone());
        assert_eq!(cache.entries.len(), 1, "saved");
        assert_eq!(cache.read(file, &text).unwrap(), fresh, "from the cache");
        let edited = module("bbbb00000002", "\"cccc00000003\"");
        let read = cache.read(file, &edited).unwrap();
        assert_eq!(read.header.down_revisions, ["cccc00000003"]);
        assert!(cache
            .read(file, "pub const REVISION: &str = \"x\"\n")
            .is_err());
        cache.save();
        assert_eq!(
            HeaderCache::load(path).entries.len(),
            2,
            "the entries of this run's files, and no broken one"
        );
    }
}
