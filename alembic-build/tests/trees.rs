//! The build helper on fixture version trees: a good tree gives a deterministic migration
//! list; each kind of broken tree gives exact messages naming file and line.

use std::path::{Path, PathBuf};

use alembic_build::{generate, Builder, VersionsTree};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read(name: &str) -> Result<VersionsTree, Vec<String>> {
    Builder::new()
        .manifest_dir(fixture(name))
        .versions("migrations/versions")
        .read()
        .map_err(|errors| errors.iter().map(ToString::to_string).collect())
}

fn revisions(tree: &VersionsTree) -> Vec<&str> {
    tree.migrations
        .iter()
        .map(|m| m.header.revision.as_str())
        .collect()
}

#[test]
fn a_linear_tree_in_order_skipping_editor_leftovers() {
    let tree = read("linear").unwrap();
    assert_eq!(
        revisions(&tree),
        ["156027c76783", "3f2a9c1b7d4e", "9c0e5d2a8b11"]
    );
    assert_eq!(tree.heads, ["9c0e5d2a8b11"]);
    assert_eq!(tree.migrations[1].message, "add description to monitor");
    assert_eq!(
        tree.migrations[1].path,
        Path::new("migrations/versions/3f2a9c1b7d4e_add_description_to_monitor.rs")
    );
}

#[test]
fn the_generated_list_is_deterministic_and_reviewed() {
    let first = generate::render(&read("branch_merge").unwrap());
    let second = generate::render(&read("branch_merge").unwrap());
    assert_eq!(first, second, "byte-identical across builds");
    let root = fixture("branch_merge").display().to_string();
    insta::assert_snapshot!(first.replace(&root, "<fixture>"));
}

#[test]
fn branches_are_allowed_and_ordered_parents_first_then_by_id() {
    let tree = read("branch_merge").unwrap();
    assert_eq!(
        revisions(&tree),
        [
            "1a0000000001",
            "2a0000000002",
            "2b0000000002",
            "3c0000000003"
        ]
    );
    assert_eq!(tree.heads, ["3c0000000003"]);
    assert_eq!(
        read("two_heads").unwrap().heads,
        ["2a0000000002", "2b0000000002"]
    );
}

#[test]
fn an_empty_or_missing_directory_has_no_migrations() {
    let tree = read("empty").unwrap();
    assert!(tree.migrations.is_empty() && tree.heads.is_empty());
    let missing = Builder::new()
        .manifest_dir(fixture("empty"))
        .versions("nowhere")
        .read()
        .unwrap();
    assert!(missing.migrations.is_empty());
}

#[test]
fn each_broken_tree_names_file_line_and_problem() {
    let cases = [
        (
            "cycle",
            "migrations/versions/aaaa00000001_first.rs:10: \
             Cycle is detected in revisions (aaaa00000001, bbbb00000002, cccc00000003)",
        ),
        (
            "missing_parent",
            "migrations/versions/bbbb00000002_second.rs:10: \
             Revision 0123456789ab referenced from bbbb00000002 is not present",
        ),
        (
            "duplicate_rev",
            "migrations/versions/bbbb00000002_copy_of_first.rs:9: Revision aaaa00000001 is present more than \
             once (also in migrations/versions/aaaa00000001_first.rs:9); give one of them a new id",
        ),
        (
            "syntax_error",
            "migrations/versions/aaaa00000001_broken.rs:16: cannot parse the migration module: \
             unexpected token, expected `;`",
        ),
        (
            "missing_function",
            "migrations/versions/aaaa00000001_no_downgrade.rs: missing `downgrade`; every migration module \
             defines `pub fn upgrade(op: &mut Op) -> Result<()>` and `pub fn downgrade(op: &mut Op) -> Result<()>`",
        ),
        (
            "mistyped_const",
            "migrations/versions/aaaa00000001_mistyped.rs:10: `DOWN_REVISION` must be a list of string \
             literals: `&[\"156027c76783\"]`, or `&[]`",
        ),
    ];
    for (tree, message) in cases {
        assert_eq!(read(tree).unwrap_err(), [message], "{tree}");
    }
}

#[test]
fn the_configured_versions_directory_is_read_from_cargo_toml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"app\"\n\n[package.metadata.alembic]\nversions = \"db/versions\"\n",
    )
    .unwrap();
    let versions = dir.path().join("db/versions");
    std::fs::create_dir_all(&versions).unwrap();
    for entry in std::fs::read_dir(fixture("linear").join("migrations/versions")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), versions.join(entry.file_name())).unwrap();
    }
    let tree = Builder::new().manifest_dir(dir.path()).read().unwrap();
    assert_eq!(tree.migrations.len(), 3);
    assert_eq!(
        tree.migrations[0].path,
        Path::new("db/versions/156027c76783_create_monitor.rs")
    );

    // The same setting as an inline table and as a dotted key.
    for manifest in [
        "[package]\nname = \"app\"\n[package.metadata]\nalembic = { versions = \"db/versions\" }\n",
        "[package]\nname = \"app\"\nmetadata.alembic.versions = 'db/versions'\n",
    ] {
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        let tree = Builder::new().manifest_dir(dir.path()).read().unwrap();
        assert_eq!(tree.migrations.len(), 3, "{manifest}");
    }

    std::fs::write(dir.path().join("Cargo.toml"), "[package\nname = \"app\"\n").unwrap();
    let errors = Builder::new().manifest_dir(dir.path()).read().unwrap_err();
    assert!(
        errors[0].to_string().contains("Cargo.toml"),
        "{}",
        errors[0]
    );

    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"app\"\n[package.metadata.alembic]\nversions = 3\n",
    )
    .unwrap();
    let errors = Builder::new().manifest_dir(dir.path()).read().unwrap_err();
    assert!(
        errors[0].to_string().ends_with(
            "Cargo.toml: [package.metadata.alembic] versions must be a string path, like \"migrations/versions\"; found integer"
        ),
        "{}",
        errors[0]
    );
}

#[test]
fn a_file_that_is_not_utf8_is_named_relative_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let versions = dir.path().join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        versions.join("aaaa00000001_latin1.rs"),
        b"//! caf\xe9\npub const REVISION: &str = \"aaaa00000001\";\n",
    )
    .unwrap();
    let errors = alembic_build::Builder::new()
        .manifest_dir(dir.path())
        .versions("migrations/versions")
        .read()
        .unwrap_err();
    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        ["migrations/versions/aaaa00000001_latin1.rs:1: cannot parse the migration module: the file \
          is not UTF-8 text (the first other byte is on this line); save it as UTF-8"]
    );
}
