//! `cargo alembic`: parse, run, report (see the library for everything else).

fn main() -> std::process::ExitCode {
    cargo_alembic::main()
}
