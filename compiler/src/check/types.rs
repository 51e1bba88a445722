//! Types: written types to resolved [`ir::Type`]s, and typedefs.
//!
//! Reports unknown type names, names of things that are not types, deprecated `slist`, and
//! typedefs that refer to themselves.

use super::{Checker, annotations};
use crate::diagnostics::Diagnostic;
use crate::ir::{self, DefinitionId, TypeKind, TypedefId};
use crate::syntax::ast::{self, BaseType, DefinitionKind, FileId};

/// Built-in type names, for spelling suggestions.
const BUILT_IN_TYPES: &[&str] = &[
    "bool", "byte", "i8", "i16", "i32", "i64", "double", "string", "binary", "uuid", "list", "set",
    "map",
];

impl<'a> Checker<'a> {
    /// Resolves a written type; `None` after reporting why it cannot be.
    pub(crate) fn lower_type(&mut self, file: FileId, ty: &ast::Type) -> Option<ir::Type> {
        let kind = match &ty.kind {
            ast::TypeKind::Base(base) => match base {
                BaseType::Bool => TypeKind::Bool,
                BaseType::Byte | BaseType::I8 => TypeKind::I8,
                BaseType::I16 => TypeKind::I16,
                BaseType::I32 => TypeKind::I32,
                BaseType::I64 => TypeKind::I64,
                BaseType::Double => TypeKind::Double,
                BaseType::String => TypeKind::String,
                BaseType::Binary => TypeKind::Binary,
                BaseType::Uuid => TypeKind::Uuid,
                BaseType::Slist => {
                    self.error(
                        Diagnostic::warning(
                            "W0001",
                            "`slist` is deprecated",
                            ty.span,
                            "read as `string`",
                        )
                        .with_note("Apache Thrift 0.17 and later reject `slist`; write `string`"),
                    );
                    TypeKind::String
                }
            },
            ast::TypeKind::Named(name) => self.lower_named_type(file, name)?,
            ast::TypeKind::List { element, cpp_type } => TypeKind::List {
                element: Box::new(self.lower_type(file, element)?),
                cpp_type: cpp_type.clone(),
            },
            ast::TypeKind::Set { element, cpp_type } => TypeKind::Set {
                element: Box::new(self.lower_type(file, element)?),
                cpp_type: cpp_type.clone(),
            },
            ast::TypeKind::Map {
                key,
                value,
                cpp_type,
            } => {
                // Report problems in both halves before giving up.
                let key = self.lower_type(file, key);
                let value = self.lower_type(file, value);
                TypeKind::Map {
                    key: Box::new(key?),
                    value: Box::new(value?),
                    cpp_type: cpp_type.clone(),
                }
            }
        };
        Some(ir::Type {
            kind,
            annotations: annotations(&ty.annotations),
        })
    }

    fn lower_named_type(&mut self, file: FileId, name: &ast::Ident) -> Option<TypeKind> {
        match self.lookup(file, &name.name) {
            Some(DefinitionId::Struct(id)) => Some(TypeKind::Struct(id)),
            Some(DefinitionId::Enum(id)) => Some(TypeKind::Enum(id)),
            Some(DefinitionId::Typedef(id)) => Some(TypeKind::Typedef(id)),
            Some(other) => {
                let what = match other {
                    DefinitionId::Service(_) => "a service",
                    _ => "a constant",
                };
                let mut diagnostic = Diagnostic::error(
                    "E0028",
                    format!("`{}` is {what}, not a type", name.name),
                    name.span,
                    "expected a type",
                );
                if matches!(other, DefinitionId::Service(_)) {
                    diagnostic = diagnostic
                        .with_note("a service can be extended, but values cannot have its type");
                }
                self.error(diagnostic);
                None
            }
            None => {
                if let Some(ambiguous) = self.ambiguous_include(file, name) {
                    self.error(ambiguous);
                    return None;
                }
                let mut diagnostic = Diagnostic::error(
                    "E0020",
                    format!("unknown type `{}`", name.name),
                    name.span,
                    "not defined here or in an included file",
                );
                let hint = self
                    .lookup_hint(file, &name.name, |id| {
                        matches!(
                            id,
                            DefinitionId::Struct(_)
                                | DefinitionId::Enum(_)
                                | DefinitionId::Typedef(_)
                        )
                    })
                    .or_else(|| {
                        super::symbols::closest(&name.name, BUILT_IN_TYPES.iter().copied())
                            .map(|t| format!("did you mean `{t}`?"))
                    });
                if let Some(hint) = hint {
                    diagnostic = diagnostic.with_note(hint);
                }
                self.error(diagnostic);
                None
            }
        }
    }

    /// Resolves every typedef's target, then rejects typedefs that refer to themselves.
    pub(crate) fn resolve_typedefs(&mut self) {
        let entries: Vec<_> = self
            .syntax
            .iter()
            .filter_map(|(id, (file, def))| match id {
                DefinitionId::Typedef(t) => Some((*t, *file, *def)),
                _ => None,
            })
            .collect();
        for (id, file, definition) in entries {
            match &definition.kind {
                DefinitionKind::Typedef { ty } => {
                    if let Some(target) = self.lower_type(file, ty) {
                        self.program.typedefs[id.index()].target = target;
                    }
                }
                DefinitionKind::Senum { values, keyword } => {
                    self.error(
                        Diagnostic::warning(
                            "W0001",
                            "`senum` is deprecated",
                            *keyword,
                            "read as a `string` typedef",
                        )
                        .with_note(
                            "Apache Thrift 0.17 and later reject `senum`; use `string` or an enum",
                        ),
                    );
                    let typedef = &mut self.program.typedefs[id.index()];
                    typedef.target = ir::Type::plain(TypeKind::String);
                    typedef.senum_values = Some(values.clone());
                }
                _ => {}
            }
        }
        self.report_typedef_cycles();
    }

    fn report_typedef_cycles(&mut self) {
        let count = self.program.typedefs.len();
        // 0 = not visited, 1 = on the current path, 2 = done.
        let mut state = vec![0u8; count];
        for start in 0..count {
            if state[start] != 0 {
                continue;
            }
            // Iterative depth-first search so a long chain cannot overflow the stack.
            let mut path: Vec<(usize, Vec<usize>)> = vec![(start, self.typedef_edges(start))];
            state[start] = 1;
            while let Some((node, edges)) = path.last_mut() {
                let node = *node;
                match edges.pop() {
                    Some(next) if state[next] == 0 => {
                        state[next] = 1;
                        let next_edges = self.typedef_edges(next);
                        path.push((next, next_edges));
                    }
                    Some(next) if state[next] == 1 => {
                        let cycle_start = path.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let members: Vec<usize> =
                            path[cycle_start..].iter().map(|(n, _)| *n).collect();
                        self.report_typedef_cycle(&members);
                    }
                    Some(_) => {}
                    None => {
                        state[node] = 2;
                        path.pop();
                    }
                }
            }
        }
    }

    fn typedef_edges(&self, index: usize) -> Vec<usize> {
        let mut out = Vec::new();
        collect_typedefs(&self.program.typedefs[index].target, &mut out);
        out
    }

    fn report_typedef_cycle(&mut self, members: &[usize]) {
        let first = &self.program.typedefs[members[0]];
        let name_span = |id: usize, checker: &Self| {
            checker
                .syntax
                .get(&DefinitionId::Typedef(TypedefId(id as u32)))
                .map_or(first.span, |(_, d)| d.name.span)
        };
        let mut diagnostic = Diagnostic::error(
            "E0045",
            format!("typedef `{}` refers to itself", first.name),
            name_span(members[0], self),
            "this typedef is part of a cycle",
        );
        for (i, member) in members.iter().enumerate() {
            let next = members[(i + 1) % members.len()];
            let (from, to) = (
                &self.program.typedefs[*member].name,
                &self.program.typedefs[next].name,
            );
            if i > 0 {
                diagnostic = diagnostic.with_label(
                    name_span(*member, self),
                    format!("`{from}` is defined in terms of `{to}` here"),
                );
            }
            diagnostic = diagnostic.with_note(format!("`{from}` is defined in terms of `{to}`"));
        }
        self.error(diagnostic);
    }
}

fn collect_typedefs(ty: &ir::Type, out: &mut Vec<usize>) {
    match &ty.kind {
        TypeKind::Typedef(id) => out.push(id.index()),
        TypeKind::List { element, .. } | TypeKind::Set { element, .. } => {
            collect_typedefs(element, out)
        }
        TypeKind::Map { key, value, .. } => {
            collect_typedefs(key, out);
            collect_typedefs(value, out);
        }
        _ => {}
    }
}

/// How a type is named in messages.
pub(crate) fn describe(program: &ir::Program, ty: &ir::Type) -> String {
    match &ty.kind {
        TypeKind::Bool => "bool".into(),
        TypeKind::I8 => "i8".into(),
        TypeKind::I16 => "i16".into(),
        TypeKind::I32 => "i32".into(),
        TypeKind::I64 => "i64".into(),
        TypeKind::Double => "double".into(),
        TypeKind::String => "string".into(),
        TypeKind::Binary => "binary".into(),
        TypeKind::Uuid => "uuid".into(),
        TypeKind::List { element, .. } => format!("list<{}>", describe(program, element)),
        TypeKind::Set { element, .. } => format!("set<{}>", describe(program, element)),
        TypeKind::Map { key, value, .. } => {
            format!(
                "map<{}, {}>",
                describe(program, key),
                describe(program, value)
            )
        }
        TypeKind::Struct(id) => program.struct_(*id).name.clone(),
        TypeKind::Enum(id) => program.enum_(*id).name.clone(),
        TypeKind::Typedef(id) => program.typedef(*id).name.clone(),
    }
}
