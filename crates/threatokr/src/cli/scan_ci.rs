//! `threatokr scan-ci`: which security tools each repository's CI runs, and whether they are enforced.

use super::Outcome;
use super::output::{eprint, print, stderr_color};
use super::workspace_io::{add_file, list_files};
use anyhow::Result;
use std::path::{Path, PathBuf};
use threatokr_core::diag::{DiagnosticReport, Files, Summary, render_human, sort_diagnostics};
use threatokr_core::evidence::workflow::{RepoScan, scan_json, scan_repository};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Repository folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

pub(crate) fn run(args: &Args) -> Result<Outcome> {
    let mut files = Files::new();
    let mut diagnostics = Vec::new();
    let mut scans = Vec::new();
    for repo in &args.paths {
        let (scan, more) = scan_folder(&mut files, repo, &mut diagnostics)?;
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
        Format::Table => print(&table(&scans)),
    }
    Ok(if Summary::of(&diagnostics).errors > 0 { Outcome::InputErrors } else { Outcome::Ok })
}

/// Scans one repository folder: its GitHub workflows, `.gitlab-ci.yml` and files under `.gitlab/`.
pub(crate) fn scan_folder(
    files: &mut Files,
    repo: &Path,
    diagnostics: &mut Vec<threatokr_core::diag::Diagnostic>,
) -> Result<(RepoScan, Vec<threatokr_core::diag::Diagnostic>)> {
    if !repo.is_dir() {
        anyhow::bail!("{} is not a folder (scan-ci takes repository folders)", repo.display());
    }
    let mut paths = list_files(&repo.join(".github/workflows"), &["yml", "yaml"], false)?;
    if repo.join(".gitlab-ci.yml").is_file() {
        paths.push(repo.join(".gitlab-ci.yml"));
    }
    paths.extend(list_files(&repo.join(".gitlab"), &["yml", "yaml"], true)?);
    paths.sort();
    let ids: Vec<_> = paths
        .iter()
        .filter_map(|p| add_file(files, repo, p, diagnostics).transpose())
        .collect::<Result<_>>()?;
    let name = repo.to_string_lossy().trim_end_matches('/').to_owned();
    Ok(scan_repository(files, &name, &ids))
}

fn table(scans: &[RepoScan]) -> String {
    let mut out = String::from(
        "repository                       sast      secrets   sca       dast      container iac\n",
    );
    for scan in scans {
        let mut line = format!("{:<32}", scan.path);
        for presence in scan.categories.values() {
            line.push_str(&format!(" {:<9}", presence.as_str()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
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
