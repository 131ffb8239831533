use alembic_derive::Model;

#[derive(Model)]
#[alembic(name = "monitor")]
struct Monitor {
    #[alembic(primary_key)]
    id: i64,
}

fn main() {}
