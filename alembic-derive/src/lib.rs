//! `#[derive(Model)]` for cargo-alembic. Not built yet: it arrives with the models and
//! autogenerate issue.
