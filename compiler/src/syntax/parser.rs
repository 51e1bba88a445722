//! Turns IDL text into an [`ast::File`](super::ast::File), or into syntax diagnostics.
//!
//! pest does the recognising (see `thrift.pest`); this module walks the pairs, decodes
//! literals, attaches doc comments and turns pest's failure into a readable message.

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::*;
use crate::diagnostics::Diagnostic;

#[allow(missing_docs, unreachable_pub)]
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "syntax/thrift.pest"]
    pub struct ThriftParser;
}

use grammar::{Rule, ThriftParser};

/// Parses one file. Returns the tree when the text is grammatical (possibly with diagnostics
/// about literals or header order, which are errors too) and every diagnostic found.
pub fn parse_file(file: FileId, text: &str) -> (Option<File>, Vec<Diagnostic>) {
    if let Some(offset) = too_deep(text) {
        // Parsing and lowering recurse once per level; a bound keeps any thread's stack safe.
        let diagnostic = Diagnostic::error(
            "E0001",
            format!("brackets nest more than {MAX_NESTING} levels deep"),
            Span::new(file, offset, offset + 1),
            "too deep",
        );
        return (None, vec![diagnostic]);
    }
    let document = match ThriftParser::parse(Rule::document, text) {
        Ok(mut pairs) => match pairs.next() {
            Some(pair) => pair,
            None => return (None, vec![]),
        },
        Err(error) => return (None, syntax_errors(file, text, &error)),
    };
    let mut lowerer = Lowerer {
        file,
        text,
        diagnostics: Vec::new(),
        docs: scan_docs(text),
    };
    let tree = lowerer.document(document);
    (Some(tree), lowerer.diagnostics)
}

// ---------------------------------------------------------------------------------------------
// Syntax errors
// ---------------------------------------------------------------------------------------------

/// How deeply brackets (`{`, `[`, `(`, `<`) may nest.
const MAX_NESTING: usize = 200;

/// The offset of the first bracket nested deeper than [`MAX_NESTING`], outside strings and
/// comments.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 1)
            }
            b'{' | b'[' | b'(' | b'<' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b'}' | b']' | b')' | b'>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// At most this many syntax errors are reported per file.
const MAX_SYNTAX_ERRORS: usize = 20;

/// The first syntax error, and more found by parsing again from each later line that starts a
/// definition (pest stops at the first error; a definition keyword at the start of a line is
/// a safe place to resume without cascading errors).
fn syntax_errors(file: FileId, text: &str, first: &pest::error::Error<Rule>) -> Vec<Diagnostic> {
    let mut diagnostics = vec![syntax_error(file, text, 0, first)];
    let mut position = error_position(first);
    while diagnostics.len() < MAX_SYNTAX_ERRORS
        && diagnostics.last().is_some_and(|d| d.code != "E0002")
    {
        let Some(resume) = next_definition_line(text, position) else {
            break;
        };
        match ThriftParser::parse(Rule::document, &text[resume..]) {
            Ok(_) => break,
            Err(error) => {
                position = resume + error_position(&error).max(1);
                diagnostics.push(syntax_error(file, text, resume, &error));
            }
        }
    }
    diagnostics
}

fn error_position(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        pest::error::InputLocation::Pos(pos) => pos,
        pest::error::InputLocation::Span((start, _)) => start,
    }
}

/// The start of the first line after `from` that begins (unindented) with a definition keyword.
fn next_definition_line(text: &str, from: usize) -> Option<usize> {
    const STARTS: &[&str] = &[
        "const",
        "typedef",
        "enum",
        "senum",
        "struct",
        "union",
        "exception",
        "service",
    ];
    let mut line_start = from + text.get(from..)?.find('\n')? + 1;
    while line_start < text.len() {
        let line = &text[line_start..];
        let starts_definition = STARTS.iter().any(|keyword| {
            line.strip_prefix(keyword)
                .is_some_and(|rest| rest.starts_with([' ', '\t']))
        });
        if starts_definition {
            return Some(line_start);
        }
        line_start += line.find('\n')? + 1;
    }
    None
}

/// Turns pest's failure, at `offset` + its position, into a diagnostic.
fn syntax_error(
    file: FileId,
    text: &str,
    offset: usize,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let pos = offset + error_position(error);
    let rest = &text[pos.min(text.len())..];
    if rest.starts_with("/*") && !rest[2..].contains("*/") {
        return Diagnostic::error(
            "E0002",
            "unterminated block comment",
            Span::new(file, pos, pos + 2),
            "this comment is never closed",
        )
        .with_note("add `*/` to end the comment");
    }
    if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'')
        && !string_closes_on_line(rest, quote)
    {
        let line_end = rest.find('\n').map_or(text.len(), |i| pos + i);
        return Diagnostic::error(
            "E0003",
            "unterminated string literal",
            Span::new(file, pos, line_end.trim_end_cr(text)),
            format!("no closing {quote} on this line"),
        );
    }
    if let pest::error::ErrorVariant::CustomError { message } = &error.variant {
        // pest stops before the native stack runs out; the input nests too deeply.
        return Diagnostic::error(
            "E0001",
            "the input nests too deeply to parse",
            Span::new(file, pos, pos + found_width(rest)),
            "nesting limit reached here",
        )
        .with_note(format!("parser: {message}"));
    }
    let expected = expected_phrases(error);
    let found = describe_found(rest);
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_alternatives(&expected))
    };
    let width = found_width(rest);
    let mut diagnostic = Diagnostic::error(
        "E0001",
        message,
        Span::new(file, pos, pos + width),
        "unexpected here",
    );
    // A definition (or the end of the file) where a `}` was expected: the brace of the
    // definition being read was never closed, which is worth pointing at.
    let starts_next_definition = rest.is_empty()
        || (text[..pos].ends_with('\n')
            && next_definition_line(text, pos.saturating_sub(1)) == Some(pos));
    if expected.contains(&"`}`")
        && starts_next_definition
        && let Some(open) = innermost_open_brace(&text[..pos])
    {
        let before = if rest.is_empty() {
            "the end of the file"
        } else {
            "the next definition"
        };
        diagnostic = diagnostic
            .with_label(
                Span::new(file, open, open + 1),
                format!("this `{{` is not closed before {before}"),
            )
            .with_note("add `}` where the definition ends");
    }
    diagnostic
}

/// The offset of the last `{` in `text` that no `}` closes, skipping comments and strings.
fn innermost_open_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            b'#' => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 1);
            }
            quote @ (b'"' | b'\'') => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != quote && bytes[j] != b'\n' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    open.pop()
}

trait TrimCr {
    fn trim_end_cr(self, text: &str) -> usize;
}

impl TrimCr for usize {
    fn trim_end_cr(self, text: &str) -> usize {
        if self > 0 && text.as_bytes().get(self - 1) == Some(&b'\r') {
            self - 1
        } else {
            self
        }
    }
}

fn string_closes_on_line(rest: &str, quote: char) -> bool {
    let mut chars = rest.chars().skip(1);
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\n' => return false,
            c if c == quote => return true,
            _ => {}
        }
    }
    false
}

fn expected_phrases(error: &pest::error::Error<Rule>) -> Vec<&'static str> {
    let mut phrases = Vec::new();
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(phrase) = rule_phrase(*rule) {
                phrases.push(phrase);
            }
        }
    }
    // Where a definition may follow, so may the end of the file, (at the top) a header, or
    // annotations on the definition just closed; naming them all adds nothing.
    if phrases.contains(&"a definition") {
        phrases.retain(|p| {
            !matches!(
                *p,
                "end of file" | "`include`" | "`cpp_include`" | "`namespace`" | "`(`"
            )
        });
    }
    if phrases.contains(&"annotations `(...)`") {
        phrases.retain(|p| *p != "`(`");
    }
    // After a field, annotations and the xsd_* markers may follow; one phrase covers them all.
    if phrases.iter().any(|p| p.starts_with("`xsd_")) {
        phrases.retain(|p| !p.starts_with("`xsd_") && !matches!(*p, "annotations `(...)`" | "`(`"));
        phrases.push(FIELD_MODIFIERS);
    }
    let mut seen = Vec::new();
    for phrase in phrases {
        if !seen.contains(&phrase) {
            seen.push(phrase);
        }
    }
    seen.sort_by_key(|p| usefulness(p));
    seen
}

/// The phrase for what may follow a field's type and name: annotations and the xsd markers.
const FIELD_MODIFIERS: &str = "field modifiers";

/// Most useful first: what the user most likely meant to write, then what closes the current
/// block, then other descriptions, keywords, punctuation, and optional decorations last.
fn usefulness(phrase: &str) -> u8 {
    match phrase {
        "a definition" | "a field" | "a function" | "an enum member" | "a constant value"
        | "a map entry" | "an annotation" => 0,
        "`}`" | "`)`" | "`]`" | "`>`" => 1,
        FIELD_MODIFIERS | "annotations `(...)`" => 5,
        p if !p.starts_with('`') => 2,
        p if p.len() > 3 => 3,
        _ => 4,
    }
}

fn join_alternatives(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn describe_found(rest: &str) -> String {
    let Some(first) = rest.chars().next() else {
        return "end of file".to_string();
    };
    let width = found_width(rest);
    if first.is_alphanumeric() || first == '_' || first == '-' || first == '+' {
        format!("`{}`", &rest[..width])
    } else if first == '"' || first == '\'' {
        "a string literal".to_string()
    } else {
        format!("`{first}`")
    }
}

fn found_width(rest: &str) -> usize {
    let Some(first) = rest.chars().next() else {
        return 0;
    };
    if first.is_alphanumeric() || first == '_' || first == '-' || first == '+' {
        let len = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map_or(rest.len(), |(i, _)| i);
        len.min(64)
    } else if first == '"' || first == '\'' {
        rest.char_indices()
            .skip(1)
            .find(|(_, c)| *c == first || *c == '\n')
            .map_or(rest.len(), |(i, c)| if c == first { i + 1 } else { i })
    } else {
        first.len_utf8()
    }
}

/// The phrase a user sees for a rule pest expected. Exhaustive on purpose: a new rule must get
/// a phrase before the crate compiles.
fn rule_phrase(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::WHITESPACE
        | Rule::COMMENT
        | Rule::line_rest
        | Rule::definition_keyword
        | Rule::block_rest
        | Rule::ident_char
        | Rule::ident_shape
        | Rule::word_end
        | Rule::exponent
        | Rule::list_sep
        | Rule::header
        | Rule::definition => return None,
        Rule::identifier | Rule::const_ref => "a name",
        Rule::field_name => "a field name",
        Rule::function_name => "a function name",
        Rule::literal => "a string literal",
        Rule::int_const => "an integer",
        Rule::double_const => "a number",
        Rule::bool_const => "`true` or `false`",
        Rule::kw_include | Rule::include => "`include`",
        Rule::kw_cpp_include | Rule::cpp_include => "`cpp_include`",
        Rule::kw_namespace | Rule::namespace => "`namespace`",
        Rule::kw_const
        | Rule::kw_typedef
        | Rule::kw_enum
        | Rule::kw_senum
        | Rule::kw_struct
        | Rule::kw_union
        | Rule::kw_exception
        | Rule::kw_service
        | Rule::const_def
        | Rule::typedef_def
        | Rule::enum_def
        | Rule::senum_def
        | Rule::struct_def
        | Rule::union_def
        | Rule::exception_def
        | Rule::service_def => "a definition",
        Rule::kw_extends | Rule::extends => "`extends`",
        Rule::kw_oneway | Rule::kw_async | Rule::oneway => "`oneway`",
        Rule::kw_void | Rule::void_type => "`void`",
        Rule::kw_throws | Rule::throws => "`throws`",
        Rule::kw_required | Rule::kw_optional | Rule::requiredness => "`required`/`optional`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::langle => "`<`",
        Rule::rangle => "`>`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::equals => "`=`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::kw_map
        | Rule::kw_set
        | Rule::kw_list
        | Rule::base_type_name
        | Rule::base_type
        | Rule::map_type
        | Rule::set_type
        | Rule::list_type
        | Rule::named_type
        | Rule::field_type => "a type",
        Rule::kw_cpp_type | Rule::cpp_type => "`cpp_type`",
        Rule::kw_xsd_all | Rule::xsd_all => "`xsd_all`",
        Rule::kw_xsd_optional | Rule::xsd_optional => "`xsd_optional`",
        Rule::kw_xsd_nillable | Rule::xsd_nillable => "`xsd_nillable`",
        Rule::kw_xsd_attrs | Rule::xsd_attrs => "`xsd_attrs`",
        Rule::document => "a definition",
        Rule::namespace_scope => "a namespace scope (a language name or `*`)",
        Rule::enum_member => "an enum member",
        Rule::function => "a function",
        Rule::field => "a field",
        Rule::field_id => "a field id",
        Rule::reference => "`&`",
        Rule::const_value | Rule::const_list | Rule::const_map => "a constant value",
        Rule::const_map_entry => "a map entry",
        Rule::annotations => "annotations `(...)`",
        Rule::annotation => "an annotation",
    })
}

// ---------------------------------------------------------------------------------------------
// Pairs to tree
// ---------------------------------------------------------------------------------------------

struct Lowerer<'t> {
    file: FileId,
    text: &'t str,
    diagnostics: Vec<Diagnostic>,
    /// Doc comments as (start, end, cleaned text), in source order.
    docs: Vec<(usize, usize, String)>,
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

    /// The doc comment separated from `start` by nothing but whitespace and plain comments.
    fn doc_before(&self, start: usize) -> Option<String> {
        let index = self.docs.partition_point(|(_, end, _)| *end <= start);
        let (_, end, text) = self.docs.get(index.checked_sub(1)?)?;
        only_trivia(&self.text[*end..start]).then(|| text.clone())
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
                        file.doc = self.doc_before(item.as_span().start());
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
        let doc = self.doc_before(pair.as_span().start());
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
        let doc = self.doc_before(pair.as_span().start());
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
        let doc = self.doc_before(pair.as_span().start());
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
        let doc = self.doc_before(pair.as_span().start());
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

/// Every doc comment in the text as (start, end, cleaned text), found by a small scan that
/// knows strings and comments (pest skips comments without reporting them).
fn scan_docs(text: &str) -> Vec<(usize, usize, String)> {
    let bytes = text.as_bytes();
    let mut docs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let Some(close) = text[i + 2..].find("*/") else {
                    break;
                };
                let end = i + 2 + close + 2;
                let comment = &text[i..end];
                let is_doc = comment.starts_with("/**")
                    && !comment[2..comment.len() - 1].bytes().all(|b| b == b'*');
                if is_doc {
                    docs.push((i, end, clean_doc(comment)));
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    docs
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

/// True if `text` is only whitespace and non-doc comments.
fn only_trivia(mut text: &str) -> bool {
    loop {
        text = text.trim_start();
        if text.is_empty() {
            return true;
        }
        if let Some(rest) = text.strip_prefix("//").or_else(|| text.strip_prefix('#')) {
            text = rest.find('\n').map_or("", |i| &rest[i..]);
        } else if let Some(rest) = text.strip_prefix("/*") {
            match rest.find("*/") {
                Some(i) => text = &rest[i + 2..],
                None => return false,
            }
        } else {
            return false;
        }
    }
}

/// Strips the comment markers and the leading `*` column, and the indentation common to all lines.
fn clean_doc(raw: &str) -> String {
    let body = raw.strip_prefix("/**").unwrap_or(raw);
    let body = body.strip_suffix("*/").unwrap_or(body);
    let lines: Vec<&str> = body
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            match trimmed.strip_prefix('*') {
                Some(rest) if !rest.starts_with('/') => rest,
                _ => line,
            }
        })
        .collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut cleaned: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else {
                l.get(indent..).unwrap_or(l).trim_end()
            }
        })
        .collect();
    while cleaned.first().is_some_and(|l| l.is_empty()) {
        cleaned.remove(0);
    }
    while cleaned.last().is_some_and(|l| l.is_empty()) {
        cleaned.pop();
    }
    cleaned.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> File {
        let (file, diagnostics) = parse_file(FileId(0), text);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        file.expect("parsed")
    }

    fn parse_err(text: &str) -> Diagnostic {
        let (_, diagnostics) = parse_file(FileId(0), text);
        diagnostics.into_iter().next().expect("a diagnostic")
    }

    fn line_col(text: &str, d: &Diagnostic) -> (usize, usize) {
        let mut sources = crate::SourceMap::new();
        let file = sources.add("t", text);
        sources.line_col(file, d.primary.as_ref().unwrap().span.start)
    }

    #[test]
    fn spans_end_at_the_last_token() {
        assert_eq!(trimmed_len("struct S {} // c\n  "), 11);
        assert_eq!(trimmed_len("a /* x */ \n"), 1);
        assert_eq!(trimmed_len("x = \"a//b\" # c"), 10);
    }

    #[test]
    fn doc_text_is_cleaned() {
        assert_eq!(
            clean_doc("/**\n * First line.\n *   indented\n */"),
            "First line.\n  indented"
        );
        assert_eq!(clean_doc("/** One line. */"), "One line.");
    }

    #[test]
    fn docs_attach_to_the_next_node_only() {
        let file = parse_ok(
            "/** File doc. */\nnamespace rs demo\n/** The struct. */\n// plain\nstruct S {\n  /** The field. */\n  1: i32 a\n  2: i32 b\n}\n",
        );
        assert_eq!(file.doc.as_deref(), Some("File doc."));
        let definition = &file.definitions[0];
        assert_eq!(definition.doc.as_deref(), Some("The struct."));
        let DefinitionKind::Struct { fields, .. } = &definition.kind else {
            panic!()
        };
        assert_eq!(fields[0].doc.as_deref(), Some("The field."));
        assert_eq!(fields[1].doc, None);
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
    fn empty_files_comment_only_files_and_byte_order_marks() {
        assert!(parse_ok("").definitions.is_empty());
        assert!(
            parse_ok("// nothing\n/* here */\n# either\r\n")
                .definitions
                .is_empty()
        );
        assert_eq!(parse_ok("\u{FEFF}struct S {}\r\n").definitions.len(), 1);
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
    fn missing_brace_reports_position_and_expectation() {
        let text = "struct S {\n  1: i32 a\n";
        let d = parse_err(text);
        assert_eq!(d.code, "E0001");
        assert_eq!(line_col(text, &d), (3, 1));
        assert!(d.message.contains("`}`"), "{}", d.message);
        assert!(d.message.ends_with("found end of file"), "{}", d.message);
    }

    #[test]
    fn missing_brace_is_reported_where_the_next_definition_starts() {
        let text = "struct A {\n  1: i32 a\n\nservice B {}\n";
        let d = parse_err(text);
        assert_eq!(line_col(text, &d), (4, 1));
        assert!(
            d.message.contains("`}`") && d.message.ends_with("found `service`"),
            "{}",
            d.message
        );
    }

    #[test]
    fn syntax_errors_in_later_definitions_are_reported_too() {
        let text = "struct A {\n  1 i32 a\n}\nstruct Fine {}\nenum E {\n  X = \n}\nservice S { void f( }\n";
        let (tree, diagnostics) = parse_file(FileId(0), text);
        assert!(tree.is_none());
        let lines: Vec<usize> = diagnostics.iter().map(|d| line_col(text, d).0).collect();
        assert_eq!(lines, [2, 7, 8], "{diagnostics:#?}");
        assert!(diagnostics.iter().all(|d| d.code == "E0001"));
    }

    #[test]
    fn missing_field_name_is_explained_in_words() {
        let text = "struct S {\n  1: i32\n}\n";
        let d = parse_err(text);
        assert_eq!(line_col(text, &d), (3, 1));
        assert!(d.message.contains("a field name"), "{}", d.message);
        assert!(!d.message.contains('_'), "rule names leak: {}", d.message);
    }

    #[test]
    fn garbage_at_top_level() {
        let text = "namespace rs x\n\nstruct S {}\nfoo bar\n";
        let d = parse_err(text);
        assert_eq!(line_col(text, &d), (4, 1));
        assert_eq!(d.message, "expected a definition, found `foo`");
    }

    #[test]
    fn unterminated_block_comment() {
        let text = "struct S {}\n/* never closed\n".to_string() + &"x ".repeat(100_000);
        let d = parse_err(&text);
        assert_eq!(d.code, "E0002");
        assert_eq!(line_col(&text, &d), (2, 1));
    }

    #[test]
    fn unterminated_string() {
        let text = "const string S = \"abc\nconst i32 X = 1\n";
        let d = parse_err(text);
        assert_eq!(d.code, "E0003");
        assert_eq!(line_col(text, &d), (1, 18));
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
    fn nesting_is_bounded_before_parsing() {
        let ok = format!("const list<i32> X = {}{}", "[".repeat(150), "]".repeat(150));
        parse_ok(&ok);
        let deep = format!("typedef {}i32{} T", "list<".repeat(300), ">".repeat(300));
        let d = parse_err(&deep);
        assert_eq!(d.message, "brackets nest more than 200 levels deep");
        assert_eq!(line_col(&deep, &d), (1, 8 + 5 * 200 + 5));
        // Brackets in strings and comments do not count.
        parse_ok(&format!(
            "const string S = \"{}\" // {}\n/* {} */",
            "[".repeat(300),
            "{".repeat(300),
            "<".repeat(300)
        ));
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

    #[test]
    fn every_rule_phrase_is_readable() {
        // No phrase shows a raw rule name to the user.
        let text = "struct S { 1: i32 a = }";
        let d = parse_err(text);
        assert!(d.message.contains("a constant value"), "{}", d.message);
    }
}
