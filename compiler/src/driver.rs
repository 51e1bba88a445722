//! The driver: the stages in order, for every door.
//!
//! The `idlc` command, [`Builder`](crate::Builder) and the derive macro all come through here, so
//! they read, check and generate alike. [`check_files`] and [`check_source`] take root paths (or
//! text) and include directories, load the roots and their includes (read and parse) and, when
//! loading found no error, check them; they return a [`Checked`]. [`generate_files`] takes root
//! paths and backend options and returns the Rust backend's files, or the [`Checked`] whose
//! diagnostics say why there are none. The stages never call each other; only this module puts
//! them in order and stops after one that found errors.

use std::path::PathBuf;

use crate::codegen::rust::{self, GeneratedFile, RustOptions};
use crate::diagnostics::Diagnostic;
use crate::load::{self, Loaded, Roots};
use crate::{CheckOptions, Checked, check};

/// Reads, parses and checks the given files and everything they include.
pub fn check_files(roots: &[PathBuf], options: &CheckOptions) -> Checked {
    check_loaded(load::load(Roots::Paths(roots), &options.include_dirs))
}

/// Checks IDL text held in memory, shown as `name` in diagnostics; its includes are still read
/// from disk, relative to `name`'s directory and then the include directories.
pub fn check_source(name: &str, text: &str, options: &CheckOptions) -> Checked {
    check_loaded(load::load(
        Roots::Text { name, text },
        &options.include_dirs,
    ))
}

/// Checks `roots` (and their includes) and generates code, or returns the check with its diagnostics.
pub fn generate_files(
    roots: &[PathBuf],
    check: &CheckOptions,
    options: &RustOptions,
) -> Result<(Vec<GeneratedFile>, Checked), Box<Checked>> {
    let checked = check_files(roots, check);
    match &checked.program {
        Some(program) if !checked.has_errors() => Ok((rust::generate(program, options), checked)),
        _ => Err(Box::new(checked)),
    }
}

/// Checks what was loaded, unless loading found errors: checking needs every file's tree.
fn check_loaded(loaded: Loaded) -> Checked {
    if loaded.diagnostics.iter().any(Diagnostic::is_error) {
        return Checked {
            program: None,
            diagnostics: loaded.diagnostics,
            sources: loaded.sources,
        };
    }
    check::run(loaded)
}
