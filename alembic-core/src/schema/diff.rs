//! The schema diff behind autogenerate (DESIGN §8): the changes that take a current schema
//! (what the migrations produce) to a target schema (what the models declare), in Alembic's
//! order, each with Alembic's "Detected …" line.
//!
//! Comparison is SQLite-aware, so equivalent spellings are not changes: type names compare
//! case- and spacing-insensitively; defaults compare by the value SQLite would store for the
//! column's affinity (`0` and `'0'` on an INTEGER column, `(1)` and `1`); a primary-key
//! column is NOT NULL whatever it declares. `alembic_version` and SQLite's own tables are
//! never compared. On PostgreSQL ([`diff_in`]) the comparison is PostgreSQL's instead: type
//! aliases (`int4`, `character varying`), defaults without the casts PostgreSQL adds,
//! expressions as it prints them back ([`sql::postgres`](crate::schema::sql::postgres)).

use crate::schema::sql::{postgres, sqlite, Dialect};
use crate::schema::{Check, Column, ForeignKey, Index, Schema, Table, Unique};

/// Renames the models declare (`renamed_from`), so that the diff emits a rename, which
/// keeps the data, rather than a drop and an add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    /// (new table name, old table name).
    pub tables: Vec<(String, String)>,
    /// (table, new column name, old column name).
    pub columns: Vec<(String, String, String)>,
}

impl Renames {
    /// The renames that undo these: each table gets its old name back, and each column its
    /// old name, in the table as it was named before.
    pub fn reversed(&self) -> Renames {
        let old_table = |t: &str| {
            self.tables
                .iter()
                .find(|(new, _)| new.eq_ignore_ascii_case(t))
                .map_or_else(|| t.to_owned(), |(_, old)| old.clone())
        };
        Renames {
            tables: self
                .tables
                .iter()
                .map(|(new, old)| (old.clone(), new.clone()))
                .collect(),
            columns: self
                .columns
                .iter()
                .map(|(table, new, old)| (old_table(table), old.clone(), new.clone()))
                .collect(),
        }
    }
}

/// One difference, as an operation that removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A table the models add.
    AddTable(Table),
    /// A table the models no longer have.
    DropTable(Table),
    /// A table renamed (`renamed_from` on the struct).
    RenameTable {
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A new column.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: Column,
    },
    /// A column the models no longer have.
    DropColumn {
        /// The table.
        table: String,
        /// The column as it is now.
        column: Column,
    },
    /// A column renamed (`renamed_from` on the field).
    RenameColumn {
        /// The table.
        table: String,
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column whose type, nullability or default changes.
    AlterColumn {
        /// The table.
        table: String,
        /// The column as it is now.
        from: Column,
        /// The column as the models declare it.
        to: Column,
    },
    /// A new index.
    AddIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// An index the models no longer have (or that changed; it is added again).
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// A new UNIQUE constraint.
    AddUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: Unique,
    },
    /// A UNIQUE constraint the models no longer have.
    DropUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: Unique,
    },
    /// A new foreign key.
    AddForeignKey {
        /// The table.
        table: String,
        /// The key.
        fk: ForeignKey,
    },
    /// A foreign key the models no longer have.
    DropForeignKey {
        /// The table.
        table: String,
        /// The key.
        fk: ForeignKey,
    },
    /// A new CHECK constraint.
    AddCheck {
        /// The table.
        table: String,
        /// The constraint.
        check: Check,
    },
    /// A CHECK constraint the models no longer have.
    DropCheck {
        /// The table.
        table: String,
        /// The constraint.
        check: Check,
    },
}

/// `Detected added index 'ix' on 'table' (terms)`, or `added unique index` for a unique one.
fn added_index(table: &str, index: &Index) -> String {
    format!(
        "Detected added {}index '{}' on '{table}' ({})",
        if index.unique { "unique " } else { "" },
        index.name,
        index.terms.join(", ")
    )
}

impl Change {
    /// Alembic's log line for the change (`Detected added column 'monitor.description'`).
    pub fn detected(&self) -> String {
        let cols = |cols: &[String]| format!("({})", cols.join(", "));
        match self {
            // As Alembic, each index of a new table gets its own line after the table's.
            Change::AddTable(t) => std::iter::once(format!("Detected added table '{}'", t.name))
                .chain(t.indexes.iter().map(|i| added_index(&t.name, i)))
                .collect::<Vec<_>>()
                .join("\n"),
            Change::DropTable(t) => format!("Detected removed table '{}'", t.name),
            Change::RenameTable { from, to } => {
                format!("Detected renamed table '{from}' to '{to}'")
            }
            Change::AddColumn { table, column } => {
                format!("Detected added column '{table}.{}'", column.name)
            }
            Change::DropColumn { table, column } => {
                format!("Detected removed column '{table}.{}'", column.name)
            }
            Change::RenameColumn { table, from, to } => {
                format!("Detected renamed column '{table}.{from}' to '{table}.{to}'")
            }
            Change::AlterColumn { table, from, to } => {
                let mut lines = Vec::new();
                let at = format!("'{table}.{}'", to.name);
                if normalize_type(&from.sql_type) != normalize_type(&to.sql_type) {
                    lines.push(format!(
                        "Detected type change from {} to {} on {at}",
                        from.sql_type, to.sql_type
                    ));
                }
                if from.not_null != to.not_null {
                    let now = if to.not_null { "NOT NULL" } else { "NULL" };
                    lines.push(format!("Detected {now} on column {at}"));
                }
                if from.default != to.default {
                    lines.push(format!("Detected server default change on {at}"));
                }
                lines.join("\n")
            }
            Change::AddIndex { table, index } => added_index(table, index),
            Change::DropIndex { table, index } => {
                format!("Detected removed index '{}' on '{table}'", index.name)
            }
            Change::AddUnique { table, unique } => format!(
                "Detected added unique constraint {} on '{table}' {}",
                name_or_columns(&unique.name),
                cols(
                    &unique
                        .columns
                        .iter()
                        .map(|k| k.name.clone())
                        .collect::<Vec<_>>()
                )
            ),
            Change::DropUnique { table, unique } => format!(
                "Detected removed unique constraint {} on '{table}' {}",
                name_or_columns(&unique.name),
                cols(
                    &unique
                        .columns
                        .iter()
                        .map(|k| k.name.clone())
                        .collect::<Vec<_>>()
                )
            ),
            Change::AddForeignKey { table, fk } => format!(
                "Detected added foreign key {}{} on table {table}",
                cols(&fk.columns),
                cols(&fk.ref_columns)
            ),
            Change::DropForeignKey { table, fk } => format!(
                "Detected removed foreign key {}{} on table {table}",
                cols(&fk.columns),
                cols(&fk.ref_columns)
            ),
            Change::AddCheck { table, check } => {
                format!(
                    "Detected added check constraint {} on table '{table}'",
                    name_or_columns(&check.name)
                )
            }
            Change::DropCheck { table, check } => {
                format!(
                    "Detected removed check constraint {} on table '{table}'",
                    name_or_columns(&check.name)
                )
            }
        }
    }

    /// Whether the change destroys data (the generated migration marks it).
    pub fn is_destructive(&self) -> bool {
        matches!(self, Change::DropTable(_) | Change::DropColumn { .. })
    }
}

/// Alembic's "Detected …" lines of `changes`, one per line, except that a CHECK dropped and
/// added again under one name (or the one unnamed CHECK of a table, both ways) is one line,
/// which for an enum-like column (`status IN ('a', 'b')`) names the values added and removed:
/// Alembic reports neither.
///
/// ```
/// use alembic_core::schema::diff::{detected_lines, Change};
/// use alembic_core::schema::Check;
///
/// let check = |expr: &str| Check { name: Some("ck_status".into()), expr: expr.into() };
/// let changes = [
///     Change::DropCheck { table: "monitor".into(), check: check("status IN ('up', 'down')") },
///     Change::AddCheck { table: "monitor".into(), check: check("status IN ('up', 'down', 'paused')") },
/// ];
/// assert_eq!(
///     detected_lines(&changes),
///     ["Detected changed values of check constraint 'ck_status' on table 'monitor' (status): added 'paused'"]
/// );
/// ```
pub fn detected_lines(changes: &[Change]) -> Vec<String> {
    let mut paired: Vec<Option<usize>> = vec![None; changes.len()];
    let unnamed = |table: &str, add: bool| {
        changes
            .iter()
            .filter(|c| match c {
                Change::AddCheck { table: t, check } if add => t == table && check.name.is_none(),
                Change::DropCheck { table: t, check } if !add => t == table && check.name.is_none(),
                _ => false,
            })
            .count()
    };
    for (i, change) in changes.iter().enumerate() {
        let Change::DropCheck { table, check } = change else {
            continue;
        };
        let lone = check.name.is_none() && unnamed(table, false) == 1 && unnamed(table, true) == 1;
        let partner = changes.iter().position(|c| match c {
            Change::AddCheck {
                table: t,
                check: added,
            } => {
                t == table
                    && match (&check.name, &added.name) {
                        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                        (None, None) => lone,
                        _ => false,
                    }
            }
            _ => false,
        });
        if let Some(j) = partner {
            paired[i] = Some(j);
            paired[j] = Some(i);
        }
    }
    let mut lines = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        match (change, paired[i]) {
            (Change::DropCheck { table, check: old }, Some(j)) => {
                let Change::AddCheck { check: new, .. } = &changes[j] else {
                    unreachable!("paired with an added check")
                };
                lines.push(changed_check(table, old, new));
            }
            (Change::AddCheck { .. }, Some(_)) => {}
            _ => lines.extend(change.detected().lines().map(str::to_owned)),
        }
    }
    lines
}

/// The line of a CHECK whose expression changed.
fn changed_check(table: &str, old: &Check, new: &Check) -> String {
    let name = name_or_columns(&new.name);
    match (in_list(&old.expr), in_list(&new.expr)) {
        (Some((column, before)), Some((same, after))) if column.eq_ignore_ascii_case(&same) => {
            let list =
                |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            let added: Vec<&String> = after.iter().filter(|v| !before.contains(v)).collect();
            let removed: Vec<&String> = before.iter().filter(|v| !after.contains(v)).collect();
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!("added {}", list(added)));
            }
            if !removed.is_empty() {
                parts.push(format!("removed {}", list(removed)));
            }
            if parts.is_empty() {
                parts.push("the same values, reordered".to_owned());
            }
            format!(
                "Detected changed values of check constraint {name} on table '{table}' ({column}): {}",
                parts.join("; ")
            )
        }
        _ => format!(
            "Detected changed check constraint {name} on table '{table}': {} -> {}",
            old.expr, new.expr
        ),
    }
}

/// `column IN ('a', 'b')`, or PostgreSQL's `column = ANY (ARRAY['a'::text, 'b'::text])`: the
/// column and the literals (quoted, without casts).
fn in_list(expr: &str) -> Option<(String, Vec<String>)> {
    let terms: Vec<String> = postgres::terms(expr)
        .into_iter()
        .filter(|t| t != "(" && t != ")")
        .collect();
    let mut rest = terms.iter().map(String::as_str);
    let column = rest.next()?.to_owned();
    match rest.next()? {
        "in" => {}
        "=" if rest.next()? == "any" && rest.next()? == "array" && rest.next()? == "[" => {}
        _ => return None,
    }
    let mut values = Vec::new();
    for term in rest {
        match term {
            "," | "]" => {}
            literal if literal.starts_with('\'') => values.push(literal.to_owned()),
            _ => return None,
        }
    }
    (!values.is_empty()).then_some((column, values))
}

fn name_or_columns(name: &Option<String>) -> String {
    name.as_ref()
        .map_or_else(|| "(unnamed)".to_owned(), |n| format!("'{n}'"))
}

/// Tables autogenerate never compares: the version table, the runtime's checksums of
/// applied migrations, SQLite's own.
fn ignored(name: &str, exclude: &[&str]) -> bool {
    name.eq_ignore_ascii_case("alembic_version")
        || name.eq_ignore_ascii_case("alembic_checksum")
        || name.to_ascii_lowercase().starts_with("sqlite_")
        || exclude.iter().any(|e| e.eq_ignore_ascii_case(name))
}

/// The changes from `current` to `target`: new tables in foreign-key order, then removed
/// tables in reverse foreign-key order, then each remaining table (by name): added columns,
/// altered columns, index and UNIQUE changes (drops first), foreign keys, CHECKs, dropped
/// columns — Alembic's order.
///
/// ```
/// use alembic_core::schema::diff::{diff, Renames};
/// use alembic_core::schema::{Column, Schema, Table, Type};
///
/// let monitor = Table::new("monitor").column(Column::new("id", Type::Integer)).primary_key(&["id"]);
/// let current = Schema { tables: vec![monitor.clone()], ..Schema::default() };
/// let target = Schema {
///     tables: vec![monitor.column(Column::new("description", Type::Text).nullable())],
///     ..Schema::default()
/// };
/// let changes = diff(&current, &target, &Renames::default(), &[]);
/// assert_eq!(changes[0].detected(), "Detected added column 'monitor.description'");
/// ```
pub fn diff(current: &Schema, target: &Schema, renames: &Renames, exclude: &[&str]) -> Vec<Change> {
    diff_in(Dialect::Sqlite, current, target, renames, exclude)
}

/// As [`diff`], with what counts as the same on `dialect`: on PostgreSQL, `'http'` and
/// `'http'::character varying` are one default and `INT4` and `INTEGER` one type.
///
/// ```
/// use alembic_core::schema::diff::{diff_in, Renames};
/// use alembic_core::schema::sql::Dialect;
/// use alembic_core::schema::{Column, Schema, Table, Type};
///
/// let declared = Table::new("t").column(Column::new("kind", Type::sql("VARCHAR(8)")).default_sql("'http'"));
/// let mut read_back = declared.clone();
/// read_back.columns[0].sql_type = "character varying(8)".into();
/// read_back.columns[0].default = Some("'http'::character varying".into());
/// let schema = |t: &Table| Schema { tables: vec![t.clone()], ..Schema::default() };
/// assert!(diff_in(Dialect::Postgres, &schema(&read_back), &schema(&declared), &Renames::default(), &[]).is_empty());
/// ```
pub fn diff_in(
    dialect: Dialect,
    current: &Schema,
    target: &Schema,
    renames: &Renames,
    exclude: &[&str],
) -> Vec<Change> {
    let compared = |s: &Schema| -> Vec<Table> {
        let mut tables: Vec<Table> = s
            .tables
            .iter()
            .filter(|t| !ignored(&t.name, exclude))
            .cloned()
            .collect();
        if dialect == Dialect::Postgres {
            // PostgreSQL records the referenced columns a key names by default.
            let keys: Vec<(String, Vec<String>)> = s
                .tables
                .iter()
                .filter_map(|t| {
                    let pk = t.primary_key.as_ref()?;
                    Some((
                        t.name.clone(),
                        pk.columns.iter().map(|k| k.name.clone()).collect(),
                    ))
                })
                .collect();
            for fk in tables.iter_mut().flat_map(|t| &mut t.foreign_keys) {
                if fk.ref_columns.is_empty() {
                    if let Some((_, pk)) = keys.iter().find(|(t, _)| fk.references(t)) {
                        fk.ref_columns.clone_from(pk);
                    }
                }
            }
        }
        tables
    };
    let mut now = compared(current);
    let wanted = compared(target);
    let mut changes = Vec::new();

    // A table rename only applies while the old name exists and the new one does not.
    for (to, from) in &renames.tables {
        let has = |tables: &[Table], n: &str| tables.iter().any(|t| t.name.eq_ignore_ascii_case(n));
        if has(&now, from) && !has(&now, to) && has(&wanted, to) {
            changes.push(Change::RenameTable {
                from: from.clone(),
                to: to.clone(),
            });
            // As SQLite does, references to the table follow the rename.
            for table in &mut now {
                if table.name.eq_ignore_ascii_case(from) {
                    table.name.clone_from(to);
                }
                for fk in &mut table.foreign_keys {
                    if fk.references(from) {
                        fk.ref_table.clone_from(to);
                    }
                }
            }
        }
    }

    let find = |tables: &[Table], name: &str| {
        tables
            .iter()
            .position(|t| t.name.eq_ignore_ascii_case(name))
    };
    let added: Vec<&Table> = wanted
        .iter()
        .filter(|t| find(&now, &t.name).is_none())
        .collect();
    for t in foreign_key_order(&added) {
        changes.push(Change::AddTable(t.clone()));
    }
    let removed: Vec<String> = now
        .iter()
        .filter(|t| find(&wanted, &t.name).is_none())
        .map(|t| t.name.clone())
        .collect();
    // A kept table's foreign key to a table about to go is dropped first: PostgreSQL
    // refuses to drop a table that is still referenced.
    for table in &mut now {
        let Some(target) = wanted
            .iter()
            .find(|w| w.name.eq_ignore_ascii_case(&table.name))
        else {
            continue;
        };
        let (gone, kept): (Vec<ForeignKey>, Vec<ForeignKey>) =
            std::mem::take(&mut table.foreign_keys)
                .into_iter()
                .partition(|fk| {
                    removed.iter().any(|r| fk.references(r)) && !target.foreign_keys.contains(fk)
                });
        table.foreign_keys = kept;
        for fk in gone {
            changes.push(Change::DropForeignKey {
                table: target.name.clone(),
                fk,
            });
        }
    }
    let removed: Vec<&Table> = now.iter().filter(|t| removed.contains(&t.name)).collect();
    for t in foreign_key_order(&removed).into_iter().rev() {
        changes.push(Change::DropTable(t.clone()));
    }
    let mut kept: Vec<(&Table, &Table)> = wanted
        .iter()
        .filter_map(|w| find(&now, &w.name).map(|i| (&now[i], w)))
        .collect();
    kept.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    for (from, to) in kept {
        diff_table(dialect, from, to, renames, &mut changes);
    }
    changes
}

fn diff_table(
    dialect: Dialect,
    from: &Table,
    to: &Table,
    renames: &Renames,
    changes: &mut Vec<Change>,
) {
    let pg = dialect == Dialect::Postgres;
    let ty = |t: &str| {
        if pg {
            postgres::canonical_type(t)
        } else if sqlite::is_integer_type(t) {
            // One type to SQLite, and the runtime leaves such a change unapplied (it would
            // cost a rebuild and an INTEGER PRIMARY KEY's rowid alias).
            "INTEGER".to_owned()
        } else {
            normalize_type(t)
        }
    };
    let expr = |e: &str| {
        if pg {
            postgres::squash_expr(e)
        } else {
            squash(e)
        }
    };
    let table = to.name.clone();
    let mut from = from.clone();
    for (t, new, old) in &renames.columns {
        if !t.eq_ignore_ascii_case(&table)
            || from.column_named(old).is_none()
            || to.column_named(new).is_none()
        {
            continue;
        }
        // Undoing `b renamed_from a` next to a new column `a`: the new `a` goes first, so
        // that `b` can take its name back with its data.
        let occupied = from.column_named(new).is_some() && to.column_named(old).is_none();
        if occupied {
            let column = from.column_named(new).cloned().expect("checked above");
            from.columns.retain(|c| !c.name.eq_ignore_ascii_case(new));
            from.remove_column_dependents(new);
            changes.push(Change::DropColumn {
                table: table.clone(),
                column,
            });
        }
        if from.column_named(new).is_none() {
            changes.push(Change::RenameColumn {
                table: table.clone(),
                from: old.clone(),
                to: new.clone(),
            });
            let column = from
                .columns
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(old))
                .expect("checked above");
            column.name.clone_from(new);
            // SQLite's RENAME COLUMN rewrites the indexes and constraints that use it.
            from.rename_column_references(old, new);
        }
    }
    for column in to
        .columns
        .iter()
        .filter(|c| from.column_named(&c.name).is_none())
    {
        changes.push(Change::AddColumn {
            table: table.clone(),
            column: column.clone(),
        });
    }
    for column in &to.columns {
        if let Some(old) = from.column_named(&column.name) {
            let (a, b) = (effective(&from, old), effective(to, column));
            let same_type = ty(&a.sql_type) == ty(&b.sql_type);
            let same_default = if pg {
                let plain = |c: &Column| Column {
                    default: c.default.as_deref().and_then(postgres::plain_default),
                    sql_type: ty(&c.sql_type),
                    ..c.clone()
                };
                same_default(&plain(&a), &plain(&b))
            } else {
                same_default(&a, &b)
            };
            if !same_type || a.not_null != b.not_null || !same_default {
                // A type the database holds the same (`int4` and `INTEGER`; SQLite's integer
                // names) is not part of the change: it stays as it is.
                let mut to = column.clone();
                if same_type {
                    to.sql_type.clone_from(&old.sql_type);
                }
                changes.push(Change::AlterColumn {
                    table: table.clone(),
                    from: old.clone(),
                    to,
                });
            }
        }
    }

    // Each kind of object is matched by a key covering its whole definition, so a changed
    // one is dropped and added again; drops of indexes and UNIQUEs come before their adds.
    let index_key = |i: &Index| {
        (
            i.name.to_ascii_lowercase(),
            i.unique,
            i.terms.iter().map(|t| expr(t)).collect::<Vec<_>>(),
            i.where_clause.as_deref().map(expr),
            i.method
                .as_deref()
                .filter(|_| pg)
                .map(str::to_ascii_lowercase),
        )
    };
    let unique_key = |u: &Unique| {
        let columns: Vec<String> = u
            .columns
            .iter()
            .map(|k| k.name.to_ascii_lowercase())
            .collect();
        (u.name.as_deref().map(str::to_ascii_lowercase), columns)
    };
    let fk_key = |fk: &ForeignKey| {
        let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>();
        let action = |a: &Option<String>| a.as_deref().unwrap_or("NO ACTION").to_ascii_uppercase();
        (
            lower(&fk.columns),
            fk.ref_table.to_ascii_lowercase(),
            fk.ref_schema.as_deref().map(str::to_ascii_lowercase),
            lower(&fk.ref_columns),
            action(&fk.on_delete),
            action(&fk.on_update),
        )
    };
    let check_key = |c: &Check| {
        (
            c.name.as_deref().map(str::to_ascii_lowercase),
            expr(&c.expr),
        )
    };
    let t = || table.clone();
    for index in missing(&from.indexes, &to.indexes, index_key) {
        changes.push(Change::DropIndex {
            table: t(),
            index: index.clone(),
        });
    }
    for unique in missing(&from.unique, &to.unique, unique_key) {
        changes.push(Change::DropUnique {
            table: t(),
            unique: unique.clone(),
        });
    }
    for index in missing(&to.indexes, &from.indexes, index_key) {
        changes.push(Change::AddIndex {
            table: t(),
            index: index.clone(),
        });
    }
    for unique in missing(&to.unique, &from.unique, unique_key) {
        changes.push(Change::AddUnique {
            table: t(),
            unique: unique.clone(),
        });
    }
    for fk in missing(&from.foreign_keys, &to.foreign_keys, fk_key) {
        changes.push(Change::DropForeignKey {
            table: t(),
            fk: fk.clone(),
        });
    }
    for fk in missing(&to.foreign_keys, &from.foreign_keys, fk_key) {
        changes.push(Change::AddForeignKey {
            table: t(),
            fk: fk.clone(),
        });
    }
    for check in missing(&from.checks, &to.checks, check_key) {
        changes.push(Change::DropCheck {
            table: t(),
            check: check.clone(),
        });
    }
    for check in missing(&to.checks, &from.checks, check_key) {
        changes.push(Change::AddCheck {
            table: t(),
            check: check.clone(),
        });
    }

    for column in from
        .columns
        .iter()
        .filter(|c| to.column_named(&c.name).is_none())
    {
        changes.push(Change::DropColumn {
            table: table.clone(),
            column: column.clone(),
        });
    }
}

/// The items of `a` whose key no item of `b` has.
fn missing<'a, T, K: PartialEq>(a: &'a [T], b: &[T], key: impl Fn(&T) -> K) -> Vec<&'a T> {
    let keys: Vec<K> = b.iter().map(&key).collect();
    a.iter().filter(|x| !keys.contains(&key(x))).collect()
}

/// The column with its effective nullability: key columns are NOT NULL.
fn effective(table: &Table, column: &Column) -> Column {
    let in_key = table.primary_key.as_ref().is_some_and(|pk| {
        pk.columns
            .iter()
            .any(|k| k.name.eq_ignore_ascii_case(&column.name))
    });
    Column {
        not_null: column.not_null || in_key,
        ..column.clone()
    }
}

/// A schema read on SQLite, made ready for a comparison in PostgreSQL's terms with
/// `declared`: SQLite keeps one integer type (a change between integer types is left undone
/// there, and a table's single integer key is declared INTEGER), so where both sides have an
/// integer type the declared width is taken. What the migrations give, replayed on SQLite
/// for a PostgreSQL project, is compared this way: integer widths are not compared then.
///
/// ```
/// use alembic_core::schema::diff::with_declared_integer_widths;
/// use alembic_core::schema::{Column, Schema, Table, Type};
/// let table = |ty| Schema {
///     tables: vec![Table::new("t").column(Column::new("n", ty))],
///     ..Schema::default()
/// };
/// let read = with_declared_integer_widths(&table(Type::Integer), &table(Type::BigInt));
/// assert_eq!(read.tables[0].columns[0].sql_type, "BIGINT");
/// ```
pub fn with_declared_integer_widths(read_on_sqlite: &Schema, declared: &Schema) -> Schema {
    let mut read = read_on_sqlite.clone();
    for table in &mut read.tables {
        let Some(wanted) = declared.table(&table.name) else {
            continue;
        };
        for column in &mut table.columns {
            if let Some(model) = wanted.column_named(&column.name).filter(|m| {
                sqlite::is_integer_type(&m.sql_type) && sqlite::is_integer_type(&column.sql_type)
            }) {
                column.sql_type.clone_from(&model.sql_type);
            }
        }
    }
    read
}

/// Tables ordered so that a table comes after the tables its foreign keys reference (among
/// `tables`); ties by name. Cycles keep name order.
fn foreign_key_order<'t>(tables: &[&'t Table]) -> Vec<&'t Table> {
    let mut left: Vec<&Table> = tables.to_vec();
    left.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out: Vec<&Table> = Vec::new();
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            t.foreign_keys
                .iter()
                .all(|fk| fk.references(&t.name) || !left.iter().any(|o| fk.references(&o.name)))
        });
        out.push(left.remove(ready.unwrap_or(0)));
    }
    out
}

/// Upper case, single spaces, no spaces around parentheses and commas.
pub fn normalize_type(ty: &str) -> String {
    let upper = ty.trim().to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    words
        .join(" ")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" ,", ",")
        .replace(", ", ",")
}

/// SQLite's type affinity of a declared type (the rules of §3.1 of its datatype documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

fn affinity(ty: &str) -> Affinity {
    let t = ty.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Affinity::Text
    } else if t.contains("BLOB") || t.trim().is_empty() {
        Affinity::Blob
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

/// Whether two defaults store the same value for the column's affinity.
fn same_default(a: &Column, b: &Column) -> bool {
    match (&a.default, &b.default) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            let aff = affinity(&b.sql_type);
            stored_value(x, aff) == stored_value(y, aff)
        }
        (Some(x), None) | (None, Some(x)) => stored_value(x, Affinity::Blob) == StoredValue::Null,
    }
}

#[derive(Debug, PartialEq)]
enum StoredValue {
    Null,
    Number(String),
    Text(String),
    Expr(String),
}

/// What SQLite stores for a DEFAULT under an affinity: literals are converted as it would
/// convert them; anything else is compared as normalised SQL.
fn stored_value(default: &str, aff: Affinity) -> StoredValue {
    let mut d = default.trim();
    while let Some(inner) = d.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        d = inner.trim();
    }
    let upper = d.to_ascii_uppercase();
    if upper == "NULL" {
        return StoredValue::Null;
    }
    let literal = if upper == "TRUE" {
        Some(StoredValue::Number("1".into()))
    } else if upper == "FALSE" {
        Some(StoredValue::Number("0".into()))
    } else if let Some(text) = d.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        Some(StoredValue::Text(text.replace("''", "'")))
    } else if d.parse::<f64>().is_ok() {
        Some(StoredValue::Number(d.to_owned()))
    } else {
        None
    };
    let Some(value) = literal else {
        return StoredValue::Expr(squash(d));
    };
    let numeric = |s: &str| -> Option<String> {
        let n: f64 = s.trim().parse().ok()?;
        Some(if n.fract() == 0.0 && n.abs() < 9e15 {
            format!("{}", n as i64)
        } else {
            format!("{n}")
        })
    };
    match (value, aff) {
        (StoredValue::Number(n), Affinity::Text) => StoredValue::Text(n),
        (StoredValue::Text(t), Affinity::Integer | Affinity::Real | Affinity::Numeric) => {
            numeric(&t).map_or(StoredValue::Text(t), StoredValue::Number)
        }
        (StoredValue::Number(n), _) => StoredValue::Number(numeric(&n).unwrap_or(n)),
        (other, _) => other,
    }
}

/// SQL text with case, spacing and identifier quotes folded, for comparing expressions:
/// two expressions that give the same result are spelled the same.
///
/// ```
/// assert_eq!(alembic_core::schema::diff::squash("Score >= 0"), alembic_core::schema::diff::squash("\"score\">=0"));
/// ```
pub fn squash(sql: &str) -> String {
    sql.split_whitespace()
        .collect::<String>()
        .to_ascii_lowercase()
        .replace('"', "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Type;

    fn schema(tables: Vec<Table>) -> Schema {
        Schema {
            tables,
            ..Schema::default()
        }
    }

    fn monitor() -> Table {
        Table::new("monitor")
            .column(Column::new("id", Type::Integer))
            .column(Column::new("url", Type::sql("VARCHAR(200)")))
            .column(Column::new("interval_secs", Type::Integer).default_sql("60"))
            .primary_key(&["id"])
    }

    fn lines(current: Vec<Table>, target: Vec<Table>, renames: &Renames) -> Vec<String> {
        diff(&schema(current), &schema(target), renames, &[])
            .iter()
            .map(Change::detected)
            .collect()
    }

    #[test]
    fn identical_or_equivalently_spelled_schemas_have_no_changes() {
        let mut spelled = monitor();
        spelled.columns[1].sql_type = "varchar ( 200 )".into();
        spelled.columns[2].default = Some("('60')".into());
        spelled.columns[0].not_null = false; // a key column is NOT NULL anyway
        assert!(lines(vec![monitor()], vec![spelled], &Renames::default()).is_empty());
    }

    #[test]
    fn integer_types_are_one_type_on_sqlite_and_distinct_on_postgresql() {
        let mut widened = monitor();
        widened.columns[0].sql_type = "BIGINT".into();
        widened.columns[2].sql_type = "int8".into();
        assert!(lines(vec![monitor()], vec![widened.clone()], &Renames::default()).is_empty());
        let pg = diff_in(
            Dialect::Postgres,
            &schema(vec![monitor()]),
            &schema(vec![widened.clone()]),
            &Renames::default(),
            &[],
        );
        assert_eq!(pg.len(), 2, "{pg:?}");
        widened.columns[2].sql_type = "REAL".into();
        assert_eq!(
            lines(vec![monitor()], vec![widened], &Renames::default()),
            ["Detected type change from INTEGER to REAL on 'monitor.interval_secs'"]
        );
    }

    #[test]
    fn detects_each_kind_of_change_in_alembics_words_and_order() {
        let user = Table::new("user")
            .column(Column::new("id", Type::Integer))
            .primary_key(&["id"]);
        let mut target = monitor()
            .column(Column::new("description", Type::Text).nullable())
            .column(Column::new("owner_id", Type::Integer))
            .index(Index::new("idx_monitor_url", &["url"]))
            .unique(Some("uq_monitor_url"), &["url"])
            .foreign_key(ForeignKey::new(&["owner_id"], "user", &["id"]).on_delete("CASCADE"))
            .check(Some("ck_interval"), "interval_secs > 0");
        target.columns[1].sql_type = "VARCHAR(300)".into();
        target.columns[2].default = Some("30".into());
        let current = monitor().column(Column::new("legacy", Type::Text).nullable());
        let incident = Table::new("incident")
            .column(Column::new("monitor_id", Type::Integer))
            .foreign_key(ForeignKey::new(&["monitor_id"], "monitor", &["id"]));
        assert_eq!(
            lines(
                vec![current],
                vec![incident, target, user],
                &Renames::default()
            ),
            [
                // Neither new table references the other: name order.
                "Detected added table 'incident'",
                "Detected added table 'user'",
                "Detected added column 'monitor.description'",
                "Detected added column 'monitor.owner_id'",
                "Detected type change from VARCHAR(200) to VARCHAR(300) on 'monitor.url'",
                "Detected server default change on 'monitor.interval_secs'",
                "Detected added index 'idx_monitor_url' on 'monitor' (\"url\")",
                "Detected added unique constraint 'uq_monitor_url' on 'monitor' (url)",
                "Detected added foreign key (owner_id)(id) on table monitor",
                "Detected added check constraint 'ck_interval' on table 'monitor'",
                "Detected removed column 'monitor.legacy'",
            ]
        );
    }

    #[test]
    fn reversed_renames_undo_a_table_and_a_column_rename() {
        let renames = Renames {
            tables: vec![("monitors".into(), "monitor".into())],
            columns: vec![("monitors".into(), "interval".into(), "every".into())],
        };
        assert_eq!(
            renames.reversed(),
            Renames {
                tables: vec![("monitor".into(), "monitors".into())],
                columns: vec![("monitor".into(), "every".into(), "interval".into())],
            }
        );
    }

    #[test]
    fn a_new_tables_indexes_each_get_a_detected_line_after_it() {
        let tag = Table::new("tag")
            .column(Column::new("id", Type::Integer))
            .column(Column::new("name", Type::Text))
            .primary_key(&["id"])
            .index(Index::new("ix_tag_name", &["name"]))
            .index(Index::new("uq_tag_name_id", &["name", "id"]).unique());
        let target = Schema {
            tables: vec![tag],
            ..Schema::default()
        };
        let changes = diff(&Schema::default(), &target, &Renames::default(), &[]);
        assert_eq!(
            changes[0].detected(),
            "Detected added table 'tag'\n\
             Detected added index 'ix_tag_name' on 'tag' (\"name\")\n\
             Detected added unique index 'uq_tag_name_id' on 'tag' (\"name\", \"id\")"
        );
    }

    #[test]
    fn tables_are_created_parents_first_and_dropped_children_first() {
        let parent = Table::new("a_parent")
            .column(Column::new("id", Type::Integer))
            .primary_key(&["id"]);
        let child = Table::new("z_child")
            .column(Column::new("p", Type::Integer))
            .foreign_key(ForeignKey::new(&["p"], "a_parent", &["id"]));
        let grandchild = Table::new("b_grandchild")
            .column(Column::new("c", Type::Integer))
            .foreign_key(ForeignKey::new(&["c"], "z_child", &["p"]));
        let all = vec![grandchild, child, parent];
        assert_eq!(
            lines(vec![], all.clone(), &Renames::default()),
            [
                "Detected added table 'a_parent'",
                "Detected added table 'z_child'",
                "Detected added table 'b_grandchild'"
            ]
        );
        assert_eq!(
            lines(all, vec![], &Renames::default()),
            [
                "Detected removed table 'b_grandchild'",
                "Detected removed table 'z_child'",
                "Detected removed table 'a_parent'"
            ]
        );
    }

    #[test]
    fn a_column_change_leaves_a_type_the_database_holds_the_same_alone() {
        let mut target = monitor();
        target.columns[2].sql_type = "BIGINT".into();
        target.columns[2].default = Some("30".into());
        let changes = diff(
            &schema(vec![monitor()]),
            &schema(vec![target.clone()]),
            &Renames::default(),
            &[],
        );
        let Change::AlterColumn { to, .. } = &changes[0] else {
            panic!("{changes:?}")
        };
        assert_eq!(to.sql_type, "INTEGER");
        assert_eq!(
            lines(vec![monitor()], vec![target.clone()], &Renames::default()),
            ["Detected server default change on 'monitor.interval_secs'"]
        );
        // On PostgreSQL the two are distinct types, and the change carries the new one.
        let pg = diff_in(
            Dialect::Postgres,
            &schema(vec![monitor()]),
            &schema(vec![target]),
            &Renames::default(),
            &[],
        );
        let Change::AlterColumn { to, .. } = &pg[0] else {
            panic!("{pg:?}")
        };
        assert_eq!(to.sql_type, "BIGINT");
    }

    #[test]
    fn a_kept_tables_key_to_a_dropped_table_goes_before_the_table() {
        let parent = Table::new("parent")
            .column(Column::new("id", Type::Integer))
            .primary_key(&["id"]);
        let child = Table::new("child").column(Column::new("p", Type::Integer).nullable());
        let linked = child
            .clone()
            .foreign_key(ForeignKey::new(&["p"], "parent", &["id"]));
        assert_eq!(
            lines(vec![parent, linked], vec![child], &Renames::default()),
            [
                "Detected removed foreign key (p)(id) on table child",
                "Detected removed table 'parent'"
            ]
        );
    }

    #[test]
    fn declared_renames_are_renames_while_the_old_name_exists() {
        let mut renamed = monitor();
        renamed.columns[2].name = "check_interval".into();
        let renames = Renames {
            tables: vec![("monitors".into(), "monitor".into())],
            columns: vec![(
                "monitors".into(),
                "check_interval".into(),
                "interval_secs".into(),
            )],
        };
        let mut target = renamed.clone();
        target.name = "monitors".into();
        assert_eq!(
            lines(vec![monitor()], vec![target.clone()], &renames),
            [
                "Detected renamed table 'monitor' to 'monitors'",
                "Detected renamed column 'monitors.interval_secs' to 'monitors.check_interval'",
            ]
        );
        assert!(
            lines(vec![target.clone()], vec![target], &renames).is_empty(),
            "inert once applied"
        );
    }

    #[test]
    fn nullability_changes_and_defaults_by_affinity() {
        let mut target = monitor();
        target.columns[1].not_null = false;
        assert_eq!(
            lines(vec![monitor()], vec![target], &Renames::default()),
            ["Detected NULL on column 'monitor.url'"]
        );
        let flag = |d: &str, ty: Type| Table::new("t").column(Column::new("f", ty).default_sql(d));
        let same = |a: &str, b: &str, ty: Type| {
            lines(
                vec![flag(a, ty.clone())],
                vec![flag(b, ty)],
                &Renames::default(),
            )
            .is_empty()
        };
        assert!(same("0", "'0'", Type::Boolean));
        assert!(same("FALSE", "0", Type::Boolean));
        assert!(same("1.0", "1", Type::Integer));
        assert!(same("'x'", "('x')", Type::Text));
        assert!(same(
            "CURRENT_TIMESTAMP",
            "current_timestamp",
            Type::DateTime
        ));
        assert!(!same("0", "1", Type::Integer));
        assert!(!same("'0'", "'00'", Type::Text));
    }

    #[test]
    fn alembic_version_sqlite_tables_and_excluded_tables_are_ignored() {
        let version = Table::new("alembic_version")
            .column(Column::new("version_num", Type::sql("VARCHAR(32)")));
        let sequence = Table::new("sqlite_sequence").column(Column::new("name", Type::Text));
        let kept = Table::new("legacy_stuff").column(Column::new("x", Type::Text));
        let changes = diff(
            &schema(vec![version, sequence, kept]),
            &schema(vec![]),
            &Renames::default(),
            &["legacy_stuff"],
        );
        assert!(changes.is_empty(), "{changes:?}");
    }
}
