//! Misuse of the derives fails to compile with a precise, spanned message (reviewed `.stderr` files).
//!
//! The expected output is rustc 1.95.0's rendering and may change with the toolchain; regenerate with
//! `TRYBUILD=overwrite cargo test -p idlc-macros --test ui` and review the diff. The IDL cases name their
//! files with `relative_to = "file"`: trybuild compiles each case in a crate of its own under the target
//! directory, so `CARGO_MANIFEST_DIR` is not this crate there, but the case's source file still is where it
//! is.

#[test]
fn misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
