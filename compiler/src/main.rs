//! The `idlc` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
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
