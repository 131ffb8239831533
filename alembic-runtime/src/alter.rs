//! What each schema operation does to the model, and the SQL that does it on SQLite:
//! native `ALTER TABLE` where SQLite can, a [`crate::rebuild`] where it cannot.
//!
//! Pure functions over [`Schema`]: the same code serves execution and record (`--sql`) mode.

use alembic_core::schema::sql::{
    column_sql, ident_value, mentions, quote_ident, sqlite, tokens, unqualify, SqliteVersion,
};
use alembic_core::schema::{Column, Schema, Table};

use crate::change::{AlterColumn, TableChange};
use crate::error::OpError;
use crate::rebuild::{rebuild, ColumnSource};

/// What the database a change is planned for can do, beyond what every supported SQLite
/// can.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    /// The database has `sqlite_stat1`, whose rows a rebuild carries over.
    pub(crate) statistics: bool,
    /// SQLite 3.53.0 or later: `ALTER COLUMN … SET/DROP NOT NULL`, `ADD CONSTRAINT … CHECK`
    /// and `DROP CONSTRAINT` change a table in place (a scan that checks the rows, no copy).
    pub(crate) alter_constraints: bool,
}

impl Facts {
    /// The first SQLite with in-place NOT NULL and CHECK changes.
    const ALTER_CONSTRAINTS: i32 = 3_053_000;

    /// The facts of a database reached through the linked SQLite.
    pub(crate) fn of_linked_sqlite(statistics: bool) -> Self {
        Facts {
            statistics,
            ..Self::of_sqlite(SqliteVersion::from_number(rusqlite::version_number()))
        }
    }

    /// What a script for `version` may use; it cannot know whether that database keeps
    /// statistics, so it carries none over.
    pub(crate) fn of_sqlite(version: SqliteVersion) -> Self {
        Facts {
            statistics: false,
            alter_constraints: version.number() >= Self::ALTER_CONSTRAINTS,
        }
    }
}

/// A table being changed: its model, where its columns come from, and the native
/// statements of the changes so far (`None` once one of them needs a rebuild).
struct Draft<'s> {
    schema: &'s Schema,
    table: Table,
    sources: Vec<ColumnSource>,
    native: Option<Vec<String>>,
    facts: Facts,
}

impl Draft<'_> {
    fn column_index(&self, name: &str) -> Result<usize, OpError> {
        self.table
            .columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                OpError::Schema(format!(
                    "No such column '{name}' in table '{}'",
                    self.table.name
                ))
            })
    }

    fn native(&mut self, sql: Option<String>) {
        match (sql, &mut self.native) {
            (Some(sql), Some(stmts)) => stmts.push(sql),
            _ => self.native = None,
        }
    }

    fn apply(&mut self, change: TableChange) -> Result<(), OpError> {
        let t = quote_ident(&self.table.name);
        match change {
            TableChange::AddColumn(column) => {
                if self.table.column_named(&column.name).is_some() {
                    return Err(OpError::Schema(format!(
                        "Column '{}' already exists in table '{}'",
                        column.name, self.table.name
                    )));
                }
                let sql = add_column_is_native(&column)
                    .then(|| format!("ALTER TABLE {t} ADD COLUMN {}", column_sql(&column)));
                self.native(sql);
                self.sources.push(ColumnSource {
                    column: column.name.clone(),
                    from: None,
                });
                self.table.columns.push(column);
            }
            TableChange::DropColumn(name) => {
                let i = self.column_index(&name)?;
                let name = self.table.columns[i].name.clone();
                let sql = drop_column_is_native(self.schema, &self.table, &name)
                    .then(|| format!("ALTER TABLE {t} DROP COLUMN {}", quote_ident(&name)));
                self.native(sql);
                self.table.columns.remove(i);
                self.sources
                    .retain(|s| !s.column.eq_ignore_ascii_case(&name));
                self.table.remove_column_dependents(&name);
            }
            TableChange::AlterColumn(name, mut alter) => {
                let i = self.column_index(&name)?;
                // Between integer types only the name would change: SQLite stores the same
                // integers, and an INTEGER PRIMARY KEY would stop being the rowid. So a
                // history that widens its keys for PostgreSQL costs SQLite nothing.
                if alter.sql_type.as_deref().is_some_and(|new| {
                    sqlite::is_integer_type(new)
                        && sqlite::is_integer_type(&self.table.columns[i].sql_type)
                }) {
                    alter.sql_type = None;
                    alter.using = None;
                    if alter == AlterColumn::default() {
                        return Ok(());
                    }
                }
                let old = self.table.columns[i].name.clone();
                let was_not_null = self.table.columns[i].not_null;
                let in_key =
                    self.table.primary_key.as_ref().is_some_and(|pk| {
                        pk.columns.iter().any(|k| k.name.eq_ignore_ascii_case(&old))
                    });
                // Only the nullability of an ordinary column changes: SQLite 3.53 does that
                // in place.
                let in_place = self.facts.alter_constraints
                    && alter.name.is_none()
                    && alter.sql_type.is_none()
                    && alter.default.is_none()
                    && alter.nullable.is_some()
                    && !in_key
                    && self.table.columns[i].generated.is_none();
                if let Some(new) = alter.name.as_ref().filter(|_| alter.is_rename_only()) {
                    self.native(Some(format!(
                        "ALTER TABLE {t} RENAME COLUMN {} TO {}",
                        quote_ident(&old),
                        quote_ident(new)
                    )));
                } else if !in_place {
                    self.native(None);
                }
                let column = &mut self.table.columns[i];
                if let Some(ty) = alter.sql_type {
                    column.sql_type = ty;
                }
                if let Some(nullable) = alter.nullable {
                    column.not_null = !nullable;
                    // NOT NULL ON CONFLICT …: gone with the NOT NULL, and back with it when
                    // the column had it before this change.
                    column.not_null_on_conflict = if nullable {
                        None
                    } else {
                        // `schema` still holds the table as it was before this change.
                        column.not_null_on_conflict.take().or_else(|| {
                            self.schema
                                .table(&self.table.name)
                                .and_then(|t| t.column_named(&old))
                                .and_then(|c| c.not_null_on_conflict.clone())
                        })
                    };
                }
                if let Some(default) = alter.default {
                    column.default = default;
                }
                if in_place && was_not_null != column.not_null {
                    let c = quote_ident(&column.name);
                    let sql = match (&column.not_null_on_conflict, column.not_null) {
                        (Some(action), true) => {
                            format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL ON CONFLICT {action}")
                        }
                        (None, true) => format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL"),
                        (_, false) => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL"),
                    };
                    self.native(Some(sql));
                }
                let column = &mut self.table.columns[i];
                if let Some(new) = alter.name {
                    // Only the column: a rename runs natively on its own (split_renames),
                    // and the operations then read back SQLite's rewrite of everything
                    // that used the old name.
                    column.name.clone_from(&new);
                    for s in self
                        .sources
                        .iter_mut()
                        .filter(|s| s.column.eq_ignore_ascii_case(&old))
                    {
                        s.column.clone_from(&new);
                    }
                }
            }
            TableChange::CreateIndex(mut index) => {
                // SQLite has no concurrent build; the model says what the index is.
                index.concurrently = false;
                if self
                    .table
                    .indexes
                    .iter()
                    .any(|i| i.name.eq_ignore_ascii_case(&index.name))
                {
                    return Err(OpError::Schema(format!(
                        "Index '{}' already exists",
                        index.name
                    )));
                }
                self.native(Some(self.table.index_sql(&index)));
                self.table.indexes.push(index);
            }
            TableChange::DropIndex(name) => {
                let i = self
                    .table
                    .indexes
                    .iter()
                    .position(|i| i.name.eq_ignore_ascii_case(&name))
                    .ok_or_else(|| OpError::Schema(format!("No such index: '{name}'")))?;
                self.native(Some(format!(
                    "DROP INDEX {}",
                    quote_ident(&self.table.indexes[i].name)
                )));
                self.table.indexes.remove(i);
            }
            TableChange::AddUnique(unique) => {
                self.native(None);
                self.table.unique.push(unique);
            }
            TableChange::AddForeignKey(fk) => {
                self.native(None);
                self.table.foreign_keys.push(fk);
            }
            TableChange::AddCheck(check) => {
                let sql = self.facts.alter_constraints.then(|| match &check.name {
                    Some(name) => format!(
                        "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({})",
                        quote_ident(name),
                        check.expr
                    ),
                    None => format!("ALTER TABLE {t} ADD CHECK ({})", check.expr),
                });
                self.native(sql);
                self.table.checks.push(check);
            }
            TableChange::DropConstraint(name) => {
                // In place only for a CHECK: SQLite's DROP CONSTRAINT knows no other kind.
                let is_check = self.table.checks.iter().any(|c| {
                    c.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&name))
                });
                let sql = (self.facts.alter_constraints && is_check)
                    .then(|| format!("ALTER TABLE {t} DROP CONSTRAINT {}", quote_ident(&name)));
                self.native(sql);
                drop_constraint(&mut self.table, &name)?;
            }
            TableChange::DropUnique(columns) => {
                self.native(None);
                let t = &mut self.table;
                let i = t
                    .unique
                    .iter()
                    .position(|u| same_names(u.columns.iter().map(|k| &k.name), &columns))
                    .ok_or_else(|| no_constraint("UNIQUE", &columns.join(", "), &t.name))?;
                t.unique.remove(i);
            }
            TableChange::DropForeignKey(columns) => {
                self.native(None);
                let t = &mut self.table;
                let i = t
                    .foreign_keys
                    .iter()
                    .position(|f| same_names(f.columns.iter(), &columns))
                    .ok_or_else(|| no_constraint("FOREIGN KEY", &columns.join(", "), &t.name))?;
                t.foreign_keys.remove(i);
            }
            TableChange::DropCheck(expr) => {
                self.native(None);
                let t = &mut self.table;
                let i = t
                    .checks
                    .iter()
                    .position(|c| same_sql(&c.expr, &expr))
                    .ok_or_else(|| no_constraint("CHECK", &expr, &t.name))?;
                t.checks.remove(i);
            }
        }
        Ok(())
    }
}

/// SQLite reports a row that fails an in-place `SET NOT NULL` or `ADD CHECK` only as
/// "constraint failed"; a rebuild's copy says which constraint. Say it the rebuild's way, so
/// that both paths fail with the same words.
pub(crate) fn explain_failure(sql: &str, source: rusqlite::Error) -> rusqlite::Error {
    let rusqlite::Error::SqliteFailure(e, _) = &source else {
        return source;
    };
    if e.code != rusqlite::ErrorCode::ConstraintViolation {
        return source;
    }
    let toks = tokens(sql);
    let kw = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is_kw(sql, w));
    let ident = |i: usize| toks.get(i).map(|t| ident_value(t, sql)).unwrap_or_default();
    if !(kw(0, "ALTER") && kw(1, "TABLE")) {
        return source;
    }
    let message = if kw(3, "ALTER") && kw(4, "COLUMN") && kw(6, "SET") {
        format!("NOT NULL constraint failed: {}.{}", ident(2), ident(5))
    } else if kw(3, "ADD") && kw(4, "CONSTRAINT") {
        format!("CHECK constraint failed: {}", ident(5))
    } else if kw(3, "ADD") && kw(4, "CHECK") && toks.len() > 6 {
        let expr = &sql[toks[5].end..toks[toks.len() - 1].start];
        format!("CHECK constraint failed: {}", expr.trim())
    } else {
        return source;
    };
    rusqlite::Error::SqliteFailure(*e, Some(message))
}

/// What [`alter_table`] did.
pub(crate) struct Altered {
    /// The statements.
    pub(crate) sql: Vec<String>,
    /// Columns a rebuild removed, which views and triggers may still use; empty when the
    /// change was native (SQLite checks those itself) or removed nothing.
    pub(crate) removed: Vec<String>,
}

/// Applies `changes` to `table` in `schema` and returns the statements: the native ones when
/// every change has one, otherwise one rebuild. Call with the renames of [`split_renames`]
/// first, and read the schema again after them: SQLite rewrites views, triggers, indexes
/// and expressions that use a renamed column, and its rewrite is the one to keep.
/// `facts` say what the database can do in place; `recreate` asks for the rebuild even when
/// every change could be made in place.
pub(crate) fn alter_table(
    schema: &mut Schema,
    table: &str,
    changes: Vec<TableChange>,
    facts: Facts,
    recreate: bool,
) -> Result<Altered, OpError> {
    let old = schema
        .table(table)
        .ok_or_else(|| OpError::Schema(format!("No such table: '{table}'")))?
        .clone();
    let mut draft = Draft {
        schema,
        table: old.clone(),
        sources: old
            .columns
            .iter()
            .map(|c| ColumnSource {
                column: c.name.clone(),
                from: Some(c.name.clone()),
            })
            .collect(),
        native: (!recreate).then(Vec::new),
        facts,
    };
    for change in changes {
        draft.apply(change)?;
    }
    let Draft {
        table: mut new,
        sources,
        native,
        ..
    } = draft;
    let altered = match native {
        Some(sql) => Altered {
            sql,
            removed: Vec::new(),
        },
        None => {
            unqualify_own_expressions(&mut new);
            Altered {
                sql: rebuild(schema, &old, &new, &sources, facts.statistics),
                removed: old
                    .columns
                    .iter()
                    .filter(|c| new.column_named(&c.name).is_none())
                    .map(|c| c.name.clone())
                    .collect(),
            }
        }
    };
    let slot = schema.table_mut(table).expect("the table was found above");
    *slot = new;
    Ok(altered)
}

/// A rebuild creates the table under a temporary name, where a CHECK that qualifies columns
/// with the table's own name would not compile; within the table's own definition the
/// qualifier means nothing, so it goes. (Generated columns cannot be qualified at all.)
fn unqualify_own_expressions(table: &mut Table) {
    for check in &mut table.checks {
        check.expr = unqualify(&check.expr, &table.name);
    }
}

/// SQLite's ADD COLUMN cannot add a NOT NULL column without a non-NULL default, a default
/// that is an expression or the current time, or a stored generated column.
fn add_column_is_native(c: &Column) -> bool {
    let default = c.default.as_deref().map(str::trim);
    let non_constant_default = default.is_some_and(|d| {
        d.starts_with('(')
            || ["CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"]
                .iter()
                .any(|k| d.eq_ignore_ascii_case(k))
    });
    let not_null_without_default =
        c.not_null && default.is_none_or(|d| d.eq_ignore_ascii_case("NULL"));
    let stored = c.generated.as_ref().is_some_and(|g| g.stored);
    !non_constant_default && !not_null_without_default && !stored
}

/// SQLite's DROP COLUMN refuses a column that is part of a key, a UNIQUE constraint, an
/// index, a foreign key, a CHECK, a generated column, or that a trigger or view names.
fn drop_column_is_native(schema: &Schema, table: &Table, column: &str) -> bool {
    let is = |name: &str| name.eq_ignore_ascii_case(column);
    let in_key = table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.iter().any(|k| is(&k.name)));
    let in_unique = table
        .unique
        .iter()
        .any(|u| u.columns.iter().any(|k| is(&k.name)));
    let in_fk = table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.iter().any(|c| is(c)));
    let in_index = table.indexes.iter().any(|i| {
        i.terms
            .iter()
            .chain(&i.where_clause)
            .any(|t| mentions(t, column))
    });
    let in_check = table.checks.iter().any(|c| mentions(&c.expr, column));
    let in_generated = table.columns.iter().any(|c| {
        is(&c.name) && c.generated.is_some()
            || c.generated
                .as_ref()
                .is_some_and(|g| mentions(&g.expr, column))
    });
    let named_elsewhere = schema
        .views
        .iter()
        .map(|v| &v.sql)
        .chain(schema.triggers.iter().map(|t| &t.sql))
        .any(|sql| mentions(sql, &table.name) && mentions(sql, column));
    !(in_key || in_unique || in_fk || in_index || in_check || in_generated || named_elsewhere)
}

/// Whether two column lists name the same columns in the same order.
fn same_names<'a>(a: impl ExactSizeIterator<Item = &'a String>, b: &[String]) -> bool {
    a.len() == b.len() && a.zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

fn same_sql(a: &str, b: &str) -> bool {
    alembic_core::schema::diff::squash(a) == alembic_core::schema::diff::squash(b)
}

fn no_constraint(kind: &str, on: &str, table: &str) -> OpError {
    OpError::Schema(format!("No {kind} constraint on ({on}) in table '{table}'"))
}

/// Removes the named UNIQUE, FOREIGN KEY, CHECK or PRIMARY KEY constraint.
fn drop_constraint(table: &mut Table, name: &str) -> Result<(), OpError> {
    let named = |n: &Option<String>| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name));
    let before = table.unique.len() + table.foreign_keys.len() + table.checks.len();
    table.unique.retain(|u| !named(&u.name));
    table.foreign_keys.retain(|f| !named(&f.name));
    table.checks.retain(|c| !named(&c.name));
    let removed = before != table.unique.len() + table.foreign_keys.len() + table.checks.len();
    if table.primary_key.as_ref().is_some_and(|pk| named(&pk.name)) {
        table.primary_key = None;
    } else if !removed {
        return Err(OpError::Schema(format!(
            "No such constraint: '{name}' on table '{}'",
            table.name
        )));
    }
    Ok(())
}

/// CREATE TABLE and its indexes.
///
/// A single-column key of an integer type is declared `INTEGER`, the only spelling that
/// makes it the rowid (numbered by SQLite, and allowed AUTOINCREMENT): so a history written
/// for PostgreSQL, whose keys are `BIGINT`, numbers its rows on SQLite too.
pub(crate) fn create_table(schema: &mut Schema, mut table: Table) -> Result<Vec<String>, OpError> {
    if schema.table(&table.name).is_some() {
        return Err(OpError::Schema(format!(
            "Table '{}' already exists",
            table.name
        )));
    }
    if let Some([key]) = table.primary_key.as_ref().map(|pk| pk.columns.as_slice()) {
        let key = key.name.clone();
        if let Some(c) = table
            .columns
            .iter_mut()
            .find(|c| c.name.eq_ignore_ascii_case(&key) && sqlite::is_integer_type(&c.sql_type))
        {
            "INTEGER".clone_into(&mut c.sql_type);
        }
    }
    let mut sql = vec![table.create_sql()];
    sql.extend(table.indexes.iter().map(|i| table.index_sql(i)));
    schema.tables.push(table);
    Ok(sql)
}

/// DROP TABLE (its indexes and triggers go with it).
pub(crate) fn drop_table(schema: &mut Schema, name: &str) -> Result<Vec<String>, OpError> {
    let i = schema
        .tables
        .iter()
        .position(|t| t.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| OpError::Schema(format!("No such table: '{name}'")))?;
    let table = schema.tables.remove(i);
    schema
        .triggers
        .retain(|t| !t.table.eq_ignore_ascii_case(&table.name));
    Ok(vec![format!("DROP TABLE {}", quote_ident(&table.name))])
}

/// ALTER TABLE … RENAME TO, which SQLite does natively, updating references elsewhere.
/// Nothing of the model changes here: the operations read the schema again afterwards (see
/// [`alter_table`]).
pub(crate) fn rename_table(schema: &Schema, old: &str, new: &str) -> Result<Vec<String>, OpError> {
    if schema.table(new).is_some() {
        return Err(OpError::Schema(format!("Table '{new}' already exists")));
    }
    let old_name = &schema
        .table(old)
        .ok_or_else(|| OpError::Schema(format!("No such table: '{old}'")))?
        .name;
    // SQLite also rewrites views, triggers and expressions that name the table; the
    // operations read its rewrite back rather than imitate it.
    Ok(vec![format!(
        "ALTER TABLE {} RENAME TO {}",
        quote_ident(old_name),
        quote_ident(new)
    )])
}

/// The table an index belongs to.
pub(crate) fn index_table(schema: &Schema, index: &str) -> Result<String, OpError> {
    schema
        .tables
        .iter()
        .find(|t| t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(index)))
        .map(|t| t.name.clone())
        .ok_or_else(|| OpError::Schema(format!("No such index: '{index}'")))
}
