//! Lowering: takes the pairs pest made of a grammatical file and returns its [`File`] tree.
//!
//! Decodes literals, attaches doc comments, and reports what the grammar lets through but Apache
//! Thrift rejects: keywords used as names, invalid escapes, integers beyond 64 bits, and headers
//! after definitions.

use pest::iterators::Pair;

use super::ast::*;
use super::docs::DocComments;
use super::grammar::Rule;
use crate::diagnostics::Diagnostic;

/// Lowers the `document` pair of a file pest accepted; returns the tree and the problems found in it.
pub(super) fn document(file: FileId, text: &str, pair: Pair<'_, Rule>) -> (File, Vec<Diagnostic>) {
    let mut lowerer = Lowerer {
        file,
        diagnostics: Vec::new(),
        docs: DocComments::scan(text),
    };
    let tree = lowerer.document(pair);
    (tree, lowerer.diagnostics)
}

struct Lowerer<'t> {
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    docs: DocComments<'t>,
}

/// The meaningful children of a pair: punctuation rules exist only for error messages.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| {
        !matches!(
            p.as_rule(),
            Rule::lbrace
                | Rule::rbrace
                | Rule::lparen
                | Rule::rparen
                | Rule::langle
                | Rule::rangle
                | Rule::lbracket
                | Rule::rbracket
                | Rule::equals
                | Rule::colon
                | Rule::comma
        )
    })
}

impl<'t> Lowerer<'t> {
    /// The pair's span without the whitespace and comments pest skips after an optional
    /// trailing element.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.start() + trimmed_len(s.as_str()))
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    /// An identifier where Apache Thrift's lexer would have produced a keyword token instead.
    /// The grammar accepts any word here (checking a list of keywords at every identifier
    /// made parsing several times slower); this reports keywords as the syntax errors they are.
    fn name(&mut self, pair: Pair<'_, Rule>, what: &str) -> Ident {
        let ident = self.ident(pair);
        if KEYWORDS.contains(&ident.name.as_str()) {
            self.diagnostics.push(Diagnostic::error(
                "E0001",
                format!(
                    "`{}` is a keyword and cannot be used as a {what} name",
                    ident.name
                ),
                ident.span,
                "keyword",
            ));
        }
        ident
    }

    fn document(&mut self, pair: Pair<'_, Rule>) -> File {
        let mut file = File {
            id: self.file,
            doc: None,
            headers: Vec::new(),
            definitions: Vec::new(),
        };
        let mut first_definition: Option<Span> = None;
        for item in children(pair) {
            let rule = item.as_rule();
            match rule {
                Rule::include | Rule::cpp_include | Rule::namespace => {
                    if file.headers.is_empty() && first_definition.is_none() {
                        file.doc = self.docs.before(item.as_span().start());
                    }
                    let header = self.header(item);
                    if let Some(definition) = first_definition {
                        let span = match &header {
                            Header::Include { span, .. }
                            | Header::CppInclude { span, .. }
                            | Header::Namespace { span, .. } => *span,
                        };
                        self.diagnostics.push(
                            Diagnostic::error(
                                "E0006",
                                "headers must come before all definitions",
                                span,
                                "this header follows a definition",
                            )
                            .with_label(definition, "first definition is here"),
                        );
                    }
                    file.headers.push(header);
                }
                Rule::EOI => {}
                _ => {
                    let definition = self.definition(item);
                    first_definition.get_or_insert(definition.span);
                    file.definitions.push(definition);
                }
            }
        }
        file
    }

    fn header(&mut self, pair: Pair<'_, Rule>) -> Header {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = children(pair).skip(1);
        match rule {
            Rule::include => {
                let literal = inner.next();
                let path_span = literal.as_ref().map_or(span, |p| self.span(p));
                let path = literal.map(|p| self.literal(p)).unwrap_or_default();
                Header::Include {
                    path,
                    path_span,
                    span,
                }
            }
            Rule::cpp_include => {
                let path = inner.next().map(|p| self.literal(p)).unwrap_or_default();
                Header::CppInclude { path, span }
            }
            _ => {
                let scope = inner.next().map(|p| self.ident(p));
                let name = inner.next().map(|p| self.name(p, "namespace"));
                let annotations = inner
                    .next()
                    .map(|p| self.annotations(p))
                    .unwrap_or_default();
                let missing = Ident {
                    name: String::new(),
                    span,
                };
                Header::Namespace {
                    scope: scope.unwrap_or_else(|| missing.clone()),
                    name: name.unwrap_or(missing),
                    annotations,
                    span,
                }
            }
        }
    }

    fn definition(&mut self, pair: Pair<'_, Rule>) -> Definition {
        let span = self.span(&pair);
        let doc = self.docs.before(pair.as_span().start());
        let rule = pair.as_rule();
        let mut name = Ident {
            name: String::new(),
            span,
        };
        let mut annotations = Vec::new();
        let mut ty = None;
        let mut value = None;
        let mut members = Vec::new();
        let mut strings = Vec::new();
        let mut fields = Vec::new();
        let mut functions = Vec::new();
        let mut extends = None;
        let mut xsd_all = false;
        let mut keyword = span;
        for item in children(pair) {
            match item.as_rule() {
                Rule::kw_senum => keyword = self.span(&item),
                Rule::identifier => name = self.name(item, "definition"),
                Rule::field_type => ty = Some(self.field_type(item)),
                Rule::const_value => value = Some(self.const_value(item)),
                Rule::annotations => annotations = self.annotations(item),
                Rule::enum_member => members.push(self.enum_member(item)),
                Rule::literal => strings.push(self.literal(item)),
                Rule::field => fields.push(self.field(item)),
                Rule::function => functions.push(self.function(item)),
                Rule::extends => extends = children(item).nth(1).map(|p| self.name(p, "service")),
                Rule::xsd_all => xsd_all = true,
                _ => {}
            }
        }
        let placeholder_type = || Type {
            kind: TypeKind::Base(BaseType::I32),
            annotations: vec![],
            span,
        };
        let kind = match rule {
            Rule::const_def => DefinitionKind::Const {
                ty: ty.unwrap_or_else(placeholder_type),
                value: value.unwrap_or(ConstValue {
                    kind: ConstValueKind::Int(0),
                    span,
                }),
            },
            Rule::typedef_def => DefinitionKind::Typedef {
                ty: ty.unwrap_or_else(placeholder_type),
            },
            Rule::enum_def => DefinitionKind::Enum { members },
            Rule::senum_def => DefinitionKind::Senum {
                values: strings,
                keyword,
            },
            Rule::struct_def => DefinitionKind::Struct {
                kind: StructKind::Struct,
                xsd_all,
                fields,
            },
            Rule::union_def => DefinitionKind::Struct {
                kind: StructKind::Union,
                xsd_all,
                fields,
            },
            Rule::exception_def => DefinitionKind::Struct {
                kind: StructKind::Exception,
                xsd_all,
                fields,
            },
            _ => DefinitionKind::Service { extends, functions },
        };
        Definition {
            doc,
            name,
            kind,
            annotations,
            span,
        }
    }

    fn enum_member(&mut self, pair: Pair<'_, Rule>) -> EnumMember {
        let span = self.span(&pair);
        let doc = self.docs.before(pair.as_span().start());
        let mut member = EnumMember {
            doc,
            name: Ident {
                name: String::new(),
                span,
            },
            value: None,
            annotations: vec![],
            span,
        };
        for item in children(pair) {
            match item.as_rule() {
                Rule::identifier => member.name = self.name(item, "enum member"),
                Rule::int_const => member.value = Some(self.int_literal(item)),
                Rule::annotations => member.annotations = self.annotations(item),
                _ => {}
            }
        }
        member
    }

    fn field(&mut self, pair: Pair<'_, Rule>) -> Field {
        let span = self.span(&pair);
        let doc = self.docs.before(pair.as_span().start());
        let mut field = Field {
            doc,
            id: None,
            requiredness: (Requiredness::Default, None),
            ty: Type {
                kind: TypeKind::Base(BaseType::I32),
                annotations: vec![],
                span,
            },
            reference: false,
            name: Ident {
                name: String::new(),
                span,
            },
            default: None,
            xsd_optional: false,
            xsd_nillable: false,
            xsd_attrs: vec![],
            annotations: vec![],
            span,
        };
        for item in children(pair) {
            match item.as_rule() {
                Rule::field_id => {
                    if let Some(int) = children(item).next() {
                        field.id = Some(self.int_literal(int));
                    }
                }
                Rule::requiredness => {
                    let keyword = self.span(&item);
                    let required = item.as_str().starts_with("required");
                    let value = if required {
                        Requiredness::Required
                    } else {
                        Requiredness::Optional
                    };
                    field.requiredness = (value, Some(keyword));
                }
                Rule::field_type => field.ty = self.field_type(item),
                Rule::reference => field.reference = true,
                Rule::field_name => field.name = self.ident(item),
                Rule::const_value => field.default = Some(self.const_value(item)),
                Rule::xsd_optional => field.xsd_optional = true,
                Rule::xsd_nillable => field.xsd_nillable = true,
                Rule::xsd_attrs => {
                    field.xsd_attrs = children(item)
                        .filter(|p| p.as_rule() == Rule::field)
                        .map(|p| self.field(p))
                        .collect();
                }
                Rule::annotations => field.annotations = self.annotations(item),
                _ => {}
            }
        }
        field
    }

    fn function(&mut self, pair: Pair<'_, Rule>) -> Function {
        let span = self.span(&pair);
        let doc = self.docs.before(pair.as_span().start());
        let mut function = Function {
            doc,
            oneway: None,
            returns: None,
            returns_span: span,
            name: Ident {
                name: String::new(),
                span,
            },
            params: vec![],
            throws: None,
            annotations: vec![],
            span,
        };
        for item in children(pair) {
            match item.as_rule() {
                Rule::oneway => {
                    let is_async = item.as_str().starts_with("async");
                    function.oneway = Some((self.span(&item), is_async));
                }
                Rule::void_type => function.returns_span = self.span(&item),
                Rule::field_type => {
                    function.returns_span = self.span(&item);
                    function.returns = Some(self.field_type(item));
                }
                Rule::function_name => function.name = self.ident(item),
                Rule::field => function.params.push(self.field(item)),
                Rule::throws => {
                    let throws_span = self.span(&item);
                    let fields = children(item)
                        .filter(|p| p.as_rule() == Rule::field)
                        .map(|p| self.field(p))
                        .collect();
                    function.throws = Some((fields, throws_span));
                }
                Rule::annotations => function.annotations = self.annotations(item),
                _ => {}
            }
        }
        function
    }

    fn field_type(&mut self, pair: Pair<'_, Rule>) -> Type {
        let span = self.span(&pair);
        let mut kind = TypeKind::Base(BaseType::I32);
        let mut annotations = vec![];
        for item in children(pair) {
            match item.as_rule() {
                Rule::base_type => kind = TypeKind::Base(base_type(item.as_str())),
                Rule::named_type => {
                    if let Some(name) = children(item).next() {
                        kind = TypeKind::Named(self.name(name, "type"));
                    }
                }
                Rule::map_type | Rule::set_type | Rule::list_type => kind = self.container(item),
                Rule::annotations => annotations = self.annotations(item),
                _ => {}
            }
        }
        Type {
            kind,
            annotations,
            span,
        }
    }

    fn container(&mut self, pair: Pair<'_, Rule>) -> TypeKind {
        let rule = pair.as_rule();
        let mut cpp_type = None;
        let mut types = Vec::new();
        for item in children(pair) {
            match item.as_rule() {
                Rule::cpp_type => cpp_type = children(item).nth(1).map(|p| self.literal(p)),
                Rule::field_type => types.push(self.field_type(item)),
                _ => {}
            }
        }
        let mut types = types.into_iter().map(Box::new);
        let placeholder = || {
            Box::new(Type {
                kind: TypeKind::Base(BaseType::I32),
                annotations: vec![],
                span: Span::default(),
            })
        };
        let first = types.next().unwrap_or_else(placeholder);
        match rule {
            Rule::map_type => TypeKind::Map {
                key: first,
                value: types.next().unwrap_or_else(placeholder),
                cpp_type,
            },
            Rule::set_type => TypeKind::Set {
                element: first,
                cpp_type,
            },
            _ => TypeKind::List {
                element: first,
                cpp_type,
            },
        }
    }

    fn const_value(&mut self, pair: Pair<'_, Rule>) -> ConstValue {
        let span = self.span(&pair);
        let Some(item) = children(pair).next() else {
            return ConstValue {
                kind: ConstValueKind::Int(0),
                span,
            };
        };
        let kind = match item.as_rule() {
            Rule::double_const => ConstValueKind::Double(item.as_str().parse().unwrap_or(0.0)),
            Rule::int_const => ConstValueKind::Int(self.int_literal(item).value),
            Rule::bool_const => ConstValueKind::Bool(item.as_str() == "true"),
            Rule::literal => ConstValueKind::String(self.literal(item)),
            Rule::const_list => {
                ConstValueKind::List(children(item).map(|p| self.const_value(p)).collect())
            }
            Rule::const_map => ConstValueKind::Map(
                children(item)
                    .filter_map(|entry| {
                        let mut parts = children(entry);
                        let key = parts.next()?;
                        let value = parts.next()?;
                        Some((self.const_value(key), self.const_value(value)))
                    })
                    .collect(),
            ),
            _ => match children(item).next() {
                Some(name) => ConstValueKind::Ref(self.name(name, "constant")),
                None => ConstValueKind::Int(0),
            },
        };
        ConstValue { kind, span }
    }

    fn annotations(&mut self, pair: Pair<'_, Rule>) -> Vec<Annotation> {
        children(pair)
            .map(|annotation| {
                let span = self.span(&annotation);
                let mut parts = children(annotation);
                let key = parts
                    .next()
                    .map(|p| self.name(p, "annotation"))
                    .unwrap_or(Ident {
                        name: String::new(),
                        span,
                    });
                let value = parts
                    .next()
                    .map(|p| self.literal(p))
                    .unwrap_or_else(|| "1".to_string());
                Annotation { key, value, span }
            })
            .collect()
    }

    fn int_literal(&mut self, pair: Pair<'_, Rule>) -> IntLiteral {
        let span = self.span(&pair);
        let text = pair.as_str();
        let (negative, unsigned) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let magnitude = match unsigned.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => unsigned.parse::<u64>().ok(),
        };
        let value = magnitude.and_then(|m| {
            if negative {
                0i64.checked_sub_unsigned(m)
            } else {
                i64::try_from(m).ok()
            }
        });
        match value {
            Some(value) => IntLiteral { value, span },
            None => {
                self.diagnostics.push(Diagnostic::error(
                    "E0005",
                    format!("integer literal `{text}` does not fit in 64 bits"),
                    span,
                    "too large",
                ));
                IntLiteral { value: 0, span }
            }
        }
    }

    fn literal(&mut self, pair: Pair<'_, Rule>) -> String {
        let start = pair.as_span().start();
        let raw = pair.as_str();
        let inner = &raw[1..raw.len().saturating_sub(1).max(1)];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 't')) => out.push('\t'),
                Some((_, '"')) => out.push('"'),
                Some((_, '\'')) => out.push('\''),
                Some((_, '\\')) => out.push('\\'),
                other => {
                    let len = 1 + other.map_or(0, |(_, c)| c.len_utf8());
                    let at = start + 1 + i;
                    self.diagnostics.push(
                        Diagnostic::error(
                            "E0004",
                            "invalid escape in string literal",
                            Span::new(self.file, at, at + len),
                            "unknown escape",
                        )
                        .with_note("valid escapes are \\n \\r \\t \\\" \\' and \\\\"),
                    );
                }
            }
        }
        out
    }
}

/// Words Apache Thrift's lexer turns into keyword tokens (thriftl.ll), plus the removed
/// `senum`, `slist` and `async`.
const KEYWORDS: &[&str] = &[
    "namespace",
    "cpp_include",
    "cpp_type",
    "include",
    "void",
    "bool",
    "byte",
    "i8",
    "i16",
    "i32",
    "i64",
    "double",
    "string",
    "binary",
    "uuid",
    "slist",
    "senum",
    "map",
    "list",
    "set",
    "oneway",
    "async",
    "typedef",
    "struct",
    "union",
    "exception",
    "extends",
    "throws",
    "service",
    "enum",
    "const",
    "required",
    "optional",
    "xsd_all",
    "xsd_optional",
    "xsd_nillable",
    "xsd_attrs",
    "true",
    "false",
];

fn base_type(text: &str) -> BaseType {
    match text {
        "bool" => BaseType::Bool,
        "byte" => BaseType::Byte,
        "i8" => BaseType::I8,
        "i16" => BaseType::I16,
        "i64" => BaseType::I64,
        "double" => BaseType::Double,
        "string" => BaseType::String,
        "binary" => BaseType::Binary,
        "uuid" => BaseType::Uuid,
        "slist" => BaseType::Slist,
        _ => BaseType::I32,
    }
}

/// The length of `text` without trailing whitespace and comments.
fn trimmed_len(text: &str) -> usize {
    let mut end = text.len();
    loop {
        let trimmed = text[..end].trim_end();
        end = trimmed.len();
        if trimmed.ends_with("*/")
            && let Some(open) = trimmed[..end - 2].rfind("/*")
        {
            end = open;
            continue;
        }
        let line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
        if let Some(comment) = line_comment_start(&trimmed[line_start..]) {
            end = line_start + comment;
            continue;
        }
        return end;
    }
}

/// Where a `//` or `#` comment starts on a line, outside string literals.
fn line_comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => return Some(i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parser::tests::{line_col, parse_err, parse_ok};

    #[test]
    fn spans_end_at_the_last_token() {
        assert_eq!(trimmed_len("struct S {} // c\n  "), 11);
        assert_eq!(trimmed_len("a /* x */ \n"), 1);
        assert_eq!(trimmed_len("x = \"a//b\" # c"), 10);
    }

    #[test]
    fn literals_in_both_quote_styles_with_escapes() {
        let file = parse_ok(r#"const string A = "a\"b\n" const string B = 'c"d\''"#);
        let values: Vec<_> = file
            .definitions
            .iter()
            .map(|d| match &d.kind {
                DefinitionKind::Const {
                    value:
                        ConstValue {
                            kind: ConstValueKind::String(s),
                            ..
                        },
                    ..
                } => s.clone(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(values, ["a\"b\n", "c\"d'"]);
    }

    #[test]
    fn numbers() {
        let file = parse_ok(
            "const i64 A = -0x10 const double B = 1e5 const double C = -.5 const i32 D = +7",
        );
        let values: Vec<_> = file
            .definitions
            .iter()
            .map(|d| match &d.kind {
                DefinitionKind::Const { value, .. } => value.kind.clone(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            values,
            [
                ConstValueKind::Int(-16),
                ConstValueKind::Double(1e5),
                ConstValueKind::Double(-0.5),
                ConstValueKind::Int(7)
            ]
        );
    }

    #[test]
    fn keywords_as_field_names_and_prefixes_of_names() {
        let file = parse_ok(
            "struct S { 1: string string, 2: i32 list; 3: stringy x 4: list<i32> required }",
        );
        let DefinitionKind::Struct { fields, .. } = &file.definitions[0].kind else {
            panic!()
        };
        let names: Vec<_> = fields.iter().map(|f| f.name.name.as_str()).collect();
        assert_eq!(names, ["string", "list", "x", "required"]);
        assert!(matches!(&fields[2].ty.kind, TypeKind::Named(n) if n.name == "stringy"));
    }

    #[test]
    fn rust_keywords_are_plain_names() {
        parse_ok("struct type { 1: i32 fn, 2: i32 self } service impl { void match(1: i32 loop) }");
    }

    #[test]
    fn old_container_forms_and_annotations() {
        let file = parse_ok(
            "typedef map cpp_type \"std::map\" <i32, list<string> cpp_type \"v\"> M (a = \"x\\\"y\"; flag)",
        );
        let definition = &file.definitions[0];
        assert_eq!(definition.annotations.len(), 2);
        assert_eq!(definition.annotations[0].value, "x\"y");
        assert_eq!(definition.annotations[1].value, "1");
    }

    #[test]
    fn bad_escape() {
        let text = r#"const string S = "a\qb""#;
        let d = parse_err(text);
        assert_eq!(d.code, "E0004");
        assert_eq!(line_col(text, &d), (1, 20));
    }

    #[test]
    fn integer_overflow() {
        let d = parse_err("const i64 X = 99999999999999999999");
        assert_eq!(d.code, "E0005");
    }

    #[test]
    fn header_after_definition() {
        let d = parse_err("struct S {}\ninclude \"x.thrift\"\n");
        assert_eq!(d.code, "E0006");
        assert_eq!(d.secondary.len(), 1);
    }

    #[test]
    fn keywords_are_not_names() {
        let text = "struct S {\n  1: void nothing\n}";
        let d = parse_err(text);
        assert_eq!(d.code, "E0001");
        assert_eq!(line_col(text, &d), (2, 6));
        assert_eq!(
            d.message,
            "`void` is a keyword and cannot be used as a type name"
        );
        assert_eq!(
            parse_err("struct string {}").message,
            "`string` is a keyword and cannot be used as a definition name"
        );
        assert_eq!(parse_err("enum E { true }").code, "E0001");
        // A keyword followed by more name characters is an ordinary name.
        parse_ok("struct stringy { 1: i32.x a } const i32 enumerated = constant");
    }
}
