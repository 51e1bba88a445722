//! Snapshots of the front end: the resolved model of every example IDL, and the rendered diagnostics of every
//! invalid or warning-only input under `tests/idl/`.
//!
//! Inputs are found by glob, so a new `.thrift` file gets a snapshot without touching this file; an invalid one
//! also needs a line in [`EXPECTED_ERRORS`] naming the error code it must produce, so the table and the folder
//! cannot drift apart unnoticed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Once;

use idlc::diagnostics::{CATALOGUE, Severity};
use idlc::{CheckOptions, Checked, check_files};

/// The error code each invalid input must produce, by path under `tests/idl/invalid/`.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    ("bad_escape.thrift", "E0004"),
    ("const_cycle.thrift", "E0035"),
    ("const_double_for_int.thrift", "E0030"),
    ("const_int_out_of_range.thrift", "E0031"),
    ("const_list_as_map.thrift", "E0030"),
    ("const_list_element_wrong_type.thrift", "E0030"),
    ("const_map_as_list.thrift", "E0030"),
    ("const_map_key_wrong_type.thrift", "E0030"),
    ("const_struct_unknown_field.thrift", "E0033"),
    ("const_wrong_type.thrift", "E0030"),
    ("default_wrong_type.thrift", "E0030"),
    ("duplicate_argument_id.thrift", "E0023"),
    ("duplicate_definition.thrift", "E0022"),
    ("duplicate_definition_kinds.thrift", "E0022"),
    ("duplicate_enum_member.thrift", "E0026"),
    ("duplicate_field_id.thrift", "E0023"),
    ("duplicate_field_name.thrift", "E0024"),
    ("dotted_definition_name.thrift", "E0008"),
    ("duplicate_function_name.thrift", "E0047"),
    ("enum_member_of_other_enum.thrift", "E0030"),
    ("enum_member_via_typedef_as_int.thrift", "E0021"),
    ("enum_value_out_of_range.thrift", "E0027"),
    ("extends_cycle.thrift", "E0046"),
    ("extends_non_service.thrift", "E0041"),
    ("extends_unknown.thrift", "E0020"),
    ("field_id_out_of_range.thrift", "E0025"),
    ("header_after_definition.thrift", "E0006"),
    ("inherited_function_redefined.thrift", "E0047"),
    ("include_cycle/include_cycle_a.thrift", "E0012"),
    ("include_cycle/include_cycle_b.thrift", "E0012"),
    ("include_not_found.thrift", "E0011"),
    ("include_not_utf8.thrift", "E0013"),
    ("include_self.thrift", "E0012"),
    ("include_same_base_name_ambiguous.thrift", "E0049"),
    ("integer_literal_overflow.thrift", "E0005"),
    ("not_utf8/latin1_comment.thrift", "E0010"),
    ("oneway_non_void.thrift", "E0042"),
    ("oneway_throws.thrift", "E0043"),
    ("syntax_bad_token.thrift", "E0001"),
    ("syntax_missing_brace.thrift", "E0001"),
    ("syntax_missing_field_type.thrift", "E0001"),
    ("syntax_void_field.thrift", "E0001"),
    ("throws_non_exception.thrift", "E0040"),
    ("type_names_const.thrift", "E0028"),
    ("type_names_service.thrift", "E0028"),
    ("typedef_cycle.thrift", "E0045"),
    ("typedef_of_service.thrift", "E0028"),
    ("typedef_self.thrift", "E0045"),
    ("unclosed_comment_eof.thrift", "E0002"),
    ("union_required_field.thrift", "E0044"),
    ("union_two_defaults.thrift", "E0048"),
    ("unknown_const.thrift", "E0021"),
    ("unknown_enum_member.thrift", "E0032"),
    ("unknown_include_prefix.thrift", "E0020"),
    ("unknown_type.thrift", "E0020"),
    ("unqualified_enum_member.thrift", "E0034"),
    ("unqualified_enum_member_included.thrift", "E0034"),
    ("unqualified_enum_member_typedef.thrift", "E0034"),
    ("unterminated_string.thrift", "E0003"),
    ("unterminated_string_eof.thrift", "E0003"),
    ("uuid_const_malformed.thrift", "E0036"),
];

/// The warning code each warning-only input must produce, by file name under `tests/idl/warnings/`.
const EXPECTED_WARNINGS: &[(&str, &str)] = &[
    ("async_oneway.thrift", "W0001"),
    ("bool_from_int.thrift", "W0007"),
    ("duplicate_enum_values.thrift", "W0004"),
    ("enum_member_through_module.thrift", "W0010"),
    ("enum_member_through_other_enum.thrift", "W0010"),
    ("include_same_base_name.thrift", "W0006"),
    ("negative_implicit_ids.thrift", "W0002"),
    ("non_positive_explicit_ids.thrift", "W0003"),
    ("optional_argument.thrift", "W0005"),
    ("senum.thrift", "W0001"),
    ("slist.thrift", "W0001"),
    ("unknown_namespace_scope.thrift", "W0008"),
];

/// Inputs that resolve their includes through an include path, and the directories to search.
const INCLUDE_DIRS: &[(&str, &str)] = &[("tests/idl/realworld/", "tests/idl/realworld/lib")];

/// Diagnostics name files by the path they were given; running from the repository root keeps those paths short
/// and the same on every machine.
fn at_repo_root() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_current_dir(idlc_tests::repo_root()).expect("repository root is reachable")
    });
}

/// `path` relative to the repository root, with `/` separators.
fn relative(path: &Path) -> PathBuf {
    let root = idlc_tests::repo_root();
    let relative = path.strip_prefix(&root).unwrap_or(path);
    PathBuf::from(relative.to_string_lossy().replace('\\', "/"))
}

fn options_for(path: &Path) -> CheckOptions {
    let text = path.to_string_lossy();
    CheckOptions {
        include_dirs: INCLUDE_DIRS
            .iter()
            .filter(|(prefix, _)| text.starts_with(prefix))
            .map(|(_, dir)| PathBuf::from(dir))
            .collect(),
    }
}

fn check(path: &Path) -> (PathBuf, Checked) {
    at_repo_root();
    let path = relative(path);
    let checked = check_files(std::slice::from_ref(&path), &options_for(&path));
    (path, checked)
}

fn codes(checked: &Checked, severity: Severity) -> Vec<&'static str> {
    checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .map(|d| d.code)
        .collect()
}

fn settings(folder: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new("snapshots").join(folder));
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// Files the glob visits, as paths relative to the repository root (for the coverage checks below).
fn thrift_files_under(dir: &str) -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("input folder is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "thrift") {
                out.insert(relative(&path).to_string_lossy().into_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&idlc_tests::repo_root().join(dir), &mut out);
    out
}

#[test]
fn examples_resolve_to_the_expected_model() {
    settings("frontend_models").bind(|| {
        insta::glob!("../../idl-examples", "**/*.thrift", |path| {
            let (name, checked) = check(path);
            assert!(
                !checked.has_errors(),
                "{} is rejected:\n{}",
                name.display(),
                checked.render()
            );
            // The generated 13,000-line IDL would make a snapshot nobody can review; it has its own test below.
            if name.starts_with("idl-examples/large") {
                return;
            }
            let program = checked
                .program
                .as_ref()
                .expect("a program when there are no errors");
            insta::assert_snapshot!(format!("{}\n{program:#?}", checked.render()));
        });
    });
}

#[test]
fn realworld_inputs_resolve_to_the_expected_model() {
    settings("frontend_realworld").bind(|| {
        insta::glob!("../idl/realworld", "**/*.thrift", |path| {
            let (name, checked) = check(path);
            assert!(
                !checked.has_errors(),
                "{} is rejected:\n{}",
                name.display(),
                checked.render()
            );
            let program = checked
                .program
                .as_ref()
                .expect("a program when there are no errors");
            insta::assert_snapshot!(format!("{}\n{program:#?}", checked.render()));
        });
    });
}

#[test]
fn the_large_example_is_accepted_without_a_word() {
    let (name, checked) = check(&idlc_tests::examples_dir().join("large/large.thrift"));
    assert!(
        checked.diagnostics.is_empty(),
        "{}:\n{}",
        name.display(),
        checked.render()
    );
    assert!(checked.program.is_some());
}

#[test]
fn the_large_example_is_what_its_generator_writes() {
    let dir = idlc_tests::examples_dir().join("large");
    let output = std::process::Command::new("python3")
        .arg(dir.join("generate.py"))
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let committed = std::fs::read(dir.join("large.thrift")).expect("large.thrift is readable");
    assert!(
        output.stdout == committed,
        "idl-examples/large/large.thrift is stale: regenerate it with \
         `python3 idl-examples/large/generate.py > idl-examples/large/large.thrift`"
    );
}

#[test]
fn invalid_inputs_are_rejected_with_readable_diagnostics() {
    settings("frontend_invalid").bind(|| {
        insta::glob!("../idl/invalid", "**/*.thrift", |path| {
            let (name, checked) = check(path);
            assert!(checked.has_errors(), "{} is accepted", name.display());
            let key = name
                .strip_prefix("tests/idl/invalid")
                .expect("under invalid/")
                .to_string_lossy()
                .into_owned();
            let expected = EXPECTED_ERRORS
                .iter()
                .find(|(file, _)| *file == key)
                .map(|(_, code)| *code)
                .unwrap_or_else(|| panic!("{key} has no entry in EXPECTED_ERRORS"));
            let errors = codes(&checked, Severity::Error);
            assert!(
                errors.contains(&expected),
                "{key}: expected {expected}, got {errors:?}\n{}",
                checked.render()
            );
            insta::assert_snapshot!(checked.render());
        });
    });
}

#[test]
fn warning_inputs_are_accepted_with_warnings() {
    settings("frontend_warnings").bind(|| {
        insta::glob!("../idl/warnings", "*.thrift", |path| {
            let (name, checked) = check(path);
            assert!(
                !checked.has_errors(),
                "{} is rejected:\n{}",
                name.display(),
                checked.render()
            );
            assert!(
                checked.program.is_some(),
                "{} has no program",
                name.display()
            );
            let file = name
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let expected = EXPECTED_WARNINGS
                .iter()
                .find(|(entry, _)| *entry == file)
                .map(|(_, code)| *code)
                .unwrap_or_else(|| panic!("{file} has no entry in EXPECTED_WARNINGS"));
            let warnings = codes(&checked, Severity::Warning);
            assert!(
                warnings.contains(&expected),
                "{file}: expected {expected}, got {warnings:?}\n{}",
                checked.render()
            );
            insta::assert_snapshot!(checked.render());
        });
    });
}

#[test]
fn every_table_entry_names_an_existing_input() {
    let invalid: BTreeSet<String> = thrift_files_under("tests/idl/invalid")
        .into_iter()
        .map(|path| path.trim_start_matches("tests/idl/invalid/").to_owned())
        .collect();
    let listed: BTreeSet<String> = EXPECTED_ERRORS
        .iter()
        .map(|(file, _)| (*file).to_owned())
        .collect();
    assert_eq!(
        listed, invalid,
        "EXPECTED_ERRORS and tests/idl/invalid/ list different files"
    );

    let warnings: BTreeSet<String> = thrift_files_under("tests/idl/warnings")
        .into_iter()
        .map(|path| path.trim_start_matches("tests/idl/warnings/").to_owned())
        .collect();
    let listed: BTreeSet<String> = EXPECTED_WARNINGS
        .iter()
        .map(|(file, _)| (*file).to_owned())
        .collect();
    assert_eq!(
        listed, warnings,
        "EXPECTED_WARNINGS and tests/idl/warnings/ list different files"
    );
}

#[test]
fn every_catalogued_code_has_an_input_that_produces_it() {
    let covered: BTreeSet<&str> = EXPECTED_ERRORS
        .iter()
        .chain(EXPECTED_WARNINGS)
        .map(|(_, code)| *code)
        .collect();
    let missing: Vec<&str> = CATALOGUE
        .iter()
        .map(|(code, _)| *code)
        .filter(|code| !covered.contains(code))
        .collect();
    assert!(
        missing.is_empty(),
        "codes no input in tests/idl/ exercises: {missing:?}"
    );
}

#[test]
fn realworld_includes_resolve_only_through_the_include_path() {
    at_repo_root();
    let service = PathBuf::from("tests/idl/realworld/app/service.thrift");
    let without = check_files(std::slice::from_ref(&service), &CheckOptions::default());
    assert_eq!(
        codes(&without, Severity::Error),
        ["E0011", "E0011"],
        "{}",
        without.render()
    );
    let with = check_files(
        &[service],
        &options_for(Path::new("tests/idl/realworld/app/service.thrift")),
    );
    assert!(!with.has_errors(), "{}", with.render());
}

#[test]
fn a_missing_root_file_is_an_error_not_a_panic() {
    at_repo_root();
    let checked = check_files(
        &[PathBuf::from("tests/idl/no_such_file.thrift")],
        &CheckOptions::default(),
    );
    assert!(checked.has_errors());
    assert_eq!(
        codes(&checked, Severity::Error),
        ["E0010"],
        "{}",
        checked.render()
    );
    assert!(
        checked.render().contains("tests/idl/no_such_file.thrift"),
        "{}",
        checked.render()
    );
}
