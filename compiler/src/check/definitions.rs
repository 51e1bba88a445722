//! Enums, structs and services: their members and the rules about them.
//!
//! Reports enum member names used twice and values that do not fit i32 (shared values are
//! aliases: a warning), field ids and names used twice, ids outside i16, `required` in unions,
//! `throws` of non-exceptions, `extends` of non-services and extension cycles, `oneway`
//! functions that return or throw, and deprecated `async`.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::{Checker, annotations};
use crate::diagnostics::Diagnostic;
use crate::ir::{self, DefinitionId, ServiceId, TypeKind};
use crate::syntax::ast::{self, DefinitionKind, FileId, Requiredness, StructKind};

/// What a list of fields belongs to, which changes the rules.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FieldContext {
    Struct(StructKind),
    Params,
    Throws,
    XsdAttrs,
}

impl<'a> Checker<'a> {
    /// Gives every enum member its value.
    pub(crate) fn lower_enums(&mut self) {
        let entries: Vec<_> = self
            .syntax
            .iter()
            .filter_map(|(id, (_, def))| match (id, &def.kind) {
                (DefinitionId::Enum(e), DefinitionKind::Enum { members }) => Some((*e, members)),
                _ => None,
            })
            .collect();
        for (id, members) in entries {
            let mut lowered: Vec<ir::EnumMember> = Vec::new();
            let mut names: BTreeMap<&str, ast::Span> = BTreeMap::new();
            let mut values: BTreeMap<i32, (&str, ast::Span)> = BTreeMap::new();
            let mut previous: Option<i64> = None;
            for member in members {
                let value = match member.value {
                    Some(literal) => literal.value,
                    None => previous.map_or(0, |p| p + 1),
                };
                previous = Some(value);
                self.simple_name(&member.name, "enum member");
                let Ok(value32) = i32::try_from(value) else {
                    let span = member.value.map_or(member.name.span, |l| l.span);
                    let label = if member.value.is_some() {
                        "does not fit in i32"
                    } else {
                        "the value after the previous member does not fit in i32"
                    };
                    self.error(Diagnostic::error(
                        "E0027",
                        format!(
                            "value of enum member `{}` is out of range",
                            member.name.name
                        ),
                        span,
                        label,
                    ));
                    continue;
                };
                match names.entry(&member.name.name) {
                    Entry::Occupied(first) => {
                        self.error(
                            Diagnostic::error(
                                "E0026",
                                format!(
                                    "enum member `{}` is defined more than once",
                                    member.name.name
                                ),
                                member.name.span,
                                "defined again here",
                            )
                            .with_label(*first.get(), "first defined here"),
                        );
                        continue;
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(member.name.span);
                    }
                }
                match values.entry(value32) {
                    Entry::Occupied(first) => {
                        let (first_name, first_span) = *first.get();
                        self.error(
                            Diagnostic::warning(
                                "W0004",
                                format!(
                                    "`{}` has the same value ({value32}) as `{first_name}`",
                                    member.name.name
                                ),
                                member.name.span,
                                "alias",
                            )
                            .with_label(first_span, "value first used here"),
                        );
                    }
                    Entry::Vacant(slot) => {
                        slot.insert((&member.name.name, member.name.span));
                    }
                }
                lowered.push(ir::EnumMember {
                    name: member.name.name.clone(),
                    value: value32,
                    explicit: member.value.is_some(),
                    doc: member.doc.clone(),
                    annotations: annotations(&member.annotations),
                    span: member.span,
                });
            }
            self.program.enums[id.index()].members = lowered;
        }
    }

    /// Resolves the fields of every struct, union and exception.
    pub(crate) fn lower_structs(&mut self) {
        let entries: Vec<_> = self
            .syntax
            .iter()
            .filter_map(|(id, (file, def))| match (id, &def.kind) {
                (DefinitionId::Struct(s), DefinitionKind::Struct { kind, fields, .. }) => {
                    Some((*s, *file, *kind, fields))
                }
                _ => None,
            })
            .collect();
        for (id, file, kind, fields) in entries {
            let lowered = self.lower_fields(file, fields, FieldContext::Struct(kind));
            if kind == StructKind::Union {
                self.check_union_defaults(&self.program.structs[id.index()].name.clone(), fields);
            }
            self.program.structs[id.index()].fields = lowered;
        }
    }

    /// A union holds one member, so at most one member can say what it holds by default.
    fn check_union_defaults(&mut self, union: &str, fields: &[ast::Field]) {
        let mut with_default = fields
            .iter()
            .filter_map(|f| f.default.as_ref().map(|d| (f, d)));
        let Some((first, first_default)) = with_default.next() else {
            return;
        };
        for (field, default) in with_default {
            self.error(
                Diagnostic::error(
                    "E0048",
                    format!("union `{union}` has more than one member with a default value"),
                    default.span,
                    format!("`{}` provides another default", field.name.name),
                )
                .with_label(
                    first_default.span,
                    format!("`{}` already provides the default", first.name.name),
                )
                .with_note("a union holds one member; keep the default on one of them"),
            );
        }
    }

    /// Lowers one list of fields. Keeps one output field per input field (in order), so
    /// constant evaluation finds a field's default by its index, even when a field's type is
    /// unknown.
    fn lower_fields(
        &mut self,
        file: FileId,
        fields: &'a [ast::Field],
        context: FieldContext,
    ) -> Vec<ir::Field> {
        let mut next_implicit: i64 = -1;
        let mut ids: BTreeMap<i64, ast::Span> = BTreeMap::new();
        let mut names: BTreeMap<&str, ast::Span> = BTreeMap::new();
        let mut out = Vec::with_capacity(fields.len());
        for field in fields {
            let (id, implicit) = match field.id {
                Some(literal) if literal.value > 0 => (literal.value, false),
                Some(literal) => {
                    self.error(
                        Diagnostic::warning(
                            "W0003",
                            format!("field id {} is not positive", literal.value),
                            literal.span,
                            format!("replaced by {next_implicit}"),
                        )
                        .with_note(
                            "Apache Thrift ignores ids below 1 and assigns a negative one instead",
                        ),
                    );
                    next_implicit -= 1;
                    (next_implicit + 1, true)
                }
                None => {
                    self.error(
                        Diagnostic::warning(
                            "W0002",
                            format!("field `{}` has no id", field.name.name),
                            field.name.span,
                            format!("assigned id {next_implicit}"),
                        )
                        .with_note(
                            "implicit ids depend on field order; write an explicit id such as `1:`",
                        ),
                    );
                    next_implicit -= 1;
                    (next_implicit + 1, true)
                }
            };
            let id_span = field.id.map_or(field.name.span, |l| l.span);
            let id16 = match i16::try_from(id) {
                Ok(id16) => id16,
                Err(_) => {
                    self.error(Diagnostic::error(
                        "E0025",
                        format!("field id {id} is out of range"),
                        id_span,
                        format!("ids must be between {} and {}", i16::MIN, i16::MAX),
                    ));
                    0
                }
            };
            match ids.entry(id) {
                Entry::Occupied(first) => self.error(
                    Diagnostic::error(
                        "E0023",
                        format!("field id {id} is used more than once"),
                        id_span,
                        format!("`{}` reuses id {id}", field.name.name),
                    )
                    .with_label(*first.get(), "first used here"),
                ),
                Entry::Vacant(slot) => {
                    slot.insert(id_span);
                }
            }
            match names.entry(&field.name.name) {
                Entry::Occupied(first) => self.error(
                    Diagnostic::error(
                        "E0024",
                        format!("field name `{}` is used more than once", field.name.name),
                        field.name.span,
                        "defined again here",
                    )
                    .with_label(*first.get(), "first defined here"),
                ),
                Entry::Vacant(slot) => {
                    slot.insert(field.name.span);
                }
            }
            self.simple_name(&field.name, "field");
            let (requiredness, requiredness_span) = field.requiredness;
            let mut requiredness = requiredness;
            if let Some(keyword) = requiredness_span {
                match (context, requiredness) {
                    (FieldContext::Struct(StructKind::Union), Requiredness::Required) => {
                        self.error(
                            Diagnostic::error(
                                "E0044",
                                format!("union member `{}` cannot be required", field.name.name),
                                keyword,
                                "at most one member of a union is set",
                            )
                            .with_note("remove `required`; union members are always optional"),
                        );
                    }
                    (FieldContext::Params, Requiredness::Optional) => {
                        self.error(Diagnostic::warning(
                            "W0005",
                            format!("`optional` has no effect on argument `{}`", field.name.name),
                            keyword,
                            "ignored",
                        ));
                        requiredness = Requiredness::Default;
                    }
                    _ => {}
                }
            }
            let ty = self
                .lower_type(file, &field.ty)
                .unwrap_or_else(|| ir::Type::plain(TypeKind::I32));
            let xsd_attrs = if field.xsd_attrs.is_empty() {
                Vec::new()
            } else {
                self.lower_fields(file, &field.xsd_attrs, FieldContext::XsdAttrs)
            };
            out.push(ir::Field {
                id: id16,
                implicit_id: implicit,
                name: field.name.name.clone(),
                requiredness,
                ty,
                default: None,
                reference: field.reference,
                xsd_optional: field.xsd_optional,
                xsd_nillable: field.xsd_nillable,
                xsd_attrs,
                doc: field.doc.clone(),
                annotations: annotations(&field.annotations),
                span: field.span,
            });
        }
        out
    }

    /// Resolves services: bases, functions, arguments and exceptions.
    pub(crate) fn lower_services(&mut self) {
        let entries: Vec<_> = self
            .syntax
            .iter()
            .filter_map(|(id, (file, def))| match (id, &def.kind) {
                (DefinitionId::Service(s), DefinitionKind::Service { extends, functions }) => {
                    Some((*s, *file, extends, functions))
                }
                _ => None,
            })
            .collect();
        for (id, file, extends, functions) in entries {
            if let Some(base) = extends {
                let resolved = self.resolve_base(file, base);
                self.program.services[id.index()].extends = resolved;
            }
            let mut names: BTreeMap<&str, ast::Span> = BTreeMap::new();
            let mut lowered = Vec::with_capacity(functions.len());
            for function in functions {
                if let Some(first) = names.get(function.name.name.as_str()) {
                    self.error(
                        Diagnostic::error(
                            "E0047",
                            format!(
                                "function `{}` is defined more than once",
                                function.name.name
                            ),
                            function.name.span,
                            "defined again here",
                        )
                        .with_label(*first, "first defined here"),
                    );
                } else {
                    names.insert(&function.name.name, function.name.span);
                }
                lowered.push(self.lower_function(file, function));
            }
            self.program.services[id.index()].functions = lowered;
        }
        self.report_service_cycles();
        self.report_inherited_redefinitions();
    }

    /// The function names a service defines itself, with where.
    fn own_functions(&self, service: ServiceId) -> Vec<(&'a str, ast::Span)> {
        match self.syntax.get(&DefinitionId::Service(service)) {
            Some((
                _,
                ast::Definition {
                    kind: DefinitionKind::Service { functions, .. },
                    ..
                },
            )) => functions
                .iter()
                .map(|f| (f.name.name.as_str(), f.name.span))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A function may not take the name of one its service inherits: a client of the derived
    /// service could not tell the two apart on the wire.
    ///
    /// Walks the extension forest from the services that extend nothing, keeping the functions
    /// defined along the current path, so long chains cost linear time. Services on a cycle
    /// (already reported) are not reached.
    fn report_inherited_redefinitions(&mut self) {
        let count = self.program.services.len();
        let mut children: Vec<Vec<ServiceId>> = vec![Vec::new(); count];
        let mut stack = Vec::new();
        for (index, service) in self.program.services.iter().enumerate() {
            match service.extends {
                Some(base) => children[base.index()].push(ServiceId(index as u32)),
                None => stack.push((ServiceId(index as u32), true)),
            }
        }
        // Function name -> the services on the current path that define it, nearest last.
        let mut on_path: BTreeMap<&'a str, Vec<(ServiceId, ast::Span)>> = BTreeMap::new();
        while let Some((service, entering)) = stack.pop() {
            // Each name once: a name defined twice in one service is reported already.
            let mut own: BTreeMap<&'a str, ast::Span> = BTreeMap::new();
            for (name, span) in self.own_functions(service) {
                own.entry(name).or_insert(span);
            }
            if !entering {
                for (name, _) in own {
                    if let Some(definers) = on_path.get_mut(name) {
                        definers.pop();
                    }
                }
                continue;
            }
            for (name, span) in &own {
                let Some(&(base, base_span)) = on_path.get(*name).and_then(|d| d.last()) else {
                    continue;
                };
                let base_name = &self.program.services[base.index()].name;
                let diagnostic = Diagnostic::error(
                    "E0047",
                    format!(
                        "function `{name}` is already defined by `{base_name}`, which `{}` extends",
                        self.program.services[service.index()].name
                    ),
                    *span,
                    "defined again here",
                )
                .with_label(base_span, format!("inherited from `{base_name}` here"))
                .with_note("a service cannot redefine an inherited function; rename one of them");
                self.error(diagnostic);
            }
            for (name, span) in own {
                on_path.entry(name).or_default().push((service, span));
            }
            stack.push((service, false));
            stack.extend(children[service.index()].iter().map(|child| (*child, true)));
        }
    }

    fn resolve_base(&mut self, file: FileId, base: &ast::Ident) -> Option<ServiceId> {
        match self.lookup(file, &base.name) {
            Some(DefinitionId::Service(service)) => Some(service),
            Some(_) => {
                self.error(Diagnostic::error(
                    "E0041",
                    format!("`{}` is not a service", base.name),
                    base.span,
                    "only a service can be extended",
                ));
                None
            }
            None => {
                if let Some(ambiguous) = self.ambiguous_include(file, base) {
                    self.error(ambiguous);
                    return None;
                }
                let mut diagnostic = Diagnostic::error(
                    "E0020",
                    format!("unknown service `{}`", base.name),
                    base.span,
                    "not defined here or in an included file",
                );
                if let Some(hint) = self.lookup_hint(file, &base.name, |id| {
                    matches!(id, DefinitionId::Service(_))
                }) {
                    diagnostic = diagnostic.with_note(hint);
                }
                self.error(diagnostic);
                None
            }
        }
    }

    /// Names of members may not be qualified: a dot would make them unreachable.
    fn simple_name(&mut self, name: &ast::Ident, what: &str) {
        if name.name.contains('.') {
            self.error(Diagnostic::error(
                "E0008",
                format!("{what} name `{}` may not contain `.`", name.name),
                name.span,
                "dots are only for qualified references",
            ));
        }
    }

    fn lower_function(&mut self, file: FileId, function: &'a ast::Function) -> ir::Function {
        self.simple_name(&function.name, "function");
        if let Some((keyword, true)) = function.oneway {
            self.error(
                Diagnostic::warning(
                    "W0001",
                    "`async` is deprecated",
                    keyword,
                    "read as `oneway`",
                )
                .with_note("write `oneway`"),
            );
        }
        let returns = function
            .returns
            .as_ref()
            .and_then(|ty| self.lower_type(file, ty));
        if let Some((keyword, _)) = function.oneway {
            if function.returns.is_some() {
                self.error(
                    Diagnostic::error(
                        "E0042",
                        format!(
                            "oneway function `{}` must return `void`",
                            function.name.name
                        ),
                        function.returns_span,
                        "a oneway call gets no reply to carry a value",
                    )
                    .with_label(keyword, "declared oneway here"),
                );
            }
            if let Some((fields, span)) = &function.throws
                && !fields.is_empty()
            {
                self.error(
                    Diagnostic::error(
                        "E0043",
                        format!(
                            "oneway function `{}` cannot throw exceptions",
                            function.name.name
                        ),
                        *span,
                        "a oneway call gets no reply to carry an exception",
                    )
                    .with_label(keyword, "declared oneway here"),
                );
            }
        }
        let params = self.lower_fields(file, &function.params, FieldContext::Params);
        let throws = match &function.throws {
            Some((fields, _)) => {
                let lowered = self.lower_fields(file, fields, FieldContext::Throws);
                for (field, syntax) in lowered.iter().zip(fields) {
                    self.check_exception_type(field, syntax);
                }
                lowered
            }
            None => Vec::new(),
        };
        ir::Function {
            name: function.name.name.clone(),
            oneway: function.oneway.is_some(),
            returns,
            params,
            throws,
            doc: function.doc.clone(),
            annotations: annotations(&function.annotations),
            span: function.span,
        }
    }

    fn check_exception_type(&mut self, field: &ir::Field, syntax: &ast::Field) {
        let resolved = self.program.resolve(&field.ty);
        let is_exception = matches!(
            resolved.kind,
            TypeKind::Struct(id) if self.program.struct_(id).kind == StructKind::Exception
        );
        // An unknown type was reported already (it was lowered to a placeholder i32).
        let known = match &syntax.ty.kind {
            ast::TypeKind::Named(name) => self.lookup(self.file_of(syntax), &name.name).is_some(),
            _ => true,
        };
        if !is_exception && known {
            let what = super::types::describe(&self.program, &field.ty);
            self.error(Diagnostic::error(
                "E0040",
                format!("`{what}` is not an exception"),
                syntax.ty.span,
                "only exceptions can be thrown",
            ));
        }
    }

    fn file_of(&self, field: &ast::Field) -> FileId {
        field.span.file
    }

    fn report_service_cycles(&mut self) {
        let count = self.program.services.len();
        // 0 = not seen, 1 = on the current chain, 2 = done; each service is walked once.
        let mut state = vec![0u8; count];
        for start in 0..count {
            let mut chain = Vec::new();
            let mut current = Some(ServiceId(start as u32));
            while let Some(id) = current {
                match state[id.index()] {
                    0 => {
                        state[id.index()] = 1;
                        chain.push(id);
                        current = self.program.services[id.index()].extends;
                    }
                    1 => {
                        let position = chain.iter().position(|s| *s == id).unwrap_or(0);
                        let cycle = chain[position..].to_vec();
                        self.report_service_cycle(&cycle);
                        break;
                    }
                    _ => break,
                }
            }
            for id in chain {
                state[id.index()] = 2;
            }
        }
    }

    fn report_service_cycle(&mut self, cycle: &[ServiceId]) {
        let name_span = |checker: &Self, id: ServiceId| {
            checker
                .syntax
                .get(&DefinitionId::Service(id))
                .map_or(ast::Span::default(), |(_, d)| d.name.span)
        };
        let first = cycle[0];
        let mut diagnostic = Diagnostic::error(
            "E0046",
            format!(
                "service `{}` extends itself",
                self.program.service(first).name
            ),
            name_span(self, first),
            "this service is part of a cycle",
        );
        for (i, id) in cycle.iter().enumerate() {
            let next = cycle[(i + 1) % cycle.len()];
            if i > 0 {
                diagnostic = diagnostic.with_label(
                    name_span(self, *id),
                    format!(
                        "`{}` extends `{}` here",
                        self.program.service(*id).name,
                        self.program.service(next).name
                    ),
                );
            }
            diagnostic = diagnostic.with_note(format!(
                "`{}` extends `{}`",
                self.program.service(*id).name,
                self.program.service(next).name
            ));
        }
        self.error(diagnostic);
    }
}
