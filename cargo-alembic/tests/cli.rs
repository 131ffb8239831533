//! `cargo alembic` end to end: temporary cargo projects set up with `init --path`, driven
//! through the real binary. Every project shares one target directory, so SQLite and the
//! runner's dependencies compile once (`KEEP_TEMP_DIR=1` keeps the projects).

mod common;

use std::process::Command;

use alembic_e2e::{repo, Run};
use common::TestProject;

#[test]
fn the_seed_workflow() {
    let p = TestProject::new();
    assert!(
        p.read("Cargo.toml").contains("# keep this comment"),
        "init keeps comments"
    );
    assert!(p.read("build.rs").contains("alembic_build::compile()"));
    let again = p.ok(&["init", "--path", &repo().display().to_string()]);
    assert!(
        again.contains("already exists, skipping") && again.contains("already set up, skipping"),
        "{again}"
    );

    p.ok(&[
        "revision",
        "-m",
        "create monitor",
        "--rev-id",
        "aaaa00000001",
    ]);
    p.ok(&[
        "revision",
        "-m",
        "add description",
        "--rev-id",
        "bbbb00000002",
    ]);
    p.ok(&["revision", "-m", "add incident", "--rev-id", "cccc00000003"]);
    assert_eq!(
        p.versions(),
        [
            "aaaa00000001_create_monitor.rs",
            "bbbb00000002_add_description.rs",
            "cccc00000003_add_incident.rs"
        ]
    );
    p.set_body(
        "aaaa00000001_create_monitor.rs",
        "upgrade",
        "op.execute(\"CREATE TABLE monitor (id INTEGER PRIMARY KEY)\")",
    );
    p.set_body(
        "aaaa00000001_create_monitor.rs",
        "downgrade",
        "op.drop_table(\"monitor\")",
    );

    let up = p.alembic(&["upgrade", "head"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(up.stderr.contains(
        "INFO  [alembic.runtime.migration] Running upgrade  -> aaaa00000001, create monitor\n\
         INFO  [alembic.runtime.migration] Running upgrade aaaa00000001 -> bbbb00000002, add description\n\
         INFO  [alembic.runtime.migration] Running upgrade bbbb00000002 -> cccc00000003, add incident"
    ), "{}", up.stderr);
    assert_eq!(p.ok(&["current"]), "cccc00000003 (head)\n");
    assert_eq!(
        p.ok(&["history"]),
        "bbbb00000002 -> cccc00000003 (head), add incident\n\
         aaaa00000001 -> bbbb00000002, add description\n\
         <base> -> aaaa00000001, create monitor\n"
    );

    assert_eq!(
        p.ok(&["history", "-i"]),
        "bbbb00000002 -> cccc00000003 (head) (current), add incident\n\
         aaaa00000001 -> bbbb00000002, add description\n\
         <base> -> aaaa00000001, create monitor\n"
    );
    assert_eq!(
        p.ok(&["history", "-r", "current:"]),
        "bbbb00000002 -> cccc00000003 (head), add incident\n"
    );

    let down = p.alembic(&["downgrade", "-1"]);
    assert!(
        down.stderr
            .contains("Running downgrade cccc00000003 -> bbbb00000002, add incident"),
        "{}",
        down.stderr
    );
    assert_eq!(p.ok(&["current"]), "bbbb00000002\n");
    p.ok(&["downgrade", "base"]);
    assert_eq!(p.ok(&["current"]), "");
    p.ok(&["upgrade", "+2"]);
    assert_eq!(p.ok(&["current"]), "bbbb00000002\n");
    p.ok(&["stamp", "head"]);
    assert_eq!(p.ok(&["current"]), "cccc00000003 (head)\n");

    p.ok(&[
        "revision",
        "-m",
        "branch work",
        "--head",
        "bbbb00000002",
        "--splice",
        "--rev-id",
        "dddd00000004",
    ]);
    assert_eq!(
        p.ok(&["heads"]),
        "cccc00000003 (head)\ndddd00000004 (head)\n"
    );
    let blocked = p.alembic(&["upgrade", "head"]);
    assert_eq!(blocked.code, 1);
    assert_eq!(
        blocked.stderr.lines().last().unwrap(),
        "error: Multiple head revisions are present for given argument 'head'; please specify a specific target \
         revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads"
    );
    let no_revision = p.alembic(&["revision", "-m", "x"]);
    assert_eq!(no_revision.code, 1);
    assert!(
        no_revision
            .stderr
            .starts_with("error: Multiple heads are present"),
        "{}",
        no_revision.stderr
    );

    p.ok(&[
        "merge",
        "heads",
        "-m",
        "merge branches",
        "--rev-id",
        "eeee00000005",
    ]);
    let merge = p.read("migrations/versions/eeee00000005_merge_branches.rs");
    assert!(
        merge.contains("pub const DOWN_REVISION: &[&str] = &[\"cccc00000003\", \"dddd00000004\"];"),
        "{merge}"
    );
    let up = p.alembic(&["upgrade", "head"]);
    assert!(
        up.stderr
            .contains("Running upgrade cccc00000003, dddd00000004 -> eeee00000005, merge branches"),
        "{}",
        up.stderr
    );
    assert_eq!(p.ok(&["current"]), "eeee00000005 (head) (mergepoint)\n");
}

#[test]
fn upgrade_sql_prints_the_script_without_touching_a_database() {
    let p = TestProject::new();
    p.ok(&[
        "revision",
        "-m",
        "create monitor",
        "--rev-id",
        "aaaa00000001",
    ]);
    p.ok(&["revision", "-m", "add status", "--rev-id", "bbbb00000002"]);
    p.set_body(
        "aaaa00000001_create_monitor.rs",
        "upgrade",
        "op.create_table(\n        Table::new(\"monitor\")\n            .column(Column::new(\"id\", Type::Integer))\n            \
         .column(Column::new(\"url\", Type::Text))\n            .primary_key(&[\"id\"]),\n    )",
    );
    p.set_body(
        "bbbb00000002_add_status.rs",
        "upgrade",
        "op.alter_column(\"monitor\", \"url\", AlterColumn::new().nullable(true))",
    );
    let script = p.ok(&["upgrade", "head", "--sql"]);
    assert!(!p.root().join("app.db").exists(), "no database was opened");
    insta::assert_snapshot!(script);
    let down = p.ok(&["downgrade", "bbbb00000002:base", "--sql"]);
    assert!(
        down.starts_with("BEGIN;\n\n-- Running downgrade bbbb00000002 -> aaaa00000001\n"),
        "{down}"
    );
    assert!(down.contains("-- Running downgrade aaaa00000001 -> \n") && down.ends_with(
        "DELETE FROM alembic_version WHERE alembic_version.version_num = 'aaaa00000001';\n\nCOMMIT;\n"
    ), "{down}");
    let needs_range = p.alembic(&["downgrade", "base", "--sql"]);
    assert_eq!(
        needs_range.stderr.trim_end(),
        "error: downgrade with --sql requires <fromrev>:<torev>"
    );
    let stamp = p.ok(&["stamp", "head", "--sql"]);
    assert!(stamp.contains("-- Running stamp_revision  -> bbbb00000002\n\nINSERT INTO alembic_version (version_num) VALUES ('bbbb00000002');"), "{stamp}");
    let range = p.ok(&["upgrade", "aaaa00000001:head", "--sql"]);
    assert!(
        range.starts_with("BEGIN;\n\n-- Running upgrade aaaa00000001 -> bbbb00000002"),
        "{range}"
    );
    assert!(range.contains("_alembic_tmp_monitor"), "{range}");

    // A script for SQLite 3.53+ drops the NOT NULL in place instead of rebuilding.
    let newer = p.ok(&[
        "upgrade",
        "aaaa00000001:head",
        "--sql",
        "--sqlite-version",
        "3.53.0",
    ]);
    assert_eq!(
        newer,
        "BEGIN;\n\n-- Running upgrade aaaa00000001 -> bbbb00000002\n\n\
         ALTER TABLE \"monitor\" ALTER COLUMN \"url\" DROP NOT NULL;\n\n\
         UPDATE alembic_version SET version_num='bbbb00000002' \
         WHERE alembic_version.version_num = 'aaaa00000001';\n\nCOMMIT;\n"
    );
    let older = p.ok(&[
        "upgrade",
        "aaaa00000001:head",
        "--sql",
        "--sqlite-version",
        "3.52",
    ]);
    assert_eq!(older, range);
    let without_sql = p.alembic(&["upgrade", "head", "--sqlite-version", "3.53.0"]);
    assert_eq!(without_sql.code, 2, "{}", without_sql.stderr);
    assert!(
        without_sql.stderr.contains("--sql"),
        "{}",
        without_sql.stderr
    );
    let typo = p.alembic(&["upgrade", "head", "--sql", "--sqlite-version", "3.x"]);
    assert_eq!(typo.code, 2, "{}", typo.stderr);
    assert!(
        typo.stderr.contains("`3.x` is not a SQLite 3 version"),
        "{}",
        typo.stderr
    );
}

#[test]
fn bad_input_gets_one_clear_message_and_exit_code() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    p.ok(&["upgrade", "head"]);
    let check = |args: &[&str], code: i32, message: &str| {
        let run = p.alembic(args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.lines().last().unwrap_or(""),
            message,
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    };
    check(
        &["upgrade", "zzzz"],
        1,
        "error: Can't locate revision identified by 'zzzz'",
    );
    check(
        &["upgrade", "head+1"],
        1,
        "error: Relative revision +1 didn't produce 1 migrations",
    );
    check(
        &["revision", "-m", "again", "--rev-id", "aaaa00000001"],
        1,
        "error: Revision aaaa00000001 is already present; choose another --rev-id (nothing was written)",
    );
    assert_eq!(p.versions().len(), 1, "nothing was written");
    check(
        &["stamp", "head", "--purge", "--sql"],
        1,
        "error: Can't use --purge with --sql mode",
    );
    let usage = p.alembic(&["upgrade"]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);

    p.write(
        "migrations/versions/bbbb00000002_broken.rs",
        "pub const REVISION: &str = \"bbbb00000002\"\n",
    );
    check(
        &["history"],
        1,
        "error: migrations/versions/bbbb00000002_broken.rs:1: cannot parse the migration module: expected `;`",
    );
    std::fs::remove_file(p.root().join("migrations/versions/bbbb00000002_broken.rs")).unwrap();

    // The CLI reads `versions` as the build does: a non-string is an error, not the default.
    let manifest = p.read("Cargo.toml");
    p.write(
        "Cargo.toml",
        &manifest.replace("versions = \"migrations/versions\"", "versions = 3"),
    );
    check(
        &["heads"],
        1,
        &format!("error: {}: [package.metadata.alembic] versions must be a string path, like \"migrations/versions\"; found integer", p.root().join("Cargo.toml").display()),
    );
    p.write("Cargo.toml", &manifest);

    p.write("app.db", &"not a database ".repeat(100));
    let run = p.alembic(&["current"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .trim_end()
            .ends_with("app.db is not a SQLite database (SQLite: file is not a database)"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_database_comes_from_the_flag_then_the_environment_then_dotenv_then_cargo_toml() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    let manifest = p.read("Cargo.toml");
    p.write(
        "Cargo.toml",
        &manifest.replace("database = \"app.db\"\n", ""),
    );
    let none = p.alembic(&["current"]);
    assert_eq!(
        (none.code, none.stderr.trim_end()),
        (
            1,
            "error: no database: pass --database <path or URL>, set DATABASE_URL (or put it in .env), or add \
             database = \"…\" to [package.metadata.alembic] in Cargo.toml"
        )
    );
    p.write("Cargo.toml", &manifest);
    p.write(".env", "DATABASE_URL=sqlite://from_dotenv.db\n");
    p.ok(&["upgrade", "head"]);
    assert!(p.root().join("from_dotenv.db").exists() && !p.root().join("app.db").exists());
    p.ok(&["--database", "sqlite:from_flag.db", "upgrade", "head"]);
    assert!(p.root().join("from_flag.db").exists());
}

#[test]
fn graph_commands_read_the_files() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "base", "--rev-id", "aaaa00000001"]);
    p.ok(&["revision", "-m", "core work", "--rev-id", "bbbb00000002"]);
    p.ok(&[
        "revision",
        "-m",
        "network",
        "--head",
        "aaaa00000001",
        "--splice",
        "--branch-label",
        "net",
        "--depends-on",
        "bbbb",
        "--rev-id",
        "cccc00000003",
    ]);
    let net = p.read("migrations/versions/cccc00000003_network.rs");
    assert!(
        net.contains("pub const BRANCH_LABELS: &[&str] = &[\"net\"];"),
        "{net}"
    );
    assert!(
        net.contains("pub const DEPENDS_ON: &[&str] = &[\"bbbb00000002\"];"),
        "partial ids are expanded"
    );
    assert_eq!(
        p.ok(&["heads"]),
        "bbbb00000002 (effective head)\ncccc00000003 (net) (head)\n"
    );
    // The expected text below is what Python Alembic 1.20.1 prints for the same graph
    // (branch children aside: Alembic lists them in set order, we in file order).
    assert_eq!(
        p.ok(&["branches"]),
        "aaaa00000001 (branchpoint)\n             -> bbbb00000002 (effective head)\n             -> cccc00000003 (net) (head)\n\n"
    );
    let branches = p.ok(&["branches", "-v"]);
    assert!(
        branches.starts_with("Rev: aaaa00000001 (branchpoint)\nParent: <base>\nBranches into: bbbb00000002, cccc00000003\nPath: ")
            && branches.ends_with("\n\n             -> bbbb00000002 (effective head), core work\n             -> cccc00000003 (net) (head), network\n\n"),
        "{branches}"
    );
    let show = p.ok(&["show", "net@head"]);
    assert!(
        show.starts_with("Rev: cccc00000003 (head)\nParent: aaaa00000001\nAlso depends on: bbbb00000002\nBranch names: net\nPath: "),
        "{show}"
    );
    let doc = "cccc00000003_network.rs\n\n    network\n    \n    Revision ID: cccc00000003\n    Revises: aaaa00000001\n    Create Date: ";
    assert!(show.contains(doc) && show.ends_with("\n\n"), "{show}");
    let heads = p.ok(&["heads", "-v"]);
    assert!(
        heads.starts_with("Rev: bbbb00000002 (head)\nParent: aaaa00000001\nPath: ")
            && heads.matches("Rev: ").count() == 2,
        "{heads}"
    );
    assert_eq!(
        p.ok(&["history"]),
        "aaaa00000001 (bbbb00000002) -> cccc00000003 (net) (head), network\n\
         aaaa00000001 -> bbbb00000002 (effective head), core work\n\
         <base> -> aaaa00000001 (branchpoint), base\n"
    );
    assert_eq!(p.ok(&["history", "-r", "aaaa:bbbb"]), "aaaa00000001 -> bbbb00000002 (effective head), core work\n<base> -> aaaa00000001 (branchpoint), base\n");
    assert!(p.ok(&["history", "--verbose"]).matches("Rev: ").count() == 3);

    let edited = Command::new(env!("CARGO_BIN_EXE_cargo-alembic"))
        .args(["alembic", "edit", "bbbb"])
        .current_dir(p.root())
        .env("EDITOR", "echo editing")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&edited.stdout).starts_with("editing ") && edited.status.success()
    );
    assert!(p.ok(&["completions", "bash"]).contains("alembic"));

    let quiet = p.alembic(&["-q", "upgrade", "heads"]);
    assert_eq!(
        (quiet.code, quiet.stderr.as_str()),
        (0, ""),
        "-q silences progress"
    );
    assert_eq!(
        p.ok(&["current"]),
        "bbbb00000002 (effective head)\ncccc00000003 (head)\n"
    );
    assert_eq!(
        p.ok(&["history", "-i"]),
        "aaaa00000001 (bbbb00000002) -> cccc00000003 (net) (head) (current), network\n\
         aaaa00000001 -> bbbb00000002 (effective head), core work\n\
         <base> -> aaaa00000001 (branchpoint), base\n",
        "(current) marks the stored version rows only"
    );
    let verbose = p.ok(&["current", "-v"]);
    assert!(
        verbose.starts_with("Current revision(s) for ")
            && verbose.contains("Rev: cccc00000003 (head)\nParent: aaaa00000001\nAlso depends on: bbbb00000002\nBranch names: net\n\n    network\n")
            && verbose.matches("Rev: ").count() == 2,
        "{verbose}"
    );
    let current = p.ok(&["show", "current"]);
    assert!(
        current.starts_with("Rev: cccc00000003 (head)\n") && current.matches("Rev: ").count() == 1,
        "{current}"
    );
}

#[test]
fn broken_trees_and_databases_are_reported_through_the_cli() {
    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    p.ok(&["revision", "-m", "second", "--rev-id", "bbbb00000002"]);
    let second = "migrations/versions/bbbb00000002_second.rs";
    let text = p.read(second);
    let check = |message: &str| {
        let run = p.alembic(&["history"]);
        assert_eq!((run.code, run.stderr.trim_end()), (1, message));
    };
    p.write(
        second,
        &text.replace("&[\"aaaa00000001\"]", "&[\"0123456789ab\"]"),
    );
    check("error: migrations/versions/bbbb00000002_second.rs:10: Revision 0123456789ab referenced from bbbb00000002 is not present");
    p.write(
        second,
        &text.replace("= \"bbbb00000002\"", "= \"aaaa00000001\""),
    );
    check(
        "error: migrations/versions/bbbb00000002_second.rs:9: Revision aaaa00000001 is present more than once \
         (also in migrations/versions/aaaa00000001_first.rs:9); give one of them a new id",
    );
    let first = "migrations/versions/aaaa00000001_first.rs";
    let first_text = p.read(first);
    p.write(second, &text);
    p.write(
        first,
        &first_text.replace(
            "DOWN_REVISION: &[&str] = &[]",
            "DOWN_REVISION: &[&str] = &[\"bbbb00000002\"]",
        ),
    );
    check("error: migrations/versions/aaaa00000001_first.rs:10: Cycle is detected in revisions (aaaa00000001, bbbb00000002)");
    p.write(first, &first_text);

    // A database ahead of the code: its row names a revision no file declares.
    p.ok(&["upgrade", "head"]);
    std::fs::remove_file(p.root().join(second)).unwrap();
    let run = p.alembic(&["current"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.trim_end().ends_with(
            "error: The database is at revision 'bbbb00000002', which no migration declares; the database may be newer \
             than this code (deploy the newer code) or was stamped by hand (fix it with stamp)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_workspace_with_several_alembic_packages_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"app_one\", \"app_two\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    for name in ["app_one", "app_two"] {
        let pkg = dir.path().join(name);
        std::fs::create_dir_all(pkg.join("src")).unwrap();
        // A new history: the first revision creates `versions/` under an existing parent.
        std::fs::create_dir_all(pkg.join("migrations")).unwrap();
        std::fs::write(
            pkg.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.alembic]\n"),
        )
        .unwrap();
        std::fs::write(pkg.join("src/main.rs"), "fn main() {}\n").unwrap();
    }
    let run = |args: &[&str]| -> Run {
        Command::new(env!("CARGO_BIN_EXE_cargo-alembic"))
            .arg("alembic")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
            .into()
    };
    let in_member = Command::new(env!("CARGO_BIN_EXE_cargo-alembic"))
        .args([
            "alembic",
            "revision",
            "-m",
            "in one",
            "--rev-id",
            "bbbb00000001",
        ])
        .current_dir(dir.path().join("app_one/src"))
        .output()
        .unwrap();
    assert!(in_member.status.success(), "{in_member:?}");
    assert!(
        dir.path()
            .join("app_one/migrations/versions/bbbb00000001_in_one.rs")
            .exists(),
        "inside a member, that member is the package, as for cargo"
    );
    let ambiguous = run(&["heads"]);
    assert_eq!(
        (ambiguous.code, ambiguous.stderr.trim_end()),
        (1, "error: several packages in this workspace use cargo-alembic (app_one, app_two); choose one with -p <package>")
    );
    let chosen = run(&[
        "-p",
        "app_two",
        "revision",
        "-m",
        "first",
        "--rev-id",
        "aaaa00000001",
    ]);
    assert_eq!(chosen.code, 0, "{}", chosen.stderr);
    assert!(dir
        .path()
        .join("app_two/migrations/versions/aaaa00000001_first.rs")
        .exists());
}

#[test]
fn init_keeps_an_existing_build_rs_and_the_runner_is_built_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"keeps_build_rs\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("build.rs"), "fn main() {}\n").unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
    let init: Run = Command::new(env!("CARGO_BIN_EXE_cargo-alembic"))
        .args(["alembic", "init", "--path", &repo().display().to_string()])
        .current_dir(dir.path())
        .output()
        .unwrap()
        .into();
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("build.rs")).unwrap(),
        "fn main() {}\n"
    );
    assert!(
        init.stdout
            .contains("Add this line to the main function of"),
        "{}",
        init.stdout
    );
    assert!(init.stdout.contains("alembic_build::compile();"));

    let p = TestProject::new();
    p.ok(&["revision", "-m", "first", "--rev-id", "aaaa00000001"]);
    p.ok(&["upgrade", "head"]);
    let built = std::fs::metadata(p.runner()).unwrap().modified().unwrap();
    p.ok(&["current"]);
    p.ok(&["downgrade", "base"]);
    assert_eq!(
        std::fs::metadata(p.runner()).unwrap().modified().unwrap(),
        built,
        "the runner was not rebuilt"
    );
    p.ok(&["revision", "-m", "second", "--rev-id", "bbbb00000002"]);
    p.ok(&["upgrade", "head"]);
    assert_ne!(
        std::fs::metadata(p.runner()).unwrap().modified().unwrap(),
        built,
        "a new migration rebuilds it"
    );
}

#[test]
fn the_runner_answers_the_handshake_and_refuses_requests_of_another_protocol() {
    let p = TestProject::new();
    p.ok(&["upgrade", "head"]);
    let info: Run = Command::new(p.runner())
        .arg("--protocol")
        .output()
        .unwrap()
        .into();
    assert_eq!(info.code, 0, "{}", info.stderr);
    assert_eq!(
        info.stdout.trim(),
        format!(
            "{{\"protocol\":{},\"runtime\":\"{}\"}}",
            alembic_core::command::PROTOCOL,
            env!("CARGO_PKG_VERSION")
        )
    );
    let other = format!(
        "{{\"protocol\":{},\"database\":\"app.db\",\"quiet\":true,\"action\":\"CurrentRows\"}}",
        alembic_core::command::PROTOCOL + 1
    );
    let refused: Run = Command::new(p.runner())
        .arg(other)
        .current_dir(p.root())
        .output()
        .unwrap()
        .into();
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("use the cargo-alembic of the same version as alembic-runtime"),
        "{}",
        refused.stderr
    );
    assert_eq!(refused.stdout, "", "nothing was answered");
}

const MONITOR: &str = r#"use alembic_runtime::Model;

#[derive(Model)]
pub struct Monitor {
    #[alembic(primary_key)]
    pub id: i64,
    #[alembic(index)]
    pub url: String,
}
"#;

#[test]
fn autogenerate_upgrade_and_check_from_edited_models() {
    let p = TestProject::new();
    assert!(
        p.read("Cargo.toml").contains("features = [\"derive\"]"),
        "init turns on models"
    );
    std::fs::create_dir_all(p.root().join("src/models")).unwrap();
    p.write("src/models/monitor.rs", MONITOR);

    let check = p.alembic(&["check"]);
    assert_eq!(
        (check.code, check.stderr.as_str()),
        (
            1,
            "error: New upgrade operations detected:\n  Detected added table 'monitor'\n  \
             Detected added index 'ix_monitor_url' on 'monitor' (\"url\")\n\
             Generate the migration with `cargo alembic revision --autogenerate -m \"…\"`.\n"
        )
    );

    let run = p.alembic(&[
        "revision",
        "--autogenerate",
        "-m",
        "create monitor",
        "--rev-id",
        "aaaa00000001",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "INFO  [alembic.autogenerate.compare] Detected added table 'monitor'\n\
         INFO  [alembic.autogenerate.compare] Detected added index 'ix_monitor_url' on 'monitor' (\"url\")\n"
    );
    let file = p.read("migrations/versions/aaaa00000001_create_monitor.rs");
    assert!(
        file.contains("op.create_table(") && file.contains("op.drop_table(\"monitor\")?;"),
        "{file}"
    );
    p.ok(&["upgrade", "head"]);
    assert_eq!(p.ok(&["check"]), "No new upgrade operations detected.\n");
    assert_eq!(
        p.ok(&["revision", "--autogenerate", "-m", "nothing"]),
        "No changes in schema detected.\n"
    );
    assert_eq!(p.versions().len(), 1, "no file when nothing changed");

    // A field added to the model: compared with the database itself this time.
    p.write(
        "src/models/monitor.rs",
        &MONITOR.replace(
            "    pub url: String,\n",
            "    pub url: String,\n    pub description: Option<String>,\n",
        ),
    );
    let run = p.alembic(&[
        "--database",
        "app.db",
        "revision",
        "--autogenerate",
        "-m",
        "add description",
        "--rev-id",
        "bbbb00000002",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stderr
        .contains("Detected added column 'monitor.description'"));
    let behind = p.alembic(&["--database", "app.db", "check"]);
    assert_eq!(
        (behind.code, behind.stderr.as_str()),
        (1, "error: Target database is not up to date.\n")
    );
    p.ok(&["upgrade", "head"]);
    assert_eq!(
        p.ok(&["--database", "app.db", "check"]),
        "No new upgrade operations detected.\n"
    );
    p.ok(&["downgrade", "-1"]);
    assert_eq!(p.ok(&["current"]), "aaaa00000001\n");
    p.ok(&["upgrade", "head"]);

    // Models that cannot be read for certain are reported; mistakes name file and line.
    p.write(
        "src/models/legacy.rs",
        "#[cfg(feature = \"legacy\")]\n#[derive(alembic_runtime::Model)]\npub struct Legacy { pub id: i64 }\n",
    );
    let run = p.alembic(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("WARNI [alembic.autogenerate.compare] src/models/legacy.rs:3: struct Legacy derives Model under #[cfg(...)]"),
        "{}",
        run.stderr
    );
    p.write(
        "src/models/monitor.rs",
        &MONITOR.replace("#[alembic(index)]", "#[alembic(indexed)]"),
    );
    let bad = p.alembic(&["revision", "--autogenerate", "-m", "x"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.starts_with("error: ")
            && bad
                .stderr
                .contains("src/models/monitor.rs:7: unknown #[alembic] field key `indexed`"),
        "{}",
        bad.stderr
    );
    p.write(
        "src/models/monitor.rs",
        &MONITOR.replace("pub url: String", "pub url: std::net::IpAddr"),
    );
    let bad = p.alembic(&["check"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("src/models/monitor.rs:8: field `url`: no SQL type for `std::net::IpAddr`"),
        "{}",
        bad.stderr
    );
    assert_eq!(p.versions().len(), 2);
}
