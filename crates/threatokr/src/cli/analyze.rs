//! `threatokr analyze`: where the portfolio's open risk is, by theme, app and team.

use super::Outcome;
use super::output::{eprint, print, stderr_color, terminal_width};
use super::workspace_io::read_workspace;
use anyhow::Result;
use std::path::Path;
use threatokr_core::analysis::{analysis_json, analyze, render_markdown, render_table};
use threatokr_core::diag::{
    Diagnostic, DiagnosticReport, Severity, Summary, render_human, sort_diagnostics,
};
use threatokr_core::model::Workspace;
use threatokr_core::workspace::load_workspace;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Output format: table (fitted to COLUMNS, default 100), json (the contract) or markdown.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Markdown,
}

/// A workspace read and loaded, with its diagnostics already printed on stderr.
pub(crate) struct Checked {
    pub(crate) workspace: Workspace,
    /// Whether any diagnostic is an error.
    pub(crate) has_errors: bool,
}

/// Reads and loads the workspace at `root`; prints its errors on stderr and counts its warnings.
pub(crate) fn load_checked(root: &Path) -> Result<Checked> {
    let loaded = read_workspace(root)?;
    let (workspace, more) = load_workspace(&loaded.files, &loaded.inputs);
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(more);
    sort_diagnostics(&loaded.files, &mut diagnostics);
    let summary = Summary::of(&diagnostics);
    // Errors in full; warnings only counted, since `validate` is where they are read.
    let errors: Vec<Diagnostic> =
        diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
    if !errors.is_empty() {
        let report = DiagnosticReport { files: &loaded.files, diagnostics: &errors };
        eprint(&render_human(report, stderr_color()));
    }
    if summary.warnings > 0 {
        eprint(&format!(
            "note: the workspace has {} warning(s); `threatokr validate` shows them\n",
            summary.warnings
        ));
    }
    Ok(Checked { workspace, has_errors: summary.errors > 0 })
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let checked = load_checked(root)?;
    let analysis = analyze(&checked.workspace);
    match args.format {
        Format::Table => print(&render_table(&analysis, terminal_width())),
        Format::Json => print(&serde_json::to_string_pretty(&analysis_json(&analysis))?),
        Format::Markdown => print(&render_markdown(&analysis)),
    }
    Ok(if checked.has_errors { Outcome::InputErrors } else { Outcome::Ok })
}
