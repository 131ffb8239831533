//! SQLite's table rebuild ("12-step" procedure of the ALTER TABLE documentation, steps 3–9):
//! the statements that replace a table by a new definition and keep everything else.
//!
//! What it keeps: every row (and its rowid, when the rowid is not an INTEGER PRIMARY KEY
//! column, since nothing else would), the AUTOINCREMENT counter, the table's indexes and
//! triggers, and the views and other tables' triggers that mention it (dropped before the
//! swap, because SQLite refuses the final RENAME while a view names a missing table, and
//! created again after). Steps 1, 2, 10, 11 and 12 — foreign keys off around the
//! transaction, `foreign_key_check` before commit — belong to the runner, which owns the
//! transaction.

use alembic_core::schema::{Schema, Table};
use alembic_core::sql::{mentions, quote_ident, quote_literal};

/// Prefix of the temporary table, as Alembic names it.
pub(crate) const TMP_PREFIX: &str = "_alembic_tmp_";

/// Where a column of the new table takes its values from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnSource {
    /// The column in the new table.
    pub(crate) column: String,
    /// The column of the old table it is copied from; `None` for a new column, which gets
    /// its default.
    pub(crate) from: Option<String>,
}

/// The statements that rebuild `old` (as found in `schema`) into `new`.
pub(crate) fn rebuild(
    schema: &Schema,
    old: &Table,
    new: &Table,
    sources: &[ColumnSource],
) -> Vec<String> {
    let tmp = format!("{TMP_PREFIX}{}", new.name);
    let mut sql = Vec::new();

    // Views and other tables' triggers that mention the table must not exist during the swap.
    let views: Vec<_> = schema
        .views
        .iter()
        .filter(|v| mentions(&v.sql, &old.name))
        .collect();
    let own_triggers: Vec<_> = schema
        .triggers
        .iter()
        .filter(|t| t.table.eq_ignore_ascii_case(&old.name))
        .collect();
    let other_triggers: Vec<_> = schema
        .triggers
        .iter()
        .filter(|t| !t.table.eq_ignore_ascii_case(&old.name) && mentions(&t.sql, &old.name))
        .collect();
    sql.extend(
        views
            .iter()
            .map(|v| format!("DROP VIEW {}", quote_ident(&v.name))),
    );
    sql.extend(
        other_triggers
            .iter()
            .map(|t| format!("DROP TRIGGER {}", quote_ident(&t.name))),
    );

    sql.push(new.create_sql_named(&tmp));

    let copied: Vec<(&str, &str)> = sources
        .iter()
        .filter_map(|s| {
            let from = s.from.as_deref()?;
            let target = new.column_named(&s.column)?;
            let source = old.column_named(from)?;
            // Generated columns compute their values; they cannot be inserted into.
            (target.generated.is_none() && source.generated.is_none())
                .then_some((target.name.as_str(), source.name.as_str()))
        })
        .collect();
    let keep_rowid = old.has_hidden_rowid() && new.has_hidden_rowid();
    let mut into: Vec<String> = copied.iter().map(|(to, _)| quote_ident(to)).collect();
    let mut select: Vec<String> = copied.iter().map(|(_, from)| quote_ident(from)).collect();
    if keep_rowid {
        into.insert(0, "rowid".to_owned());
        select.insert(0, "rowid".to_owned());
    }
    if !into.is_empty() {
        sql.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            quote_ident(&tmp),
            into.join(", "),
            select.join(", "),
            quote_ident(&old.name)
        ));
    }
    let autoincrement = |t: &Table| t.primary_key.as_ref().is_some_and(|pk| pk.autoincrement);
    if autoincrement(old) && autoincrement(new) {
        // The counter may be above every remaining id (rows were deleted); carry it over.
        sql.push(format!(
            "DELETE FROM sqlite_sequence WHERE name = {}",
            quote_literal(&tmp)
        ));
        sql.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {}",
            quote_literal(&tmp),
            quote_literal(&old.name)
        ));
    }
    sql.push(format!("DROP TABLE {}", quote_ident(&old.name)));
    sql.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        quote_ident(&tmp),
        quote_ident(&new.name)
    ));
    sql.extend(new.indexes.iter().map(|i| new.index_sql(i)));
    sql.extend(own_triggers.iter().map(|t| t.sql.clone()));
    sql.extend(views.iter().map(|v| v.sql.clone()));
    sql.extend(other_triggers.iter().map(|t| t.sql.clone()));
    sql
}
