use alembic_derive::Model;

#[derive(Model)]
struct Monitor {
    #[alembic(primary)]
    id: i64,
}

fn main() {}
