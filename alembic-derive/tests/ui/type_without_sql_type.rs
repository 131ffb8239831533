use alembic_derive::Model;

#[derive(Model)]
struct Event {
    #[alembic(primary_key)]
    id: i64,
    at: std::time::Instant,
}

fn main() {}
