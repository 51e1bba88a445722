//! Generates the three implementations of `idl/bench.thrift`: Apache Thrift's (`thrift --gen rs`), pilota's
//! (pilota-build) and idlc's (`idlc::Builder`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

const IDL: &str = "idl/bench.thrift";

fn main() {
    println!("cargo:rerun-if-changed={IDL}");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    apache(&out_dir);
    pilota(&out_dir);
    idlc(&out_dir);
}

/// Runs idlc's build-script API twice: with the default `String` strings (`bench.rs` and a `mod.rs` declaring
/// it, in `OUT_DIR`) and with `FastStr` strings (`faststr/bench.rs`).
fn idlc(out_dir: &Path) {
    if let Err(error) = idlc::Builder::new().compile(&[IDL]) {
        panic!("idlc cannot compile {IDL}:\n{error}");
    }
    if let Err(error) = idlc::Builder::new()
        .out_dir(out_dir.join("faststr"))
        .string_type(idlc::codegen::rust::StringType::FastStr)
        .compile(&[IDL])
    {
        panic!("idlc cannot compile {IDL} with FastStr strings:\n{error}");
    }
}

/// Runs Debian's `thrift --gen rs`, then drops the file's inner attributes (`#![allow(...)]`), which cannot
/// follow `include!`; the module that includes it carries the same allowances.
fn apache(out_dir: &Path) {
    let apache_dir = out_dir.join("apache");
    fs::create_dir_all(&apache_dir).expect("creates OUT_DIR/apache");
    let thrift = env::var_os("THRIFT").unwrap_or_else(|| "thrift".into());
    let status = Command::new(&thrift)
        .arg("-out")
        .arg(&apache_dir)
        .args(["--gen", "rs", IDL])
        .status()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run `{}` ({error}): Apache Thrift's compiler is needed \
                 (Debian: `apt-get install thrift-compiler`, or set THRIFT=/path/to/thrift)",
                thrift.to_string_lossy()
            )
        });
    assert!(status.success(), "`thrift --gen rs {IDL}` failed: {status}");
    let generated = fs::read_to_string(apache_dir.join("bench.rs")).expect("thrift wrote bench.rs");
    let body: String = generated
        .lines()
        .filter(|line| !line.starts_with("#!["))
        .flat_map(|line| [line, "\n"])
        .collect();
    fs::write(out_dir.join("apache_bench.rs"), body).expect("writes apache_bench.rs");
}

/// Runs pilota-build, then works around two defects of pilota 0.13's compact reader in the decoders it
/// generates (see [`PILOTA_COMPACT_BOOL_BUG`] and [`PILOTA_COMPACT_NESTED_BUG`]), without which pilota
/// cannot decode the compact encodings of `Small`, `Media` or `Large` at all.
fn pilota(out_dir: &Path) {
    let path = out_dir.join("pilota_bench.rs");
    pilota_build::Builder::thrift()
        .ignore_unused(false)
        .compile_with_config(
            vec![pilota_build::IdlService::from_path(PathBuf::from(IDL))],
            pilota_build::Output::File(path.clone()),
        );
    let generated = fs::read_to_string(&path).expect("pilota-build wrote its output");
    let occurrences = generated.matches(PILOTA_COMPACT_BOOL_BUG).count();
    assert!(
        occurrences > 0,
        "pilota-build no longer emits `{PILOTA_COMPACT_BOOL_BUG}`: check whether its compact decoder still \
         panics on bool fields, and drop this workaround if not"
    );
    assert!(
        generated.contains(PILOTA_COMPACT_NESTED_BUG),
        "pilota-build no longer emits `{PILOTA_COMPACT_NESTED_BUG}`: revisit the workaround"
    );
    let fixed = generated.replace(PILOTA_COMPACT_BOOL_BUG, "").replace(
        PILOTA_COMPACT_NESTED_BUG,
        concat!(
            "__protocol.read_struct_end()?;",
            "__protocol.struct_end_len();"
        ),
    );
    fs::write(&path, fixed).expect("rewrites pilota output");
}

/// pilota-build 0.13 decoders call this after every field header. Its result is only used for
/// unknown-field bookkeeping and is thrown away here, but pilota 0.13's compact reader, given a bool field,
/// records a pending bool in it that its `read_bool` never clears, so the next `field_end_len` panics
/// ("pending bool field ... not read"): pilota cannot decode a compact struct with a bool field. Without the
/// call, its compact decoder works; its binary decoder does slightly less work than pilota's own.
const PILOTA_COMPACT_BOOL_BUG: &str =
    "__protocol.field_begin_len(field_ident.field_type, field_ident.id);";

/// pilota 0.13's compact reader saves the last field id on `read_struct_begin`, but only `struct_end_len`
/// (which the generated decoders never call) restores it, not `read_struct_end`: after a nested struct the
/// next field's id delta is added to the nested struct's last id, so `Media.poster` (13, after `thumbnail`
/// ends on field 5) reads as field 6. The workaround calls `struct_end_len` after `read_struct_end`; in the
/// binary protocol it is an empty function.
const PILOTA_COMPACT_NESTED_BUG: &str = "__protocol.read_struct_end()?;";
