//! The Rust code idlc generates for every example IDL, exactly as `idlc gen` writes it, under insta snapshots.
//!
//! Each snapshot holds the module generated for the example file itself (its includes have snapshots of their
//! own). `large/` is too big to review as a snapshot; it only has to generate and parse as Rust.

use std::path::{Path, PathBuf};

use idlc::codegen::rust::{GeneratedFile, RustOptions};
use idlc::{CheckOptions, generate_files};

/// The example as a path relative to the test's working directory (`tests/`), so the `// @generated from`
/// header reads the same on every machine.
fn relative_to_tests(path: &Path) -> PathBuf {
    let root = idlc_tests::repo_root();
    let inside = path
        .strip_prefix(&root)
        .unwrap_or_else(|_| panic!("{} is outside the repository", path.display()));
    Path::new("..").join(inside)
}

fn generate(path: &Path) -> Vec<GeneratedFile> {
    match generate_files(
        &[relative_to_tests(path)],
        &CheckOptions::default(),
        &RustOptions::default(),
    ) {
        Ok((files, _)) => files,
        Err(checked) => panic!("{} does not check:\n{}", path.display(), checked.render()),
    }
}

fn assert_parses(file: &GeneratedFile) {
    assert!(
        !file.code.contains("compile_error!"),
        "{}: the backend produced tokens syn could not parse:\n{}",
        file.path.display(),
        file.code
    );
    if let Err(error) = syn::parse_file(&file.code) {
        panic!("{} is not valid Rust: {error}", file.path.display());
    }
}

#[test]
fn generated_code() {
    insta::glob!("../../idl-examples", "**/*.thrift", |path| {
        if path.components().any(|part| part.as_os_str() == "large") {
            return;
        }
        let files = generate(path);
        let source = relative_to_tests(path);
        let own = files
            .iter()
            .find(|file| Path::new(&file.source) == source)
            .unwrap_or_else(|| {
                panic!(
                    "no module generated for {} itself (got {:?})",
                    source.display(),
                    files.iter().map(|f| &f.source).collect::<Vec<_>>()
                )
            });
        assert_parses(own);
        insta::assert_snapshot!(own.code);
    });
}

#[test]
fn large_example_generates_valid_rust() {
    let path = idlc_tests::examples_dir().join("large/large.thrift");
    let files = generate(&path);
    assert!(!files.is_empty());
    for file in &files {
        assert_parses(file);
    }
    let total: usize = files.iter().map(|file| file.code.len()).sum();
    assert!(
        total > 100_000,
        "large.thrift produced only {total} bytes of code"
    );
}
