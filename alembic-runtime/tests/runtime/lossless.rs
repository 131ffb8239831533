//! Table rebuilds on schema shapes taken from real databases and SQLite's own test suite
//! (views on views, INSTEAD OF triggers, renames followed by rebuilds, CHECKs naming their
//! own table, conflict clauses, statistics): each kept object is proven to be there and to
//! behave as before, against what SQLite's own statements produce.

use alembic_runtime::prelude::*;
use alembic_runtime::rusqlite::Connection;
use alembic_runtime::{apply, introspect};

use crate::common::{rebuilding, rows, state};

fn db(ddl: &str) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!("PRAGMA foreign_keys = ON; {ddl}"))
        .unwrap_or_else(|e| panic!("{e}\n{ddl}"));
    conn
}

/// Every view and trigger with its stored SQL, and every index as the model reads it (a
/// rebuild writes its tables' CREATE TABLE and CREATE INDEX statements itself, so their
/// text may differ; their meaning may not).
fn dependents(conn: &Connection) -> Vec<String> {
    let mut out = rows(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') \
         ORDER BY type, name",
    );
    for table in introspect::schema(conn).unwrap().tables {
        out.extend(
            table
                .indexes
                .iter()
                .map(|i| format!("index on {}: {i:?}", table.name)),
        );
    }
    out
}

/// The rows of every view, for before/after comparison.
fn view_results(conn: &Connection) -> Vec<String> {
    let views = rows(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name",
    );
    views
        .iter()
        .flat_map(|v| {
            let name = v.trim_start_matches("Text(\"").trim_end_matches("\")");
            let mut out = vec![format!("view {name}")];
            out.extend(rows(
                conn,
                &format!("SELECT * FROM \"{name}\" ORDER BY 1, 2"),
            ));
            out
        })
        .collect()
}

const INSTEAD_OF: &str = "
    CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);
    INSERT INTO t (a, b) VALUES ('x', 1), ('y', 2);
    CREATE VIEW v AS SELECT id, a, b FROM t;
    CREATE TRIGGER tr INSTEAD OF INSERT ON v BEGIN INSERT INTO t (a, b) VALUES (new.a, new.b * 10); END;
    CREATE TABLE log (msg TEXT);
    CREATE TRIGGER tr2 INSTEAD OF DELETE ON v BEGIN INSERT INTO log VALUES ('deleted ' || old.a); END;
";

#[test]
fn instead_of_triggers_survive_a_rebuild_and_still_fire() {
    let mut conn = db(INSTEAD_OF);
    let (objects, results) = (dependents(&conn), view_results(&conn));
    apply(&mut conn, |op| {
        rebuilding(op, "t", "a", AlterColumn::new().nullable(false))
    })
    .unwrap();
    assert!(introspect::table(&conn, "t").unwrap().unwrap().columns[1].not_null);
    assert_eq!(
        dependents(&conn),
        objects,
        "views and INSTEAD OF triggers as they were"
    );
    assert_eq!(view_results(&conn), results);
    conn.execute_batch("INSERT INTO v (a, b) VALUES ('z', 3); DELETE FROM v WHERE a = 'x'")
        .unwrap();
    assert_eq!(
        rows(&conn, "SELECT a, b FROM t WHERE a = 'z'"),
        ["Text(\"z\")|Integer(30)"]
    );
    assert_eq!(rows(&conn, "SELECT msg FROM log"), ["Text(\"deleted x\")"]);
}

/// Northwind's shape: a view reading a view of the table, and a trigger using the outer view.
const VIEW_ON_VIEW: &str = "
    CREATE TABLE Categories (CategoryID INTEGER PRIMARY KEY, CategoryName TEXT NOT NULL);
    CREATE TABLE Products (ProductID INTEGER PRIMARY KEY, ProductName TEXT, CategoryID INT REFERENCES Categories, Price REAL);
    INSERT INTO Categories VALUES (1, 'Beverages'), (2, 'Condiments');
    INSERT INTO Products VALUES (1, 'Chai', 1, 18.0), (2, 'Chang', 1, 19.0), (3, 'Aniseed Syrup', 2, 10.0);
    CREATE VIEW [Product Sales] AS SELECT c.CategoryName, p.ProductName, p.Price AS ProductSales
        FROM Categories c JOIN Products p ON c.CategoryID = p.CategoryID;
    CREATE VIEW [Category Sales] AS SELECT CategoryName, sum(ProductSales) AS CategorySales
        FROM [Product Sales] GROUP BY CategoryName;
    CREATE TABLE report (total REAL);
    CREATE TRIGGER snapshot AFTER INSERT ON report BEGIN
        UPDATE report SET total = (SELECT sum(CategorySales) FROM [Category Sales]) WHERE rowid = new.rowid;
    END;
";

#[test]
fn a_view_on_a_view_of_the_table_does_not_block_any_rebuild() {
    for table in ["Categories", "Products"] {
        let mut conn = db(VIEW_ON_VIEW);
        let (objects, results) = (dependents(&conn), view_results(&conn));
        apply(&mut conn, |op| {
            op.add_column(
                table,
                Column::new("Note", Type::Text).default_sql("(lower('N'))"),
            )
        })
        .unwrap_or_else(|e| panic!("{table}: {e}"));
        assert_eq!(dependents(&conn), objects, "{table}");
        assert_eq!(view_results(&conn), results, "{table}");
        conn.execute_batch("INSERT INTO report DEFAULT VALUES")
            .unwrap();
        assert_eq!(rows(&conn, "SELECT total FROM report"), ["Real(47.0)"]);
    }
}

/// What SQLite's own `RENAME` leaves, run on a second copy: the reference for the views,
/// triggers and indexes after our rename-then-rebuild.
fn natively(ddl: &str, renames: &str) -> Connection {
    let conn = db(ddl);
    conn.execute_batch(renames).unwrap();
    conn
}

const RENAMES: &str = "
    CREATE TABLE cat (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE prod (id INTEGER PRIMARY KEY, category TEXT, b INT,
        g INT GENERATED ALWAYS AS (b * 2) VIRTUAL);
    CREATE INDEX ix_b ON prod (b) WHERE prod.b > 0;
    INSERT INTO cat VALUES (1, 'tea'), (2, 'coffee');
    INSERT INTO prod (category, b) VALUES ('tea', 5), ('coffee', 7);
    CREATE VIEW v AS SELECT c.name AS category, p.b, 'b' AS label FROM prod p JOIN cat c ON c.name = p.category;
    CREATE VIEW w AS WITH x(category, b) AS (SELECT category, b FROM prod) SELECT category, b FROM x;
    CREATE TABLE audit (what TEXT, b INT);
    CREATE TRIGGER tr AFTER UPDATE ON prod BEGIN INSERT INTO audit VALUES (new.category, new.b); END;
";

#[test]
fn renames_then_a_rebuild_keep_sqlites_own_rewrite_of_views_triggers_and_indexes() {
    let renames = r#"ALTER TABLE "prod" RENAME COLUMN "category" TO "category_renamed";
                     ALTER TABLE "prod" RENAME COLUMN "b" TO "b_rw"; ALTER TABLE "cat" RENAME TO "cats""#;
    let reference = natively(RENAMES, renames);
    let mut conn = db(RENAMES);
    apply(&mut conn, |op| {
        op.alter_column(
            "prod",
            "category",
            AlterColumn::new().rename("category_renamed"),
        )?;
        rebuilding(
            op,
            "prod",
            "b",
            AlterColumn::new().rename("b_rw").nullable(false),
        )?;
        op.rename_table("cat", "cats")?;
        rebuilding(op, "cats", "name", AlterColumn::new().nullable(false))?;
        op.add_column(
            "prod",
            Column::new("extra", Type::Integer).default_sql("(1 + 1)"),
        )
    })
    .unwrap();
    assert_eq!(dependents(&conn), dependents(&reference));
    assert_eq!(view_results(&conn), view_results(&reference));
    assert_eq!(
        rows(&conn, "SELECT category, b_rw, label FROM v ORDER BY 2"),
        [
            "Text(\"tea\")|Integer(5)|Text(\"b\")",
            "Text(\"coffee\")|Integer(7)|Text(\"b\")"
        ]
    );
    assert_eq!(
        rows(&conn, "SELECT g FROM prod ORDER BY 1"),
        ["Integer(10)", "Integer(14)"]
    );
    conn.execute_batch("UPDATE prod SET b_rw = 9 WHERE b_rw = 5")
        .unwrap();
    assert_eq!(
        rows(&conn, "SELECT * FROM audit"),
        ["Text(\"tea\")|Integer(9)"]
    );
}

#[test]
fn renames_are_recorded_with_sqlites_rewrite_too() {
    let conn = db(RENAMES);
    let mut op = Op::record(introspect::schema(&conn).unwrap());
    op.alter_column(
        "prod",
        "b",
        AlterColumn::new().rename("b_rw").nullable(false),
    )
    .unwrap();
    let script: Vec<String> = op.recorded().to_vec();
    let trigger = script
        .iter()
        .find(|s| s.starts_with("CREATE TRIGGER"))
        .expect("the rebuilt table's trigger is re-created");
    assert!(trigger.contains("new.\"b_rw\""), "{trigger}");
    let replayed = db(RENAMES);
    replayed.execute_batch(&script.join(";\n")).unwrap();
    let reference = natively(RENAMES, r#"ALTER TABLE "prod" RENAME COLUMN "b" TO "b_rw""#);
    assert_eq!(dependents(&replayed), dependents(&reference));
}

/// DDL SQLite accepts and the reader once refused; each must parse and survive a rebuild.
const ACCEPTED_DDL: [&str; 5] = [
    "CREATE TABLE t (id INTEGER, v TEXT, PRIMARY KEY (id AUTOINCREMENT))",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, v TEXT, CHECK (a != 5) ON CONFLICT IGNORE, CONSTRAINT lonely)",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CONSTRAINT lonely, v TEXT)",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, e DOUBLE PRECISION ALWAYS DEFAULT (5), f TEXT GENERATED ALWAYS DEFAULT 1, v TEXT)",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT, v TEXT, CHECK (t.a != main.t.b))",
];

#[test]
fn ddl_sqlite_accepts_is_read_and_rebuilt() {
    for ddl in ACCEPTED_DDL {
        let mut conn = db(ddl);
        conn.execute_batch(
            "INSERT INTO t (id, v) VALUES (7, 'x'); DELETE FROM t; INSERT INTO t (v) VALUES ('y')",
        )
        .unwrap();
        let before = introspect::table(&conn, "t")
            .unwrap_or_else(|e| panic!("{e}\n{ddl}"))
            .unwrap();
        let types = rows(&conn, "SELECT name, type FROM pragma_table_xinfo('t')");
        let ours: Vec<String> = before
            .columns
            .iter()
            .map(|c| format!("Text({:?})|Text({:?})", c.name, c.sql_type))
            .collect();
        assert_eq!(ours, types, "{ddl}");
        apply(&mut conn, |op| {
            rebuilding(op, "t", "v", AlterColumn::new().nullable(false))
        })
        .unwrap_or_else(|e| panic!("{e}\n{ddl}"));
        let mut after = introspect::table(&conn, "t").unwrap().unwrap();
        after.columns[before.columns.len() - 1].not_null = false;
        let mut expected = before.clone();
        for check in &mut expected.checks {
            check.expr = check.expr.replace("main.t.", "").replace("t.", "");
        }
        assert_eq!(after, expected, "{ddl}");
        assert_eq!(rows(&conn, "SELECT v FROM t"), ["Text(\"y\")"], "{ddl}");
    }
}

#[test]
fn autoincrement_declared_on_a_table_primary_key_keeps_its_counter() {
    let mut conn = db(ACCEPTED_DDL[0]);
    conn.execute_batch("INSERT INTO t (v) VALUES ('a'), ('b'); DELETE FROM t WHERE id = 2")
        .unwrap();
    apply(&mut conn, |op| {
        op.add_column(
            "t",
            Column::new("w", Type::Text).default_sql("(lower('W'))"),
        )
    })
    .unwrap();
    conn.execute_batch("INSERT INTO t (v) VALUES ('c')")
        .unwrap();
    assert_eq!(
        rows(&conn, "SELECT id FROM t ORDER BY id"),
        ["Integer(1)", "Integer(3)"]
    );
}

#[test]
fn a_check_naming_its_own_table_still_checks_after_a_rebuild() {
    let mut conn =
        db("CREATE TABLE t1 (a INT, b INT, CHECK (t1.a != t1.b)); INSERT INTO t1 VALUES (1, 2)");
    apply(&mut conn, |op| {
        rebuilding(op, "t1", "a", AlterColumn::new().nullable(false))
    })
    .unwrap();
    let err = conn
        .execute("INSERT INTO t1 VALUES (3, 3)", [])
        .unwrap_err();
    assert!(err.to_string().contains("CHECK constraint failed"), "{err}");
    assert_eq!(rows(&conn, "SELECT * FROM t1"), ["Integer(1)|Integer(2)"]);
}

#[test]
fn not_null_conflict_clauses_come_back_with_the_not_null() {
    let ddl =
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL ON CONFLICT REPLACE DEFAULT 'd', \
               b TEXT NOT NULL ON CONFLICT IGNORE)";
    // In place where SQLite can, and by a rebuild: the same either way.
    for recreate in [false, true] {
        let mut conn = db(ddl);
        apply(&mut conn, |op| {
            op.batch_alter_table("t", |b| {
                if recreate {
                    b.recreate_always();
                }
                b.alter_column("a", AlterColumn::new().nullable(true));
                b.alter_column("a", AlterColumn::new().nullable(false));
                b.alter_column("b", AlterColumn::new().nullable(false));
            })
        })
        .unwrap();
        let t = introspect::table(&conn, "t").unwrap().unwrap();
        assert_eq!(
            t.columns[1].not_null_on_conflict.as_deref(),
            Some("REPLACE")
        );
        assert_eq!(t.columns[2].not_null_on_conflict.as_deref(), Some("IGNORE"));
        conn.execute_batch(
            "INSERT INTO t (a, b) VALUES (NULL, 'x'); INSERT INTO t (a, b) VALUES ('y', NULL)",
        )
        .unwrap();
        assert_eq!(
            rows(&conn, "SELECT a, b FROM t"),
            ["Text(\"d\")|Text(\"x\")"],
            "recreate: {recreate}"
        );
    }
}

/// `sqlite_stat1` as (table, the index's key columns, statistics): what a row describes,
/// whatever the automatic index it belongs to is numbered.
pub fn statistics_by_key(conn: &Connection) -> Vec<String> {
    rows(
        conn,
        "SELECT s.tbl, (SELECT group_concat(coalesce(name, '') || ' ' || coll || ' ' || \"desc\") \
         FROM pragma_index_xinfo(s.idx) WHERE key), s.stat FROM sqlite_stat1 s ORDER BY 1, 2, 3",
    )
}

#[test]
fn analyze_statistics_of_a_rebuilt_table_are_kept() {
    let mut conn = db("
        CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b INT, c INT);
        CREATE INDEX ix_b ON t (b);
        CREATE INDEX ix_c ON t (c);
        CREATE TABLE other (x INT);
        CREATE INDEX ix_x ON other (x);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
            INSERT INTO t (a, b, c) SELECT 'a' || i, i % 5, i % 7 FROM n;
        INSERT INTO other SELECT b FROM t;
        CREATE TABLE u (a TEXT UNIQUE, b TEXT, PRIMARY KEY (b, a));
        INSERT INTO u SELECT a, b FROM t;
        ANALYZE;
    ");
    let stats = |conn: &Connection| {
        rows(
            conn,
            "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx",
        )
    };
    let before = stats(&conn);
    assert_eq!(before.len(), 6, "{before:?}");
    apply(&mut conn, |op| {
        rebuilding(op, "t", "b", AlterColumn::new().nullable(false))
    })
    .unwrap();
    assert_eq!(stats(&conn), before);
    // u's rebuilt CREATE TABLE writes the PRIMARY KEY before the UNIQUE, so SQLite numbers
    // their automatic indexes the other way round; each row follows its key.
    let u_before = statistics_by_key(&conn);
    apply(&mut conn, |op| {
        op.alter_column("u", "b", AlterColumn::new().nullable(false))
    })
    .unwrap();
    assert_eq!(statistics_by_key(&conn), u_before);
    assert_ne!(
        stats(&conn),
        before,
        "the automatic indexes were numbered anew"
    );
    apply(&mut conn, |op| {
        op.batch_alter_table("t", |b| {
            b.drop_index("ix_c");
            b.alter_column("c", AlterColumn::new().nullable(false));
        })
    })
    .unwrap();
    let of_t = |rows: Vec<String>| -> Vec<String> {
        rows.into_iter()
            .filter(|r| r.starts_with("Text(\"t\")"))
            .collect()
    };
    let without_ix_c: Vec<String> = of_t(before)
        .into_iter()
        .filter(|r| !r.contains("ix_c"))
        .collect();
    assert_eq!(
        of_t(stats(&conn)),
        without_ix_c,
        "the dropped index's statistics go with it"
    );
}

#[test]
fn dropping_a_column_an_instead_of_trigger_uses_is_refused_by_name() {
    let mut conn = db(INSTEAD_OF);
    conn.execute_batch("DROP VIEW v; CREATE VIEW v AS SELECT id, a FROM t;
        CREATE TRIGGER tr INSTEAD OF INSERT ON v BEGIN INSERT INTO t (a) VALUES (new.a); END;
        CREATE TRIGGER tr3 INSTEAD OF UPDATE ON v BEGIN UPDATE t SET b = 2 WHERE t.id = old.id; END")
        .unwrap();
    let before = crate::common::dump(&conn);
    let err = apply(&mut conn, |op| op.drop_column("t", "b")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "trigger 'tr3' uses column 'b' of 't', which this change removes; drop or re-create the \
         trigger in the migration first\nThe database was left unchanged."
    );
    assert_eq!(crate::common::dump(&conn), before);
}

#[test]
fn a_failed_rebuild_inside_a_migration_leaves_the_transaction_as_before_it() {
    let mut conn = db(INSTEAD_OF);
    let before = crate::common::dump(&conn);
    apply(&mut conn, |op| {
        op.execute("INSERT INTO t (a, b) VALUES (NULL, 3)")?;
        let failed = op.alter_column("t", "a", AlterColumn::new().nullable(false));
        assert!(failed.is_err(), "a NULL is there");
        // The migration goes on, as it may: nothing of the failed rebuild is left behind.
        op.execute("DELETE FROM t WHERE a IS NULL")
    })
    .unwrap();
    assert_eq!(crate::common::dump(&conn), before);
    assert_eq!(
        rows(&conn, "PRAGMA legacy_alter_table"),
        ["Integer(0)"],
        "the legacy rename mode is off again"
    );
}

#[test]
fn a_recording_knows_the_views_and_triggers_raw_sql_made_and_keeps_them_through_a_rebuild() {
    let mut op = Op::record(alembic_runtime::schema::Schema::default());
    op.execute(INSTEAD_OF).unwrap();
    op.execute(
        "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END",
    )
    .unwrap();
    op.alter_column("t", "a", AlterColumn::new().nullable(false))
        .unwrap();
    let script = op.recorded().join(";\n");
    let replayed = Connection::open_in_memory().unwrap();
    replayed.execute_batch(&script).unwrap();
    let mut executed = db(INSTEAD_OF);
    apply(&mut executed, |op| {
        op.execute(
            "CREATE TRIGGER t_audit AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END",
        )?;
        op.alter_column("t", "a", AlterColumn::new().nullable(false))
    })
    .unwrap();
    assert_eq!(dependents(&replayed), dependents(&executed));
    assert_eq!(
        rows(
            &replayed,
            "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1"
        ),
        ["Text(\"t_audit\")", "Text(\"tr\")", "Text(\"tr2\")"]
    );
}

#[test]
fn a_recording_keeps_what_raw_sql_made_around_a_statement_it_cannot_replay() {
    let mut op = Op::record(alembic_runtime::schema::Schema::default());
    // The INSERT needs a table the recording does not know; the CREATEs still count.
    op.execute(
        "CREATE TABLE a (x TEXT); INSERT INTO elsewhere VALUES (1); CREATE TABLE b (y TEXT)",
    )
    .unwrap();
    let names: Vec<&str> = op
        .recorded_schema()
        .unwrap()
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b"]);
}

/// NOT NULL and CHECK changes SQLite 3.53+ makes in place leave what the rebuild leaves:
/// each is applied both ways to copies of one database and the two compared.
#[test]
fn in_place_constraint_changes_leave_what_a_rebuild_leaves() {
    const DDL: &str = "
        CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT NOT NULL ON CONFLICT IGNORE,
                        c INT, CONSTRAINT ck_c CHECK (c >= 0));
        CREATE INDEX ix_t_a ON t (a);
        INSERT INTO t (a, b, c) VALUES ('x', 1, 1), ('y', 2, 5);
        CREATE VIEW v AS SELECT id, a, b FROM t;
        CREATE TRIGGER tr AFTER UPDATE OF a ON t BEGIN SELECT 1; END;";
    type Change = fn(&mut alembic_runtime::Batch);
    let changes: [(&str, Change); 5] = [
        ("set not null", |b| {
            b.alter_column("a", AlterColumn::new().nullable(false));
        }),
        ("drop not null", |b| {
            b.alter_column("b", AlterColumn::new().nullable(true));
        }),
        ("add named check", |b| {
            b.create_check_constraint("ck_b", "b < 10");
        }),
        ("add unnamed check", |b| {
            b.create_check_constraint(None, "length(a) = 1");
        }),
        ("drop check", |b| {
            b.drop_constraint("ck_c");
        }),
    ];
    let root =
        |conn: &Connection| rows(conn, "SELECT rootpage FROM sqlite_master WHERE name = 't'");
    for (name, change) in changes {
        let mut in_place = db(DDL);
        let before = root(&in_place);
        apply(&mut in_place, |op| op.batch_alter_table("t", change)).unwrap();
        let mut rebuilt = db(DDL);
        apply(&mut rebuilt, |op| {
            op.batch_alter_table("t", |b| {
                b.recreate_always();
                change(b);
            })
        })
        .unwrap();
        assert_eq!(state(&in_place), state(&rebuilt), "{name}");
        if alembic_runtime::rusqlite::version_number() >= 3_053_000 {
            assert_eq!(
                root(&in_place),
                before,
                "{name}: changed in place, not copied"
            );
            assert_ne!(root(&rebuilt), before, "{name}: rebuilt");
        }
    }

    // A row that fails the new constraint: SQLite's own words either way (the rebuild's
    // names the temporary table it copies into).
    for recreate in [false, true] {
        let mut conn =
            db("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t (a) VALUES (NULL)");
        let err = apply(&mut conn, |op| {
            op.batch_alter_table("t", |b| {
                if recreate {
                    b.recreate_always();
                }
                b.alter_column("a", AlterColumn::new().nullable(false));
            })
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("NOT NULL constraint failed: ") && err.contains("t.a\n"),
            "recreate {recreate}: {err}"
        );
    }
}
