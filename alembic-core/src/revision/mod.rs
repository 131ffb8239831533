//! The revision half: the graph of migrations, the identifier grammar that names positions
//! in it, and the plans that move a database from one position to another.

pub mod graph;
pub mod plan;
pub mod resolve;
