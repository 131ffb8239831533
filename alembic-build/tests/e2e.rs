//! alembic-build and `embed_migrations!()` in real cargo builds: temporary crates whose
//! build.rs calls `alembic_build::compile()` over a fixture versions tree, built against the
//! in-tree crates with one shared target directory (set `KEEP_TEMP_DIR=1` to keep the
//! projects for debugging).

use std::path::Path;
use std::process::Output;

use alembic_e2e::{path_dependency, repo, shared_target, unique_name, TempPackage};

/// A temporary application crate.
struct TestProject {
    package: TempPackage,
    name: String,
}

const MAIN: &str = r#"alembic_runtime::embed_migrations!();

fn main() {
    let mut conn = alembic_runtime::rusqlite::Connection::open_in_memory().unwrap();
    let target = std::env::args().nth(1).unwrap_or_else(|| "head".to_owned());
    match MIGRATIONS.upgrade(&mut conn, &target) {
        Ok(applied) => println!("applied: {}", applied.join(" ")),
        Err(e) => {
            println!("error: {e}");
            std::process::exit(1);
        }
    }
}
"#;

impl TestProject {
    fn new(fixture: &str) -> Self {
        let name = unique_name(&format!("e2e_{fixture}"));
        let package = TempPackage::new(
            "alembic-build-e2e-",
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n\
                 [dependencies]\nalembic-runtime = {}\n\n[build-dependencies]\nalembic-build = {}\n",
                path_dependency("alembic-runtime"),
                path_dependency("alembic-build"),
            ),
        );
        package.write(
            "build.rs",
            "fn main() {\n    alembic_build::compile();\n}\n",
        );
        package.write("src/main.rs", MAIN);
        package.write("src/other.rs", "// not a migration\n");
        let versions = package.root().join("migrations/versions");
        std::fs::create_dir_all(&versions).unwrap();
        let source = repo()
            .join("alembic-build/tests/fixtures")
            .join(fixture)
            .join("migrations/versions");
        for entry in std::fs::read_dir(source).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), versions.join(entry.file_name())).unwrap();
        }
        TestProject { package, name }
    }

    fn root(&self) -> &Path {
        self.package.root()
    }

    fn cargo(&self, args: &[&str]) -> Output {
        self.package.cargo(args)
    }

    fn run(&self, target: &str) -> (bool, String) {
        let out = self.cargo(&["run", "--quiet", "--", target]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("error: could not compile"), "{stderr}");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        )
    }

    /// The generated file in OUT_DIR.
    fn generated(&self) -> String {
        let build = shared_target().join("debug/build");
        let dir = std::fs::read_dir(build)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with(&format!("{}-", self.name))
                    && p.join("out/alembic_migrations.rs").exists()
            })
            .expect("the build script ran");
        std::fs::read_to_string(dir.join("out/alembic_migrations.rs")).unwrap()
    }
}

#[test]
fn an_application_embeds_and_applies_its_migrations() {
    let app = TestProject::new("linear");
    let build = app.cargo(&["build"]);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(
        build.status.success() && !stderr.contains("warning"),
        "the build warns:\n{stderr}"
    );
    assert_eq!(
        app.run("head"),
        (
            true,
            "applied: 156027c76783 3f2a9c1b7d4e 9c0e5d2a8b11".to_owned()
        )
    );
    assert_eq!(
        app.run("3f2a"),
        (true, "applied: 156027c76783 3f2a9c1b7d4e".to_owned())
    );
}

#[test]
fn an_application_without_migrations_builds_and_head_is_a_no_op() {
    let app = TestProject::new("empty");
    assert_eq!(app.run("head"), (true, "applied:".to_owned()));
}

#[test]
fn several_heads_build_and_head_fails_with_alembics_message() {
    let app = TestProject::new("two_heads");
    assert_eq!(
        app.run("head"),
        (
            false,
            "error: Multiple head revisions are present for given argument 'head'; please specify a specific \
             target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads"
                .to_owned()
        )
    );
    assert_eq!(
        app.run("heads"),
        (
            true,
            // Alembic 1.20.1 runs the same fork in this order.
            "applied: 1a0000000001 2b0000000002 2a0000000002".to_owned()
        )
    );
}

#[test]
fn a_broken_tree_fails_the_build_with_one_clear_message() {
    let app = TestProject::new("cycle");
    let out = app.cargo(&["build"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "error: {}@0.1.0: migrations/versions/aaaa00000001_first.rs:10: \
         Cycle is detected in revisions (aaaa00000001, bbbb00000002, cccc00000003)",
        app.name
    );
    assert!(stderr.lines().any(|l| l == expected), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn only_the_versions_directory_reruns_the_build_script_and_output_is_reproducible() {
    let app = TestProject::new("linear");
    assert!(app.cargo(&["build"]).status.success());
    let first = app.generated();
    let reran = |out: &Output| {
        String::from_utf8_lossy(&out.stderr).lines().any(|l| {
            l.contains("Running") && l.contains(&app.name) && l.contains("build-script-build")
        })
    };

    std::fs::write(app.root().join("src/other.rs"), "// edited\n").unwrap();
    std::fs::write(app.root().join("src/main.rs"), format!("{MAIN}// edited\n")).unwrap();
    let out = app.cargo(&["build", "-v"]);
    assert!(out.status.success());
    assert!(!reran(&out), "editing src/ re-ran the build script");

    let file = app
        .root()
        .join("migrations/versions/9c0e5d2a8b11_add_incident_table.rs");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("add incident table", "add the incident table"),
    )
    .unwrap();
    let out = app.cargo(&["build", "-v"]);
    assert!(out.status.success());
    assert!(
        reran(&out),
        "editing a migration did not re-run the build script"
    );
    let second = app.generated();
    assert_ne!(first, second);

    std::fs::write(&file, text).unwrap();
    assert!(app.cargo(&["build"]).status.success());
    assert_eq!(app.generated(), first, "the same tree gives the same bytes");
}

#[test]
fn a_forgotten_build_rs_is_one_error_that_says_what_to_add() {
    for build_rs in [None, Some("fn main() {}\n")] {
        let app = TestProject::new("linear");
        let path = app.root().join("build.rs");
        match build_rs {
            None => std::fs::remove_file(&path).unwrap(),
            Some(text) => std::fs::write(&path, text).unwrap(),
        }
        let build = app.cargo(&["build", "--message-format", "short"]);
        let stderr = String::from_utf8_lossy(&build.stderr);
        assert!(!build.status.success());
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("error") && !l.contains("could not compile"))
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "{build_rs:?}: one error, not one per name:\n{stderr}"
        );
        assert!(
            errors[0].ends_with(
                "error: embed_migrations!() found no migration list: add a build.rs with \
                 `fn main() { alembic_build::compile(); }` and alembic-build to [build-dependencies] \
                 (`cargo alembic init` sets both up)"
            ),
            "{}",
            errors[0]
        );
    }
}
