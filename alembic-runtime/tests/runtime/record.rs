//! Record mode: the SQL each operation would run, as snapshots, and proof that running the
//! recorded SQL does exactly what executing the operation does.

use alembic_core::schema::sql::SqliteVersion;
use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::types::Value;
use alembic_runtime::schema::Schema;
use alembic_runtime::{apply, introspect, Op};

use crate::common::{dump, state};
use crate::ops::fixture;

type Operation = fn(&mut Op) -> Result<()>;

/// Every operation, by snapshot name, each on the ops fixture.
const OPERATIONS: &[(&str, Operation)] = &[
    ("create_table", |op| {
        op.create_table(
            Table::new("tag")
                .column(Column::new("id", Type::Integer))
                .column(Column::new("parent_id", Type::Integer).nullable())
                .column(Column::new("label", Type::sql("VARCHAR(40)")).default_sql("''"))
                .primary_key(&["id"])
                .unique(Some("uq_tag_label"), &["label"])
                .check(Some("ck_tag_label"), "length(label) <= 40")
                .foreign_key(
                    ForeignKey::new(&["parent_id"], "parent", &["id"]).on_delete("SET NULL"),
                )
                .index(Index::new("ix_tag_parent", &["parent_id"])),
        )
    }),
    ("drop_table", |op| op.drop_table("log")),
    ("rename_table", |op| op.rename_table("audit", "audit_log")),
    ("add_column_native", |op| {
        op.add_column("child", Column::new("extra", Type::Text).nullable())
    }),
    ("add_column_rebuild", |op| {
        op.add_column(
            "child",
            Column::new("slug", Type::Text).default_sql("(lower('X'))"),
        )
    }),
    ("drop_column_native", |op| op.drop_column("child", "score")),
    ("drop_column_rebuild", |op| op.drop_column("parent", "kind")),
    ("alter_column_rename", |op| {
        op.alter_column("child", "note", AlterColumn::new().rename("body"))
    }),
    ("alter_column_rebuild", |op| {
        op.alter_column(
            "parent",
            "kind",
            AlterColumn::new()
                .sql_type(Type::sql("VARCHAR(10)"))
                .nullable(false)
                .default_sql(Some("'basic'")),
        )
    }),
    ("create_index", |op| {
        op.create_index(
            "child",
            Index::new("ix_child_score", &["score"]).filter("score > 0"),
        )
    }),
    ("drop_index", |op| op.drop_index("ix_child_note")),
    ("create_unique_constraint", |op| {
        op.create_unique_constraint("uq_child_note", "child", &["note"])
    }),
    ("drop_constraint", |op| {
        op.drop_constraint("ck_child_note", "child")
    }),
    ("create_foreign_key", |op| {
        op.create_foreign_key(
            "audit",
            ForeignKey::new(&["id"], "parent", &["id"]).named("fk_audit_parent"),
        )
    }),
    ("create_check_constraint", |op| {
        op.create_check_constraint("ck_score", "child", "score >= 0")
    }),
    ("execute", |op| {
        op.execute("UPDATE child SET score = score + 1; DELETE FROM log WHERE msg = 'x';")
    }),
    ("bulk_insert", |op| {
        op.bulk_insert(
            "log",
            &["msg"],
            &[
                vec![Value::Text("o'neil".into())],
                vec![Value::Null],
                vec![Value::Integer(7)],
            ],
        )
    }),
    ("batch_alter_table", |op| {
        op.batch_alter_table("child", |b| {
            b.drop_column("score");
            b.alter_column("note", AlterColumn::new().rename("body").nullable(false));
            b.create_unique_constraint("uq_child_body", &["parent_id", "body"]);
            b.create_index(Index::new("ix_child_parent", &["parent_id"]));
        })
    }),
    ("rebuild_hidden_rowid", |op| {
        op.alter_column("log", "msg", AlterColumn::new().nullable(false))
    }),
];

/// The schema with objects sorted by name: a rebuilt table moves to the end of
/// `sqlite_master`, which means nothing.
fn by_name(mut schema: Schema) -> Schema {
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    schema.views.sort_by(|a, b| a.name.cmp(&b.name));
    schema.triggers.sort_by(|a, b| a.name.cmp(&b.name));
    schema
}

#[test]
fn each_operation_records_its_sql_and_the_recording_does_what_execution_does() {
    let base = introspect::schema(&fixture()).unwrap();
    for (name, operation) in OPERATIONS {
        let mut recorder = Op::record(base.clone());
        operation(&mut recorder).unwrap_or_else(|e| panic!("{name}: {e}"));
        let script = recorder
            .recorded()
            .iter()
            .map(|s| format!("{s};\n"))
            .collect::<Vec<_>>()
            .join("\n");
        insta::assert_snapshot!(*name, script);

        let mut executed = fixture();
        apply(&mut executed, operation).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut replayed = fixture();
        apply(&mut replayed, |op| op.execute(&script))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{script}"));
        // The same schema and rows; not the same stored text, where execution changed a
        // table in place (SQLite 3.53+) and the script, for any SQLite, rebuilds it.
        assert_eq!(state(&replayed), state(&executed), "{name}");
        assert_eq!(
            recorder.recorded_schema().cloned().map(by_name),
            Some(by_name(introspect::schema(&executed).unwrap())),
            "{name}: the recorder's schema is the executed one"
        );
    }
}

/// The statements `operation` records for a database running `version`, as one script.
fn recording(base: &Schema, version: SqliteVersion, operation: Operation) -> String {
    let mut recorder = Op::record_for(base.clone(), version);
    operation(&mut recorder).unwrap();
    recorder.recorded().join(";\n")
}

/// A script written for the linked SQLite is what execution runs: the same statements,
/// so the same stored schema text, not just the same schema.
#[test]
fn a_script_for_the_linked_sqlite_runs_what_execution_runs() {
    let linked = SqliteVersion::from_number(alembic_runtime::rusqlite::version_number());
    let base = introspect::schema(&fixture()).unwrap();
    let mut in_place = Vec::new();
    for (name, operation) in OPERATIONS {
        let script = recording(&base, linked, *operation);
        if script != recording(&base, SqliteVersion::OLDEST, *operation) {
            in_place.push(*name);
        }
        let mut executed = fixture();
        apply(&mut executed, operation).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut replayed = fixture();
        apply(&mut replayed, |op| op.execute(&script))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{script}"));
        assert_eq!(dump(&replayed), dump(&executed), "{name}");
    }
    // SQLite 3.53+ changes these in place; a script for any SQLite rebuilds. (The oldest
    // rusqlite the runtime accepts links an older SQLite.)
    let expected: &[&str] = if linked >= "3.53.0".parse().unwrap() {
        &[
            "drop_constraint",
            "create_check_constraint",
            "rebuild_hidden_rowid",
        ]
    } else {
        &[]
    };
    assert_eq!(in_place, expected);
}

#[test]
fn a_script_for_sqlite_3_53_alters_nullability_and_checks_in_place() {
    let base = introspect::schema(&fixture()).unwrap();
    let mut recorder = Op::record_for(base, "3.53.0".parse().unwrap());
    recorder
        .alter_column("log", "msg", AlterColumn::new().nullable(false))
        .unwrap();
    recorder
        .create_check_constraint("ck_score", "child", "score >= 0")
        .unwrap();
    recorder.drop_constraint("ck_child_note", "child").unwrap();
    insta::assert_snapshot!(recorder.recorded().join(";\n"), @r#"
    ALTER TABLE "log" ALTER COLUMN "msg" SET NOT NULL;
    ALTER TABLE "child" ADD CONSTRAINT "ck_score" CHECK (score >= 0);
    ALTER TABLE "child" DROP CONSTRAINT "ck_child_note"
    "#);
}
