//! Operations as PostgreSQL DDL: native `ALTER TABLE`, never a rebuild. The changes of one
//! `alter_column` or `batch_alter_table` are one `ALTER TABLE` with several actions (renames
//! and indexes are statements of their own, as PostgreSQL requires).

use crate::prelude::Value;
use alembic_core::schema::sql::postgres::type_sql;
use alembic_core::schema::sql::{
    column_sql_for, constraint_name, foreign_key_sql_for, index_sql, names, quote_ident,
    quote_literal, Dialect,
};

use crate::change::{split_renames, AlterColumn, TableChange};
use crate::error::OpError;
use crate::op::Operation;

const PG: Dialect = Dialect::Postgres;

/// A constraint declared without a name, which PostgreSQL named itself.
pub(crate) enum Unnamed<'a> {
    Unique(&'a [String]),
    ForeignKey(&'a [String]),
    Check(&'a str),
}

/// A rename that PostgreSQL's names for unnamed constraints follow.
#[derive(Clone, Copy)]
pub(crate) enum Renamed<'a> {
    /// The table gets this name.
    Table(&'a str),
    /// A column of the table: old and new name.
    Column(&'a str, &'a str),
}

/// Finds the name PostgreSQL gave an unnamed constraint: from the catalog when executing,
/// by PostgreSQL's naming rule when recording a script.
pub(crate) trait ConstraintLookup {
    fn name_of(&mut self, table: &str, which: Unnamed<'_>) -> Result<String, OpError>;

    /// The constraints of `table` that PostgreSQL named itself, with the names it would give
    /// them after `rename` (`t_a_key` becomes `r_a_key` when `t` becomes `r`), so that a
    /// constraint declared without a name keeps reading as one. Empty when the catalog is
    /// not at hand (a script written offline keeps the old names).
    fn renamed(
        &mut self,
        table: &str,
        rename: Renamed<'_>,
    ) -> Result<Vec<(String, String)>, OpError>;
}

/// `ALTER TABLE … RENAME CONSTRAINT` for each pair.
fn rename_constraints(table: &str, pairs: Vec<(String, String)>) -> Vec<String> {
    pairs
        .into_iter()
        .map(|(old, new)| {
            format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                quote_ident(table),
                quote_ident(&old),
                quote_ident(&new)
            )
        })
        .collect()
}

/// The statements of one operation.
pub(crate) fn statements(
    operation: Operation,
    lookup: &mut dyn ConstraintLookup,
) -> Result<Vec<String>, OpError> {
    Ok(match operation {
        Operation::CreateTable(table) => {
            let mut sql = vec![table.create_sql_for(PG)];
            sql.extend(
                table
                    .indexes
                    .iter()
                    .map(|i| index_sql(&table.name, i, PG, i.concurrently)),
            );
            sql
        }
        Operation::DropTable(name) => vec![format!("DROP TABLE {}", quote_ident(&name))],
        Operation::RenameTable { old, new } => {
            let follow = lookup.renamed(&old, Renamed::Table(&new))?;
            let mut sql = vec![format!(
                "ALTER TABLE {} RENAME TO {}",
                quote_ident(&old),
                quote_ident(&new)
            )];
            sql.extend(rename_constraints(&new, follow));
            sql
        }
        Operation::DropIndex(name) => vec![format!("DROP INDEX {}", quote_ident(&name))],
        Operation::Alter { table, changes, .. } => alter(&table, changes, lookup)?,
    })
}

fn alter(
    table: &str,
    changes: Vec<TableChange>,
    lookup: &mut dyn ConstraintLookup,
) -> Result<Vec<String>, OpError> {
    let quoted = quote_ident(table);
    let (renames, rest) = split_renames(changes);
    let mut before = Vec::new();
    let mut actions = Vec::new();
    let mut after = Vec::new();
    for change in renames {
        if let TableChange::AlterColumn(
            column,
            AlterColumn {
                name: Some(new), ..
            },
        ) = change
        {
            let follow = lookup.renamed(table, Renamed::Column(&column, &new))?;
            before.push(format!(
                "ALTER TABLE {quoted} RENAME COLUMN {} TO {}",
                quote_ident(&column),
                quote_ident(&new)
            ));
            before.extend(rename_constraints(table, follow));
        }
    }
    for change in rest {
        match change {
            TableChange::AddColumn(column) => {
                actions.push(format!("ADD COLUMN {}", column_sql_for(&column, PG)));
            }
            TableChange::DropColumn(column) => {
                actions.push(format!("DROP COLUMN {}", quote_ident(&column)));
            }
            TableChange::AlterColumn(column, change) => {
                actions.extend(alter_column(&column, change));
            }
            TableChange::CreateIndex(index) => {
                after.push(index_sql(table, &index, PG, index.concurrently));
            }
            TableChange::DropIndex(name) => {
                before.push(format!("DROP INDEX {}", quote_ident(&name)))
            }
            TableChange::AddUnique(unique) => {
                let columns: Vec<String> = unique.columns.into_iter().map(|k| k.name).collect();
                actions.push(format!(
                    "ADD {}UNIQUE ({})",
                    constraint_name(&unique.name),
                    names(&columns)
                ));
            }
            TableChange::AddForeignKey(fk) => {
                actions.push(format!("ADD {}", foreign_key_sql_for(&fk, PG)));
            }
            TableChange::AddCheck(check) => actions.push(format!(
                "ADD {}CHECK ({})",
                constraint_name(&check.name),
                check.expr
            )),
            TableChange::DropConstraint(name) => {
                actions.push(format!("DROP CONSTRAINT {}", quote_ident(&name)));
            }
            TableChange::DropUnique(columns) => actions.push(drop_found(
                lookup.name_of(table, Unnamed::Unique(&columns))?,
            )),
            TableChange::DropForeignKey(columns) => actions.push(drop_found(
                lookup.name_of(table, Unnamed::ForeignKey(&columns))?,
            )),
            TableChange::DropCheck(expr) => {
                actions.push(drop_found(lookup.name_of(table, Unnamed::Check(&expr))?));
            }
        }
    }
    let mut sql = before;
    if !actions.is_empty() {
        sql.push(format!("ALTER TABLE {quoted} {}", actions.join(", ")));
    }
    sql.extend(after);
    Ok(sql)
}

fn drop_found(name: String) -> String {
    format!("DROP CONSTRAINT {}", quote_ident(&name))
}

/// The actions of one column change, in PostgreSQL's order: the old default dropped when a
/// new one comes with a type change, the type (with `USING`), then nullability, then the
/// default.
fn alter_column(column: &str, change: AlterColumn) -> Vec<String> {
    let column = quote_ident(column);
    let mut actions = Vec::new();
    // The old default would be cast to the new type, which fails when it cannot be: a new
    // default replaces it around the type change (PostgreSQL drops defaults first).
    if let (Some(_), Some(Some(_))) = (&change.sql_type, &change.default) {
        actions.push(format!("ALTER COLUMN {column} DROP DEFAULT"));
    }
    if let Some(ty) = &change.sql_type {
        let mut action = format!("ALTER COLUMN {column} TYPE {}", type_sql(ty));
        if let Some(using) = &change.using {
            action.push_str(&format!(" USING {using}"));
        }
        actions.push(action);
    }
    match change.nullable {
        Some(true) => actions.push(format!("ALTER COLUMN {column} DROP NOT NULL")),
        Some(false) => actions.push(format!("ALTER COLUMN {column} SET NOT NULL")),
        None => {}
    }
    match change.default {
        Some(Some(default)) => actions.push(format!("ALTER COLUMN {column} SET DEFAULT {default}")),
        Some(None) => actions.push(format!("ALTER COLUMN {column} DROP DEFAULT")),
        None => {}
    }
    actions
}

/// PostgreSQL's own names for unnamed constraints (`<table>_<columns>_key`, `_fkey`), for
/// scripts written without a database; an unnamed CHECK's name depends on what else the
/// table has, so a script cannot drop one by its expression.
pub(crate) struct NamingRule;

impl ConstraintLookup for NamingRule {
    fn name_of(&mut self, table: &str, which: Unnamed<'_>) -> Result<String, OpError> {
        let (columns, suffix) = match which {
            Unnamed::Unique(columns) => (columns, "key"),
            Unnamed::ForeignKey(columns) => (columns, "fkey"),
            Unnamed::Check(expr) => {
                return Err(OpError::Schema(format!(
                    "cannot write SQL that drops the unnamed CHECK ({expr}) of '{table}' without \
                     a database: PostgreSQL's name for it depends on the table; drop it by name \
                     with drop_constraint"
                )))
            }
        };
        let mut name = format!("{table}_{}_{suffix}", columns.join("_"));
        // PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1).
        while name.len() > 63 {
            name.pop();
        }
        Ok(name)
    }

    fn renamed(&mut self, _: &str, _: Renamed<'_>) -> Result<Vec<(String, String)>, OpError> {
        Ok(Vec::new())
    }
}

/// A value as a PostgreSQL literal, for `--sql` scripts.
pub(crate) fn literal(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) if f.is_finite() => format!("{f:?}"),
        Value::Real(f) => quote_literal(&super::value::real(*f)),
        Value::Text(s) => quote_literal(s),
        Value::Blob(b) => format!("'\\x{}'", super::value::hex(b)),
    }
}
