//! `cargo xtask tidy` checks the repository's own rules; `cargo xtask codegen [--check]` writes
//! (or checks) the generated documentation. Both also run as tests, so `cargo test` enforces them.
//! `cargo xtask fuzz [--seconds N] [--target NAME]` fuzzes every reader (see `fuzz.rs`);
//! `cargo xtask load ADDR PATH` measures the dashboard's latency under a fixed request rate.

mod fuzz;
mod load;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["tidy"] => report(tidy(&root)),
        ["codegen"] => codegen(&root, false),
        ["codegen", "--check"] => codegen(&root, true),
        ["fuzz", ..] => fuzz::main(&root, &args[1..]),
        ["load", rest @ ..] => load::run(rest),
        _ => bail!(
            "usage: cargo xtask tidy | codegen [--check] | fuzz [--seconds N] [--target NAME] | load ADDR PATH [--rate N] [--seconds S]"
        ),
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the project root")
        .to_path_buf()
}

fn report(problems: Vec<String>) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    bail!("tidy found {} problem(s):\n{}", problems.len(), problems.join("\n"))
}

/// Every source file starts with a `//!` line, and every path the code map names exists.
fn tidy(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    for dir in ["crates", "xtask"] {
        collect_rs(&root.join(dir), &mut sources);
    }
    sources.sort();
    for path in &sources {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if !text.trim_start().starts_with("//!") {
            problems.push(format!(
                "{}: a source file starts with a `//!` line saying what it is for",
                relative(root, path)
            ));
        }
    }
    problems.extend(untested_codes(root, &sources));
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap_or_default();
    for path in code_map_paths(&architecture) {
        if !root.join(&path).exists() {
            problems.push(format!("ARCHITECTURE.md names `{path}`, which does not exist"));
        }
    }
    problems
}

/// Codes no input can produce today, each with the reason it is kept.
const UNREACHABLE_CODES: &[(&str, &str)] = &[(
    "csv-syntax",
    "the csv crate fails only on invalid UTF-8, and files reach the readers as UTF-8 text; kept so a future reader of bytes reports rather than panics",
)];

/// Every diagnostic code must be produced by at least one test: its kebab name or its variant
/// must appear in a test file, a snapshot or a fixture expectation.
fn untested_codes(root: &Path, sources: &[PathBuf]) -> Vec<String> {
    let mut test_text = String::new();
    let is_test_file = |p: &Path| {
        let text = p.to_string_lossy();
        text.contains("/tests") || text.ends_with("tests.rs") || text.contains("/snapshots/")
    };
    let mut snapshots = Vec::new();
    collect_files(&root.join("crates"), "snap", &mut snapshots);
    for path in sources.iter().filter(|p| is_test_file(p)).chain(&snapshots) {
        test_text.push_str(&std::fs::read_to_string(path).unwrap_or_default());
    }
    // Modules whose tests sit at the end of the module file itself.
    for path in sources {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Some(index) = text.find("#[cfg(test)]") {
            test_text.push_str(&text[index..]);
        }
    }
    threatokr_core::diag::Code::ALL
        .iter()
        .filter(|info| !UNREACHABLE_CODES.iter().any(|(name, _)| *name == info.name))
        .filter(|info| {
            !test_text.contains(info.name) && !test_text.contains(&format!("Code::{:?}", info.code))
        })
        .map(|info| format!("the diagnostic code `{}` is not produced by any test", info.name))
        .collect()
}

fn collect_files(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && entry.file_name() != "target" {
            collect_files(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

/// Paths in backticks that start with a crate folder, e.g. `crates/threatokr/tests/cli.rs`.
fn code_map_paths(markdown: &str) -> Vec<String> {
    markdown
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with("crates/") || s.starts_with("xtask/"))
        .map(|s| s.trim_end_matches('/').to_owned())
        .collect()
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "target" && name != "test_data" {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// `docs/diagnostics.md`, generated from the code table so the two never drift.
fn diagnostics_doc() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\n<!-- generated by `cargo xtask codegen` from crates/threatokr-core/src/diag/code.rs; do not edit -->\n\n\
         Every problem threatokr reports has one of these stable codes. Severities are the defaults.\n\n| code | severity | what it means |\n|---|---|---|\n",
    );
    for info in threatokr_core::diag::Code::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            info.name,
            info.severity.as_str(),
            info.doc.replace('|', "\\|")
        ));
    }
    out
}

fn codegen(root: &Path, check: bool) -> Result<()> {
    let path = root.join("docs/diagnostics.md");
    let wanted = diagnostics_doc();
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == wanted {
        return Ok(());
    }
    if check {
        bail!("docs/diagnostics.md is out of date: run `cargo xtask codegen`");
    }
    std::fs::write(&path, wanted).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_finds_no_problem() {
        let problems = tidy(&project_root());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn generated_docs_are_up_to_date() {
        codegen(&project_root(), true).unwrap();
    }

    #[test]
    fn code_map_paths_are_found_in_backticks() {
        assert_eq!(
            code_map_paths("see `crates/a/b.rs` and `model` and `xtask/`"),
            vec!["crates/a/b.rs", "xtask"]
        );
    }
}
