fn main() {
    alembic_build::compile();
}
