//! `threatokr ingest sarif`: read scanner findings into the history store.

use super::Outcome;
use super::output::{eprint, print, stderr_color, with_progress};
use super::{open_session, read_options, today};
use anyhow::{Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use threatokr_app::files::Reader;
use threatokr_app::store::open_store;
use threatokr_core::diag::{
    DiagnosticReport, Files, Summary, diagnostic_json, render_human, sort_diagnostics,
};
use threatokr_core::evidence::sarif::{Finding, parse_sarif_log, summary_json};
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
        let Some(id) = reader.read(&mut files, path, &mut diagnostics)? else { continue };
        let (log, more) = parse_sarif_log(&files, id);
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

/// The app must exist, so findings are never filed under a typo.
pub(crate) fn check_app(root: &Path, app: &str, env: &str) -> Result<()> {
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
