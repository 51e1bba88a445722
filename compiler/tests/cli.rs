//! The `idlc` binary: help text, exit codes and what it prints.

use std::path::Path;
use std::process::{Command, Output};

fn idlc(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_idlc"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("idlc runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).unwrap();
    }
    dir
}

#[test]
fn help() {
    let out = idlc(&["--help"], Path::new("."));
    assert!(out.status.success());
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn check_help() {
    let out = idlc(&["check", "--help"], Path::new("."));
    assert!(out.status.success());
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn valid_file_prints_nothing_and_succeeds() {
    let dir = scratch(&[("ok.thrift", "struct S { 1: i32 a }\n")]);
    let out = idlc(&["check", "ok.thrift"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn warnings_print_but_do_not_fail() {
    let dir = scratch(&[("warn.thrift", "struct S { i32 a }\n")]);
    let out = idlc(&["check", "warn.thrift"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).starts_with("warning[W0002]: field `a` has no id"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_path_is_a_clear_error() {
    let dir = scratch(&[]);
    let out = idlc(&["check", "missing.thrift"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error[E0010]: cannot read `missing.thrift`: "),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn invalid_file_reports_every_error_with_location() {
    let dir = scratch(&[(
        "bad.thrift",
        "struct User {\n  1: string name\n  1: Missing id\n}\n\nservice Users {\n  oneway i32 ping()\n}\n",
    )]);
    let out = idlc(&["check", "bad.thrift"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    insta::assert_snapshot!(text(&out.stderr));
}

#[test]
fn include_dirs_are_searched() {
    let dir = scratch(&[(
        "main.thrift",
        "include \"dep.thrift\"\nstruct S { 1: dep.D d }\n",
    )]);
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::write(dir.path().join("lib/dep.thrift"), "struct D {}\n").unwrap();
    let out = idlc(&["check", "main.thrift"], dir.path());
    assert_eq!(out.status.code(), Some(1), "not found without -I");
    assert!(text(&out.stderr).contains("error[E0011]"));
    let out = idlc(&["check", "-I", "lib", "main.thrift"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn several_files_are_checked_together() {
    let dir = scratch(&[
        ("a.thrift", "struct A { 1: X x }\n"),
        ("b.thrift", "struct B { 1: Y y }\n"),
    ]);
    let out = idlc(&["check", "a.thrift", "b.thrift"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unknown type `X`") && stderr.contains("unknown type `Y`"),
        "{stderr}"
    );
}

#[test]
fn missing_file_argument_is_a_usage_error() {
    let out = idlc(&["check"], Path::new("."));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("FILE"));
}
