//! Loading: the roots, then every include, depth first, each read and parsed.
//!
//! Takes root paths (or an in-memory root) and include directories; returns `Loaded`: every
//! file read (in a [`SourceMap`]), each one's tree and resolved include edges, the roots' ids, and
//! diagnostics for syntax errors, unreadable files (missing, a directory, not UTF-8), missing
//! includes and include cycles. Names stay as the user gave them (joined onto the including
//! file's directory or an include directory); canonical paths are only used to recognise a file
//! read twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, SourceMap};
use crate::syntax::ast::{self, FileId, Header, Span};
use crate::syntax::parser::parse_file;

/// How deep includes may nest.
const MAX_INCLUDE_DEPTH: usize = 256;

/// Where the root files come from.
#[derive(Debug)]
pub(crate) enum Roots<'a> {
    /// Files on disk.
    Paths(&'a [PathBuf]),
    /// One file in memory.
    Text {
        /// The name shown in diagnostics; includes are relative to its directory.
        name: &'a str,
        /// The IDL text.
        text: &'a str,
    },
}

/// Every file read, with what loading found wrong.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// Every file's name and text, indexed by [`FileId`].
    pub(crate) sources: SourceMap,
    /// Every file, indexed by [`FileId`].
    pub(crate) files: Vec<LoadedFile>,
    /// The roots, in the order given, each once.
    pub(crate) roots: Vec<FileId>,
    /// Syntax, read, include and cycle errors, in the order found.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Reads and parses the roots and, depth first, everything they include.
pub(crate) fn load(roots: Roots<'_>, include_dirs: &[PathBuf]) -> Loaded {
    let mut loader = Loader::new(include_dirs);
    let mut root_ids = Vec::new();
    match roots {
        Roots::Paths(paths) => {
            for path in paths {
                if let Some(id) = loader.load_root_path(path)
                    && !root_ids.contains(&id)
                {
                    root_ids.push(id);
                }
            }
        }
        Roots::Text { name, text } => root_ids.push(loader.load_root_text(name, text)),
    }
    Loaded {
        sources: loader.sources,
        files: loader.files,
        roots: root_ids,
        diagnostics: loader.diagnostics,
    }
}

/// A file that was read, parsed or not.
#[derive(Debug)]
pub(crate) struct LoadedFile {
    pub(crate) id: FileId,
    /// The tree, if the file parsed.
    pub(crate) ast: Option<ast::File>,
    /// Resolved includes: the include header's span and the file it names.
    pub(crate) includes: Vec<(Span, FileId)>,
}

/// Reads roots and their includes into a source map.
struct Loader<'o> {
    include_dirs: &'o [PathBuf],
    sources: SourceMap,
    files: Vec<LoadedFile>,
    diagnostics: Vec<Diagnostic>,
    by_canonical: BTreeMap<PathBuf, FileId>,
    /// Files whose includes are being read, with the include that led into the next one.
    stack: Vec<(FileId, Option<Span>)>,
}

impl<'o> Loader<'o> {
    fn new(include_dirs: &'o [PathBuf]) -> Self {
        Loader {
            include_dirs,
            sources: SourceMap::new(),
            files: Vec::new(),
            diagnostics: Vec::new(),
            by_canonical: BTreeMap::new(),
            stack: Vec::new(),
        }
    }

    /// Reads a root file from disk. Returns its id, or `None` (with a diagnostic) if unreadable.
    fn load_root_path(&mut self, path: &Path) -> Option<FileId> {
        let canonical = std::fs::canonicalize(path).ok();
        if let Some(id) = canonical.as_ref().and_then(|c| self.by_canonical.get(c)) {
            return Some(*id);
        }
        match read(path) {
            Ok(text) => Some(self.add(path.display().to_string(), text, canonical)),
            Err(reason) => {
                self.diagnostics.push(Diagnostic::error_without_span(
                    "E0010",
                    format!("cannot read `{}`: {reason}", path.display()),
                ));
                None
            }
        }
    }

    /// Adds a root whose text the caller already has.
    fn load_root_text(&mut self, name: &str, text: &str) -> FileId {
        let canonical = std::fs::canonicalize(name).ok();
        self.add(name.to_string(), text.to_string(), canonical)
    }

    fn add(&mut self, name: String, text: String, canonical: Option<PathBuf>) -> FileId {
        let id = self.sources.add(name, text);
        if let Some(canonical) = canonical {
            self.by_canonical.insert(canonical, id);
        }
        let (tree, diagnostics) = parse_file(id, self.sources.text(id));
        self.diagnostics.extend(diagnostics);
        self.files.push(LoadedFile {
            id,
            ast: None,
            includes: Vec::new(),
        });
        let includes: Vec<(String, Span, Span)> = tree
            .as_ref()
            .map(|tree| {
                tree.headers
                    .iter()
                    .filter_map(|h| match h {
                        Header::Include {
                            path,
                            path_span,
                            span,
                        } => Some((path.clone(), *path_span, *span)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.files[id.0 as usize].ast = tree;
        self.stack.push((id, None));
        for (path, path_span, span) in includes {
            if let Some(target) = self.load_include(id, &path, path_span) {
                self.files[id.0 as usize].includes.push((span, target));
            }
        }
        self.stack.pop();
        id
    }

    fn load_include(&mut self, from: FileId, written: &str, span: Span) -> Option<FileId> {
        let from_path = PathBuf::from(self.sources.name(from));
        let mut candidates = Vec::new();
        let written_path = Path::new(written);
        if written_path.is_absolute() {
            candidates.push(written_path.to_path_buf());
        } else {
            candidates.push(match from_path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.join(written_path),
                _ => written_path.to_path_buf(),
            });
            candidates.extend(self.include_dirs.iter().map(|dir| dir.join(written_path)));
        }
        // Names stay relative as given, but `app/../lib/x.thrift` is shown as `lib/x.thrift`.
        let candidates: Vec<PathBuf> = candidates.iter().map(|c| normalise(c)).collect();
        let Some(found) = candidates.iter().find(|c| c.is_file()) else {
            let mut diagnostic = Diagnostic::error(
                "E0011",
                format!("included file `{written}` not found"),
                span,
                "not found",
            );
            for candidate in &candidates {
                diagnostic = diagnostic.with_note(format!("looked for {}", candidate.display()));
            }
            if self.include_dirs.is_empty() {
                diagnostic = diagnostic.with_note("add a directory to search with -I DIR");
            }
            self.diagnostics.push(diagnostic);
            return None;
        };
        let canonical = std::fs::canonicalize(found).ok();
        if let Some(existing) = canonical
            .as_ref()
            .and_then(|c| self.by_canonical.get(c))
            .copied()
        {
            if let Some(position) = self.stack.iter().position(|(id, _)| *id == existing) {
                self.report_cycle(position, from, span, existing);
                return None;
            }
            return Some(existing);
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            // Reading includes recurses; a bound keeps a pathological chain from exhausting the stack.
            self.diagnostics.push(Diagnostic::error(
                "E0013",
                format!(
                    "cannot read `{}`: includes are nested more than {MAX_INCLUDE_DEPTH} deep",
                    found.display()
                ),
                span,
                "not read",
            ));
            return None;
        }
        let text = match read(found) {
            Ok(text) => text,
            Err(reason) => {
                self.diagnostics.push(Diagnostic::error(
                    "E0013",
                    format!("cannot read included file `{}`: {reason}", found.display()),
                    span,
                    "included here",
                ));
                return None;
            }
        };
        if let Some(last) = self.stack.last_mut() {
            last.1 = Some(span);
        }
        Some(self.add(found.display().to_string(), text, canonical))
    }

    fn report_cycle(&mut self, position: usize, from: FileId, span: Span, target: FileId) {
        let message = if from == target {
            format!("`{}` includes itself", self.sources.name(target))
        } else {
            format!(
                "include cycle: `{}` is included again by a file it includes",
                self.sources.name(target)
            )
        };
        let mut diagnostic =
            Diagnostic::error("E0012", message, span, "this include closes the cycle");
        let chain = &self.stack[position..];
        for (index, (id, via)) in chain.iter().enumerate() {
            let next = chain.get(index + 1).map_or(target, |(next, _)| *next);
            if *id != from
                && let Some(via) = via
            {
                diagnostic =
                    diagnostic.with_label(*via, format!("includes `{}`", self.sources.name(next)));
            }
            diagnostic = diagnostic.with_note(format!(
                "`{}` includes `{}`",
                self.sources.name(*id),
                self.sources.name(next)
            ));
        }
        self.diagnostics.push(diagnostic);
    }
}

/// Removes `.` and folds `dir/..` without touching the file system, keeping leading `..`.
fn normalise(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

fn read(path: &Path) -> Result<String, String> {
    if path.is_dir() {
        return Err("it is a directory".to_string());
    }
    std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => "it is not valid UTF-8".to_string(),
        _ => e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::normalise;
    use std::path::{Path, PathBuf};

    #[test]
    fn include_paths_are_normalised_lexically() {
        assert_eq!(
            normalise(Path::new("app/../lib/x.thrift")),
            PathBuf::from("lib/x.thrift")
        );
        assert_eq!(
            normalise(Path::new("./a/./b.thrift")),
            PathBuf::from("a/b.thrift")
        );
        assert_eq!(
            normalise(Path::new("../lib/x.thrift")),
            PathBuf::from("../lib/x.thrift")
        );
        assert_eq!(
            normalise(Path::new("a/../../x.thrift")),
            PathBuf::from("../x.thrift")
        );
        assert_eq!(
            normalise(Path::new("/a/../x.thrift")),
            PathBuf::from("/x.thrift")
        );
    }
}
