#!/usr/bin/env bash
# The whole test suite: what README.md calls the test command and .ci/run runs.
# Needs the Rust toolchain (cargo, rustfmt, clippy), a C compiler for SQLite, and for the
# PostgreSQL tests a server (ALEMBIC_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres)
# and Python Alembic with psycopg (`pip install alembic==1.20.1 "psycopg[binary]"`).
set -euo pipefail
cd "$(dirname "$0")/.."

# One target directory for everything, so SQLite and shared crates compile once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

step() { printf '\n==> %s\n' "$*"; }

step "PostgreSQL server for the PostgreSQL tests"
pg_url="${ALEMBIC_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
if [ "$pg_url" = skip ] && [ "${ALEMBIC_REQUIRE_POSTGRES:-}" = 1 ]; then
    echo "error: ALEMBIC_TEST_POSTGRES=skip, but ALEMBIC_REQUIRE_POSTGRES=1 requires the PostgreSQL tests" >&2
    exit 1
fi
if [ "$pg_url" != skip ]; then
    # host and port of postgres://user:pass@host:port/db (defaults 127.0.0.1, 5432)
    pg_host=$(sed -E 's#^[a-z]+://([^@/]*@)?([^:/?]*).*#\2#' <<<"$pg_url")
    pg_port=$(sed -nE 's#^[a-z]+://([^@/]*@)?[^:/?]*:([0-9]+).*#\2#p' <<<"$pg_url")
    if (exec 3<>"/dev/tcp/${pg_host:-127.0.0.1}/${pg_port:-5432}") 2>/dev/null; then
        echo "server at ${pg_host:-127.0.0.1}:${pg_port:-5432}: the PostgreSQL tests run"
    elif [ "${ALEMBIC_REQUIRE_POSTGRES:-}" = 1 ]; then
        echo "error: no PostgreSQL server answers at ${pg_host:-127.0.0.1}:${pg_port:-5432}, and ALEMBIC_REQUIRE_POSTGRES=1 requires the PostgreSQL tests" >&2
        exit 1
    else
        pg_url=skip
    fi
fi
if [ "$pg_url" = skip ]; then
    cat >&2 <<'WARN'
################################################################################
# WARNING: THE POSTGRESQL TESTS ARE SKIPPED: no server (ALEMBIC_TEST_POSTGRES).
# This run proves nothing about PostgreSQL; CI requires them.
################################################################################
WARN
fi
export ALEMBIC_TEST_POSTGRES="$pg_url"

step "format"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

step "benchmarks build"
cargo bench --manifest-path benches/Cargo.toml --locked --no-run
cargo bench --manifest-path benches/sqlx/Cargo.toml --locked --no-run

step "tests (rusqlite $(cargo tree -p alembic-runtime -e normal --prefix none --locked | grep -m1 '^rusqlite ' | cut -d' ' -f2), the newest the runtime accepts)"
cargo test --workspace --all-features --locked

step "the example application's models match its migrations on SQLite and PostgreSQL (cargo alembic check)"
cargo run --quiet --locked -p cargo-alembic -- alembic --manifest-path examples/uptimo/Cargo.toml check
if [ "$pg_url" != skip ]; then
    # The migrations go to a scratch database on that server, created and dropped by check.
    DATABASE_URL="$pg_url" cargo run --quiet --locked -p cargo-alembic -- alembic --manifest-path examples/uptimo/Cargo.toml check
fi

step "alembic-runtime's default build pulls no proc-macro (DESIGN §11)"
if cargo tree -p alembic-runtime -e normal --prefix none --locked | grep -F '(proc-macro)'; then
    echo "error: the crates above are proc-macros in alembic-runtime's default dependency tree" >&2
    exit 1
fi

step "alembic-runtime for PostgreSQL alone: no SQLite in its tree, clippy-clean, its unit tests"
if cargo tree -p alembic-runtime --no-default-features --features postgres -e normal --prefix none --locked | grep -E '^(rusqlite|libsqlite3-sys) '; then
    echo "error: alembic-runtime with only the postgres feature pulls in SQLite" >&2
    exit 1
fi
cargo clippy -p alembic-runtime --no-default-features --features postgres --all-targets --locked -- -D warnings
cargo test -p alembic-runtime --no-default-features --features postgres --lib --locked

step "alembic-runtime's API docs build without broken links, in each database's build"
for features in "--all-features" "--no-default-features --features postgres"; do
    # shellcheck disable=SC2086 # the features are two words on purpose
    RUSTDOCFLAGS="-D warnings" cargo doc -p alembic-runtime --no-deps --locked $features
done

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
