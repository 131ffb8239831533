//! The pieces of cargo-alembic that need neither SQLite nor `syn` — the revision graph and
//! its planning, and the schema model with its SQL and diff — shared by
//! `alembic-runtime` (applies migrations), `alembic-build` (validates the versions
//! directory at build time) and `cargo-alembic` (graph commands without a build).
//!
//! Two halves:
//!
//! - [`revision`]: the revision graph ([`revision::graph`]), Alembic's identifier grammar
//!   ([`revision::resolve`]: `head`, `abcd`, `-1`, `label@+2`, `a:b`) and planning
//!   ([`revision::plan`]: which migrations an upgrade, downgrade or stamp runs, in which
//!   order, and how the rows of `alembic_version` change at each step).
//! - [`schema`]: the schema model (tables, columns, constraints, indexes, views, triggers),
//!   its SQL text ([`schema::sql`]: statement splitting, quoting, parsing and rendering of
//!   `CREATE TABLE` / `CREATE INDEX`) and its diff ([`schema::diff`]: what autogenerate
//!   writes, with Alembic's `Detected …` lines).
//!
//! [`url`] reads database URLs. With feature `cli`, `command` defines the database commands and the runner protocol
//! that `cargo alembic` and `alembic-runtime`'s `cli` share.
//!
//! ```
//! use alembic_core::revision::{graph::{RevisionGraph, RevisionSpec}, plan};
//!
//! let revs = [
//!     RevisionSpec::new("aaaa1111", &[]),
//!     RevisionSpec::new("bbbb2222", &["aaaa1111"]),
//! ];
//! let graph = RevisionGraph::build(&revs).unwrap();
//! let plan = plan::upgrade(&graph, &[], "head").unwrap();
//! assert_eq!(plan.revisions(&graph), ["aaaa1111", "bbbb2222"]);
//! ```

#[cfg(feature = "protocol")]
pub mod command;
pub mod revision;
pub mod schema;
pub mod url;

#[cfg(feature = "test-support")]
pub mod test_support;

mod error;

pub use error::{GraphError, RevisionError};
