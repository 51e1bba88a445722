//! Symbol tables: gives every definition an id and each file a scope (its definitions and
//! the modules it includes).
//!
//! Takes the parsed files; fills [`ir::Program`] with one entry per definition (bodies come
//! later) and reports names defined twice in one file or written with a dot. Types and services
//! share a namespace; constants have their own, as in Apache Thrift.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::{Checker, Scope, annotations};
use crate::diagnostics::Diagnostic;
use crate::ir::{self, DefinitionId};
use crate::syntax::ast::{self, DefinitionKind, Header};

/// The name other files use for a file: its file name without the `.thrift` extension.
pub(crate) fn module_name(path: &str) -> String {
    let file_name = std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned());
    match file_name.rfind('.') {
        Some(dot) if dot > 0 => file_name[..dot].to_string(),
        _ => file_name,
    }
}

impl<'a> Checker<'a> {
    /// Builds scopes and placeholder entries for every definition.
    pub(crate) fn declare(&mut self) {
        let files = self.files;
        for loaded in files {
            let Some(tree) = loaded.ast.as_ref() else {
                self.scopes.push(Scope::default());
                self.program.files.push(ir::File::default());
                continue;
            };
            let path = self.sources.name(loaded.id).to_string();
            let mut file = ir::File {
                module: module_name(&path),
                path,
                doc: tree.doc.clone(),
                ..ir::File::default()
            };
            let mut scope = Scope::default();
            for (span, target) in &loaded.includes {
                file.includes.push(*target);
                let module = module_name(self.sources.name(*target));
                let same_name = scope.includes.entry(module.clone()).or_default();
                if let Some((first, first_span)) = same_name.first()
                    && *first != *target
                {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            "W0006",
                            format!("two included files are both known as `{module}`"),
                            *span,
                            format!(
                                "`{}` is also known as `{module}`",
                                self.sources.name(*target)
                            ),
                        )
                        .with_label(
                            *first_span,
                            format!("`{}` is known as `{module}`", self.sources.name(*first)),
                        )
                        .with_note(format!(
                            "`{module}.Name` looks in both files; a name both define cannot be used"
                        )),
                    );
                }
                if !same_name.iter().any(|(f, _)| f == target) {
                    same_name.push((*target, *span));
                }
            }
            for header in &tree.headers {
                match header {
                    Header::CppInclude { path, .. } => file.cpp_includes.push(path.clone()),
                    Header::Namespace {
                        scope: language,
                        name,
                        annotations: list,
                        ..
                    } => {
                        self.check_namespace_scope(language);
                        file.namespaces.push(ir::Namespace {
                            scope: language.name.clone(),
                            name: name.name.clone(),
                            annotations: annotations(list),
                        });
                    }
                    Header::Include { .. } => {}
                }
            }
            for definition in &tree.definitions {
                let id = self.declare_one(loaded.id, definition);
                file.definitions.push(id);
                if definition.name.name.contains('.') {
                    self.error(Diagnostic::error(
                        "E0008",
                        format!(
                            "`{}` cannot be defined: names may not contain `.`",
                            definition.name.name
                        ),
                        definition.name.span,
                        "dots are only for qualified references",
                    ));
                }
                let namespace = if matches!(definition.kind, DefinitionKind::Const { .. }) {
                    &mut scope.values
                } else {
                    &mut scope.definitions
                };
                match namespace.entry(definition.name.name.clone()) {
                    Entry::Vacant(slot) => {
                        slot.insert((id, definition.name.span));
                    }
                    Entry::Occupied(first) => {
                        let (_, first_span) = *first.get();
                        self.error(
                            Diagnostic::error(
                                "E0022",
                                format!("`{}` is defined more than once", definition.name.name),
                                definition.name.span,
                                "defined again here",
                            )
                            .with_label(first_span, "first defined here"),
                        );
                    }
                }
            }
            self.scopes.push(scope);
            self.program.files.push(file);
        }
    }

    /// Apache Thrift warns about a namespace for a language it has no generator for: usually a
    /// misspelling, and the namespace then has no effect.
    fn check_namespace_scope(&mut self, scope: &ast::Ident) {
        let language = scope.name.split('.').next().unwrap_or_default();
        if KNOWN_NAMESPACE_SCOPES.contains(&language) {
            return;
        }
        let mut diagnostic = Diagnostic::warning(
            "W0008",
            format!("no generator is known for namespace scope `{language}`"),
            scope.span,
            "this namespace has no effect",
        );
        if let Some(similar) = closest(language, KNOWN_NAMESPACE_SCOPES.iter().copied()) {
            diagnostic = diagnostic.with_note(format!("did you mean `{similar}`?"));
        }
        self.diagnostics.push(diagnostic);
    }

    fn declare_one(&mut self, file: ast::FileId, definition: &'a ast::Definition) -> DefinitionId {
        let name = definition.name.name.clone();
        let doc = definition.doc.clone();
        let list = annotations(&definition.annotations);
        let span = definition.span;
        let program = &mut self.program;
        let placeholder = ir::Type::plain(ir::TypeKind::I32);
        let id = match &definition.kind {
            DefinitionKind::Const { .. } => {
                let id = ir::ConstId(program.consts.len() as u32);
                program.consts.push(ir::Const {
                    name,
                    file,
                    ty: placeholder,
                    value: ir::ConstValue::Int(0),
                    doc,
                    span,
                });
                DefinitionId::Const(id)
            }
            DefinitionKind::Typedef { .. } | DefinitionKind::Senum { .. } => {
                let id = ir::TypedefId(program.typedefs.len() as u32);
                program.typedefs.push(ir::Typedef {
                    name,
                    file,
                    target: placeholder,
                    senum_values: None,
                    doc,
                    annotations: list,
                    span,
                });
                DefinitionId::Typedef(id)
            }
            DefinitionKind::Enum { .. } => {
                let id = ir::EnumId(program.enums.len() as u32);
                program.enums.push(ir::Enum {
                    name,
                    file,
                    members: Vec::new(),
                    doc,
                    annotations: list,
                    span,
                });
                DefinitionId::Enum(id)
            }
            DefinitionKind::Struct { kind, xsd_all, .. } => {
                let id = ir::StructId(program.structs.len() as u32);
                program.structs.push(ir::Struct {
                    name,
                    file,
                    kind: *kind,
                    fields: Vec::new(),
                    xsd_all: *xsd_all,
                    doc,
                    annotations: list,
                    span,
                });
                DefinitionId::Struct(id)
            }
            DefinitionKind::Service { .. } => {
                let id = ir::ServiceId(program.services.len() as u32);
                program.services.push(ir::Service {
                    name,
                    file,
                    extends: None,
                    functions: Vec::new(),
                    doc,
                    annotations: list,
                    span,
                });
                DefinitionId::Service(id)
            }
        };
        self.syntax.insert(id, (file, definition));
        id
    }

    /// Finds a type or service by a name written in `file`: local, or `module.Name` for an
    /// include. Falls back to constants, so a constant used as a type can be named as such.
    pub(crate) fn lookup(&self, file: ast::FileId, name: &str) -> Option<DefinitionId> {
        self.lookup_in(file, name, false)
            .or_else(|| self.lookup_in(file, name, true))
    }

    /// Finds a constant by a name written in `file`, falling back to types (for `Enum.MEMBER`
    /// and for naming what a value wrongly refers to).
    pub(crate) fn lookup_value(&self, file: ast::FileId, name: &str) -> Option<DefinitionId> {
        self.lookup_in(file, name, true)
            .or_else(|| self.lookup_in(file, name, false))
    }

    fn lookup_in(&self, file: ast::FileId, name: &str, values: bool) -> Option<DefinitionId> {
        fn namespace(scope: &Scope, values: bool) -> &BTreeMap<String, (DefinitionId, ast::Span)> {
            if values {
                &scope.values
            } else {
                &scope.definitions
            }
        }
        let scope = &self.scopes[file.0 as usize];
        if let Some((id, _)) = namespace(scope, values).get(name) {
            return Some(*id);
        }
        let (module, rest) = name.split_once('.')?;
        let mut found = scope
            .includes
            .get(module)?
            .iter()
            .filter_map(|(included, _)| {
                namespace(&self.scopes[included.0 as usize], values).get(rest)
            });
        let first = found.next().map(|(id, _)| *id);
        // A name defined by two files known by the same module name is ambiguous.
        if found.next().is_some() { None } else { first }
    }

    /// The error for `module.Name` when two included files known as `module` both define `Name`.
    pub(crate) fn ambiguous_include(
        &self,
        file: ast::FileId,
        name: &ast::Ident,
    ) -> Option<Diagnostic> {
        let (module, rest) = name.name.split_once('.')?;
        let candidates: Vec<&(ast::FileId, ast::Span)> = self.scopes[file.0 as usize]
            .includes
            .get(module)?
            .iter()
            .filter(|(included, _)| {
                let scope = &self.scopes[included.0 as usize];
                scope.definitions.contains_key(rest) || scope.values.contains_key(rest)
            })
            .collect();
        if candidates.len() < 2 {
            return None;
        }
        let mut diagnostic = Diagnostic::error(
            "E0049",
            format!("`{}` is ambiguous", name.name),
            name.span,
            format!("more than one file known as `{module}` defines `{rest}`"),
        );
        for (included, span) in candidates {
            diagnostic = diagnostic.with_label(
                *span,
                format!("`{}` is known as `{module}`", self.sources.name(*included)),
            );
        }
        Some(diagnostic.with_note(
            "Apache Thrift picks one of them silently; rename one file or the definition",
        ))
    }

    /// A hint for a name that was not found: a qualified spelling that would work, why the
    /// qualifier is wrong, or a similarly spelled name of the wanted kind.
    pub(crate) fn lookup_hint(
        &self,
        file: ast::FileId,
        name: &str,
        wanted: fn(&DefinitionId) -> bool,
    ) -> Option<String> {
        let scope = &self.scopes[file.0 as usize];
        if let Some((module, _)) = name.split_once('.')
            && !scope.includes.contains_key(module)
            && !scope.definitions.contains_key(module)
        {
            return Some(format!(
                "`{module}` is not the name of a file included here"
            ));
        }
        for (module, included) in scope
            .includes
            .iter()
            .flat_map(|(module, files)| files.iter().map(move |(f, _)| (module, f)))
        {
            let there = &self.scopes[included.0 as usize];
            if there.definitions.contains_key(name) || there.values.contains_key(name) {
                return Some(format!(
                    "`{name}` is defined in an included file: write `{module}.{name}`"
                ));
            }
        }
        // Comparing against every name is quadratic over many errors; the first ones suffice.
        if self.diagnostics.len() >= MAX_SPELLING_SUGGESTIONS {
            return None;
        }
        let local = scope
            .definitions
            .iter()
            .chain(&scope.values)
            .filter(|(_, (id, _))| wanted(id))
            .map(|(n, _)| n.clone());
        let mut candidates: Vec<String> = local.collect();
        for (module, files) in &scope.includes {
            for (included, _) in files {
                let there = &self.scopes[included.0 as usize];
                candidates.extend(
                    there
                        .definitions
                        .iter()
                        .chain(&there.values)
                        .filter(|(_, (id, _))| wanted(id))
                        .map(|(n, _)| format!("{module}.{n}")),
                );
            }
        }
        closest(name, candidates.iter().map(String::as_str)).map(|c| format!("did you mean `{c}`?"))
    }
}

/// Namespace scopes that name a language: every generator Apache Thrift has shipped (its
/// 0.17 compiler warns about the ones it no longer has, which older IDLs still name), `*` for
/// all of them, `smalltalk` (an old spelling of `st`) and the scopes fbthrift adds.
const KNOWN_NAMESPACE_SCOPES: &[&str] = &[
    "*",
    "as3",
    "c_glib",
    "cl",
    "cocoa",
    "cpp",
    "cpp2",
    "csharp",
    "d",
    "dart",
    "delphi",
    "erl",
    "go",
    "gv",
    "hack",
    "haxe",
    "hs",
    "html",
    "java",
    "javame",
    "js",
    "json",
    "kotlin",
    "lua",
    "markdown",
    "netcore",
    "netstd",
    "ocaml",
    "perl",
    "php",
    "py",
    "py3",
    "rb",
    "rs",
    "rust",
    "smalltalk",
    "st",
    "swift",
    "xml",
    "xsd",
];

/// Spelling suggestions stop after this many diagnostics.
const MAX_SPELLING_SUGGESTIONS: usize = 100;

/// The candidate spelled most like `name`, if any is close enough to be a likely typo.
pub(crate) fn closest<'c>(
    name: &str,
    candidates: impl Iterator<Item = &'c str>,
) -> Option<&'c str> {
    // A third of the letters may differ; names of one or two letters only match up to case,
    // since any other short name would otherwise look like a typo of them.
    let limit = name.chars().count() / 3;
    candidates
        .map(|c| {
            (
                strsim::osa_distance(&name.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::module_name;

    #[test]
    fn closest_names() {
        let names = ["Customer", "Order", "Item"];
        assert_eq!(
            super::closest("Custome", names.into_iter()),
            Some("Customer")
        );
        assert_eq!(super::closest("order", names.into_iter()), Some("Order"));
        assert_eq!(super::closest("Zebra", names.into_iter()), None);
        assert_eq!(super::closest("z", ["x", "y"].into_iter()), None);
        assert_eq!(super::closest("x", ["X"].into_iter()), Some("X"));
    }

    #[test]
    fn module_names() {
        assert_eq!(module_name("dir/shared.thrift"), "shared");
        assert_eq!(module_name("a.b.thrift"), "a.b");
        assert_eq!(module_name("plain"), "plain");
    }
}
