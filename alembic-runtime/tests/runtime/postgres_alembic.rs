//! A PostgreSQL database handed over between Python Alembic 1.20.1 (with psycopg 3) and the
//! runtime, in both directions, on the real server: the same three revisions written once
//! for each tool, each picking up where the other stopped.
//!
//! Needs `python3` with `alembic` and `psycopg` importable (.ci/run installs them).

use std::path::Path;
use std::process::Command;

use crate::common::migrations;
use crate::db::{Db, Postgres};

const IDS: [&str; 3] = ["0000aaaabbbb", "0001aaaabbbb", "0002aaaabbbb"];

/// A Python Alembic project whose revision `i` does what the runtime's test migration `i`
/// does (`common::migrations`): create `t<i>` and log itself in `runs`.
fn python_project(dir: &Path, url: &str) {
    std::fs::create_dir_all(dir.join("env/versions")).unwrap();
    std::fs::write(
        dir.join("alembic.ini"),
        format!("[alembic]\nscript_location = env\nsqlalchemy.url = {url}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("env/env.py"),
        "from alembic import context\n\
         from sqlalchemy import engine_from_config, pool\n\
         config = context.config\n\
         engine = engine_from_config(config.get_section(config.config_ini_section), \
         prefix='sqlalchemy.', poolclass=pool.NullPool)\n\
         with engine.connect() as connection:\n    \
             context.configure(connection=connection, target_metadata=None)\n    \
             with context.begin_transaction():\n        \
                 context.run_migrations()\n",
    )
    .unwrap();
    for (i, id) in IDS.iter().enumerate() {
        let down = match i {
            0 => "None".to_owned(),
            _ => format!("{:?}", IDS[i - 1]),
        };
        std::fs::write(
            dir.join(format!("env/versions/{id}_t{i}.py")),
            format!(
                "from alembic import op\n\
                 revision = {id:?}\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\
                 def upgrade():\n    \
                     op.execute('CREATE TABLE t{i} (id INTEGER PRIMARY KEY)')\n    \
                     op.execute('CREATE TABLE IF NOT EXISTS runs (migration INTEGER, direction TEXT)')\n    \
                     op.execute(\"INSERT INTO runs VALUES ({i}, 'up')\")\n\
                 def downgrade():\n    \
                     op.execute('DROP TABLE t{i}')\n    \
                     op.execute(\"INSERT INTO runs VALUES ({i}, 'down')\")\n"
            ),
        )
        .unwrap();
    }
}

fn alembic(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("python3")
        .args(["-m", "alembic"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}; install Python 3 with alembic and psycopg"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "alembic {args:?} failed (pip install alembic==1.20.1 \"psycopg[binary]\"):\n{text}"
    );
    text
}

#[test]
fn python_alembic_and_the_runtime_take_a_database_over_from_each_other() {
    let Some(mut db) = Postgres::new() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db
        .database
        .url()
        .replacen("postgres://", "postgresql+psycopg://", 1);
    python_project(dir.path(), &url);
    let m = migrations(&[
        (IDS[0], &[], &[], &[]),
        (IDS[1], &[IDS[0]], &[], &[]),
        (IDS[2], &[IDS[1]], &[], &[]),
    ]);

    // Python Alembic made the database and its version table; the runtime goes on.
    alembic(dir.path(), &["upgrade", IDS[1]]);
    let python_table = db.rows(
        "SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull \
         || ' ' || (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ',') \
         FROM pg_constraint WHERE conrelid = 'alembic_version'::regclass) \
         FROM pg_attribute a WHERE a.attrelid = 'alembic_version'::regclass AND a.attnum > 0",
    );
    assert_eq!(m.current(&mut db.client).unwrap(), [IDS[1]]);
    assert_eq!(m.upgrade(&mut db.client, "head").unwrap(), [IDS[2]]);
    assert_eq!(
        db.rows("SELECT migration || ' ' || direction FROM runs ORDER BY 1"),
        ["0 up", "1 up", "2 up"]
    );

    // The runtime's rows are what Python Alembic reads; it downgrades what the runtime ran.
    assert!(alembic(dir.path(), &["current"]).contains(&format!("{} (head)", IDS[2])));
    alembic(dir.path(), &["downgrade", "-1"]);
    assert_eq!(m.current(&mut db.client).unwrap(), [IDS[1]]);
    assert_eq!(db.tables(), ["alembic_version", "t0", "t1"]);

    // A database the runtime made from nothing is one Python Alembic takes over.
    db.reset();
    assert_eq!(m.upgrade(&mut db.client, IDS[0]).unwrap(), [IDS[0]]);
    let runtime_table = db.rows(
        "SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull \
         || ' ' || (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ',') \
         FROM pg_constraint WHERE conrelid = 'alembic_version'::regclass) \
         FROM pg_attribute a WHERE a.attrelid = 'alembic_version'::regclass AND a.attnum > 0",
    );
    assert_eq!(
        runtime_table, python_table,
        "the version table is the same DDL"
    );
    alembic(dir.path(), &["upgrade", "head"]);
    assert_eq!(db.version_rows().unwrap(), [IDS[2]]);
    assert_eq!(
        m.downgrade(&mut db.client, "base").unwrap(),
        [IDS[2], IDS[1], IDS[0]]
    );
    assert!(alembic(dir.path(), &["current"])
        .lines()
        .all(|l| !l.contains("aaaabbbb")));
}
