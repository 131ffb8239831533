//! Builds `&'static` migration lists from data for tests. Migration `i` of a list creates
//! table `t<i>` and records itself in `runs`; its downgrade drops `t<i>`.

use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::types::Value;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{Migration, MigrationFn, Migrations};

fn up<const I: usize>(op: &mut Op) -> Result<()> {
    op.execute(&format!(
        "CREATE TABLE t{I} (id INTEGER PRIMARY KEY); \
         CREATE TABLE IF NOT EXISTS runs (migration INTEGER, direction TEXT); \
         INSERT INTO runs VALUES ({I}, 'up')"
    ))
}

fn down<const I: usize>(op: &mut Op) -> Result<()> {
    op.execute(&format!(
        "DROP TABLE t{I}; INSERT INTO runs VALUES ({I}, 'down')"
    ))
}

macro_rules! fns {
    ($f:ident: $($i:literal)*) => { [$($f::<$i>),*] };
}

const UPS: [MigrationFn; 32] =
    fns!(up: 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
const DOWNS: [MigrationFn; 32] = fns!(down: 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);

fn leak(items: &[&str]) -> &'static [&'static str] {
    Box::leak(
        items
            .iter()
            .map(|s| &*Box::leak(s.to_string().into_boxed_str()))
            .collect(),
    )
}

/// One revision: (id, down revisions, branch labels, depends_on).
pub type Spec<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a [&'a str]);

/// A leaked migration list whose `i`-th migration manages table `t<i>`.
pub fn migrations(specs: &[Spec<'_>]) -> &'static Migrations {
    let list: Vec<Migration> = specs
        .iter()
        .enumerate()
        .map(|(i, (id, down, labels, deps))| Migration {
            revision: leak(&[id])[0],
            down_revisions: leak(down),
            branch_labels: leak(labels),
            depends_on: leak(deps),
            message: Box::leak(format!("create t{i}").into_boxed_str()),
            upgrade: UPS[i],
            downgrade: DOWNS[i],
            checksum: 0,
            transaction: true,
        })
        .collect();
    Box::leak(Box::new(Migrations::new(Box::leak(
        list.into_boxed_slice(),
    ))))
}

/// Tables other than SQLite's own and `runs`, sorted.
pub fn tables(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'runs' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// The rows a query returns, each as its values' debug forms joined by `|`.
pub fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut q = stmt.query([]).unwrap();
    let mut out = Vec::new();
    while let Some(r) = q.next().unwrap() {
        out.push(
            (0..n)
                .map(|i| format!("{:?}", r.get::<_, Value>(i).unwrap()))
                .collect::<Vec<_>>()
                .join("|"),
        );
    }
    out
}

/// What a rebuild must leave as it was, in a comparable form: the stored SQL of every view
/// and trigger; every table (sorted by name, with its indexes, in the [`normalized`] form)
/// and its rows; what each view returns (or the error of a view that was broken already);
/// and `PRAGMA integrity_check`.
pub fn state(conn: &Connection) -> Vec<String> {
    use alembic_core::schema::sql::quote_ident;
    let mut out = rows(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') \
         ORDER BY 1, 2",
    );
    let mut schema = alembic_runtime::introspect::schema(conn).unwrap();
    // A rebuilt table moves to the end of sqlite_master, which means nothing.
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    for t in schema.tables {
        let q = format!("SELECT * FROM {} ORDER BY 1", quote_ident(&t.name));
        out.extend(
            rows(conn, &q)
                .into_iter()
                .map(|r| format!("{}: {r}", t.name)),
        );
        out.push(format!("{:?}", normalized(t)));
    }
    for v in &schema.views {
        let q = format!("SELECT * FROM {} ORDER BY 1, 2", quote_ident(&v.name));
        match conn.prepare(&q) {
            Ok(_) => out.extend(rows(conn, &q)),
            Err(e) => out.push(format!("view {} broken: {e}", v.name)),
        }
    }
    out.extend(rows(conn, "PRAGMA integrity_check"));
    out
}

/// A table with what a rebuild may respell and that means nothing undone: a CHECK's
/// qualifier naming the table itself goes (a rebuild drops it), and key columns are spelt
/// as their column (SQLite names are case-insensitive).
pub fn normalized(mut table: alembic_runtime::schema::Table) -> alembic_runtime::schema::Table {
    for check in &mut table.checks {
        check.expr = alembic_core::schema::sql::unqualify(&check.expr, &table.name);
    }
    let columns = table.columns.clone();
    if let Some(pk) = &mut table.primary_key {
        for key in &mut pk.columns {
            if let Some(c) = columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&key.name))
            {
                key.name.clone_from(&c.name);
            }
        }
    }
    table
}

/// The version rows, sorted; `None` without the table.
pub fn version_rows(conn: &Connection) -> Option<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT version_num FROM alembic_version ORDER BY 1")
        .ok()?;
    Some(
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect(),
    )
}

/// Everything in the database as text: schema and every row of every table, for
/// before/after comparisons.
pub fn dump(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    let objects: Vec<(String, String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for (kind, name, sql) in objects {
        out.push(format!("{kind} {name}: {}", sql.unwrap_or_default()));
        if kind == "table" {
            let mut rows = conn
                .prepare(&format!(
                    "SELECT * FROM \"{}\" ORDER BY 1",
                    name.replace('"', "\"\"")
                ))
                .unwrap();
            let n = rows.column_count();
            let mut q = rows.query([]).unwrap();
            while let Some(row) = q.next().unwrap() {
                let values: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", row.get::<_, Value>(i).unwrap()))
                    .collect();
                out.push(format!("  {name}: {}", values.join(", ")));
            }
        }
    }
    out
}

/// A file database whose write lock another connection holds.
pub struct LockedDatabase {
    /// Keeps the directory alive.
    pub _dir: tempfile::TempDir,
    /// The database file.
    pub path: std::path::PathBuf,
    /// A chain of two migrations, `aaaa00000001` then `bbbb00000002`.
    pub migrations: &'static Migrations,
    /// A connection of our own, with the given busy timeout.
    pub conn: Connection,
    /// The connection holding `BEGIN IMMEDIATE`; drop it to release the lock.
    pub holder: Connection,
}

/// The chain of two upgraded to `at`, then locked by a second connection.
pub fn locked_database(at: &str, busy_timeout: std::time::Duration) -> LockedDatabase {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let migrations = migrations(&[
        ("aaaa00000001", &[], &[], &[]),
        ("bbbb00000002", &["aaaa00000001"], &[], &[]),
    ]);
    let mut conn = Connection::open(&path).unwrap();
    migrations.upgrade(&mut conn, at).unwrap();
    conn.busy_timeout(busy_timeout).unwrap();
    let holder = Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    LockedDatabase {
        _dir: dir,
        path,
        migrations,
        conn,
        holder,
    }
}

/// `alter_column` through a rebuild, even where SQLite could change the table in place:
/// for the tests of what a rebuild keeps.
pub fn rebuilding(
    op: &mut alembic_runtime::Op,
    table: &str,
    column: &str,
    alter: alembic_runtime::AlterColumn,
) -> alembic_runtime::prelude::Result<()> {
    op.batch_alter_table(table, |b| {
        b.recreate_always();
        b.alter_column(column, alter);
    })
}

/// One migration of a hand-made list (checksum 0: `Migration { checksum: 7, ..migration(…) }`
/// gives it one).
pub const fn migration(
    revision: &'static str,
    down_revisions: &'static [&'static str],
    message: &'static str,
    upgrade: MigrationFn,
    downgrade: MigrationFn,
    transaction: bool,
) -> Migration {
    Migration {
        revision,
        down_revisions,
        branch_labels: &[],
        depends_on: &[],
        message,
        upgrade,
        downgrade,
        checksum: 0,
        transaction,
    }
}
