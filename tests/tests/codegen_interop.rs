//! Generated types against Apache Thrift, live: the kitchen-sink IDL compiled by Debian's `thrift --gen py` and
//! driven by PyPI thrift's pure-Python protocols (`tests/interop/codegen_kitchen_sink.py`).
//!
//! Python → Rust: Python encodes its values in binary, compact and JSON; the types idlc generated
//! (`idlc_tests::generated`) decode them, must equal the same values built here, and must re-encode to the very
//! same bytes. Rust → Python: Rust encodes its values; Python decodes them with its generated classes and compares
//! them with its own values, and this test asserts Python's verdict. Python builds its values independently, so
//! neither side checks itself.
//!
//! Services too, both ways: Apache's Python `Calculator.Client` sends calls that the generated
//! `CalculatorProcessor` answers, and the generated `CalculatorClient` calls Apache's Python
//! `Calculator.Processor` (values, a declared exception, an undeclared failure, an unknown method, oneway).
//!
//! Three cases only go Python → Rust: a newer version of `NotFound` and of the `Value` union, with fields the
//! Rust types do not know, which decoding must skip; and a `Requiredness` without its required field, which
//! decoding must reject by name.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use bytes::{Bytes, BytesMut};
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::protocol::json::{JsonReader, JsonWriter};
use idlc_runtime::protocol::{BytesInput, Limits};
use idlc_runtime::{DecodeError, DecodeErrorKind, Protocol, ThriftStruct};
use idlc_tests::generated::kitchen_base as base;
use idlc_tests::generated::kitchen_sink as ks;

/// A newer version of two kitchen-sink types, with fields the Rust types do not have.
const NEWER_IDL: &str = r#"
namespace py newer

struct Extra {
  1: string name
  2: list<double> weights
}

exception NotFound {
  1: required string key
  2: optional string message
  3: i64 at
  4: map<string, list<Extra>> context
  5: double score
  6: set<i32> flags
  7: Extra nested
}

union Value {
  1: i64 integer
  2: double real
  3: string text
  4: binary raw
  8: string extra
  9: Extra extra_struct
}
"#;

fn encode<T: ThriftStruct>(value: &T, protocol: Protocol) -> Vec<u8> {
    let mut buf = BytesMut::new();
    let result = match protocol {
        Protocol::Binary => value.encode(&mut BinaryWriter::new(&mut buf)),
        Protocol::Compact => value.encode(&mut CompactWriter::new(&mut buf)),
        Protocol::Json => value.encode(&mut JsonWriter::new(&mut buf)),
    };
    result.unwrap_or_else(|e| panic!("encode {}: {e}", std::any::type_name::<T>()));
    buf.to_vec()
}

fn decode<T: ThriftStruct>(bytes: &[u8], protocol: Protocol) -> Result<T, DecodeError> {
    let input = BytesInput::new(Bytes::copy_from_slice(bytes));
    let limits = Limits::default();
    match protocol {
        Protocol::Binary => T::decode(&mut BinaryReader::new(input, limits)),
        Protocol::Compact => T::decode(&mut CompactReader::new(input, limits)),
        Protocol::Json => T::decode(&mut JsonReader::new(input, limits)),
    }
}

/// Decodes Python's bytes in a protocol and says what, if anything, was wrong.
type CheckBytes = Box<dyn Fn(&[u8], Protocol) -> Result<(), String>>;

/// Encodes a value in a protocol.
type EncodeValue = Box<dyn Fn(Protocol) -> Vec<u8>>;

/// One value both sides build, under the name the Python script knows it by.
struct Case {
    name: &'static str,
    /// Only Python can write this case (newer types, a missing required field), so it only goes Python → Rust.
    python_only: bool,
    /// Decodes Python's bytes, compares with the Rust value and re-encodes; `Err` says what differed.
    check_python_bytes: CheckBytes,
    /// Encodes the Rust value.
    encode: EncodeValue,
}

/// A case whose bytes must round-trip exactly.
fn case<T>(name: &'static str, value: T) -> Case
where
    T: ThriftStruct + PartialEq + Debug + Clone + 'static,
{
    let expected = value.clone();
    Case {
        name,
        python_only: false,
        check_python_bytes: Box::new(move |bytes, protocol| {
            let decoded: T =
                decode(bytes, protocol).map_err(|e| format!("decoding failed: {e}"))?;
            if decoded != expected {
                return Err(format!(
                    "decoded value differs\n--- Rust built:\n{expected:#?}\n--- decoded from Python:\n{decoded:#?}"
                ));
            }
            let again = encode(&decoded, protocol);
            if again != bytes {
                return Err(format!(
                    "re-encoding differs from Python's bytes (Apache Thrift writes a struct's fields in \
                     ascending field-id order, implicit negative ids included)\n  Python: {}\n  Rust:   {}",
                    show(bytes, protocol),
                    show(&again, protocol)
                ));
            }
            Ok(())
        }),
        encode: Box::new(move |protocol| encode(&value, protocol)),
    }
}

/// A case Python writes with a newer version of `T`: decoding must skip the unknown fields and give `value`;
/// re-encoding (which cannot carry them) must give what encoding `value` gives.
fn newer_case<T>(name: &'static str, value: T) -> Case
where
    T: ThriftStruct + PartialEq + Debug + 'static,
{
    Case {
        name,
        python_only: true,
        check_python_bytes: Box::new(move |bytes, protocol| {
            let decoded: T =
                decode(bytes, protocol).map_err(|e| format!("decoding failed: {e}"))?;
            if decoded != value {
                return Err(format!(
                    "unknown fields were not skipped cleanly\n--- expected:\n{value:#?}\n--- decoded:\n{decoded:#?}"
                ));
            }
            if encode(&decoded, protocol) != encode(&value, protocol) {
                return Err(
                    "re-encoding the decoded value differs from encoding the expected one".into(),
                );
            }
            Ok(())
        }),
        encode: Box::new(|_| unreachable!("only Python has the newer types")),
    }
}

/// A case Python writes without the required `field` of `T`: decoding must fail and name it.
fn missing_required_case<T>(
    name: &'static str,
    struct_name: &'static str,
    field: &'static str,
) -> Case
where
    T: ThriftStruct + Debug + 'static,
{
    Case {
        name,
        python_only: true,
        check_python_bytes: Box::new(move |bytes, protocol| {
            match decode::<T>(bytes, protocol).map_err(DecodeError::into_kind) {
                Err(DecodeErrorKind::MissingRequiredField {
                    struct_name: s,
                    field: f,
                }) if s == struct_name && f == field => Ok(()),
                other => Err(format!(
                    "expected MissingRequiredField {{ struct_name: {struct_name:?}, field: {field:?} }}, got {other:?}"
                )),
            }
        }),
        encode: Box::new(|_| unreachable!("Rust values always have their required fields")),
    }
}

fn show(bytes: &[u8], protocol: Protocol) -> String {
    match protocol {
        Protocol::Json => String::from_utf8_lossy(bytes).into_owned(),
        _ => bytes.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

fn awkward(text: &str, number: i32) -> ks::Awkward {
    ks::Awkward {
        r#type: text.into(),
        r#fn: number,
        r#match: number != 0,
        r#impl: -2 * i64::from(number),
        r#mod: if text.is_empty() { "" } else { "m" }.into(),
        crate_: if text.is_empty() { "" } else { "c" }.into(),
        r#where: if text.is_empty() { "" } else { "w" }.into(),
        r#loop: 3 * number,
        r#trait: if text.is_empty() { "" } else { "tr" }.into(),
        r#move: if text.is_empty() { "" } else { "mv" }.into(),
        r#ref: if text.is_empty() { "" } else { "r" }.into(),
        r#mut: if text.is_empty() { "" } else { "mu" }.into(),
        r#dyn: if text.is_empty() { "" } else { "d" }.into(),
        r#let: if text.is_empty() { "" } else { "l" }.into(),
        r#unsafe: if text.is_empty() { "" } else { "u" }.into(),
        r#extern: if text.is_empty() { "" } else { "e" }.into(),
    }
}

fn tree(label: &str) -> ks::TreeNode {
    ks::TreeNode {
        label: label.into(),
        ..ks::TreeNode::default()
    }
}

fn value_union() -> ks::Value {
    ks::Value::Fields(BTreeMap::from([
        ("count".to_owned(), ks::Value::Integer(-9_000_000_000)),
        ("empty".to_owned(), ks::Value::Nothing(ks::Empty {})),
        (
            "list".to_owned(),
            ks::Value::Items(vec![
                ks::Value::Real(0.5),
                ks::Value::Text("zwölf".into()),
                ks::Value::Raw(Bytes::from_static(b"\x00\x01\xfe\xff")),
            ]),
        ),
    ]))
}

/// The same values as `cases()` in the Python script, built from the generated Rust types.
fn cases() -> Vec<Case> {
    vec![
        case(
            "all_base_types",
            ks::AllBaseTypes {
                flag: false,
                octet: -128,
                small: 127,
                short_number: i16::MIN,
                number: i32::MIN,
                long_number: i64::MIN,
                real: -1234.5,
                text: "héllo ☃ \"quoted\" \\ / tab\tnewline\n".into(),
                data: Bytes::from_static(b"\x00\xffbinary\x10\x80"),
                shade: ks::Shade::DARK,
            },
        ),
        case(
            "all_base_types_unknown_enum",
            ks::AllBaseTypes {
                flag: true,
                octet: 0,
                small: 0,
                short_number: 0,
                number: 0,
                long_number: 0,
                real: 0.0,
                text: String::new(),
                data: Bytes::new(),
                shade: ks::Shade(42),
            },
        ),
        case(
            "requiredness_all_set",
            ks::Requiredness {
                must: 1,
                may: Some(-5),
                usually: 7,
                named: "named".into(),
                maybe_numbers: Some(vec![]),
            },
        ),
        case(
            "requiredness_optionals_omitted",
            ks::Requiredness {
                must: i32::MAX,
                may: None,
                usually: 0,
                named: String::new(),
                maybe_numbers: Some(vec![3, 4]),
            },
        ),
        case(
            "containers",
            ks::Containers {
                numbers: vec![-1, 0, 1, i32::MAX],
                names: ["alpha", "beta", "été"].map(String::from).into(),
                counts: BTreeMap::from([("a".to_owned(), -1), ("b".to_owned(), i64::MAX)]),
                matrix: vec![vec![1, 2], vec![], vec![3]],
                tangled: BTreeMap::from([(
                    "k".to_owned(),
                    vec![
                        BTreeMap::from([
                            (1, ["x", "y"].map(String::from).into()),
                            (-2, Default::default()),
                        ]),
                        BTreeMap::new(),
                    ],
                )]),
                // Apache's Python classes are not hashable, so a struct-keyed map stays empty on both sides.
                audits: BTreeMap::new(),
                points: vec![
                    ks::Point { x: 1.5, y: -2.25 },
                    ks::Point { x: 0.0, y: 100.0 },
                ],
                shades: [ks::Shade::DARK, ks::Shade::BRIGHT, ks::Shade(42)].into(),
                fast_lookup: BTreeMap::from([("one".to_owned(), 1)]),
                queue: vec![5, 4, 3],
                seen: [-7, 0, 9_000_000_000].into(),
                blobs: vec![
                    Bytes::new(),
                    Bytes::from_static(b"\x00"),
                    Bytes::from_static(b"\xff\xfe"),
                ],
                tags: vec!["x".into(), "y".into()],
            },
        ),
        case(
            "point_extreme_doubles",
            ks::Point {
                x: 1e300,
                y: 5e-324,
            },
        ),
        case(
            "point_awkward_doubles",
            ks::Point {
                x: -0.0,
                y: 123456789.125,
            },
        ),
        case(
            "defaults",
            ks::Defaults {
                r#where: ks::Point { x: -1.0, y: 0.25 },
                path: vec![],
                audit: base::Audit {
                    actor: Some("importer".into()),
                    at: 1_700_000_000,
                    origin: base::Origin::IMPORTED,
                },
                names: BTreeMap::from([
                    (ks::Shade::DIM, "dim".to_owned()),
                    (ks::Shade::BLINDING, "blinding".to_owned()),
                ]),
                shade: ks::Shade::BLINDING,
                empty_set: [1, 2].into(),
                empty_map: BTreeMap::from([("k".to_owned(), "v".to_owned())]),
            },
        ),
        case(
            "tree_node",
            ks::TreeNode {
                label: "root".into(),
                left: Some(Box::new(tree("leaf"))),
                right: Some(Box::new(ks::TreeNode {
                    children: vec![tree("leaf")],
                    ..tree("right")
                })),
                children: vec![tree("child")],
                forest: Some(Box::new(ks::Forest {
                    trees: vec![tree("in forest")],
                })),
            },
        ),
        case("value_union", value_union()),
        case("choice_union", ks::Choice::Word("word".into())),
        case(
            "not_found",
            ks::NotFound {
                key: "user:1".into(),
                message: Some("no such user".into()),
                at: -1,
            },
        ),
        case(
            "not_found_message_omitted",
            ks::NotFound {
                key: "user:2".into(),
                message: None,
                at: 0,
            },
        ),
        case(
            "conflict",
            ks::Conflict {
                existing: base::RecordId {
                    realm: "system".into(),
                    serial: -3,
                },
                attempted: value_union(),
            },
        ),
        case("awkward", awkward("t", 1)),
        case(
            "keyword_struct",
            ks::Type {
                r#match: -1,
                r#loop: awkward("", 0),
            },
        ),
        case(
            "implicit_ids",
            ks::ImplicitIds {
                first: 1,
                second: "two".into(),
                third: 3,
            },
        ),
        case(
            "audit_actor_omitted",
            base::Audit {
                actor: None,
                at: 5,
                origin: base::Origin::DERIVED,
            },
        ),
        case(
            "locate_args",
            ks::CatalogueLocateArgs {
                name: "n".into(),
                shade: ks::Shade::BRIGHT,
                hints: vec![1, -1],
            },
        ),
        case(
            "count_args_implicit_ids",
            ks::CatalogueCountArgs {
                prefix: "p".into(),
                exact: true,
            },
        ),
        case(
            "match_args_keywords",
            ks::CatalogueMatchArgs {
                r#loop: 3,
                r#fn: "f".into(),
            },
        ),
        case(
            "log_args_oneway",
            ks::CatalogueLogArgs {
                line: "line".into(),
                level: ks::Shade::DIM,
            },
        ),
        case(
            "fetch_result_success",
            ks::CatalogueFetchResult {
                success: Some(ks::Value::Text("v".into())),
                missing: None,
                clash: None,
            },
        ),
        case(
            "remove_result_void",
            ks::CatalogueRemoveResult {
                missing: None,
                denied: None,
            },
        ),
        case(
            "remove_result_included_exception",
            ks::CatalogueRemoveResult {
                missing: None,
                denied: Some(base::Forbidden {
                    reason: "no".into(),
                }),
            },
        ),
        case(
            "tree_result_exception",
            ks::ArchiveTreeResult {
                success: None,
                missing: Some(ks::NotFound {
                    key: "k".into(),
                    message: None,
                    at: 1,
                }),
            },
        ),
        newer_case(
            "newer_not_found",
            ks::NotFound {
                key: "k".into(),
                message: Some("m".into()),
                at: 7,
            },
        ),
        newer_case("newer_value_union", ks::Value::Integer(5)),
        missing_required_case::<ks::Requiredness>(
            "requiredness_missing_required",
            "Requiredness",
            "must",
        ),
    ]
}

fn both_ways(case: &Case) -> bool {
    !case.python_only
}

fn python_only(case: &Case) -> bool {
    case.python_only
}

fn script() -> PathBuf {
    idlc_tests::repo_root().join("tests/interop/codegen_kitchen_sink.py")
}

/// Python code from `thrift -r --gen py` for the kitchen sink and the newer types, generated once per process.
fn python_code() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("codegen-interop");
        let _ = std::fs::remove_dir_all(&dir);
        let gen_dir = dir.join("gen-py");
        std::fs::create_dir_all(&gen_dir).expect("create the output directory");
        let newer = dir.join("newer.thrift");
        std::fs::write(&newer, NEWER_IDL).expect("write newer.thrift");
        let kitchen = idlc_tests::examples_dir().join("kitchen_sink/kitchen_sink.thrift");
        let calculator = idlc_tests::examples_dir().join("tutorial/calculator.thrift");
        for idl in [kitchen.as_path(), newer.as_path(), calculator.as_path()] {
            idlc_tests::thrift_gen_py(&gen_dir, idl);
        }
        gen_dir
    })
}

/// Runs the script; panics with its stderr if it fails.
fn run_script(command: &str, data_dir: &Path) -> String {
    run_python(&script(), command, data_dir)
}

fn run_python(script: &Path, command: &str, data_dir: &Path) -> String {
    let output = Command::new(idlc_tests::python())
        .arg(script)
        .arg(command)
        .arg(python_code())
        .arg(data_dir)
        .output()
        .expect("run the Python side");
    assert!(
        output.status.success(),
        "{} {command} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the script prints UTF-8")
}

/// The directory Python encoded every case into, once per process.
fn python_encoded() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("codegen-interop-from-python");
        let _ = std::fs::remove_dir_all(&dir);
        run_script("encode", &dir);
        dir
    })
}

/// Python encodes the cases selected by `wanted` in `protocol`; Rust decodes, compares and re-encodes them.
fn python_to_rust(protocol: Protocol, wanted: fn(&Case) -> bool) {
    let dir = python_encoded();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases().iter().filter(|case| wanted(case)) {
        let path = dir.join(format!("{}.{}", case.name, protocol.name()));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        checked += 1;
        if let Err(problem) = (case.check_python_bytes)(&bytes, protocol) {
            failures.push(format!("{} ({}): {problem}", case.name, protocol.name()));
        }
    }
    assert!(checked > 0, "no case selected");
    assert!(
        failures.is_empty(),
        "{} of {checked} Python-encoded values did not come through:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Rust encodes every case in `protocol`; Python decodes and compares with its own values.
fn rust_to_python(protocol: Protocol) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("codegen-interop-from-rust-{}", protocol.name()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the data directory");
    let cases: Vec<Case> = cases().into_iter().filter(both_ways).collect();
    for case in &cases {
        let path = dir.join(format!("{}.{}", case.name, protocol.name()));
        std::fs::write(&path, (case.encode)(protocol)).expect("write the encoded value");
    }
    let verdicts = run_script("decode", &dir);
    let mut seen = 0;
    let mut failures = Vec::new();
    for line in verdicts.lines() {
        seen += 1;
        if !line.ends_with(" ok") {
            failures.push(line);
        }
    }
    assert_eq!(seen, cases.len(), "Python answered:\n{verdicts}");
    assert!(
        failures.is_empty(),
        "Python decoded {} of {} Rust-encoded values differently from its own:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn python_to_rust_binary() {
    python_to_rust(Protocol::Binary, both_ways);
}

#[test]
fn python_to_rust_compact() {
    python_to_rust(Protocol::Compact, both_ways);
}

#[test]
fn python_to_rust_json() {
    python_to_rust(Protocol::Json, both_ways);
}

#[test]
fn rust_to_python_binary() {
    rust_to_python(Protocol::Binary);
}

#[test]
fn rust_to_python_compact() {
    rust_to_python(Protocol::Compact);
}

#[test]
fn rust_to_python_json() {
    rust_to_python(Protocol::Json);
}

/// A newer version's unknown fields are skipped; a missing required field is an error naming it.
#[test]
fn python_to_rust_binary_unknown_fields_and_missing_required() {
    python_to_rust(Protocol::Binary, python_only);
}

/// A newer version's unknown fields are skipped; a missing required field is an error naming it.
#[test]
fn python_to_rust_compact_unknown_fields_and_missing_required() {
    python_to_rust(Protocol::Compact, python_only);
}

/// A newer version's unknown fields are skipped; a missing required field is an error naming it.
#[test]
fn python_to_rust_json_unknown_fields_and_missing_required() {
    python_to_rust(Protocol::Json, python_only);
}

/// Apache's Python client calling idlc's generated processor, one message at a time through files.
mod rpc {
    use super::*;
    use idlc_runtime::{
        ApplicationException, ApplicationExceptionKind, CallError, NoException, Processor,
        ServiceError,
    };
    use idlc_tests::generated::calculator as calc;
    use idlc_tests::generated::shared;

    /// The calls the script makes; `zip` is oneway, so it gets no reply.
    const CALLS: &[&str] = &[
        "ping",
        "add",
        "calculate",
        "calculate_throws",
        "get_struct",
        "zip",
        "unknown_method",
    ];

    struct Handler;

    impl shared::SharedService for Handler {
        async fn get_struct(
            &self,
            key: i32,
        ) -> Result<shared::SharedStruct, ServiceError<NoException>> {
            Ok(shared::SharedStruct {
                key,
                value: format!("logged {key}"),
            })
        }
    }

    impl calc::Calculator for Handler {
        async fn ping(&self) -> Result<(), ServiceError<NoException>> {
            Ok(())
        }

        async fn add(&self, num1: i32, num2: i32) -> Result<i32, ServiceError<NoException>> {
            Ok(num1.wrapping_add(num2))
        }

        async fn calculate(
            &self,
            _logid: i32,
            w: calc::Work,
        ) -> Result<i32, ServiceError<calc::CalculatorCalculateException>> {
            match w.op {
                calc::Operation::SUBTRACT => Ok(w.first - w.second),
                calc::Operation::DIVIDE if w.second == 0 => Err(calc::InvalidOperation {
                    what_op: w.op.0,
                    why: "cannot divide by zero".into(),
                }
                .into()),
                _ => Err(ApplicationException::new(
                    ApplicationExceptionKind::UNKNOWN,
                    "not needed by this test",
                )
                .into()),
            }
        }

        async fn zip(&self) -> Result<(), ServiceError<NoException>> {
            Ok(())
        }
    }

    fn rpc_script() -> PathBuf {
        idlc_tests::repo_root().join("tests/interop/codegen_calculator_rpc.py")
    }

    /// The requests Python's client wrote, once per process.
    fn python_requests() -> &'static Path {
        static DIR: OnceLock<PathBuf> = OnceLock::new();
        DIR.get_or_init(|| {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("codegen-rpc-requests");
            let _ = std::fs::remove_dir_all(&dir);
            run_python(&rpc_script(), "requests", &dir);
            dir
        })
    }

    async fn python_client_to_rust_processor(protocol: Protocol) {
        let requests = python_requests();
        let replies = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("codegen-rpc-replies-{}", protocol.name()));
        let _ = std::fs::remove_dir_all(&replies);
        std::fs::create_dir_all(&replies).expect("create the reply directory");
        let processor = calc::CalculatorProcessor::new(Handler);
        for call in CALLS {
            let path = requests.join(format!("{call}.{}.request", protocol.name()));
            let request =
                std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            let reply = processor
                .process(
                    runtime_protocol(protocol),
                    Bytes::from(request),
                    Limits::DEFAULT,
                )
                .await;
            match (*call, reply) {
                ("zip", None) => {}
                ("zip", Some(reply)) => panic!("the oneway call was answered: {reply:?}"),
                (_, None) => panic!("{call}: the processor sent no reply"),
                (_, Some(reply)) => {
                    std::fs::write(
                        replies.join(format!("{call}.{}.reply", protocol.name())),
                        reply,
                    )
                    .expect("write the reply");
                }
            }
        }
        let verdicts = run_python(&rpc_script(), "replies", &replies);
        let failures: Vec<&str> = verdicts
            .lines()
            .filter(|line| !line.ends_with(" ok"))
            .collect();
        assert_eq!(
            verdicts.lines().count(),
            CALLS.len() - 1,
            "Python answered:\n{verdicts}"
        );
        assert!(
            failures.is_empty(),
            "Apache's Python client did not get what it asked for:\n{}",
            failures.join("\n")
        );
    }

    /// A channel that hands each request to Apache's Python processor (one Python process per call).
    #[derive(Clone)]
    struct PythonServer {
        protocol: Protocol,
        seqids: std::sync::Arc<std::sync::atomic::AtomicI32>,
    }

    impl idlc_runtime::Channel for PythonServer {
        fn protocol(&self) -> idlc_runtime::Protocol {
            runtime_protocol(self.protocol)
        }

        fn next_seqid(&self) -> i32 {
            self.seqids
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .wrapping_add(1)
        }

        async fn call(
            &self,
            request: idlc_runtime::rpc::CallRequest,
        ) -> Result<idlc_runtime::rpc::CallResponse, idlc_runtime::TransportError> {
            use std::io::Write;
            let oneway = request.is_oneway();
            use std::process::Stdio;

            let mut child = Command::new(idlc_tests::python())
                .arg(rpc_script())
                .arg("serve")
                .arg(python_code())
                .arg(self.protocol.name())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()?;
            child
                .stdin
                .take()
                .expect("piped stdin")
                .write_all(&request.body)?;
            let output = child.wait_with_output()?;
            assert!(
                output.status.success(),
                "the Python processor failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            if oneway {
                assert!(
                    output.stdout.is_empty(),
                    "Apache's processor answered a oneway call"
                );
                return Ok(Default::default());
            }
            Ok(idlc_runtime::rpc::CallResponse {
                body: Some(Bytes::from(output.stdout)),
                headers: Default::default(),
            })
        }
    }

    /// Every method of the generated client against Apache's Python processor.
    async fn rust_client_to_python_processor(protocol: Protocol) {
        let client = calc::CalculatorClient::new(PythonServer {
            protocol,
            seqids: Default::default(),
        });
        client.ping().await.expect("ping");
        assert_eq!(client.add(-5, i32::MAX).await.expect("add"), i32::MAX - 5);
        let work = calc::Work {
            first: 20,
            second: 6,
            op: calc::Operation::SUBTRACT,
            comment: Some("c".into()),
        };
        assert_eq!(client.calculate(9, work).await.expect("calculate"), 14);
        let divide = calc::Work {
            first: 1,
            second: 0,
            op: calc::Operation::DIVIDE,
            comment: None,
        };
        match client.calculate(10, divide).await {
            Err(CallError::Declared(calc::CalculatorCalculateException::Ouch(error))) => {
                assert_eq!(
                    error,
                    calc::InvalidOperation {
                        what_op: calc::Operation::DIVIDE.0,
                        why: "cannot divide by zero".into(),
                    }
                );
            }
            other => panic!("expected InvalidOperation, got {other:?}"),
        }
        let multiply = calc::Work {
            op: calc::Operation::MULTIPLY,
            ..calc::Work::default()
        };
        match client.calculate(11, multiply).await {
            Err(CallError::Application(error)) => {
                assert_eq!(
                    error.kind,
                    ApplicationExceptionKind::INTERNAL_ERROR,
                    "{error}"
                );
            }
            other => panic!("expected an INTERNAL_ERROR application exception, got {other:?}"),
        }
        assert_eq!(
            client.get_struct(9).await.expect("getStruct"),
            shared::SharedStruct {
                key: 9,
                value: "logged 9".into(),
            }
        );
        client.zip().await.expect("zip");
    }

    fn runtime_protocol(protocol: Protocol) -> idlc_runtime::Protocol {
        match protocol {
            Protocol::Binary => idlc_runtime::Protocol::Binary,
            Protocol::Compact => idlc_runtime::Protocol::Compact,
            Protocol::Json => idlc_runtime::Protocol::Json,
        }
    }

    #[tokio::test]
    async fn rust_client_to_python_processor_binary() {
        rust_client_to_python_processor(Protocol::Binary).await;
    }

    #[tokio::test]
    async fn rust_client_to_python_processor_compact() {
        rust_client_to_python_processor(Protocol::Compact).await;
    }

    #[tokio::test]
    async fn rust_client_to_python_processor_json() {
        rust_client_to_python_processor(Protocol::Json).await;
    }

    #[tokio::test]
    async fn python_client_to_rust_processor_binary() {
        python_client_to_rust_processor(Protocol::Binary).await;
    }

    #[tokio::test]
    async fn python_client_to_rust_processor_compact() {
        python_client_to_rust_processor(Protocol::Compact).await;
    }

    #[tokio::test]
    async fn python_client_to_rust_processor_json() {
        python_client_to_rust_processor(Protocol::Json).await;
    }
}
