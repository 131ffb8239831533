use alembic_derive::Model;

#[derive(Model)]
struct Monitor {
    #[alembic(primary_key)]
    id: i64,
    #[alembic(default = 60)]
    interval_secs: i64,
}

fn main() {}
