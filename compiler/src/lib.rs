//! idlc: a Thrift IDL compiler.
//!
//! This library is the one front end behind every door (the `idlc` command, build scripts and
//! the derive macro): [`check_files`] reads IDL files and everything they include, parses them,
//! resolves names and checks types and constants, and returns either a resolved
//! [`ir::Program`] or every problem found as [`Diagnostic`]s.
//!
//! Stages run in order, each a module that only uses the ones before it: [`syntax`] parses one
//! file (pest grammar to [`ast`]), [`load`] reads and parses the roots and their includes,
//! [`check`] resolves names and checks types and constants (to [`ir`]), and [`codegen`] turns a
//! checked program into Rust. Each reports every error it finds, and a stage that needs a sound
//! input is skipped after errors; [`generate_files`] runs them all, for every door alike.
//!
//! Every diagnostic carries a stable code; [`diagnostics::CATALOGUE`] lists them with a one-line
//! explanation each. The library never prints and never panics on input; [`Checked::render`]
//! gives the plain-text report.
//!
//! ```
//! let checked = idlc::check_source(
//!     "demo.thrift",
//!     "struct Point { 1: i32 x, 2: i32 y }",
//!     &idlc::CheckOptions::default(),
//! );
//! assert!(!checked.has_errors());
//! let program = checked.program.unwrap();
//! assert_eq!(program.structs[0].fields.len(), 2);
//!
//! let checked = idlc::check_source("bad.thrift", "struct P { 1: Strng name }", &Default::default());
//! assert_eq!(checked.diagnostics[0].code, "E0020");
//! assert!(checked.render().contains("did you mean `string`?"));
//! ```

use std::path::PathBuf;

pub mod builder;
pub mod check;
pub mod codegen;
pub mod diagnostics;
mod driver;
pub mod ir;
pub mod load;
pub mod syntax;

pub use builder::{BuildError, Builder};
pub use diagnostics::{Diagnostic, Label, Severity, SourceMap};
pub use driver::{check_files, check_source, generate_files};
pub use syntax::ast;

/// Settings for checking.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Directories searched for includes after the including file's own directory, in order.
    pub include_dirs: Vec<PathBuf>,
}

/// The result of checking: a program if there were no errors, and every diagnostic.
#[derive(Debug)]
pub struct Checked {
    /// The resolved program; `Some` exactly when no diagnostic is an error.
    pub program: Option<ir::Program>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read, for rendering diagnostics.
    pub sources: SourceMap,
}

impl Checked {
    /// True if any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// All diagnostics rendered as plain text (no colour), with source snippets.
    pub fn render(&self) -> String {
        diagnostics::render_plain(&self.diagnostics, &self.sources)
    }
}

/// Parses one file without resolving anything. The tree's spans use file id 0.
pub fn parse(name: &str, text: &str) -> (Option<ast::File>, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    syntax::parser::parse_file(file, text)
}
