//! The `idlc` command line.
fn main() {}
