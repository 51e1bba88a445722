//! Diagnostics: what went wrong, where, and how to show it.
//!
//! Every problem the front end reports is a [`Diagnostic`] with a stable code from
//! [`CATALOGUE`]. Rendering goes through codespan-reporting: [`render_plain`] for the library
//! (no colour), [`render_to_stderr`] for the command line (colour on a terminal).

use std::io::IsTerminal;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use crate::syntax::ast::{FileId, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Printed, but the input is still accepted.
    Warning,
    /// The input is rejected.
    Error,
}

/// A span with a message, pointing at the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there (may be empty).
    pub message: String,
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code from [`CATALOGUE`], like `"E0020"`.
    pub code: &'static str,
    /// The headline.
    pub message: String,
    /// The main location, if the problem has one (an unreadable root file has none).
    pub primary: Option<Label>,
    /// Related locations ("first defined here").
    pub secondary: Vec<Label>,
    /// Extra lines printed after the snippet.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error with a primary label.
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Some(Label {
                span,
                message: label.into(),
            }),
            secondary: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A warning with a primary label.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span, label)
        }
    }

    /// An error that has no place in any source file.
    pub fn error_without_span(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Every code the front end emits, with a one-line explanation.
pub const CATALOGUE: &[(&str, &str)] = &[
    (
        "E0001",
        "syntax error: the text does not follow the IDL grammar",
    ),
    (
        "E0002",
        "a `/*` comment is not closed before the end of the file",
    ),
    (
        "E0003",
        "a string literal is not closed before the end of the line",
    ),
    (
        "E0004",
        "a string literal contains an escape other than \\n \\r \\t \\\" \\' \\\\",
    ),
    ("E0005", "an integer literal does not fit in 64 bits"),
    (
        "E0006",
        "a header (include, cpp_include, namespace) comes after a definition",
    ),
    (
        "E0008",
        "a definition, field, function or enum member name contains a dot",
    ),
    ("E0010", "a file given on the command line cannot be read"),
    (
        "E0011",
        "an included file is found neither next to the including file nor in any -I directory",
    ),
    ("E0012", "files include each other in a cycle"),
    (
        "E0013",
        "an included file cannot be read, or includes nest more than 256 files deep",
    ),
    ("E0020", "a type name does not refer to any type in scope"),
    (
        "E0021",
        "a constant value names no constant or enum member in scope",
    ),
    (
        "E0022",
        "two types or services, or two constants, in one file share a name",
    ),
    (
        "E0023",
        "two fields of one struct, argument list or throws clause share an id",
    ),
    (
        "E0024",
        "two fields of one struct, argument list or throws clause share a name",
    ),
    ("E0025", "a field id does not fit in i16"),
    ("E0026", "two members of one enum share a name"),
    ("E0027", "an enum value does not fit in i32"),
    (
        "E0028",
        "a name used as a type refers to a service or constant",
    ),
    ("E0030", "a constant value does not have the declared type"),
    (
        "E0031",
        "an integer constant does not fit in the declared integer type",
    ),
    (
        "E0032",
        "a constant names an enum member that does not exist, or an integer no member has",
    ),
    (
        "E0033",
        "a struct constant names a field the struct does not have",
    ),
    ("E0034", "an enum member is used without its enum's name"),
    ("E0035", "constants refer to each other in a cycle"),
    (
        "E0036",
        "a uuid constant is not in 8-4-4-4-12 hexadecimal form",
    ),
    (
        "E0040",
        "a throws clause names a type that is not an exception",
    ),
    ("E0041", "a service extends something that is not a service"),
    ("E0042", "a oneway function returns a value"),
    ("E0043", "a oneway function declares exceptions"),
    ("E0044", "a union member is marked required"),
    ("E0045", "typedefs refer to each other in a cycle"),
    ("E0046", "services extend each other in a cycle"),
    (
        "E0047",
        "two functions of one service share a name, or a function redefines an inherited one",
    ),
    (
        "E0048",
        "more than one member of a union has a default value",
    ),
    (
        "E0049",
        "a qualified name is defined by two included files known by the same module name",
    ),
    (
        "W0001",
        "deprecated syntax (senum, slist, async) that Apache Thrift 0.17 no longer accepts",
    ),
    (
        "W0002",
        "a field has no explicit id; a negative one is assigned as Apache Thrift does",
    ),
    (
        "W0003",
        "a field id is zero or negative; it is replaced by an assigned negative id",
    ),
    ("W0004", "two enum members share a value (an alias)"),
    ("W0005", "`optional` in an argument list has no effect"),
    (
        "W0006",
        "two included files have the same base name, so both are known by one module name",
    ),
    (
        "W0007",
        "a bool constant is written as an integer other than 0 or 1",
    ),
    (
        "W0008",
        "a namespace names a scope (language) that Apache Thrift does not know",
    ),
    // W0009 (an empty map written `[]`) is retired and not to be reused: Apache Thrift reads an
    // empty `[]` or `{}` as an empty container of any kind, without a word, and so does idlc.
    (
        "W0010",
        "an enum value is qualified by something other than its enum; its member name alone is \
         looked up in the expected enum, as Apache Thrift does",
    ),
];

/// The one-line explanation of a code, if it exists.
pub fn explain(code: &str) -> Option<&'static str> {
    CATALOGUE
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, text)| *text)
}

/// The sources of every file read while checking, addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<(String, String)>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file under the name it should be shown with.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push((name.into(), text.into()));
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    /// The name of a file as the user gave it (or as joined onto an include directory).
    pub fn name(&self, id: FileId) -> &str {
        self.files.get(id.0 as usize).map_or("", |(name, _)| name)
    }

    /// The text of a file.
    pub fn text(&self, id: FileId) -> &str {
        self.files.get(id.0 as usize).map_or("", |(_, text)| text)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True if no file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// 1-based line and column (in chars) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: u32) -> (usize, usize) {
        let text = self.text(file);
        let offset = (offset as usize).min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    fn to_codespan(&self) -> SimpleFiles<&str, &str> {
        let mut files = SimpleFiles::new();
        for (name, text) in &self.files {
            files.add(name.as_str(), text.as_str());
        }
        files
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_codespan(diagnostic: &Diagnostic, sources: &SourceMap) -> cs::Diagnostic<usize> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let clamp = |span: Span| {
        let len = sources.text(span.file).len();
        let start = (span.start as usize).min(len);
        let end = (span.end as usize).clamp(start, len);
        start..end
    };
    let mut labels = Vec::new();
    if let Some(primary) = &diagnostic.primary {
        labels.push(
            cs::Label::primary(primary.span.file.0 as usize, clamp(primary.span))
                .with_message(&primary.message),
        );
    }
    for label in &diagnostic.secondary {
        labels.push(
            cs::Label::secondary(label.span.file.0 as usize, clamp(label.span))
                .with_message(&label.message),
        );
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code)
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(diagnostic.notes.clone())
}

/// Renders diagnostics as plain text, one after another, in the order given.
pub fn render_plain(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let files = sources.to_codespan();
    let config = term::Config::default();
    let mut out = String::new();
    for diagnostic in diagnostics {
        match term::emit_into_string(&config, &files, &to_codespan(diagnostic, sources)) {
            Ok(text) => out.push_str(&text),
            // Only reachable if a span points outside its file; still say what went wrong.
            Err(_) => out.push_str(&format!(
                "{}[{}]: {}\n",
                severity_word(diagnostic),
                diagnostic.code,
                diagnostic.message
            )),
        }
    }
    out
}

fn severity_word(diagnostic: &Diagnostic) -> &'static str {
    match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Renders diagnostics to standard error, in colour when it is a terminal.
pub fn render_to_stderr(diagnostics: &[Diagnostic], sources: &SourceMap) -> std::io::Result<()> {
    let choice = if std::io::stderr().is_terminal() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let stream = StandardStream::stderr(choice);
    let mut lock = stream.lock();
    let files = sources.to_codespan();
    let config = term::Config::default();
    for diagnostic in diagnostics {
        term::emit_to_write_style(
            &mut lock,
            &config,
            &files,
            &to_codespan(diagnostic, sources),
        )
        .map_err(std::io::Error::other)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_codes_are_unique_and_sorted() {
        let codes: Vec<_> = CATALOGUE.iter().map(|(c, _)| *c).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn plain_rendering_shows_code_location_and_caret() {
        let mut sources = SourceMap::new();
        let file = sources.add("a.thrift", "struct S {\n  1: Foo x\n}\n");
        let diagnostic = Diagnostic::error(
            "E0020",
            "unknown type `Foo`",
            Span::new(file, 16, 19),
            "not found",
        );
        let text = render_plain(&[diagnostic], &sources);
        assert!(text.contains("error[E0020]: unknown type `Foo`"), "{text}");
        assert!(text.contains("a.thrift:2:6"), "{text}");
        assert!(text.contains("^^^ not found"), "{text}");
    }

    #[test]
    fn line_col_counts_chars() {
        let mut sources = SourceMap::new();
        let file = sources.add("a", "ab\né x");
        assert_eq!(sources.line_col(file, 0), (1, 1));
        assert_eq!(sources.line_col(file, 6), (2, 3));
    }
}
