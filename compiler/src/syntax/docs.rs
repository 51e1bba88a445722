//! Doc comments: takes a file's text and returns its `/** */` comments, cleaned, for lowering to
//! attach to the node each one precedes (pest skips comments without reporting them).

/// A file's doc comments.
pub(super) struct DocComments<'t> {
    text: &'t str,
    /// (start, end, cleaned text) of each doc comment, in source order.
    comments: Vec<(usize, usize, String)>,
}

impl<'t> DocComments<'t> {
    /// Every doc comment in `text`.
    pub(super) fn scan(text: &'t str) -> Self {
        DocComments {
            text,
            comments: scan_docs(text),
        }
    }

    /// The doc comment separated from `start` by nothing but whitespace and plain comments.
    pub(super) fn before(&self, start: usize) -> Option<String> {
        let index = self.comments.partition_point(|(_, end, _)| *end <= start);
        let (_, end, text) = self.comments.get(index.checked_sub(1)?)?;
        only_trivia(&self.text[*end..start]).then(|| text.clone())
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
    use crate::syntax::ast::DefinitionKind;
    use crate::syntax::parser::tests::parse_ok;

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
}
