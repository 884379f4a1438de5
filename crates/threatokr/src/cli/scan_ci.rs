//! `threatokr scan-ci`: which security tools each repository's CI runs, and whether they are enforced.

use super::args::{Format, formats};
use super::output::{eprint, print, stderr_color, terminal_width};
use super::{Outcome, read_options};
use anyhow::Result;
use std::path::PathBuf;
use threatokr_app::ci::scan_repository_folder;
use threatokr_core::diag::{DiagnosticReport, Files, Summary, render_human, sort_diagnostics};
use threatokr_core::evidence::workflow::{Category, RepoScan, scan_json};
use threatokr_core::report::render_table;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Repository folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = formats(&[Format::Table, Format::Json]))]
    format: Format,
}

pub(crate) fn run(args: &Args) -> Result<Outcome> {
    let mut files = Files::new();
    let mut diagnostics = Vec::new();
    let mut scans = Vec::new();
    for repo in &args.paths {
        let (scan, more) =
            scan_repository_folder(&mut files, repo, read_options(), &mut diagnostics)?;
        diagnostics.extend(more);
        scans.push(scan);
    }
    sort_diagnostics(&files, &mut diagnostics);
    eprint(&render_human(
        DiagnosticReport { files: &files, diagnostics: &diagnostics },
        stderr_color(),
    ));
    match args.format {
        Format::Json => print(&serde_json::to_string_pretty(&scan_json(&scans))?),
        Format::Table => print(&table(&scans, terminal_width())),
        other => return Err(other.unsupported()),
    }
    Ok(if Summary::of(&diagnostics).errors > 0 { Outcome::InputErrors } else { Outcome::Ok })
}

/// One row per repository (whether each category runs), then each repository's tools.
fn table(scans: &[RepoScan], width: usize) -> String {
    let mut headers = vec!["repository"];
    headers.extend(Category::ALL.iter().map(|category| category.as_str()));
    let rows: Vec<Vec<String>> = scans
        .iter()
        .map(|scan| {
            let mut row = vec![scan.path.clone()];
            row.extend(Category::ALL.iter().map(|category| {
                scan.categories.get(category).map_or("", |presence| presence.as_str()).to_owned()
            }));
            row
        })
        .collect();
    let mut out = render_table(&headers, &rows, width);
    for scan in scans.iter().filter(|scan| !scan.tools.is_empty()) {
        out.push_str(&format!("\n{}:\n", scan.path));
        for tool in &scan.tools {
            out.push_str(&format!(
                "  {} ({}) in {} job {}: {}, {}\n",
                tool.name,
                tool.category.as_str(),
                tool.file,
                tool.job,
                if tool.enforced { "enforced" } else { "not enforced" },
                if tool.blocking { "blocking" } else { "not blocking" }
            ));
        }
    }
    out
}
