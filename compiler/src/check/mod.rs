//! Checking: from parsed files to a resolved [`ir::Program`].
//!
//! Passes run in order, each collecting every error it finds; a pass that needs the previous
//! one's output to be sound does not run after errors:
//!
//! 1. [`load`]: read roots and includes, parse each file (syntax, include and cycle errors).
//! 2. [`symbols`]: one symbol table per file; duplicate names.
//! 3. [`types`]: resolve written types to definitions; typedef cycles.
//! 4. [`definitions`]: enums, structs, services and their structural rules.
//! 5. [`consts`]: evaluate constants and field defaults against their types.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, SourceMap};
use crate::ir::{self, DefinitionId};
use crate::syntax::ast::{self, FileId, Span};
use crate::{CheckOptions, Checked};

pub mod consts;
pub mod definitions;
pub mod load;
pub mod symbols;
pub mod types;

/// Where the root files come from.
#[derive(Debug)]
pub enum Roots<'a> {
    /// Files on disk.
    Paths(&'a [std::path::PathBuf]),
    /// One file in memory.
    Text {
        /// The name shown in diagnostics; includes are relative to its directory.
        name: &'a str,
        /// The IDL text.
        text: &'a str,
    },
}

/// Runs every pass.
pub fn run(roots: Roots<'_>, options: &CheckOptions) -> Checked {
    let mut loader = load::Loader::new(&options.include_dirs);
    let mut root_ids = Vec::new();
    match roots {
        Roots::Paths(paths) => {
            for path in paths {
                if let Some(id) = loader.load_root_path(path)
                    && !root_ids.contains(&id)
                {
                    root_ids.push(id);
                }
            }
        }
        Roots::Text { name, text } => root_ids.push(loader.load_root_text(name, text)),
    }
    let load::Loader {
        sources,
        files,
        mut diagnostics,
        ..
    } = loader;
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Checked {
            program: None,
            diagnostics,
            sources,
        };
    }
    let mut checker = Checker::new(&files, &sources);
    checker.program.roots = root_ids;
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
    pub(crate) files: &'a [load::LoadedFile],
    pub(crate) sources: &'a SourceMap,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) program: ir::Program,
    /// Each definition's syntax and the file it is in.
    pub(crate) syntax: BTreeMap<DefinitionId, (FileId, &'a ast::Definition)>,
    pub(crate) const_states: Vec<consts::State>,
    /// How many constant evaluations are nested right now.
    pub(crate) const_depth: usize,
    /// The constants being evaluated, outermost first, to name a cycle's members.
    pub(crate) const_stack: Vec<ir::ConstId>,
    /// Field defaults to evaluate once every constant is known.
    pub(crate) pending_defaults: Vec<(definitions::FieldSlot, FileId, &'a ast::ConstValue)>,
}

impl<'a> Checker<'a> {
    fn new(files: &'a [load::LoadedFile], sources: &'a SourceMap) -> Self {
        Checker {
            files,
            sources,
            diagnostics: Vec::new(),
            scopes: Vec::new(),
            program: ir::Program::default(),
            syntax: BTreeMap::new(),
            const_states: Vec::new(),
            const_depth: 0,
            const_stack: Vec::new(),
            pending_defaults: Vec::new(),
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
        self.evaluate_defaults();
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
