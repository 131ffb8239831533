//! SQL text: SQLite's lexer, statement splitting and quoting, and the parser and renderer
//! between `CREATE TABLE` / `CREATE INDEX` and the [`crate::schema`] model; the renderer
//! also writes PostgreSQL's DDL ([`Dialect`]), whose own text rules are [`postgres`]'s;
//! SQLite's type rules are [`sqlite`]'s.

mod lexer;
mod parse;
pub mod postgres;
mod render;
pub mod sqlite;
mod version;

pub use lexer::{
    ident_value, mentions, quote_ident, quote_literal, rename_ident, statements, tokens, unqualify,
    Kind, Token,
};
pub use parse::{parse_create_index, parse_create_table, ParseError};
pub use render::{
    column_sql, column_sql_for, constraint_name, foreign_key_sql, foreign_key_sql_for, index_sql,
    names, Dialect,
};
pub use version::{SqliteVersion, SqliteVersionError};
