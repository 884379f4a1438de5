//! `threatokr ingest`: read scanner findings (SARIF) into the history store, through
//! `threatokr_app::ingest` (one transaction per file, files already ingested skipped, files of
//! another app refused unless `--force`).
//!
//! A file's app, environment and date come from the flags, else from its path in the evidence
//! folder (`evidence/sarif/<app>/<env>/<date>.sarif`); a file dated by the machine's clock says
//! so. `threatokr ingest evidence/` ingests every SARIF file of the folder, oldest first.

use super::args::{Format, formats};
use super::output::{eprint, print, stderr_color, terminal_width, with_progress};
use super::{Outcome, open_session, read_options, today};
use anyhow::{Result, bail};
use jiff::civil::Date;
use std::path::{Path, PathBuf};
use threatokr_app::files::Reader;
use threatokr_app::ingest::{
    Checks, Ingested, ReadSarif, SarifFile, check_sarif, evidence_folder, files_named, path_layout,
    read_sarif,
};
use threatokr_core::diag::{DiagnosticReport, Files, diagnostic_json, render_human};
use threatokr_core::evidence::sarif::summary_json;
use threatokr_core::model::Severity;
use threatokr_core::report::render_table;
use threatokr_store::ScanOutcome;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    kind: Option<Kind>,
    /// An evidence folder: every SARIF file under it laid out as `sarif/<app>/<env>/<date>.sarif`,
    /// oldest first; files already ingested are skipped.
    folder: Option<PathBuf>,
    #[command(flatten)]
    options: Options,
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
    /// The app that was scanned (an id from threatokr.yaml); default from the file's path.
    #[arg(long)]
    app: Option<String>,
    /// The environment that was scanned (prod, staging, ...); default from the file's path.
    #[arg(long)]
    env: Option<String>,
    /// The scan's date (YYYY-MM-DD); default from the file's path, else today (said so).
    #[arg(long, value_parser = super::args::parse_date)]
    at: Option<Date>,
    #[command(flatten)]
    options: Options,
}

#[derive(Debug, Clone, clap::Args)]
struct Options {
    /// Parse and summarise only: needs no workspace and writes nothing.
    #[arg(long)]
    dry_run: bool,
    /// Ingest what would be refused: a date more than a day after today, or a file that looks
    /// like another app's (its repository, or findings already filed under another app).
    #[arg(long)]
    force: bool,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = formats(&[Format::Table, Format::Json]))]
    format: Format,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let reader = Reader::anywhere(&std::env::current_dir()?, read_options());
    let (planned, options) = match (&args.kind, &args.folder) {
        (Some(Kind::Sarif(sarif)), _) => (
            files_named(&sarif.files, sarif.app.as_deref(), sarif.env.as_deref(), sarif.at),
            &sarif.options,
        ),
        (None, Some(folder)) => (folder_files(&reader, folder)?, &args.options),
        (None, None) => bail!(
            "name an evidence folder (`threatokr ingest evidence/`) or files (`threatokr ingest sarif FILE...`)"
        ),
    };
    if options.dry_run {
        return dry_run(&reader, &planned, options.format);
    }
    let mut ingester = open_session(root)?.ingester()?;
    let today = today();
    let checks = if options.force { Checks::Skip } else { Checks::Apply };
    let mut results = Vec::new();
    let mut outcome = Outcome::Ok;
    for file in with_progress("ingesting SARIF files", &planned) {
        let (app, env) = ingester.target(file)?;
        let read = read_sarif(&reader, &file.path)?;
        print_diagnostics(&read);
        if read.hash.is_none() {
            eprint(&format!(
                "nothing was ingested from {}: fix the errors above and run again\n",
                read.name
            ));
            outcome = Outcome::InputErrors;
            continue;
        }
        let at = file.at.unwrap_or_else(|| {
            eprint(&format!(
                "note: {} is dated today ({today}): neither --at nor its path (evidence/sarif/<app>/<env>/<date>.sarif) gives its date\n",
                read.name
            ));
            today
        });
        let ingested = ingester.ingest(&app, &env, read, at, today, checks)?;
        // Each file is told as soon as it is stored: a later file refused stops the command,
        // and what was stored before it must still be said.
        match options.format {
            Format::Table => print(&text(&ingested)),
            Format::Json => results.push(json(&ingested)),
            other => return Err(other.unsupported()),
        }
    }
    if options.format == Format::Json {
        print(&serde_json::to_string_pretty(&serde_json::json!({ "files": results }))?);
    }
    Ok(outcome)
}

/// The SARIF files of an evidence folder; any whose path does not say app, environment and date
/// is named and left out.
fn folder_files(reader: &Reader, folder: &Path) -> Result<Vec<SarifFile>> {
    let (mut files, mut diagnostics) = (Files::new(), Vec::new());
    let (found, unlaid) = evidence_folder(reader, folder, &mut files, &mut diagnostics)?;
    // Links the walk did not follow are said, not silently left out.
    eprint(&render_human(
        DiagnosticReport { files: &files, diagnostics: &diagnostics },
        stderr_color(),
    ));
    for path in unlaid {
        eprint(&format!(
            "warning: skipped {}: its path does not say app, environment and date (evidence/sarif/<app>/<env>/<YYYY-MM-DD>.sarif)\n",
            path.display()
        ));
    }
    Ok(found)
}

fn print_diagnostics(read: &ReadSarif) {
    eprint(&render_human(
        DiagnosticReport { files: &read.files, diagnostics: &read.diagnostics },
        stderr_color(),
    ));
}

/// A name for a narrow column: what follows `sarif/` in the evidence layout (app, env, date).
fn short_name(name: &str) -> &str {
    match name.rsplit_once("sarif/") {
        Some((_, rest)) if path_layout(Path::new(name)).is_some() => rest,
        _ => name,
    }
}

/// `--dry-run`: what each file holds, by tool, as a table (or the summary JSON contract).
fn dry_run(reader: &Reader, planned: &[SarifFile], format: Format) -> Result<Outcome> {
    let mut findings = Vec::new();
    let mut diagnostics_json = Vec::new();
    let mut rows = Vec::new();
    let mut has_errors = false;
    for file in planned {
        let read = check_sarif(reader, &file.path)?;
        has_errors |= read.has_errors();
        if format == Format::Table {
            print_diagnostics(&read);
        }
        diagnostics_json.extend(read.diagnostics.iter().map(|d| diagnostic_json(&read.files, d)));
        let log = read.log;
        for tool in &log.tools {
            let of_tool: Vec<_> = log.findings.iter().filter(|f| *f.tool == **tool).collect();
            let count =
                |s: Severity| of_tool.iter().filter(|f| f.severity == s).count().to_string();
            let run = if log.incomplete.contains(tool) { "incomplete" } else { "complete" };
            rows.push(vec![
                short_name(&read.name).to_owned(),
                tool.clone(),
                of_tool.len().to_string(),
                count(Severity::Critical),
                count(Severity::High),
                count(Severity::Medium),
                count(Severity::Low),
                count(Severity::Info),
                run.to_owned(),
            ]);
        }
        findings.extend(log.findings);
    }
    match format {
        Format::Json => {
            print(&serde_json::to_string_pretty(&summary_json(&findings, diagnostics_json))?)
        }
        Format::Table => {
            let headers =
                ["file", "tool", "findings", "critical", "high", "medium", "low", "info", "run"];
            print(&render_table(&headers, &rows, terminal_width()));
            print(&format!(
                "{} finding(s) in {} file(s); nothing was written",
                findings.len(),
                planned.len()
            ));
        }
        other => return Err(other.unsupported()),
    }
    // The command ends here: freeing a large log's findings one by one was a sixth of a
    // 50,000-result dry run, and the process's exit returns the memory at once.
    std::mem::forget(findings);
    Ok(if has_errors { Outcome::InputErrors } else { Outcome::Ok })
}

/// The `--format json` object of one file.
fn json(ingested: &Ingested) -> serde_json::Value {
    serde_json::json!({"file": ingested.file, "app": ingested.app, "env": ingested.env,
        "at": ingested.at.to_string(), "skipped": ingested.scans.is_none(), "ingested": ingested.scans_json()})
}

/// One line per tool of one file.
fn text(ingested: &Ingested) -> String {
    let Ingested { file, app, env, at, scans } = ingested;
    let Some(scans) = scans else {
        return format!("{file}: already ingested, skipped");
    };
    let mut lines = Vec::new();
    for (tool, outcome, s) in scans {
        let incomplete = match outcome {
            ScanOutcome::Complete => "",
            ScanOutcome::Incomplete => " (the scan did not complete: nothing marked fixed)",
        };
        lines.push(format!(
            "{file}: {app}/{env} {at} {tool}: {} new, {} still open, {} fixed, {} reopened{incomplete}",
            s.new, s.still_open, s.fixed, s.reopened
        ));
    }
    if lines.is_empty() {
        lines.push(format!("{file}: {app}/{env} {at}: no tool ran"));
    }
    lines.join("\n")
}
