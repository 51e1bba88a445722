//! [`Builder`]: code generation from a build script, in the manner of `prost_build::Config`.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     idlc::Builder::new().include_dir("idl").compile(&["idl/service.thrift"])?;
//!     Ok(())
//! }
//! ```
//!
//! writes one module per IDL file into `OUT_DIR`, and a `mod.rs` that declares them all, so the crate says:
//!
//! ```ignore
//! mod idl {
//!     include!(concat!(env!("OUT_DIR"), "/mod.rs"));
//! }
//! use idl::service::CalculatorClient;
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use crate::codegen::rust::{self, ModLayout, RustOptions, StringType};
use crate::{CheckOptions, Checked};

/// Configures and runs code generation for a build script.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    include_dirs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    options: RustOptions,
    emit_rerun: bool,
}

/// Why [`Builder::compile`] failed. `Display` shows the rendered diagnostics, ready for a build log.
#[derive(Debug)]
pub enum BuildError {
    /// The IDL has errors.
    Check(Box<Checked>),
    /// No output directory: neither [`Builder::out_dir`] nor `OUT_DIR` is set.
    NoOutDir,
    /// Writing a generated file failed.
    Io {
        /// The file being written.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Check(checked) => f.write_str(checked.render().trim_end()),
            BuildError::NoOutDir => {
                f.write_str("no output directory: set Builder::out_dir or OUT_DIR")
            }
            BuildError::Io { path, error } => write!(f, "cannot write {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for BuildError {}

impl Builder {
    /// A builder writing into `OUT_DIR` with the default options.
    pub fn new() -> Self {
        Builder {
            emit_rerun: true,
            ..Builder::default()
        }
    }

    /// Adds a directory searched for includes (after the including file's own directory).
    pub fn include_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.include_dirs.push(dir.as_ref().to_path_buf());
        self
    }

    /// Writes into `dir` instead of `OUT_DIR`. The `mod.rs` written there then declares the modules as
    /// files beside it (`pub mod calculator;`), so `dir` can be a module of the crate's source tree.
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The path generated code reaches the runtime through (default `::idlc_runtime`).
    pub fn runtime_crate(&mut self, path: impl Into<String>) -> &mut Self {
        self.options.runtime_crate = path.into();
        self
    }

    /// Derive serde's traits on generated types.
    pub fn serde(&mut self, enabled: bool) -> &mut Self {
        self.options.serde = enabled;
        self
    }

    /// Use `HashMap`/`HashSet` for `map`/`set` instead of `BTreeMap`/`BTreeSet`.
    pub fn hash_collections(&mut self, enabled: bool) -> &mut Self {
        self.options.hash_collections = enabled;
        self
    }

    /// The Rust type of IDL `string` values (default `String`; [`StringType::FastStr`] decodes without
    /// allocating per string).
    pub fn string_type(&mut self, string_type: StringType) -> &mut Self {
        self.options.string_type = string_type;
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for every file read (default: yes).
    pub fn emit_rerun_if_changed(&mut self, enabled: bool) -> &mut Self {
        self.emit_rerun = enabled;
        self
    }

    /// Checks `files` and what they include, and writes one module per IDL file plus `mod.rs`. Files are only
    /// rewritten when their content changes, so cargo does not rebuild needlessly.
    pub fn compile(&self, files: &[impl AsRef<Path>]) -> Result<(), BuildError> {
        let roots: Vec<PathBuf> = files.iter().map(|f| f.as_ref().to_path_buf()).collect();
        let (out_dir, layout) = match &self.out_dir {
            Some(dir) => (dir.clone(), ModLayout::Files),
            None => std::env::var_os("OUT_DIR")
                .map(|dir| (PathBuf::from(dir), ModLayout::OutDir))
                .ok_or(BuildError::NoOutDir)?,
        };
        let check = CheckOptions {
            include_dirs: self.include_dirs.clone(),
        };
        let result = crate::generate_files(&roots, &check, &self.options);
        // Cargo must watch every file read even when the IDL has errors, so that fixing them rebuilds.
        let checked: &Checked = match &result {
            Ok((_, checked)) => checked,
            Err(checked) => checked,
        };
        if self.emit_rerun {
            for root in &roots {
                println!("cargo:rerun-if-changed={}", root.display());
            }
            for index in 0..checked.sources.len() {
                let name = checked.sources.name(crate::ast::FileId(index as u32));
                println!("cargo:rerun-if-changed={name}");
            }
        }
        let (generated, checked) = result.map_err(BuildError::Check)?;
        if self.emit_rerun && !checked.diagnostics.is_empty() {
            // Warnings would otherwise vanish: cargo shows a build script's output only when it fails.
            for line in checked.render().lines() {
                println!("cargo:warning={line}");
            }
        }
        std::fs::create_dir_all(&out_dir).map_err(|error| BuildError::Io {
            path: out_dir.clone(),
            error,
        })?;
        for file in &generated {
            write_if_changed(&out_dir.join(&file.path), &file.code)?;
        }
        write_if_changed(&out_dir.join("mod.rs"), &rust::mod_file(&generated, layout))
    }
}

/// Writes `content` to `path` unless the file already holds exactly that.
pub(crate) fn write_if_changed(path: &Path, content: &str) -> Result<(), BuildError> {
    if std::fs::read(path).is_ok_and(|old| old == content.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|error| BuildError::Io {
        path: path.to_path_buf(),
        error,
    })
}
