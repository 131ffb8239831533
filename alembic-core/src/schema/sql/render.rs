//! Renders the [`crate::schema`] model back to SQL. Identifiers are always quoted, so
//! names such as `order` or `my "table"` work; SQL fragments are written as they were
//! declared.

use std::fmt::Write;

use super::lexer::quote_ident;
use crate::schema::{Column, ForeignKey, Index, KeyColumn, PrimaryKey, Schema, Table};

impl Schema {
    /// The statements that create the schema in an empty database: each table with its
    /// indexes, then the views, then the triggers (a trigger needs its table or view).
    ///
    /// ```
    /// use alembic_core::schema::{Column, Schema, Table, Type, View};
    /// let schema = Schema {
    ///     tables: vec![Table::new("t").column(Column::new("a", Type::Text))],
    ///     views: vec![View { name: "v".into(), sql: "CREATE VIEW v AS SELECT a FROM t".into() }],
    ///     triggers: Vec::new(),
    /// };
    /// assert_eq!(schema.create_statements()[1], "CREATE VIEW v AS SELECT a FROM t");
    /// ```
    pub fn create_statements(&self) -> Vec<String> {
        let mut sql = Vec::new();
        for t in &self.tables {
            sql.push(t.create_sql());
            sql.extend(t.indexes.iter().map(|i| t.index_sql(i)));
        }
        sql.extend(self.views.iter().map(|v| v.sql.clone()));
        sql.extend(self.triggers.iter().map(|t| t.sql.clone()));
        sql
    }
}

impl Table {
    /// The `CREATE TABLE` statement (indexes are separate, see [`Table::index_sql`]).
    pub fn create_sql(&self) -> String {
        self.create_sql_named(&self.name)
    }

    /// The `CREATE TABLE` statement under another name, for a rebuild's new table.
    pub fn create_sql_named(&self, name: &str) -> String {
        let inline_pk = self
            .primary_key
            .as_ref()
            .filter(|pk| pk.columns.len() == 1 && pk.columns[0].collation.is_none());
        let mut items: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                column_def(
                    c,
                    inline_pk.filter(|pk| pk.columns[0].name.eq_ignore_ascii_case(&c.name)),
                )
            })
            .collect();
        if let Some(pk) = self.primary_key.as_ref().filter(|_| inline_pk.is_none()) {
            items.push(key_constraint(
                &pk.name,
                "PRIMARY KEY",
                &pk.columns,
                &pk.on_conflict,
            ));
        }
        for u in &self.unique {
            items.push(key_constraint(
                &u.name,
                "UNIQUE",
                &u.columns,
                &u.on_conflict,
            ));
        }
        for c in &self.checks {
            items.push(format!("{}CHECK ({})", constraint_name(&c.name), c.expr));
        }
        for fk in &self.foreign_keys {
            items.push(foreign_key_sql(fk));
        }
        let mut sql = format!(
            "CREATE TABLE {} (\n    {}\n)",
            quote_ident(name),
            items.join(",\n    ")
        );
        let options: Vec<&str> = [
            (self.without_rowid, "WITHOUT ROWID"),
            (self.strict, "STRICT"),
        ]
        .into_iter()
        .filter_map(|(on, text)| on.then_some(text))
        .collect();
        if !options.is_empty() {
            write!(sql, " {}", options.join(", ")).expect("write to String");
        }
        sql
    }

    /// The `CREATE INDEX` statement of one of this table's indexes.
    pub fn index_sql(&self, index: &Index) -> String {
        let mut sql = format!(
            "CREATE {}INDEX {} ON {} ({})",
            if index.unique { "UNIQUE " } else { "" },
            quote_ident(&index.name),
            quote_ident(&self.name),
            index.terms.join(", ")
        );
        if let Some(w) = &index.where_clause {
            write!(sql, " WHERE {w}").expect("write to String");
        }
        sql
    }
}

/// A column definition without table-level constraints.
pub fn column_sql(c: &Column) -> String {
    column_def(c, None)
}

/// A column definition, with the primary key written inline when it is this column's.
fn column_def(c: &Column, pk: Option<&PrimaryKey>) -> String {
    let mut sql = quote_ident(&c.name);
    if !c.sql_type.is_empty() {
        write!(sql, " {}", c.sql_type).expect("write to String");
    }
    if c.not_null {
        sql.push_str(" NOT NULL");
        if let Some(resolution) = &c.not_null_on_conflict {
            write!(sql, " ON CONFLICT {resolution}").expect("write to String");
        }
    }
    if let Some(pk) = pk {
        if let Some(n) = &pk.name {
            write!(sql, " CONSTRAINT {}", quote_ident(n)).expect("write to String");
        }
        sql.push_str(" PRIMARY KEY");
        if pk.columns[0].descending {
            sql.push_str(" DESC");
        }
        if let Some(c) = &pk.on_conflict {
            write!(sql, " ON CONFLICT {c}").expect("write to String");
        }
        if pk.autoincrement {
            sql.push_str(" AUTOINCREMENT");
        }
    }
    if let Some(d) = &c.default {
        write!(sql, " DEFAULT {d}").expect("write to String");
    }
    if let Some(coll) = &c.collation {
        write!(sql, " COLLATE {}", quote_ident(coll)).expect("write to String");
    }
    if let Some(g) = &c.generated {
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        write!(sql, " GENERATED ALWAYS AS ({}) {kind}", g.expr).expect("write to String");
    }
    sql
}

/// A FOREIGN KEY table constraint.
pub fn foreign_key_sql(fk: &ForeignKey) -> String {
    let mut sql = constraint_name(&fk.name);
    write!(
        sql,
        "FOREIGN KEY ({}) REFERENCES {}",
        names(&fk.columns),
        quote_ident(&fk.ref_table)
    )
    .expect("write to String");
    if !fk.ref_columns.is_empty() {
        write!(sql, " ({})", names(&fk.ref_columns)).expect("write to String");
    }
    if let Some(a) = &fk.on_delete {
        write!(sql, " ON DELETE {a}").expect("write to String");
    }
    if let Some(a) = &fk.on_update {
        write!(sql, " ON UPDATE {a}").expect("write to String");
    }
    if let Some(m) = &fk.match_name {
        write!(sql, " MATCH {m}").expect("write to String");
    }
    if let Some(d) = &fk.deferrable {
        write!(sql, " {d}").expect("write to String");
    }
    sql
}

/// `[CONSTRAINT name] PRIMARY KEY|UNIQUE (columns) [ON CONFLICT resolution]`.
fn key_constraint(
    name: &Option<String>,
    kind: &str,
    columns: &[KeyColumn],
    on_conflict: &Option<String>,
) -> String {
    let mut item = constraint_name(name);
    write!(item, "{kind} ({})", key_columns(columns)).expect("write to String");
    if let Some(c) = on_conflict {
        write!(item, " ON CONFLICT {c}").expect("write to String");
    }
    item
}

fn constraint_name(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
        .unwrap_or_default()
}

fn key_columns(cols: &[KeyColumn]) -> String {
    cols.iter()
        .map(|k| {
            let mut s = quote_ident(&k.name);
            if let Some(c) = &k.collation {
                write!(s, " COLLATE {}", quote_ident(c)).expect("write to String");
            }
            if k.descending {
                s.push_str(" DESC");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Quoted names joined by `, `.
pub fn names(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}
