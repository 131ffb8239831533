//! SQLite SQL text: the lexer, statement splitting and quoting, and the parser and
//! renderer between `CREATE TABLE` / `CREATE INDEX` and the [`crate::schema`] model.

mod lexer;
mod parse;
mod render;
mod version;

pub use lexer::{
    ident_value, mentions, quote_ident, quote_literal, rename_ident, statements, tokens, unqualify,
    Kind, Token,
};
pub use parse::{parse_create_index, parse_create_table, ParseError};
pub use render::{column_sql, foreign_key_sql, names};
pub use version::{SqliteVersion, SqliteVersionError};
