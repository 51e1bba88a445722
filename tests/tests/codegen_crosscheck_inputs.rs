//! Every IDL the front end accepts also generates Rust: no error, and every module parses as a Rust file.
//!
//! The inputs are the ones the front-end cross-check runs through Apache Thrift: `idl-examples/` and the valid
//! and warning-only inputs under `tests/idl/`. Inputs the front end rejects (including those under
//! `tests/idl/invalid/`) are skipped here; their verdicts are checked in `frontend_crosscheck.rs`.

use std::path::{Path, PathBuf};

use idlc::codegen::rust::RustOptions;
use idlc::{CheckOptions, generate_files};

/// The folders searched for `.thrift` files, relative to the repository root.
const INPUT_DIRS: &[&str] = &["idl-examples", "tests/idl/realworld", "tests/idl/warnings"];

/// Inputs that resolve their includes through an include path, and the directory to search.
const INCLUDE_DIRS: &[(&str, &str)] = &[("tests/idl/realworld/", "tests/idl/realworld/lib")];

/// Checked by `codegen_snapshots.rs` instead: generating it takes a minute in a debug build, and once is enough.
const SKIPPED: &[&str] = &["idl-examples/large/"];

/// Fewer accepted inputs than this means the walk went wrong, not that the backend is fine.
const MIN_ACCEPTED: usize = 20;

fn thrift_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            thrift_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "thrift") {
            found.push(path);
        }
    }
}

fn options_for(relative: &str) -> CheckOptions {
    let root = idlc_tests::repo_root();
    CheckOptions {
        include_dirs: INCLUDE_DIRS
            .iter()
            .filter(|(prefix, _)| relative.starts_with(prefix))
            .map(|(_, dir)| root.join(dir))
            .collect(),
    }
}

#[test]
fn every_accepted_input_generates_rust_that_parses() {
    let root = idlc_tests::repo_root();
    let mut inputs = Vec::new();
    for dir in INPUT_DIRS {
        thrift_files(&root.join(dir), &mut inputs);
    }
    let mut accepted = 0;
    let mut failures = Vec::new();
    for path in &inputs {
        let relative = path
            .strip_prefix(&root)
            .expect("inside the repository")
            .to_string_lossy()
            .replace('\\', "/");
        if SKIPPED.iter().any(|prefix| relative.starts_with(prefix)) {
            continue;
        }
        let files = match generate_files(
            std::slice::from_ref(path),
            &options_for(&relative),
            &RustOptions::default(),
        ) {
            Ok((files, _)) => files,
            // Rejected by the front end: nothing to generate.
            Err(_) => continue,
        };
        accepted += 1;
        if files.is_empty() {
            failures.push(format!("{relative}: no module generated"));
        }
        for file in &files {
            if file.code.contains("compile_error!") {
                failures.push(format!(
                    "{relative}: {} holds tokens syn could not parse",
                    file.path.display()
                ));
            } else if let Err(error) = syn::parse_file(&file.code) {
                failures.push(format!(
                    "{relative}: {} is not valid Rust: {error}",
                    file.path.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {accepted} accepted inputs generated broken code:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        accepted >= MIN_ACCEPTED,
        "only {accepted} of {} inputs were accepted",
        inputs.len()
    );
}

/// The options that change the shape of the code (hash collections, serde derives, another runtime path) must
/// generate valid Rust too.
#[test]
fn kitchen_sink_generates_with_every_option() {
    let kitchen = idlc_tests::examples_dir().join("kitchen_sink/kitchen_sink.thrift");
    let variants = [
        RustOptions {
            hash_collections: true,
            ..RustOptions::default()
        },
        RustOptions {
            serde: true,
            ..RustOptions::default()
        },
        RustOptions {
            runtime_crate: "crate::reexported::runtime".to_owned(),
            ..RustOptions::default()
        },
    ];
    for options in &variants {
        let (files, _) = generate_files(
            std::slice::from_ref(&kitchen),
            &CheckOptions::default(),
            options,
        )
        .unwrap_or_else(|checked| panic!("kitchen_sink does not check:\n{}", checked.render()));
        for file in &files {
            assert!(
                !file.code.contains("compile_error!"),
                "{options:?}: {}",
                file.code
            );
            syn::parse_file(&file.code).unwrap_or_else(|e| {
                panic!(
                    "{options:?}: {} is not valid Rust: {e}",
                    file.path.display()
                )
            });
        }
        if options.hash_collections {
            let sink = files
                .iter()
                .find(|f| f.module == "kitchen_sink")
                .expect("kitchen_sink module");
            assert!(
                sink.code.contains("HashMap<"),
                "hash_collections left no HashMap"
            );
        }
        if options.runtime_crate.starts_with("crate::") {
            assert!(
                files.iter().all(|f| !f.code.contains("::idlc_runtime")),
                "runtime_crate is not honoured everywhere"
            );
        }
    }
}
