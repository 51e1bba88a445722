//! One test per diagnostic code: each feeds a small IDL to the library and asserts the code,
//! its severity and where it points.

use std::path::{Component, Path, PathBuf};

use idlc::diagnostics::{CATALOGUE, Severity};
use idlc::{CheckOptions, Checked, Diagnostic, check_files, check_source};

fn check(text: &str) -> Checked {
    check_source("test.thrift", text, &CheckOptions::default())
}

/// The first diagnostic with `code`, after asserting the outcome matches its severity.
fn expect(checked: &Checked, code: &str) -> Diagnostic {
    let Some(found) = checked.diagnostics.iter().find(|d| d.code == code) else {
        panic!("no {code} in:\n{}", checked.render());
    };
    match found.severity {
        Severity::Error => assert!(
            checked.program.is_none(),
            "errors must withhold the program"
        ),
        Severity::Warning => assert!(
            !checked.has_errors(),
            "unexpected errors:\n{}",
            checked.render()
        ),
    }
    found.clone()
}

fn error(text: &str, code: &str) -> Diagnostic {
    let checked = check(text);
    let diagnostic = expect(&checked, code);
    assert_eq!(
        diagnostic.severity,
        Severity::Error,
        "{code} should be an error"
    );
    diagnostic
}

fn warning(text: &str, code: &str) -> Diagnostic {
    let checked = check(text);
    let diagnostic = expect(&checked, code);
    assert_eq!(
        diagnostic.severity,
        Severity::Warning,
        "{code} should be a warning"
    );
    diagnostic
}

/// 1-based line and column of a diagnostic's primary label in `text`.
fn position(text: &str, diagnostic: &Diagnostic) -> (usize, usize) {
    let mut sources = idlc::SourceMap::new();
    let file = sources.add("test.thrift", text);
    sources.line_col(
        file,
        diagnostic.primary.as_ref().expect("a location").span.start,
    )
}

fn labelled(text: &str, diagnostic: &Diagnostic) -> String {
    let span = diagnostic.primary.as_ref().expect("a location").span;
    text[span.range()].to_string()
}

/// Writes files into a fresh temporary directory.
fn files(entries: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in entries {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn every_code_has_an_explanation() {
    for (code, text) in CATALOGUE {
        assert!(code.len() == 5 && !text.is_empty());
    }
}

#[test]
fn valid_input_gives_a_program_and_no_diagnostics() {
    let checked = check("struct S { 1: i32 a }");
    assert!(checked.diagnostics.is_empty());
    assert!(checked.program.is_some());
    assert_eq!(checked.render(), "");
}

#[test]
fn e0001_syntax_error() {
    let text = "struct S {\n  1: i32 a\n  2 string b\n}";
    let d = error(text, "E0001");
    assert_eq!(position(text, &d), (3, 5));
    assert!(d.message.contains("`:`"), "{}", d.message);
}

#[test]
fn e0002_unterminated_comment() {
    let text = "struct S {}\n/* open";
    let d = error(text, "E0002");
    assert_eq!(position(text, &d), (2, 1));
}

#[test]
fn e0003_unterminated_string() {
    let d = error("const string S = 'abc\n", "E0003");
    assert_eq!(d.primary.unwrap().span.start, 17);
}

#[test]
fn e0004_bad_escape() {
    let text = r#"const string S = "\x41""#;
    let d = error(text, "E0004");
    assert_eq!(labelled(text, &d), "\\x");
}

#[test]
fn e0005_integer_literal_too_large() {
    error("const i64 X = -99999999999999999999", "E0005");
}

#[test]
fn e0006_header_after_definition() {
    let text = "struct S {}\nnamespace rs x\n";
    let d = error(text, "E0006");
    assert_eq!(position(text, &d), (2, 1));
}

#[test]
fn e0008_dotted_definition_name() {
    error("struct a.B {}", "E0008");
    error("struct S { 1: i32 a.b }", "E0008");
    error("enum E { A.B }", "E0008");
    error("service S { void a.b() }", "E0008");
}

#[test]
fn e0010_unreadable_root() {
    let checked = check_files(
        &[PathBuf::from("/no/such/dir/x.thrift")],
        &CheckOptions::default(),
    );
    let d = expect(&checked, "E0010");
    assert!(d.primary.is_none());
    assert!(d.message.contains("/no/such/dir/x.thrift"), "{}", d.message);
    assert!(checked.render().contains("error[E0010]"));
}

#[test]
fn e0010_root_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let checked = check_files(&[dir.path().to_path_buf()], &CheckOptions::default());
    assert!(expect(&checked, "E0010").message.contains("directory"));
}

#[test]
fn e0011_include_not_found_lists_where_it_looked() {
    let dir = files(&[("main.thrift", "include \"missing.thrift\"\n")]);
    let root = dir.path().join("main.thrift");
    let options = CheckOptions {
        include_dirs: vec![dir.path().join("inc")],
    };
    let checked = check_files(&[root], &options);
    let d = expect(&checked, "E0011");
    assert_eq!(d.notes.len(), 2, "{:?}", d.notes);
}

#[test]
fn includes_are_found_next_to_the_includer_then_in_include_dirs() {
    let dir = files(&[
        (
            "idl/main.thrift",
            "include \"near.thrift\"\ninclude \"far.thrift\"\nstruct M { 1: near.N n, 2: far.F f }",
        ),
        ("idl/near.thrift", "struct N {}"),
        ("lib/far.thrift", "struct F {}"),
    ]);
    let options = CheckOptions {
        include_dirs: vec![dir.path().join("lib")],
    };
    let checked = check_files(&[dir.path().join("idl/main.thrift")], &options);
    assert!(!checked.has_errors(), "{}", checked.render());
    let program = checked.program.unwrap();
    let paths: Vec<&str> = program.files.iter().map(|f| f.path.as_str()).collect();
    let base = dir.path().display().to_string();
    assert_eq!(
        paths,
        [
            format!("{base}/idl/main.thrift"),
            format!("{base}/idl/near.thrift"),
            format!("{base}/lib/far.thrift")
        ]
    );
}

/// `target` as a relative path from the working directory (through `..`), the way a user
/// might type it.
fn relative_to_cwd(target: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap();
    let depth = cwd
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    let mut path = PathBuf::new();
    for _ in 0..depth {
        path.push("..");
    }
    path.join(target.strip_prefix("/").unwrap_or(target))
}

#[test]
fn file_names_stay_as_given() {
    let dir = files(&[
        (
            "a/main.thrift",
            "include \"../b/dep.thrift\"\nstruct S { 1: dep.D d }",
        ),
        ("b/dep.thrift", "struct D {}"),
    ]);
    let root = relative_to_cwd(&dir.path().join("a/main.thrift"));
    let checked = check_files(std::slice::from_ref(&root), &CheckOptions::default());
    let program = checked.program.expect("valid");
    let root = root.display().to_string();
    assert_eq!(program.files[0].path, root);
    // `a/../b` is folded: the name stays relative, as written, but without the detour.
    assert_eq!(
        program.files[1].path,
        root.replace("a/main.thrift", "b/dep.thrift")
    );
    assert_eq!(program.files[1].module, "dep");
}

#[test]
fn e0012_include_cycle_names_every_step() {
    let dir = files(&[
        ("a.thrift", "include \"b.thrift\"\n"),
        ("b.thrift", "include \"c.thrift\"\n"),
        ("c.thrift", "include \"a.thrift\"\n"),
    ]);
    let checked = check_files(&[dir.path().join("a.thrift")], &CheckOptions::default());
    let d = expect(&checked, "E0012");
    assert_eq!(d.notes.len(), 3, "{:?}", d.notes);
    assert!(d.notes[2].contains("c.thrift` includes `") && d.notes[2].ends_with("a.thrift`"));
}

#[test]
fn e0012_self_include() {
    let dir = files(&[("a.thrift", "include \"a.thrift\"\n")]);
    let checked = check_files(&[dir.path().join("a.thrift")], &CheckOptions::default());
    assert!(
        expect(&checked, "E0012")
            .message
            .ends_with("includes itself")
    );
}

#[test]
fn a_file_included_twice_is_read_once() {
    let dir = files(&[
        ("a.thrift", "include \"b.thrift\"\ninclude \"c.thrift\"\n"),
        ("b.thrift", "include \"c.thrift\"\nstruct B { 1: c.C c }"),
        ("c.thrift", "struct C {}"),
    ]);
    let checked = check_files(&[dir.path().join("a.thrift")], &CheckOptions::default());
    let program = checked.program.expect("valid");
    assert_eq!(program.files.len(), 3);
    assert_eq!(program.structs.len(), 2);
}

#[test]
fn e0013_unreadable_include() {
    let dir = files(&[("a.thrift", "include \"b.thrift\"\n")]);
    std::fs::write(dir.path().join("b.thrift"), [0xff, 0xfe, 0x00]).unwrap();
    let checked = check_files(&[dir.path().join("a.thrift")], &CheckOptions::default());
    assert!(expect(&checked, "E0013").message.contains("UTF-8"));
}

#[test]
fn e0013_include_chain_too_deep() {
    let names: Vec<String> = (0..300).map(|i| format!("f{i}.thrift")).collect();
    let texts: Vec<String> = (0..300)
        .map(|i| format!("include \"f{}.thrift\"\n", i + 1))
        .collect();
    let entries: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(texts.iter().map(String::as_str))
        .collect();
    let dir = files(&entries);
    std::fs::write(dir.path().join("f300.thrift"), "struct End {}").unwrap();
    let checked = check_files(&[dir.path().join("f0.thrift")], &CheckOptions::default());
    assert!(
        expect(&checked, "E0013")
            .message
            .contains("nested more than 256 deep")
    );
}

#[test]
fn e0020_unknown_type_with_a_hint_for_included_names() {
    let dir = files(&[
        ("a.thrift", "include \"b.thrift\"\nstruct S { 1: Thing t }"),
        ("b.thrift", "struct Thing {}"),
    ]);
    let checked = check_files(&[dir.path().join("a.thrift")], &CheckOptions::default());
    let d = expect(&checked, "E0020");
    assert_eq!(
        d.notes,
        ["`Thing` is defined in an included file: write `b.Thing`"]
    );
}

#[test]
fn e0020_every_unknown_type_is_reported() {
    let checked = check("struct S { 1: A a, 2: map<B, C> m }\nservice X { D f(1: E e) }");
    let unknown: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "E0020")
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        unknown,
        [
            "unknown type `A`",
            "unknown type `B`",
            "unknown type `C`",
            "unknown type `D`",
            "unknown type `E`"
        ]
    );
}

#[test]
fn unknown_names_get_spelling_suggestions_of_the_right_kind() {
    let checked = check("struct Customer {}\nconst i32 Custom = 1\nstruct Order { 1: Custmer c }");
    assert_eq!(
        expect(&checked, "E0020").notes,
        ["did you mean `Customer`?"]
    );
    let checked = check("const i32 LIMIT = 1\nstruct LIMITS {}\nconst i32 X = LIMT");
    assert_eq!(expect(&checked, "E0021").notes, ["did you mean `LIMIT`?"]);
    let checked = check("enum Colour { RED, GREEN }\nconst Colour C = Colour.GREN");
    assert_eq!(
        expect(&checked, "E0032").notes,
        ["did you mean `Colour.GREEN`?"]
    );
    let checked = check("struct P { 1: i32 width }\nconst P V = {\"widht\": 1}");
    assert_eq!(expect(&checked, "E0033").notes, ["did you mean `width`?"]);
    let checked = check("struct Zebra {}\nstruct S { 1: Apple a }");
    assert!(expect(&checked, "E0020").notes.is_empty());
}

#[test]
fn e0021_unknown_constant() {
    let text = "const i32 A = B";
    let d = error(text, "E0021");
    assert_eq!(labelled(text, &d), "B");
}

#[test]
fn e0022_duplicate_definition_points_at_both() {
    let text = "struct A {}\nenum A { X }";
    let d = error(text, "E0022");
    assert_eq!(position(text, &d), (2, 6));
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(d.secondary[0].message, "first defined here");
}

#[test]
fn e0023_duplicate_field_id() {
    let d = error("struct S { 1: i32 a, 1: i32 b }", "E0023");
    assert_eq!(d.secondary.len(), 1);
}

#[test]
fn e0023_duplicate_implicit_and_explicit_negative_ids_are_not_confused() {
    // Implicit ids are negative, so they never clash with explicit positive ones.
    let checked = check("struct S { i32 a, 1: i32 b, i32 c }");
    assert!(!checked.has_errors(), "{}", checked.render());
}

#[test]
fn e0024_duplicate_field_name() {
    error("struct S { 1: i32 a, 2: string a }", "E0024");
}

#[test]
fn e0024_in_arguments_and_throws() {
    error("service S { void f(1: i32 a, 2: i32 a) }", "E0024");
    error(
        "exception E {} service S { void f() throws (1: E e, 2: E e) }",
        "E0024",
    );
}

#[test]
fn e0025_field_id_out_of_range() {
    let text = "struct S { 32768: i32 a }";
    let d = error(text, "E0025");
    assert_eq!(labelled(text, &d), "32768");
    assert!(check("struct S { 32767: i32 a }").program.is_some());
}

#[test]
fn e0026_duplicate_enum_member() {
    error("enum E { A, B, A }", "E0026");
}

#[test]
fn e0027_enum_value_out_of_range() {
    error("enum E { A = 2147483648 }", "E0027");
    error("enum E { A = 2147483647, B }", "E0027");
    assert!(check("enum E { A = -2147483648 }").program.is_some());
}

#[test]
fn e0028_service_or_constant_used_as_type() {
    error("service X {} struct S { 1: X x }", "E0028");
    error("const i32 C = 1 typedef C T", "E0028");
}

#[test]
fn e0030_value_of_wrong_type() {
    error("const string S = 1", "E0030");
    error("const i32 I = 1.5", "E0030");
    let d = error("const list<i32> L = {1: 2}", "E0030");
    assert!(d.notes[0].contains("empty list"), "{:?}", d.notes);
    let d = error("const set<i32> S = {1: 2}", "E0030");
    assert_eq!(d.primary.unwrap().message, "a set is written `[item, ...]`");
    error("const map<string, i32> M = {1: 2}", "E0030");
    error("const bool B = 1.5", "E0030");
    error("const bool B = \"yes\"", "E0030");
    let d = error("const map<i32, string> M = [1, 2]", "E0030");
    assert!(d.notes[0].contains("empty map"), "{:?}", d.notes);
    error("service S {}\ntypedef S T", "E0028");
    error("enum E { A } enum F { B } const E X = F.B", "E0030");
    error("const string S = \"x\" const i32 I = S", "E0030");
    error("struct P { 1: i32 x } const P V = {1: 2}", "E0030");
}

#[test]
fn e0030_in_a_field_default() {
    let text = "struct S {\n  1: i32 a = \"no\"\n}";
    let d = error(text, "E0030");
    assert_eq!(position(text, &d), (2, 14));
}

#[test]
fn e0031_integer_out_of_range_per_type() {
    error("const i8 A = 128", "E0031");
    error("const i16 A = -32769", "E0031");
    error("const i32 A = 0x80000000", "E0031");
    error(
        "const i32 BIG = 5000000000 const i64 OK = BIG const i16 SMALL = OK",
        "E0031",
    );
    let program = check("const i8 A = -128 const i64 B = -0x8000000000000000")
        .program
        .expect("in range");
    assert_eq!(program.consts[1].value, idlc::ir::ConstValue::Int(i64::MIN));
}

#[test]
fn e0032_unknown_enum_member_or_value() {
    error("enum E { A } const E X = E.B", "E0032");
    error("enum E { A = 1 } const E X = 2", "E0032");
}

#[test]
fn e0033_struct_constant_unknown_field() {
    error("struct P { 1: i32 x } const P V = {\"y\": 1}", "E0033");
}

#[test]
fn e0034_unqualified_enum_member() {
    let d = error("enum E { A } const E X = A", "E0034");
    assert_eq!(d.primary.unwrap().message, "write `E.A`");
}

#[test]
fn e0034_names_the_expected_enum_as_this_file_sees_it() {
    let d = error("enum E { A } typedef E T\nstruct S { 1: T t = A }", "E0034");
    assert_eq!(d.primary.unwrap().message, "write `E.A`");
    let dir = files(&[
        ("shades.thrift", "enum Shade { LIGHT = 1, DARK = 2 }\n"),
        (
            "main.thrift",
            "include \"shades.thrift\"\nenum Local { DARK = 5 }\nstruct T { 1: shades.Shade s = DARK }\n",
        ),
    ]);
    let checked = check_files(&[dir.path().join("main.thrift")], &CheckOptions::default());
    assert_eq!(
        expect(&checked, "E0034").primary.unwrap().message,
        "write `shades.Shade.DARK`"
    );
}

#[test]
fn w0010_a_member_named_through_another_name_is_read_in_the_expected_enum() {
    use idlc::ir::ConstValue;
    let member = |text: &str| match check(text).program.expect("accepted").consts[0]
        .value
        .clone()
    {
        ConstValue::Enum { member, value, .. } => (member, value),
        other => panic!("not an enum value: {other:?}"),
    };
    // A member of another enum with the same name: the expected enum's value, not the other one's.
    let text = "enum A { X = 1, Y = 2 }\nenum B { X = 10 }\nconst A C = B.X";
    let d = warning(text, "W0010");
    assert_eq!(labelled(text, &d), "B.X");
    assert_eq!(d.message, "`B.X` is read as `A.X` (1)");
    assert_eq!(d.notes.last().unwrap(), "write `A.X`");
    assert_eq!(member(text), ("X".into(), 1));
    // A member the qualifying enum lacks, or a qualifier that names no enum.
    let text = "enum A { X = 1, Y = 2 }\nenum B { W }\nconst A C = B.Y";
    warning(text, "W0010");
    assert_eq!(member(text), ("Y".into(), 2));
    warning("enum A { X = 1 }\nconst A C = Whatever.X", "W0010");
    warning(
        "enum A { X = 1 }\nstruct S { 1: i32 X }\nconst A C = S.X",
        "W0010",
    );
    // Apache Thrift skips at most two qualifiers.
    let text = "enum A { X = 1, Y = 2 }\nconst A C = A.X.Y";
    warning(text, "W0010");
    assert_eq!(member(text), ("Y".into(), 2));
    error("enum A { X = 1 }\nconst A C = a.b.c.X", "E0021");
    // Nothing to find in the expected enum: still an error.
    let d = error("enum A { X = 1 }\nenum B { W }\nconst A C = B.W", "E0030");
    assert_eq!(d.notes, ["`A` has no member `W`"]);
    error("enum A { X = 1 }\nconst A C = Whatever.W", "E0021");
    // Where an integer is expected, `Enum.MEMBER` is a constant like any other.
    assert_eq!(
        check("enum B { W = 7 }\nconst i32 I = B.W")
            .program
            .unwrap()
            .consts[0]
            .value,
        ConstValue::Int(7)
    );
}

#[test]
fn enum_members_can_be_named_through_typedefs_of_their_enum() {
    use idlc::ir::ConstValue;
    let checked = check(
        "enum A { X = 1, Y = 2 }\ntypedef A T\ntypedef T U\n\
         const A C = U.Y\nconst T D = T.X\nstruct S { 1: list<U> l = [T.Y, U.X] }",
    );
    assert!(checked.diagnostics.is_empty(), "{}", checked.render());
    let program = checked.program.unwrap();
    assert!(matches!(
        program.consts[0].value,
        ConstValue::Enum { value: 2, .. }
    ));
    assert!(matches!(
        program.consts[1].value,
        ConstValue::Enum { value: 1, .. }
    ));
    let d = error("enum A { X = 1 }\ntypedef A T\nconst i32 I = T.X", "E0021");
    assert_eq!(d.notes, ["write `A.X`"]);
    error("enum A { X = 1 }\ntypedef A T\nconst A C = T.Z", "E0032");

    let dir = files(&[
        (
            "colours.thrift",
            "enum Hue { RED = 1, BLUE = 4 }\ntypedef Hue Tint\n",
        ),
        (
            "main.thrift",
            "include \"colours.thrift\"\ntypedef colours.Hue Shade\n\
             const Shade A = Shade.BLUE\nconst colours.Hue B = colours.Tint.RED\n",
        ),
    ]);
    let checked = check_files(&[dir.path().join("main.thrift")], &CheckOptions::default());
    assert!(checked.diagnostics.is_empty(), "{}", checked.render());
    let program = checked.program.unwrap();
    let values: Vec<_> = program.consts.iter().map(|c| c.value.clone()).collect();
    assert!(
        matches!(values[0], ConstValue::Enum { value: 4, .. }),
        "{values:?}"
    );
    assert!(
        matches!(values[1], ConstValue::Enum { value: 1, .. }),
        "{values:?}"
    );
}

#[test]
fn e0035_constant_cycle() {
    let d = error("const i32 A = B\nconst i32 B = C\nconst i32 C = A", "E0035");
    assert_eq!(d.notes.len(), 3, "{:?}", d.notes);
    let mut labels: Vec<&str> = d.secondary.iter().map(|l| l.message.as_str()).collect();
    labels.sort_unstable();
    assert_eq!(
        labels,
        [
            "`A` refers to `B` here",
            "`B` refers to `C` here",
            "`C` refers to `A` here"
        ]
    );
    error("const i32 A = A", "E0035");
}

#[test]
fn long_chains_of_constants_and_services_are_followed_without_recursion() {
    let count = 20_000;
    // Each constant names the next one, so evaluation in source order would nest 20,000 deep.
    let mut text: String = (0..count)
        .map(|i| format!("const i32 C{i} = C{}\n", i + 1))
        .collect();
    text.push_str(&format!("const i32 C{count} = 7\n"));
    text.extend((0..count).map(|i| format!("service S{i} extends S{}\n{{}}\n", i + 1)));
    text.push_str(&format!("service S{count} {{}}\n"));
    let checked = check(&text);
    assert!(!checked.has_errors(), "{}", checked.render());
    assert_eq!(
        checked.program.unwrap().consts[0].value,
        idlc::ir::ConstValue::Int(7)
    );
}

#[test]
fn a_long_constant_cycle_is_an_error_not_a_crash() {
    let count = 5_000;
    let text: String = (0..count)
        .map(|i| format!("const i32 C{i} = C{}\n", (i + 1) % count))
        .collect();
    let checked = check(&text);
    assert!(checked.diagnostics.iter().any(|d| d.code == "E0035"));
}

#[test]
fn e0036_malformed_uuid() {
    error("const uuid U = \"1234\"", "E0036");
    assert!(
        check("const uuid U = \"00112233-4455-6677-8899-aabbccddeeff\"")
            .program
            .is_some()
    );
}

#[test]
fn e0040_throws_non_exception() {
    error(
        "struct NotAnError {} service S { void f() throws (1: NotAnError e) }",
        "E0040",
    );
    assert!(
        check("exception X {} typedef X Y service S { void f() throws (1: Y e) }")
            .program
            .is_some()
    );
}

#[test]
fn e0041_extends_non_service() {
    error("struct B {} service S extends B {}", "E0041");
}

#[test]
fn e0042_oneway_returning_a_value() {
    let d = error("service S { oneway i32 f() }", "E0042");
    assert_eq!(d.secondary[0].message, "declared oneway here");
}

#[test]
fn e0043_oneway_with_throws() {
    error(
        "exception X {} service S { oneway void f() throws (1: X x) }",
        "E0043",
    );
    // An empty throws clause declares nothing.
    assert!(
        check("service S { oneway void f() throws () }")
            .program
            .is_some()
    );
}

#[test]
fn e0044_required_union_member() {
    error("union U { 1: required i32 a, 2: string b }", "E0044");
    assert!(check("struct S { 1: required i32 a }").program.is_some());
}

#[test]
fn e0045_typedef_cycles() {
    error("typedef A B\ntypedef B A", "E0045");
    error("typedef list<T> T", "E0045");
    let d = error("typedef T1 T2\ntypedef T2 T3\ntypedef T3 T1", "E0045");
    assert_eq!(d.notes.len(), 3);
    assert_eq!(d.secondary.len(), 2);
    assert!(
        d.secondary
            .iter()
            .all(|l| l.message.contains("is defined in terms of")),
        "{:?}",
        d.secondary
    );
}

#[test]
fn e0046_service_extension_cycle() {
    let checked = check("service A extends B {}\nservice B extends A {}");
    let cycles = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "E0046")
        .count();
    assert_eq!(cycles, 1, "one cycle, one error:\n{}", checked.render());
    let d = error(
        "service A extends B {}\nservice B extends C {}\nservice C extends A {}",
        "E0046",
    );
    let labels: Vec<&str> = d.secondary.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(labels, ["`B` extends `C` here", "`C` extends `A` here"]);
}

#[test]
fn e0047_duplicate_function() {
    error("service S { void f(), i32 f() }", "E0047");
}

#[test]
fn e0047_function_redefining_an_inherited_one_points_at_both() {
    let text = "service Base { void ping() }\nservice D extends Base { void ping() }";
    let d = error(text, "E0047");
    assert_eq!(position(text, &d), (2, 31));
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(d.secondary[0].message, "inherited from `Base` here");
    assert_eq!(&text[d.secondary[0].span.range()], "ping");

    // Through a grandparent, with a different signature.
    let text = "service A { void ping() }\nservice B extends A { void pong() }\nservice C extends B { i32 ping(1: i32 x) }";
    let d = error(text, "E0047");
    assert_eq!(position(text, &d), (3, 27));
    assert_eq!(d.secondary[0].message, "inherited from `A` here");

    // From a service in an included file.
    let dir = files(&[
        ("base.thrift", "service Base { void ping() }"),
        (
            "main.thrift",
            "include \"base.thrift\"\nservice D extends base.Base { void ping() }",
        ),
    ]);
    let checked = check_files(&[dir.path().join("main.thrift")], &CheckOptions::default());
    let d = expect(&checked, "E0047");
    assert_ne!(
        d.secondary[0].span.file,
        d.primary.as_ref().unwrap().span.file
    );

    // A cycle is reported once, as a cycle, without looping here.
    let checked = check("service A extends B { void f() }\nservice B extends A { void f() }");
    assert!(checked.diagnostics.iter().any(|d| d.code == "E0046"));
}

#[test]
fn e0048_union_with_two_defaults() {
    let text = "union U { 1: i32 a = 1; 2: i32 b = 2 }";
    let d = error(text, "E0048");
    assert_eq!(labelled(text, &d), "2");
    assert_eq!(&text[d.secondary[0].span.range()], "1");
    assert!(
        check("union U { 1: i32 a = 1; 2: i32 b }")
            .program
            .is_some()
    );
}

#[test]
fn includes_with_the_same_base_name_share_the_module_name() {
    let dir = files(&[
        ("a/common.thrift", "struct OnlyA {}\nstruct Shared {}"),
        ("b/common.thrift", "struct OnlyB {}\nstruct Shared {}"),
        (
            "main.thrift",
            "include \"a/common.thrift\"\ninclude \"b/common.thrift\"\nstruct S { 1: common.OnlyA a, 2: common.OnlyB b }",
        ),
        (
            "ambiguous.thrift",
            "include \"a/common.thrift\"\ninclude \"b/common.thrift\"\nstruct S { 1: common.Shared s }",
        ),
    ]);
    let checked = check_files(&[dir.path().join("main.thrift")], &CheckOptions::default());
    let d = expect(&checked, "W0006");
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(d.secondary.len(), 1, "both include lines are shown");
    assert!(checked.program.is_some());

    let checked = check_files(
        &[dir.path().join("ambiguous.thrift")],
        &CheckOptions::default(),
    );
    let d = expect(&checked, "E0049");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.secondary.len(), 2, "both include lines are shown");
    assert!(
        !checked.diagnostics.iter().any(|d| d.code == "E0020"),
        "{}",
        checked.render()
    );
}

#[test]
fn types_and_constants_have_separate_namespaces() {
    let checked = check(
        "struct S { 1: i32 a }\nconst i32 S = 1\nconst i32 X = S\nconst S V = { \"a\": S }\nstruct T { 1: S s }",
    );
    assert!(!checked.has_errors(), "{}", checked.render());
    let program = checked.program.unwrap();
    assert_eq!(program.consts.len(), 3);
    // Two types, or two constants, still clash.
    error("struct S {}\nenum S { A }", "E0022");
    error("const i32 C = 1\nconst i32 C = 2", "E0022");
    error("struct S {}\nservice S {}", "E0022");
}

#[test]
fn w0006_w0007_w0008_warnings() {
    let d = warning("const bool B = 2", "W0007");
    assert!(d.primary.unwrap().message.contains("true"));
    let d = warning("const bool B = -1", "W0007");
    assert!(d.primary.unwrap().message.contains("false"));
    assert!(
        check("const bool B = 1\nconst bool C = 0")
            .diagnostics
            .is_empty()
    );

    let d = warning("namespace jave com.example\nstruct S {}", "W0008");
    assert_eq!(d.notes, ["did you mean `java`?"]);
    assert!(
        check("namespace * a\nnamespace py.twisted b\nnamespace rs c\nnamespace netstd d")
            .diagnostics
            .is_empty()
    );
}

#[test]
fn empty_containers_are_written_either_way() {
    use idlc::ir::ConstValue;
    let checked = check(
        "const map<i32, string> M = []\nconst set<i32> S = {}\nconst list<string> L = {}\n\
         struct T { 1: set<binary> b = {}, 2: list<set<i32>> n = [{}, [1]] }",
    );
    assert!(checked.diagnostics.is_empty(), "{}", checked.render());
    let program = checked.program.unwrap();
    assert_eq!(program.consts[0].value, ConstValue::Map(Vec::new()));
    assert_eq!(program.consts[1].value, ConstValue::List(Vec::new()));
    assert_eq!(program.consts[2].value, ConstValue::List(Vec::new()));
    assert_eq!(
        program.structs[0].fields[0].default,
        Some(ConstValue::List(Vec::new()))
    );
}

#[test]
fn a_missing_brace_points_at_the_unclosed_definition() {
    let text = "struct Open {\n  1: i32 x\n\nservice After {\n  void ping()\n}\n";
    let d = error(text, "E0001");
    assert!(d.message.contains("`}`"), "{}", d.message);
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(&text[d.secondary[0].span.range()], "{");
    assert_eq!(d.secondary[0].span.start, 12);
    let text = "struct Open {\n  1: i32 x\n";
    let d = error(text, "E0001");
    assert_eq!(d.secondary[0].span.start, 12);
    assert!(d.secondary[0].message.contains("end of the file"));
    // A stray token inside a closed struct says nothing about braces.
    let d = error("struct P {\n  1: i32 x @ 5\n}\n", "E0001");
    assert!(d.secondary.is_empty());
}

#[test]
fn syntax_errors_after_a_field_name_the_field_first_and_fold_modifiers() {
    let d = error("struct S {\n  1: i32 a xsd_optional @\n}\n", "E0001");
    assert!(
        d.message
            .starts_with("expected a field, `}` or field modifiers"),
        "{}",
        d.message
    );
    assert!(!d.message.contains("xsd_nillable"), "{}", d.message);
}

#[test]
fn w0001_deprecated_forms_are_accepted() {
    warning("senum S { \"a\", \"b\" }", "W0001");
    warning("struct S { 1: slist s }", "W0001");
    warning("service S { async void f() }", "W0001");
    let program = check("senum S { \"a\" 'b' }").program.unwrap();
    assert_eq!(
        program.typedefs[0].senum_values.as_deref(),
        Some(&["a".to_string(), "b".to_string()][..])
    );
}

#[test]
fn w0002_implicit_ids_are_negative_like_apache() {
    let checked = check("struct S { i32 a, 5: i32 b, i32 c }");
    let d = expect(&checked, "W0002");
    assert_eq!(d.primary.unwrap().message, "assigned id -1");
    let program = checked.program.unwrap();
    let ids: Vec<i16> = program.structs[0].fields.iter().map(|f| f.id).collect();
    assert_eq!(ids, [-1, 5, -2]);
    assert!(program.structs[0].fields[0].implicit_id);
}

#[test]
fn w0003_non_positive_explicit_ids_are_replaced() {
    let checked = check("struct S { 0: i32 a, -5: i32 b }");
    expect(&checked, "W0003");
    let ids: Vec<i16> = checked.program.unwrap().structs[0]
        .fields
        .iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(ids, [-1, -2]);
}

#[test]
fn w0004_enum_aliases_are_allowed() {
    let d = warning("enum E { A = 1, B = 1 }", "W0004");
    assert_eq!(d.secondary.len(), 1);
}

#[test]
fn w0005_optional_argument() {
    warning("service S { void f(1: optional i32 a) }", "W0005");
}

#[test]
fn all_errors_of_a_pass_are_reported_not_just_the_first() {
    let checked = check(
        "struct A { 1: i32 x, 1: i32 y }\nstruct A {}\nunion U { 1: required i32 a }\nservice S { oneway i32 f() }",
    );
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0022"], "symbol errors stop before later passes");
    let checked = check(
        "struct A { 1: i32 x, 1: i32 y }\nunion U { 1: required i32 a }\nservice S { oneway i32 f() }",
    );
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0023", "E0044", "E0042"]);
}

#[test]
fn rendering_is_plain_and_complete() {
    let checked = check("struct S {\n  1: Missing m\n}\n");
    let text = checked.render();
    assert!(
        text.starts_with("error[E0020]: unknown type `Missing`"),
        "{text}"
    );
    assert!(text.contains("┌─ test.thrift:2:6"), "{text}");
    assert!(text.contains("^^^^^^^"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour codes: {text:?}");
}

#[test]
fn forms_seen_in_apache_thrift_test_files_are_accepted() {
    let text = r#"
namespace py.twisted demo
namespace cpp.extra demo
namespace xsd demo (uri = 'http://example.org/ns')
namespace * demo
enum N { ONE = 1, TWO, FIVE = 5, SIX }
const N FIRST = N.ONE;
typedef i64 Id
struct Box { 1: string s, 4: i8 b, }
struct Deep {
  1: required list<map<set<i32> (python.immutable = ""), map<i32,set<list<map<Box,string>(x = "")> (y = "")>>>> f,
  2: optional bool flag = true;
  3: string text = "true";
} (python.immutable= "")
exception E1 { 1: i32 code }
exception E2 {}
service S {
  void a(1:i32 x) throws(1: E1 e1, 2: E2 e2)
  /** Documented. */
  oneway void b()
}
const double E10 = 1e10
const double LEADING_ZERO = 085.25
const i32 OCTAL_LOOKING = 098325
const i32 HEX = -0x0001F
const uuid U = '{00112233-4455-6677-8899-aaBBccDDeeFF}'
const set<uuid> US = ['00000000-4444-CCCC-ffff-0123456789ab']
"#;
    let checked = check(text);
    assert!(checked.diagnostics.is_empty(), "{}", checked.render());
    let program = checked.program.unwrap();
    let values: Vec<i32> = program.enums[0].members.iter().map(|m| m.value).collect();
    assert_eq!(values, [1, 2, 5, 6]);
    let consts: Vec<_> = program.consts.iter().map(|c| c.value.clone()).collect();
    use idlc::ir::ConstValue::*;
    assert_eq!(consts[1], Double(1e10));
    assert_eq!(consts[2], Double(85.25));
    assert_eq!(consts[3], Int(98325));
    assert_eq!(consts[4], Int(-31));
    assert_eq!(
        program.services[0].functions[1].doc.as_deref(),
        Some("Documented.")
    );
    assert_eq!(
        program.files[0].namespaces[2].annotations[0].value,
        "http://example.org/ns"
    );
}

#[test]
fn the_model_resolves_names_across_includes() {
    let dir = files(&[
        (
            "shared.thrift",
            "namespace rs shared\nenum Level { LOW = 1, HIGH = 2 }\nconst i32 LIMIT = 10\n\
             typedef i64 Id\ntypedef Id UserId\nservice Base { void ping() }\n",
        ),
        (
            "main.thrift",
            "include \"shared.thrift\"\n\
             const shared.Level DEFAULT = shared.Level.HIGH\n\
             const i64 BIGGER = shared.LIMIT\n\
             struct User { 1: shared.UserId id, 2: shared.Level level = shared.Level.LOW }\n\
             service Users extends shared.Base { User get(1: shared.UserId id) }\n",
        ),
    ]);
    let checked = check_files(&[dir.path().join("main.thrift")], &CheckOptions::default());
    assert!(checked.diagnostics.is_empty(), "{}", checked.render());
    let program = checked.program.unwrap();
    use idlc::ir::{ConstValue, DefinitionId, TypeKind};

    let level = program
        .enums
        .iter()
        .position(|e| e.name == "Level")
        .unwrap();
    let default = program.consts.iter().find(|c| c.name == "DEFAULT").unwrap();
    assert_eq!(
        default.value,
        ConstValue::Enum {
            id: idlc::ir::EnumId(level as u32),
            member: "HIGH".into(),
            value: 2
        }
    );
    assert_eq!(
        program
            .consts
            .iter()
            .find(|c| c.name == "BIGGER")
            .unwrap()
            .value,
        ConstValue::Int(10)
    );

    let user = program.structs.iter().find(|s| s.name == "User").unwrap();
    let TypeKind::Typedef(user_id) = user.fields[0].ty.kind else {
        panic!("typedef kept: {:?}", user.fields[0].ty)
    };
    assert_eq!(program.typedef(user_id).name, "UserId");
    assert_eq!(program.resolve(&user.fields[0].ty).kind, TypeKind::I64);
    assert!(matches!(
        user.fields[1].default,
        Some(ConstValue::Enum { value: 1, .. })
    ));

    let users = program.services.iter().find(|s| s.name == "Users").unwrap();
    let base = users.extends.expect("extends resolved");
    assert_eq!(program.service(base).name, "Base");
    assert_eq!(
        program.namespace(program.service(base).file, "rs"),
        Some("shared")
    );
    assert_eq!(program.files[0].includes, [program.service(base).file]);
    assert!(matches!(
        program.files[0].definitions[0],
        DefinitionId::Const(_)
    ));
    assert_eq!(
        program.definition_name(program.files[0].definitions[0]),
        "DEFAULT"
    );
    assert_eq!(
        program.definition_file(program.files[0].definitions[0]),
        program.roots[0]
    );
    let users_id = program
        .services
        .iter()
        .position(|s| s.name == "Users")
        .unwrap();
    let chain: Vec<&str> = program
        .service_chain(idlc::ir::ServiceId(users_id as u32))
        .into_iter()
        .map(|s| program.service(s).name.as_str())
        .collect();
    assert_eq!(chain, ["Users", "Base"]);
}
