//! `threatokr validate`: check every file of the workspace and print the problems found.

use super::args::{Format, formats};
use super::output::{ProgressLine, eprint, print, stderr_color};
use super::{Outcome, open_session};
use anyhow::Result;
use std::path::Path;
use threatokr_app::Checked;
use threatokr_core::diag::{DiagnosticReport, Summary, render_human, render_json, render_sarif};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Output format: human (snippets on stderr), json or sarif (on stdout).
    #[arg(long, default_value = "human", value_parser = formats(&[Format::Human, Format::Json, Format::Sarif]))]
    format: Format,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    // The evidence too: a broken checklist or training file is found before `measure` counts it.
    let Checked { workspace, files, diagnostics } =
        open_session(root)?.load_with_evidence(&mut ProgressLine::default())?;
    let report = DiagnosticReport { files: &files, diagnostics: &diagnostics };
    let summary = Summary::of(&diagnostics);
    match args.format {
        Format::Human => {
            eprint(&render_human(report, stderr_color()));
            let threats: usize = workspace.models.iter().map(|m| m.threats.len()).sum();
            let objectives: usize = workspace.okrs.iter().map(|s| s.objectives.len()).sum();
            let key_results: usize = workspace.okrs.iter().map(|s| s.key_results.len()).sum();
            print(&format!(
                "{}: {} apps, {} models, {threats} threats, {} OKR files, {objectives} objectives, {key_results} key results; {} error(s), {} warning(s)",
                if summary.errors == 0 { "ok" } else { "invalid" },
                workspace.config.apps.len(),
                workspace.models.len(),
                workspace.okrs.len(),
                summary.errors,
                summary.warnings
            ));
        }
        Format::Json => print(&serde_json::to_string_pretty(&render_json(report))?),
        Format::Sarif => {
            print(&serde_json::to_string_pretty(&render_sarif(report, env!("CARGO_PKG_VERSION")))?)
        }
        other => return Err(other.unsupported()),
    }
    super::leave_to_exit((workspace, files, diagnostics));
    Ok(if summary.errors > 0 { Outcome::InputErrors } else { Outcome::Ok })
}
