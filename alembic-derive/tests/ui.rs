//! Compile-fail tests: each misuse of `#[derive(Model)]` is one compile error pointing at the
//! attribute, field or item at fault, with the fix in its text (the `.stderr` files).

#[test]
fn derive_misuse_is_a_compile_error_at_the_fault() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
