//! uptimo: a small uptime monitor on SQLite or PostgreSQL, the cargo-alembic example
//! application.
//!
//! ```text
//! uptimo add-user <email>
//! uptimo add-monitor <name> <url> [--owner <email>] [--interval <seconds>]
//! uptimo add-kafka-monitor <name> <bootstrap servers> <topic>
//! uptimo check        probe every active monitor, record the results, open and close incidents
//! uptimo report       uptime and open incidents per monitor
//! uptimo db …         Alembic's database commands: upgrade, downgrade, current, stamp
//! ```
//!
//! The database is `$DATABASE_URL`, a SQLite file or a `postgres://` URL, else
//! `instance/uptimo.db` (created, with its folder, if missing). Every command but `db` first
//! upgrades it to head (a no-op when it is there), copying a SQLite file to `backups/`
//! beside it when migrations are about to run, and checks that it matches the models.

mod models;
mod probe;
mod store;

use std::error::Error;
use std::process::ExitCode;

use alembic_runtime::cli::Opened;
use alembic_runtime::schema::sql::Dialect;
use alembic_runtime::UpgradeOptions;

use store::Store;

alembic_runtime::embed_migrations!();

const DEFAULT_DATABASE: &str = "instance/uptimo.db";

fn database() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE.to_owned())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("db") {
        // `uptimo db upgrade head` is `cargo alembic upgrade head`, built into the binary.
        let mut db_args = vec!["uptimo db".to_owned()];
        if !args.iter().any(|a| a == "--database") {
            db_args.extend(["--database".to_owned(), database()]);
        }
        db_args.extend(args[1..].iter().cloned());
        return alembic_runtime::cli::run(&MIGRATIONS, db_args);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the database, brings it to head and checks it against the models.
fn open() -> Result<Store, Box<dyn Error>> {
    let mut db = alembic_runtime::cli::connect(&database())?;
    let dialect = match &db {
        Opened::Sqlite(conn) => {
            conn.execute_batch("PRAGMA foreign_keys = ON")?;
            Dialect::Sqlite
        }
        Opened::Postgres(_) => Dialect::Postgres,
    };
    // On SQLite, a copy beside the database, named after the revision it was at, taken
    // only when migrations are about to run on a database holding data. (A PostgreSQL
    // server is backed up with its own tools.)
    let options = match dialect {
        Dialect::Sqlite => UpgradeOptions::default().backup_to("backups/uptimo-{revision}.db"),
        Dialect::Postgres => UpgradeOptions::default(),
    };
    if let Some(backup) = MIGRATIONS.upgrade_with(&mut db, "head", &options)?.backup {
        eprintln!("backed up the database to {}", backup.display());
    }
    MIGRATIONS.verify_models(&mut db, &models::all(dialect))?;
    Ok(Store(db))
}

fn usage() -> Box<dyn Error> {
    "usage: uptimo add-user <email> | add-monitor <name> <url> [--owner <email>] [--interval <s>] | \
     add-kafka-monitor <name> <bootstrap> <topic> | check | report | db <command>"
        .into()
}

fn run(args: &[String]) -> Result<(), Box<dyn Error>> {
    let arg = |i: usize| args.get(i).map(String::as_str).ok_or_else(usage);
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    match arg(0)? {
        "add-user" => {
            open()?.execute(r#"INSERT INTO "user" (email) VALUES ($1)"#, &[&arg(1)?])?;
            println!("added user {}", arg(1)?);
        }
        "add-monitor" => {
            let mut db = open()?;
            let owner: Option<i64> = match option("--owner") {
                Some(email) => Some(
                    db.first(r#"SELECT id FROM "user" WHERE email = $1"#, &[&email])?
                        .ok_or_else(|| {
                            format!("no user {email}; add it with `uptimo add-user {email}`")
                        })?,
                ),
                None => None,
            };
            let interval: i64 = option("--interval").unwrap_or("60").parse()?;
            db.execute(
                "INSERT INTO monitor (name, url, owner_id, interval_secs) VALUES ($1, $2, $3, $4)",
                &[&arg(1)?, &arg(2)?, &owner, &interval],
            )?;
            println!("added monitor {} ({})", arg(1)?, arg(2)?);
        }
        "add-kafka-monitor" => {
            open()?.execute(
                "INSERT INTO monitor (name, url, kind, kafka_bootstrap, kafka_topic) \
                 VALUES ($1, $2, 'kafka', $2, $3)",
                &[&arg(1)?, &arg(2)?, &arg(3)?],
            )?;
            println!("added kafka monitor {} ({} {})", arg(1)?, arg(2)?, arg(3)?);
        }
        "check" => check(&mut open()?)?,
        "report" => report(&mut open()?)?,
        _ => return Err(usage()),
    }
    Ok(())
}

/// Probes every active monitor, records the result, and opens an incident when a monitor
/// goes down (closing it when it comes back).
fn check(db: &mut Store) -> Result<(), Box<dyn Error>> {
    let monitors = db.query(
        "SELECT id, name, url, kind, kafka_bootstrap FROM monitor WHERE status = 'active' ORDER BY id",
        &[],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                r.get::<Option<String>>(4)?,
            ))
        },
    )?;
    for (id, name, url, kind, bootstrap) in monitors {
        let outcome = match (kind.as_str(), bootstrap) {
            ("kafka", Some(servers)) => probe::kafka(&servers),
            _ => probe::http(&url),
        };
        db.execute(
            "INSERT INTO check_result (monitor_id, status, latency_ms, detail) VALUES ($1, $2, $3, $4)",
            &[&id, &outcome.status, &outcome.latency_ms, &outcome.detail],
        )?;
        let open_incident: Option<i64> = db.first(
            "SELECT id FROM incident WHERE monitor_id = $1 AND closed_at IS NULL",
            &[&id],
        )?;
        match (outcome.status, open_incident) {
            ("down", None) => {
                db.execute(
                    "INSERT INTO incident (monitor_id, cause) VALUES ($1, $2)",
                    &[&id, &outcome.detail],
                )?;
            }
            ("up", Some(incident)) => {
                db.execute(
                    "UPDATE incident SET closed_at = CURRENT_TIMESTAMP WHERE id = $1",
                    &[&incident],
                )?;
            }
            _ => {}
        }
        let latency = outcome
            .latency_ms
            .map_or_else(String::new, |ms| format!(" {ms} ms"));
        println!(
            "{:<4} {name} {url}{latency} {}",
            outcome.status.to_uppercase(),
            outcome.detail
        );
    }
    Ok(())
}

/// Uptime and open incidents per monitor.
fn report(db: &mut Store) -> Result<(), Box<dyn Error>> {
    let rows = db.query(
        "SELECT m.name, m.url, count(r.id), \
                coalesce(sum(CASE WHEN r.status = 'up' THEN 1 ELSE 0 END), 0), \
                (SELECT count(*) FROM incident i WHERE i.monitor_id = m.id AND i.closed_at IS NULL) \
         FROM monitor m LEFT JOIN check_result r ON r.monitor_id = m.id \
         GROUP BY m.id ORDER BY m.id",
        &[],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                r.get::<i64>(2)?,
                r.get::<i64>(3)?,
                r.get::<i64>(4)?,
            ))
        },
    )?;
    for (name, url, checks, up, open) in rows {
        let uptime = if checks == 0 {
            "no checks yet".to_owned()
        } else {
            format!(
                "{:.1}% up over {checks} check(s)",
                100.0 * up as f64 / checks as f64
            )
        };
        let incidents = if open > 0 { ", incident open" } else { "" };
        println!("{name} {url}: {uptime}{incidents}");
    }
    Ok(())
}

/// The migrations' own tests, with alembic-runtime's test kit.
#[cfg(test)]
mod migration_tests {
    use alembic_runtime::testing;

    use super::{models, Dialect, MIGRATIONS};

    #[test]
    fn the_history_has_one_head() {
        testing::single_head(&MIGRATIONS).unwrap();
    }

    #[test]
    fn every_downgrade_restores_the_schema_before_its_upgrade() {
        assert_eq!(testing::stairway(&MIGRATIONS).unwrap(), 5);
    }

    #[test]
    fn head_is_what_the_models_declare() {
        testing::models_match(&MIGRATIONS, &models::all(Dialect::Sqlite)).unwrap();
    }

    #[test]
    fn monitors_of_the_first_release_survive_every_later_migration() {
        testing::upgrade_keeps_data(
            &MIGRATIONS,
            "d3813c93def0",
            "INSERT INTO user (email) VALUES ('ops@example.com');
             INSERT INTO monitor (name, url, owner_id) VALUES ('home', 'https://example.com', 1),
                 ('api', 'https://api.example.com', NULL)",
            "SELECT name, url, owner_id FROM monitor ORDER BY name",
        )
        .unwrap();
    }
}
