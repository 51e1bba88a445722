//! The `idlc` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Thrift IDL compiler.
#[derive(Parser, Debug)]
#[command(name = "idlc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check IDL files and everything they include; print every problem found.
    ///
    /// Prints nothing and exits 0 when the files are valid (warnings are printed but do not
    /// fail); otherwise prints each error with its location and exits 1.
    Check {
        /// IDL files to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Directory to search for included files, after the including file's own directory.
        /// May be given several times; searched in order.
        #[arg(short = 'I', long = "include", value_name = "DIR")]
        include_dirs: Vec<PathBuf>,
    },
    /// Generate Rust code: one module per IDL file (includes too) and a `mod.rs` declaring them.
    ///
    /// `namespace rs a.b` names a file's module `a_b`; otherwise the file name does. Modules refer to each
    /// other as siblings (`super::shared::Thing`), so keep them together under the `mod.rs` written here.
    Gen {
        /// IDL files to generate code for.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Directory to search for included files, after the including file's own directory.
        #[arg(short = 'I', long = "include", value_name = "DIR")]
        include_dirs: Vec<PathBuf>,
        /// Directory to write the modules into (created if missing).
        #[arg(
            short = 'o',
            long = "out",
            value_name = "OUT_DIR",
            required_unless_present = "stdout"
        )]
        out_dir: Option<PathBuf>,
        /// Print the generated code instead of writing files.
        #[arg(long, conflicts_with = "out_dir")]
        stdout: bool,
        /// Derive serde's Serialize and Deserialize on generated types.
        #[arg(long)]
        serde: bool,
        /// Use HashMap and HashSet for maps and sets instead of BTreeMap and BTreeSet.
        #[arg(long)]
        hash_collections: bool,
        /// The Rust type of IDL `string` values: `string` (String) or `faststr` (the runtime's FastStr,
        /// which decodes without allocating per string by sharing the input buffer).
        #[arg(long, value_enum, value_name = "TYPE", default_value_t = StringTypeArg::String)]
        string_type: StringTypeArg,
        /// The path generated code names the runtime by.
        #[arg(long, value_name = "PATH", default_value = "::idlc_runtime")]
        runtime_crate: String,
    },
}

/// `--string-type` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum StringTypeArg {
    /// `String`.
    String,
    /// The runtime's `FastStr`.
    Faststr,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Gen {
            files,
            include_dirs,
            out_dir,
            stdout,
            serde,
            hash_collections,
            string_type,
            runtime_crate,
        } => {
            let options = idlc::codegen::rust::RustOptions {
                runtime_crate,
                hash_collections,
                serde,
                string_type: match string_type {
                    StringTypeArg::String => idlc::codegen::rust::StringType::String,
                    StringTypeArg::Faststr => idlc::codegen::rust::StringType::FastStr,
                },
            };
            let check = idlc::CheckOptions { include_dirs };
            let checked = match idlc::generate_files(&files, &check, &options) {
                Ok(ok) => ok,
                Err(checked) => {
                    if let Err(error) =
                        idlc::diagnostics::render_to_stderr(&checked.diagnostics, &checked.sources)
                    {
                        eprintln!("idlc: cannot write diagnostics: {error}");
                    }
                    return ExitCode::FAILURE;
                }
            };
            let (generated, checked) = checked;
            if let Err(error) =
                idlc::diagnostics::render_to_stderr(&checked.diagnostics, &checked.sources)
            {
                eprintln!("idlc: cannot write diagnostics: {error}");
                return ExitCode::FAILURE;
            }
            if stdout {
                for file in &generated {
                    println!("// ---- {} ----", file.path.display());
                    print!("{}", file.code);
                }
                return ExitCode::SUCCESS;
            }
            let Some(out_dir) = out_dir else {
                eprintln!("idlc: give an output directory with -o, or --stdout");
                return ExitCode::FAILURE;
            };
            if let Err(error) = std::fs::create_dir_all(&out_dir) {
                eprintln!("idlc: cannot create {}: {error}", out_dir.display());
                return ExitCode::FAILURE;
            }
            let mod_rs =
                idlc::codegen::rust::mod_file(&generated, idlc::codegen::rust::ModLayout::Files);
            let outputs = generated
                .iter()
                .map(|file| (out_dir.join(&file.path), file.code.as_str()))
                .chain(std::iter::once((out_dir.join("mod.rs"), mod_rs.as_str())));
            for (path, code) in outputs {
                if let Err(error) = std::fs::write(&path, code) {
                    eprintln!("idlc: cannot write {}: {error}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            // The process ends here: freeing every token and syntax node of a large IDL one by one takes
            // longer than letting the operating system reclaim the memory.
            std::mem::forget(generated);
            std::mem::forget(checked);
            ExitCode::SUCCESS
        }
        Command::Check {
            files,
            include_dirs,
        } => {
            let checked = idlc::check_files(&files, &idlc::CheckOptions { include_dirs });
            if let Err(error) =
                idlc::diagnostics::render_to_stderr(&checked.diagnostics, &checked.sources)
            {
                eprintln!("idlc: cannot write diagnostics: {error}");
                return ExitCode::FAILURE;
            }
            if checked.has_errors() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
