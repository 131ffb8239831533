use alembic_derive::Model;

#[derive(Model)]
struct Incident {
    #[alembic(primary_key)]
    id: i64,
    #[alembic(references = "monitor")]
    monitor_id: i64,
}

fn main() {}
