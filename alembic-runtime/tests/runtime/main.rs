//! alembic-runtime against real SQLite databases. One test binary, one module per concern.

mod alembic_parity;
mod api;
mod backup;
mod bad_input;
mod checksums;
mod common;
mod concurrency;
mod corpus;
mod db;
mod derive;
mod diff_roundtrip;
mod failures;
mod introspect;
mod kit;
mod log_lines;
mod lossless;
mod ops;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_alembic;
#[cfg(feature = "postgres")]
mod postgres_models;
#[cfg(feature = "postgres")]
mod postgres_ops;
mod rebuild_property;
mod record;
mod transaction_escape;
