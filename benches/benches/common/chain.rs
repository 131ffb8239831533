//! The benches' migration chain: migration `i` creates a table, adds a column to it or
//! indexes it, as raw SQL (`alembic`) or typed operations (`alembic_typed`), in SQL both
//! SQLite and PostgreSQL run.

use std::sync::OnceLock;

use alembic_runtime::prelude::*;
use alembic_runtime::{Migration, MigrationFn, Migrations};
use seq_macro::seq;

pub const MAX: usize = 1000;
/// The longest chain of typed migrations, for the growth from 100 to 1,000 to 2,000.
pub const MAX_TYPED: usize = 2000;

/// Migration `i`: every third creates a table, the next adds a column to it, the next
/// indexes it.
pub fn sql(i: usize) -> (String, String) {
    match i % 3 {
        0 => (
            format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '')"),
            format!("DROP TABLE t{i}"),
        ),
        1 => (
            format!("ALTER TABLE t{} ADD COLUMN c{i} INTEGER", i - 1),
            format!("ALTER TABLE t{} DROP COLUMN c{i}", i - 1),
        ),
        _ => (
            format!("CREATE INDEX ix{i} ON t{} (name)", i - 2),
            format!("DROP INDEX ix{i}"),
        ),
    }
}

pub fn all_sql() -> &'static [(String, String)] {
    static SQL: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SQL.get_or_init(|| (0..MAX_TYPED).map(sql).collect())
}

/// Migration `i` of [`sql`], written with typed operations, as autogenerate writes it.
fn up_typed<const I: usize>(op: &mut Op) -> Result<()> {
    match I % 3 {
        0 => op.create_table(
            Table::new(format!("t{I}"))
                .column(Column::new("id", Type::Integer))
                .column(Column::new("name", Type::Text).default_sql("''"))
                .primary_key(&["id"]),
        ),
        1 => op.add_column(
            &format!("t{}", I - 1),
            Column::new(format!("c{I}"), Type::Integer).nullable(),
        ),
        _ => op.create_index(
            &format!("t{}", I - 2),
            Index::new(&format!("ix{I}"), &["name"]),
        ),
    }
}
fn down_typed<const I: usize>(op: &mut Op) -> Result<()> {
    match I % 3 {
        0 => op.drop_table(&format!("t{I}")),
        1 => op.drop_column(&format!("t{}", I - 1), &format!("c{I}")),
        _ => op.drop_index(&format!("ix{I}")),
    }
}

fn up<const I: usize>(op: &mut Op) -> Result<()> {
    op.execute(&all_sql()[I].0)
}
fn down<const I: usize>(op: &mut Op) -> Result<()> {
    op.execute(&all_sql()[I].1)
}

seq!(I in 0..1000 {
    const UPS: [MigrationFn; MAX] = [#(up::<I>,)*];
    const DOWNS: [MigrationFn; MAX] = [#(down::<I>,)*];
});
seq!(I in 0..2000 {
    const UPS_TYPED: [MigrationFn; MAX_TYPED] = [#(up_typed::<I>,)*];
    const DOWNS_TYPED: [MigrationFn; MAX_TYPED] = [#(down_typed::<I>,)*];
});

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A chain of `n` migrations as `embed_migrations!` will emit it: static data with the
/// head declared.
pub fn alembic(n: usize) -> &'static Migrations {
    chain(n, &UPS, &DOWNS)
}

/// [`alembic`], with the typed migrations.
pub fn alembic_typed(n: usize) -> &'static Migrations {
    chain(n, &UPS_TYPED, &DOWNS_TYPED)
}

fn chain(n: usize, ups: &[MigrationFn], downs: &[MigrationFn]) -> &'static Migrations {
    let ids: Vec<&'static str> = (0..n).map(|i| leak(format!("{i:012x}"))).collect();
    let list: Vec<Migration> = (0..n)
        .map(|i| Migration {
            revision: ids[i],
            down_revisions: if i == 0 {
                &[]
            } else {
                Box::leak(Box::new([ids[i - 1]]))
            },
            branch_labels: &[],
            depends_on: &[],
            message: "bench",
            upgrade: ups[i],
            downgrade: downs[i],
            // As the build gives them: checksums on, so boot at head checks them.
            checksum: i as u64 + 1,
            transaction: true,
        })
        .collect();
    let heads: &'static [&'static str] = Box::leak(Box::new([ids[n - 1]]));
    Box::leak(Box::new(
        Migrations::new(Box::leak(list.into_boxed_slice())).with_known_heads(heads),
    ))
}
