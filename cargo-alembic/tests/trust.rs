//! Edited migrations, through the real binary: a comment or a reformat is no edit; a changed
//! statement is reported by `check` (exit 1, revision and file), warned about by `current`
//! and `upgrade`, and accepted with `stamp --rehash`.

mod common;

use common::TestProject;

const FILE: &str = "migrations/versions/aaaa00000001_create_note.rs";

/// Leaves `table` out of `check`, so that `check` is about the migrations alone.
fn exclude(p: &TestProject, table: &str) {
    let cargo = p.read("Cargo.toml");
    p.write(
        "Cargo.toml",
        &cargo.replace(
            "database = \"app.db\"",
            &format!("database = \"app.db\"\nexclude_tables = [\"{table}\"]"),
        ),
    );
}

#[test]
fn an_edited_migration_is_caught_and_a_reformatted_one_is_not() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "create note", "--rev-id", "aaaa00000001"]);
    p.set_body(
        "aaaa00000001_create_note.rs",
        "upgrade",
        "op.execute(\"CREATE TABLE note (id INTEGER PRIMARY KEY)\")",
    );
    // The model side agrees with the migrations, so `check` is about the edit alone.
    exclude(&p, "note");
    p.ok(&["upgrade", "head"]);
    assert_eq!(
        p.ok(&["check"]).trim(),
        "No new upgrade operations detected."
    );

    // Comments, blank lines, line breaks and CRLF: the same migration.
    let text = p.read(FILE);
    let reformatted = text
        .replace(
            "op.execute(\"CREATE TABLE note (id INTEGER PRIMARY KEY)\")",
            "// Notes.\n    op.execute(\n        \"CREATE TABLE note (id INTEGER PRIMARY KEY)\",\n    )",
        )
        .replace('\n', "\r\n");
    p.write(FILE, &reformatted);
    assert_eq!(
        p.ok(&["check"]).trim(),
        "No new upgrade operations detected."
    );
    let current = p.alembic(&["current"]);
    assert!(!current.stderr.contains("edited"), "{}", current.stderr);

    // A changed statement is an edit.
    p.write(
        FILE,
        &text.replace("PRIMARY KEY)", "PRIMARY KEY, body TEXT)"),
    );
    let check = p.alembic(&["check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains(&format!("Detected edited migration aaaa00000001 ({FILE})")),
        "{}",
        check.stderr
    );
    assert!(
        check.stderr.contains("cargo alembic stamp --rehash"),
        "{}",
        check.stderr
    );
    for command in [
        &["current"][..],
        &["upgrade", "head"],
        &["-q", "upgrade", "head"],
    ] {
        let run = p.alembic(command);
        assert_eq!(run.code, 0, "{command:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("revision aaaa00000001 (create note) was edited after it was applied"),
            "{command:?}: {}",
            run.stderr
        );
    }

    // Accepting the edit.
    let rehash = p.alembic(&["stamp", "--rehash", "aaaa00000001"]);
    assert_eq!(rehash.code, 0, "{}", rehash.stderr);
    assert!(
        rehash
            .stderr
            .contains("Recorded the checksum of aaaa00000001"),
        "{}",
        rehash.stderr
    );
    assert_eq!(
        p.ok(&["check"]).trim(),
        "No new upgrade operations detected."
    );
    let both = p.alembic(&["stamp", "--rehash", "--purge", "head"]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

/// What rustfmt itself does to a migration written by hand is no edit.
#[test]
fn rustfmt_on_an_applied_migration_is_no_edit() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "seed", "--rev-id", "bbbb00000001"]);
    let file = "migrations/versions/bbbb00000001_seed.rs";
    let text = p.read(file);
    let start = text.find("pub fn upgrade").unwrap();
    p.write(
        file,
        &format!(
            "{}{}",
            &text[..start],
            "use std::fmt::{Write, Debug};\nuse alembic_runtime::prelude::*;\n\
             pub fn upgrade(op:&mut Op)->Result<()>{ let mut s=String::new(); \
             write!(s,\"{:?}\",[1,2,]).unwrap(); let _ = &s as &dyn Debug; \
             match s.len(){0=>{Ok(())} _=>op.execute(\"CREATE TABLE seed (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT)\")} }\n\
             pub fn downgrade(op:&mut Op)->Result<()>{op.drop_table(\"seed\")}\n"
        ),
    );
    exclude(&p, "seed");
    p.ok(&["upgrade", "head"]);
    let before = p.read(file);
    let rustfmt = std::process::Command::new("rustfmt")
        .args(["--edition", "2021"])
        .arg(p.root().join(file))
        .status()
        .unwrap();
    assert!(rustfmt.success());
    assert_ne!(p.read(file), before, "rustfmt changed the file");
    assert_eq!(
        p.ok(&["check"]).trim(),
        "No new upgrade operations detected."
    );
}

#[test]
fn check_stairway_walks_the_migrations_and_names_a_broken_downgrade() {
    let p = TestProject::new();
    exclude(&p, "note");
    p.ok(&["revision", "-m", "create note", "--rev-id", "aaaa00000001"]);
    p.ok(&["revision", "-m", "index note", "--rev-id", "bbbb00000002"]);
    p.set_body(
        "aaaa00000001_create_note.rs",
        "upgrade",
        "op.execute(\"CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)\")",
    );
    p.set_body(
        "aaaa00000001_create_note.rs",
        "downgrade",
        "op.drop_table(\"note\")",
    );
    p.set_body(
        "bbbb00000002_index_note.rs",
        "upgrade",
        "op.create_index(\"note\", Index::new(\"ix_note_body\", &[\"body\"]))",
    );
    // The index's downgrade is missing.
    let run = p.alembic(&["check", "--stairway"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "stairway: revision bbbb00000002 failed at downgrade (it does not restore the \
             schema before the upgrade)"
        ) && run
            .stderr
            .contains("  Detected added index 'ix_note_body' on 'note' (\"body\")"),
        "{}",
        run.stderr
    );
    assert!(
        !p.root().join("app.db").exists(),
        "the stairway needs no database"
    );

    p.set_body(
        "bbbb00000002_index_note.rs",
        "downgrade",
        "op.drop_index(\"ix_note_body\")",
    );
    let out = p.ok(&["check", "--stairway"]);
    assert!(
        out.contains("Stairway passed: 2 revision(s) upgraded, downgraded and upgraded again."),
        "{out}"
    );
    assert!(out.contains("No new upgrade operations detected."), "{out}");
}

#[test]
fn upgrade_backup_copies_the_database_only_when_migrations_are_pending() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "create note", "--rev-id", "aaaa00000001"]);
    p.ok(&["revision", "-m", "drop body", "--rev-id", "bbbb00000002"]);
    p.set_body(
        "aaaa00000001_create_note.rs",
        "upgrade",
        "op.execute(\"CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT); \
         INSERT INTO note (body) VALUES ('keep me')\")",
    );
    p.set_body(
        "bbbb00000002_drop_body.rs",
        "upgrade",
        "op.drop_column(\"note\", \"body\")",
    );
    p.ok(&["upgrade", "aaaa00000001"]);
    let run = p.alembic(&["upgrade", "head", "--backup"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let copy = p.root().join("backups/app-aaaa00000001.db");
    assert!(
        run.stderr.contains(&format!(
            "Backed up {} to {}",
            p.root().join("app.db").display(),
            copy.display()
        )),
        "{}",
        run.stderr
    );
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let body: String = conn
        .query_row("SELECT body FROM note", [], |r| r.get(0))
        .unwrap();
    assert_eq!(body, "keep me");

    // At head: nothing pending, no copy.
    std::fs::remove_file(&copy).unwrap();
    let again = p.alembic(&["upgrade", "head", "--backup", "elsewhere.db"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!again.stderr.contains("Backed up"), "{}", again.stderr);
    assert!(!copy.exists() && !p.root().join("elsewhere.db").exists());

    let both = p.alembic(&["upgrade", "head", "--backup", "--sql"]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

/// A rebuild of many rows reports them; off a terminal, as plain lines.
#[test]
fn a_large_rebuild_reports_its_rows_through_the_cli() {
    let p = TestProject::new();
    exclude(&p, "big");
    p.ok(&["revision", "-m", "fill big", "--rev-id", "aaaa00000001"]);
    p.ok(&["revision", "-m", "rebuild big", "--rev-id", "bbbb00000002"]);
    p.set_body(
        "aaaa00000001_fill_big.rs",
        "upgrade",
        "op.execute(\"CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT, score REAL); \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) \
         INSERT INTO big (name, score) SELECT 'user' || i, i * 0.5 FROM n; \
         CREATE INDEX ix_big_name ON big (name)\")",
    );
    p.set_body(
        "bbbb00000002_rebuild_big.rs",
        "upgrade",
        "op.batch_alter_table(\"big\", |b| {\n        b.recreate_always();\n        \
         b.alter_column(\"score\", AlterColumn::new().nullable(false));\n    })",
    );
    p.ok(&["upgrade", "aaaa00000001"]);
    let run = p.alembic(&["upgrade", "head"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("INFO  [alembic.runtime.progress] Copied 200000 rows of 'big' in "),
        "{}",
        run.stderr
    );
}
