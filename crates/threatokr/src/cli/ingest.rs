//! `threatokr ingest sarif`: read scanner findings into the history store.

use super::Outcome;
use super::output::{eprint, print, stderr_color, with_progress};
use super::{open_session, read_options, today};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use threatokr_app::files::Reader;
use threatokr_app::store::open_store;
use threatokr_core::diag::{
    Diagnostic, DiagnosticReport, FileId, Files, Span, Summary, diagnostic_json, render_human,
    sort_diagnostics,
};
use threatokr_core::evidence::sarif::{Finding, SarifLog, read_sarif_log, summary_json};
use threatokr_store::{FindingInput, ScanInput};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// SARIF 2.1.0 files from any scanner.
    Sarif(SarifArgs),
}

#[derive(Debug, clap::Args)]
struct SarifArgs {
    /// SARIF files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The app that was scanned (an id from threatokr.yaml).
    #[arg(long)]
    app: Option<String>,
    /// The environment that was scanned (prod, staging, ...).
    #[arg(long)]
    env: Option<String>,
    /// The scan's date (YYYY-MM-DD); default today.
    #[arg(long)]
    at: Option<jiff::civil::Date>,
    /// Parse and summarise only: needs no workspace and writes nothing.
    #[arg(long)]
    dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let Kind::Sarif(args) = &args.kind;
    let mut files = Files::new();
    let mut diagnostics = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut tools: Vec<String> = Vec::new();
    let base = std::env::current_dir()?;
    // Files named on the command line may be anywhere; they are still read only when regular.
    let reader = Reader::anywhere(&base, read_options());
    for path in with_progress("reading SARIF files", &args.files) {
        // A regular file is streamed, whatever its size; anything else is refused by the reader.
        let is_file = std::fs::metadata(path).is_ok_and(|m| m.is_file());
        if !is_file {
            reader.read(&mut files, path, &mut diagnostics)?;
            continue;
        }
        let (log, more) = read_sarif_file(&mut files, &base, path)?;
        diagnostics.extend(more);
        findings.extend(log.findings);
        tools.extend(log.tools);
    }
    sort_diagnostics(&files, &mut diagnostics);
    let summary = Summary::of(&diagnostics);
    if args.dry_run {
        let json = summary_json(
            &findings,
            diagnostics.iter().map(|d| diagnostic_json(&files, d)).collect(),
        );
        match args.format {
            Format::Json => print(&serde_json::to_string_pretty(&json)?),
            Format::Table => {
                eprint(&render_human(
                    DiagnosticReport { files: &files, diagnostics: &diagnostics },
                    stderr_color(),
                ));
                print(&format!("{} finding(s): {}", findings.len(), json["by_severity"]));
            }
        }
        return Ok(if summary.errors > 0 { Outcome::InputErrors } else { Outcome::Ok });
    }
    let (Some(app), Some(env)) = (&args.app, &args.env) else {
        bail!("`ingest sarif` needs --app and --env (or --dry-run to only read the files)");
    };
    if summary.errors > 0 {
        // An ingest lands whole or not at all: a file we could not read would look like fixed findings.
        eprint(&render_human(
            DiagnosticReport { files: &files, diagnostics: &diagnostics },
            stderr_color(),
        ));
        eprint("nothing was ingested: fix the errors above and run again\n");
        return Ok(Outcome::InputErrors);
    }
    check_app(root, app, env)?;
    let at = args.at.unwrap_or_else(today);
    let mut store = open_store(root)?;
    let by_tool = scans_by_tool(app, env, at, tools, findings);
    let mut rows = Vec::new();
    for scan in with_progress("ingesting findings", by_tool) {
        let result = store.ingest_findings(&scan)?;
        rows.push(serde_json::json!({"tool": scan.tool, "new": result.new, "still_open": result.still_open, "fixed": result.fixed, "reopened": result.reopened}));
    }
    match args.format {
        Format::Json => print(&serde_json::to_string_pretty(&serde_json::json!({
            "app": app, "env": env, "at": at.to_string(), "ingested": rows,
            "diagnostics": diagnostics.iter().map(|d| diagnostic_json(&files, d)).collect::<Vec<_>>(),
        }))?),
        Format::Table => {
            eprint(&render_human(
                DiagnosticReport { files: &files, diagnostics: &diagnostics },
                stderr_color(),
            ));
            for row in &rows {
                print(&format!(
                    "{app}/{env} {at} {}: {} new, {} still open, {} fixed, {} reopened",
                    row["tool"].as_str().unwrap_or(""),
                    row["new"],
                    row["still_open"],
                    row["fixed"],
                    row["reopened"]
                ));
            }
        }
    }
    Ok(Outcome::Ok)
}

/// Reads one SARIF file as a stream, so that its size is not limited and memory stays bounded by
/// its largest result and its findings. The file is not held; when it has diagnostics, the lines
/// they point at are read again as excerpts, so they still show file, line, column and source.
fn read_sarif_file(
    files: &mut Files,
    base: &Path,
    path: &Path,
) -> Result<(SarifLog, Vec<Diagnostic>)> {
    let name = threatokr_app::files::display_name(base, path);
    let id = files.add(name.clone(), String::new());
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let (log, mut diagnostics) =
        read_sarif_log(file, id).with_context(|| format!("reading {}", path.display()))?;
    if !diagnostics.is_empty() {
        add_excerpts(files, id, &name, path, &mut diagnostics)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    Ok((log, diagnostics))
}

/// Most lines an excerpt holds: the renderer shows a longer span by its first line.
const EXCERPT_LINES: usize = 3;

/// Gives each diagnostic label on `id` an excerpt of the lines it covers (at most
/// `EXCERPT_LINES`), read in one pass over the file.
fn add_excerpts(
    files: &mut Files,
    id: FileId,
    name: &str,
    path: &Path,
    diagnostics: &mut [Diagnostic],
) -> std::io::Result<()> {
    let mut wanted: Vec<Span> = diagnostics
        .iter()
        .flat_map(|d| d.primary.iter().chain(&d.secondary))
        .filter(|l| l.file == id)
        .map(|l| l.span)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut excerpts: BTreeMap<Span, FileId> = BTreeMap::new();
    // Open excerpts: (span, first byte, first line, lines so far, text).
    let mut open: Vec<(Span, usize, usize, usize, Vec<u8>)> = Vec::new();
    let mut next = wanted.iter().peekable();
    let mut input = std::io::BufReader::new(std::fs::File::open(path)?);
    let (mut offset, mut line_number, mut line) = (0usize, 1usize, Vec::new());
    loop {
        line.clear();
        let read = input.read_until(b'\n', &mut line)?;
        let end = offset + read;
        while let Some(span) = next.next_if(|s| (s.start as usize) < end || read == 0) {
            open.push((*span, offset, line_number, 0, Vec::new()));
        }
        for (span, start, first_line, lines, text) in &mut open {
            text.extend_from_slice(&line);
            *lines += 1;
            if *lines >= EXCERPT_LINES || end >= span.end as usize || read == 0 {
                let text = String::from_utf8_lossy(text).into_owned();
                excerpts.insert(*span, files.add_excerpt(name, text, *start, *first_line));
                *lines = usize::MAX;
            }
        }
        open.retain(|(_, _, _, lines, _)| *lines != usize::MAX);
        if read == 0 {
            break;
        }
        offset = end;
        line_number += 1;
    }
    for diagnostic in diagnostics {
        for label in diagnostic.primary.iter_mut().chain(&mut diagnostic.secondary) {
            if let Some(&excerpt) = excerpts.get(&label.span).filter(|_| label.file == id) {
                label.file = excerpt;
            }
        }
    }
    Ok(())
}

/// The app must exist, so findings are never filed under a typo.
fn check_app(root: &Path, app: &str, env: &str) -> Result<()> {
    let workspace = open_session(root)?.load()?.workspace;
    let Some(found) = workspace.config.app(app) else {
        let known: Vec<&str> = workspace.config.apps.iter().map(|a| a.id.as_str()).collect();
        bail!("there is no app `{app}` in threatokr.yaml (apps: {})", known.join(", "));
    };
    if !found.environments.is_empty() && !found.environments.iter().any(|e| e == env) {
        bail!(
            "the app `{app}` has no environment `{env}` (environments: {})",
            found.environments.join(", ")
        );
    }
    Ok(())
}

/// One store scan per tool that ran: a tool that ran and found nothing still gets its (empty)
/// scan, so the findings it reported before are marked fixed.
pub(crate) fn scans_by_tool(
    app: &str,
    env: &str,
    at: jiff::civil::Date,
    tools: Vec<String>,
    findings: Vec<Finding>,
) -> Vec<ScanInput> {
    let mut by_tool: BTreeMap<String, Vec<FindingInput>> =
        tools.into_iter().map(|t| (t, Vec::new())).collect();
    for finding in findings {
        by_tool.entry(finding.tool.clone()).or_default().push(FindingInput {
            fingerprint: finding.fingerprint,
            rule_id: finding.rule_id,
            severity: finding.severity.as_str().to_owned(),
            score: finding.score,
            cwes: finding.cwes,
            class: finding.class,
            file: finding.file,
            line: finding.line,
            message: finding.message,
        });
    }
    by_tool
        .into_iter()
        .map(|(tool, findings)| ScanInput {
            tool,
            app: app.to_owned(),
            environment: env.to_owned(),
            at,
            findings,
        })
        .collect()
}
