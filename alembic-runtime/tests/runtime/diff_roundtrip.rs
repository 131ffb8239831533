//! The diff against real SQLite: applying the changes it finds, through the operations,
//! gives a database whose introspected schema the diff finds equal to the target — for
//! every kind of change. (Autogenerate renders the same changes as Rust.)

use alembic_core::schema::diff::{diff, Change, Renames};
use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::schema::{Schema, Type};
use alembic_runtime::{apply, introspect, Op};

use crate::ops::fixture;

/// The operation that carries out one change.
fn carry_out(op: &mut Op, change: &Change) -> Result<()> {
    match change {
        Change::AddTable(t) => op.create_table(t.clone()),
        Change::DropTable(t) => op.drop_table(&t.name),
        Change::RenameTable { from, to } => op.rename_table(from, to),
        Change::AddColumn { table, column } => op.add_column(table, column.clone()),
        Change::DropColumn { table, column } => op.drop_column(table, &column.name),
        Change::RenameColumn { table, from, to } => {
            op.alter_column(table, from, AlterColumn::new().rename(to.clone()))
        }
        Change::AlterColumn { table, from, to } => op.alter_column(
            table,
            &from.name,
            AlterColumn::new()
                .sql_type(Type::sql(to.sql_type.clone()))
                .nullable(!to.not_null)
                .default_sql(to.default.as_deref()),
        ),
        Change::AddIndex { table, index } => op.create_index(table, index.clone()),
        Change::DropIndex { index, .. } => op.drop_index(&index.name),
        Change::AddUnique { table, unique } => {
            let cols: Vec<&str> = unique.columns.iter().map(|k| k.name.as_str()).collect();
            op.create_unique_constraint(
                unique.name.as_deref().expect("named in these scenarios"),
                table,
                &cols,
            )
        }
        Change::AddForeignKey { table, fk } => op.create_foreign_key(table, fk.clone()),
        Change::AddCheck { table, check } => op.create_check_constraint(
            check.name.as_deref().expect("named in these scenarios"),
            table,
            &check.expr,
        ),
        Change::DropUnique { table, unique } => {
            op.drop_constraint(unique.name.as_deref().expect("named"), table)
        }
        Change::DropForeignKey { table, fk } => {
            op.drop_constraint(fk.name.as_deref().expect("named"), table)
        }
        Change::DropCheck { table, check } => {
            op.drop_constraint(check.name.as_deref().expect("named"), table)
        }
    }
}

/// Target schemas: the fixture's, each changed in one or more ways.
fn targets(base: &Schema) -> Vec<(&'static str, Schema, Renames)> {
    let edit = |f: &dyn Fn(&mut Schema)| {
        let mut s = base.clone();
        f(&mut s);
        s
    };
    let none = Renames::default;
    vec![
        (
            "add a table",
            edit(&|s| {
                s.tables.push(
                    Table::new("tag")
                        .column(Column::new("id", Type::Integer))
                        .primary_key(&["id"])
                        .index(Index::new("ix_tag", &["id"])),
                )
            }),
            none(),
        ),
        (
            "drop a table",
            edit(&|s| s.tables.retain(|t| t.name != "log")),
            none(),
        ),
        (
            "add columns",
            edit(&|s| {
                let child = s.table_mut("child").unwrap();
                child
                    .columns
                    .push(Column::new("extra", Type::Text).nullable());
                child
                    .columns
                    .push(Column::new("rank", Type::Integer).default_sql("0"));
            }),
            none(),
        ),
        (
            "drop a column",
            edit(&|s| {
                s.table_mut("child")
                    .unwrap()
                    .columns
                    .retain(|c| c.name != "score")
            }),
            none(),
        ),
        (
            "alter type, nullability and default",
            edit(&|s| {
                let kind = &mut s.table_mut("parent").unwrap().columns[2];
                kind.sql_type = "VARCHAR(20)".into();
                kind.not_null = true;
                kind.default = Some("'basic'".into());
            }),
            none(),
        ),
        (
            "indexes, unique, foreign key and check",
            edit(&|s| {
                let child = s.table_mut("child").unwrap();
                child.indexes.clear();
                child.indexes.push(Index::new("ix_child_score", &["score"]));
                child.unique.push(alembic_runtime::schema::Unique {
                    name: Some("uq_child_note".into()),
                    columns: vec![alembic_runtime::schema::KeyColumn::new("note")],
                    on_conflict: None,
                });
                child.checks.push(alembic_runtime::schema::Check {
                    name: Some("ck_score".into()),
                    expr: "score >= 0".into(),
                });
                child
                    .checks
                    .retain(|c| c.name.as_deref() != Some("ck_child_note"));
                let audit = s.table_mut("audit").unwrap();
                audit
                    .foreign_keys
                    .push(ForeignKey::new(&["id"], "parent", &["id"]).named("fk_audit_parent"));
            }),
            none(),
        ),
        (
            "rename a column and a table",
            edit(&|s| {
                let log = s.table_mut("log").unwrap();
                log.name = "journal".into();
                log.columns[0].name = "message".into();
            }),
            Renames {
                tables: vec![("journal".into(), "log".into())],
                columns: vec![("journal".into(), "message".into(), "msg".into())],
            },
        ),
    ]
}

#[test]
fn applying_the_changes_found_leaves_nothing_to_find() {
    let base = introspect::schema(&fixture()).unwrap();
    for (name, target, renames) in targets(&base) {
        let changes = diff(&base, &target, &renames, &[]);
        assert!(
            !changes.is_empty(),
            "{name}: the scenario changes something"
        );
        let mut conn: Connection = fixture();
        apply(&mut conn, |op| {
            changes.iter().try_for_each(|c| carry_out(op, c))
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let after = introspect::schema(&conn).unwrap();
        let left = diff(&after, &target, &renames, &[]);
        assert!(
            left.is_empty(),
            "{name}: still different after applying {changes:#?}:\n{left:#?}"
        );
        assert_eq!(
            conn.query_row("SELECT count(*) FROM child", [], |r| r.get::<_, i64>(0))
                .unwrap(),
            3,
            "{name}: rows kept"
        );
    }
}
