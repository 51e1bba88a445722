//! Placeholder until the protocol benches land.
fn main() {}
