//! `threatokr demo`: the whole loop on the bundled example, ending with a report on disk.

use super::Outcome;
use super::example;
use super::output::{eprint, print, stderr_color};
use super::workspace_io::read_workspace;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use threatokr_core::diag::{DiagnosticReport, Summary, render_human, sort_diagnostics};
use threatokr_core::workspace::load_workspace;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where to write the example workspace and its report.
    #[arg(long, default_value = "threatokr-demo")]
    out: PathBuf,
}

/// Marks a folder as written by `demo`, so a second run may replace it and nothing else.
const MARKER: &str = ".threatokr-demo";

pub(crate) fn run(args: &Args) -> Result<Outcome> {
    prepare_folder(&args.out)?;
    super::init::write_files(&args.out, example::FILES)?;
    std::fs::write(args.out.join(MARKER), "written by `threatokr demo`; safe to delete\n")
        .context("writing the demo marker")?;
    print(&format!("1. wrote the example workspace of Acme Corp into {}", args.out.display()));

    let loaded = read_workspace(&args.out)?;
    let (workspace, more) = load_workspace(&loaded.files, &loaded.inputs);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(more);
    sort_diagnostics(&loaded.files, &mut diagnostics);
    let summary = Summary::of(&diagnostics);
    eprint(&render_human(
        DiagnosticReport { files: &loaded.files, diagnostics: &diagnostics },
        stderr_color(),
    ));
    let threats: usize = workspace.models.iter().map(|m| m.threats.len()).sum();
    print(&format!(
        "2. validated: {} apps, {} threat models, {threats} threats, {} objectives; {} error(s), {} warning(s)",
        workspace.config.apps.len(),
        workspace.models.len(),
        workspace.okrs.iter().map(|s| s.objectives.len()).sum::<usize>(),
        summary.errors,
        summary.warnings
    ));
    if summary.errors > 0 {
        bail!("the bundled example does not validate; this is a bug in threatokr");
    }
    let as_of: jiff::civil::Date = example::AS_OF.parse().context("the demo date")?;
    let cycle = workspace.config.cycle("2027-Q1").context("the demo cycle")?;
    let planned = threatokr_core::planner::plan(
        &workspace,
        &threatokr_core::analysis::analyze(&workspace),
        cycle,
        &threatokr_core::planner::PlanOptions::default(),
        workspace.okrs_for(&cycle.id),
    );
    // The proposal goes beside the workspace's OKRs, not into okrs/, so it does not become a
    // second OKR set for the cycle; a person reviews it and merges what they want with `plan -o`.
    std::fs::create_dir_all(args.out.join("plans")).context("creating the plans folder")?;
    let plan_path = args.out.join("plans/2027-Q1.yaml");
    std::fs::write(&plan_path, threatokr_core::planner::to_okr_yaml(&planned))
        .with_context(|| format!("writing {}", plan_path.display()))?;
    if let Some(top) = planned.objectives.first() {
        print(&format!(
            "3. planned 2027-Q1 from the threat models: \"{}\" ({} key results); wrote {}",
            top.title,
            top.key_results.len(),
            plan_path.display()
        ));
    }
    let model = threatokr_core::report::build(&workspace, &loaded.files, as_of);
    let report_path = args.out.join("report.md");
    std::fs::write(&report_path, threatokr_core::report::render_markdown(&model))
        .with_context(|| format!("writing {}", report_path.display()))?;
    let html_path = args.out.join("report.html");
    std::fs::write(&html_path, threatokr_core::report::render_html(&model))
        .with_context(|| format!("writing {}", html_path.display()))?;
    print(&format!("4. wrote the report: {} and {}", report_path.display(), html_path.display()));
    Ok(Outcome::Ok)
}

/// The output folder must be new, empty, or an earlier demo's (recognised by its marker).
fn prepare_folder(out: &std::path::Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if out.join(MARKER).is_file() {
        return std::fs::remove_dir_all(out)
            .with_context(|| format!("replacing the earlier demo in {}", out.display()));
    }
    let mut entries =
        std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?;
    if entries.next().is_some() {
        bail!(
            "{} exists and is not an earlier demo; choose another folder with --out",
            out.display()
        );
    }
    Ok(())
}
