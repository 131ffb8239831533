//! SQLite's table rebuild ("Making Other Kinds Of Table Schema Changes", the 12 steps of the
//! ALTER TABLE documentation, steps 3–9): the statements that replace a table by a new
//! definition and keep everything else, and the checks that nothing which uses the table
//! was broken by it.
//!
//! # The mechanism, and why
//!
//! The new table is created under a temporary name, filled, the old table dropped and the
//! new one renamed into its place. What that does to the objects around the table decides
//! everything else:
//!
//! - **Views are left alone.** Dropping a table does not drop the views that name it, and a
//!   view is resolved only when it is used, so a view (and a view on that view, and the
//!   INSTEAD OF triggers on either) is simply there again, unchanged, once the new table
//!   has the old name. Dropping and re-creating views, as this module once did, loses an
//!   INSTEAD OF trigger with its view and cannot order views on views.
//! - **The final rename runs with `PRAGMA legacy_alter_table = ON`.** Since SQLite 3.26 a
//!   rename re-parses every view and trigger of the schema to rewrite references, and fails
//!   ("error in view …: no such table") while views name the table just dropped. The
//!   documentation's compatibility notes give the legacy mode for exactly this: the rename
//!   then touches only the renamed table. Nothing else names the temporary table, so
//!   nothing else needed rewriting; the pragma is turned off again at once.
//! - **The table's own triggers and indexes** go with `DROP TABLE` and are created again
//!   after the rename: indexes from the new model, triggers from their SQL as
//!   `sqlite_master` holds it (the operations re-read the schema after every native
//!   rename, so that text is SQLite's own rewrite, never a token-replaced copy).
//! - **Triggers on other tables** are left alone, like views.
//! - **A CHECK naming its own table** (`CHECK (t.a != t.b)`) cannot be created under the
//!   temporary name; the qualifier adds nothing inside the table's own definition, so the
//!   new table is written without it.
//! - **`sqlite_stat1`** rows (`ANALYZE` statistics) of the table are moved to the temporary
//!   table before the drop would delete them, and back after; rows of indexes the change
//!   removed are deleted.
//!
//! A rebuild that removes a column can break a view or trigger that used it, and SQLite
//! would not say so until the object is next used. [`dependents`] lists the statements
//! that make SQLite compile every view and trigger that could reach the table; the
//! operation prepares them (without running them) before the rebuild's savepoint is
//! released, and refuses the change naming the object when one no longer compiles. A
//! trigger `UPDATE OF` a removed column would never fire again and so never fail to
//! compile; [`update_of`] finds those.
//!
//! Steps 1, 2, 10, 11 and 12 — foreign keys off around the transaction, `foreign_key_check`
//! before commit — belong to the runner, which owns the transaction.

use alembic_core::schema::{Schema, Table};
use alembic_core::sql::{ident_value, mentions, quote_ident, quote_literal, tokens, Kind};

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

/// The statements that rebuild `old` (as found in `schema`) into `new`. `statistics`: the
/// database has a `sqlite_stat1` table whose rows for the table are to be kept.
pub(crate) fn rebuild(
    schema: &Schema,
    old: &Table,
    new: &Table,
    sources: &[ColumnSource],
    statistics: bool,
) -> Vec<String> {
    let tmp = format!("{TMP_PREFIX}{}", new.name);
    let (tmp_lit, name_lit) = (quote_literal(&tmp), quote_literal(&new.name));
    let mut sql = vec![new.create_sql_named(&tmp)];

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
            "DELETE FROM sqlite_sequence WHERE name = {tmp_lit}"
        ));
        sql.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {tmp_lit}, seq FROM sqlite_sequence WHERE name = {}",
            quote_literal(&old.name)
        ));
    }
    if statistics {
        sql.push(format!(
            "UPDATE sqlite_stat1 SET tbl = {tmp_lit} WHERE tbl = {}",
            quote_literal(&old.name)
        ));
    }
    sql.push(format!("DROP TABLE {}", quote_ident(&old.name)));
    sql.push("PRAGMA legacy_alter_table = ON".to_owned());
    sql.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        quote_ident(&tmp),
        quote_ident(&new.name)
    ));
    sql.push("PRAGMA legacy_alter_table = OFF".to_owned());
    sql.extend(new.indexes.iter().map(|i| new.index_sql(i)));
    sql.extend(
        schema
            .triggers
            .iter()
            .filter(|t| t.table.eq_ignore_ascii_case(&old.name))
            .map(|t| t.sql.clone()),
    );
    if statistics {
        sql.push(format!(
            "UPDATE sqlite_stat1 SET tbl = {name_lit} WHERE tbl = {tmp_lit}"
        ));
        sql.push(format!(
            "DELETE FROM sqlite_stat1 WHERE tbl = {name_lit} AND idx IS NOT NULL AND idx NOT IN \
             (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = {name_lit})"
        ));
    }
    sql
}

/// A view or trigger that may use a rebuilt table, and a statement that SQLite can only
/// prepare while that object still compiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Probe {
    /// `view` or `trigger`.
    pub(crate) kind: &'static str,
    /// The objects the statement compiles: one view, or the triggers on one table or view.
    pub(crate) objects: Vec<(String, String)>,
    /// What to prepare.
    pub(crate) sql: String,
}

/// The probes for everything that can reach `table`: the views that read it (directly or
/// through other views), the triggers on it and on those views, and triggers elsewhere
/// whose bodies name it or one of those views. `view_columns` gives a view's columns (SQLite
/// knows them, the model does not), for the UPDATE that compiles its INSTEAD OF UPDATE
/// triggers.
pub(crate) fn dependents(
    schema: &Schema,
    table: &str,
    view_columns: impl Fn(&str) -> Vec<String>,
) -> Vec<Probe> {
    // Names that reach the table, growing as views on them are found.
    let mut reach = vec![table.to_owned()];
    let mut views = Vec::new();
    let mut grew = true;
    while grew {
        grew = false;
        for v in &schema.views {
            let new = !reach.iter().any(|r| r.eq_ignore_ascii_case(&v.name));
            if new && reach.iter().any(|r| mentions(&v.sql, r)) {
                reach.push(v.name.clone());
                views.push(v);
                grew = true;
            }
        }
    }
    let mut probes: Vec<Probe> = views
        .iter()
        .map(|v| Probe {
            kind: "view",
            objects: vec![(v.name.clone(), v.sql.clone())],
            sql: format!("SELECT * FROM {}", quote_ident(&v.name)),
        })
        .collect();
    // Triggers, grouped by the table or view they are on: a statement on it compiles
    // all of its triggers for that event.
    let mut targets: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for t in &schema.triggers {
        let on_reach = reach.iter().any(|r| r.eq_ignore_ascii_case(&t.table));
        if !on_reach && !reach.iter().any(|r| mentions(&t.sql, r)) {
            continue;
        }
        match targets
            .iter_mut()
            .find(|(on, _)| on.eq_ignore_ascii_case(&t.table))
        {
            Some((_, list)) => list.push((t.name.clone(), t.sql.clone())),
            None => targets.push((t.table.clone(), vec![(t.name.clone(), t.sql.clone())])),
        }
    }
    for (on, triggers) in targets {
        let columns: Vec<String> = schema.table(&on).map_or_else(
            || view_columns(&on),
            |t| {
                t.columns
                    .iter()
                    .filter(|c| c.generated.is_none())
                    .map(|c| c.name.clone())
                    .collect()
            },
        );
        let target = quote_ident(&on);
        let mut statements = vec![
            format!("INSERT INTO {target} DEFAULT VALUES"),
            format!("DELETE FROM {target}"),
        ];
        if !columns.is_empty() {
            let set: Vec<String> = columns
                .iter()
                .map(|c| format!("{0} = {0}", quote_ident(c)))
                .collect();
            statements.push(format!("UPDATE {target} SET {}", set.join(", ")));
        }
        probes.extend(statements.into_iter().map(|sql| Probe {
            kind: "trigger",
            objects: triggers.clone(),
            sql,
        }));
    }
    probes
}

/// The columns of a trigger's `UPDATE OF a, b` clause (empty for any other trigger).
///
/// The clause sits between `UPDATE OF` and the `ON` before the table name; the body comes
/// after that `ON`, so the first one ends the search.
pub(crate) fn update_of(trigger_sql: &str) -> Vec<String> {
    let toks = tokens(trigger_sql);
    let kw = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is_kw(trigger_sql, w));
    let Some(on) = (0..toks.len()).find(|&i| kw(i, "ON")) else {
        return Vec::new();
    };
    let Some(of) = (1..on).find(|&i| kw(i - 1, "UPDATE") && kw(i, "OF")) else {
        return Vec::new();
    };
    toks[of + 1..on]
        .iter()
        .filter(|t| matches!(t.kind, Kind::Word | Kind::QuotedIdent))
        .map(|t| ident_value(t, trigger_sql))
        .collect()
}
