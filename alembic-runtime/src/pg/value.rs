//! Binding [`Value`]s to PostgreSQL parameters.
//!
//! PostgreSQL types every parameter from where it is used, and rust-postgres accepts an
//! `i64` only for a `BIGINT` parameter; a migration's `bulk_insert` values are SQLite's
//! five storage classes. So they are sent in PostgreSQL's text format, which the server
//! parses as the parameter's type: `42` for `INTEGER`, `SMALLINT` or `NUMERIC`, `1` for a
//! `BOOLEAN`, `\x…` for `BYTEA`, any text for `JSONB`, `UUID` or a timestamp.

use std::error::Error as StdError;

use crate::prelude::Value;
use postgres::types::{Format, IsNull, ToSql, Type};

/// A value bound in text format.
#[derive(Debug)]
pub(crate) struct Text<'a>(pub(crate) &'a Value);

impl ToSql for Text<'_> {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        let text = match self.0 {
            Value::Null => return Ok(IsNull::Yes),
            Value::Integer(i) => i.to_string(),
            Value::Real(f) => real(*f),
            Value::Text(s) => s.clone(),
            Value::Blob(b) => format!("\\x{}", hex(b)),
        };
        out.extend_from_slice(text.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Text
    }

    postgres::types::to_sql_checked!();
}

/// A float in PostgreSQL's text input (`NaN`, `Infinity`, `-Infinity` included).
pub(crate) fn real(f: f64) -> String {
    match f {
        f if f.is_nan() => "NaN".to_owned(),
        f if f == f64::INFINITY => "Infinity".to_owned(),
        f if f == f64::NEG_INFINITY => "-Infinity".to_owned(),
        f => format!("{f:?}"),
    }
}

/// Bytes as lowercase hex, as `BYTEA`'s text form writes them after `\x`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
