//! The pieces of cargo-alembic that need neither SQLite nor `syn` — the revision graph and
//! its planning, and the schema model with its SQL and diff — shared by
//! `alembic-runtime` (applies migrations), `alembic-build` (validates the versions
//! directory at build time) and `cargo-alembic` (graph commands without a build).
//!
//! - [`graph`]: the validated revision graph and its traversals.
//! - [`resolve`]: Alembic's revision identifier grammar (`head`, `abcd`, `-1`, `label@+2`, `a:b`).
//! - [`plan`]: which migrations an upgrade, downgrade or stamp runs, in which order, and how
//!   the rows of `alembic_version` change at each step.
//! - [`schema`]: the schema model (tables, columns, constraints, indexes, views, triggers).
//! - [`sql`]: SQLite SQL text: statement splitting, quoting, and parsing and rendering of
//!   `CREATE TABLE` / `CREATE INDEX`.
//! - [`diff`]: the changes from one schema to another (what autogenerate writes), with
//!   Alembic's `Detected …` lines.
//!
//! ```
//! use alembic_core::{graph::{RevisionGraph, RevisionSpec}, plan};
//!
//! let revs = [
//!     RevisionSpec::new("aaaa1111", &[]),
//!     RevisionSpec::new("bbbb2222", &["aaaa1111"]),
//! ];
//! let graph = RevisionGraph::build(&revs).unwrap();
//! let plan = plan::upgrade(&graph, &[], "head").unwrap();
//! assert_eq!(plan.revisions(&graph), ["aaaa1111", "bbbb2222"]);
//! ```

pub mod diff;
pub mod graph;
pub mod plan;
pub mod resolve;
pub mod schema;
pub mod sql;

#[cfg(feature = "test-support")]
pub mod test_support;

mod error;

pub use error::{GraphError, RevisionError};
