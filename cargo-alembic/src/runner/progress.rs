//! The runtime's progress lines (`alembic.runtime.progress`) as a progress bar, when the
//! user watches a terminal; anywhere else they stay plain lines. Only the CLI draws:
//! the runtime, inside every application, just logs.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitStatus, Stdio};

use indicatif::{ProgressBar, ProgressStyle};

use crate::error::CliError;

/// What one progress line says.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Event<'l> {
    /// `k of n migrations applied (…)`.
    Migrations { done: u64, total: u64 },
    /// Anything else the runtime reports while it works (a rebuild's copy).
    Working(&'l str),
    /// Work finished (`Copied N rows of …`): kept on screen, above the bar.
    Finished,
}

const PREFIX: &str = "INFO  [alembic.runtime.progress] ";

/// The progress event of a line of the runner's standard error, if it is one.
pub(super) fn event(line: &str) -> Option<Event<'_>> {
    let rest = line.strip_prefix(PREFIX)?;
    let migrations = rest
        .split_once(" migrations applied")
        .and_then(|(counts, _)| {
            let (done, total) = counts.split_once(" of ")?;
            Some(Event::Migrations {
                done: done.parse().ok()?,
                total: total.parse().ok()?,
            })
        });
    Some(migrations.unwrap_or(if rest.starts_with("Copied ") {
        Event::Finished
    } else {
        Event::Working(rest)
    }))
}

/// Runs the runner with its standard error read line by line: progress lines move a bar,
/// every other line is printed above it.
pub(super) fn run_with_bar(mut cmd: Command) -> Result<ExitStatus, CliError> {
    let mut child = cmd
        .stderr(Stdio::piped())
        .spawn()
        .map_err(CliError::io("the runner"))?;
    let stderr = child.stderr.take().expect("piped above");
    let bar = ProgressBar::hidden();
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        show(&bar, &line);
    }
    bar.finish_and_clear();
    child.wait().map_err(CliError::io("the runner"))
}

/// Applies one line to the bar.
pub(super) fn show(bar: &ProgressBar, line: &str) {
    match event(line) {
        Some(Event::Migrations { done, total }) => {
            if bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} migrations {msg}")
                    .expect("a valid template"),
            );
            bar.set_length(total);
            bar.set_position(done);
            bar.set_message("");
        }
        Some(Event::Working(what)) => {
            if bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg}").expect("a valid template"),
                );
            }
            bar.set_message(what.to_owned());
            bar.tick();
        }
        Some(Event::Finished) | None => bar.suspend(|| eprintln!("{line}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_are_read_and_others_left_alone() {
        assert_eq!(
            event("INFO  [alembic.runtime.progress] 12 of 1000 migrations applied (3s)"),
            Some(Event::Migrations {
                done: 12,
                total: 1000
            })
        );
        assert_eq!(
            event("INFO  [alembic.runtime.progress] Copying the rows of 'big' (4s so far)"),
            Some(Event::Working("Copying the rows of 'big' (4s so far)"))
        );
        assert_eq!(
            event("INFO  [alembic.runtime.progress] Copied 3000000 rows of 'big' in 0.5s"),
            Some(Event::Finished)
        );
        assert_eq!(
            event("INFO  [alembic.runtime.migration] Running upgrade  -> a, m"),
            None
        );

        let bar = ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        show(
            &bar,
            "INFO  [alembic.runtime.progress] 3 of 8 migrations applied (2s)",
        );
        assert_eq!((bar.position(), bar.length()), (3, Some(8)));
    }
}
