//! Misuse of the derives fails to compile with a precise, spanned message (reviewed `.stderr` files).
//!
//! The expected output is rustc's rendering and may change with the toolchain; regenerate with
//! `TRYBUILD=overwrite cargo test -p idlc-macros --test ui` and review the diff.

#[test]
fn misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
