//! Derive macros for idlc.
//!
//! This crate will carry `#[derive(RpcService)]` and the code-first derives once the Rust backend exists; it
//! is part of the workspace now so that the layout users depend on is fixed from the start.
