//! Parsing: one file's text to an [`ast::File`](super::ast::File), or to syntax diagnostics.
//!
//! pest does the recognising (see `thrift.pest`). [`parse_file`] bounds how deeply brackets nest,
//! then hands pest's failure to the `errors` module, which words it, or pest's pairs to `lower`,
//! which builds the tree.

use pest::Parser as _;

use super::ast::{File, FileId, Span};
use super::grammar::{Rule, ThriftParser};
use super::{errors, lower};
use crate::diagnostics::Diagnostic;

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
        Err(error) => return (None, errors::syntax_errors(file, text, &error)),
    };
    let (tree, diagnostics) = lower::document(file, text, document);
    (Some(tree), diagnostics)
}

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

#[cfg(test)]
pub(crate) mod tests {
    //! Tests of the whole parser, and the helpers the syntax modules' tests share.

    use super::*;

    pub(crate) fn parse_ok(text: &str) -> File {
        let (file, diagnostics) = parse_file(FileId(0), text);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        file.expect("parsed")
    }

    pub(crate) fn parse_err(text: &str) -> Diagnostic {
        let (_, diagnostics) = parse_file(FileId(0), text);
        diagnostics.into_iter().next().expect("a diagnostic")
    }

    pub(crate) fn line_col(text: &str, d: &Diagnostic) -> (usize, usize) {
        let mut sources = crate::SourceMap::new();
        let file = sources.add("t", text);
        sources.line_col(file, d.primary.as_ref().unwrap().span.start)
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
}
