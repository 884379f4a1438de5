//! `threatokr demo`: the whole loop on the bundled example, ending with a report on disk.

use super::atomic_write::write_atomically;
use super::example;
use super::measure::note_refused_statuses;
use super::output::{ProgressLine, print, print_diagnostics, stdout_color, terminal_width};
use super::{Outcome, open_session};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use threatokr_app::ci::scan_folder;
use threatokr_app::report::report_model;
use threatokr_app::store::open_store;
use threatokr_core::diag::Summary;
use threatokr_core::evidence::sarif::parse_sarif_log;
use threatokr_core::evidence::workflow::{Category, Presence};

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
    write_atomically(&args.out.join(MARKER), b"written by `threatokr demo`; safe to delete\n")?;
    print(&format!("1. wrote the example workspace of Acme Corp into {}", args.out.display()));

    let session = open_session(&args.out)?;
    let checked = session.load()?;
    let workspace = &checked.workspace;
    let summary = Summary::of(&checked.diagnostics);
    print_diagnostics(&checked.files, &checked.diagnostics);
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
        workspace,
        &threatokr_core::analysis::analyze(workspace),
        cycle,
        &threatokr_core::planner::PlanOptions::default(),
        workspace.okrs_for(&cycle.id),
    );
    // The proposal goes beside the workspace's OKRs, not into okrs/, so it does not become a
    // second OKR set for the cycle; a person reviews it and merges what they want with `plan -o`.
    std::fs::create_dir_all(args.out.join("plans")).context("creating the plans folder")?;
    let plan_path = args.out.join("plans/2027-Q1.yaml");
    write_atomically(&plan_path, threatokr_core::planner::to_okr_yaml(&planned).as_bytes())?;
    if let Some(top) = planned.objectives.first() {
        print(&format!(
            "3. planned 2027-Q1 from the threat models: \"{}\" ({} key results); wrote {}",
            top.title,
            top.key_results.len(),
            plan_path.display()
        ));
    }

    let (scans, seen, fixed) = ingest_bundled_sarif(&args.out)?;
    let checkins = check_in_business_numbers(&args.out)?;
    print(&format!(
        "4. ingested {scans} bundled SARIF scans in date order: {seen} distinct findings, {fixed} of them fixed by a later scan; {checkins} check-ins from the business owners"
    ));

    let mut files = threatokr_core::diag::Files::new();
    let mut scan_diagnostics = Vec::new();
    let reader = session.reader()?;
    let mut repos = 0;
    let mut enforced = 0;
    for repo in workspace.config.apps.iter().flat_map(|a| &a.repos) {
        let folder = args.out.join(repo);
        if !folder.is_dir() {
            continue;
        }
        let (scan, more) = scan_folder(&reader, &mut files, &folder, &mut scan_diagnostics)?;
        scan_diagnostics.extend(more);
        repos += 1;
        let runs = |c: Category| scan.categories.get(&c) == Some(&Presence::Enforced);
        if runs(Category::Sast) && runs(Category::Secrets) {
            enforced += 1;
        }
    }
    print(&format!(
        "5. scanned the CI of {repos} repositories: {enforced} run SAST and a secrets scanner on every push or pull request"
    ));

    // A first measurement at the end of January gives the history, the sparklines and "what
    // changed" an earlier point, as a team measuring every fortnight would have.
    let earlier: jiff::civil::Date =
        example::EARLIER_MEASUREMENT.parse().context("the demo's first measurement date")?;
    // The demo's days are fixed, so the demo needs no "today": the measured days stand in for it.
    let mut first = session.measure(None, Some(earlier), earlier, &mut ProgressLine::default())?;
    let first_recorded = session.record(&mut first)?;
    note_refused_statuses(&first_recorded);
    let mut measured = session.measure(None, Some(as_of), as_of, &mut ProgressLine::default())?;
    print_diagnostics(&measured.files, &measured.diagnostics);
    let recorded = session.record(&mut measured)?;
    note_refused_statuses(&recorded);
    print(&format!(
        "6. measured {} key results of {} as of {as_of} (and on {earlier}, for history) and recorded {} threat and control statuses; the status:",
        measured.measurement.key_results.len(),
        measured.measurement.cycle,
        first_recorded.status_changes + recorded.status_changes
    ));
    // The status tree and the report show the numbers just measured, from one model.
    let model = report_model(&measured)?;
    print(&threatokr_core::diag::TerminalText::already_sanitized(
        threatokr_core::report::render_status_tree(&model, terminal_width(), stdout_color()),
    ));
    let report_path = args.out.join("report.md");
    write_atomically(&report_path, threatokr_core::report::render_markdown(&model).as_bytes())?;
    let html_path = args.out.join("report.html");
    write_atomically(&html_path, threatokr_core::report::render_html(&model).as_bytes())?;
    print(&format!("7. wrote the report: {} and {}", report_path.display(), html_path.display()));
    print(&format!(
        "next: `threatokr serve -w {}` shows the dashboard at http://127.0.0.1:8080/",
        args.out.display()
    ));
    Ok(Outcome::Ok)
}

/// Ingests every bundled SARIF file (`evidence/sarif/<app>/<env>/<date>.sarif`) in date order,
/// as `ingest sarif --app <app> --env <env> --at <date>` would. Returns the number of scans, of
/// distinct findings in the store, and of those fixed.
/// The business key results are measured by people, not by evidence: the demo checks in the
/// numbers their owners would type with `threatokr checkin`.
const BUSINESS_CHECKINS: &[(&str, f64, u8, &str, &str)] = &[
    ("KR-CEO-1", 21.3, 6, "2027-02-10", "ARR from the February board deck"),
    ("KR-CRO-1", 4.45, 7, "2027-02-12", "Payments revenue, January close"),
    ("KR-EVA-1", 0.0, 8, "2027-02-14", "Ownership checks in review, merge next sprint"),
];

fn check_in_business_numbers(root: &Path) -> Result<usize> {
    let mut store = open_store(root)?;
    for (kr_id, value, confidence, date, note) in BUSINESS_CHECKINS {
        store.add_checkin(&threatokr_store::Checkin {
            kr_id: (*kr_id).to_owned(),
            value: *value,
            confidence: Some(*confidence),
            note: Some((*note).to_owned()),
            author: None,
            source: threatokr_store::CheckinSource::Manual,
            effective: date.parse().context("a demo check-in date")?,
        })?;
    }
    Ok(BUSINESS_CHECKINS.len())
}

fn ingest_bundled_sarif(root: &Path) -> Result<(usize, usize, usize)> {
    let mut logs: Vec<(jiff::civil::Date, String, String, &str)> = Vec::new();
    for (path, _) in example::FILES {
        let parts: Vec<&str> = path.split('/').collect();
        if let ["evidence", "sarif", app, env, name] = parts.as_slice()
            && let Some(date) = name.strip_suffix(".sarif").and_then(|d| d.parse().ok())
        {
            logs.push((date, (*app).to_owned(), (*env).to_owned(), path));
        }
    }
    logs.sort();
    let mut store = open_store(root)?;
    for (at, app, environment, path) in &logs {
        let mut files = threatokr_core::diag::Files::new();
        let text =
            std::fs::read_to_string(root.join(path)).with_context(|| format!("reading {path}"))?;
        let id = files.add(*path, text);
        let (log, _) = parse_sarif_log(&files, id);
        store.ingest_scans(
            &threatokr_app::ingest::scans_by_tool(app, environment, *at, log),
            None,
        )?;
    }
    let stored = store.findings(&threatokr_store::FindingFilter::default())?;
    let fixed = stored.iter().filter(|f| f.fixed_at.is_some()).count();
    Ok((logs.len(), stored.len(), fixed))
}

/// The output folder must be new, empty, or an earlier demo's (recognised by its marker).
fn prepare_folder(out: &Path) -> Result<()> {
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
