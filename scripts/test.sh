#!/usr/bin/env bash
# The whole test suite: what README.md calls the test command and .ci/run runs.
# Needs only the Rust toolchain (cargo, rustfmt, clippy) and a C compiler for SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."

# One target directory for everything, so SQLite and shared crates compile once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

step "benchmarks build"
cargo bench --manifest-path benches/Cargo.toml --locked --no-run

step "tests (rusqlite $(cargo tree -p alembic-runtime -e normal --prefix none --locked | grep -m1 '^rusqlite ' | cut -d' ' -f2), the newest the runtime accepts)"
cargo test --workspace --all-features --locked

step "the example application's models match its migrations (cargo alembic check)"
cargo run --quiet --locked -p cargo-alembic -- alembic --manifest-path examples/uptimo/Cargo.toml check

step "alembic-runtime's default build pulls no proc-macro (DESIGN §11)"
if cargo tree -p alembic-runtime -e normal --prefix none --locked | grep -F '(proc-macro)'; then
    echo "error: the crates above are proc-macros in alembic-runtime's default dependency tree" >&2
    exit 1
fi

# The runtime accepts rusqlite >=0.26.3, <0.44 (see Cargo.toml); the lock file holds the
# newest, so test the oldest too, on a scratch copy of the lock file.
oldest=0.26.3
step "alembic-runtime tests with rusqlite $oldest, the oldest it accepts"
lock_backup=$(mktemp)
cp Cargo.lock "$lock_backup"
trap 'cp "$lock_backup" Cargo.lock; rm -f "$lock_backup"' EXIT
cargo update --quiet -p rusqlite --precise "$oldest"
cargo test -p alembic-runtime
cp "$lock_backup" Cargo.lock
