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
//! - **The final rename runs with `PRAGMA legacy_alter_table = ON`.** Since SQLite 3.26 a
//!   rename re-parses and resolves every view and trigger of the schema, and fails while
//!   any of them names the table just dropped — or names anything missing at all, so one
//!   broken view anywhere would block every rebuild. The documentation's compatibility
//!   notes give the legacy mode for exactly this; nothing names the temporary table, so
//!   nothing needed rewriting. The pragma is turned off again at once.
//! - **Views that read the table** (directly, or through other views: Northwind's sales
//!   views), **the triggers on those views** (INSTEAD OF) **and the triggers elsewhere whose
//!   bodies name the table or those views** are dropped before the swap and created again
//!   after it, views first, from the SQL `sqlite_master` holds for them. Even the legacy
//!   rename still parses every object, and some valid ones (a CTE inside `… IN ()`, a
//!   row-value `UPDATE … SET (c) = (…)` with CTEs, both from SQLite's own test suite) do not
//!   parse while the table is missing. Their text is SQLite's own, never rewritten here: the
//!   operations re-read the schema after every native rename, so it is SQLite's rewrite.
//!   Dropping a view takes its INSTEAD OF triggers with it, which is why they are created
//!   again too (once, whatever else also named them).
//! - **The table's own triggers and indexes** go with `DROP TABLE` and are created again
//!   after the rename: indexes from the new model, triggers from their stored SQL.
//! - **A CHECK naming its own table** (`CHECK (t.a != t.b)`) cannot be created under the
//!   temporary name; the qualifier adds nothing inside the table's own definition, so the
//!   new table is written without it.
//! - **`sqlite_stat1`** rows (`ANALYZE` statistics) of the table are moved to the temporary
//!   table before the drop would delete them, and back after; an automatic index's row
//!   follows its key to the new number SQLite gives it; rows of indexes the change removed
//!   are deleted (a WITHOUT ROWID table's own row names the table as its index).
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

use alembic_core::schema::sql::{ident_value, mentions, quote_ident, quote_literal, tokens, Kind};
use alembic_core::schema::{Schema, Table, Trigger, View};

/// Prefix of the temporary table, as Alembic names it.
pub(crate) const TMP_PREFIX: &str = "_alembic_tmp_";

/// The table whose rows `stmt` copies, when it is a rebuild's copy into its new table
/// (the one statement of a rebuild whose time grows with the rows).
pub(crate) fn copied_table(stmt: &str) -> Option<&str> {
    let rest = stmt
        .strip_prefix("INSERT INTO \"")?
        .strip_prefix(TMP_PREFIX)?;
    rest.split_once("\" (").map(|(table, _)| table)
}

/// Where a column of the new table takes its values from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnSource {
    /// The column in the new table.
    pub(crate) column: String,
    /// The column of the old table it is copied from; `None` for a new column, which gets
    /// its default.
    pub(crate) from: Option<String>,
}

/// The views that read a table, directly or through other views, in schema order, and the
/// triggers (not on the table itself) that are on those views or whose bodies name the
/// table or one of them.
struct Around<'s> {
    views: Vec<&'s View>,
    triggers: Vec<&'s Trigger>,
}

impl<'s> Around<'s> {
    fn of(schema: &'s Schema, table: &str) -> Self {
        let mut reach = vec![table];
        let mut grew = true;
        while grew {
            grew = false;
            for v in &schema.views {
                let new = !reach.iter().any(|r| r.eq_ignore_ascii_case(&v.name));
                if new && reach.iter().any(|r| mentions(&v.sql, r)) {
                    reach.push(&v.name);
                    grew = true;
                }
            }
        }
        let views = schema
            .views
            .iter()
            .filter(|v| reach[1..].iter().any(|r| r.eq_ignore_ascii_case(&v.name)))
            .collect();
        let triggers = schema
            .triggers
            .iter()
            .filter(|t| !t.table.eq_ignore_ascii_case(table))
            .filter(|t| {
                reach
                    .iter()
                    .any(|r| t.table.eq_ignore_ascii_case(r) || mentions(&t.sql, r))
            })
            .collect();
        Around { views, triggers }
    }
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
    let around = Around::of(schema, &old.name);
    sql.extend(
        around
            .triggers
            .iter()
            .map(|t| format!("DROP TRIGGER {}", quote_ident(&t.name))),
    );
    sql.extend(
        around
            .views
            .iter()
            .rev()
            .map(|v| format!("DROP VIEW {}", quote_ident(&v.name))),
    );

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
        sql.push(keep_statistics(&old.name, &tmp));
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
    sql.extend(around.views.iter().map(|v| v.sql.clone()));
    sql.extend(around.triggers.iter().map(|t| t.sql.clone()));
    if statistics {
        sql.push(format!(
            "UPDATE sqlite_stat1 SET tbl = {name_lit} WHERE tbl = {tmp_lit}"
        ));
        sql.push(format!(
            "DELETE FROM sqlite_stat1 WHERE tbl = {name_lit} AND idx IS NOT NULL AND idx NOT IN \
             (SELECT name FROM sqlite_master WHERE tbl_name = {name_lit})"
        ));
    }
    sql
}

/// Moves the table's `sqlite_stat1` rows to the temporary table before the drop deletes
/// them. A row of an automatic index (a UNIQUE or PRIMARY KEY constraint's) is given the
/// name that the temporary table's automatic index over the same key will have after the
/// rename: the new CREATE TABLE may list its constraints in another order, and SQLite
/// numbers automatic indexes in that order.
fn keep_statistics(table: &str, tmp: &str) -> String {
    const AUTO: &str = "'sqlite_autoindex_'";
    let (table, tmp) = (quote_literal(table), quote_literal(tmp));
    let key = |index: &str| {
        format!(
            "(SELECT group_concat(coalesce(x.name, '') || ' ' || x.coll || ' ' || x.\"desc\", ',') \
             FROM pragma_index_xinfo({index}) x WHERE x.key)"
        )
    };
    format!(
        "UPDATE sqlite_stat1 SET tbl = {tmp}, idx = CASE WHEN substr(idx, 1, 17) = {AUTO} THEN \
         coalesce((SELECT {AUTO} || {table} || substr(n.name, length({AUTO} || {tmp}) + 1) \
         FROM sqlite_master n WHERE n.type = 'index' AND n.tbl_name = {tmp} \
         AND substr(n.name, 1, 17) = {AUTO} AND {} = {}), idx) ELSE idx END WHERE tbl = {table}",
        key("n.name"),
        key("sqlite_stat1.idx"),
    )
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
    let Around { views, triggers } = Around::of(schema, table);
    let own = schema
        .triggers
        .iter()
        .filter(|t| t.table.eq_ignore_ascii_case(table));
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
    for t in own.chain(triggers) {
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
