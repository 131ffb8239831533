//! The `cargo alembic` subcommand. Its commands arrive with the CLI issue; until then it
//! says so rather than pretending.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "cargo-alembic {}: no commands are implemented yet",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::from(2)
}
