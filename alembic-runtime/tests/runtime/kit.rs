//! The migration test kit (`alembic_runtime::testing`): each check passes on sound
//! migrations, over random branched graphs too, and catches what it is for.
#![cfg(feature = "testing")]

use alembic_core::revision::graph::RevisionHeader;
use alembic_core::test_support::graphs;
use alembic_runtime::prelude::*;
use alembic_runtime::testing::{self, Failure};
use alembic_runtime::{Migration, MigrationFn, Migrations};
use proptest::prelude::*;

/// Migration `I` creates table `t<I>` with an index and a view; its downgrade undoes all.
fn up<const I: usize>(op: &mut Op) -> Result<()> {
    op.create_table(
        Table::new(format!("t{I}"))
            .column(Column::new("id", Type::Integer))
            .column(Column::new("name", Type::Text).nullable())
            .primary_key(&["id"])
            .index(Index::new(&format!("ix_t{I}_name"), &["name"])),
    )?;
    op.execute(&format!("CREATE VIEW v{I} AS SELECT name FROM t{I}"))
}
fn down<const I: usize>(op: &mut Op) -> Result<()> {
    op.execute(&format!("DROP VIEW v{I}"))?;
    op.drop_table(&format!("t{I}"))
}
/// A downgrade that leaves a view behind: it replaces it instead of dropping it.
fn sloppy_down<const I: usize>(op: &mut Op) -> Result<()> {
    op.execute(&format!(
        "DROP VIEW v{I}; CREATE VIEW v{I} AS SELECT 1 AS name"
    ))?;
    op.drop_table(&format!("t{I}"))
}

macro_rules! fns {
    ($f:ident: $($i:literal)*) => { [$($f::<$i>),*] };
}
const UPS: [MigrationFn; 12] = fns!(up: 0 1 2 3 4 5 6 7 8 9 10 11);
const DOWNS: [MigrationFn; 12] = fns!(down: 0 1 2 3 4 5 6 7 8 9 10 11);
const SLOPPY: [MigrationFn; 12] = fns!(sloppy_down: 0 1 2 3 4 5 6 7 8 9 10 11);

fn leak(items: &[String]) -> &'static [&'static str] {
    Box::leak(
        items
            .iter()
            .map(|s| &*Box::leak(s.clone().into_boxed_str()))
            .collect(),
    )
}

/// The headers as migrations; `sloppy` names a revision whose downgrade is broken.
fn migrations(headers: &[RevisionHeader], sloppy: Option<&str>) -> &'static Migrations {
    let list: Vec<Migration> = headers
        .iter()
        .map(|h| {
            let i: usize = h.revision[1..4].parse().unwrap();
            Migration {
                revision: leak(std::slice::from_ref(&h.revision))[0],
                down_revisions: leak(&h.down_revisions),
                branch_labels: leak(&h.branch_labels),
                depends_on: leak(&h.depends_on),
                message: "kit",
                upgrade: UPS[i],
                downgrade: if sloppy == Some(&h.revision) {
                    SLOPPY[i]
                } else {
                    DOWNS[i]
                },
                checksum: i as u64 + 1,
                transaction: true,
            }
        })
        .collect();
    Box::leak(Box::new(Migrations::new(Box::leak(
        list.into_boxed_slice(),
    ))))
}

fn chain(n: usize) -> Vec<RevisionHeader> {
    (0..n)
        .map(|i| RevisionHeader {
            revision: format!("r{i:03}abcdef"),
            down_revisions: if i == 0 {
                Vec::new()
            } else {
                vec![format!("r{:03}abcdef", i - 1)]
            },
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Sound migrations pass the stairway over any graph, every revision walked; a broken
    /// downgrade anywhere in it is caught at that revision.
    #[test]
    fn the_stairway_walks_every_branch_and_catches_a_broken_downgrade(
        headers in graphs(12),
        pick in any::<prop::sample::Index>(),
    ) {
        prop_assert_eq!(testing::stairway(migrations(&headers, None)).unwrap(), headers.len());
        let broken = &headers[pick.index(headers.len())].revision;
        match testing::stairway(migrations(&headers, Some(broken))) {
            Err(Failure::Stairway(f)) => {
                prop_assert_eq!(f.revision, broken.as_str());
                prop_assert!(f.step.starts_with("downgrade"), "{}", f);
            }
            other => prop_assert!(false, "{other:?}"),
        }
    }
}

#[test]
fn a_stairway_failure_says_what_the_downgrade_left_behind() {
    let failure = testing::stairway(migrations(&chain(3), Some("r001abcdef"))).unwrap_err();
    insta::assert_snapshot!(failure.to_string(), @r"
    stairway: revision r001abcdef failed at downgrade (it does not restore the schema before the upgrade)
      'v1' is: CREATE VIEW v1 AS SELECT 1 AS name
    ");
}

#[test]
fn single_head_names_the_heads() {
    assert!(testing::single_head(migrations(&chain(3), None)).is_ok());
    let mut forked = chain(3);
    forked[2].down_revisions = vec!["r000abcdef".into()];
    let failure = testing::single_head(migrations(&forked, None)).unwrap_err();
    assert_eq!(
        failure.to_string(),
        "the migrations have 2 heads (r001abcdef, r002abcdef); merge them with `cargo alembic \
         merge heads`"
    );
}

#[test]
fn data_seeded_at_a_revision_must_survive_to_head() {
    let m = migrations(&chain(3), None);
    testing::upgrade_keeps_data(
        m,
        "r000abcdef",
        "INSERT INTO t0 (id, name) VALUES (1, 'a'), (2, NULL)",
        "SELECT id, name FROM t0 ORDER BY id",
    )
    .unwrap();
    // A later migration that deletes rows loses them.
    fn purge(op: &mut Op) -> Result<()> {
        op.execute("DELETE FROM t0 WHERE name IS NULL")
    }
    static PURGING: [Migration; 2] = [
        Migration {
            revision: "r000abcdef",
            down_revisions: &[],
            branch_labels: &[],
            depends_on: &[],
            message: "t0",
            upgrade: up::<0>,
            downgrade: down::<0>,
            checksum: 1,
            transaction: true,
        },
        Migration {
            revision: "r001abcdef",
            down_revisions: &["r000abcdef"],
            branch_labels: &[],
            depends_on: &[],
            message: "purge",
            upgrade: purge,
            downgrade: purge,
            checksum: 2,
            transaction: true,
        },
    ];
    static M: Migrations = Migrations::new(&PURGING);
    let failure = testing::upgrade_keeps_data(
        &M,
        "r000abcdef",
        "INSERT INTO t0 (id, name) VALUES (1, 'a'), (2, NULL)",
        "SELECT id, name FROM t0 ORDER BY id",
    )
    .unwrap_err();
    assert!(
        matches!(&failure, Failure::DataLost { before, after, .. } if before.len() == 2 && after.len() == 1),
        "{failure}"
    );
}

#[test]
fn models_match_compares_head_with_the_models() {
    let m = migrations(&chain(1), None);
    let t0 = Table::new("t0")
        .column(Column::new("id", Type::Integer))
        .column(Column::new("name", Type::Text).nullable())
        .primary_key(&["id"])
        .index(Index::new("ix_t0_name", &["name"]));
    testing::models_match(m, std::slice::from_ref(&t0)).unwrap();
    let failure =
        testing::models_match(m, &[t0.column(Column::new("extra", Type::Text))]).unwrap_err();
    assert_eq!(
        failure.to_string(),
        "head's schema differs from the models; generate a migration with `cargo alembic \
         revision --autogenerate`:\n  Detected added column 't0.extra'"
    );
}
