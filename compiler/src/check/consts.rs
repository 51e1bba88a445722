//! Constants: evaluates every `const` and field default to a value of its declared type.
//!
//! Reports names that refer to nothing, unqualified enum members, values of the wrong type,
//! integers that do not fit, enum values no member has, struct constants naming unknown
//! fields, malformed uuids and constants defined in terms of themselves.
//!
//! What evaluation keeps track of (each constant's progress, the chain being evaluated) lives in
//! an `Evaluator` for the length of this pass: no other pass reads it.

use super::Checker;
use super::types::describe;
use crate::diagnostics::Diagnostic;
use crate::ir::{self, ConstId, DefinitionId, EnumId, ServiceId, StructId, TypeKind};
use crate::syntax::ast::{self, ConstValueKind, DefinitionKind, FileId, Span};

/// How deep evaluating one constant may recurse into others.
const MAX_CONST_DEPTH: usize = 128;

/// Where a constant is in its evaluation.
#[derive(Clone, Debug)]
enum State {
    Pending,
    InProgress,
    /// Evaluated; `None` if it had errors (already reported).
    Done(Option<ir::ConstValue>),
}

/// What a name in a constant value refers to.
enum Target {
    Const(ConstId),
    EnumMember {
        id: EnumId,
        member: String,
        value: i32,
        /// Named as `Typedef.MEMBER` rather than through the enum itself.
        through_typedef: bool,
    },
}

/// Where a field with a default value lives, so the default can be filled in once every
/// constant is known.
#[derive(Clone, Copy, Debug)]
enum FieldSlot {
    /// Field `index` of a struct.
    Struct(StructId, usize),
    /// Argument `index` of function `function` of a service.
    Param(ServiceId, usize, usize),
}

impl Checker<'_> {
    /// Evaluates every constant, then every field default (which may name constants).
    pub(super) fn evaluate_consts(&mut self) {
        let mut evaluator = Evaluator {
            states: vec![State::Pending; self.program.consts.len()],
            depth: 0,
            stack: Vec::new(),
            checker: self,
        };
        evaluator.evaluate_consts();
        evaluator.evaluate_defaults();
    }
}

/// The checker during evaluation, with the bookkeeping only evaluation needs.
struct Evaluator<'c, 'a> {
    checker: &'c mut Checker<'a>,
    /// Per constant, where it is in its evaluation.
    states: Vec<State>,
    /// How many constant evaluations are nested right now.
    depth: usize,
    /// The constants being evaluated, outermost first, to name a cycle's members.
    stack: Vec<ConstId>,
}

impl<'a> Evaluator<'_, 'a> {
    /// Evaluates every constant in definition order.
    fn evaluate_consts(&mut self) {
        // Dependencies first, so evaluating one constant rarely recurses into another: a long
        // chain of constants written in reverse order must not exhaust the stack.
        for id in self.const_order() {
            self.evaluate_const(id, None);
        }
    }

    /// Every constant, each after the constants its value names (cycles are left to
    /// evaluation, which reports them).
    fn const_order(&self) -> Vec<ConstId> {
        let count = self.checker.program.consts.len();
        let mut deps = Vec::with_capacity(count);
        for index in 0..count {
            let mut out = Vec::new();
            if let Some((file, definition)) = self
                .checker
                .syntax
                .get(&DefinitionId::Const(ConstId(index as u32)))
                && let DefinitionKind::Const { value, .. } = &definition.kind
            {
                self.collect_const_refs(*file, value, &mut out);
            }
            deps.push(out);
        }
        // 0 = not seen, 1 = on the path, 2 = placed.
        let mut state = vec![0u8; count];
        let mut order = Vec::with_capacity(count);
        for start in 0..count {
            if state[start] != 0 {
                continue;
            }
            state[start] = 1;
            let mut path = vec![(start, 0usize)];
            while let Some((node, next)) = path.last_mut() {
                let node = *node;
                if let Some(dep) = deps[node].get(*next).map(|d| d.index()) {
                    *next += 1;
                    if state[dep] == 0 {
                        state[dep] = 1;
                        path.push((dep, 0));
                    }
                } else {
                    state[node] = 2;
                    order.push(ConstId(node as u32));
                    path.pop();
                }
            }
        }
        order
    }

    /// Constants named in a written value, resolved the way [`Self::reference`] resolves them.
    fn collect_const_refs(&self, file: FileId, value: &ast::ConstValue, out: &mut Vec<ConstId>) {
        match &value.kind {
            ConstValueKind::Ref(name) => {
                let qualified_enum = name.name.split_once('.').is_some_and(|(first, _)| {
                    matches!(
                        self.checker.lookup(file, first),
                        Some(DefinitionId::Enum(_))
                    )
                });
                if !qualified_enum
                    && let Some(DefinitionId::Const(id)) =
                        self.checker.lookup_value(file, &name.name)
                {
                    out.push(id);
                }
            }
            ConstValueKind::List(items) => items
                .iter()
                .for_each(|item| self.collect_const_refs(file, item, out)),
            ConstValueKind::Map(entries) => {
                for (key, item) in entries {
                    self.collect_const_refs(file, key, out);
                    self.collect_const_refs(file, item, out);
                }
            }
            _ => {}
        }
    }

    /// Evaluates field defaults; constants are all known by now.
    fn evaluate_defaults(&mut self) {
        for (slot, file, value) in self.field_defaults() {
            let program = &self.checker.program;
            let ty = match slot {
                FieldSlot::Struct(id, index) => {
                    program.structs[id.index()].fields[index].ty.clone()
                }
                FieldSlot::Param(id, function, index) => {
                    program.services[id.index()].functions[function].params[index]
                        .ty
                        .clone()
                }
            };
            let evaluated = self.value(file, &ty, value);
            let program = &mut self.checker.program;
            let field = match slot {
                FieldSlot::Struct(id, index) => &mut program.structs[id.index()].fields[index],
                FieldSlot::Param(id, function, index) => {
                    &mut program.services[id.index()].functions[function].params[index]
                }
            };
            field.default = evaluated;
        }
    }

    /// Every written field and argument default, structs' fields before services' arguments,
    /// each with the index of its lowered field (lowering keeps one per written field).
    fn field_defaults(&self) -> Vec<(FieldSlot, FileId, &'a ast::ConstValue)> {
        let mut defaults = Vec::new();
        for (id, (file, definition)) in &self.checker.syntax {
            if let (DefinitionId::Struct(id), DefinitionKind::Struct { fields, .. }) =
                (id, &definition.kind)
            {
                for (index, field) in fields.iter().enumerate() {
                    if let Some(default) = &field.default {
                        defaults.push((FieldSlot::Struct(*id, index), *file, default));
                    }
                }
            }
        }
        for (id, (file, definition)) in &self.checker.syntax {
            if let (DefinitionId::Service(id), DefinitionKind::Service { functions, .. }) =
                (id, &definition.kind)
            {
                for (function, written) in functions.iter().enumerate() {
                    for (index, param) in written.params.iter().enumerate() {
                        if let Some(default) = &param.default {
                            defaults.push((FieldSlot::Param(*id, function, index), *file, default));
                        }
                    }
                }
            }
        }
        defaults
    }

    fn evaluate_const(&mut self, id: ConstId, used_at: Option<Span>) -> Option<ir::ConstValue> {
        match &self.states[id.index()] {
            State::Done(value) => return value.clone(),
            State::InProgress => {
                let constant = &self.checker.program.consts[id.index()];
                let mut diagnostic = Diagnostic::error(
                    "E0035",
                    format!("constant `{}` is defined in terms of itself", constant.name),
                    used_at.unwrap_or(constant.span),
                    "this reference closes the cycle",
                );
                let start = self.stack.iter().position(|c| *c == id).unwrap_or(0);
                let cycle = &self.stack[start..];
                for (index, from) in cycle.iter().enumerate() {
                    let to = cycle.get(index + 1).copied().unwrap_or(id);
                    let edge = format!(
                        "`{}` refers to `{}`",
                        self.checker.program.consts[from.index()].name,
                        self.checker.program.consts[to.index()].name
                    );
                    if let Some(definition) = self.checker.syntax.get(&DefinitionId::Const(*from)) {
                        diagnostic =
                            diagnostic.with_label(definition.1.name.span, format!("{edge} here"));
                    }
                    diagnostic = diagnostic.with_note(edge);
                }
                self.checker.error(diagnostic);
                return None;
            }
            State::Pending => {}
        }
        let (file, definition) = self.checker.syntax.get(&DefinitionId::Const(id)).copied()?;
        let DefinitionKind::Const { ty, value } = &definition.kind else {
            return None;
        };
        if self.depth >= MAX_CONST_DEPTH {
            // Only a cycle longer than this (evaluation follows dependency order) gets here.
            self.checker.error(Diagnostic::error(
                "E0035",
                format!(
                    "constant `{}` is part of a chain of references too long to follow",
                    definition.name.name
                ),
                used_at.unwrap_or(definition.name.span),
                "reference too deep",
            ));
            self.states[id.index()] = State::Done(None);
            return None;
        }
        self.states[id.index()] = State::InProgress;
        self.depth += 1;
        self.stack.push(id);
        let evaluated = match self.checker.lower_type(file, ty) {
            Some(ty) => {
                self.checker.program.consts[id.index()].ty = ty.clone();
                self.value(file, &ty, value)
            }
            None => None,
        };
        if let Some(value) = &evaluated {
            self.checker.program.consts[id.index()].value = value.clone();
        }
        self.depth -= 1;
        self.stack.pop();
        self.states[id.index()] = State::Done(evaluated.clone());
        evaluated
    }

    /// Checks a written value against a type and returns it in that type's shape.
    fn value(
        &mut self,
        file: FileId,
        expected: &ir::Type,
        value: &ast::ConstValue,
    ) -> Option<ir::ConstValue> {
        let resolved = self.checker.program.resolve(expected).clone();
        if let ConstValueKind::Ref(name) = &value.kind {
            return self.reference(file, expected, name);
        }
        match (&resolved.kind, &value.kind) {
            (TypeKind::Bool, ConstValueKind::Bool(b)) => Some(ir::ConstValue::Bool(*b)),
            // Apache Thrift reads `true` and `false` as 1 and 0, so both spellings work.
            (TypeKind::Bool, ConstValueKind::Int(i @ (0 | 1))) => {
                Some(ir::ConstValue::Bool(*i == 1))
            }
            // Apache Thrift accepts any integer and generates `true` only for one above zero.
            (TypeKind::Bool, ConstValueKind::Int(i)) => {
                let truth = *i > 0;
                self.checker.error(
                    Diagnostic::warning(
                        "W0007",
                        format!("`{i}` is not a bool"),
                        value.span,
                        format!("read as `{truth}`"),
                    )
                    .with_note(format!(
                        "Apache Thrift reads an integer above 0 as true and any other as false; write `{truth}`"
                    )),
                );
                Some(ir::ConstValue::Bool(truth))
            }
            (
                kind @ (TypeKind::I8 | TypeKind::I16 | TypeKind::I32 | TypeKind::I64),
                ConstValueKind::Int(i),
            ) => self.int_in_range(*i, kind, expected, value.span),
            (
                TypeKind::I8 | TypeKind::I16 | TypeKind::I32 | TypeKind::I64,
                ConstValueKind::Bool(b),
            ) => Some(ir::ConstValue::Int(i64::from(*b))),
            (TypeKind::Double, ConstValueKind::Int(i)) => Some(ir::ConstValue::Double(*i as f64)),
            (TypeKind::Double, ConstValueKind::Double(d)) => Some(ir::ConstValue::Double(*d)),
            (TypeKind::String | TypeKind::Binary, ConstValueKind::String(s)) => {
                Some(ir::ConstValue::String(s.clone()))
            }
            (TypeKind::Uuid, ConstValueKind::String(s)) => {
                if is_uuid(s) {
                    Some(ir::ConstValue::Uuid(s.clone()))
                } else {
                    self.checker.error(Diagnostic::error(
                        "E0036",
                        format!("`{s}` is not a uuid"),
                        value.span,
                        "expected 8-4-4-4-12 hexadecimal digits",
                    ));
                    None
                }
            }
            (TypeKind::Enum(id), ConstValueKind::Int(i)) => {
                let enumeration = self.checker.program.enum_(*id);
                match enumeration
                    .members
                    .iter()
                    .find(|m| i64::from(m.value) == *i)
                {
                    Some(member) => Some(ir::ConstValue::Enum {
                        id: *id,
                        member: member.name.clone(),
                        value: member.value,
                    }),
                    None => {
                        let name = enumeration.name.clone();
                        self.checker.error(Diagnostic::error(
                            "E0032",
                            format!("no member of enum `{name}` has the value {i}"),
                            value.span,
                            "not a value of this enum",
                        ));
                        None
                    }
                }
            }
            (
                TypeKind::List { element, .. } | TypeKind::Set { element, .. },
                ConstValueKind::List(items),
            ) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match self.value(file, element, item) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(ir::ConstValue::List(out))
            }
            (
                TypeKind::Map {
                    key,
                    value: value_type,
                    ..
                },
                ConstValueKind::Map(entries),
            ) => {
                let mut out = Vec::with_capacity(entries.len());
                let mut ok = true;
                for (k, v) in entries {
                    let k = self.value(file, key, k);
                    let v = self.value(file, value_type, v);
                    match (k, v) {
                        (Some(k), Some(v)) => out.push((k, v)),
                        _ => ok = false,
                    }
                }
                ok.then_some(ir::ConstValue::Map(out))
            }
            (TypeKind::Struct(id), ConstValueKind::Map(entries)) => {
                self.struct_value(file, *id, entries)
            }
            // Apache Thrift reads an empty `{}` or `[]` as an empty container of any kind (its own
            // cross-language test IDL writes `set<binary> bin_set = {}`).
            (TypeKind::List { .. } | TypeKind::Set { .. }, ConstValueKind::Map(entries))
                if entries.is_empty() =>
            {
                Some(ir::ConstValue::List(Vec::new()))
            }
            (TypeKind::Map { .. }, ConstValueKind::List(items)) if items.is_empty() => {
                Some(ir::ConstValue::Map(Vec::new()))
            }
            (TypeKind::Map { .. }, ConstValueKind::List(_)) => {
                self.container_mismatch(
                    expected,
                    value.span,
                    "a list",
                    "a map is written `{key: value, ...}`",
                    "map",
                );
                None
            }
            (TypeKind::List { .. } | TypeKind::Set { .. }, ConstValueKind::Map(_)) => {
                let kind = if matches!(resolved.kind, TypeKind::Set { .. }) {
                    "set"
                } else {
                    "list"
                };
                self.container_mismatch(
                    expected,
                    value.span,
                    "a map",
                    &format!("a {kind} is written `[item, ...]`"),
                    kind,
                );
                None
            }
            // A typedef cycle, already reported.
            (TypeKind::Typedef(_), _) => None,
            _ => {
                let expected_name = describe(&self.checker.program, expected);
                self.checker.error(Diagnostic::error(
                    "E0030",
                    format!(
                        "expected a value of type `{expected_name}`, found {}",
                        describe_value(&value.kind)
                    ),
                    value.span,
                    format!("expected `{expected_name}`"),
                ));
                None
            }
        }
    }

    /// A non-empty container written in the other container syntax. Apache Thrift 0.17 accepts it
    /// and generates an empty container, so the error says what Thrift would have done.
    fn container_mismatch(
        &mut self,
        expected: &ir::Type,
        span: Span,
        found: &str,
        label: &str,
        expected_kind: &str,
    ) {
        let expected_name = describe(&self.checker.program, expected);
        self.checker.error(
            Diagnostic::error(
                "E0030",
                format!("expected a value of type `{expected_name}`, found {found}"),
                span,
                label,
            )
            .with_note(format!(
                "Apache Thrift 0.17 accepts {found} here and generates an empty {expected_kind}, \
                 dropping every element"
            )),
        );
    }

    fn int_in_range(
        &mut self,
        i: i64,
        kind: &TypeKind,
        expected: &ir::Type,
        span: Span,
    ) -> Option<ir::ConstValue> {
        let (min, max) = match kind {
            TypeKind::I8 => (i64::from(i8::MIN), i64::from(i8::MAX)),
            TypeKind::I16 => (i64::from(i16::MIN), i64::from(i16::MAX)),
            TypeKind::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
            _ => (i64::MIN, i64::MAX),
        };
        if (min..=max).contains(&i) {
            return Some(ir::ConstValue::Int(i));
        }
        let name = describe(&self.checker.program, expected);
        self.checker.error(Diagnostic::error(
            "E0031",
            format!("{i} does not fit in `{name}`"),
            span,
            format!("`{name}` holds {min} to {max}"),
        ));
        None
    }

    fn struct_value(
        &mut self,
        file: FileId,
        id: ir::StructId,
        entries: &[(ast::ConstValue, ast::ConstValue)],
    ) -> Option<ir::ConstValue> {
        let mut out = Vec::with_capacity(entries.len());
        let mut ok = true;
        for (key, value) in entries {
            let ConstValueKind::String(name) = &key.kind else {
                self.checker.error(Diagnostic::error(
                    "E0030",
                    format!(
                        "expected a field name of `{}` as a string, found {}",
                        self.checker.program.struct_(id).name,
                        describe_value(&key.kind)
                    ),
                    key.span,
                    "expected a string naming a field",
                ));
                ok = false;
                continue;
            };
            let target = &self.checker.program.struct_(id);
            let Some(field) = target.fields.iter().find(|f| &f.name == name) else {
                let struct_name = target.name.clone();
                let similar =
                    super::symbols::closest(name, target.fields.iter().map(|f| f.name.as_str()))
                        .map(|s| format!("did you mean `{s}`?"));
                let mut diagnostic = Diagnostic::error(
                    "E0033",
                    format!("`{struct_name}` has no field `{name}`"),
                    key.span,
                    "unknown field",
                );
                if let Some(similar) = similar {
                    diagnostic = diagnostic.with_note(similar);
                }
                self.checker.error(diagnostic);
                ok = false;
                continue;
            };
            let (field_id, field_type) = (field.id, field.ty.clone());
            match self.value(file, &field_type, value) {
                Some(v) => out.push((field_id, v)),
                None => ok = false,
            }
        }
        ok.then_some(ir::ConstValue::Struct { id, fields: out })
    }

    /// A value written as a name: another constant or an enum member.
    fn reference(
        &mut self,
        file: FileId,
        expected: &ir::Type,
        name: &ast::Ident,
    ) -> Option<ir::ConstValue> {
        let resolved = self.checker.program.resolve(expected).clone();
        let expected_enum = match resolved.kind {
            TypeKind::Enum(id) => Some(id),
            _ => None,
        };
        let found = self.find_value_name(file, name, expected_enum);
        if let Some(expected_id) = expected_enum {
            let exact = match &found {
                Ok(Target::EnumMember { id, .. }) => *id == expected_id,
                Ok(Target::Const(_)) => true,
                Err(_) => false,
            };
            if !exact
                && let Some(value) = self.member_by_name_alone(file, expected_id, name, &found)
            {
                return Some(value);
            }
        }
        let target = match found {
            Ok(target) => target,
            Err(diagnostic) => {
                self.checker.error(*diagnostic);
                return None;
            }
        };
        match target {
            Target::EnumMember {
                id,
                member,
                value,
                through_typedef,
            } => match &resolved.kind {
                TypeKind::Enum(expected_id) if *expected_id == id => {
                    Some(ir::ConstValue::Enum { id, member, value })
                }
                // Apache Thrift knows `Enum.MEMBER` as a constant, but not `Typedef.MEMBER`: it finds
                // a member through a typedef only by looking the name up in the expected enum.
                TypeKind::I8 | TypeKind::I16 | TypeKind::I32 | TypeKind::I64 if through_typedef => {
                    let qualified = format!("{}.{member}", self.enum_name_in(file, id));
                    self.checker.error(
                        Diagnostic::error(
                            "E0021",
                            format!("unknown constant `{}`", name.name),
                            name.span,
                            "an enum member is named through a typedef only where a value of the enum is expected",
                        )
                        .with_note(format!("write `{qualified}`")),
                    );
                    None
                }
                kind @ (TypeKind::I8 | TypeKind::I16 | TypeKind::I32 | TypeKind::I64) => {
                    self.int_in_range(i64::from(value), kind, expected, name.span)
                }
                TypeKind::Enum(expected_id) => {
                    // Reached only when the expected enum has no member of that name either
                    // (see `member_by_name_alone`).
                    let found = self.checker.program.enum_(id).name.clone();
                    let expected_name = self.checker.program.enum_(*expected_id).name.clone();
                    self.checker.error(
                        Diagnostic::error(
                            "E0030",
                            format!(
                                "expected a value of type `{}`, found a member of enum `{found}`",
                                describe(&self.checker.program, expected)
                            ),
                            name.span,
                            format!("expected `{expected_name}`"),
                        )
                        .with_note(format!("`{expected_name}` has no member `{member}`")),
                    );
                    None
                }
                _ => {
                    let found = self.checker.program.enum_(id).name.clone();
                    self.mismatch(expected, &format!("a member of enum `{found}`"), name.span);
                    None
                }
            },
            Target::Const(id) => {
                let value = self.evaluate_const(id, Some(name.span))?;
                let source_type = self.checker.program.consts[id.index()].ty.clone();
                let source = self.checker.program.resolve(&source_type).clone();
                if same_type(&self.checker.program, &source, &resolved) {
                    return Some(value);
                }
                match (&resolved.kind, &value) {
                    (
                        kind @ (TypeKind::I8 | TypeKind::I16 | TypeKind::I32 | TypeKind::I64),
                        ir::ConstValue::Int(i),
                    ) => self.int_in_range(*i, kind, expected, name.span),
                    (
                        kind @ (TypeKind::I8 | TypeKind::I16 | TypeKind::I32 | TypeKind::I64),
                        ir::ConstValue::Enum { value, .. },
                    ) => self.int_in_range(i64::from(*value), kind, expected, name.span),
                    (TypeKind::Double, ir::ConstValue::Int(i)) => {
                        Some(ir::ConstValue::Double(*i as f64))
                    }
                    (TypeKind::String | TypeKind::Binary, ir::ConstValue::String(_)) => Some(value),
                    _ => {
                        let found = describe(&self.checker.program, &source_type);
                        self.mismatch(
                            expected,
                            &format!("constant `{}` of type `{found}`", name.name),
                            name.span,
                        );
                        None
                    }
                }
            }
        }
    }

    /// Apache Thrift's reading of a qualified name where a value of an enum is expected: it
    /// ignores everything before the member name (`Other.X`, `module.X`, `Typedef.X` all mean
    /// `Expected.X`) and fails only if the expected enum has no such member. Its own test IDLs
    /// rely on this, so idlc reads the name the same way, and warns when that is not what the
    /// name says by idlc's rules.
    fn member_by_name_alone(
        &mut self,
        file: FileId,
        expected_id: EnumId,
        name: &ast::Ident,
        found: &Result<Target, Box<Diagnostic>>,
    ) -> Option<ir::ConstValue> {
        // Thrift 0.17 takes what follows the first dot, and the second if there is one, so a
        // name of four or more parts never matches a member.
        let (prefix, member_name) = name.name.rsplit_once('.')?;
        if prefix.split('.').count() > 2 {
            return None;
        }
        let enumeration = self.checker.program.enum_(expected_id);
        let member = enumeration.members.iter().find(|m| m.name == member_name)?;
        let (member, value) = (member.name.clone(), member.value);
        let qualified = format!("{}.{member}", self.enum_name_in(file, expected_id));
        let label = match found {
            Ok(Target::EnumMember {
                id, value: other, ..
            }) => format!(
                "`{}.{member}` is {other}, but this value is of enum `{}`",
                self.checker.program.enum_(*id).name,
                enumeration.name
            ),
            _ => match self.enum_named(file, prefix) {
                Some((other, _)) => format!(
                    "`{}` has no member `{member}`",
                    self.checker.program.enum_(other).name
                ),
                None if self.checker.scopes[file.0 as usize]
                    .includes
                    .contains_key(prefix) =>
                {
                    format!("`{prefix}` is an included file, not an enum")
                }
                None if self.checker.lookup(file, prefix).is_some() => {
                    format!("`{prefix}` is not an enum")
                }
                None => format!("`{prefix}` names no enum"),
            },
        };
        self.checker.error(
            Diagnostic::warning(
                "W0010",
                format!("`{}` is read as `{qualified}` ({value})", name.name),
                name.span,
                label,
            )
            .with_note(format!(
                "Apache Thrift looks up the member name alone in `{}`, the enum this value must \
                 have, and ignores what comes before it",
                self.checker.program.enum_(expected_id).name
            ))
            .with_note(format!("write `{qualified}`")),
        );
        Some(ir::ConstValue::Enum {
            id: expected_id,
            member,
            value,
        })
    }

    /// The enum a type name written in `file` stands for, directly or through typedefs, and
    /// whether a typedef was involved.
    fn enum_named(&self, file: FileId, name: &str) -> Option<(EnumId, bool)> {
        match self.checker.lookup(file, name)? {
            DefinitionId::Enum(id) => Some((id, false)),
            DefinitionId::Typedef(id) => {
                let ty = ir::Type::plain(TypeKind::Typedef(id));
                match self.checker.program.resolve(&ty).kind {
                    TypeKind::Enum(id) => Some((id, true)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// How `file` names an enum: bare when it is defined there, else qualified by the module
    /// name under which `file` includes it.
    fn enum_name_in(&self, file: FileId, id: EnumId) -> String {
        let enumeration = self.checker.program.enum_(id);
        if enumeration.file == file {
            return enumeration.name.clone();
        }
        let module = self.checker.scopes[file.0 as usize]
            .includes
            .iter()
            .find(|(_, files)| files.iter().any(|(f, _)| *f == enumeration.file))
            .map(|(module, _)| module.clone())
            // Reached only through a typedef from a file `file` does not include itself.
            .unwrap_or_else(|| {
                self.checker.program.files[enumeration.file.0 as usize]
                    .module
                    .clone()
            });
        format!("{module}.{}", enumeration.name)
    }

    fn mismatch(&mut self, expected: &ir::Type, found: &str, span: Span) {
        let expected_name = describe(&self.checker.program, expected);
        self.checker.error(Diagnostic::error(
            "E0030",
            format!("expected a value of type `{expected_name}`, found {found}"),
            span,
            format!("expected `{expected_name}`"),
        ));
    }

    /// `CONST`, `Enum.MEMBER`, `module.CONST` or `module.Enum.MEMBER`, where `Enum` may also be a
    /// typedef of an enum. The error is returned, not reported, so a caller can try Apache
    /// Thrift's looser reading first.
    fn find_value_name(
        &self,
        file: FileId,
        name: &ast::Ident,
        expected_enum: Option<EnumId>,
    ) -> Result<Target, Box<Diagnostic>> {
        let parts: Vec<&str> = name.name.split('.').collect();
        let found = match parts.as_slice() {
            [single] => match self.checker.lookup_value(file, single) {
                Some(DefinitionId::Const(id)) => Some(Ok(Target::Const(id))),
                _ => None,
            },
            [first, second] => match self.enum_named(file, first) {
                Some((id, through_typedef)) => Some(self.member(id, second, name, through_typedef)),
                _ => match self.checker.lookup_value(file, &name.name) {
                    Some(DefinitionId::Const(id)) => Some(Ok(Target::Const(id))),
                    _ => None,
                },
            },
            [module, enumeration, member] => self
                .enum_named(file, &format!("{module}.{enumeration}"))
                .map(|(id, through_typedef)| self.member(id, member, name, through_typedef)),
            _ => None,
        };
        found.unwrap_or_else(|| Err(Box::new(self.unknown_value_name(file, name, expected_enum))))
    }

    fn member(
        &self,
        id: EnumId,
        member: &str,
        name: &ast::Ident,
        through_typedef: bool,
    ) -> Result<Target, Box<Diagnostic>> {
        let enumeration = self.checker.program.enum_(id);
        match enumeration.members.iter().find(|m| m.name == member) {
            Some(m) => Ok(Target::EnumMember {
                id,
                member: m.name.clone(),
                value: m.value,
                through_typedef,
            }),
            None => {
                let mut diagnostic = Diagnostic::error(
                    "E0032",
                    format!("enum `{}` has no member `{member}`", enumeration.name),
                    name.span,
                    "unknown member",
                );
                let names = enumeration.members.iter().map(|m| m.name.as_str());
                if let Some(similar) = super::symbols::closest(member, names) {
                    diagnostic = diagnostic
                        .with_note(format!("did you mean `{}.{similar}`?", enumeration.name));
                }
                Err(Box::new(diagnostic))
            }
        }
    }

    fn unknown_value_name(
        &self,
        file: FileId,
        name: &ast::Ident,
        expected_enum: Option<EnumId>,
    ) -> Diagnostic {
        if let Some(ambiguous) = self.checker.ambiguous_include(file, name) {
            return ambiguous;
        }
        if !name.name.contains('.') {
            // The enum the value must have first, then any enum in scope with such a member.
            let scope = &self.checker.scopes[file.0 as usize];
            let in_scope = scope
                .definitions
                .values()
                .chain(scope.includes.values().flatten().flat_map(|(included, _)| {
                    self.checker.scopes[included.0 as usize]
                        .definitions
                        .values()
                }))
                .filter_map(|(id, _)| match id {
                    DefinitionId::Enum(id) => Some(*id),
                    _ => None,
                });
            let owner = expected_enum.into_iter().chain(in_scope).find(|id| {
                self.checker
                    .program
                    .enum_(*id)
                    .members
                    .iter()
                    .any(|m| m.name == name.name)
            });
            if let Some(owner) = owner {
                let qualified = format!("{}.{}", self.enum_name_in(file, owner), name.name);
                return Diagnostic::error(
                    "E0034",
                    format!(
                        "enum member `{}` must be qualified with its enum",
                        name.name
                    ),
                    name.span,
                    format!("write `{qualified}`"),
                );
            }
        }
        let mut diagnostic = Diagnostic::error(
            "E0021",
            format!("unknown constant `{}`", name.name),
            name.span,
            "no constant or enum member with this name",
        );
        if let Some(hint) = self
            .checker
            .lookup_hint(file, &name.name, |id| matches!(id, DefinitionId::Const(_)))
        {
            diagnostic = diagnostic.with_note(hint);
        }
        diagnostic
    }
}

fn same_type(program: &ir::Program, a: &ir::Type, b: &ir::Type) -> bool {
    let (a, b) = (program.resolve(a), program.resolve(b));
    match (&a.kind, &b.kind) {
        (TypeKind::List { element: x, .. }, TypeKind::List { element: y, .. })
        | (TypeKind::Set { element: x, .. }, TypeKind::Set { element: y, .. }) => {
            same_type(program, x, y)
        }
        (
            TypeKind::Map {
                key: k1, value: v1, ..
            },
            TypeKind::Map {
                key: k2, value: v2, ..
            },
        ) => same_type(program, k1, k2) && same_type(program, v1, v2),
        (x, y) => x == y,
    }
}

fn describe_value(value: &ConstValueKind) -> &'static str {
    match value {
        ConstValueKind::Int(_) => "an integer",
        ConstValueKind::Double(_) => "a floating point number",
        ConstValueKind::Bool(_) => "a boolean",
        ConstValueKind::String(_) => "a string",
        ConstValueKind::Ref(_) => "a name",
        ConstValueKind::List(_) => "a list",
        ConstValueKind::Map(_) => "a map",
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, optionally in braces.
fn is_uuid(text: &str) -> bool {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    let groups: Vec<&str> = inner.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_uuid;

    #[test]
    fn uuid_forms() {
        assert!(is_uuid("00000000-4444-CCCC-ffff-0123456789ab"));
        assert!(is_uuid("{00000000-4444-cccc-ffff-0123456789ab}"));
        assert!(!is_uuid("00000000-4444-cccc-ffff-0123456789a"));
        assert!(!is_uuid("not a uuid"));
    }
}
