//! The runner crate under `target/alembic/<runner>/`, built into the project's target
//! directory, and when it needs cargo.
//!
//! Cargo's own freshness check costs a `cargo build` process (about 50 ms) on every command,
//! and it trusts file times, so a migrations folder restored with older times left a stale
//! runner. Instead the CLI fingerprints what the runner is built from — its generated files,
//! every migration's contents, the project's lock file, the alembic crates when they are
//! path dependencies, this cargo-alembic's version — and runs the existing runner without
//! cargo when the fingerprint is the one recorded after the last build. The fingerprint is
//! also written into the runner's build.rs, so a change reruns its build script whatever
//! the files' times say.
//!
//! The runner keeps its own Cargo.lock, seeded from the project's and replaced only when the
//! project's changes, so cargo does not resolve (and contact the registry) again on every
//! run for the crates the runner adds (clap).
//!
//! The runner is built into the project's own target directory with the project's own
//! `[profile.dev]` (copied into the runner's manifest, since profiles come from the root of
//! what is built), so cargo reuses what the application's debug build compiled — SQLite
//! above all — and a first command on a built application compiles only serde and the
//! runtime's `runner` feature (no clap: the runner reads JSON requests): about 9 s on two
//! cores instead of 24 s with a target of its own. The price is that the runner's SQLite is optimised exactly as the app's debug
//! SQLite is; docs/cli.md shows the one profile line that optimises both.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use alembic_build::MigrationModule;

use crate::error::CliError;
use crate::fs::write_if_changed;
use crate::project::{Project, Source};

/// The migrations' part of the fingerprint: each file's name and checksum.
pub(super) fn migrations_fingerprint(modules: &[MigrationModule]) -> u64 {
    let mut h = DefaultHasher::new();
    for m in modules {
        m.file.hash(&mut h);
        m.text_checksum.hash(&mut h);
    }
    h.finish()
}

/// A runner ready to run.
pub(super) struct Built {
    /// The executable.
    pub(super) exe: PathBuf,
    /// Whether cargo just (re)built it: the caller checks its protocol, then [`Built::record`]s.
    pub(super) fresh: bool,
    stamp: PathBuf,
    fingerprint: String,
}

impl Built {
    /// Records the fingerprint, so that the next command runs this runner without cargo.
    pub(super) fn record(&self) -> Result<(), CliError> {
        write_if_changed(&self.stamp, &self.fingerprint)
    }
}

/// Writes the runner crate and builds it unless the recorded fingerprint says it is current.
pub(super) fn runner(project: &Project, migrations: u64, quiet: bool) -> Result<Built, CliError> {
    // One runner per package: packages of a workspace share the target directory.
    let name = format!("alembic-runner-{}", project.name);
    let dir = project.target_dir.join("alembic").join(&name);
    let exe = project
        .target_dir
        .join("debug")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let stamp = dir.join("fingerprint");
    let features: &[&str] = if project.needs_postgres() {
        &["runner", "postgres-tls"]
    } else {
        &["runner"]
    };
    let runtime = spec(project.runtime.as_ref(), "alembic-runtime", features)?;
    let build = spec(project.build.as_ref(), "alembic-build", &[])?;
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n\
         [dependencies]\nalembic-runtime = {runtime}\n\n[build-dependencies]\nalembic-build = {build}\n{}",
        dev_profile(&project.workspace_root)
    );
    let lock = std::fs::read_to_string(&project.lock_file).ok();
    let fingerprint = format!(
        "{:016x}",
        fingerprint(project, &manifest, lock.as_deref(), migrations)
    );
    if exe.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == fingerprint) {
        return Ok(Built {
            exe,
            fresh: false,
            stamp,
            fingerprint,
        });
    }

    std::fs::create_dir_all(dir.join("src")).map_err(CliError::io(&dir))?;
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(
        &dir.join("build.rs"),
        &format!(
            "// inputs {fingerprint}\nfn main() {{\n    alembic_build::Builder::new()\n        .manifest_dir({:?})\n        .versions({:?})\n        .compile();\n}}\n",
            project.root.display().to_string(),
            project.versions_relative.display().to_string()
        ),
    )?;
    write_if_changed(
        &dir.join("src/main.rs"),
        "alembic_runtime::embed_migrations!();\n\nfn main() -> std::process::ExitCode {\n    \
         alembic_runtime::cli::runner(&MIGRATIONS, std::env::args_os())\n}\n",
    )?;
    // The project's lock, so that the runner gets the versions the application gets; only
    // when it changed, so that what cargo added to the runner's copy stays resolved.
    if let Some(lock) = &lock {
        let seen = dir.join("project.lock");
        if std::fs::read_to_string(&seen).ok().as_ref() != Some(lock) {
            write_if_changed(&dir.join("Cargo.lock"), lock)?;
            write_if_changed(&seen, lock)?;
        }
    }
    // The first build takes a minute: say so, and let cargo show its progress. Later builds
    // are quiet (and usually short).
    let first = !exe.exists();
    if first && !quiet {
        eprintln!(
            "Compiling the migration runner for {} (first run only) ...",
            project.name
        );
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg("build");
    if !first || quiet {
        command.arg("--quiet");
    }
    let status = command
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &project.target_dir)
        .status()
        .map_err(CliError::io("cargo"))?;
    if !status.success() {
        return Err(CliError::RunnerBuild);
    }
    Ok(Built {
        exe,
        fresh: true,
        stamp,
        fingerprint,
    })
}

/// The `[profile.dev]` of the workspace's root manifest, package overrides included, as
/// manifest text (empty when it sets none): with the same profile, the runner's units are
/// the application's, and cargo builds them once for both.
fn dev_profile(workspace_root: &Path) -> String {
    let Ok(manifest) = std::fs::read_to_string(workspace_root.join("Cargo.toml")) else {
        return String::new();
    };
    let Ok(manifest) = manifest.parse::<toml_edit::DocumentMut>() else {
        return String::new();
    };
    let Some(dev) = manifest
        .get("profile")
        .and_then(|p| p.get("dev"))
        .and_then(toml_edit::Item::as_table_like)
    else {
        return String::new();
    };
    let mut profile = toml_edit::Table::new();
    profile.set_implicit(true);
    let mut copy = toml_edit::Table::new();
    for (key, item) in dev.iter() {
        copy.insert(key, item.clone());
    }
    profile.insert("dev", toml_edit::Item::Table(copy));
    let mut out = toml_edit::DocumentMut::new();
    out.insert("profile", toml_edit::Item::Table(profile));
    format!("\n{out}")
}

/// Everything the runner is built from, hashed.
fn fingerprint(project: &Project, manifest: &str, lock: Option<&str>, migrations: u64) -> u64 {
    let mut h = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    manifest.hash(&mut h);
    project.root.hash(&mut h);
    project.versions_relative.hash(&mut h);
    lock.hash(&mut h);
    migrations.hash(&mut h);
    // A path dependency (a checkout of cargo-alembic) changes without the lock changing:
    // its workspace's sources count, by name, size and time.
    for source in [&project.runtime, &project.build].into_iter().flatten() {
        if let Source::Path(path) = source {
            sources(workspace_root(path), &mut h);
        }
    }
    h.finish()
}

/// The workspace a path dependency belongs to: the farthest ancestor with a Cargo.toml that
/// declares `[workspace]`, else the crate itself.
fn workspace_root(krate: &Path) -> &Path {
    krate
        .ancestors()
        .filter(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|text| text.lines().any(|l| l.trim() == "[workspace]"))
        })
        .last()
        .unwrap_or(krate)
}

/// Hashes the name, size and modification time of every Rust source and manifest below
/// `dir`, leaving out target folders and hidden ones.
fn sources(dir: &Path, h: &mut DefaultHasher) {
    let walk = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(name.starts_with('.') || name == "target")
        });
    for entry in walk.flatten() {
        let name = entry.file_name().to_string_lossy();
        if !(name.ends_with(".rs") || name == "Cargo.toml") {
            continue;
        }
        if let Ok(meta) = entry.metadata() {
            entry.path().hash(h);
            meta.len().hash(h);
            meta.modified().ok().hash(h);
        }
    }
}

/// The dependency line for the runner, the same source the project uses.
fn spec(
    source: Option<&Source>,
    name: &'static str,
    features: &[&str],
) -> Result<String, CliError> {
    let features = if features.is_empty() {
        String::new()
    } else {
        format!(
            ", features = [{}]",
            features
                .iter()
                .map(|f| format!("{f:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match source {
        Some(Source::Path(path)) => Ok(format!(
            "{{ path = {:?}{features} }}",
            path.display().to_string()
        )),
        Some(Source::Version(req)) => Ok(format!("{{ version = {req:?}{features} }}")),
        None => Err(CliError::NotSetUp(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runner_gets_the_workspace_dev_profile_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"app\"]\n\n[profile.dev]\ndebug = 1 # smaller\n\n\
             [profile.dev.package.libsqlite3-sys]\nopt-level = 1\n\n\
             [profile.dev.package.\"*\"]\nopt-level = 's'\n\n[profile.release]\nlto = true\n",
        )
        .unwrap();
        let profile = dev_profile(dir.path());
        let parsed: toml_edit::DocumentMut = profile.parse().unwrap();
        let dev = &parsed["profile"]["dev"];
        assert_eq!(dev["debug"].as_integer(), Some(1));
        assert_eq!(
            dev["package"]["libsqlite3-sys"]["opt-level"].as_integer(),
            Some(1)
        );
        assert_eq!(dev["package"]["*"]["opt-level"].as_str(), Some("s"));
        assert!(parsed["profile"].get("release").is_none(), "{profile}");

        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"a\"\n").unwrap();
        assert_eq!(dev_profile(dir.path()), "");
        assert_eq!(dev_profile(&dir.path().join("missing")), "");
    }
}
