//! Syntax error prose: takes pest's failure on a file and returns diagnostics a user can read.
//!
//! pest stops at the first error and names the grammar rules it expected there. This module names
//! each rule with a phrase (`rule_phrase`, exhaustive, so no rule name ever reaches a user), calls
//! out unterminated comments and strings and unclosed braces, and finds later errors by parsing
//! again from each following definition.

use pest::Parser as _;

use super::ast::{FileId, Span};
use super::grammar::{Rule, ThriftParser};
use crate::diagnostics::Diagnostic;

/// At most this many syntax errors are reported per file.
const MAX_SYNTAX_ERRORS: usize = 20;

/// The first syntax error, and more found by parsing again from each later line that starts a
/// definition (pest stops at the first error; a definition keyword at the start of a line is
/// a safe place to resume without cascading errors).
pub(super) fn syntax_errors(
    file: FileId,
    text: &str,
    first: &pest::error::Error<Rule>,
) -> Vec<Diagnostic> {
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

#[cfg(test)]
mod tests {
    use crate::syntax::ast::FileId;
    use crate::syntax::parser::parse_file;
    use crate::syntax::parser::tests::{line_col, parse_err};

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
    fn every_rule_phrase_is_readable() {
        // No phrase shows a raw rule name to the user.
        let text = "struct S { 1: i32 a = }";
        let d = parse_err(text);
        assert!(d.message.contains("a constant value"), "{}", d.message);
    }
}
