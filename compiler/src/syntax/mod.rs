//! Syntax: the grammar, the tree it produces, and the parser between them.

pub mod ast;
pub mod parser;
