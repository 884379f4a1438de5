//! `cargo xtask tidy` checks the repository's own rules; `cargo xtask codegen [--check]` writes
//! (or checks) the generated documentation. Both also run as tests, so `cargo test` enforces them.
//! `cargo xtask fuzz [--seconds N] [--target NAME]` fuzzes every reader (see `fuzz.rs`).
//! `cargo run --release -p xtask -- bench [--scale small|enterprise|N]` runs the benchmark and
//! `gen-sarif codeql|semgrep|snyk RESULTS FILE` writes one generated SARIF log.
//! `cargo xtask load ADDR PATH` measures the dashboard's latency under a fixed request rate.

mod bench;
mod enterprise;
mod fuzz;
mod load;
mod sarif_gen;

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["tidy"] => report(tidy(&root)),
        ["codegen"] => codegen(&root, false),
        ["codegen", "--check"] => codegen(&root, true),
        ["bench"] => run_bench(&root, "small", None),
        ["bench", "--scale", scale] => run_bench(&root, scale, None),
        ["bench", "--scale", scale, "--binary", binary] => {
            run_bench(&root, scale, Some(PathBuf::from(binary)))
        }
        ["gen-sarif", scanner, results, file] => {
            let scanner = match *scanner {
                "codeql" => sarif_gen::Scanner::CodeQl,
                "semgrep" => sarif_gen::Scanner::Semgrep,
                "snyk" => sarif_gen::Scanner::Snyk,
                other => bail!("unknown scanner `{other}`: codeql, semgrep or snyk"),
            };
            let results = results.parse().context("RESULTS is a number")?;
            let mut out = std::io::BufWriter::new(std::fs::File::create(file)?);
            sarif_gen::write_log(&mut out, scanner, results, 1)?;
            Ok(out.flush()?)
        }
        ["limit", file] => {
            let (in_memory, streamed) = bench::limits(Path::new(file))?;
            let line =
                format!("IgnoredAny: from_slice {in_memory:.3} s, from_reader {streamed:.3} s\n");
            Ok(std::io::stdout().write_all(line.as_bytes())?)
        }
        ["fuzz", ..] => fuzz::main(&root, &args[1..]),
        ["load", rest @ ..] => load::run(rest),
        _ => bail!(
            "usage: cargo xtask tidy | codegen [--check] | fuzz [--seconds N] [--target NAME] | bench [--scale small|enterprise|enterprise:FACTOR|N [--binary PATH]] | gen-sarif codeql|semgrep|snyk RESULTS FILE | limit FILE | load ADDR PATH [--rate N] [--seconds S]"
        ),
    }
}

/// Runs the benchmark with the release binary (built first), or with another build of threatokr
/// to compare (`--binary`), and writes `bench/results.json`.
fn run_bench(root: &Path, scale: &str, other: Option<PathBuf>) -> Result<()> {
    let scale = bench::Scale::parse(scale)?;
    if let Some(binary) = other {
        let work = std::env::temp_dir().join("threatokr-bench-other");
        let results = bench::run(root, &binary, scale, &work)?;
        return Ok(std::io::stdout().write_all(bench::table(&results).as_bytes())?);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = std::process::Command::new(cargo)
        .args(["build", "--release", "-p", "threatokr"])
        .current_dir(root)
        .status()?;
    if !built.success() {
        bail!("cargo build --release -p threatokr failed");
    }
    let binary = bench::release_binary(root);
    let work = std::env::temp_dir().join("threatokr-bench");
    let results = bench::run(root, &binary, scale, &work)?;
    std::fs::create_dir_all(root.join("bench"))?;
    std::fs::write(root.join("bench/results.json"), serde_json::to_string_pretty(&results)?)?;
    std::io::stdout().write_all(bench::table(&results).as_bytes())?;
    Ok(())
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

/// `docs/metrics.md`, generated from the metric catalogue that lowering and measuring read, so
/// the documentation cannot describe a parameter the code does not take.
fn metrics_doc() -> String {
    use threatokr_core::metrics::{CATALOGUE, ParamSpec, SCOPE_PARAMS};
    let cell = |text: &str| text.replace('|', "\\|");
    let table = |params: &mut dyn Iterator<Item = &ParamSpec>| {
        let mut out = String::from(
            "| parameter | type | default | example | what it does |\n|---|---|---|---|---|\n",
        );
        for p in params {
            out.push_str(&format!(
                "| `{}` | {} | {} | `{}: {}` | {} |\n",
                p.name,
                cell(&threatokr_core::decode::describe(p.ty)),
                cell(p.default),
                p.name,
                cell(p.example),
                cell(p.doc)
            ));
        }
        out
    };
    let mut out = String::from(
        "# Metric catalogue\n\n<!-- generated by `cargo xtask codegen` from crates/threatokr-core/src/metrics.rs; do not edit -->\n\n\
         What a key result's `measure:` can name. Every parameter is checked when the workspace is loaded \
         (`threatokr validate`): an unknown parameter, a value of the wrong type, or a name that is not an app, \
         team, environment, tag, theme, course, CI category or ASVS chapter is an error at its position.\n\n\
         A key result whose evidence is missing is `no_data`; where only part of its scope has evidence, its \
         `coverage` and notes say so (\"2 of 3 apps scanned\") and its status is at best `at_risk`; where its newest \
         evidence is older than `settings.evidence_max_age_days` allows, it is `stale` and the notes name that evidence. \
         [evidence.md](evidence.md) describes every evidence file, with an example of each.\n\n\
         `threatokr explain KR-ID [--as-of DATE] [--cycle C] [--format text|json]` shows how one key result's value \
         was computed, from the same measurement as `measure`: the metric and its formula (the **Computed** line below), \
         the parameters as written, what was counted (findings with severity, app, environment and file; the people; \
         the tests; the threats; each ASVS requirement; each required CI category with its tools; the first 20 of each \
         and how many more), what was left out and why (an app, environment, \
         theme or class out of scope, below the score or severity, outside the window, a training expired or of another \
         course, a test skipped or undated), the evidence read (scans, files, models) with its age on the day measured, \
         and the value, progress, expected progress, status and notes. An id no OKR file declares exits with 2 and a \
         \"did you mean\".\n\n\
         ## Scope parameters\n\nEvery metric takes these (`window` only the metrics that say they use one).\n\n",
    );
    out.push_str(&table(&mut SCOPE_PARAMS.iter()));
    for metric in CATALOGUE {
        out.push_str(&format!("\n## `{}`\n\n{}\n\n", metric.name, metric.doc));
        out.push_str(&format!("- **Computed:** {}\n", metric.computed));
        out.push_str(&format!("- **Reads:** {}\n", metric.reads));
        out.push_str(&format!("- **Missing or old evidence:** {}\n", metric.missing));
        out.push_str(&format!(
            "- **Window:** {}\n",
            if metric.uses_window { "used (default: the cycle)" } else { "not taken" }
        ));
        if !metric.params.is_empty() {
            out.push('\n');
            out.push_str(&table(&mut metric.params.iter()));
        }
    }
    out
}

/// `docs/evidence.md`, generated from the format declarations the readers use and from the CI
/// scanner's signature tables, so the documentation cannot describe a file the code does not read.
fn evidence_doc() -> String {
    use threatokr_core::evidence::formats::{self, FORMATS, FieldSpec, FormatSpec};
    use threatokr_core::evidence::workflow::{Category, signature_tables};
    let cell = |text: &str| text.replace('|', "\\|");
    let fields_table = |rows: &[(FieldSpec, Option<String>)]| {
        let typed = rows.iter().any(|(_, ty)| ty.is_some());
        let mut out = if typed {
            String::from("| field | type | required | what it holds |\n|---|---|---|---|\n")
        } else {
            String::from("| field | required | what it holds |\n|---|---|---|\n")
        };
        for (field, ty) in rows {
            let required = if field.required { "yes" } else { "no" };
            match ty {
                Some(ty) => out.push_str(&format!(
                    "| `{}` | {} | {required} | {} |\n",
                    field.name,
                    cell(ty),
                    cell(field.doc)
                )),
                None => out.push_str(&format!(
                    "| `{}` | {required} | {} |\n",
                    field.name,
                    cell(field.doc)
                )),
            }
        }
        out
    };
    let section = |format: &FormatSpec, out: &mut String| {
        out.push_str(&format!("\n## {}\n\n", format.title));
        out.push_str(&format!("**Where:** {}\n\n{}\n\n", format.location, format.summary));
        if format.fields.is_empty() {
            for shape in formats::asvs_shapes() {
                let rows: Vec<(FieldSpec, Option<String>)> = formats::shape_fields(shape)
                    .into_iter()
                    .map(|(field, ty)| (field, Some(ty)))
                    .collect();
                out.push_str(&format!("{} ({}):\n\n", shape.name, shape.doc));
                out.push_str(&fields_table(&rows));
                out.push('\n');
            }
        } else {
            let rows: Vec<(FieldSpec, Option<String>)> =
                format.fields.iter().map(|f| (*f, None)).collect();
            if format.example_language == "text" && format.reader != formats::ReaderKind::Checkin {
                out.push_str(&format!("Header line: `{}`\n\n", format.header_line()));
            }
            out.push_str(&fields_table(&rows));
            out.push('\n');
        }
        for rule in format.rules {
            out.push_str(&format!("- {rule}\n"));
        }
        out.push_str(&format!(
            "\nA minimal example (`{}`):\n\n```{}\n{}```\n",
            format.example_name, format.example_language, format.example
        ));
    };
    let mut out = String::from(
        "# Evidence formats\n\n<!-- generated by `cargo xtask codegen` from crates/threatokr-core/src/evidence/formats.rs and the CI signature tables; do not edit -->\n\n\
         The files that prove key results, where they go, and what threatokr reads from each. \
         Every example below is read by the real reader with no diagnostic (a test checks it). \
         [metrics.md](metrics.md) says which metric reads which evidence and when it is `no_data` or `stale`; \
         `threatokr validate` checks the ASVS, training and test files, and `threatokr explain KR-ID` shows \
         which evidence a key result counted.\n\n\
         ```\n\
         evidence/\n\
         \x20 sarif/<app>/<env>/<YYYY-MM-DD>.sarif   scanner results, ingested into the store (`threatokr ingest evidence/`)\n\
         \x20 ci/<repo>/                           checked-out repositories (or CI files) named by the apps' `repos:`\n\
         \x20 asvs/<app>.yaml | <app>.csv           ASVS verifications\n\
         \x20 training/roster.csv                   who is a developer on which team\n\
         \x20 training/<anything>.csv               course completions\n\
         \x20 tests/*.xml | *.csv                   threat-scenario test results (JUnit XML or CSV)\n\
         ```\n\n\
         `settings.evidence` in threatokr.yaml moves each folder \
         (`evidence: { sarif: scans, asvs: checklists, training: hr, tests: pentests }`). \
         CSV files are UTF-8 with a header line; column names are case-insensitive and extra columns are ignored. \
         A row or result that cannot be read is a diagnostic with its line, and the rest of the file is still read.\n",
    );
    for format in FORMATS {
        section(format, &mut out);
        if format.reader == formats::ReaderKind::GitlabCi {
            out.push_str(&ci_tools_doc(&signature_tables(), &Category::ALL));
        }
    }
    out
}

/// The tables of recognised tools, per category, and of the settings that make a tool not enforced.
fn ci_tools_doc(
    tables: &threatokr_core::evidence::workflow::SignatureTables,
    categories: &[threatokr_core::evidence::workflow::Category],
) -> String {
    let code_list = |items: Vec<String>| {
        if items.is_empty() {
            "-".to_owned()
        } else {
            items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
        }
    };
    let mut out = String::from(
        "\n## Recognised security tools\n\nA tool is recognised by its action (`uses:`), its container image, or its command. \
         Each category a key result can `require:` and what counts for it:\n\n\
         | category | actions (`uses:`, any ref) | container images | commands |\n|---|---|---|---|\n",
    );
    for category in categories {
        let of = |table: &[(&str, &str, threatokr_core::evidence::workflow::Category)]| {
            table
                .iter()
                .filter(|(_, _, c)| c == category)
                .map(|(s, _, _)| (*s).to_owned())
                .collect::<Vec<_>>()
        };
        let mut commands = of(tables.commands);
        commands.extend(of(tables.subcommands));
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            category.as_str(),
            code_list(of(tables.actions)),
            code_list(of(tables.images)),
            code_list(commands)
        ));
    }
    out.push_str(
        "\nGitLab's security templates (`include: - template: Security/SAST.gitlab-ci.yml`, `Jobs/...`, `.latest` \
         and `.v2` variants) and CI/CD catalog components (`include: - component: .../components/sast/sast@~latest`) \
         run their category. They set `allow_failure: true` themselves, so one is enforced only when the pipeline \
         overrides its job with `allow_failure: false`; the variable switches it off:\n\n\
         | template or component | tool | category | job to override | switched off by |\n|---|---|---|---|---|\n",
    );
    for (name, tool, category, job, variable) in &tables.gitlab_templates {
        out.push_str(&format!(
            "| `{name}` | {tool} | {} | `{job}` | `{variable}: \"true\"` |\n",
            category.as_str()
        ));
    }
    out.push_str("\nActions whose category depends on their inputs:\n\n| action | tool | category |\n|---|---|---|\n");
    for (action, tool, how) in tables.actions_by_input {
        out.push_str(&format!("| `{action}` | {tool} | {how} |\n"));
    }
    out.push_str(
        "\nA tool is *enforced* when it runs automatically (on push or pull/merge request), is not switched off, \
         and its failure fails the pipeline. Not enforced:\n\n\
         - a step or job with `if: false` (GitHub), or a job whose rules only run it by hand, on a schedule or from the API (GitLab);\n\
         - a step or job with `continue-on-error: true` (GitHub) or `allow_failure: true` (GitLab);\n\
         - a command followed by `|| true`, `|| :`, `|| exit 0` or `|| echo ...`, or given `--exit-code 0`, `--soft-fail`, `--exit-zero` or `--no-fail`;\n\
         - an action given one of these inputs:\n\n| action | input | value |\n|---|---|---|\n",
    );
    for (action, input, value) in tables.soft_fail_inputs {
        out.push_str(&format!("| `{action}` | `{input}` | `{value}` |\n"));
    }
    out.push_str("\n- a tool given its own skip argument (it is configured but does not scan):\n\n| tool | argument | for example |\n|---|---|---|\n");
    for (tool, argument, example) in tables.switch_off_args {
        out.push_str(&format!("| {tool} | `{argument}` | `{example}` |\n"));
    }
    out
}

fn codegen(root: &Path, check: bool) -> Result<()> {
    for (name, wanted) in [
        ("docs/diagnostics.md", diagnostics_doc()),
        ("docs/metrics.md", metrics_doc()),
        ("docs/evidence.md", evidence_doc()),
    ] {
        let path = root.join(name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == wanted {
            continue;
        }
        if check {
            bail!("{name} is out of date: run `cargo xtask codegen`");
        }
        std::fs::write(&path, wanted).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
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
    fn bench_runs_the_small_scale_with_the_binary_the_workspace_built() {
        // `cargo test --workspace` builds the binary for its own end-to-end tests; the small scale
        // runs every phase with it. Times are recorded, never asserted.
        let root = project_root();
        let binary = bench::built_binary(&root)
            .expect("no threatokr binary: run `cargo build -p threatokr` (cargo test --workspace builds it)");
        let work = std::env::temp_dir().join("threatokr-bench-test");
        let results =
            bench::run(&root, &binary, bench::Scale::parse("small").unwrap(), &work).unwrap();
        let table = bench::table(&results);
        for phase in [
            "generate the enterprise workspace",
            "IgnoredAny",
            "ingest sarif --dry-run",
            "ingest sarif (stored)",
            "validate (enterprise)",
            "import 1 OTM models",
            "ingest all 20 SARIF files",
            "scan-ci 25 repositories",
            "analyze",
            "plan",
            "| measure",
            "re-measure",
            "report",
            "dashboard",
        ] {
            assert!(table.contains(phase), "{phase} is missing:\n{table}");
        }
        // Every request of the load phase was answered (its latency is recorded, not asserted).
        assert!(table.contains(" ok, 0 failed"), "{table}");
        let _ = std::fs::remove_dir_all(work);
    }

    #[test]
    fn generated_sarif_is_the_same_for_the_same_seed_and_read_by_the_reader() {
        use threatokr_core::diag::Files;
        use threatokr_core::evidence::sarif::parse_sarif_log;
        for scanner in sarif_gen::Scanner::ALL {
            let (mut first, mut second) = (Vec::new(), Vec::new());
            sarif_gen::write_log(&mut first, scanner, 30, 7).unwrap();
            sarif_gen::write_log(&mut second, scanner, 30, 7).unwrap();
            assert_eq!(first, second);
            let mut files = Files::new();
            let id = files.add("g.sarif", String::from_utf8(first).unwrap());
            let (log, diagnostics) = parse_sarif_log(&files, id);
            assert_eq!(log.findings.len(), 30, "{scanner:?}");
            assert!(
                diagnostics.iter().all(|d| d.code.as_str() == "sarif-invalid-value"),
                "{scanner:?}"
            );
        }
    }

    #[test]
    fn code_map_paths_are_found_in_backticks() {
        assert_eq!(
            code_map_paths("see `crates/a/b.rs` and `model` and `xtask/`"),
            vec!["crates/a/b.rs", "xtask"]
        );
    }
}
