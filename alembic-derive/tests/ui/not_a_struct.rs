use alembic_derive::Model;

#[derive(Model)]
enum Status {
    Up,
    Down,
}

fn main() {}
