//! The schema model: tables, columns, constraints, indexes, views and triggers as SQLite
//! has them. Introspection produces it, the operations change it, the model parser
//! (derive and CLI) builds it and autogenerate compares two of them, so it is the one
//! description of a schema in cargo-alembic.
//!
//! Constraints declared on a column (`UNIQUE`, `CHECK`, `REFERENCES`) are kept at table
//! level, where SQLite gives them the same meaning; the primary key is table level too,
//! and is written inline when it is a single column. SQL fragments (types, defaults,
//! CHECK and WHERE expressions) are kept as written.
//!
//! Its SQL text is [`sql`]'s; the changes between two schemas are [`diff`]'s.
//!
//! ```
//! use alembic_core::schema::{Column, Table, Type};
//!
//! let monitor = Table::new("monitor")
//!     .column(Column::new("id", Type::Integer))
//!     .column(Column::new("url", Type::Text))
//!     .column(Column::new("status", Type::Text).default_sql("'active'"))
//!     .column(Column::new("description", Type::Text).nullable())
//!     .primary_key(&["id"]);
//! assert_eq!(
//!     monitor.create_sql(),
//!     "CREATE TABLE \"monitor\" (\n    \"id\" INTEGER NOT NULL PRIMARY KEY,\n    \"url\" TEXT NOT NULL,\n    \
//!      \"status\" TEXT NOT NULL DEFAULT 'active',\n    \"description\" TEXT\n)"
//! );
//! ```

pub mod diff;
pub mod sql;

use std::fmt;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// A database schema.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Schema {
    /// Tables, with their indexes, in creation order.
    pub tables: Vec<Table>,
    /// Views.
    pub views: Vec<View>,
    /// Triggers.
    pub triggers: Vec<Trigger>,
    /// PostgreSQL's enum types (`CREATE TYPE mood AS ENUM (…)`), which its columns may
    /// have; SQLite has none. Read from the catalog, so that a downgrade that leaves one
    /// behind is seen; models do not declare them, so autogenerate leaves them alone.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub enums: Vec<Enum>,
}

impl Schema {
    /// The table with this name (SQLite names are ASCII case-insensitive).
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// The table with this name, mutably.
    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables
            .iter_mut()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Columns in order.
    pub columns: Vec<Column>,
    /// The primary key, if declared.
    pub primary_key: Option<PrimaryKey>,
    /// UNIQUE constraints, column-level ones first.
    pub unique: Vec<Unique>,
    /// FOREIGN KEY constraints.
    pub foreign_keys: Vec<ForeignKey>,
    /// CHECK constraints.
    pub checks: Vec<Check>,
    /// Indexes made with CREATE INDEX (not the automatic ones of UNIQUE and PRIMARY KEY).
    pub indexes: Vec<Index>,
    /// `WITHOUT ROWID`.
    pub without_rowid: bool,
    /// `STRICT`.
    pub strict: bool,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Column {
    /// Its name.
    pub name: String,
    /// The declared type as written (`VARCHAR(20)`), empty when none.
    pub sql_type: String,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `NOT NULL ON CONFLICT` resolution.
    pub not_null_on_conflict: Option<String>,
    /// The DEFAULT expression as written (`'x'`, `0`, `(datetime('now'))`).
    pub default: Option<String>,
    /// `COLLATE` name.
    pub collation: Option<String>,
    /// `GENERATED ALWAYS AS (…)`.
    pub generated: Option<Generated>,
}

/// A generated column's expression.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Generated {
    /// The expression, without its parentheses.
    pub expr: String,
    /// `STORED` (otherwise `VIRTUAL`).
    pub stored: bool,
}

/// A column of a key or UNIQUE constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct KeyColumn {
    /// The column.
    pub name: String,
    /// `COLLATE` name.
    pub collation: Option<String>,
    /// `DESC`.
    pub descending: bool,
}

impl KeyColumn {
    /// A plain ascending key column.
    pub fn new(name: impl Into<String>) -> Self {
        KeyColumn {
            name: name.into(),
            collation: None,
            descending: false,
        }
    }
}

/// The primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct PrimaryKey {
    /// `CONSTRAINT` name.
    pub name: Option<String>,
    /// Key columns.
    pub columns: Vec<KeyColumn>,
    /// `AUTOINCREMENT` (single INTEGER column only).
    pub autoincrement: bool,
    /// `ON CONFLICT` resolution.
    pub on_conflict: Option<String>,
}

/// A UNIQUE constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Unique {
    /// `CONSTRAINT` name.
    pub name: Option<String>,
    /// Columns.
    pub columns: Vec<KeyColumn>,
    /// `ON CONFLICT` resolution.
    pub on_conflict: Option<String>,
}

/// A FOREIGN KEY constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct ForeignKey {
    /// `CONSTRAINT` name.
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub ref_table: String,
    /// The referenced table's schema, when the name alone would not find it: on
    /// PostgreSQL, a table outside the search path (`auth` of `auth.user`). SQLite's keys
    /// reference tables of their own database only.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub ref_schema: Option<String>,
    /// Referenced columns (empty: the referenced table's primary key).
    pub ref_columns: Vec<String>,
    /// `ON DELETE` action (`CASCADE`, `SET NULL`…).
    pub on_delete: Option<String>,
    /// `ON UPDATE` action.
    pub on_update: Option<String>,
    /// `MATCH` name.
    pub match_name: Option<String>,
    /// Deferrability as written (`DEFERRABLE INITIALLY DEFERRED`).
    pub deferrable: Option<String>,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Check {
    /// `CONSTRAINT` name.
    pub name: Option<String>,
    /// The expression, without its parentheses.
    pub expr: String,
}

/// An index made by CREATE INDEX.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Index {
    /// Its name.
    pub name: String,
    /// `UNIQUE`.
    pub unique: bool,
    /// Indexed terms as written: a column, an expression, with COLLATE / ASC / DESC.
    pub terms: Vec<String>,
    /// A partial index's WHERE expression.
    pub where_clause: Option<String>,
    /// PostgreSQL's access method when it is not the default B-tree (`gin`, `gist`,
    /// `brin`, `hash`); SQLite has only B-trees and ignores it.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub method: Option<String>,
    /// Built with PostgreSQL's `CREATE INDEX CONCURRENTLY` (which cannot run inside a
    /// transaction: its migration declares `TRANSACTION = false`). How an index is built,
    /// not what it is: introspection never sets it, and SQLite ignores it.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "std::ops::Not::not")
    )]
    pub concurrently: bool,
}

/// A PostgreSQL enum type: its name and its labels, in their order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Enum {
    /// Its name.
    pub name: String,
    /// Its labels, in sort order.
    pub values: Vec<String>,
}

/// A view, kept as its SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct View {
    /// Its name.
    pub name: String,
    /// Its CREATE VIEW statement.
    pub sql: String,
}

/// A trigger, kept as its SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Trigger {
    /// Its name.
    pub name: String,
    /// The table it fires on.
    pub table: String,
    /// Its CREATE TRIGGER statement.
    pub sql: String,
}

/// Column types, for builders; any other declared type is [`Type::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `INTEGER`.
    Integer,
    /// `TEXT`.
    Text,
    /// `REAL`.
    Real,
    /// `BLOB`.
    Blob,
    /// `NUMERIC`.
    Numeric,
    /// `BOOLEAN`.
    Boolean,
    /// `DATETIME`.
    DateTime,
    /// `DATE`.
    Date,
    /// `TIME`.
    Time,
    /// `JSON`.
    Json,
    /// `SMALLINT`.
    SmallInt,
    /// `BIGINT`.
    BigInt,
    /// `DOUBLE PRECISION`.
    DoublePrecision,
    /// `NUMERIC(precision, scale)` (plain `NUMERIC` is [`Type::Numeric`]).
    Decimal(u32, u32),
    /// `TIMESTAMP` (without time zone).
    Timestamp,
    /// `TIMESTAMPTZ`.
    TimestampTz,
    /// `UUID`.
    Uuid,
    /// `JSONB` on PostgreSQL; JSON text on SQLite, like [`Type::Json`].
    Jsonb,
    /// `BYTEA` (`BLOB`'s PostgreSQL spelling; SQLite stores it as a blob too).
    Bytea,
    /// An array of another type: `INTEGER[]`. PostgreSQL only: SQLite accepts the
    /// declaration but stores whatever is given.
    Array(Box<Type>),
    /// Any declared type, as written: `VARCHAR(100)`.
    Other(String),
}

impl Type {
    /// A declared type as written.
    pub fn sql(declared: impl Into<String>) -> Self {
        Type::Other(declared.into())
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Decimal(precision, scale) => return write!(f, "NUMERIC({precision}, {scale})"),
            Type::Array(of) => return write!(f, "{of}[]"),
            Type::Integer => "INTEGER",
            Type::Text => "TEXT",
            Type::Real => "REAL",
            Type::Blob => "BLOB",
            Type::Numeric => "NUMERIC",
            Type::Boolean => "BOOLEAN",
            Type::DateTime => "DATETIME",
            Type::Date => "DATE",
            Type::Time => "TIME",
            Type::Json => "JSON",
            Type::SmallInt => "SMALLINT",
            Type::BigInt => "BIGINT",
            Type::DoublePrecision => "DOUBLE PRECISION",
            Type::Timestamp => "TIMESTAMP",
            Type::TimestampTz => "TIMESTAMPTZ",
            Type::Uuid => "UUID",
            Type::Jsonb => "JSONB",
            Type::Bytea => "BYTEA",
            Type::Other(s) => s,
        })
    }
}

impl Column {
    /// A NOT NULL column of the given type; see [`Column::nullable`].
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Column {
            name: name.into(),
            sql_type: ty.to_string(),
            not_null: true,
            ..Column::default()
        }
    }

    /// Allows NULL.
    pub fn nullable(mut self) -> Self {
        self.not_null = false;
        self
    }

    /// Sets the DEFAULT to a raw SQL expression: `"'active'"`, `"0"`, `"(datetime('now'))"`.
    pub fn default_sql(mut self, expr: impl Into<String>) -> Self {
        self.default = Some(expr.into());
        self
    }

    /// Sets the collation.
    pub fn collate(mut self, collation: impl Into<String>) -> Self {
        self.collation = Some(collation.into());
        self
    }

    /// Makes it a generated column.
    pub fn generated(mut self, expr: impl Into<String>, stored: bool) -> Self {
        self.generated = Some(Generated {
            expr: expr.into(),
            stored,
        });
        self
    }
}

impl Table {
    /// An empty table.
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            ..Table::default()
        }
    }

    /// Adds a column.
    pub fn column(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }

    /// Declares the primary key.
    pub fn primary_key(mut self, columns: &[&str]) -> Self {
        self.primary_key = Some(PrimaryKey {
            name: None,
            columns: columns.iter().map(|c| KeyColumn::new(*c)).collect(),
            autoincrement: false,
            on_conflict: None,
        });
        self
    }

    /// Makes the (single INTEGER) primary key AUTOINCREMENT.
    pub fn autoincrement(mut self) -> Self {
        if let Some(pk) = &mut self.primary_key {
            pk.autoincrement = true;
        }
        self
    }

    /// Adds a UNIQUE constraint.
    pub fn unique(mut self, name: Option<&str>, columns: &[&str]) -> Self {
        self.unique.push(Unique {
            name: name.map(str::to_owned),
            columns: columns.iter().map(|c| KeyColumn::new(*c)).collect(),
            on_conflict: None,
        });
        self
    }

    /// Adds a foreign key.
    pub fn foreign_key(mut self, fk: ForeignKey) -> Self {
        self.foreign_keys.push(fk);
        self
    }

    /// Adds a CHECK constraint.
    pub fn check(mut self, name: Option<&str>, expr: &str) -> Self {
        self.checks.push(Check {
            name: name.map(str::to_owned),
            expr: expr.to_owned(),
        });
        self
    }

    /// Adds an index.
    pub fn index(mut self, index: Index) -> Self {
        self.indexes.push(index);
        self
    }

    /// Follows a rename of column `old` to `new` in the table's own keys, constraints and
    /// indexes, as SQLite's `RENAME COLUMN` does (the column itself is left to the caller).
    pub fn rename_column_references(&mut self, old: &str, new: &str) {
        use crate::schema::sql::rename_ident;
        let rename = |name: &mut String| {
            if name.eq_ignore_ascii_case(old) {
                *name = new.to_owned();
            }
        };
        if let Some(pk) = &mut self.primary_key {
            pk.columns.iter_mut().for_each(|k| rename(&mut k.name));
        }
        for u in &mut self.unique {
            u.columns.iter_mut().for_each(|k| rename(&mut k.name));
        }
        for fk in &mut self.foreign_keys {
            fk.columns.iter_mut().for_each(rename);
            if fk.references(&self.name) {
                fk.ref_columns.iter_mut().for_each(rename);
            }
        }
        for c in &mut self.checks {
            c.expr = rename_ident(&c.expr, old, new);
        }
        for i in &mut self.indexes {
            i.terms = i.terms.iter().map(|t| rename_ident(t, old, new)).collect();
            i.where_clause = i.where_clause.as_deref().map(|w| rename_ident(w, old, new));
        }
    }

    /// Removes the constraints and indexes over `column`, which cannot outlive it when it
    /// is dropped (as SQLite's `DROP COLUMN` refuses to leave them).
    pub fn remove_column_dependents(&mut self, column: &str) {
        use crate::schema::sql::mentions;
        let is = |name: &str| name.eq_ignore_ascii_case(column);
        self.unique
            .retain(|u| !u.columns.iter().any(|k| is(&k.name)));
        self.foreign_keys
            .retain(|fk| !fk.columns.iter().any(|c| is(c)));
        self.checks.retain(|c| !mentions(&c.expr, column));
        self.indexes.retain(|i| {
            !i.terms
                .iter()
                .chain(&i.where_clause)
                .any(|t| mentions(t, column))
        });
        if self
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.iter().any(|k| is(&k.name)))
        {
            self.primary_key = None;
        }
    }

    /// The column with this name.
    pub fn column_named(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Whether the table is a rowid table whose rowid is not an `INTEGER PRIMARY KEY`
    /// column: its rowids are then only kept by copying `rowid` explicitly.
    pub fn has_hidden_rowid(&self) -> bool {
        !self.without_rowid && self.rowid_alias().is_none()
    }

    /// The `INTEGER PRIMARY KEY` column that aliases the rowid, if any.
    pub fn rowid_alias(&self) -> Option<&Column> {
        let pk = self.primary_key.as_ref()?;
        match pk.columns.as_slice() {
            [only] if !self.without_rowid => self
                .column_named(&only.name)
                .filter(|c| c.sql_type.eq_ignore_ascii_case("INTEGER")),
            _ => None,
        }
    }
}

impl ForeignKey {
    /// `columns` referencing `ref_table (ref_columns)`, no actions.
    pub fn new(columns: &[&str], ref_table: &str, ref_columns: &[&str]) -> Self {
        ForeignKey {
            name: None,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            ref_table: ref_table.to_owned(),
            ref_schema: None,
            ref_columns: ref_columns.iter().map(|c| (*c).to_owned()).collect(),
            on_delete: None,
            on_update: None,
            match_name: None,
            deferrable: None,
        }
    }

    /// Names the constraint.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// References a table of another schema (PostgreSQL), one the search path does not find.
    ///
    /// ```
    /// use alembic_core::schema::ForeignKey;
    /// let fk = ForeignKey::new(&["user_id"], "user", &["id"]).ref_schema("auth");
    /// assert_eq!(fk.ref_table_sql(), "\"auth\".\"user\"");
    /// ```
    pub fn ref_schema(mut self, schema: &str) -> Self {
        self.ref_schema = Some(schema.to_owned());
        self
    }

    /// Whether it references `table` of the schema it is in (names compared as SQLite
    /// does, ASCII case-insensitively).
    pub fn references(&self, table: &str) -> bool {
        self.ref_schema.is_none() && self.ref_table.eq_ignore_ascii_case(table)
    }

    /// The referenced table as SQL: quoted, and qualified by its schema when it has one.
    pub fn ref_table_sql(&self) -> String {
        let table = crate::schema::sql::quote_ident(&self.ref_table);
        match &self.ref_schema {
            Some(schema) => format!("{}.{table}", crate::schema::sql::quote_ident(schema)),
            None => table,
        }
    }

    /// Sets the ON DELETE action.
    pub fn on_delete(mut self, action: &str) -> Self {
        self.on_delete = Some(action.to_owned());
        self
    }

    /// Sets the ON UPDATE action.
    pub fn on_update(mut self, action: &str) -> Self {
        self.on_update = Some(action.to_owned());
        self
    }
}

impl Index {
    /// An index on plain columns.
    pub fn new(name: &str, columns: &[&str]) -> Self {
        Index {
            name: name.to_owned(),
            unique: false,
            terms: columns
                .iter()
                .map(|c| crate::schema::sql::quote_ident(c))
                .collect(),
            where_clause: None,
            method: None,
            concurrently: false,
        }
    }

    /// An index on terms as written: expressions, `COLLATE`, `DESC`.
    ///
    /// ```
    /// use alembic_core::schema::Index;
    /// let index = Index::on_terms("ix_user_email", &["lower(email)", "\"id\" DESC"]);
    /// assert_eq!(index.terms[1], "\"id\" DESC");
    /// ```
    pub fn on_terms(name: &str, terms: &[&str]) -> Self {
        Index {
            name: name.to_owned(),
            unique: false,
            terms: terms.iter().map(|t| (*t).to_owned()).collect(),
            where_clause: None,
            method: None,
            concurrently: false,
        }
    }

    /// Builds it with a PostgreSQL access method other than B-tree: `gin` for a JSONB or
    /// full-text column, `gist`, `brin`, `hash`. SQLite ignores it.
    ///
    /// ```
    /// use alembic_core::schema::sql::{index_sql, Dialect};
    /// use alembic_core::schema::Index;
    /// let index = Index::new("ix_doc_body", &["body"]).using("gin");
    /// assert_eq!(index_sql("doc", &index, Dialect::Postgres, false), "CREATE INDEX \"ix_doc_body\" ON \"doc\" USING gin (\"body\")");
    /// assert_eq!(index_sql("doc", &index, Dialect::Sqlite, false), "CREATE INDEX \"ix_doc_body\" ON \"doc\" (\"body\")");
    /// ```
    pub fn using(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_lowercase()).filter(|m| m != "btree");
        self
    }

    /// Makes it UNIQUE.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Makes it partial.
    pub fn filter(mut self, where_clause: &str) -> Self {
        self.where_clause = Some(where_clause.to_owned());
        self
    }

    /// Builds it without blocking writes on PostgreSQL (`CREATE INDEX CONCURRENTLY`); the
    /// migration must declare `pub const TRANSACTION: bool = false;`. SQLite has no such
    /// thing and builds it as usual.
    pub fn concurrently(mut self) -> Self {
        self.concurrently = true;
        self
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    #[test]
    fn a_schema_survives_json() {
        let schema = Schema {
            tables: vec![Table::new("monitor")
                .column(Column::new("id", Type::Integer))
                .column(Column::new("url", Type::sql("VARCHAR(200)")).collate("NOCASE"))
                .column(Column::new("n", Type::Integer).generated("id * 2", true))
                .primary_key(&["id"])
                .autoincrement()
                .unique(Some("uq_url"), &["url"])
                .check(None, "length(url) > 0")
                .foreign_key(ForeignKey::new(&["n"], "other", &[]).on_delete("CASCADE"))
                .index(Index::new("ix", &["url"]).unique().filter("n > 0"))],
            views: vec![View {
                name: "v".into(),
                sql: "CREATE VIEW v AS SELECT 1".into(),
            }],
            triggers: vec![Trigger {
                name: "t".into(),
                table: "monitor".into(),
                sql: "CREATE TRIGGER t AFTER INSERT ON monitor BEGIN SELECT 1; END".into(),
            }],
            enums: vec![Enum {
                name: "mood".into(),
                values: vec!["sad".into(), "it's ok".into()],
            }],
        };
        let json = serde_json::to_string(&schema).unwrap();
        assert_eq!(serde_json::from_str::<Schema>(&json).unwrap(), schema);
    }
}
