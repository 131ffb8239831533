use alembic_derive::Model;

#[derive(Model)]
struct Pair(i64, String);

fn main() {}
