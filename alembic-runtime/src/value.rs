//! [`Value`] without SQLite: the five kinds of value `bulk_insert` binds, as rusqlite's
//! `types::Value` (which stands in for it when the `sqlite` feature is on) has them.

/// A value for [`Op::bulk_insert`](crate::Op::bulk_insert).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `NULL`.
    Null,
    /// An integer.
    Integer(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}
