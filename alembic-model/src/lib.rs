//! The `#[alembic(...)]` model attributes (DESIGN §7), parsed once for both
//! `#[derive(Model)]` and `cargo alembic`'s autogenerate: a struct becomes the
//! [`alembic_core::schema::Table`] it declares, plus its rename hints. Errors carry the span of
//! the offending attribute, field or type, so the derive reports them with `compile_error!`
//! and the CLI as `file:line`.
//!
//! ```
//! let item: syn::DeriveInput = syn::parse_quote! {
//!     #[alembic(table = "monitor")]
//!     struct Monitor {
//!         #[alembic(primary_key)]
//!         id: i64,
//!         #[alembic(index)]
//!         url: String,
//!         description: Option<String>,
//!     }
//! };
//! let model = alembic_model::parse_model(&item).unwrap();
//! assert_eq!(model.table.name, "monitor");
//! assert!(!model.table.columns[2].not_null);
//! assert_eq!(model.table.indexes[0].name, "ix_monitor_url");
//! ```

mod tokens;

pub use alembic_core::schema::sql::Dialect;
pub use tokens::Builders;

use alembic_core::schema::{
    Check, Column, ForeignKey, Index, KeyColumn, PrimaryKey, Table, Unique,
};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, LitBool, LitStr, PathArguments, Type};

/// A model: the table it declares and its rename hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDef {
    /// The struct's name.
    pub struct_name: String,
    /// The table.
    pub table: Table,
    /// `renamed_from` on the struct: the table's previous name.
    pub renamed_from: Option<String>,
    /// `renamed_from` on fields: (column, previous name).
    pub column_renames: Vec<(String, String)>,
}

/// Field keys, for the unknown-key message.
const FIELD_KEYS: &str = "primary_key, autoincrement, column, sql_type, nullable, default, unique, index, references, on_delete, on_update, check, renamed_from, skip";
/// Struct keys, for the unknown-key message.
const STRUCT_KEYS: &str = "table, index(...), unique(...), check(...), primary_key = [...], foreign_key(...), renamed_from";

/// Parses a struct deriving `Model`, with SQLite's type mapping (DESIGN §7).
///
/// # Errors
/// An unknown key, a malformed value, an unsupported field type without `sql_type`, or an
/// item that is not a struct with named fields; the error's span points at the problem.
pub fn parse_model(item: &DeriveInput) -> syn::Result<ModelDef> {
    parse_model_for(item, Dialect::Sqlite)
}

/// Parses a struct deriving `Model`, with `dialect`'s type mapping: on PostgreSQL `i64` is
/// `BIGINT`, `DateTime<_>` `TIMESTAMPTZ`, `Uuid` `UUID`… (DESIGN §12). Everything but the
/// types is the same on both.
///
/// ```
/// use alembic_core::schema::sql::Dialect;
/// let item: syn::DeriveInput = syn::parse_quote! {
///     struct Event { #[alembic(primary_key)] id: i64, at: chrono::DateTime<chrono::Utc> }
/// };
/// let pg = alembic_model::parse_model_for(&item, Dialect::Postgres).unwrap();
/// assert_eq!(pg.table.columns[0].sql_type, "BIGINT");
/// assert_eq!(pg.table.columns[1].sql_type, "TIMESTAMPTZ");
/// ```
///
/// # Errors
/// As [`parse_model`].
pub fn parse_model_for(item: &DeriveInput, dialect: Dialect) -> syn::Result<ModelDef> {
    let Data::Struct(data) = &item.data else {
        return Err(syn::Error::new(
            item.span(),
            "#[derive(Model)] needs a struct with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            item.span(),
            "#[derive(Model)] needs a struct with named fields",
        ));
    };
    let struct_name = item.ident.to_string();
    let mut table = Table::new(snake_case(&struct_name));
    let mut renamed_from = None;
    let mut composite_pk: Option<Vec<String>> = None;
    for attr in item.attrs.iter().filter(|a| a.path().is_ident("alembic")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            match key.as_str() {
                "table" => table.name = string(&meta)?,
                "renamed_from" => renamed_from = Some(string(&meta)?),
                "primary_key" => composite_pk = Some(string_list(&meta)?),
                "index" => {
                    let (mut name, mut columns, mut unique) = (None, Vec::new(), false);
                    meta.parse_nested_meta(|m| {
                        match m.path.get_ident().map(ToString::to_string).as_deref() {
                            Some("name") => name = Some(string(&m)?),
                            Some("columns") => columns = string_list(&m)?,
                            Some("unique") => unique = flag(&m)?,
                            _ => return Err(m.error("unknown index key; expected name, columns, unique")),
                        }
                        Ok(())
                    })?;
                    let name = name.ok_or_else(|| meta.error("index(...) needs name = \"…\""))?;
                    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
                    let index = Index::new(&name, &cols);
                    table.indexes.push(if unique { index.unique() } else { index });
                }
                "unique" => {
                    let (mut name, mut columns) = (None, Vec::new());
                    meta.parse_nested_meta(|m| {
                        match m.path.get_ident().map(ToString::to_string).as_deref() {
                            Some("name") => name = Some(string(&m)?),
                            Some("columns") => columns = string_list(&m)?,
                            _ => return Err(m.error("unknown unique key; expected name, columns")),
                        }
                        Ok(())
                    })?;
                    table.unique.push(Unique {
                        name,
                        columns: columns.into_iter().map(KeyColumn::new).collect(),
                        on_conflict: None,
                    });
                }
                "check" => {
                    let (mut name, mut sql) = (None, None);
                    meta.parse_nested_meta(|m| {
                        match m.path.get_ident().map(ToString::to_string).as_deref() {
                            Some("name") => name = Some(string(&m)?),
                            Some("sql") => sql = Some(string(&m)?),
                            _ => return Err(m.error("unknown check key; expected name, sql")),
                        }
                        Ok(())
                    })?;
                    let expr = sql.ok_or_else(|| meta.error("check(...) needs sql = \"…\""))?;
                    table.checks.push(Check { name, expr });
                }
                "foreign_key" => {
                    let mut fk = ForeignKey::new(&[], "", &[]);
                    meta.parse_nested_meta(|m| {
                        match m.path.get_ident().map(ToString::to_string).as_deref() {
                            Some("name") => fk.name = Some(string(&m)?),
                            Some("columns") => fk.columns = string_list(&m)?,
                            Some("references") => fk.ref_table = string(&m)?,
                            Some("referred_columns") => fk.ref_columns = string_list(&m)?,
                            Some("on_delete") => fk.on_delete = Some(string(&m)?.to_ascii_uppercase()),
                            Some("on_update") => fk.on_update = Some(string(&m)?.to_ascii_uppercase()),
                            _ => {
                                return Err(m.error(
                                    "unknown foreign_key key; expected name, columns, references, referred_columns, on_delete, on_update",
                                ))
                            }
                        }
                        Ok(())
                    })?;
                    if fk.columns.is_empty() || fk.ref_table.is_empty() {
                        return Err(meta.error("foreign_key(...) needs columns = [...] and references = \"table\""));
                    }
                    if let Some((schema, table)) = fk.ref_table.split_once('.') {
                        if table.contains('.') {
                            return Err(meta.error(format!("foreign_key(...): references = \"table\" or \"schema.table\" expected, found \"{}\"", fk.ref_table)));
                        }
                        (fk.ref_schema, fk.ref_table) = (Some(schema.to_owned()), table.to_owned());
                    }
                    table.foreign_keys.push(fk);
                }
                _ => return Err(meta.error(format!("unknown #[alembic] struct key `{key}`; expected one of: {STRUCT_KEYS}"))),
            }
            Ok(())
        })?;
    }

    let mut column_renames = Vec::new();
    let mut pk_field: Option<(String, bool)> = None;
    let mut field_level = FieldLevel::default();
    for field in &fields.named {
        let ident = field
            .ident
            .as_ref()
            .expect("named fields have names")
            .to_string();
        let Some(spec) = field_spec(field)? else {
            continue;
        };
        let name = spec
            .column
            .clone()
            .unwrap_or_else(|| ident.trim_start_matches("r#").to_owned());
        let (base, optional) = unwrap_option(&field.ty);
        let sql_type = match &spec.sql_type {
            Some(t) => t.clone(),
            None => sql_type_of(base, dialect).ok_or_else(|| {
                syn::Error::new(
                    field.ty.span(),
                    format!(
                        "field `{ident}`: no SQL type for `{}`; add #[alembic(sql_type = \"…\")] or #[alembic(skip)]",
                        quote::quote!(#base).to_string().replace(' ', "")
                    ),
                )
            })?,
        };
        let not_null = spec.nullable.map_or(!optional, |n| !n) || spec.primary_key;
        table.columns.push(Column {
            name: name.clone(),
            sql_type,
            not_null,
            default: spec.default.clone(),
            ..Column::default()
        });
        if spec.primary_key {
            if pk_field.is_some() {
                return Err(syn::Error::new(field.span(), "several fields are primary_key; use #[alembic(primary_key = [\"a\", \"b\"])] on the struct for a composite key"));
            }
            pk_field = Some((name.clone(), spec.autoincrement));
        }
        if spec.unique {
            field_level.unique.push(Unique {
                name: None,
                columns: vec![KeyColumn::new(name.clone())],
                on_conflict: None,
            });
        }
        if spec.index {
            field_level
                .indexes
                .push(Index::new(&format!("ix_{}_{name}", table.name), &[&name]));
        }
        if let Some(lit) = &spec.references {
            let target = lit.value();
            // `table.column`, or `schema.table.column` for a table of another schema.
            let (ref_table, ref_column) = target.rsplit_once('.').ok_or_else(|| {
                syn::Error::new(lit.span(), format!("field `{ident}`: references = \"table.column\" expected, found \"{target}\""))
            })?;
            let mut fk = match ref_table.split_once('.') {
                Some((schema, table)) if !table.contains('.') => {
                    ForeignKey::new(&[&name], table, &[ref_column]).ref_schema(schema)
                }
                Some(_) => {
                    return Err(syn::Error::new(lit.span(), format!("field `{ident}`: references = \"table.column\" or \"schema.table.column\" expected, found \"{target}\"")));
                }
                None => ForeignKey::new(&[&name], ref_table, &[ref_column]),
            };
            fk.on_delete = spec.on_delete.as_ref().map(|a| a.to_ascii_uppercase());
            fk.on_update = spec.on_update.as_ref().map(|a| a.to_ascii_uppercase());
            field_level.foreign_keys.push(fk);
        }
        if let Some(expr) = &spec.check {
            field_level.checks.push(Check {
                name: None,
                expr: expr.clone(),
            });
        }
        if let Some(old) = &spec.renamed_from {
            column_renames.push((name, old.clone()));
        }
    }
    // Field-level constraints first, as SQLite lists column constraints before table ones.
    table.unique.splice(0..0, field_level.unique);
    table.indexes.splice(0..0, field_level.indexes);
    table.foreign_keys.splice(0..0, field_level.foreign_keys);
    table.checks.splice(0..0, field_level.checks);
    table.primary_key = match (pk_field, composite_pk) {
        (Some(_), Some(_)) => {
            return Err(syn::Error::new(
                item.span(),
                "primary_key is declared both on a field and on the struct",
            ))
        }
        (Some((column, autoincrement)), None) => Some(PrimaryKey {
            name: None,
            columns: vec![KeyColumn::new(column)],
            autoincrement,
            on_conflict: None,
        }),
        (None, Some(columns)) => {
            for c in &columns {
                if let Some(col) = table.columns.iter_mut().find(|x| &x.name == c) {
                    col.not_null = true;
                }
            }
            Some(PrimaryKey {
                name: None,
                columns: columns.into_iter().map(KeyColumn::new).collect(),
                autoincrement: false,
                on_conflict: None,
            })
        }
        (None, None) => None,
    };
    Ok(ModelDef {
        struct_name,
        table,
        renamed_from,
        column_renames,
    })
}

#[derive(Default)]
struct FieldLevel {
    unique: Vec<Unique>,
    indexes: Vec<Index>,
    foreign_keys: Vec<ForeignKey>,
    checks: Vec<Check>,
}

/// One field's `#[alembic(...)]` keys.
#[derive(Default)]
struct FieldSpec {
    primary_key: bool,
    autoincrement: bool,
    column: Option<String>,
    sql_type: Option<String>,
    nullable: Option<bool>,
    default: Option<String>,
    unique: bool,
    index: bool,
    references: Option<LitStr>,
    on_delete: Option<String>,
    on_update: Option<String>,
    check: Option<String>,
    renamed_from: Option<String>,
}

/// The field's keys, or `None` for `skip`.
fn field_spec(field: &syn::Field) -> syn::Result<Option<FieldSpec>> {
    let mut spec = FieldSpec::default();
    let mut skip = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("alembic")) {
        attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "primary_key" => spec.primary_key = flag(&meta)?,
                "autoincrement" => spec.autoincrement = flag(&meta)?,
                "unique" => spec.unique = flag(&meta)?,
                "index" => spec.index = flag(&meta)?,
                "skip" => skip = flag(&meta)?,
                "nullable" => spec.nullable = Some(flag(&meta)?),
                "column" => spec.column = Some(string(&meta)?),
                "sql_type" => spec.sql_type = Some(string(&meta)?),
                "default" => spec.default = Some(string(&meta)?),
                "references" => spec.references = Some(lit_str(&meta)?),
                "on_delete" => spec.on_delete = Some(string(&meta)?),
                "on_update" => spec.on_update = Some(string(&meta)?),
                "check" => spec.check = Some(string(&meta)?),
                "renamed_from" => spec.renamed_from = Some(string(&meta)?),
                _ => {
                    return Err(meta.error(format!(
                        "unknown #[alembic] field key `{key}`; expected one of: {FIELD_KEYS}"
                    )))
                }
            }
            Ok(())
        })?;
    }
    Ok((!skip).then_some(spec))
}

/// `key` alone or `key = true|false`.
fn flag(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        Ok(meta.value()?.parse::<LitBool>()?.value)
    } else {
        Ok(true)
    }
}

fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<String> {
    lit_str(meta).map(|lit| lit.value())
}

/// `key = "…"`, keeping the literal's span for later messages.
fn lit_str(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let value = meta.value()?;
    value.parse::<LitStr>().map_err(|e| {
        let key = meta
            .path
            .get_ident()
            .map_or_else(String::new, ToString::to_string);
        // A default is SQL text: `default = "60"`, `default = "'active'"`.
        syn::Error::new(
            e.span(),
            format!("`{key}` takes a string literal: {key} = \"…\""),
        )
    })
}

/// `key = ["a", "b"]`.
fn string_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<String>> {
    let array: syn::ExprArray = meta.value()?.parse()?;
    array
        .elems
        .iter()
        .map(|e| match e {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Ok(s.value()),
            other => Err(syn::Error::new(other.span(), "expected a string literal")),
        })
        .collect()
}

/// `Option<T>` → (`T`, true); anything else → (itself, false).
fn unwrap_option(ty: &Type) -> (&Type, bool) {
    if let Some(inner) = generic_argument(ty, "Option") {
        return (inner, true);
    }
    (ty, false)
}

/// The single type argument of `ty` when its last path segment is `name`.
fn generic_argument<'t>(ty: &'t Type, name: &str) -> Option<&'t Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// DESIGN §7's type mapping (SQLite) and §12's (PostgreSQL). Types are recognised by their
/// last path segment, so `chrono::NaiveDateTime` and `NaiveDateTime` (brought in by `use`)
/// are the same.
fn sql_type_of(ty: &Type, dialect: Dialect) -> Option<String> {
    let pg = dialect == Dialect::Postgres;
    let pick = |sqlite: &'static str, postgres: &'static str| if pg { postgres } else { sqlite };
    let sql = match ty {
        Type::Reference(r) if matches!(&*r.elem, Type::Path(p) if p.path.is_ident("str")) => "TEXT",
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            match last.ident.to_string().as_str() {
                // PostgreSQL has no unsigned types: each takes the smallest signed one that
                // holds all its values.
                "i8" | "i16" | "u8" => pick("INTEGER", "SMALLINT"),
                "i32" | "u16" => "INTEGER",
                "i64" | "u32" | "isize" => pick("INTEGER", "BIGINT"),
                "bool" => "BOOLEAN",
                "f32" => "REAL",
                "f64" => pick("REAL", "DOUBLE PRECISION"),
                "String" => "TEXT",
                "Box"
                    if generic_argument(ty, "Box")
                        .is_some_and(|t| matches!(t, Type::Path(p) if p.path.is_ident("str"))) =>
                {
                    "TEXT"
                }
                "Vec"
                    if generic_argument(ty, "Vec")
                        .is_some_and(|t| matches!(t, Type::Path(p) if p.path.is_ident("u8"))) =>
                {
                    pick("BLOB", "BYTEA")
                }
                "NaiveDateTime" | "PrimitiveDateTime" => pick("DATETIME", "TIMESTAMP"),
                "DateTime" | "OffsetDateTime" => pick("DATETIME", "TIMESTAMPTZ"),
                "NaiveDate" | "Date" => "DATE",
                "NaiveTime" | "Time" => "TIME",
                "Uuid" => pick("BLOB", "UUID"),
                "Value"
                    if path.path.segments.len() == 1
                        || path.path.segments.iter().any(|s| s.ident == "serde_json") =>
                {
                    pick("JSON", "JSONB")
                }
                "Decimal" => "NUMERIC",
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(sql.to_owned())
}

/// `CheckResult` → `check_result`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(item: DeriveInput) -> String {
        parse_model(&item).unwrap_err().to_string()
    }

    #[test]
    fn the_design_example_parses_into_its_table() {
        let item: DeriveInput = syn::parse_quote! {
            #[alembic(table = "monitor")]
            #[alembic(index(name = "idx_monitor_name", columns = ["name"]))]
            #[alembic(unique(name = "uq_monitor_url_owner", columns = ["url", "owner_id"]))]
            #[alembic(check(name = "ck_monitor_interval", sql = "interval_secs > 0"))]
            pub struct Monitor {
                #[alembic(primary_key)]
                pub id: i64,
                #[alembic(sql_type = "VARCHAR(100)")]
                pub name: String,
                #[alembic(index)]
                pub url: String,
                #[alembic(default = "'active'")]
                pub status: String,
                pub description: Option<String>,
                #[alembic(references = "user.id", on_delete = "CASCADE")]
                pub owner_id: i64,
                #[alembic(column = "created")]
                pub created_at: chrono::NaiveDateTime,
                #[alembic(renamed_from = "check_interval")]
                pub interval_secs: i64,
                #[alembic(skip)]
                pub cached_status: Vec<String>,
            }
        };
        let m = parse_model(&item).unwrap();
        let t = &m.table;
        let cols: Vec<(&str, &str, bool)> = t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.sql_type.as_str(), c.not_null))
            .collect();
        assert_eq!(
            cols,
            [
                ("id", "INTEGER", true),
                ("name", "VARCHAR(100)", true),
                ("url", "TEXT", true),
                ("status", "TEXT", true),
                ("description", "TEXT", false),
                ("owner_id", "INTEGER", true),
                ("created", "DATETIME", true),
                ("interval_secs", "INTEGER", true),
            ]
        );
        assert_eq!(t.columns[3].default.as_deref(), Some("'active'"));
        assert_eq!(t.primary_key.as_ref().unwrap().columns[0].name, "id");
        let indexes: Vec<&str> = t.indexes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(indexes, ["ix_monitor_url", "idx_monitor_name"]);
        assert_eq!(t.unique[0].name.as_deref(), Some("uq_monitor_url_owner"));
        assert_eq!(
            t.foreign_keys,
            [ForeignKey::new(&["owner_id"], "user", &["id"]).on_delete("CASCADE")]
        );
        assert_eq!(t.checks[0].name.as_deref(), Some("ck_monitor_interval"));
        assert_eq!(
            m.column_renames,
            [("interval_secs".to_owned(), "check_interval".to_owned())]
        );
    }

    #[test]
    fn every_mapped_type() {
        let item: DeriveInput = syn::parse_quote! {
            struct AllTypes {
                a: i8, b: u32, c: isize, d: bool, e: f32, f: f64, g: String, h: Box<str>, i: Vec<u8>,
                j: chrono::DateTime<chrono::Utc>, k: time::OffsetDateTime, l: NaiveDate, m: time::Time,
                n: uuid::Uuid, o: serde_json::Value, p: rust_decimal::Decimal, q: Option<i64>,
            }
        };
        let types = |m: &ModelDef| -> Vec<String> {
            m.table.columns.iter().map(|c| c.sql_type.clone()).collect()
        };
        let m = parse_model(&item).unwrap();
        assert_eq!(m.table.name, "all_types");
        assert_eq!(
            types(&m),
            [
                "INTEGER", "INTEGER", "INTEGER", "BOOLEAN", "REAL", "REAL", "TEXT", "TEXT", "BLOB",
                "DATETIME", "DATETIME", "DATE", "TIME", "BLOB", "JSON", "NUMERIC", "INTEGER"
            ]
        );
        assert!(!m.table.columns[16].not_null);

        let pg = parse_model_for(&item, Dialect::Postgres).unwrap();
        assert_eq!(
            types(&pg),
            [
                "SMALLINT",
                "BIGINT",
                "BIGINT",
                "BOOLEAN",
                "REAL",
                "DOUBLE PRECISION",
                "TEXT",
                "TEXT",
                "BYTEA",
                "TIMESTAMPTZ",
                "TIMESTAMPTZ",
                "DATE",
                "TIME",
                "UUID",
                "JSONB",
                "NUMERIC",
                "BIGINT"
            ]
        );
        let naive: DeriveInput = syn::parse_quote! {
            struct Times { a: chrono::NaiveDateTime, b: time::PrimitiveDateTime, c: u16, d: i16 }
        };
        let pg = parse_model_for(&naive, Dialect::Postgres).unwrap();
        assert_eq!(
            types(&pg),
            ["TIMESTAMP", "TIMESTAMP", "INTEGER", "SMALLINT"]
        );
        // Nothing but the types depends on the dialect.
        let mut same = pg.table.clone();
        same.columns
            .iter_mut()
            .zip(&parse_model(&naive).unwrap().table.columns)
            .for_each(|(c, sqlite)| c.sql_type.clone_from(&sqlite.sql_type));
        assert_eq!(same, parse_model(&naive).unwrap().table);
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(
            err(syn::parse_quote! { struct A { #[alembic(primary)] id: i64 } }),
            format!("unknown #[alembic] field key `primary`; expected one of: {FIELD_KEYS}")
        );
        assert_eq!(
            err(syn::parse_quote! { #[alembic(tabel = "x")] struct A { id: i64 } }),
            format!("unknown #[alembic] struct key `tabel`; expected one of: {STRUCT_KEYS}")
        );
        assert_eq!(
            err(syn::parse_quote! { struct A { id: i64, tags: std::collections::HashSet<String> } }),
            "field `tags`: no SQL type for `std::collections::HashSet<String>`; add #[alembic(sql_type = \"…\")] or #[alembic(skip)]"
        );
        assert_eq!(
            err(syn::parse_quote! { struct A { #[alembic(references = "a.b.user.id")] user_id: i64 } }),
            "field `user_id`: references = \"table.column\" or \"schema.table.column\" expected, found \"a.b.user.id\""
        );
        assert_eq!(
            err(syn::parse_quote! { #[alembic(foreign_key(columns = ["a"], references = "x.y.z"))] struct A { a: i64 } }),
            "foreign_key(...): references = \"table\" or \"schema.table\" expected, found \"x.y.z\""
        );
        assert_eq!(
            err(syn::parse_quote! { struct A { #[alembic(references = "user")] user_id: i64 } }),
            "field `user_id`: references = \"table.column\" expected, found \"user\""
        );
        assert_eq!(
            err(syn::parse_quote! { struct A(i64); }),
            "#[derive(Model)] needs a struct with named fields"
        );
    }

    #[test]
    fn nullable_overrides_and_composite_keys() {
        let m = parse_model(&syn::parse_quote! {
            #[alembic(primary_key = ["a", "b"])]
            struct Pair { a: Option<i64>, b: i64, #[alembic(nullable = true)] c: String, #[alembic(nullable = false)] d: Option<bool> }
        })
        .unwrap();
        let nn: Vec<bool> = m.table.columns.iter().map(|c| c.not_null).collect();
        assert_eq!(
            nn,
            [true, true, false, true],
            "key columns are NOT NULL; nullable overrides Option"
        );
        assert_eq!(m.table.primary_key.unwrap().columns.len(), 2);
    }

    #[test]
    fn a_reference_may_name_the_schema_of_its_table() {
        let m = parse_model(&syn::parse_quote! {
            #[alembic(foreign_key(columns = ["org_id"], references = "billing.org", referred_columns = ["id"]))]
            struct Session {
                #[alembic(references = "auth.user.id")]
                user_id: i64,
                #[alembic(references = "device.id")]
                device_id: i64,
                org_id: i64,
            }
        })
        .unwrap();
        let refs: Vec<(Option<&str>, &str, &str)> = m
            .table
            .foreign_keys
            .iter()
            .map(|fk| {
                (
                    fk.ref_schema.as_deref(),
                    fk.ref_table.as_str(),
                    fk.ref_columns[0].as_str(),
                )
            })
            .collect();
        assert_eq!(
            refs,
            [
                (Some("auth"), "user", "id"),
                (None, "device", "id"),
                (Some("billing"), "org", "id"),
            ]
        );
        let rendered = Builders::prelude()
            .foreign_key(&m.table.foreign_keys[0])
            .to_string();
        assert!(rendered.contains(". ref_schema (\"auth\")"), "{rendered}");
    }
}
