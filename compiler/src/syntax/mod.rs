//! Syntax: one file's text to its tree ([`ast`]), or to syntax diagnostics.
//!
//! Takes a file's id and text; [`parser::parse_file`] returns the tree when the text is
//! grammatical, and every diagnostic found. pest recognises the grammar (`thrift.pest`); the rest
//! of the parser's work is three jobs, a module each: `errors` turns pest's failure into prose a
//! user can read, `lower` turns pest's pairs into the tree, and `docs` finds the doc comments
//! lowering attaches to it.

pub mod ast;
mod docs;
mod errors;
mod grammar;
mod lower;
pub mod parser;
