//! `threatokr analyze`: where the portfolio's open risk is, by theme, app and team.

use super::args::{Format, formats};
use super::output::{eprint, print, print_diagnostics, terminal_width};
use super::{Outcome, open_session};
use anyhow::Result;
use std::path::Path;
use threatokr_app::{Checked, Session};
use threatokr_core::analysis::{analysis_json, analyze, render_markdown, render_table};
use threatokr_core::diag::{Diagnostic, Severity, Summary};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Output format: table (fitted to COLUMNS, default 100), json (the contract) or markdown.
    #[arg(long, default_value = "table", value_parser = formats(&[Format::Table, Format::Json, Format::Markdown]))]
    format: Format,
}

/// Reads and loads the session's workspace; prints its errors on stderr and counts its warnings.
pub(crate) fn load_checked(session: &Session) -> Result<Checked> {
    let checked = session.load()?;
    let summary = Summary::of(&checked.diagnostics);
    // Errors in full; warnings only counted, since `validate` is where they are read.
    let errors: Vec<Diagnostic> =
        checked.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
    if !errors.is_empty() {
        print_diagnostics(&checked.files, &errors);
    }
    if summary.warnings > 0 {
        eprint(&format!(
            "note: the workspace has {} warning(s); `threatokr validate` shows them\n",
            summary.warnings
        ));
    }
    Ok(checked)
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let checked = load_checked(&open_session(root)?)?;
    let analysis = analyze(&checked.workspace);
    match args.format {
        Format::Table => print(&render_table(&analysis, terminal_width())),
        Format::Json => print(&serde_json::to_string_pretty(&analysis_json(&analysis))?),
        Format::Markdown => print(&render_markdown(&analysis)),
        other => return Err(other.unsupported()),
    }
    Ok(if checked.has_errors() { Outcome::InputErrors } else { Outcome::Ok })
}
