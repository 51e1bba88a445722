//! Shared helpers for the integration tests: where the repository is and how to reach Apache Thrift's tools.
//!
//! The interop and cross-check tests run against the real Apache Thrift: Debian's `thrift` compiler and the PyPI
//! `thrift` package in a virtualenv. `tests/run.sh` installs both; these helpers find them and fail loudly when
//! they are missing, because a silently skipped interop test proves nothing.

pub mod generated;
pub mod name_collisions;
pub mod tls;
pub mod value;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits inside the workspace root")
        .to_path_buf()
}

/// The `idl-examples/` directory.
pub fn examples_dir() -> PathBuf {
    repo_root().join("idl-examples")
}

/// A Python interpreter that can `import thrift`: `$IDLC_PYTHON`, else the virtualenv `tests/run.sh` creates.
pub fn python() -> PathBuf {
    let candidate = std::env::var_os("IDLC_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/interop-venv/bin/python"));
    let works = Command::new(&candidate)
        .args(["-c", "import thrift"])
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    assert!(
        works,
        "no Python with the `thrift` package at {}: run `tests/run.sh` once (it creates the virtualenv) \
         or set IDLC_PYTHON",
        candidate.display()
    );
    candidate
}

/// Apache Thrift's compiler: `$IDLC_THRIFT`, else `thrift` on the PATH (Debian's `thrift-compiler`).
pub fn thrift_compiler() -> PathBuf {
    let candidate = std::env::var_os("IDLC_THRIFT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("thrift"));
    let works = Command::new(&candidate)
        .arg("--version")
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    assert!(
        works,
        "Apache Thrift's compiler `{}` did not run: install Debian's thrift-compiler (tests/run.sh does) or \
         set IDLC_THRIFT",
        candidate.display()
    );
    candidate
}

/// Runs Apache's compiler as `thrift -r --gen py -out OUT IDL` (the IDL and everything it includes); panics
/// with the compiler's stderr if it fails.
pub fn thrift_gen_py(out: &Path, idl: &Path) {
    let output = Command::new(thrift_compiler())
        .args(["-r", "--gen", "py", "-out"])
        .arg(out)
        .arg(idl)
        .output()
        .expect("run thrift");
    assert!(
        output.status.success(),
        "thrift --gen py {} failed:\n{}",
        idl.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}
