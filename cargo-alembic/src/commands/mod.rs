//! One module per command family.

pub mod autogenerate;
pub mod edit;
pub mod graph;
pub mod init;
pub mod revision;
