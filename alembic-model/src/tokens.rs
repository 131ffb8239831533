//! Schema values as Rust code that builds them with `alembic_core::schema`'s builders
//! (`Table::new("t").column(Column::new("id", Type::Integer))…`): the one form shared by
//! `#[derive(Model)]`'s output and the migrations autogenerate writes.

use alembic_core::schema::{Column, ForeignKey, Index, KeyColumn, Table};
use proc_macro2::TokenStream;
use quote::quote;

/// How the generated code names the builders and `Option`.
#[derive(Debug, Clone)]
pub struct Builders {
    schema: TokenStream,
    option: TokenStream,
}

impl Builders {
    /// For a migration module, which imports `alembic_runtime::prelude::*`: `Table::new(…)`,
    /// `Some(…)`.
    pub fn prelude() -> Self {
        Builders {
            schema: TokenStream::new(),
            option: TokenStream::new(),
        }
    }

    /// For macro output, which must not depend on the caller's imports:
    /// `::alembic_runtime::schema::Table::new(…)`, `::core::option::Option::Some(…)`.
    pub fn absolute() -> Self {
        Builders {
            schema: quote!(::alembic_runtime::schema::),
            option: quote!(::core::option::Option::),
        }
    }

    /// `Some("…")` or `None`.
    pub fn option(&self, value: &Option<String>) -> TokenStream {
        let o = &self.option;
        match value {
            Some(v) => quote!(#o Some(#v)),
            None => quote!(#o None),
        }
    }

    /// `Type::Integer` for the builder's own spellings, `Type::sql("VARCHAR(20)")` otherwise,
    /// so that the declared type is kept exactly as written.
    pub fn sql_type(&self, sql_type: &str) -> TokenStream {
        let s = &self.schema;
        match sql_type {
            "INTEGER" => quote!(#s Type::Integer),
            "TEXT" => quote!(#s Type::Text),
            "REAL" => quote!(#s Type::Real),
            "BLOB" => quote!(#s Type::Blob),
            "NUMERIC" => quote!(#s Type::Numeric),
            "BOOLEAN" => quote!(#s Type::Boolean),
            "DATETIME" => quote!(#s Type::DateTime),
            "DATE" => quote!(#s Type::Date),
            "TIME" => quote!(#s Type::Time),
            "JSON" => quote!(#s Type::Json),
            "SMALLINT" => quote!(#s Type::SmallInt),
            "BIGINT" => quote!(#s Type::BigInt),
            "DOUBLE PRECISION" => quote!(#s Type::DoublePrecision),
            "TIMESTAMP" => quote!(#s Type::Timestamp),
            "TIMESTAMPTZ" => quote!(#s Type::TimestampTz),
            "UUID" => quote!(#s Type::Uuid),
            "JSONB" => quote!(#s Type::Jsonb),
            "BYTEA" => quote!(#s Type::Bytea),
            other => quote!(#s Type::sql(#other)),
        }
    }

    /// `Column::new(…)` and its modifiers.
    pub fn column(&self, c: &Column) -> TokenStream {
        let s = &self.schema;
        let (name, ty) = (&c.name, self.sql_type(&c.sql_type));
        let mut e = quote!(#s Column::new(#name, #ty));
        if !c.not_null {
            e = quote!(#e.nullable());
        }
        if let Some(d) = &c.default {
            e = quote!(#e.default_sql(#d));
        }
        if let Some(coll) = &c.collation {
            e = quote!(#e.collate(#coll));
        }
        if let Some(g) = &c.generated {
            let (expr, stored) = (&g.expr, g.stored);
            e = quote!(#e.generated(#expr, #stored));
        }
        e
    }

    /// `ForeignKey::new(…)` and its modifiers.
    pub fn foreign_key(&self, fk: &ForeignKey) -> TokenStream {
        let s = &self.schema;
        let (cols, rt, rc) = (&fk.columns, &fk.ref_table, &fk.ref_columns);
        let mut e = quote!(#s ForeignKey::new(&[#(#cols),*], #rt, &[#(#rc),*]));
        if let Some(n) = &fk.name {
            e = quote!(#e.named(#n));
        }
        if let Some(schema) = &fk.ref_schema {
            e = quote!(#e.ref_schema(#schema));
        }
        if let Some(a) = &fk.on_delete {
            e = quote!(#e.on_delete(#a));
        }
        if let Some(a) = &fk.on_update {
            e = quote!(#e.on_update(#a));
        }
        e
    }

    /// `Index::new(…)` on plain columns, `Index::on_terms(…)` on expressions.
    pub fn index(&self, index: &Index) -> TokenStream {
        let s = &self.schema;
        let name = &index.name;
        let columns: Option<Vec<String>> = index.terms.iter().map(|t| plain_column(t)).collect();
        let mut e = match columns {
            Some(cols) => quote!(#s Index::new(#name, &[#(#cols),*])),
            None => {
                let terms = &index.terms;
                quote!(#s Index::on_terms(#name, &[#(#terms),*]))
            }
        };
        if index.unique {
            e = quote!(#e.unique());
        }
        if let Some(w) = &index.where_clause {
            e = quote!(#e.filter(#w));
        }
        if let Some(m) = &index.method {
            e = quote!(#e.using(#m));
        }
        e
    }

    /// The table as a builder chain, or `None` when it has options the builders cannot
    /// express (constraint names on the primary key, conflict clauses, `WITHOUT ROWID`,
    /// `STRICT`…); models never have them.
    pub fn table(&self, t: &Table) -> Option<TokenStream> {
        let plain_keys =
            |cols: &[KeyColumn]| cols.iter().all(|k| k.collation.is_none() && !k.descending);
        let expressible = !t.without_rowid
            && !t.strict
            && t.columns.iter().all(|c| c.not_null_on_conflict.is_none())
            && t.primary_key.as_ref().is_none_or(|pk| {
                pk.name.is_none() && pk.on_conflict.is_none() && plain_keys(&pk.columns)
            })
            && t.unique
                .iter()
                .all(|u| u.on_conflict.is_none() && plain_keys(&u.columns))
            && t.foreign_keys
                .iter()
                .all(|f| f.match_name.is_none() && f.deferrable.is_none());
        if !expressible {
            return None;
        }
        let s = &self.schema;
        let name = &t.name;
        let mut e = quote!(#s Table::new(#name));
        for c in &t.columns {
            let c = self.column(c);
            e = quote!(#e.column(#c));
        }
        if let Some(pk) = &t.primary_key {
            let cols = pk.columns.iter().map(|k| &k.name);
            e = quote!(#e.primary_key(&[#(#cols),*]));
            if pk.autoincrement {
                e = quote!(#e.autoincrement());
            }
        }
        for u in &t.unique {
            let n = self.option(&u.name);
            let cols = u.columns.iter().map(|k| &k.name);
            e = quote!(#e.unique(#n, &[#(#cols),*]));
        }
        for f in &t.foreign_keys {
            let f = self.foreign_key(f);
            e = quote!(#e.foreign_key(#f));
        }
        for c in &t.checks {
            let n = self.option(&c.name);
            let expr = &c.expr;
            e = quote!(#e.check(#n, #expr));
        }
        for i in &t.indexes {
            let i = self.index(i);
            e = quote!(#e.index(#i));
        }
        Some(e)
    }
}

/// A column name from an index term that is only a column (`url`, `"url"`).
fn plain_column(term: &str) -> Option<String> {
    let bare = |s: &str| {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if bare(term) {
        return Some(term.to_owned());
    }
    let inner = term.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.replace("\"\"", "").contains('"')).then(|| inner.replace("\"\"", "\""))
}
