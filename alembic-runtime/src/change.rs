//! What an operation asks for, whatever the database: the changes to one table
//! ([`TableChange`]) and to one column ([`AlterColumn`]). SQLite's `alter` and PostgreSQL's
//! `pg::ddl` turn them into statements.

use alembic_core::schema::{Check, Column, ForeignKey, Index, Unique};

/// Changes to one column; `None` leaves that aspect as it is.
///
/// ```
/// use alembic_runtime::{AlterColumn, schema::Type};
/// let change = AlterColumn::new().rename("interval_secs").sql_type(Type::Integer).nullable(false);
/// # let _ = change;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlterColumn {
    pub(crate) name: Option<String>,
    pub(crate) sql_type: Option<String>,
    pub(crate) nullable: Option<bool>,
    pub(crate) default: Option<Option<String>>,
    pub(crate) using: Option<String>,
}

impl AlterColumn {
    /// No change yet.
    pub fn new() -> Self {
        AlterColumn::default()
    }

    /// Renames the column.
    pub fn rename(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Changes the declared type.
    pub fn sql_type(mut self, ty: alembic_core::schema::Type) -> Self {
        self.sql_type = Some(ty.to_string());
        self
    }

    /// Allows or forbids NULL.
    pub fn nullable(mut self, nullable: bool) -> Self {
        self.nullable = Some(nullable);
        self
    }

    /// How PostgreSQL converts the values for a type change: `ALTER COLUMN … TYPE … USING
    /// expr` (`"price::numeric"`). SQLite's rebuild copies the values as they are (the new
    /// type's affinity applies) and does not use it.
    pub fn using(mut self, expr: impl Into<String>) -> Self {
        self.using = Some(expr.into());
        self
    }

    /// Sets (`Some("'x'")`) or removes (`None`) the DEFAULT.
    pub fn default_sql(mut self, default: Option<&str>) -> Self {
        self.default = Some(default.map(str::to_owned));
        self
    }

    #[cfg(feature = "sqlite")]
    pub(crate) fn is_rename_only(&self) -> bool {
        self.name.is_some()
            && self.sql_type.is_none()
            && self.nullable.is_none()
            && self.default.is_none()
    }
}

/// One change to a table.
#[derive(Debug, Clone)]
pub(crate) enum TableChange {
    AddColumn(Column),
    DropColumn(String),
    AlterColumn(String, AlterColumn),
    CreateIndex(Index),
    DropIndex(String),
    AddUnique(Unique),
    AddForeignKey(ForeignKey),
    AddCheck(Check),
    DropConstraint(String),
    /// An unnamed constraint, found by its columns.
    DropUnique(Vec<String>),
    /// An unnamed constraint, found by its columns.
    DropForeignKey(Vec<String>),
    /// An unnamed constraint, found by its expression.
    DropCheck(String),
}

/// Splits column renames out of `changes`: both databases rename in a statement of its own
/// (SQLite rewrites every view, trigger and index that uses the column, which a rebuild,
/// recreating them from their old text, would not). The renames run first; the rest then
/// refers to the new names.
pub(crate) fn split_renames(changes: Vec<TableChange>) -> (Vec<TableChange>, Vec<TableChange>) {
    let mut renames = Vec::new();
    let mut rest = Vec::new();
    for change in changes {
        match change {
            TableChange::AlterColumn(column, alter) if alter.name.is_some() => {
                let new = alter.name.clone().expect("checked by the guard");
                renames.push(TableChange::AlterColumn(
                    column,
                    AlterColumn::new().rename(new.clone()),
                ));
                let rest_of_it = AlterColumn {
                    name: None,
                    ..alter
                };
                if rest_of_it != AlterColumn::default() {
                    rest.push(TableChange::AlterColumn(new, rest_of_it));
                }
            }
            other => rest.push(other),
        }
    }
    (renames, rest)
}
