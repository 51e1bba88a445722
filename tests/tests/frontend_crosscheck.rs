//! idlc accepts exactly the IDL that Apache Thrift accepts.
//!
//! Every example and every input under `tests/idl/` goes through Debian's `thrift` 0.17 compiler and through
//! idlc's checks; their verdicts must agree. The exceptions are listed in [`DIFFERENCES`], each with the reason
//! and with the outcome both sides must show, so a difference that disappears (Thrift fixed, or idlc changed)
//! fails the test until the list is updated.
//!
//! `thrift` runs with `--gen py`: the Python generator is Apache's most complete one, and whatever it rejects
//! beyond the parser (reserved words, for instance) is a rejection users of Apache Thrift see. Every run has a
//! time limit and an address-space limit, because some inputs make Thrift 0.17 loop forever or crash.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use idlc::{CheckOptions, check_files};

/// How long Thrift may take on one file before we call it hung (it needs milliseconds on anything it finishes).
const THRIFT_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Address-space limit for one Thrift run, in KiB (`ulimit -v`).
const THRIFT_MEMORY_LIMIT_KIB: u64 = 1024 * 1024;

/// How many Thrift runs go at once; the two that hang would otherwise serialise the whole test.
const PARALLEL_RUNS: usize = 4;

/// The folders whose `.thrift` files are cross-checked, relative to the repository root.
const INPUT_DIRS: &[&str] = &["idl-examples", "tests/idl"];

/// Inputs that resolve their includes through an include path, and the directory to search.
const INCLUDE_DIRS: &[(&str, &str)] = &[("tests/idl/realworld/", "tests/idl/realworld/lib")];

/// What Thrift did with one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Thrift {
    Accepts,
    Rejects,
    /// Killed by a signal (Thrift 0.17 overflows its stack on include cycles).
    Crashes,
    /// Still running at [`THRIFT_TIME_LIMIT`].
    Hangs,
}

/// A known, deliberate difference: what each side does with the input, and why.
struct Difference {
    path: &'static str,
    thrift: Thrift,
    idlc_accepts: bool,
    reason: &'static str,
}

const fn differs(
    path: &'static str,
    thrift: Thrift,
    idlc_accepts: bool,
    reason: &'static str,
) -> Difference {
    Difference {
        path,
        thrift,
        idlc_accepts,
        reason,
    }
}

const DIFFERENCES: &[Difference] = &[
    // Newer syntax that Thrift 0.17 predates.
    differs(
        "idl-examples/kitchen_sink/newer_syntax.thrift",
        Thrift::Rejects,
        true,
        "uuid, keywords as field names, `list cpp_type \"...\" <T>`, forward references from constants and \
         names Thrift 0.17 reserves for other languages: all accepted by newer Thrift releases",
    ),
    differs(
        "tests/idl/realworld/const_enum_alias.thrift",
        Thrift::Rejects,
        true,
        "an enum-typed constant defined as another enum constant: Thrift 0.17 demands `Enum.MEMBER` there",
    ),
    differs(
        "tests/idl/invalid/unqualified_enum_member_typedef.thrift",
        Thrift::Accepts,
        false,
        "Thrift 0.17 checks no value whose declared type is a typedef, so it misses the unqualified enum \
         member (and would take `typedef i32 Int; const Int X = \"s\"` too); Thrift 0.23 and later reject it",
    ),
    // senum and slist were removed in 0.17; idlc still reads old IDLs that use them, with a warning.
    differs(
        "idl-examples/kitchen_sink/deprecated.thrift",
        Thrift::Rejects,
        true,
        "senum and slist: deprecated, read with a warning",
    ),
    differs(
        "tests/idl/warnings/senum.thrift",
        Thrift::Rejects,
        true,
        "senum: deprecated, read with a warning",
    ),
    differs(
        "tests/idl/warnings/slist.thrift",
        Thrift::Rejects,
        true,
        "slist: deprecated, read with a warning",
    ),
    // Mistakes Thrift 0.17 only warns about, or lets pass silently, and that produce broken or surprising code.
    differs(
        "tests/idl/invalid/const_int_out_of_range.thrift",
        Thrift::Accepts,
        false,
        "Thrift silently truncates 300 into an i8; idlc refuses to change a value behind the user's back",
    ),
    differs(
        "tests/idl/invalid/field_id_out_of_range.thrift",
        Thrift::Accepts,
        false,
        "Thrift warns and then truncates the id on the wire; ids are i16 in every protocol",
    ),
    differs(
        "tests/idl/invalid/include_not_found.thrift",
        Thrift::Accepts,
        false,
        "Thrift warns and carries on when nothing from the include is used; a missing file is an error in idlc",
    ),
    differs(
        "tests/idl/invalid/oneway_non_void.thrift",
        Thrift::Accepts,
        false,
        "Thrift only warns; a oneway call can never deliver a result",
    ),
    differs(
        "tests/idl/invalid/union_required_field.thrift",
        Thrift::Accepts,
        false,
        "Thrift warns and ignores `required`; idlc does not silently drop what the user wrote",
    ),
    differs(
        "tests/idl/invalid/typedef_self.thrift",
        Thrift::Accepts,
        false,
        "Thrift accepts an unused typedef of itself; it names no type, so idlc rejects it",
    ),
    differs(
        "tests/idl/invalid/include_not_utf8.thrift",
        Thrift::Accepts,
        false,
        "idlc reads IDL as UTF-8 and says so instead of guessing an encoding",
    ),
    differs(
        "tests/idl/invalid/not_utf8/latin1_comment.thrift",
        Thrift::Accepts,
        false,
        "idlc reads IDL as UTF-8 and says so instead of guessing an encoding",
    ),
    differs(
        "tests/idl/invalid/const_map_as_list.thrift",
        Thrift::Accepts,
        false,
        "Thrift accepts a list for a map constant and generates an empty map, dropping every element; \
         idlc accepts only the empty list `[]`",
    ),
    differs(
        "tests/idl/invalid/const_list_as_map.thrift",
        Thrift::Accepts,
        false,
        "Thrift accepts a map for a list constant and generates an empty list, dropping every element; \
         idlc accepts only the empty map `{}`",
    ),
    differs(
        "tests/idl/invalid/typedef_of_service.thrift",
        Thrift::Accepts,
        false,
        "Thrift accepts a typedef of a service while nothing uses it (and rejects any use); it names no type",
    ),
    differs(
        "tests/idl/invalid/include_same_base_name_ambiguous.thrift",
        Thrift::Accepts,
        false,
        "both included files are known as `common` and both define `Shared`; Thrift silently uses one of \
         them, and its generated modules for the two files overwrite each other",
    ),
    // Inputs that break Thrift 0.17 itself; idlc must answer with a diagnostic.
    differs(
        "tests/idl/invalid/include_cycle/include_cycle_a.thrift",
        Thrift::Crashes,
        false,
        "Thrift 0.17 recurses until it overflows the stack on an include cycle",
    ),
    differs(
        "tests/idl/invalid/include_cycle/include_cycle_b.thrift",
        Thrift::Crashes,
        false,
        "Thrift 0.17 recurses until it overflows the stack on an include cycle",
    ),
    differs(
        "tests/idl/invalid/include_self.thrift",
        Thrift::Crashes,
        false,
        "Thrift 0.17 recurses until it overflows the stack when a file includes itself",
    ),
    differs(
        "tests/idl/invalid/typedef_cycle.thrift",
        Thrift::Hangs,
        false,
        "Thrift 0.17 loops forever resolving typedefs that name each other",
    ),
    differs(
        "tests/idl/invalid/unclosed_comment_eof.thrift",
        Thrift::Hangs,
        false,
        "Thrift 0.17's lexer loops forever on a `/*` that is never closed",
    ),
];

fn include_dirs_for(path: &str) -> Vec<PathBuf> {
    INCLUDE_DIRS
        .iter()
        .filter(|(prefix, _)| path.starts_with(prefix))
        .map(|(_, dir)| PathBuf::from(dir))
        .collect()
}

/// Every `.thrift` file under [`INPUT_DIRS`], relative to the repository root, sorted.
fn inputs() -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("input folder is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|ext| ext == "thrift") {
                let relative = path.strip_prefix(root).expect("under the root");
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = idlc_tests::repo_root();
    let mut out = Vec::new();
    for dir in INPUT_DIRS {
        walk(&root, &root.join(dir), &mut out);
    }
    out.sort();
    out
}

/// Runs Thrift on one file under the time and memory limits.
fn run_thrift(thrift: &Path, input: &str, out_dir: &Path) -> (Thrift, String) {
    std::fs::create_dir_all(out_dir).expect("scratch directory");
    let mut command = Command::new("sh");
    // The shell applies the memory limit and then becomes Thrift, so killing the child kills Thrift.
    command
        .arg("-c")
        .arg(format!(
            "ulimit -v {THRIFT_MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(thrift);
    for dir in include_dirs_for(input) {
        command.arg("-I").arg(dir);
    }
    command
        .arg("-out")
        .arg(out_dir)
        .args(["--gen", "py"])
        .arg(input);
    command
        .current_dir(idlc_tests::repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("sh runs");
    wait_with_limit(child)
}

fn wait_with_limit(mut child: Child) -> (Thrift, String) {
    let deadline = Instant::now() + THRIFT_TIME_LIMIT;
    loop {
        match child.try_wait().expect("child can be polled") {
            Some(_) => break,
            None if Instant::now() >= deadline => {
                // Ours to kill: we spawned it and it is still running.
                let _ = child.kill();
                let _ = child.wait();
                return (Thrift::Hangs, String::new());
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    let output = child
        .wait_with_output()
        .expect("output of a finished child");
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    let verdict = match output.status.code() {
        Some(0) => Thrift::Accepts,
        Some(_) => Thrift::Rejects,
        None => Thrift::Crashes,
    };
    (verdict, text)
}

fn idlc_verdict(input: &str) -> (bool, String) {
    let options = CheckOptions {
        include_dirs: include_dirs_for(input),
    };
    let checked = check_files(&[PathBuf::from(input)], &options);
    (!checked.has_errors(), checked.render())
}

#[test]
fn idlc_accepts_what_apache_thrift_accepts() {
    let thrift = idlc_tests::thrift_compiler();
    // Diagnostics and Thrift's own messages name files by the relative paths given here.
    std::env::set_current_dir(idlc_tests::repo_root()).expect("repository root is reachable");
    let scratch = std::env::temp_dir().join(format!("idlc-crosscheck-{}", std::process::id()));
    let inputs = inputs();
    assert!(inputs.len() > 50, "only {} inputs found", inputs.len());

    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..PARALLEL_RUNS {
            let (inputs, next, results, thrift, scratch) =
                (&inputs, &next, &results, &thrift, &scratch);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(index) else {
                        break;
                    };
                    let verdict = run_thrift(thrift, input, &scratch.join(worker.to_string()));
                    results
                        .lock()
                        .expect("no worker panicked")
                        .push((input.clone(), verdict));
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&scratch);
    let mut results = results.into_inner().expect("no worker panicked");
    results.sort_by(|a, b| a.0.cmp(&b.0));

    let mut problems = Vec::new();
    for (input, (thrift_verdict, thrift_text)) in &results {
        let (idlc_accepts, idlc_text) = idlc_verdict(input);
        let (expected_thrift, expected_idlc) = match DIFFERENCES.iter().find(|d| d.path == input) {
            Some(difference) => (difference.thrift, difference.idlc_accepts),
            None => {
                let agreed = if *thrift_verdict == Thrift::Accepts {
                    Thrift::Accepts
                } else {
                    Thrift::Rejects
                };
                (agreed, agreed == Thrift::Accepts)
            }
        };
        if *thrift_verdict != expected_thrift || idlc_accepts != expected_idlc {
            problems.push(format!(
                "{input}: thrift {thrift_verdict:?} (expected {expected_thrift:?}), idlc {} (expected {})\n\
                 --- thrift said:\n{}\n--- idlc said:\n{}",
                verdict_word(idlc_accepts),
                verdict_word(expected_idlc),
                thrift_text.trim(),
                idlc_text.trim(),
            ));
        }
        if !idlc_accepts && idlc_text.trim().is_empty() {
            problems.push(format!("{input}: idlc rejects it without saying why"));
        }
    }
    for difference in DIFFERENCES {
        if !results.iter().any(|(input, _)| input == difference.path) {
            problems.push(format!(
                "{}: listed in DIFFERENCES ({}) but not found",
                difference.path, difference.reason
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} disagreement(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

fn verdict_word(accepts: bool) -> &'static str {
    if accepts { "accepts" } else { "rejects" }
}
