//! Placeholder until the front-end bench lands.
fn main() {}
