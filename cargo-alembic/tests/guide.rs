//! The user guide, run as written. Every fenced block of `docs/*.md` is exercised, so the
//! guide cannot drift from what the tools do; a block nothing exercises fails
//! `every_block_of_the_guide_is_exercised`.
//!
//! A chapter runs in a copy of this checkout, from its root, with `cargo install` having put
//! cargo-alembic on the PATH. Its blocks, in order:
//!
//! - `sh`: run with bash (stopping at the first failing command) where the previous block
//!   left off;
//! - `text`: what the last `sh` block printed. Each line must appear, in this order; `…`
//!   stands for any text and `<rev>` for a revision id;
//! - `rust` (without `ignore`): compiled and run by rustdoc, the chapter being included in
//!   alembic-runtime's doc-tests;
//! - `rust,ignore` and `toml` blocks say what they are to a reader, and to this test with a
//!   key in the info string (paths are relative to where the last `sh` block left off, and
//!   may have a `*` in their file name):
//!   - `file=PATH`: written there (`toml`: merged into that file, table by table);
//!   - `file=PATH,struct=NAME`: added at the end of that struct's fields;
//!   - `file=PATH,attribute-of=NAME`: added among that struct's attributes;
//!   - `edit=PATH`: replaces a migration's functions, from `pub fn upgrade` on;
//!   - `in=PATH`: shown from that file, which must contain it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

use alembic_e2e::{repo, shared_target};

struct Block {
    /// `sh`, `text`, `rust`, `toml`…: the info string's words without `=`.
    kind: Vec<String>,
    /// The info string's `key=value` words.
    keys: Vec<(String, String)>,
    text: String,
    line: usize,
}

impl Block {
    fn is(&self, word: &str) -> bool {
        self.kind.iter().any(|k| k == word)
    }

    fn key(&self, key: &str) -> Option<&str> {
        self.keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn doctested(&self) -> bool {
        self.is("rust") && !self.is("ignore")
    }
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for (n, line) in markdown.lines().enumerate() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) => {
                let (keys, kind): (Vec<&str>, Vec<&str>) = info
                    .split(',')
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .partition(|w| w.contains('='));
                current = Some(Block {
                    kind: kind.into_iter().map(str::to_owned).collect(),
                    keys: keys
                        .into_iter()
                        .map(|kv| {
                            let (k, v) = kv.split_once('=').unwrap();
                            (k.to_owned(), v.to_owned())
                        })
                        .collect(),
                    text: String::new(),
                    line: n + 1,
                });
            }
            (Some(_), Some(_)) => out.push(current.take().unwrap()),
            (Some(block), None) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// The chapters rustdoc compiles: those alembic-runtime's lib.rs includes for doc-tests.
fn doctested_chapters() -> Vec<String> {
    let lib = std::fs::read_to_string(repo().join("alembic-runtime/src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("#[doc = include_str!(\"../../docs/"))
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// One guide run at a time: they share the copy of the checkout and the target directory.
fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A fresh copy of the checkout, without build output, git data or local databases, at a
/// fixed place and with the sources' modification times, so cargo finds the shared target
/// directory's builds fresh.
fn fresh_checkout() -> PathBuf {
    let to = shared_target().join("guide/cargo-alembic");
    if to.exists() {
        std::fs::remove_dir_all(&to).unwrap();
    }
    let from = repo();
    for entry in walkdir::WalkDir::new(&from).into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        !(name == "target" || name == ".git" || name == "instance")
    }) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
            let modified = entry.metadata().unwrap().modified().unwrap();
            std::fs::File::options()
                .write(true)
                .open(&dest)
                .unwrap()
                .set_modified(modified)
                .unwrap();
        }
    }
    to
}

/// Where `cargo install` puts binaries for the guide; installed once per test run.
fn install_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = shared_target().join("guide-install");
        let out = Command::new("cargo")
            .args(["install", "--locked", "--quiet", "--path"])
            .arg(repo().join("cargo-alembic"))
            .arg("--root")
            .arg(&root)
            .env("CARGO_TARGET_DIR", shared_target())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        root
    })
}

struct Shell {
    cwd: PathBuf,
}

impl Shell {
    fn at(cwd: PathBuf) -> Shell {
        Shell { cwd }
    }

    /// Runs a block with bash where the previous block left off; returns what it printed.
    fn run(&mut self, script: &str, place: &str) -> String {
        let root = install_root();
        let marker = root.join("cwd");
        let path = format!(
            "{}:{}",
            root.join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c"])
            // One stream, in the order a terminal shows it.
            .arg(format!("exec 2>&1\n{script}\npwd > '{}'", marker.display()))
            .current_dir(&self.cwd)
            .env("PATH", path)
            .env("CARGO_INSTALL_ROOT", root)
            .env("CARGO_TARGET_DIR", shared_target())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{place}: this block failed:\n{script}\n{text}"
        );
        self.cwd = PathBuf::from(std::fs::read_to_string(marker).unwrap().trim());
        text
    }

    /// `path`, relative to the working directory; a `*` in the file name must match one file.
    fn resolve(&self, path: &str, place: &str) -> PathBuf {
        let path = self.cwd.join(path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some((prefix, suffix)) = name.split_once('*') else {
            return path;
        };
        let dir = path.parent().unwrap();
        let found: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                n.starts_with(prefix) && n.ends_with(suffix) && n.len() >= name.len() - 1
            })
            .collect();
        assert_eq!(found.len(), 1, "{place}: {name} matches {found:?}");
        found.into_iter().next().unwrap()
    }
}

/// Checks that `expected`'s lines appear in `output`, in order.
fn assert_shows(expected: &str, output: &str, place: &str) {
    let mut lines = output.lines();
    for want in expected.lines().filter(|l| !l.trim().is_empty()) {
        let pattern = regex::escape(want)
            .replace('…', ".*")
            .replace("<rev>", "[0-9a-f]{12}");
        let pattern = regex::Regex::new(&format!("^{pattern}$")).unwrap();
        assert!(
            lines.any(|line| pattern.is_match(line)),
            "{place}: the output does not show, in this order, `{want}`:\n{output}"
        );
    }
}

/// Merges a TOML snippet into a file, table by table: keys of the snippet win.
fn merge_toml(file: &Path, snippet: &str) {
    fn merge(into: &mut toml_edit::Table, from: &toml_edit::Table) {
        for (key, item) in from.iter() {
            match (
                into.get_mut(key).and_then(|i| i.as_table_mut()),
                item.as_table(),
            ) {
                (Some(table), Some(from)) => merge(table, from),
                _ => {
                    into.insert(key, item.clone());
                }
            }
        }
    }
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(file).unwrap().parse().unwrap();
    let snippet: toml_edit::DocumentMut = snippet.parse().unwrap();
    merge(doc.as_table_mut(), snippet.as_table());
    std::fs::write(file, doc.to_string()).unwrap();
}

/// Adds `text` to `pub struct NAME { … }` in `file`: to its attributes, or after its fields.
fn add_to_struct(file: &Path, name: &str, text: &str, attribute: bool, place: &str) {
    let source = std::fs::read_to_string(file).unwrap();
    let start = source
        .find(&format!("pub struct {name} {{"))
        .unwrap_or_else(|| panic!("{place}: no struct {name} in {}", file.display()));
    let at = if attribute {
        start
    } else {
        start + source[start..].find("\n}\n").unwrap() + 1
    };
    std::fs::write(file, format!("{}{text}{}", &source[..at], &source[at..])).unwrap();
}

/// The PostgreSQL database a chapter names, which the test replaces by a database of its
/// own on the test server (`ALEMBIC_TEST_POSTGRES`), dropped after it.
const GUIDE_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/pgnotes";

/// Runs one chapter of the guide.
fn run_chapter(name: &str) {
    let _guard = exclusive();
    let markdown = std::fs::read_to_string(repo().join("docs").join(name)).unwrap();
    // A chapter on PostgreSQL gets a database of its own, or is skipped with the other
    // PostgreSQL tests (scripts/test.sh says so loudly; CI never skips them).
    let database = if markdown.contains(GUIDE_POSTGRES) {
        match alembic_e2e::postgres::TestDatabase::create() {
            Some(db) => Some(db),
            None => return,
        }
    } else {
        None
    };
    let markdown = match &database {
        Some(db) => markdown.replace(GUIDE_POSTGRES, &db.url()),
        None => markdown,
    };
    let doctested = doctested_chapters().iter().any(|c| c == name);
    let mut shell = Shell::at(fresh_checkout());
    let mut last: Option<String> = None;
    for block in blocks(&markdown) {
        let place = format!("docs/{name}:{}", block.line);
        if block.is("sh") {
            last = Some(shell.run(&block.text, &place));
        } else if block.is("text") {
            let out = last
                .as_deref()
                .unwrap_or_else(|| panic!("{place}: a text block before any sh block"));
            assert_shows(&block.text, out, &place);
        } else if block.doctested() {
            assert!(
                doctested,
                "{place}: a rust block in a chapter rustdoc does not test"
            );
        } else if let Some(path) = block.key("in") {
            let file = shell.resolve(path, &place);
            let content = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{place}: {}: {e}", file.display()));
            assert!(
                content.contains(&block.text),
                "{place}: {} does not contain the block:\n{content}",
                file.display()
            );
        } else if let Some(path) = block.key("edit") {
            let file = shell.resolve(path, &place);
            let source = std::fs::read_to_string(&file).unwrap();
            let at = source.find("pub fn upgrade").unwrap();
            std::fs::write(&file, format!("{}{}", &source[..at], block.text)).unwrap();
        } else if let Some(path) = block.key("file") {
            let file = shell.resolve(path, &place);
            match (block.key("struct"), block.key("attribute-of")) {
                (Some(name), _) => add_to_struct(&file, name, &block.text, false, &place),
                (_, Some(name)) => add_to_struct(&file, name, &block.text, true, &place),
                _ if block.is("toml") => merge_toml(&file, &block.text),
                _ => {
                    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                    std::fs::write(&file, &block.text).unwrap();
                }
            }
        } else {
            panic!("{place}: nothing exercises this block; see cargo-alembic/tests/guide.rs");
        }
    }
}

/// The chapters with something to run: all but those made only of doc-tested Rust.
fn runnable_chapters() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .filter(|n| {
            let markdown = std::fs::read_to_string(repo().join("docs").join(n)).unwrap();
            blocks(&markdown).iter().any(|b| !b.doctested())
        })
        .collect();
    names.sort();
    names
}

macro_rules! chapters {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_chapter($file);
            }
        )*

        #[test]
        fn every_block_of_the_guide_is_exercised() {
            let mut tested = vec![$($file.to_owned()),*];
            tested.sort();
            assert_eq!(
                runnable_chapters(),
                tested,
                "every chapter with blocks to run has a test here"
            );
        }
    };
}

chapters! {
    tutorial => "tutorial.md",
    troubleshooting => "troubleshooting.md",
    branches => "branches.md",
    stamp => "stamp.md",
    deployment => "deployment.md",
    setup => "setup.md",
    from_python => "from-python.md",
    runtime => "runtime.md",
    models => "models.md",
    autogenerate => "autogenerate.md",
    cli => "cli.md",
    embedding => "embedding.md",
    best_practices => "best-practices.md",
    testing => "testing.md",
    postgresql => "postgresql.md",
}

#[test]
fn the_readme_quickstart_works_as_written() {
    let _guard = exclusive();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let quickstart = &blocks(&readme)[0];
    assert!(quickstart.is("sh"));
    let out = Shell::at(fresh_checkout()).run(&quickstart.text, "README.md");
    assert!(out.contains("DOWN example http://127.0.0.1:9/"), "{out}");
    assert!(
        out.contains("example http://127.0.0.1:9/: 0.0% up over 1 check(s), incident open"),
        "{out}"
    );
}
