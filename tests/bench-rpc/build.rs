//! Generates the three implementations of `idl/echo.thrift`: idlc's (`idlc::Builder`), volo-thrift's
//! (`volo-build`) and Apache Thrift's (`thrift --gen rs`), all into `OUT_DIR`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

const IDL: &str = "idl/echo.thrift";

fn main() {
    println!("cargo:rerun-if-changed={IDL}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=THRIFT");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    idlc();
    volo(&out_dir);
    apache(&out_dir);
}

/// Runs idlc's build-script API, which writes `echo.rs` and a `mod.rs` declaring it into `OUT_DIR`.
fn idlc() {
    if let Err(error) = idlc::Builder::new().compile(&[IDL]) {
        panic!("idlc cannot compile {IDL}:\n{error}");
    }
}

/// Runs volo-build, which writes `volo_gen.rs` (types, handler trait, server and client) into `OUT_DIR`.
fn volo(out_dir: &Path) {
    volo_build::Builder::thrift()
        .add_service(IDL)
        .out_dir(out_dir)
        .filename("volo_gen.rs".into())
        .write()
        .unwrap_or_else(|error| panic!("volo-build cannot compile {IDL}: {error}"));
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
    let generated = fs::read_to_string(apache_dir.join("echo.rs")).expect("thrift wrote echo.rs");
    let body: String = generated
        .lines()
        .filter(|line| !line.starts_with("#!["))
        .flat_map(|line| [line, "\n"])
        .collect();
    fs::write(out_dir.join("apache_echo.rs"), body).expect("writes apache_echo.rs");
}
