//! Checking: from loaded, parsed files to a resolved [`ir::Program`].
//!
//! Takes what loading returns (`load::Loaded`: every file's tree and include edges, read without
//! errors) and returns a [`Checked`]: the program when no pass found an error, and every
//! diagnostic. Passes run in order, each collecting every error it finds; a pass that needs the
//! previous one's output to be sound does not run after errors:
//!
//! 1. [`symbols`]: one symbol table per file; duplicate names.
//! 2. [`types`]: resolve written types to definitions; typedef cycles.
//! 3. [`definitions`]: enums, structs, services and their structural rules.
//! 4. [`consts`]: evaluate constants and field defaults against their types.

use std::collections::BTreeMap;

use crate::Checked;
use crate::diagnostics::{Diagnostic, SourceMap};
use crate::ir::{self, DefinitionId};
use crate::load::{Loaded, LoadedFile};
use crate::syntax::ast::{self, FileId, Span};

pub mod consts;
pub mod definitions;
pub mod symbols;
pub mod types;

/// Runs every pass over files that loaded without errors.
pub(crate) fn run(loaded: Loaded) -> Checked {
    let Loaded {
        sources,
        files,
        roots,
        mut diagnostics,
    } = loaded;
    let mut checker = Checker::new(&files, &sources);
    checker.program.roots = roots;
    let program = checker.run();
    diagnostics.extend(checker.diagnostics);
    let program = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        program
    };
    Checked {
        program,
        diagnostics,
        sources,
    }
}

/// A file's names: its definitions and the files it includes, by the name used to qualify them.
///
/// Types and services share one namespace and constants have their own, as in Apache Thrift:
/// a struct and a constant may have the same name.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    pub(crate) definitions: BTreeMap<String, (DefinitionId, Span)>,
    pub(crate) values: BTreeMap<String, (DefinitionId, Span)>,
    /// Files by module name; more than one when included files share a base name.
    pub(crate) includes: BTreeMap<String, Vec<(FileId, Span)>>,
}

/// State shared by the passes after loading.
pub(crate) struct Checker<'a> {
    pub(crate) files: &'a [LoadedFile],
    pub(crate) sources: &'a SourceMap,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) program: ir::Program,
    /// Each definition's syntax and the file it is in.
    pub(crate) syntax: BTreeMap<DefinitionId, (FileId, &'a ast::Definition)>,
}

impl<'a> Checker<'a> {
    fn new(files: &'a [LoadedFile], sources: &'a SourceMap) -> Self {
        Checker {
            files,
            sources,
            diagnostics: Vec::new(),
            scopes: Vec::new(),
            program: ir::Program::default(),
            syntax: BTreeMap::new(),
        }
    }

    fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    fn run(&mut self) -> Option<ir::Program> {
        self.declare();
        if self.errors() > 0 {
            return None;
        }
        self.resolve_typedefs();
        self.lower_enums();
        self.lower_structs();
        self.lower_services();
        self.evaluate_consts();
        if self.errors() > 0 {
            return None;
        }
        Some(std::mem::take(&mut self.program))
    }

    pub(crate) fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

/// Annotations from syntax to model.
pub(crate) fn annotations(list: &[ast::Annotation]) -> Vec<ir::Annotation> {
    list.iter()
        .map(|a| ir::Annotation {
            key: a.key.name.clone(),
            value: a.value.clone(),
        })
        .collect()
}
