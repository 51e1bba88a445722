//! Backends: turn a checked [`crate::ir::Program`] into source code. One backend so far: [`rust`].

pub mod rust;
