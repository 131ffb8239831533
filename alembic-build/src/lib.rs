//! The `build.rs` helper of cargo-alembic. Not built yet: it arrives with the build-helper
//! issue (compile the versions directory into a static migration list).
