//! The operations a migration performs, through [`Op`]: Alembic's operations with Rust
//! names and builders. Where SQLite cannot alter a table in place, the operation rebuilds
//! it (see [`crate::rebuild`]) — automatically, keeping rows, indexes, triggers and views.
//!
//! An `Op` either executes or records. Executing, it runs inside the runner's transaction and
//! reads the schema once, then keeps it up to date as its operations change it (a migration
//! creating 200 tables reads the schema once, not 200 times); raw SQL or direct use of the
//! connection makes it read the schema afresh before the next operation. Recording, it tracks
//! the schema in memory and collects the SQL it would run, for `--sql` output.

#[cfg(feature = "sqlite")]
use alembic_core::schema::sql::{mentions, quote_literal, statements, SqliteVersion};
use alembic_core::schema::sql::{names, quote_ident};
use alembic_core::schema::{Check, Column, ForeignKey, Index, KeyColumn, Schema, Table, Unique};
#[cfg(feature = "sqlite")]
use std::cell::Cell;

#[cfg(feature = "sqlite")]
use rusqlite::Transaction;

use crate::prelude::Value;

#[cfg(feature = "sqlite")]
use crate::alter::{self, Facts};
use crate::change::{AlterColumn, TableChange};
#[cfg(feature = "sqlite")]
use crate::direct::DirectConnection;
use crate::error::OpError;
#[cfg(feature = "sqlite")]
use crate::introspect;

#[cfg(feature = "sqlite")]
/// The schema as the operations of one migration left it, handed to the next.
pub(crate) struct KnownSchema {
    schema: Schema,
    facts: Facts,
}

/// The handle a migration's `upgrade` / `downgrade` function receives.
///
/// Everything it does runs inside the transaction of the `upgrade` or `downgrade` call,
/// so a failure anywhere leaves the database as it was.
///
/// ```
/// use alembic_runtime::prelude::*;
///
/// pub fn upgrade(op: &mut Op) -> Result<()> {
///     op.create_table(
///         Table::new("monitor")
///             .column(Column::new("id", Type::Integer))
///             .column(Column::new("url", Type::Text))
///             .primary_key(&["id"]),
///     )?;
///     op.add_column("monitor", Column::new("description", Type::Text).nullable())?;
///     op.connection()?.execute("INSERT INTO monitor (url) VALUES (?1)", ["https://example.com"])?;
///     Ok(())
/// }
/// ```
pub struct Op<'c> {
    mode: Mode<'c>,
}

/// One operation, as the public methods of [`Op`] describe it to the database's module.
pub(crate) enum Operation {
    CreateTable(Table),
    DropTable(String),
    RenameTable {
        old: String,
        new: String,
    },
    DropIndex(String),
    Alter {
        table: String,
        changes: Vec<TableChange>,
        /// `batch_alter_table(recreate="always")`: SQLite's; PostgreSQL alters in place.
        #[cfg_attr(
            not(feature = "sqlite"),
            expect(dead_code, reason = "only SQLite rebuilds tables")
        )]
        recreate: bool,
    },
}

enum Mode<'c> {
    /// Running on PostgreSQL, in the call's transaction.
    #[cfg(feature = "postgres")]
    Postgres(crate::pg::PostgresConnection<'c>),
    /// Recording PostgreSQL statements, for `--sql`.
    #[cfg(feature = "postgres")]
    RecordPostgres(Vec<String>),
    #[cfg(feature = "sqlite")]
    Execute {
        tx: &'c Transaction<'c>,
        /// The schema as the operations so far left it; `None` until read.
        schema: Option<Schema>,
        /// What the database can do (`sqlite_stat1`, in-place constraint changes), read
        /// with the schema.
        facts: Facts,
        /// Set when the migration had the connection or ran raw SQL: the schema may have
        /// changed behind the operations' back.
        stale: Cell<bool>,
        /// The same transaction, for the migration's direct use.
        direct: DirectConnection<'c>,
    },
    #[cfg(feature = "sqlite")]
    Record {
        schema: Schema,
        sql: Vec<String>,
        /// What the script's target SQLite can do.
        facts: Facts,
    },
}

impl<'c> Op<'c> {
    #[cfg(feature = "sqlite")]
    pub(crate) fn new(tx: &'c Transaction<'c>) -> Self {
        Op {
            mode: Mode::Execute {
                tx,
                schema: None,
                facts: Facts::default(),
                stale: Cell::new(false),
                direct: DirectConnection::new(tx),
            },
        }
    }

    #[cfg(feature = "sqlite")]
    /// Runs a migration function (or any body of operations) on a new executing `Op`. A
    /// failure of the migration's direct use of the connection gets the last statement it
    /// gave the connection, which SQLite's message lacks.
    ///
    /// `known` carries the schema from one migration of a call to the next, so that 1,000
    /// typed migrations read it once, not 1,000 times; a migration that ran raw SQL or used
    /// the connection leaves it empty, and the next reads the database again.
    pub(crate) fn run_body(
        tx: &'c Transaction<'c>,
        known: &mut Option<KnownSchema>,
        body: impl FnOnce(&mut Op<'c>) -> Result<(), OpError>,
    ) -> Result<(), OpError> {
        let mut op = Op::new(tx);
        if let (Mode::Execute { schema, facts, .. }, Some(k)) = (&mut op.mode, known.take()) {
            *schema = Some(k.schema);
            *facts = k.facts;
        }
        let result = body(&mut op);
        if let Mode::Execute {
            schema: Some(schema),
            facts,
            stale,
            ..
        } = &mut op.mode
        {
            if result.is_ok() && !stale.get() {
                *known = Some(KnownSchema {
                    schema: std::mem::take(schema),
                    facts: *facts,
                });
            }
        }
        match result {
            Err(OpError::Sqlite(source)) => match &op.mode {
                Mode::Execute { direct, .. } => Err(match direct.last_sql() {
                    Some(sql) => OpError::Direct { sql, source },
                    None => OpError::Sqlite(source),
                }),
                _ => Err(OpError::Sqlite(source)),
            },
            other => other,
        }
    }

    /// Runs a migration function on PostgreSQL, in the transaction `client` is in.
    #[cfg(feature = "postgres")]
    pub(crate) fn run_postgres(
        client: &'c mut postgres::Client,
        body: impl FnOnce(&mut Op<'c>) -> Result<(), OpError>,
    ) -> Result<(), OpError> {
        let mut op = Op {
            mode: Mode::Postgres(crate::pg::PostgresConnection::new(client)),
        };
        body(&mut op)
    }

    /// An `Op` that runs nothing and records the PostgreSQL statements it would run.
    ///
    /// ```
    /// use alembic_runtime::{Op, schema::{Column, Table, Type}};
    /// let mut op = Op::record_postgres();
    /// op.add_column("t", Column::new("at", Type::DateTime).nullable())?;
    /// assert_eq!(op.recorded(), ["ALTER TABLE \"t\" ADD COLUMN \"at\" TIMESTAMP"]);
    /// # Ok::<(), alembic_runtime::OpError>(())
    /// ```
    #[cfg(feature = "postgres")]
    pub fn record_postgres() -> Op<'static> {
        Op {
            mode: Mode::RecordPostgres(Vec::new()),
        }
    }

    #[cfg(feature = "sqlite")]
    /// An `Op` that runs nothing and records the SQL it would run, starting from `schema`.
    ///
    /// ```
    /// use alembic_runtime::{Op, schema::{Column, Schema, Table, Type}};
    /// let mut op = Op::record(Schema::default());
    /// op.create_table(Table::new("t").column(Column::new("a", Type::Text)))?;
    /// op.drop_table("t")?;
    /// assert_eq!(op.recorded(), ["CREATE TABLE \"t\" (\n    \"a\" TEXT NOT NULL\n)", "DROP TABLE \"t\""]);
    /// # Ok::<(), alembic_runtime::OpError>(())
    /// ```
    pub fn record(schema: Schema) -> Op<'static> {
        Op::record_for(schema, SqliteVersion::OLDEST)
    }

    #[cfg(feature = "sqlite")]
    /// An `Op` that records the SQL for a database running `version`: from SQLite 3.53.0
    /// a NOT NULL or CHECK change is one `ALTER TABLE` instead of a rebuild.
    pub fn record_for(schema: Schema, version: SqliteVersion) -> Op<'static> {
        Op {
            mode: Mode::Record {
                schema,
                sql: Vec::new(),
                facts: Facts::of_sqlite(version),
            },
        }
    }

    /// The statements recorded so far (none when executing).
    pub fn recorded(&self) -> &[String] {
        match &self.mode {
            #[cfg(feature = "sqlite")]
            Mode::Record { sql, .. } => sql,
            #[cfg(feature = "postgres")]
            Mode::RecordPostgres(sql) => sql,
            _ => &[],
        }
    }

    /// A recording's schema and statements, taken out.
    pub(crate) fn into_recording(self) -> (Schema, Vec<String>) {
        match self.mode {
            #[cfg(feature = "sqlite")]
            Mode::Record { schema, sql, .. } => (schema, sql),
            #[cfg(feature = "postgres")]
            Mode::RecordPostgres(sql) => (Schema::default(), sql),
            _ => (Schema::default(), Vec::new()),
        }
    }

    #[cfg(feature = "sqlite")]
    /// The schema a recording `Op` has reached; `None` when executing.
    pub fn recorded_schema(&self) -> Option<&Schema> {
        match &self.mode {
            Mode::Record { schema, .. } => Some(schema),
            _ => None,
        }
    }

    /// Runs one or more SQL statements separated by `;`. A failure names the statement.
    ///
    /// When recording, the statements are recorded, and what they do to the schema is
    /// learnt by running them on a scratch copy of it without rows, so later operations
    /// know the tables, indexes, views and triggers raw SQL made, changed or dropped.
    ///
    /// # Errors
    /// The first statement the database rejected: `OpError::Sql` on SQLite,
    /// `OpError::Postgres` on PostgreSQL.
    pub fn execute(&mut self, sql: &str) -> Result<(), OpError> {
        match &mut self.mode {
            #[cfg(feature = "postgres")]
            Mode::Postgres(conn) => conn.batch_execute(sql),
            #[cfg(feature = "postgres")]
            Mode::RecordPostgres(recorded) => {
                let stmts = alembic_core::schema::sql::postgres::statements(sql);
                recorded.extend(stmts.into_iter().map(str::to_owned));
                Ok(())
            }
            #[cfg(feature = "sqlite")]
            _ => self.execute_sqlite(sql),
        }
    }

    #[cfg(feature = "sqlite")]
    fn execute_sqlite(&mut self, sql: &str) -> Result<(), OpError> {
        let stmts: Vec<String> = statements(sql).into_iter().map(str::to_owned).collect();
        match &mut self.mode {
            #[cfg(feature = "postgres")]
            Mode::Postgres(_) | Mode::RecordPostgres(_) => {}
            Mode::Record { schema, .. } => {
                // SQLite itself says what the statements do to the schema, on a scratch copy
                // without rows; one it refuses there (it needs rows or objects the recording
                // does not know) changes nothing, and the others still count.
                if let Ok(next) = introspect::replay(schema, &stmts, introspect::Refused::Skip) {
                    *schema = next;
                }
            }
            Mode::Execute { stale, .. } => stale.set(true),
        }
        self.run(stmts)
    }

    #[cfg(feature = "sqlite")]
    /// The transaction the migration runs in, for data work with rusqlite's full API.
    ///
    /// # Errors
    /// [`OpError::Offline`] when recording SQL: there is no database then.
    pub fn connection(&self) -> Result<&DirectConnection<'c>, OpError> {
        match &self.mode {
            Mode::Execute { direct, stale, .. } => {
                stale.set(true);
                Ok(direct)
            }
            Mode::Record { .. } => Err(OpError::Offline),
            #[cfg(feature = "postgres")]
            Mode::Postgres(_) | Mode::RecordPostgres(_) => Err(OpError::WrongDatabase {
                asked: "SQLite",
                actual: "PostgreSQL",
            }),
        }
    }

    #[cfg(feature = "sqlite")]
    /// The SQLite transaction the migration runs in: [`Op::connection`], named for the
    /// database, beside `Op::postgres` (feature `postgres`).
    ///
    /// # Errors
    /// [`OpError::WrongDatabase`] on PostgreSQL, [`OpError::Offline`] when recording SQL.
    pub fn sqlite(&self) -> Result<&DirectConnection<'c>, OpError> {
        self.connection()
    }

    /// The PostgreSQL transaction the migration runs in, for data work (feature
    /// `postgres`).
    ///
    /// # Errors
    /// [`OpError::WrongDatabase`] on SQLite, [`OpError::Offline`] when recording SQL.
    #[cfg(feature = "postgres")]
    pub fn postgres(&mut self) -> Result<&mut crate::pg::PostgresConnection<'c>, OpError> {
        match &mut self.mode {
            Mode::Postgres(conn) => Ok(conn),
            Mode::RecordPostgres(_) => Err(OpError::Offline),
            #[cfg(feature = "sqlite")]
            Mode::Execute { .. } | Mode::Record { .. } => Err(OpError::WrongDatabase {
                asked: "PostgreSQL",
                actual: "SQLite",
            }),
        }
    }

    /// Whether the migration runs (or is recorded) on PostgreSQL: for the rare migration
    /// that must do something different on each database.
    pub fn is_postgres(&self) -> bool {
        #[cfg(feature = "postgres")]
        return matches!(self.mode, Mode::Postgres(_) | Mode::RecordPostgres(_));
        #[cfg(not(feature = "postgres"))]
        false
    }

    /// `CREATE TABLE`, with the table's indexes.
    ///
    /// # Errors
    /// A table of that name exists, or the database rejects the definition.
    pub fn create_table(&mut self, table: Table) -> Result<(), OpError> {
        self.perform(Operation::CreateTable(table))
    }

    /// `DROP TABLE`. Destroys the table's rows.
    ///
    /// # Errors
    /// No such table.
    pub fn drop_table(&mut self, name: &str) -> Result<(), OpError> {
        self.perform(Operation::DropTable(name.to_owned()))
    }

    /// `ALTER TABLE … RENAME TO …`; SQLite updates references in other tables, views and
    /// triggers.
    ///
    /// # Errors
    /// No such table, or the new name is taken.
    pub fn rename_table(&mut self, old: &str, new: &str) -> Result<(), OpError> {
        self.perform(Operation::RenameTable {
            old: old.to_owned(),
            new: new.to_owned(),
        })
    }

    /// Adds a column: `ALTER TABLE … ADD COLUMN` when SQLite allows it, else a rebuild
    /// (NOT NULL without default, an expression default, a stored generated column).
    ///
    /// # Errors
    /// No such table, the column exists, or SQLite rejects it.
    pub fn add_column(&mut self, table: &str, column: Column) -> Result<(), OpError> {
        self.alter_auto(table, vec![TableChange::AddColumn(column)])
    }

    /// Drops a column: `ALTER TABLE … DROP COLUMN` when SQLite allows it, else a rebuild.
    /// Indexes and constraints over the column go with it. Destroys the column's data.
    ///
    /// # Errors
    /// No such table or column, or a view or trigger still uses the column.
    pub fn drop_column(&mut self, table: &str, column: &str) -> Result<(), OpError> {
        self.alter_auto(table, vec![TableChange::DropColumn(column.to_owned())])
    }

    /// Renames a column (natively) and/or changes its type, nullability or default (by a
    /// rebuild). Values are copied as they are: a new type's affinity applies, and rows that
    /// break a new NOT NULL fail the migration rather than being changed.
    ///
    /// # Errors
    /// No such table or column, or rows that break the new definition.
    pub fn alter_column(
        &mut self,
        table: &str,
        column: &str,
        change: AlterColumn,
    ) -> Result<(), OpError> {
        self.alter_auto(
            table,
            vec![TableChange::AlterColumn(column.to_owned(), change)],
        )
    }

    /// `CREATE [UNIQUE] INDEX`.
    ///
    /// # Errors
    /// No such table, the name is taken, or duplicate values for a unique index.
    pub fn create_index(&mut self, table: &str, index: Index) -> Result<(), OpError> {
        self.alter_auto(table, vec![TableChange::CreateIndex(index)])
    }

    /// `DROP INDEX`.
    ///
    /// # Errors
    /// No such index.
    pub fn drop_index(&mut self, name: &str) -> Result<(), OpError> {
        self.perform(Operation::DropIndex(name.to_owned()))
    }

    /// Adds a UNIQUE constraint (rebuild), named or (`None`) not.
    ///
    /// # Errors
    /// No such table, or duplicate values.
    pub fn create_unique_constraint<'n>(
        &mut self,
        name: impl Into<Option<&'n str>>,
        table: &str,
        columns: &[&str],
    ) -> Result<(), OpError> {
        let unique = Unique {
            name: name.into().map(str::to_owned),
            columns: columns.iter().map(|c| KeyColumn::new(*c)).collect(),
            on_conflict: None,
        };
        self.alter_auto(table, vec![TableChange::AddUnique(unique)])
    }

    /// Adds a foreign key (rebuild). Existing rows must satisfy it when foreign keys are
    /// enforced: the runner checks before committing.
    ///
    /// # Errors
    /// No such table.
    pub fn create_foreign_key(&mut self, table: &str, fk: ForeignKey) -> Result<(), OpError> {
        self.alter_auto(table, vec![TableChange::AddForeignKey(fk)])
    }

    /// Adds a CHECK constraint (rebuild), named or (`None`) not.
    ///
    /// # Errors
    /// No such table, or rows that fail the check.
    pub fn create_check_constraint<'n>(
        &mut self,
        name: impl Into<Option<&'n str>>,
        table: &str,
        expr: &str,
    ) -> Result<(), OpError> {
        let check = Check {
            name: name.into().map(str::to_owned),
            expr: expr.to_owned(),
        };
        self.alter_auto(table, vec![TableChange::AddCheck(check)])
    }

    /// Drops a named UNIQUE, FOREIGN KEY, CHECK or PRIMARY KEY constraint (rebuild).
    ///
    /// # Errors
    /// No such table or constraint.
    pub fn drop_constraint(&mut self, name: &str, table: &str) -> Result<(), OpError> {
        self.alter_auto(table, vec![TableChange::DropConstraint(name.to_owned())])
    }

    /// Inserts rows. Executing, values are bound as parameters; recording, they are written
    /// as literals.
    ///
    /// ```
    /// # use alembic_runtime::{Op, schema::{Column, Schema, Table, Type}};
    /// use alembic_runtime::rusqlite::types::Value;
    /// # let mut op = Op::record(Schema::default());
    /// # op.create_table(Table::new("t").column(Column::new("a", Type::Integer)).column(Column::new("b", Type::Text)))?;
    /// op.bulk_insert("t", &["a", "b"], &[vec![Value::Integer(10), Value::Text("o'neil".into())]])?;
    /// assert_eq!(op.recorded()[1], "INSERT INTO \"t\" (\"a\", \"b\") VALUES (10, 'o''neil')");
    /// # Ok::<(), alembic_runtime::OpError>(())
    /// ```
    ///
    /// # Errors
    /// A row SQLite rejects, named with its statement.
    pub fn bulk_insert(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Value>],
    ) -> Result<(), OpError> {
        let cols: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
        let head = format!("INSERT INTO {} ({})", quote_ident(table), names(&cols));
        match &mut self.mode {
            #[cfg(feature = "postgres")]
            Mode::RecordPostgres(sql) => {
                for row in rows {
                    let values: Vec<String> = row.iter().map(crate::pg::literal).collect();
                    sql.push(format!("{head} VALUES ({})", values.join(", ")));
                }
                Ok(())
            }
            #[cfg(feature = "postgres")]
            Mode::Postgres(conn) => {
                let placeholders: Vec<String> =
                    (1..=columns.len()).map(|i| format!("${i}")).collect();
                let stmt_sql = format!("{head} VALUES ({})", placeholders.join(", "));
                let client = conn.client();
                let fail = |source| OpError::Postgres {
                    sql: stmt_sql.clone(),
                    source,
                };
                let stmt = client.prepare(&stmt_sql).map_err(fail)?;
                for row in rows {
                    let values: Vec<crate::pg::Text<'_>> =
                        row.iter().map(crate::pg::Text).collect();
                    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = values
                        .iter()
                        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
                        .collect();
                    client.execute(&stmt, &params).map_err(fail)?;
                }
                Ok(())
            }
            #[cfg(feature = "sqlite")]
            Mode::Record { sql, .. } => {
                for row in rows {
                    let values: Vec<String> = row.iter().map(literal).collect();
                    sql.push(format!("{head} VALUES ({})", values.join(", ")));
                }
                Ok(())
            }
            #[cfg(feature = "sqlite")]
            Mode::Execute { tx, .. } => {
                let placeholders: Vec<String> =
                    (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let stmt_sql = format!("{head} VALUES ({})", placeholders.join(", "));
                let fail = |source| OpError::Sql {
                    sql: stmt_sql.clone(),
                    source,
                };
                let mut stmt = tx.prepare(&stmt_sql).map_err(fail)?;
                for row in rows {
                    stmt.execute(rusqlite::params_from_iter(row))
                        .map_err(fail)?;
                }
                Ok(())
            }
        }
    }

    /// Several changes to one table, done as one rebuild when any of them needs one (or
    /// natively when none does). Alembic's `batch_alter_table`.
    ///
    /// ```
    /// # use alembic_runtime::{Op, schema::{Column, Schema, Table, Type}};
    /// # let mut op = Op::record(Schema::default());
    /// # op.create_table(Table::new("t").column(Column::new("a", Type::Text)).column(Column::new("b", Type::Text)))?;
    /// op.batch_alter_table("t", |batch| {
    ///     batch.drop_column("b");
    ///     batch.create_check_constraint("ck_a", "length(a) > 0");
    /// })?;
    /// assert_eq!(op.recorded().iter().filter(|s| s.starts_with("CREATE TABLE")).count(), 2);
    /// # Ok::<(), alembic_runtime::OpError>(())
    /// ```
    ///
    /// # Errors
    /// As the individual operations.
    pub fn batch_alter_table(
        &mut self,
        table: &str,
        changes: impl FnOnce(&mut Batch),
    ) -> Result<(), OpError> {
        let mut batch = Batch {
            changes: Vec::new(),
            recreate: false,
        };
        changes(&mut batch);
        self.perform(Operation::Alter {
            table: table.to_owned(),
            changes: batch.changes,
            recreate: batch.recreate,
        })
    }

    /// The changes in place where SQLite can make them all, else one rebuild.
    fn alter_auto(&mut self, table: &str, changes: Vec<TableChange>) -> Result<(), OpError> {
        self.perform(Operation::Alter {
            table: table.to_owned(),
            changes,
            recreate: false,
        })
    }

    /// Runs or records one operation on the database the `Op` is for.
    fn perform(&mut self, operation: Operation) -> Result<(), OpError> {
        match &mut self.mode {
            #[cfg(feature = "postgres")]
            Mode::Postgres(conn) => {
                let client = conn.client();
                let stmts =
                    crate::pg::ddl_statements(operation, &mut crate::pg::CatalogLookup(client))?;
                stmts.into_iter().try_for_each(|stmt| {
                    client
                        .batch_execute(&stmt)
                        .map_err(|source| OpError::Postgres { sql: stmt, source })
                })
            }
            #[cfg(feature = "postgres")]
            Mode::RecordPostgres(sql) => {
                sql.extend(crate::pg::ddl_statements(
                    operation,
                    &mut crate::pg::NamingRule,
                )?);
                Ok(())
            }
            #[cfg(feature = "sqlite")]
            _ => self.perform_sqlite(operation),
        }
    }

    #[cfg(feature = "sqlite")]
    fn perform_sqlite(&mut self, operation: Operation) -> Result<(), OpError> {
        match operation {
            Operation::CreateTable(table) => self.schema_op(|s, _| alter::create_table(s, table)),
            Operation::DropTable(name) => self.schema_op(|s, _| alter::drop_table(s, &name)),
            Operation::RenameTable { old, new } => {
                self.rename_op(|s| alter::rename_table(s, &old, &new))
            }
            Operation::DropIndex(name) => self.schema_op(|s, facts| {
                let table = alter::index_table(s, &name)?;
                let change = vec![TableChange::DropIndex(name.clone())];
                Ok(alter::alter_table(s, &table, change, facts, false)?.sql)
            }),
            Operation::Alter {
                table,
                changes,
                recreate,
            } => self.alter(&table, changes, recreate),
        }
    }

    #[cfg(feature = "sqlite")]
    fn alter(
        &mut self,
        table: &str,
        changes: Vec<TableChange>,
        recreate: bool,
    ) -> Result<(), OpError> {
        let (renames, rest) = crate::change::split_renames(changes);
        if !renames.is_empty() {
            self.rename_op(|s| {
                Ok(alter::alter_table(s, table, renames, Facts::default(), false)?.sql)
            })?;
        }
        if !rest.is_empty() {
            self.schema_op_checked(
                |s, facts| {
                    let altered = alter::alter_table(s, table, rest, facts, recreate)?;
                    Ok((altered.sql, altered.removed))
                },
                |conn, schema, removed| check_dependents(conn, schema, table, &removed),
            )?;
        }
        Ok(())
    }

    #[cfg(feature = "sqlite")]
    /// A native rename: SQLite rewrites every view, trigger, index and expression that uses
    /// the name, so the schema is read back from SQLite afterwards rather than rewritten
    /// here — from the database when executing, from a scratch copy when recording.
    fn rename_op(
        &mut self,
        plan: impl FnOnce(&mut Schema) -> Result<Vec<String>, OpError>,
    ) -> Result<(), OpError> {
        if let Mode::Record { schema, sql, .. } = &mut self.mode {
            let before = schema.clone();
            let stmts = plan(schema)?;
            *schema = introspect::replay(&before, &stmts, introspect::Refused::Fail)?;
            sql.extend(stmts);
            return Ok(());
        }
        self.schema_op(|s, _| plan(s))?;
        if let Mode::Execute { stale, .. } = &self.mode {
            stale.set(true);
        }
        Ok(())
    }

    #[cfg(feature = "sqlite")]
    /// Plans against the current schema, then runs or records the statements.
    fn schema_op(
        &mut self,
        plan: impl FnOnce(&mut Schema, Facts) -> Result<Vec<String>, OpError>,
    ) -> Result<(), OpError> {
        self.schema_op_checked(|s, facts| Ok((plan(s, facts)?, ())), |_, _, ()| Ok(()))
    }

    #[cfg(feature = "sqlite")]
    /// [`Op::schema_op`], with `check` run on the database after the statements and before
    /// they are kept. Executing, an operation of several statements runs in a savepoint, so
    /// that a failure anywhere in it (or in `check`) undoes all of it and leaves the
    /// transaction as it was before the operation.
    fn schema_op_checked<T>(
        &mut self,
        plan: impl FnOnce(&mut Schema, Facts) -> Result<(Vec<String>, T), OpError>,
        check: impl FnOnce(&rusqlite::Connection, &Schema, T) -> Result<(), OpError>,
    ) -> Result<(), OpError> {
        let (tx, schema, facts, stale) = match &mut self.mode {
            Mode::Record { schema, sql, facts } => {
                sql.extend(plan(schema, *facts)?.0);
                return Ok(());
            }
            Mode::Execute {
                tx,
                schema,
                facts,
                stale,
                ..
            } => (tx, schema, facts, stale),
            #[cfg(feature = "postgres")]
            Mode::Postgres(_) | Mode::RecordPostgres(_) => return Err(SQLITE_ONLY),
        };
        if stale.replace(false) || schema.is_none() {
            let read = introspect::schema_and_statistics(tx)
                .map_err(|e| OpError::Schema(e.to_string()))?;
            *facts = Facts::of_linked_sqlite(read.1);
            *schema = Some(read.0);
        }
        let current = schema.as_mut().expect("read above");
        let (stmts, planned) = match plan(current, *facts) {
            Ok(planned) => planned,
            Err(e) => {
                *schema = None;
                return Err(e);
            }
        };
        let atomic = stmts.len() > 1;
        let outcome = (|| {
            if atomic {
                run_statement(tx, SAVEPOINT).map_err(|source| OpError::Sql {
                    sql: SAVEPOINT.to_owned(),
                    source,
                })?;
            }
            for stmt in stmts {
                let run = || run_statement(tx, &stmt);
                match crate::rebuild::copied_table(&stmt) {
                    Some(table) => crate::progress::copy_rows(tx, table, run),
                    None => run(),
                }
                .map_err(|source| OpError::Sql {
                    source: alter::explain_failure(&stmt, source),
                    sql: stmt.clone(),
                })?;
            }
            check(tx, schema.as_ref().expect("read above"), planned)
        })();
        match outcome {
            Ok(()) if atomic => run_statement(tx, RELEASE).map_err(|source| OpError::Sql {
                sql: RELEASE.to_owned(),
                source,
            }),
            Ok(()) => Ok(()),
            Err(e) => {
                // A migration may go on after a failed operation: undo this one whole and
                // read the schema afresh before the next.
                if atomic {
                    for undo in UNDO {
                        // The savepoint exists (it was the first statement); if even
                        // this fails, the runner's rollback of the whole transaction
                        // still undoes everything, and `e` is the error to report.
                        let _ = run_statement(tx, undo);
                    }
                }
                *schema = None;
                Err(e)
            }
        }
    }

    #[cfg(feature = "sqlite")]
    fn run(&mut self, stmts: Vec<String>) -> Result<(), OpError> {
        match &mut self.mode {
            Mode::Execute { tx, .. } => {
                for stmt in stmts {
                    run_statement(tx, &stmt)
                        .map_err(|source| OpError::Sql { sql: stmt, source })?;
                }
            }
            Mode::Record { sql, .. } => sql.extend(stmts),
            #[cfg(feature = "postgres")]
            Mode::Postgres(_) | Mode::RecordPostgres(_) => return Err(SQLITE_ONLY),
        }
        Ok(())
    }
}

/// What SQLite's planning says if it were asked to work on PostgreSQL, which
/// [`Op::perform`] and [`Op::execute`] route to their own path first.
#[cfg(all(feature = "sqlite", feature = "postgres"))]
const SQLITE_ONLY: OpError = OpError::WrongDatabase {
    asked: "SQLite",
    actual: "PostgreSQL",
};

#[cfg(feature = "sqlite")]
/// The savepoint around an operation of several statements.
const SAVEPOINT: &str = "SAVEPOINT _alembic_op";
#[cfg(feature = "sqlite")]
const RELEASE: &str = "RELEASE _alembic_op";
#[cfg(feature = "sqlite")]
/// Undoes a failed operation; a rebuild may have failed with the legacy rename mode on.
const UNDO: [&str; 3] = [
    "ROLLBACK TO _alembic_op",
    "RELEASE _alembic_op",
    "PRAGMA legacy_alter_table = OFF",
];

#[cfg(feature = "sqlite")]
/// After a rebuild removed `removed` columns from `table`, prepares (never runs) a statement
/// for each view and trigger that can reach the table; one that no longer compiles because
/// it used a removed column is refused by name. Errors about anything else (an object that
/// was already broken, a view that takes no INSERT) are not this change's doing.
fn check_dependents(
    conn: &rusqlite::Connection,
    schema: &Schema,
    table: &str,
    removed: &[String],
) -> Result<(), OpError> {
    if removed.is_empty() {
        return Ok(());
    }
    let refuse = |kind: &str, name: &str, column: &str| {
        OpError::Schema(format!(
            "{kind} '{name}' uses column '{column}' of '{table}', which this change removes; drop \
             or re-create the {kind} in the migration first"
        ))
    };
    for trigger in schema
        .triggers
        .iter()
        .filter(|t| t.table.eq_ignore_ascii_case(table))
    {
        let of = crate::rebuild::update_of(&trigger.sql);
        if let Some(column) = removed
            .iter()
            .find(|r| of.iter().any(|c| c.eq_ignore_ascii_case(r)))
        {
            return Err(refuse("trigger", &trigger.name, column));
        }
    }
    let view_columns = |view: &str| {
        conn.prepare(&format!("SELECT * FROM {}", quote_ident(view)))
            .map(|s| {
                (0..s.column_count())
                    .filter_map(|i| s.column_name(i).ok().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for probe in crate::rebuild::dependents(schema, table, view_columns) {
        let Err(e) = conn.prepare(&probe.sql) else {
            continue;
        };
        let message = e.to_string();
        let Some(missing) = message.strip_prefix("no such column: ") else {
            continue;
        };
        let column = missing.rsplit('.').next().unwrap_or(missing);
        let Some(column) = removed.iter().find(|c| c.eq_ignore_ascii_case(column)) else {
            continue;
        };
        let (name, _) = probe
            .objects
            .iter()
            .find(|(_, sql)| mentions(sql, column))
            .unwrap_or(&probe.objects[0]);
        return Err(refuse(probe.kind, name, column));
    }
    Ok(())
}

/// Changes collected by [`Op::batch_alter_table`].
#[derive(Debug)]
pub struct Batch {
    changes: Vec<TableChange>,
    recreate: bool,
}

impl Batch {
    /// Rebuilds the table even when SQLite could make every change in place (Alembic's
    /// `batch_alter_table(recreate="always")`): to rewrite its definition as cargo-alembic
    /// writes it, or to run the same statements on every SQLite.
    pub fn recreate_always(&mut self) {
        self.recreate = true;
    }
    /// Adds a column.
    pub fn add_column(&mut self, column: Column) {
        self.changes.push(TableChange::AddColumn(column));
    }
    /// Drops a column.
    pub fn drop_column(&mut self, column: &str) {
        self.changes
            .push(TableChange::DropColumn(column.to_owned()));
    }
    /// Alters a column.
    pub fn alter_column(&mut self, column: &str, change: AlterColumn) {
        self.changes
            .push(TableChange::AlterColumn(column.to_owned(), change));
    }
    /// Creates an index.
    pub fn create_index(&mut self, index: Index) {
        self.changes.push(TableChange::CreateIndex(index));
    }
    /// Drops an index of this table.
    pub fn drop_index(&mut self, name: &str) {
        self.changes.push(TableChange::DropIndex(name.to_owned()));
    }
    /// Adds a UNIQUE constraint, named or (`None`) not.
    pub fn create_unique_constraint<'n>(
        &mut self,
        name: impl Into<Option<&'n str>>,
        columns: &[&str],
    ) {
        self.changes.push(TableChange::AddUnique(Unique {
            name: name.into().map(str::to_owned),
            columns: columns.iter().map(|c| KeyColumn::new(*c)).collect(),
            on_conflict: None,
        }));
    }
    /// Adds a foreign key.
    pub fn create_foreign_key(&mut self, fk: ForeignKey) {
        self.changes.push(TableChange::AddForeignKey(fk));
    }
    /// Adds a CHECK constraint, named or (`None`) not.
    pub fn create_check_constraint<'n>(&mut self, name: impl Into<Option<&'n str>>, expr: &str) {
        self.changes.push(TableChange::AddCheck(Check {
            name: name.into().map(str::to_owned),
            expr: expr.to_owned(),
        }));
    }
    /// Drops a named constraint.
    pub fn drop_constraint(&mut self, name: &str) {
        self.changes
            .push(TableChange::DropConstraint(name.to_owned()));
    }
    /// Drops the UNIQUE constraint on exactly these columns, for one that has no name
    /// (`#[alembic(unique)]` on a field makes those).
    pub fn drop_unique(&mut self, columns: &[&str]) {
        self.changes.push(TableChange::DropUnique(owned(columns)));
    }
    /// Drops the foreign key on exactly these columns, for one that has no name
    /// (`#[alembic(references = "…")]` makes those).
    pub fn drop_foreign_key(&mut self, columns: &[&str]) {
        self.changes
            .push(TableChange::DropForeignKey(owned(columns)));
    }
    /// Drops the CHECK constraint with this expression (spacing and case aside), for one
    /// that has no name.
    pub fn drop_check(&mut self, expr: &str) {
        self.changes.push(TableChange::DropCheck(expr.to_owned()));
    }
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(feature = "sqlite")]
/// A value as an SQL literal.
fn literal(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) if f.is_finite() => format!("{f:?}"),
        Value::Real(f) if f.is_nan() => "NULL".to_owned(),
        Value::Real(f) => (if *f > 0.0 { "9e999" } else { "-9e999" }).to_owned(),
        Value::Text(s) => quote_literal(s),
        Value::Blob(b) => format!(
            "X'{}'",
            b.iter().map(|x| format!("{x:02X}")).collect::<String>()
        ),
    }
}

#[cfg(feature = "sqlite")]
/// Runs one statement to completion, whether or not it returns rows (a PRAGMA may).
fn run_statement(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while rows.next()?.is_some() {}
    Ok(())
}
