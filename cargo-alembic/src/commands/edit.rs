//! `cargo alembic edit <rev>`: opens the revision's file in the user's editor.

use std::process::Command;

use crate::commands::graph::file_of;
use crate::error::CliError;
use crate::project::Project;

/// Editors tried, in order, when neither `VISUAL` nor `EDITOR` is set (as Alembic does).
const FALLBACKS: [&str; 5] = ["sensible-editor", "editor", "nano", "vim", "vi"];

/// Opens the file of `rev` in `$VISUAL`, `$EDITOR`, or the first editor found on PATH.
///
/// # Errors
/// No such revision, no editor, or an editor that fails.
pub fn edit(project: &Project, rev: &str) -> Result<(), CliError> {
    let file = file_of(project, rev)?;
    let configured = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|e| !e.trim().is_empty());
    let editor = match configured {
        Some(editor) => editor,
        None => FALLBACKS
            .iter()
            .find(|e| on_path(e))
            .map(|e| (*e).to_owned())
            .ok_or(CliError::NoEditor)?,
    };
    // `EDITOR` may carry arguments ("code --wait").
    let mut words = editor.split_whitespace();
    let program = words.next().expect("a non-empty editor command");
    let status = Command::new(program)
        .args(words)
        .arg(&file)
        .status()
        .map_err(CliError::io(program))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::EditorFailed { editor, status })
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
