//! The schema of a PostgreSQL database (its current schema), read from `pg_catalog` into
//! the [`alembic_core::schema`] model.
//!
//! Types come from `format_type` in the model's spellings (`INTEGER`, `VARCHAR(20)`,
//! `TIMESTAMPTZ`, `NUMERIC(10, 2)`, `INTEGER[]`), defaults from `pg_get_expr`, CHECK
//! expressions from `pg_get_constraintdef`, indexes from `pg_get_indexdef` — PostgreSQL's
//! own normalised text, so two reads of the same catalog compare equal. A constraint named
//! as PostgreSQL names unnamed ones (`<table>_pkey`, `<table>_<columns>_key`, `_fkey`,
//! `_check`) is read as unnamed, as it was declared. A foreign key to a table the search
//! path does not find keeps that table's schema (`ForeignKey::ref_schema`). Indexes are
//! listed by name: a column type change rebuilds an index as a new object, which changes
//! nothing a migration means.

use alembic_core::schema::sql::quote_ident;
use alembic_core::schema::{
    Check, Column, Enum, ForeignKey, Generated, Index, KeyColumn, PrimaryKey, Schema, Table,
    Trigger, Unique, View,
};
use postgres::Client;

use super::ddl::{ConstraintLookup, Renamed, Unnamed};
use crate::error::{Error, OpError, Result};

// A partition is part of its partitioned table, which is what a model declares: it is not
// a table of its own to compare (autogenerate would drop it).
const TABLES: &str = "SELECT c.oid, c.relname::text FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
       AND NOT c.relispartition ORDER BY c.oid";

const COLUMNS: &str = "SELECT a.attrelid, a.attname::text, format_type(a.atttypid, a.atttypmod), \
     a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attgenerated::text, co.collname::text \
     FROM pg_attribute a \
     JOIN pg_class c ON c.oid = a.attrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
     LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> \
         (SELECT t.typcollation FROM pg_type t WHERE t.oid = a.atttypid) \
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
       AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY a.attrelid, a.attnum";

const CONSTRAINTS: &str = "SELECT con.conrelid, con.conname::text, con.contype::text, \
     pg_get_constraintdef(con.oid, true), \
     ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) \
           JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i), \
     fc.relname::text, \
     ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i) \
           JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i), \
     con.confdeltype::text, con.confupdtype::text, con.confmatchtype::text, \
     con.condeferrable, con.condeferred, \
     CASE WHEN NOT pg_table_is_visible(fc.oid) THEN fn.nspname::text END \
     FROM pg_constraint con \
     JOIN pg_class c ON c.oid = con.conrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_class fc ON fc.oid = con.confrelid \
     LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
     WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c') \
     ORDER BY con.conrelid, con.oid";

const INDEXES: &str = "SELECT ix.indrelid, i.relname::text, ix.indisunique, \
     pg_get_indexdef(ix.indexrelid), pg_get_expr(ix.indpred, ix.indrelid, true) \
     FROM pg_index ix \
     JOIN pg_class i ON i.oid = ix.indexrelid \
     JOIN pg_namespace n ON n.oid = i.relnamespace \
     WHERE n.nspname = current_schema() \
       AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid \
                       AND con.contype IN ('p', 'u', 'x')) \
     ORDER BY ix.indrelid, i.relname";

const VIEWS: &str = "SELECT c.relname::text, pg_get_viewdef(c.oid, true) FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relkind = 'v' ORDER BY c.oid";

const TRIGGERS: &str = "SELECT t.tgname::text, c.relname::text, pg_get_triggerdef(t.oid, true) \
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND NOT t.tgisinternal ORDER BY t.oid";

const ENUMS: &str = "SELECT t.typname::text, \
     ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid \
           ORDER BY e.enumsortorder) \
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
     WHERE n.nspname = current_schema() AND t.typtype = 'e' ORDER BY t.oid";

fn query(client: &mut Client, sql: &str) -> Result<Vec<postgres::Row>> {
    client.query(sql, &[]).map_err(|source| Error::Postgres {
        sql: sql.to_owned(),
        source,
    })
}

fn get<'r, T: postgres::types::FromSql<'r>>(
    row: &'r postgres::Row,
    i: usize,
    sql: &str,
) -> Result<T> {
    row.try_get(i).map_err(|source| Error::Postgres {
        sql: sql.to_owned(),
        source,
    })
}

/// The whole schema of the connection's current schema: tables (with indexes) in creation
/// order, views, triggers, enum types.
///
/// # Errors
/// A database failure.
pub(crate) fn schema(client: &mut Client) -> Result<Schema> {
    let mut tables: Vec<(u32, Table)> = Vec::new();
    for row in query(client, TABLES)? {
        tables.push((
            get(&row, 0, TABLES)?,
            Table::new(get::<String>(&row, 1, TABLES)?),
        ));
    }
    fn find(tables: &mut [(u32, Table)], oid: u32) -> Option<&mut Table> {
        tables.iter_mut().find(|(o, _)| *o == oid).map(|(_, t)| t)
    }
    for row in query(client, COLUMNS)? {
        let Some(table) = find(&mut tables, get(&row, 0, COLUMNS)?) else {
            continue;
        };
        let generated: String = get(&row, 5, COLUMNS)?;
        let default: Option<String> = get(&row, 4, COLUMNS)?;
        let (default, generated) = if generated == "s" {
            let expr = default.unwrap_or_default();
            (None, Some(Generated { expr, stored: true }))
        } else {
            (default, None)
        };
        table.columns.push(Column {
            name: get(&row, 1, COLUMNS)?,
            sql_type: model_type(&get::<String>(&row, 2, COLUMNS)?),
            not_null: get(&row, 3, COLUMNS)?,
            not_null_on_conflict: None,
            default,
            collation: get(&row, 6, COLUMNS)?,
            generated,
        });
    }
    for row in query(client, CONSTRAINTS)? {
        let Some(table) = find(&mut tables, get(&row, 0, CONSTRAINTS)?) else {
            continue;
        };
        let name: String = get(&row, 1, CONSTRAINTS)?;
        let kind: String = get(&row, 2, CONSTRAINTS)?;
        let definition: String = get(&row, 3, CONSTRAINTS)?;
        let columns: Vec<String> = get(&row, 4, CONSTRAINTS)?;
        // Read as declared without a name when PostgreSQL named it.
        let declared = || {
            named_by_postgres(&table.name, &kind, &columns, &name)
                .is_none()
                .then(|| name.clone())
        };
        let keys = || columns.iter().map(KeyColumn::new).collect::<Vec<_>>();
        match kind.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name: declared(),
                    columns: keys(),
                    autoincrement: false,
                    on_conflict: None,
                });
            }
            "u" => table.unique.push(Unique {
                name: declared(),
                columns: keys(),
                on_conflict: None,
            }),
            "f" => {
                let action = |code: String| match code.as_str() {
                    "r" => Some("RESTRICT".to_owned()),
                    "c" => Some("CASCADE".to_owned()),
                    "n" => Some("SET NULL".to_owned()),
                    "d" => Some("SET DEFAULT".to_owned()),
                    _ => None,
                };
                let deferrable: bool = get(&row, 10, CONSTRAINTS)?;
                let deferred: bool = get(&row, 11, CONSTRAINTS)?;
                table.foreign_keys.push(ForeignKey {
                    name: declared(),
                    ref_table: get::<Option<String>>(&row, 5, CONSTRAINTS)?.unwrap_or_default(),
                    // Qualified only when the name alone would not find it.
                    ref_schema: get(&row, 12, CONSTRAINTS)?,
                    ref_columns: get(&row, 6, CONSTRAINTS)?,
                    on_delete: action(get(&row, 7, CONSTRAINTS)?),
                    on_update: action(get(&row, 8, CONSTRAINTS)?),
                    match_name: (get::<String>(&row, 9, CONSTRAINTS)? == "f")
                        .then(|| "FULL".to_owned()),
                    deferrable: match (deferrable, deferred) {
                        (false, _) => None,
                        (true, false) => Some("DEFERRABLE INITIALLY IMMEDIATE".to_owned()),
                        (true, true) => Some("DEFERRABLE INITIALLY DEFERRED".to_owned()),
                    },
                    columns,
                });
            }
            _ => {
                table.checks.push(Check {
                    name: declared(),
                    expr: check_expr(&definition).to_owned(),
                });
            }
        }
    }
    for row in query(client, INDEXES)? {
        let Some(table) = find(&mut tables, get(&row, 0, INDEXES)?) else {
            continue;
        };
        let definition: String = get(&row, 3, INDEXES)?;
        table.indexes.push(Index {
            name: get(&row, 1, INDEXES)?,
            unique: get(&row, 2, INDEXES)?,
            terms: index_terms(&definition),
            where_clause: get(&row, 4, INDEXES)?,
            method: index_method(&definition),
            concurrently: false,
        });
    }
    let mut schema = Schema {
        tables: tables.into_iter().map(|(_, t)| t).collect(),
        ..Schema::default()
    };
    for row in query(client, ENUMS)? {
        schema.enums.push(Enum {
            name: get(&row, 0, ENUMS)?,
            values: get(&row, 1, ENUMS)?,
        });
    }
    for row in query(client, VIEWS)? {
        let name: String = get(&row, 0, VIEWS)?;
        let definition: String = get(&row, 1, VIEWS)?;
        let sql = format!(
            "CREATE VIEW {} AS {}",
            quote_ident(&name),
            definition.trim()
        );
        schema.views.push(View { name, sql });
    }
    for row in query(client, TRIGGERS)? {
        schema.triggers.push(Trigger {
            name: get(&row, 0, TRIGGERS)?,
            table: get(&row, 1, TRIGGERS)?,
            sql: get(&row, 2, TRIGGERS)?,
        });
    }
    Ok(schema)
}

/// PostgreSQL's name for an unnamed constraint of `table` on `columns` (none for a primary
/// key), before truncation: `<table>_<columns>_<suffix>`.
fn generated_name(table: &str, columns: &[String], suffix: &str) -> String {
    if columns.is_empty() {
        format!("{table}_{suffix}")
    } else {
        format!("{table}_{}_{suffix}", columns.join("_"))
    }
}

/// When `name` is the name PostgreSQL gave a constraint of kind `kind` (`pg_constraint.contype`)
/// on `columns` of `table` declared without one, what it named it after: the suffix and the
/// columns in the name (a CHECK is named after its first column, or after none).
fn named_by_postgres(
    table: &str,
    kind: &str,
    columns: &[String],
    name: &str,
) -> Option<(&'static str, Vec<String>)> {
    let bases: Vec<(&'static str, Vec<String>)> = match kind {
        "p" => vec![("pkey", Vec::new())],
        "u" => vec![("key", columns.to_vec())],
        "f" => vec![("fkey", columns.to_vec())],
        "c" => vec![
            ("check", columns.iter().take(1).cloned().collect()),
            ("check", Vec::new()),
        ],
        _ => Vec::new(),
    };
    bases
        .into_iter()
        .find(|(suffix, by)| is_generated_name(name, &generated_name(table, by, suffix)))
}

/// Whether `name` is PostgreSQL's name for an unnamed constraint whose full name would be
/// `generated`: that name, truncated to 63 bytes, or with a number added when it was taken.
fn is_generated_name(name: &str, generated: &str) -> bool {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
    name == generated
        || (name.len() == 63 && generated.starts_with(name))
        || (base.len() < name.len() && base == generated)
}

/// `CHECK ((a > 0))` → `(a > 0)`: the expression as PostgreSQL prints it.
fn check_expr(definition: &str) -> &str {
    let inner = definition.strip_prefix("CHECK ").unwrap_or(definition);
    let inner = inner.strip_suffix(" NOT VALID").unwrap_or(inner);
    inner
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(inner)
}

/// The terms of `CREATE INDEX … USING method (terms) [INCLUDE …] [WHERE …]`, a plain column
/// quoted as the model writes it.
fn index_terms(definition: &str) -> Vec<String> {
    let Some(open) = definition
        .find(" USING ")
        .and_then(|at| definition[at..].find('(').map(|p| at + p))
    else {
        return Vec::new();
    };
    let mut depth = 0;
    let mut quoted = false;
    let mut terms = Vec::new();
    let mut start = open + 1;
    for (i, c) in definition[open..]
        .char_indices()
        .map(|(i, c)| (open + i, c))
    {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    terms.push(definition[start..i].trim().to_owned());
                    break;
                }
            }
            ',' if !quoted && depth == 1 => {
                terms.push(definition[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    terms
        .into_iter()
        .map(|t| {
            let plain = t
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if plain {
                quote_ident(&t)
            } else {
                t
            }
        })
        .collect()
}

/// The access method of `CREATE INDEX … USING method (…)`, unless it is the default B-tree.
fn index_method(definition: &str) -> Option<String> {
    let at = definition.find(" USING ")? + " USING ".len();
    let method = definition[at..].split_whitespace().next()?;
    (method != "btree").then(|| method.to_owned())
}

/// A `format_type` result in the model's spelling.
fn model_type(formatted: &str) -> String {
    if let Some(element) = formatted.strip_suffix("[]") {
        return format!("{}[]", model_type(element));
    }
    let (base, args) = match formatted.find('(') {
        Some(p) => (&formatted[..p], &formatted[p..]),
        None => (formatted, ""),
    };
    let base = match base {
        "integer" => "INTEGER",
        "bigint" => "BIGINT",
        "smallint" => "SMALLINT",
        "text" => "TEXT",
        "real" => "REAL",
        "double precision" => "DOUBLE PRECISION",
        "boolean" => "BOOLEAN",
        "bytea" => "BYTEA",
        "numeric" => "NUMERIC",
        "character varying" => "VARCHAR",
        "character" => "CHAR",
        "date" => "DATE",
        "json" => "JSON",
        "jsonb" => "JSONB",
        "uuid" => "UUID",
        "timestamp without time zone" => "TIMESTAMP",
        "timestamp with time zone" => "TIMESTAMPTZ",
        "time without time zone" => "TIME",
        "time with time zone" => "TIMETZ",
        other => return format!("{other}{args}"),
    };
    // `numeric(10,2)` → `NUMERIC(10, 2)`, as Type::Decimal writes it.
    format!("{base}{}", args.replace(',', ", "))
}

/// Finds constraints in the catalog, for the drop operations that name them by what they
/// constrain.
pub(crate) struct CatalogLookup<'c>(pub(crate) &'c mut Client);

impl ConstraintLookup for CatalogLookup<'_> {
    fn name_of(&mut self, table: &str, which: Unnamed<'_>) -> std::result::Result<String, OpError> {
        const FIND: &str = "SELECT con.conname::text, pg_get_constraintdef(con.oid, true), \
             ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) \
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n \
                   ORDER BY k.i) \
             FROM pg_constraint con WHERE con.conrelid = to_regclass($1) AND con.contype::text = $2 \
             ORDER BY con.oid";
        let kind = match which {
            Unnamed::Unique(_) => "u",
            Unnamed::ForeignKey(_) => "f",
            Unnamed::Check(_) => "c",
        };
        let rows = self
            .0
            .query(FIND, &[&quote_ident(table), &kind])
            .map_err(|source| OpError::Postgres {
                sql: FIND.to_owned(),
                source,
            })?;
        rows.iter()
            .find(|row| {
                let definition: String = row.get(1);
                let columns: Vec<String> = row.get(2);
                match which {
                    Unnamed::Unique(wanted) | Unnamed::ForeignKey(wanted) => columns == wanted,
                    Unnamed::Check(expr) => squash(check_expr(&definition)) == squash(expr),
                }
            })
            .map(|row| row.get::<_, String>(0))
            .ok_or_else(|| {
                let what = match which {
                    Unnamed::Unique(c) => format!("UNIQUE ({})", c.join(", ")),
                    Unnamed::ForeignKey(c) => format!("FOREIGN KEY ({})", c.join(", ")),
                    Unnamed::Check(expr) => format!("CHECK ({expr})"),
                };
                OpError::Schema(format!(
                    "table '{table}' has no {what} constraint to drop; drop it by name with \
                     drop_constraint"
                ))
            })
    }

    fn renamed(
        &mut self,
        table: &str,
        rename: Renamed<'_>,
    ) -> std::result::Result<Vec<(String, String)>, OpError> {
        const LIST: &str = "SELECT con.conname::text, con.contype::text, \
             ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) \
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n \
                   ORDER BY k.i) \
             FROM pg_constraint con WHERE con.conrelid = to_regclass($1) ORDER BY con.oid";
        // A name already used in the schema (an index, a table) or by the table is left: the
        // constraint then keeps its old name, as PostgreSQL would number a new one.
        const TAKEN: &str = "SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = $1 \
             AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())) \
             OR EXISTS (SELECT 1 FROM pg_constraint WHERE conname = $1 \
             AND conrelid = to_regclass($2))";
        let failed = |sql: &str| {
            let sql = sql.to_owned();
            move |source| OpError::Postgres { sql, source }
        };
        let rows = self
            .0
            .query(LIST, &[&quote_ident(table)])
            .map_err(failed(LIST))?;
        let mut pairs = Vec::new();
        for row in rows {
            let name: String = row.get(0);
            let kind: String = row.get(1);
            let columns: Vec<String> = row.get(2);
            let Some((suffix, named_by)) = named_by_postgres(table, &kind, &columns, &name) else {
                continue;
            };
            let new = match rename {
                Renamed::Table(new_table) => generated_name(new_table, &named_by, suffix),
                Renamed::Column(old, new_column) => {
                    if !named_by.iter().any(|c| c == old) {
                        continue;
                    }
                    let renamed: Vec<String> = named_by
                        .iter()
                        .map(|c| {
                            if c == old {
                                new_column.to_owned()
                            } else {
                                c.clone()
                            }
                        })
                        .collect();
                    generated_name(table, &renamed, suffix)
                }
            };
            if new == name || new.len() > 63 {
                continue;
            }
            let taken: bool = self
                .0
                .query_one(TAKEN, &[&new, &quote_ident(table)])
                .map_err(failed(TAKEN))?
                .get(0);
            if !taken {
                pairs.push((name, new));
            }
        }
        Ok(pairs)
    }
}

/// An expression without spaces, parentheses, casts to text and case, so that what a
/// migration wrote and what PostgreSQL prints compare equal.
fn squash(expr: &str) -> String {
    expr.replace("::text", "")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')' && *c != '"')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_in_the_models_spelling() {
        for (pg, model) in [
            ("integer", "INTEGER"),
            ("character varying(20)", "VARCHAR(20)"),
            ("numeric(10,2)", "NUMERIC(10, 2)"),
            ("timestamp with time zone", "TIMESTAMPTZ"),
            ("integer[]", "INTEGER[]"),
            ("character varying(5)[]", "VARCHAR(5)[]"),
            ("tsvector", "tsvector"),
        ] {
            assert_eq!(model_type(pg), model, "{pg}");
        }
    }

    #[test]
    fn index_terms_split_at_top_level_commas() {
        let def = "CREATE UNIQUE INDEX ix ON public.t USING btree (a, lower((b)::text), \
                   (c || ','::text) DESC) WHERE (a > 0)";
        assert_eq!(
            index_terms(def),
            ["\"a\"", "lower((b)::text)", "(c || ','::text) DESC"]
        );
    }

    #[test]
    fn generated_names_are_recognised() {
        assert!(is_generated_name("t_a_key", "t_a_key"));
        assert!(is_generated_name("t_a_key1", "t_a_key"));
        assert!(!is_generated_name("uq_t_a", "t_a_key"));
        assert_eq!(check_expr("CHECK ((a > 0))"), "(a > 0)");
    }
}
