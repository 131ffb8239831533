//! Every operation on tables holding data, and what a table rebuild keeps.

use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::types::Value;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{apply, introspect, Error, Op};

use crate::common::{dump, rows};

/// Tables with data, an AUTOINCREMENT counter above the highest id, a hidden-rowid table,
/// a cascading foreign key, a trigger, a view, indexes, named constraints and collations.
pub const FIXTURE: &str = "
    CREATE TABLE parent (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL COLLATE NOCASE,
        kind TEXT DEFAULT 'plain',
        CONSTRAINT uq_parent_name UNIQUE (name)
    );
    CREATE INDEX ix_parent_kind ON parent (kind);
    CREATE TABLE child (
        id INTEGER PRIMARY KEY,
        parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE,
        note TEXT,
        score INTEGER DEFAULT 0,
        CONSTRAINT ck_child_note CHECK (length(note) < 100)
    );
    CREATE INDEX ix_child_note ON child (note);
    CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);
    CREATE TRIGGER parent_renamed AFTER UPDATE OF name ON parent
    BEGIN INSERT INTO audit (what) VALUES ('renamed ' || new.name); END;
    CREATE VIEW parent_children AS
        SELECT parent.name AS parent_name, child.note FROM parent JOIN child ON child.parent_id = parent.id;
    CREATE TABLE log (msg TEXT);
    INSERT INTO parent (name, kind) VALUES ('alpha', 'plain'), ('beta', 'fancy'), ('gamma', 'plain');
    DELETE FROM parent WHERE name = 'gamma';
    INSERT INTO child (parent_id, note, score) VALUES (1, 'a1', 1), (1, 'a2', 2), (2, 'b1', 3);
    INSERT INTO log (rowid, msg) VALUES (10, 'x'), (20, 'y');
";

/// The fixture, with foreign keys enforced as a careful application has them.
pub fn fixture() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    conn.execute_batch(FIXTURE).unwrap();
    conn
}

fn table(conn: &Connection, name: &str) -> Table {
    introspect::table(conn, name)
        .unwrap()
        .unwrap_or_else(|| panic!("no table {name}"))
}

fn object_names(conn: &Connection, kind: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = ?1 ORDER BY name")
        .unwrap();
    stmt.query_map([kind], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn foreign_keys_on(conn: &Connection) -> bool {
    conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap()
}

/// Asserts that `op` fails and leaves the database exactly as it was; returns the message.
fn fails_cleanly(ops: impl FnOnce(&mut Op) -> Result<()>) -> String {
    let mut conn = fixture();
    let before = dump(&conn);
    let err = apply(&mut conn, ops).unwrap_err();
    assert_eq!(
        dump(&conn),
        before,
        "the failed operation changed the database"
    );
    assert!(foreign_keys_on(&conn), "foreign keys are enforced again");
    err.to_string()
}

#[test]
fn create_table_with_its_indexes() {
    let mut conn = fixture();
    let tag = Table::new("tag")
        .column(Column::new("id", Type::Integer))
        .column(Column::new("label", Type::sql("VARCHAR(40)")))
        .primary_key(&["id"])
        .index(Index::new("ix_tag_label", &["label"]).unique());
    apply(&mut conn, |op| op.create_table(tag.clone())).unwrap();
    assert_eq!(table(&conn, "tag"), tag);
}

#[test]
fn a_created_tables_integer_key_is_the_rowid_whatever_integer_type_it_declares() {
    let mut conn = fixture();
    // What autogenerate writes for an i64 key on PostgreSQL.
    let event = Table::new("event")
        .column(Column::new("id", Type::BigInt))
        .column(Column::new("what", Type::Text))
        .primary_key(&["id"])
        .autoincrement();
    apply(&mut conn, |op| op.create_table(event)).unwrap();
    assert_eq!(table(&conn, "event").columns[0].sql_type, "INTEGER");
    conn.execute_batch("INSERT INTO event (what) VALUES ('a'), ('b')")
        .unwrap();
    assert_eq!(
        rows(&conn, "SELECT id = rowid FROM event ORDER BY id"),
        ["Integer(1)", "Integer(1)"],
        "numbered by SQLite, as the rowid"
    );
    // A key over several columns keeps its declared types.
    let pair = Table::new("pair")
        .column(Column::new("a", Type::BigInt))
        .column(Column::new("b", Type::BigInt))
        .primary_key(&["a", "b"]);
    apply(&mut conn, |op| op.create_table(pair.clone())).unwrap();
    assert_eq!(table(&conn, "pair"), pair);
}

#[test]
fn changing_between_integer_types_leaves_the_table_as_it_is() {
    let mut conn = fixture();
    let before = dump(&conn);
    apply(&mut conn, |op| {
        op.alter_column("parent", "id", AlterColumn::new().sql_type(Type::BigInt))?;
        op.alter_column(
            "child",
            "score",
            AlterColumn::new()
                .sql_type(Type::sql("INT8"))
                .using("score::bigint"),
        )
    })
    .unwrap();
    assert_eq!(dump(&conn), before, "no rebuild, the rowid alias kept");
    // With another change, the rebuild makes that change and keeps the integer type.
    apply(&mut conn, |op| {
        op.alter_column(
            "child",
            "score",
            AlterColumn::new().sql_type(Type::BigInt).nullable(false),
        )
    })
    .unwrap();
    let score = table(&conn, "child").columns[3].clone();
    assert_eq!((score.sql_type.as_str(), score.not_null), ("INTEGER", true));
    // Any other type change is made.
    apply(&mut conn, |op| {
        op.alter_column("child", "score", AlterColumn::new().sql_type(Type::Real))
    })
    .unwrap();
    assert_eq!(table(&conn, "child").columns[3].sql_type, "REAL");
}

#[test]
fn drop_table() {
    let mut conn = fixture();
    apply(&mut conn, |op| op.drop_table("log")).unwrap();
    assert!(introspect::table(&conn, "log").unwrap().is_none());
    assert!(fails_cleanly(|op| op.drop_table("nope")).starts_with("No such table: 'nope'"));
}

#[test]
fn rename_table_updates_references() {
    let mut conn = fixture();
    let children = rows(&conn, "SELECT * FROM child");
    apply(&mut conn, |op| op.rename_table("parent", "owner")).unwrap();
    assert_eq!(table(&conn, "child").foreign_keys[0].ref_table, "owner");
    assert_eq!(rows(&conn, "SELECT * FROM child"), children);
    assert_eq!(
        rows(&conn, "SELECT count(*) FROM parent_children"),
        ["Integer(3)"]
    );
}

#[test]
fn add_nullable_column() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.add_column("child", Column::new("extra", Type::Text).nullable())
    })
    .unwrap();
    assert_eq!(
        rows(&conn, "SELECT id, note, extra FROM child"),
        [
            "Integer(1)|Text(\"a1\")|Null",
            "Integer(2)|Text(\"a2\")|Null",
            "Integer(3)|Text(\"b1\")|Null"
        ]
    );
}

#[test]
fn add_not_null_column_with_an_expression_default_rebuilds_and_fills_it() {
    let mut conn = fixture();
    let before = rows(&conn, "SELECT * FROM child");
    let column = Column::new("created", Type::Text).default_sql("(datetime('now'))");
    apply(&mut conn, |op| op.add_column("child", column)).unwrap();
    assert_eq!(
        rows(&conn, "SELECT id, parent_id, note, score FROM child"),
        before
    );
    assert_eq!(
        rows(
            &conn,
            "SELECT count(*) FROM child WHERE created IS NOT NULL"
        ),
        ["Integer(3)"]
    );
    assert_eq!(
        object_names(&conn, "index"),
        [
            "ix_child_note",
            "ix_parent_kind",
            "sqlite_autoindex_parent_1"
        ]
    );
    assert_eq!(
        rows(&conn, "SELECT count(*) FROM parent_children"),
        ["Integer(3)"]
    );
}

#[test]
fn add_not_null_column_without_default_to_a_table_with_rows_fails_cleanly() {
    let msg = fails_cleanly(|op| op.add_column("child", Column::new("required", Type::Text)));
    assert!(
        msg.starts_with(
            "NOT NULL constraint failed: _alembic_tmp_child.required\n  SQL: INSERT INTO"
        ),
        "{msg}"
    );
}

#[test]
fn drop_column_natively_and_by_rebuild() {
    let mut conn = fixture();
    apply(&mut conn, |op| op.drop_column("child", "score")).unwrap();
    assert_eq!(table(&conn, "child").columns.len(), 3);

    // `kind` is indexed: SQLite refuses DROP COLUMN, so the table is rebuilt and the index
    // over the column goes with it; the trigger, the view and the children stay.
    apply(&mut conn, |op| op.drop_column("parent", "kind")).unwrap();
    let parent = table(&conn, "parent");
    assert_eq!(
        parent
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["id", "name"]
    );
    assert!(parent.indexes.is_empty());
    assert_eq!(
        rows(&conn, "SELECT id, name FROM parent"),
        ["Integer(1)|Text(\"alpha\")", "Integer(2)|Text(\"beta\")"]
    );
    assert_eq!(rows(&conn, "SELECT count(*) FROM child"), ["Integer(3)"]);
    assert_eq!(object_names(&conn, "trigger"), ["parent_renamed"]);
    assert_eq!(
        rows(&conn, "SELECT count(*) FROM parent_children"),
        ["Integer(3)"]
    );
}

#[test]
fn dropping_a_column_a_view_uses_fails_naming_the_view() {
    assert_eq!(
        fails_cleanly(|op| op.drop_column("child", "note")),
        "view 'parent_children' uses column 'note' of 'child', which this change removes; drop \
         or re-create the view in the migration first\nThe database was left unchanged."
    );
}

#[test]
fn alter_column_rename_is_native_and_follows_into_views_and_indexes() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.alter_column("child", "note", AlterColumn::new().rename("comment"))
    })
    .unwrap();
    let child = table(&conn, "child");
    assert_eq!(child.columns[2].name, "comment");
    assert_eq!(child.indexes[0].terms, ["\"comment\""]);
    assert_eq!(
        rows(&conn, "SELECT count(*) FROM parent_children"),
        ["Integer(3)"]
    );
}

#[test]
fn alter_column_type_nullability_and_default_rebuilds() {
    let mut conn = fixture();
    let before = rows(&conn, "SELECT * FROM parent");
    let change = AlterColumn::new()
        .sql_type(Type::sql("VARCHAR(10)"))
        .nullable(false)
        .default_sql(Some("'basic'"));
    apply(&mut conn, |op| op.alter_column("parent", "kind", change)).unwrap();
    let kind = table(&conn, "parent").columns[2].clone();
    assert_eq!(
        (
            kind.sql_type.as_str(),
            kind.not_null,
            kind.default.as_deref()
        ),
        ("VARCHAR(10)", true, Some("'basic'"))
    );
    assert_eq!(rows(&conn, "SELECT * FROM parent"), before);
    assert_eq!(
        rows(&conn, "SELECT count(*) FROM child"),
        ["Integer(3)"],
        "no cascade"
    );
    assert!(foreign_keys_on(&conn));
}

#[test]
fn create_and_drop_index() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.create_index(
            "child",
            Index::new("ix_child_score", &["score"]).filter("score > 0"),
        )
    })
    .unwrap();
    assert_eq!(
        table(&conn, "child").indexes[1].where_clause.as_deref(),
        Some("score > 0")
    );
    apply(&mut conn, |op| op.drop_index("ix_child_score")).unwrap();
    assert_eq!(table(&conn, "child").indexes.len(), 1);
    assert_eq!(
        fails_cleanly(|op| op.drop_index("nope")),
        "No such index: 'nope'\nThe database was left unchanged."
    );
}

#[test]
fn create_unique_constraint_and_refuse_duplicates() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.create_unique_constraint("uq_child_note", "child", &["note"])
    })
    .unwrap();
    assert_eq!(
        table(&conn, "child").unique[0].name.as_deref(),
        Some("uq_child_note")
    );
    let msg =
        fails_cleanly(|op| op.create_unique_constraint("uq_child_parent", "child", &["parent_id"]));
    assert!(msg.starts_with("UNIQUE constraint failed"), "{msg}");
}

#[test]
fn drop_constraint() {
    let mut conn = fixture();
    apply(&mut conn, |op| op.drop_constraint("ck_child_note", "child")).unwrap();
    assert!(table(&conn, "child").checks.is_empty());
    conn.execute(
        "INSERT INTO child (parent_id, note) VALUES (1, ?1)",
        [&"x".repeat(200)],
    )
    .unwrap();
    assert_eq!(
        fails_cleanly(|op| op.drop_constraint("nope", "child")),
        "No such constraint: 'nope' on table 'child'\nThe database was left unchanged."
    );
}

#[test]
fn create_foreign_key_checks_the_rows_already_there() {
    let mut conn = fixture();
    conn.execute_batch("CREATE TABLE pet (owner_id INTEGER); INSERT INTO pet VALUES (1), (2)")
        .unwrap();
    let fk = ForeignKey::new(&["owner_id"], "parent", &["id"]).named("fk_pet_owner");
    apply(&mut conn, |op| op.create_foreign_key("pet", fk.clone())).unwrap();
    assert_eq!(table(&conn, "pet").foreign_keys, std::slice::from_ref(&fk));

    let mut conn = fixture();
    conn.execute_batch("CREATE TABLE pet (owner_id INTEGER); INSERT INTO pet VALUES (1), (7)")
        .unwrap();
    let before = dump(&conn);
    let err = apply(&mut conn, |op| op.create_foreign_key("pet", fk)).unwrap_err();
    assert!(
        matches!(&err, Error::ForeignKeys { rows, revision: None } if rows.len() == 1),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the migrations would leave 1 row(s) whose foreign key points to no row, so nothing was changed; \
         fix the data in the migration or the constraint:\n  pet rowid 2 references a missing row of parent"
    );
    assert_eq!(dump(&conn), before);
}

#[test]
fn create_check_constraint_and_refuse_rows_that_fail_it() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.create_check_constraint("ck_score", "child", "score >= 0")
    })
    .unwrap();
    assert_eq!(table(&conn, "child").checks.len(), 2);
    let msg = fails_cleanly(|op| op.create_check_constraint("ck_score", "child", "score > 1"));
    assert!(
        msg.starts_with("CHECK constraint failed: ck_score"),
        "{msg}"
    );
}

#[test]
fn execute_and_bulk_insert() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.execute("UPDATE child SET score = score * 10; DELETE FROM log WHERE msg = 'x'")?;
        op.bulk_insert(
            "log",
            &["msg"],
            &[vec![Value::Text("o'neil".into())], vec![Value::Null]],
        )
    })
    .unwrap();
    assert_eq!(
        rows(&conn, "SELECT score FROM child"),
        ["Integer(10)", "Integer(20)", "Integer(30)"]
    );
    assert_eq!(
        rows(&conn, "SELECT msg FROM log"),
        ["Text(\"y\")", "Text(\"o'neil\")", "Null"]
    );
}

#[test]
fn batch_alter_table_applies_several_changes_in_one_rebuild() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.batch_alter_table("child", |b| {
            b.drop_column("score");
            b.alter_column("note", AlterColumn::new().rename("body").nullable(false));
            b.create_unique_constraint("uq_child_body", &["parent_id", "body"]);
            b.create_index(Index::new("ix_child_parent", &["parent_id"]));
        })
    })
    .unwrap();
    let child = table(&conn, "child");
    assert_eq!(
        child
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["id", "parent_id", "body"]
    );
    assert_eq!(child.checks[0].expr, "length(\"body\") < 100");
    assert_eq!(child.indexes.len(), 2);
    assert_eq!(
        rows(&conn, "SELECT body FROM child"),
        ["Text(\"a1\")", "Text(\"a2\")", "Text(\"b1\")"]
    );
}

#[test]
fn operations_see_what_raw_sql_and_the_connection_did_in_between() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.create_table(Table::new("t").column(Column::new("a", Type::Text).nullable()))?;
        op.execute("ALTER TABLE t ADD COLUMN b TEXT; CREATE INDEX ix_t_b ON t (b)")?;
        // A rebuild of t must carry the column and the index raw SQL added.
        op.alter_column("t", "a", AlterColumn::new().nullable(false))?;
        op.connection()?
            .execute_batch("CREATE TABLE raw (x INTEGER); INSERT INTO raw VALUES (7)")?;
        op.add_column("raw", Column::new("y", Type::Integer).default_sql("1"))?;
        op.drop_column("raw", "x")
    })
    .unwrap();
    let t = table(&conn, "t");
    assert_eq!(t.columns.len(), 2);
    assert!(t.columns[0].not_null);
    assert_eq!(t.indexes[0].name, "ix_t_b");
    assert_eq!(rows(&conn, "SELECT * FROM raw"), ["Integer(1)"]);
}

#[test]
fn unnamed_constraints_are_added_and_dropped_by_what_they_cover() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.create_unique_constraint(None, "child", &["note"])?;
        op.create_check_constraint(None, "child", "score >= 0")
    })
    .unwrap();
    let child = table(&conn, "child");
    assert_eq!((child.unique.len(), child.checks.len()), (1, 2));
    assert_eq!(child.unique[0].name, None);
    apply(&mut conn, |op| {
        op.batch_alter_table("child", |b| {
            b.drop_unique(&["NOTE"]);
            b.drop_check("SCORE>=0");
            b.drop_foreign_key(&["parent_id"]);
        })
    })
    .unwrap();
    let child = table(&conn, "child");
    assert!(child.unique.is_empty() && child.foreign_keys.is_empty());
    assert_eq!(child.checks.len(), 1, "the named CHECK stays");
    assert_eq!(rows(&conn, "SELECT count(*) FROM child"), ["Integer(3)"]);
    assert_eq!(
        fails_cleanly(|op| op.batch_alter_table("child", |b| b.drop_unique(&["parent_id"]))),
        "No UNIQUE constraint on (parent_id) in table 'child'\nThe database was left unchanged."
    );
}

#[test]
fn rebuilding_a_parent_under_enforced_foreign_keys_loses_no_child_row() {
    let mut conn = fixture();
    let before = dump(&conn);
    apply(&mut conn, |op| {
        op.create_check_constraint("ck_name", "parent", "length(name) > 0")
    })
    .unwrap();
    let after = dump(&conn);
    let data = |d: &[String]| {
        d.iter()
            .filter(|l| l.starts_with("  "))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        data(&after),
        data(&before),
        "every row of every table is unchanged"
    );
    assert!(foreign_keys_on(&conn));
    assert_eq!(
        rows(&conn, "PRAGMA foreign_key_check"),
        Vec::<String>::new()
    );
}

#[test]
fn rebuild_keeps_the_autoincrement_counter() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.alter_column("parent", "kind", AlterColumn::new().nullable(false))
    })
    .unwrap();
    assert!(table(&conn, "parent").primary_key.unwrap().autoincrement);
    conn.execute("INSERT INTO parent (name, kind) VALUES ('delta', 'x')", [])
        .unwrap();
    assert_eq!(
        rows(&conn, "SELECT id FROM parent WHERE name = 'delta'"),
        ["Integer(4)"],
        "3 was used before"
    );
}

#[test]
fn rebuild_keeps_hidden_rowids() {
    let mut conn = fixture();
    apply(&mut conn, |op| {
        op.add_column(
            "log",
            Column::new("at", Type::Text).default_sql("(datetime('now'))"),
        )
    })
    .unwrap();
    assert_eq!(
        rows(&conn, "SELECT rowid, msg FROM log"),
        ["Integer(10)|Text(\"x\")", "Integer(20)|Text(\"y\")"]
    );
}

#[test]
fn rebuild_keeps_triggers_working() {
    let mut conn = fixture();
    apply(&mut conn, |op| op.drop_column("parent", "kind")).unwrap();
    conn.execute("UPDATE parent SET name = 'ALPHA' WHERE id = 1", [])
        .unwrap();
    assert_eq!(
        rows(&conn, "SELECT what FROM audit"),
        ["Text(\"renamed ALPHA\")"]
    );
}

#[test]
fn rebuild_keeps_table_options_and_collations() {
    if alembic_runtime::rusqlite::version_number() < 3_037_000 {
        return; // STRICT needs SQLite 3.37
    }
    let mut conn = fixture();
    conn.execute_batch(
        "CREATE TABLE kv (k TEXT PRIMARY KEY COLLATE NOCASE, v INT, w TEXT COLLATE RTRIM) STRICT, WITHOUT ROWID;
         INSERT INTO kv VALUES ('a', 1, 'x '), ('B', 2, 'y')",
    )
    .unwrap();
    apply(&mut conn, |op| {
        op.alter_column("kv", "v", AlterColumn::new().nullable(false))
    })
    .unwrap();
    let kv = table(&conn, "kv");
    assert!(kv.strict && kv.without_rowid);
    assert_eq!(kv.columns[0].collation.as_deref(), Some("NOCASE"));
    assert_eq!(kv.columns[2].collation.as_deref(), Some("RTRIM"));
    assert_eq!(
        rows(&conn, "SELECT v FROM kv WHERE k = 'b'"),
        ["Integer(2)"],
        "NOCASE still applies"
    );
}

#[test]
fn names_that_need_quoting_work() {
    let mut conn = Connection::open_in_memory().unwrap();
    let weird = Table::new("my \"table\"")
        .column(Column::new("order", Type::Integer))
        .column(Column::new("group", Type::Text).nullable());
    apply(&mut conn, |op| {
        op.create_table(weird)?;
        op.bulk_insert(
            "my \"table\"",
            &["order", "group"],
            &[vec![Value::Integer(1), Value::Text("g".into())]],
        )?;
        op.alter_column(
            "my \"table\"",
            "group",
            AlterColumn::new().rename("select").nullable(false),
        )?;
        op.rename_table("my \"table\"", "from")
    })
    .unwrap();
    assert_eq!(
        rows(&conn, "SELECT \"order\", \"select\" FROM \"from\""),
        ["Integer(1)|Text(\"g\")"]
    );
}

#[test]
fn dropping_a_column_a_trigger_uses_is_refused_and_changes_nothing() {
    assert_eq!(
        fails_cleanly(|op| {
            op.execute("DROP VIEW parent_children")?;
            op.drop_column("parent", "name")
        }),
        "trigger 'parent_renamed' uses column 'name' of 'parent', which this change removes; drop \
         or re-create the trigger in the migration first\nThe database was left unchanged."
    );
}

fn make_kind_required(op: &mut Op) -> Result<()> {
    op.alter_column("parent", "kind", AlterColumn::new().nullable(false))
}

fn make_kind_optional(op: &mut Op) -> Result<()> {
    op.alter_column("parent", "kind", AlterColumn::new().nullable(true))
}

static REBUILD_PARENT: [alembic_runtime::Migration; 1] = [alembic_runtime::Migration {
    revision: "aaaa00000001",
    down_revisions: &[],
    branch_labels: &[],
    depends_on: &[],
    message: "make kind required",
    upgrade: make_kind_required,
    downgrade: make_kind_optional,
    checksum: 0,
    transaction: true,
}];

#[test]
fn a_migration_rebuilding_a_cascading_parent_under_enforced_foreign_keys_keeps_every_child() {
    static MIGRATIONS: alembic_runtime::Migrations =
        alembic_runtime::Migrations::new(&REBUILD_PARENT);
    let mut conn = fixture();
    let data = |conn: &Connection| {
        dump(conn)
            .into_iter()
            .filter(|l| l.starts_with("  "))
            .collect::<Vec<_>>()
    };
    let before = data(&conn);
    assert_eq!(
        MIGRATIONS.upgrade(&mut conn, "head").unwrap(),
        ["aaaa00000001"]
    );
    assert!(table(&conn, "parent").columns[2].not_null);
    let after: Vec<String> = data(&conn)
        .into_iter()
        .filter(|l| !l.starts_with("  alembic_version"))
        .collect();
    assert_eq!(after, before, "no child row lost, no row changed");
    assert!(foreign_keys_on(&conn));
    MIGRATIONS.downgrade(&mut conn, "base").unwrap();
    assert_eq!(rows(&conn, "SELECT count(*) FROM child"), ["Integer(3)"]);
}

fn typed_create(op: &mut Op) -> Result<()> {
    op.create_table(
        Table::new("t")
            .column(Column::new("id", Type::Integer))
            .primary_key(&["id"]),
    )
}
fn raw_add_column(op: &mut Op) -> Result<()> {
    op.execute("ALTER TABLE t ADD COLUMN raw TEXT")
}
fn direct_add_table(op: &mut Op) -> Result<()> {
    op.connection()?
        .execute_batch("CREATE TABLE direct (id INTEGER PRIMARY KEY, name TEXT)")?;
    Ok(())
}
fn typed_uses_both(op: &mut Op) -> Result<()> {
    // Would fail with a schema kept from before the raw and the direct changes.
    op.create_index("t", Index::new("ix_t_raw", &["raw"]))?;
    op.alter_column(
        "direct",
        "name",
        AlterColumn::new().nullable(false).default_sql(Some("''")),
    )
}
fn nothing(_: &mut Op) -> Result<()> {
    Ok(())
}

#[test]
fn the_schema_carried_between_migrations_is_read_again_after_raw_sql_or_the_connection() {
    use alembic_runtime::{Migration, MigrationFn, Migrations};
    let ups: [MigrationFn; 4] = [
        typed_create,
        raw_add_column,
        direct_add_table,
        typed_uses_both,
    ];
    let ids = [
        "aaaa00000001",
        "bbbb00000002",
        "cccc00000003",
        "dddd00000004",
    ];
    let parents: [&'static [&'static str]; 4] =
        [&[], &["aaaa00000001"], &["bbbb00000002"], &["cccc00000003"]];
    let list: Vec<Migration> = (0..4)
        .map(|i| Migration {
            revision: ids[i],
            down_revisions: parents[i],
            branch_labels: &[],
            depends_on: &[],
            message: "step",
            upgrade: ups[i],
            downgrade: nothing,
            checksum: 0,
            transaction: true,
        })
        .collect();
    let m: &'static Migrations = Box::leak(Box::new(Migrations::new(Box::leak(
        list.into_boxed_slice(),
    ))));
    let mut conn = Connection::open_in_memory().unwrap();
    assert_eq!(m.upgrade(&mut conn, "head").unwrap().len(), 4);
    let sql = rows(
        &conn,
        "SELECT sql FROM sqlite_master WHERE name IN ('ix_t_raw', 'direct') ORDER BY name",
    );
    assert!(sql[0].contains("TEXT NOT NULL DEFAULT ''"), "{sql:?}");
    assert!(
        sql[1].contains("CREATE INDEX") && sql[1].contains("raw"),
        "{sql:?}"
    );
}
