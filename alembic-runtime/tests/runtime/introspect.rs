//! Introspection round trip over a corpus of DDL covering SQLite's grammar: create,
//! introspect, render, create again, introspect — the two schemas are equal. Each schema
//! is also checked against what SQLite's PRAGMAs report.

use alembic_runtime::introspect;
use alembic_runtime::rusqlite::{self, Connection};
use alembic_runtime::schema::{Index, Schema};

/// Each case is a script; the objects it creates form the schema under test.
const CORPUS: &[&str] = &[
    "CREATE TABLE t (a, b, c)",
    "CREATE TABLE t (a INTEGER, b VARCHAR(20), c DECIMAL(10, 2), d DOUBLE PRECISION, e UNSIGNED BIG INT, f BLOB, g)",
    "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)",
    r#"CREATE TABLE "my ""table""" ("col one" TEXT, [col two] INT, `col three` REAL)"#,
    r#"CREATE TABLE "order" ("group" TEXT, "select" INT, "from" INT)"#,
    "CREATE TABLE t (a TEXT DEFAULT 'x', b INT DEFAULT -1, c REAL DEFAULT +1.5, d TEXT DEFAULT CURRENT_TIMESTAMP, \
     e TEXT DEFAULT (datetime('now')), f INT DEFAULT (1 + 2), g BLOB DEFAULT X'00FF', h TEXT DEFAULT NULL, \
     i BOOLEAN DEFAULT TRUE, j TEXT DEFAULT 'it''s')",
    "CREATE TABLE t (qty INT CHECK (qty > 0), price REAL CONSTRAINT ck_price CHECK (price >= 0))",
    "CREATE TABLE t (a INT, b INT, CHECK (a < b), CONSTRAINT ck_sum CHECK ((a + b) <> 10))",
    "CREATE TABLE t (a TEXT UNIQUE, b TEXT, c TEXT, UNIQUE (b, c), CONSTRAINT uq_c UNIQUE (c))",
    "CREATE TABLE t (a INT, b TEXT, c, PRIMARY KEY (a, b))",
    "CREATE TABLE t (a INT, b INT, CONSTRAINT pk_t PRIMARY KEY (a DESC, b) ON CONFLICT REPLACE)",
    "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, data ANY) STRICT",
    "CREATE TABLE t (k TEXT PRIMARY KEY, n INT) STRICT, WITHOUT ROWID",
    "CREATE TABLE t (a TEXT COLLATE NOCASE, b TEXT COLLATE RTRIM NOT NULL, UNIQUE (a COLLATE BINARY))",
    "CREATE TABLE t (a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL, c TEXT AS (upper(a)) STORED)",
    "CREATE TABLE p (id INTEGER PRIMARY KEY);
     CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id) ON DELETE CASCADE)",
    "CREATE TABLE p (id INTEGER PRIMARY KEY);
     CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT,
       CONSTRAINT fk_c_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL ON UPDATE CASCADE)",
    "CREATE TABLE pp (a INT, b INT, PRIMARY KEY (a, b));
     CREATE TABLE c (x INT, y INT, FOREIGN KEY (x, y) REFERENCES pp (a, b) ON DELETE RESTRICT ON UPDATE NO ACTION)",
    "CREATE TABLE p (id INTEGER PRIMARY KEY);
     CREATE TABLE c (p_id INT REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED, q_id INT REFERENCES p NOT DEFERRABLE)",
    "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p_id INT REFERENCES p MATCH SIMPLE)",
    "CREATE TABLE node (id INTEGER PRIMARY KEY, parent_id INT REFERENCES node (id) ON DELETE SET NULL)",
    "CREATE TABLE t (a TEXT NULL, b TEXT NOT NULL ON CONFLICT IGNORE)",
    "CREATE TABLE IF NOT EXISTS main.t (a INT)",
    "create   table t(a integer primary key,b text not null default 'x')",
    "CREATE TABLE t (a INT UNIQUE ON CONFLICT REPLACE, b INT, UNIQUE (b) ON CONFLICT IGNORE)",
    "CREATE TABLE t (email TEXT NOT NULL CONSTRAINT uq_email UNIQUE COLLATE NOCASE CHECK (email LIKE '%@%') DEFAULT '')",
    "CREATE TABLE t (a NUMERIC(10,-2), b VARCHAR ( 255 ), c VARYING CHARACTER(255))",
    "CREATE TABLE t (s TEXT CHECK (s IN ('a,b', 'c)d', '(e')))",
    "CREATE TABLE t ( -- a comment, with a comma
       a INT, /* block ) comment */ b TEXT )",
    "CREATE TABLE t (a TEXT, b INT);
     CREATE INDEX ix_a ON t (a);
     CREATE UNIQUE INDEX ux_ab ON t (a COLLATE NOCASE, b DESC);
     CREATE INDEX ix_expr ON t (lower(a));
     CREATE INDEX ix_partial ON t (b) WHERE b IS NOT NULL AND b > 0",
    r#"CREATE TABLE "ünïcode" ("名前" TEXT, "x y" INT); CREATE INDEX "ix ü" ON "ünïcode" ("名前")"#,
    "CREATE TABLE t (a INT);
     CREATE VIEW v AS SELECT a FROM t WHERE a > 0;
     CREATE TRIGGER trg AFTER INSERT ON t BEGIN UPDATE t SET a = a + 1 WHERE rowid = new.rowid; END",
    "CREATE TABLE t (id INTEGER, name TEXT, PRIMARY KEY (id))",
    "CREATE TEMP TABLE IF NOT EXISTS \"t\" (a INT CONSTRAINT nn NOT NULL CONSTRAINT d DEFAULT 3)",
];

fn supports_strict() -> bool {
    rusqlite::version_number() >= 3_037_000
}

fn create(sql: &str) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(sql)
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    conn
}

/// Recreates a schema from its rendering alone.
fn render(schema: &Schema) -> String {
    schema.create_statements().join(";\n")
}

#[test]
fn every_corpus_schema_survives_render_and_reintrospection() {
    assert!(CORPUS.len() >= 30);
    for case in CORPUS {
        if case.contains("STRICT") && !supports_strict() {
            continue;
        }
        // TEMP tables live in the temp schema, which introspection does not read.
        let case = &case.replace("CREATE TEMP TABLE", "CREATE TABLE");
        let first = introspect::schema(&create(case)).unwrap_or_else(|e| panic!("{e}\n{case}"));
        assert!(!first.tables.is_empty(), "{case}");
        let rendered = render(&first);
        let second = introspect::schema(&create(&rendered)).unwrap();
        assert_eq!(first, second, "\n{case}\nrendered as\n{rendered}");
    }
}

#[test]
fn introspection_agrees_with_sqlites_pragmas() {
    for case in CORPUS {
        if case.contains("STRICT") && !supports_strict() {
            continue;
        }
        let case = &case.replace("CREATE TEMP TABLE", "CREATE TABLE");
        let conn = create(case);
        let schema = introspect::schema(&conn).unwrap();
        assert_agrees_with_pragmas(&conn, &schema, case);
    }
}

/// Asserts that every table of `schema` (read from `conn`) has the columns and foreign keys
/// that SQLite's `table_xinfo` and `foreign_key_list` report; `case` labels failures.
pub fn assert_agrees_with_pragmas(conn: &Connection, schema: &Schema, case: &str) {
    for table in &schema.tables {
        for index in &table.indexes {
            assert_index_agrees(conn, index, &format!("index {} of\n{case}", index.name));
        }
        let pragma = format!(
            "PRAGMA table_xinfo({})",
            alembic_core::schema::sql::quote_literal(&table.name)
        );
        let cols: Vec<(String, String, bool, Option<String>, i64, i64)> = conn
            .prepare(&pragma)
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let ours: Vec<(String, String, bool, Option<String>, i64, i64)> = table
            .columns
            .iter()
            .map(|c| {
                let pk_position = table.primary_key.as_ref().and_then(|pk| {
                    pk.columns
                        .iter()
                        .position(|k| k.name.eq_ignore_ascii_case(&c.name))
                });
                let hidden = match &c.generated {
                    None => 0,
                    Some(g) if g.stored => 3,
                    Some(_) => 2,
                };
                (
                    c.name.clone(),
                    c.sql_type.clone(),
                    // A WITHOUT ROWID table's key columns are NOT NULL whatever they declare.
                    c.not_null || (table.without_rowid && pk_position.is_some()),
                    // table_xinfo reports `DEFAULT (expr)` without its parentheses.
                    c.default.as_deref().map(|d| {
                        d.strip_prefix('(')
                            .and_then(|d| d.strip_suffix(')'))
                            .unwrap_or(d)
                            .to_owned()
                    }),
                    pk_position.map_or(0, |p| p as i64 + 1),
                    hidden,
                )
            })
            .collect();
        // SQLite reports the declared type as written and the default as written, so
        // normalise only the spacing that our type parser folds. SQLite before 3.37 also
        // appends "GENERATED ALWAYS" to a generated column's type.
        let squash = |s: &str| {
            let s = s.replace(' ', "").to_ascii_uppercase();
            s.strip_suffix("GENERATEDALWAYS")
                .map_or(s.clone(), str::to_owned)
        };
        let norm = |v: Vec<(String, String, bool, Option<String>, i64, i64)>| {
            v.into_iter()
                .map(|(n, t, nn, d, pk, h)| (n, squash(&t), nn, d, pk, h))
                .collect::<Vec<_>>()
        };
        assert_eq!(norm(ours), norm(cols), "table {} of\n{case}", table.name);

        let pragma = format!(
            "PRAGMA foreign_key_list({})",
            alembic_core::schema::sql::quote_literal(&table.name)
        );
        let fks: Vec<(String, String, Option<String>, String, String)> = conn
            .prepare(&pragma)
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let ours: Vec<(String, String, Option<String>, String, String)> = table
            .foreign_keys
            .iter()
            .flat_map(|fk| {
                fk.columns.iter().enumerate().map(|(i, col)| {
                    (
                        fk.ref_table.clone(),
                        col.clone(),
                        fk.ref_columns.get(i).cloned(),
                        fk.on_update.clone().unwrap_or_else(|| "NO ACTION".into()),
                        fk.on_delete.clone().unwrap_or_else(|| "NO ACTION".into()),
                    )
                })
            })
            .collect();
        let mut fks = fks;
        let mut ours = ours;
        fks.sort();
        ours.sort();
        assert_eq!(ours, fks, "foreign keys of {} in\n{case}", table.name);
    }
}

/// The index as `PRAGMA index_list` and `index_xinfo` report it: unique and partial flags,
/// one key column per term, and for a term that is a plain column its name, collation and
/// direction.
fn assert_index_agrees(conn: &Connection, index: &Index, case: &str) {
    use alembic_core::schema::sql::{ident_value, quote_literal, tokens, Kind};
    let table: String = conn
        .query_row(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = ?1",
            [&index.name],
            |r| r.get(0),
        )
        .unwrap();
    let (unique, partial): (bool, bool) = conn
        .query_row(
            &format!(
                "SELECT \"unique\", partial FROM pragma_index_list({}) WHERE name = ?1",
                quote_literal(&table)
            ),
            [&index.name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (index.unique, index.where_clause.is_some()),
        (unique, partial),
        "{case}"
    );
    let keys: Vec<(Option<String>, bool, String)> = conn
        .prepare(&format!(
            "SELECT name, \"desc\", coll FROM pragma_index_xinfo({}) WHERE key ORDER BY seqno",
            quote_literal(&index.name)
        ))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(keys.len(), index.terms.len(), "{case}");
    for (term, (name, desc, coll)) in index.terms.iter().zip(keys) {
        let toks = tokens(term);
        let words: Vec<String> = toks
            .iter()
            .map(|t| t.text(term).to_ascii_uppercase())
            .collect();
        let descending = words.last().is_some_and(|w| w == "DESC");
        assert_eq!(descending, desc, "direction of {term} in {case}");
        let plain = match words.as_slice() {
            [_] | [_, _] => true,
            [_, c, _] | [_, c, _, _] => c == "COLLATE",
            _ => false,
        } && matches!(toks[0].kind, Kind::Word | Kind::QuotedIdent);
        if plain {
            assert!(
                name.as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&ident_value(&toks[0], term))),
                "column of {term} in {case}: {name:?}"
            );
            if let Some(i) = words.iter().position(|w| w == "COLLATE") {
                assert!(
                    ident_value(&toks[i + 1], term).eq_ignore_ascii_case(&coll),
                    "collation of {term} in {case}: {coll}"
                );
            }
        }
    }
}
