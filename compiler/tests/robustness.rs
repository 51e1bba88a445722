//! Hostile input never panics or hangs: real IDL, mutated at random (insertions, deletions,
//! truncations, duplicated slices), goes through the whole front end.

use idlc::{CheckOptions, check_source, parse};
use proptest::prelude::*;

/// A file that exercises most of the grammar, so mutations land in every construct.
const CORPUS: &str = r#"/** The file. */
namespace rs demo.api
namespace * demo
cpp_include "<map>"

/** Shared limits. */
const i32 MAX = 0x7f
const double RATIO = -1.5e3
const list<string> NAMES = ["a", 'b"c', "d\n"]
const map<string, i32> SIZES = {"s": 1, "m": 2; "l": MAX}
const Colour FAVOURITE = Colour.RED
const Point ORIGIN = {"x": 0, "y": 0}

enum Colour { RED = 1, GREEN, BLUE = -3 (deprecated) }
typedef map cpp_type "std::map" <string, list<i32>> Table (a = "b\"c")
typedef Colour Shade

struct Point xsd_all {
  /** Across. */
  1: required i32 x = 0
  2: optional i32 y (doc = "down");
  3: string string
  4: list<Point>& more
  5: binary blob xsd_optional xsd_nillable xsd_attrs { 1: i32 attr }
  6: uuid id
}

union Choice { 1: i32 number, 2: string text }
exception Failure { 1: string why }

service Base { void ping() }
service Api extends Base {
  /** Finds things. */
  Point find(1: i32 id, 2: Shade shade = Colour.BLUE) throws (1: Failure failure) (cost = "1"),
  oneway void fire(1: Table table);
  list<set<i64>> many()
}
"#;

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, char),
    Delete(usize, usize),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop::sample::select(vec![
        '{', '}', '(', ')', '<', '>', '[', ']', '"', '\'', '\\', '/', '*', '#', ':', ';', ',', '=',
        '&', '.', '-', '0', 'x', 'é', '\n', ' ', '\u{0}',
    ]);
    prop_oneof![
        (any::<usize>(), interesting).prop_map(|(at, c)| Edit::Insert(at, c)),
        (any::<usize>(), 1usize..20).prop_map(|(at, n)| Edit::Delete(at, n)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Duplicate(at, n)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let len = chars.len().max(1);
        match *edit {
            Edit::Insert(at, c) => chars.insert(at % (chars.len() + 1), c),
            Edit::Delete(at, n) => {
                let start = at % len;
                let end = (start + n).min(chars.len());
                if start < end {
                    chars.drain(start..end);
                }
            }
            Edit::Truncate(at) => chars.truncate(at % len),
            Edit::Duplicate(at, n) => {
                let start = at % len;
                let end = (start + n).min(chars.len());
                let slice: Vec<char> = chars
                    .get(start..end)
                    .map(<[char]>::to_vec)
                    .unwrap_or_default();
                chars.splice(start..start, slice);
            }
        }
    }
    chars.into_iter().collect()
}

fn check_everything(text: &str) {
    let (tree, diagnostics) = parse("fuzz.thrift", text);
    assert!(
        tree.is_some() || !diagnostics.is_empty(),
        "a parse failure must say why"
    );
    let checked = check_source("fuzz.thrift", text, &CheckOptions::default());
    assert_eq!(checked.program.is_some(), !checked.has_errors());
    for diagnostic in &checked.diagnostics {
        if let Some(label) = &diagnostic.primary {
            assert!(label.span.start <= label.span.end);
        }
    }
    let _ = checked.render();
}

#[test]
fn the_corpus_itself_is_valid() {
    let checked = check_source("corpus.thrift", CORPUS, &CheckOptions::default());
    assert!(!checked.has_errors(), "{}", checked.render());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_idl_never_panics(edits in prop::collection::vec(edit(), 1..8)) {
        check_everything(&apply(CORPUS, &edits));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check_everything(&text);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // 200 is the deepest nesting accepted; it must fit a test thread's small stack.
    for depth in [100, 199, 200, 201, 5_000, 50_000] {
        let list_value = format!(
            "const list<i32> X = {}{}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let list_type = format!(
            "typedef {}i32{} T",
            "list<".repeat(depth),
            ">".repeat(depth)
        );
        let map_value = format!(
            "const map<i32, i32> X = {}1{}",
            "{1:".repeat(depth),
            "}".repeat(depth)
        );
        for text in [list_value, list_type, map_value] {
            check_everything(&text);
        }
    }
}

#[test]
fn unclosed_comment_at_the_end_of_a_large_file_is_reported() {
    let text = format!(
        "{}/* never closed",
        CORPUS.repeat(50).replace("namespace", "// namespace")
    );
    let checked = check_source("big.thrift", &text, &CheckOptions::default());
    assert!(
        checked.diagnostics.iter().any(|d| d.code == "E0002"),
        "{}",
        checked.render()
    );
}

#[test]
fn a_long_chain_of_services_redefining_one_function_reports_each_against_its_base() {
    // Every service redefines `f` from its base: one error each, naming the nearest ancestor,
    // and no recursion as deep as the chain.
    let count = 20_000;
    let mut text = String::from("service S0 { void f() }\n");
    for i in 1..count {
        text.push_str(&format!("service S{i} extends S{} {{ void f() }}\n", i - 1));
    }
    let checked = check_source("chain.thrift", &text, &CheckOptions::default());
    let redefinitions = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "E0047")
        .count();
    assert_eq!(redefinitions, count - 1);
    let last = checked
        .diagnostics
        .iter()
        .find(|d| d.message.contains(&format!("`S{}` extends", count - 1)))
        .expect("the last service is reported");
    assert_eq!(
        last.secondary[0].message,
        format!("inherited from `S{}` here", count - 2)
    );
}
