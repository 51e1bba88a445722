//! Byte-level interop with Apache Thrift's own protocols (PyPI `thrift`, pure-Python classes), both ways.
//!
//! `tests/interop/protocol_corpus.py` holds the corpus: every case is encoded by Apache's TBinaryProtocol,
//! TCompactProtocol and TJSONProtocol, next to its value tree. Python → Rust: idlc decodes Apache's bytes to the
//! same value tree and encodes the tree back to the same bytes. Rust → Python: idlc encodes every tree and
//! Apache decodes it, guided only by the corpus types, and compares with its own values; its verdict is the
//! test's.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use bytes::Bytes;
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::protocol::json::{JsonReader, JsonWriter};
use idlc_runtime::{
    ApplicationException, ApplicationExceptionKind, BytesInput, DecodeError, Limits, MessageHeader,
    MessageType, ReadBuf, Reader, SliceInput, ThriftStruct, Writer,
};
use idlc_tests::value::{Case, parse_case, read_case, write_case};

/// Fewer cases than this means the corpus did not load properly, not that everything passed.
const MIN_CASES: usize = 30;

struct Corpus {
    dir: PathBuf,
    cases: Vec<(String, Case)>,
}

fn script() -> PathBuf {
    idlc_tests::repo_root().join("tests/interop/protocol_corpus.py")
}

/// Runs the corpus script once per test process and loads what it wrote.
fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("protocol-interop");
        let _ = std::fs::remove_dir_all(&dir);
        let output = Command::new(idlc_tests::python())
            .arg(script())
            .arg("dump")
            .arg(&dir)
            .output()
            .expect("run the corpus script");
        assert!(
            output.status.success(),
            "corpus script failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let names = std::fs::read_to_string(dir.join("cases")).expect("read the case list");
        let cases: Vec<_> = names
            .lines()
            .map(|name| {
                let tree = std::fs::read_to_string(dir.join(format!("{name}.tree")))
                    .unwrap_or_else(|e| panic!("read {name}.tree: {e}"));
                let case = parse_case(&tree).unwrap_or_else(|e| panic!("parse {name}.tree: {e}"));
                (name.to_string(), case)
            })
            .collect();
        assert!(cases.len() >= MIN_CASES, "only {} cases", cases.len());
        Corpus { dir, cases }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Binary,
    Compact,
    Json,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::Binary => "binary",
            Protocol::Compact => "compact",
            Protocol::Json => "json",
        }
    }

    fn encode(self, case: &Case) -> Vec<u8> {
        let result = match self {
            Protocol::Binary => {
                let mut writer = BinaryWriter::new(Vec::new());
                write_case(&mut writer, case).map(|()| writer.into_inner())
            }
            Protocol::Compact => {
                let mut writer = CompactWriter::new(Vec::new());
                write_case(&mut writer, case).map(|()| writer.into_inner())
            }
            Protocol::Json => {
                let mut writer = JsonWriter::new(Vec::new());
                write_case(&mut writer, case).map(|()| writer.into_inner())
            }
        };
        result.expect("every corpus value is encodable")
    }

    /// Decodes `bytes` twice, from a borrowed slice and from shared `Bytes`; both must agree and consume
    /// everything.
    fn decode(self, bytes: &[u8], like: &Case) -> Result<Case, String> {
        let from_slice = self.decode_from(SliceInput::new(bytes), like)?;
        let from_bytes = self.decode_from(BytesInput::new(Bytes::copy_from_slice(bytes)), like)?;
        if from_slice != from_bytes {
            return Err("slice and Bytes inputs decoded differently".into());
        }
        Ok(from_slice)
    }

    fn decode_from<S: ReadBuf>(self, input: S, like: &Case) -> Result<Case, String> {
        fn run<R: Reader>(
            mut reader: R,
            like: &Case,
            rest: impl FnOnce(R) -> usize,
        ) -> Result<Case, String> {
            let case = read_case(&mut reader, like).map_err(|e: DecodeError| e.to_string())?;
            match rest(reader) {
                0 => Ok(case),
                left => Err(format!("{left} byte(s) left after the value")),
            }
        }
        let limits = Limits::default();
        match self {
            Protocol::Binary => run(BinaryReader::new(input, limits), like, |r| {
                r.into_inner().remaining()
            }),
            Protocol::Compact => run(CompactReader::new(input, limits), like, |r| {
                r.into_inner().remaining()
            }),
            Protocol::Json => run(JsonReader::new(input, limits), like, |r| {
                r.into_inner().remaining()
            }),
        }
    }
}

/// Python's JSON writer differs from Apache's C++ writer (and from JSON itself) in two places where idlc
/// follows C++; this turns Python's bytes into what C++ writes so the rest can be compared byte for byte:
/// - control characters other than `\b \f \n \r \t` are left raw (C++: `\u00xx`); raw bytes below 0x20 only
///   occur inside strings in this protocol's output, so each becomes its escape;
/// - NaN and the infinities are the bare tokens `nan`, `inf`, `-inf` (C++: `"NaN"`, `"Infinity"`,
///   `"-Infinity"`), which Python's own reader rejects; they are rewritten where a value starts and ends.
fn python_json_as_cpp_writes_it(python: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(python.len());
    let mut at = 0;
    while at < python.len() {
        let byte = python[at];
        if byte < 0x20 {
            out.extend_from_slice(format!("\\u{byte:04x}").as_bytes());
            at += 1;
            continue;
        }
        let after_separator = matches!(out.last(), Some(b':' | b',' | b'['));
        let special = [
            (&b"nan"[..], &b"\"NaN\""[..]),
            (b"inf", b"\"Infinity\""),
            (b"-inf", b"\"-Infinity\""),
        ]
        .into_iter()
        .find(|(token, _)| {
            python[at..].starts_with(token)
                && matches!(python.get(at + token.len()), Some(b',' | b'}' | b']'))
        });
        match special {
            Some((token, replacement)) if after_separator => {
                out.extend_from_slice(replacement);
                at += token.len();
            }
            _ => {
                out.push(byte);
                at += 1;
            }
        }
    }
    out
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let window = |bytes: &[u8]| {
        let start = at.saturating_sub(16);
        let end = (at + 32).min(bytes.len());
        String::from_utf8_lossy(&bytes[start..end]).into_owned()
    };
    format!(
        "first difference at byte {at} (lengths {} and {}): idlc {:?} vs Apache {:?}",
        a.len(),
        b.len(),
        window(a),
        window(b)
    )
}

fn python_to_rust(protocol: Protocol) {
    let corpus = corpus();
    let mut failures = Vec::new();
    for (name, case) in &corpus.cases {
        let path = corpus.dir.join(format!("{name}.{}", protocol.name()));
        let apache =
            std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        match protocol.decode(&apache, case) {
            Ok(decoded) if decoded == *case => {}
            Ok(decoded) => failures.push(format!(
                "{name}: decoded a different value:\n  got      {decoded:?}\n  expected {case:?}"
            )),
            Err(error) => failures.push(format!("{name}: decode failed: {error}")),
        }
        let ours = protocol.encode(case);
        let expected = if protocol == Protocol::Json {
            python_json_as_cpp_writes_it(&apache)
        } else {
            apache
        };
        if ours != expected {
            failures.push(format!(
                "{name}: encoding differs from Apache's: {}",
                first_difference(&ours, &expected)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {} cases failed:\n{}",
        failures.len(),
        corpus.cases.len(),
        protocol.name(),
        failures.join("\n")
    );
}

fn rust_to_python(protocol: Protocol) {
    let corpus = corpus();
    let dir = corpus.dir.join(format!("from-idlc-{}", protocol.name()));
    std::fs::create_dir_all(&dir).expect("create output dir");
    for (name, case) in &corpus.cases {
        std::fs::write(
            dir.join(format!("{name}.{}", protocol.name())),
            protocol.encode(case),
        )
        .expect("write encoded case");
    }
    let output = Command::new(idlc_tests::python())
        .arg(script())
        .arg("check")
        .arg(&dir)
        .arg(protocol.name())
        .output()
        .expect("run the corpus checker");
    let report = String::from_utf8_lossy(&output.stdout);
    let checked = report
        .lines()
        .filter(|line| line.starts_with("ok "))
        .count();
    assert!(
        output.status.success() && checked == corpus.cases.len(),
        "Apache's {} reader rejected idlc's bytes ({checked} of {} ok):\n{report}\n{}",
        protocol.name(),
        corpus.cases.len(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn binary_python_to_rust() {
    python_to_rust(Protocol::Binary);
}

#[test]
fn compact_python_to_rust() {
    python_to_rust(Protocol::Compact);
}

#[test]
fn json_python_to_rust() {
    python_to_rust(Protocol::Json);
}

#[test]
fn binary_rust_to_python() {
    rust_to_python(Protocol::Binary);
}

#[test]
fn compact_rust_to_python() {
    rust_to_python(Protocol::Compact);
}

#[test]
fn json_rust_to_python() {
    rust_to_python(Protocol::Json);
}

/// The two JSON deviations are real and limited to the cases expected to show them: if Python's writer ever
/// changes, this says so instead of silently comparing something else.
#[test]
fn json_python_deviations_are_only_control_characters_and_special_doubles() {
    let corpus = corpus();
    let mut rewritten: Vec<&str> = corpus
        .cases
        .iter()
        .filter(|(name, _)| {
            let apache = std::fs::read(corpus.dir.join(format!("{name}.json"))).unwrap();
            python_json_as_cpp_writes_it(&apache) != apache
        })
        .map(|(name, _)| name.as_str())
        .collect();
    rewritten.sort_unstable();
    assert_eq!(rewritten, ["double_specials", "strings"]);
}

#[test]
fn json_deviation_rewrite_is_exact() {
    assert_eq!(
        python_json_as_cpp_writes_it(b"{\"1\":{\"dbl\":nan},\"2\":{\"lst\":[\"dbl\",2,-inf,inf]}}"),
        b"{\"1\":{\"dbl\":\"NaN\"},\"2\":{\"lst\":[\"dbl\",2,\"-Infinity\",\"Infinity\"]}}"
    );
    assert_eq!(
        python_json_as_cpp_writes_it(b"{\"1\":{\"str\":\"nan\x01\"}}"),
        b"{\"1\":{\"str\":\"nan\\u0001\"}}"
    );
}

/// Apache's unversioned binary envelope (`strictWrite=False`): idlc reads it, though it only writes the strict
/// one.
#[test]
fn binary_unversioned_messages_from_python() {
    let corpus = corpus();
    let mut checked = 0;
    for (name, case) in &corpus.cases {
        let path = corpus.dir.join(format!("{name}.binary-unversioned"));
        let Ok(apache) = std::fs::read(&path) else {
            assert!(
                !matches!(case, Case::Message(..)),
                "{name}: no unversioned form"
            );
            continue;
        };
        let decoded = Protocol::Binary
            .decode(&apache, case)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded, *case, "{name}");
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} message cases");
}

/// The runtime's own `ApplicationException` (not the dynamic value model) against Apache's
/// `TApplicationException.write`, in every protocol and both directions.
#[test]
fn application_exception_matches_apache_in_every_protocol() {
    let corpus = corpus();
    let header = MessageHeader {
        name: "add".into(),
        kind: MessageType::Exception,
        seqid: 3,
    };
    let exception = ApplicationException::new(
        ApplicationExceptionKind::UNKNOWN_METHOD,
        "unknown method add",
    );
    for protocol in [Protocol::Binary, Protocol::Compact, Protocol::Json] {
        let path = corpus
            .dir
            .join(format!("message_exception.{}", protocol.name()));
        let apache = std::fs::read(&path).expect("read the exception case");
        let ours = match protocol {
            Protocol::Binary => {
                encode_exception(BinaryWriter::new(Vec::new()), &header, &exception)
            }
            Protocol::Compact => {
                encode_exception(CompactWriter::new(Vec::new()), &header, &exception)
            }
            Protocol::Json => encode_exception(JsonWriter::new(Vec::new()), &header, &exception),
        };
        assert_eq!(
            ours,
            apache,
            "{protocol:?}: {}",
            first_difference(&ours, &apache)
        );
        let limits = Limits::default();
        let (read_header, decoded) = match protocol {
            Protocol::Binary => {
                decode_exception(BinaryReader::new(SliceInput::new(&apache), limits))
            }
            Protocol::Compact => {
                decode_exception(CompactReader::new(SliceInput::new(&apache), limits))
            }
            Protocol::Json => decode_exception(JsonReader::new(SliceInput::new(&apache), limits)),
        };
        assert_eq!(read_header, header, "{protocol:?}");
        assert_eq!(decoded, exception, "{protocol:?}");
    }
}

fn encode_exception<W: Writer + IntoVec>(
    mut writer: W,
    header: &MessageHeader,
    exception: &ApplicationException,
) -> Vec<u8> {
    writer.write_message_begin(header).unwrap();
    exception.encode(&mut writer).unwrap();
    writer.write_message_end().unwrap();
    writer.into_vec()
}

fn decode_exception<R: Reader>(mut reader: R) -> (MessageHeader, ApplicationException) {
    let header = reader.read_message_begin().unwrap();
    let exception = ApplicationException::decode(&mut reader).unwrap();
    reader.read_message_end().unwrap();
    (header, exception)
}

/// The three writers' `into_inner`, behind one name.
trait IntoVec {
    fn into_vec(self) -> Vec<u8>;
}

impl IntoVec for BinaryWriter<Vec<u8>> {
    fn into_vec(self) -> Vec<u8> {
        self.into_inner()
    }
}

impl IntoVec for CompactWriter<Vec<u8>> {
    fn into_vec(self) -> Vec<u8> {
        self.into_inner()
    }
}

impl IntoVec for JsonWriter<Vec<u8>> {
    fn into_vec(self) -> Vec<u8> {
        self.into_inner()
    }
}
