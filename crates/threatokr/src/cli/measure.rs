//! `threatokr measure`: compute every key result of a cycle from the store and the evidence
//! folders, record the measurements and the models' threat and control statuses, and print them.

use super::Outcome;
use super::output::{eprint, print, stderr_color, terminal_width, with_progress};
use super::scan_ci::scan_folder;
use super::store_io::{open_store, today};
use super::workspace_io::{add_file, list_files, read_workspace};
use anyhow::{Context, Result, bail};
use jiff::civil::Date;
use std::io::Write;
use std::path::Path;
use threatokr_core::diag::{
    Diagnostic, DiagnosticReport, Files, Summary, render_human, sort_diagnostics,
};
use threatokr_core::evidence::asvs::parse_asvs;
use threatokr_core::evidence::tests::parse_test_results;
use threatokr_core::evidence::training::{parse_completions, parse_roster};
use threatokr_core::metrics::{
    CheckinRecord, CycleMeasurement, EvidenceSet, FindingRecord, KrMeasurement, check_evidence,
    measure_cycle, write_measurement_json,
};
use threatokr_core::model::{Cycle, Severity, Workspace};
use threatokr_core::report::format_number;
use threatokr_core::report::{render_table, status_label};
use threatokr_core::workspace::load_workspace;
use threatokr_store::{EntityKind, FindingFilter, SerializedMeasurement, StatusObservation, Store};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The day to measure (YYYY-MM-DD); default today.
    #[arg(long)]
    as_of: Option<Date>,
    /// The cycle; default the shortest cycle containing the day.
    #[arg(long)]
    cycle: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

/// A workspace measured on one day, with everything needed to print or store it.
pub(crate) struct Measured {
    pub(crate) workspace: Workspace,
    pub(crate) measurement: CycleMeasurement,
    pub(crate) files: Files,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) store: Store,
}

impl Measured {
    /// Whether the workspace or the evidence has errors.
    pub(crate) fn has_errors(&self) -> bool {
        Summary::of(&self.diagnostics).errors > 0
    }

    /// Prints the diagnostics to stderr.
    pub(crate) fn print_diagnostics(&self) {
        eprint(&render_human(
            DiagnosticReport { files: &self.files, diagnostics: &self.diagnostics },
            stderr_color(),
        ));
    }
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let mut measured = compute(root, args.cycle.as_deref(), args.as_of)?;
    measured.print_diagnostics();
    let recorded = record(&mut measured)?;
    match args.format {
        Format::Json => print_measurement_json(&measured.measurement),
        Format::Table => {
            print(&table(&measured.measurement, terminal_width()));
            print(&format!(
                "{} measurement(s) and {} threat or control status change(s) recorded in the store",
                recorded.measurements, recorded.status_changes
            ));
        }
    }
    Ok(if measured.has_errors() { Outcome::InputErrors } else { Outcome::Ok })
}

/// Prints the `measure --format json` contract (shared by `status --format json`), written straight
/// to stdout through a buffer rather than built as one `serde_json::Value` and one string: the
/// evidence of a large portfolio runs to tens of megabytes. Like `print`, a closed stdout (a pipe
/// into `head`) is not an error.
pub(crate) fn print_measurement_json(measurement: &CycleMeasurement) {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if write_measurement_json(&mut out, measurement).is_ok() {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// Picks the cycle: `--cycle`, else the shortest cycle containing the day.
pub(crate) fn pick_cycle<'w>(
    workspace: &'w Workspace,
    cycle: Option<&str>,
    as_of: Date,
) -> Result<&'w Cycle> {
    let known =
        || workspace.config.cycles.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ");
    match cycle {
        Some(id) => workspace.config.cycle(id).with_context(|| {
            format!("there is no cycle `{id}` in threatokr.yaml (cycles: {})", known())
        }),
        None => workspace.config.cycle_containing(as_of).with_context(|| {
            format!(
                "no cycle of threatokr.yaml contains {as_of} (cycles: {}); pass --cycle or --as-of",
                known()
            )
        }),
    }
}

/// Reads the workspace, the evidence folders and the store, and measures the cycle on `as_of`
/// (default today; with only `--cycle`, today clamped into the cycle).
pub(crate) fn compute(root: &Path, cycle: Option<&str>, as_of: Option<Date>) -> Result<Measured> {
    let loaded = read_workspace(root)?;
    let (workspace, more) = load_workspace(&loaded.files, &loaded.inputs);
    let mut files = loaded.files;
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(more);
    let day = as_of.unwrap_or_else(today);
    let cycle = pick_cycle(&workspace, cycle, day)?.clone();
    let as_of = as_of.unwrap_or_else(|| day.clamp(cycle.start, cycle.end));
    if workspace.okrs_for(&cycle.id).is_none() {
        bail!(
            "the cycle `{}` has no OKR file in okrs/ (write okrs/{}.yaml or run `threatokr plan`)",
            cycle.id,
            cycle.id
        );
    }
    let store = open_store(root)?;
    let evidence = read_evidence(root, &workspace, &cycle, &store, &mut files, &mut diagnostics)?;
    diagnostics.extend(check_evidence(&workspace, &evidence));
    let measurement = measure_cycle(&workspace, &cycle, as_of, &evidence);
    diagnostics.extend(measurement.diagnostics.iter().cloned());
    sort_diagnostics(&files, &mut diagnostics);
    Ok(Measured { workspace, measurement, files, diagnostics, store })
}

/// What recording changed in the store: both 0 when measuring again on the same evidence.
pub(crate) struct Recorded {
    /// Measurement rows added or changed.
    pub(crate) measurements: usize,
    /// Threat and control status changes recorded.
    pub(crate) status_changes: usize,
}

/// Records the measurements and the models' statuses in the store.
pub(crate) fn record(measured: &mut Measured) -> Result<Recorded> {
    let measurement = &measured.measurement;
    // Each key result's evidence is written as JSON text as it is stored, one at a time: the
    // evidence of a large portfolio is never held as `serde_json::Value` trees.
    let rows = measurement.key_results.iter().map(|kr| SerializedMeasurement {
        kr_id: kr.id.as_str(),
        cycle: measurement.cycle.as_str(),
        as_of: measurement.as_of,
        value: kr.value.value,
        numerator: kr.value.numerator,
        denominator: kr.value.denominator,
        progress: kr.progress,
        status: kr.status,
        evidence_json: serde_json::to_string(&kr.value.evidence)
            .unwrap_or_else(|_| "null".to_owned()),
    });
    let changed = measured
        .store
        .record_serialized_measurements(rows)
        .context("recording the measurements")?;
    let mut observations = Vec::new();
    for model in &measured.workspace.models {
        let model_file = measured.files.name(model.origin.file).to_owned();
        let app = model.app.as_ref().map(|a| a.to_string()).unwrap_or_default();
        for threat in &model.threats {
            observations.push(StatusObservation {
                model_file: model_file.clone(),
                entity_kind: EntityKind::Threat,
                entity_id: threat.id.to_string(),
                app: app.clone(),
                status: threat.status.as_str().to_owned(),
            });
        }
        for control in &model.controls {
            observations.push(StatusObservation {
                model_file: model_file.clone(),
                entity_kind: EntityKind::Control,
                entity_id: control.id.to_string(),
                app: app.clone(),
                status: control.status.as_str().to_owned(),
            });
        }
    }
    let status_changes = match measured.store.record_statuses(measurement.as_of, &observations) {
        Ok(recorded) => recorded,
        Err(error) => {
            // Measuring an earlier day than the store already knows must not rewrite history.
            eprint(&format!("note: threat and control statuses were not recorded: {error}\n"));
            0
        }
    };
    Ok(Recorded { measurements: changed, status_changes })
}

/// Everything the metrics count: findings and check-ins from the store, ASVS, training and test
/// files from the evidence folders, and a CI scan of every app repository that is a folder.
/// Check-ins and earlier measurements are those of `cycle`'s key results. Shared by `measure`
/// and `plan` (measured starts).
pub(crate) fn read_evidence(
    root: &Path,
    workspace: &Workspace,
    cycle: &Cycle,
    store: &Store,
    files: &mut Files,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<EvidenceSet> {
    let folders = &workspace.config.settings.evidence;
    let mut evidence = EvidenceSet::default();
    for row in store.findings(&FindingFilter::default())? {
        evidence.findings.push(FindingRecord {
            app: row.app,
            environment: row.environment,
            tool: row.tool,
            id: row.fingerprint,
            rule_id: row.rule_id,
            severity: row.severity.parse().unwrap_or(Severity::Unknown),
            score: row.score,
            class: row.class,
            cwes: row.cwes,
            first_seen: row.first_seen,
            fixed_at: row.fixed_at,
        });
    }
    if let Some(okrs) = workspace.okrs_for(&cycle.id) {
        for kr in with_progress("reading key result history", &okrs.key_results) {
            let id = kr.id.to_string();
            let checkins: Vec<CheckinRecord> = store
                .checkins(&id)?
                .into_iter()
                .map(|row| CheckinRecord {
                    date: row.checkin.effective,
                    value: row.checkin.value,
                    confidence: row.checkin.confidence,
                })
                .collect();
            if !checkins.is_empty() {
                evidence.checkins.insert(id.clone(), checkins);
            }
            let history: Vec<(Date, f64)> = store
                .measurement_values(&id, cycle.id.as_str())?
                .into_iter()
                .filter_map(|(day, value)| Some((day, value?)))
                .collect();
            if !history.is_empty() {
                evidence.history.insert(id, history);
            }
        }
    }
    for path in with_progress(
        "reading ASVS evidence",
        list_files(&root.join(&folders.asvs), &["yaml", "yml", "csv"], false)?,
    ) {
        let Some(id) = add_file(files, root, &path, diagnostics)? else { continue };
        let (verification, more) = parse_asvs(files, id);
        diagnostics.extend(more);
        evidence.asvs.extend(verification);
    }
    for path in with_progress(
        "reading training evidence",
        list_files(&root.join(&folders.training), &["csv"], false)?,
    ) {
        let Some(id) = add_file(files, root, &path, diagnostics)? else { continue };
        let is_roster = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.to_ascii_lowercase().contains("roster"));
        if is_roster {
            let (entries, more) = parse_roster(files, id);
            diagnostics.extend(more);
            evidence.roster.extend(entries);
        } else {
            let (completions, more) = parse_completions(files, id);
            diagnostics.extend(more);
            evidence.completions.extend(completions);
        }
    }
    for path in with_progress(
        "reading test results",
        list_files(&root.join(&folders.tests), &["xml", "csv"], false)?,
    ) {
        let Some(id) = add_file(files, root, &path, diagnostics)? else { continue };
        let (executions, more) = parse_test_results(files, id);
        diagnostics.extend(more);
        evidence.tests.extend(executions);
    }
    let mut repos: Vec<&String> = workspace.config.apps.iter().flat_map(|a| &a.repos).collect();
    repos.sort();
    repos.dedup();
    for repo in with_progress("scanning CI of repositories", repos) {
        let folder = root.join(repo.trim_start_matches("./"));
        // A URL or a folder that is not checked out here has no scan: it covers nothing.
        if repo.contains("://") || !folder.is_dir() {
            continue;
        }
        let (mut scan, more) = scan_folder(files, &folder, diagnostics)?;
        diagnostics.extend(more);
        scan.path = repo.clone();
        evidence.ci.push(scan);
    }
    Ok(evidence)
}

/// Progress as a percentage, or `no data`.
pub(crate) fn percent(progress: Option<f64>) -> String {
    progress.map_or_else(|| "no data".to_owned(), |p| format!("{:.0}%", p * 100.0))
}

/// A key result's value with its unit and, for ratios and counts, what it counts:
/// `54.5% (6 of 11)`, `1 apps (1 of 3)`, `2`, `-` for no data.
pub(crate) fn value_text(kr: &KrMeasurement) -> String {
    let Some(value) = kr.value.value else { return "-".to_owned() };
    let mut text = format_number(value);
    match kr.unit.as_deref() {
        Some("%") => text.push('%'),
        Some(unit) => text = format!("{text} {unit}"),
        None => {}
    }
    if let (Some(n), Some(d)) = (kr.value.numerator, kr.value.denominator) {
        text.push_str(&format!(" ({} of {})", format_number(n), format_number(d)));
    }
    text
}

/// The table of `measure`: one row per key result, fitted to the terminal's width, then the
/// notes the metrics left.
fn table(measurement: &CycleMeasurement, width: usize) -> String {
    let mut out = format!(
        "{} as of {} (a linear plan expects {:.0}%)\n",
        measurement.cycle,
        measurement.as_of,
        measurement.expected * 100.0
    );
    let rows: Vec<Vec<String>> = measurement
        .key_results
        .iter()
        .map(|kr| {
            vec![
                kr.id.to_string(),
                kr.metric.clone(),
                value_text(kr),
                percent(kr.progress),
                status_label(kr.status).to_owned(),
            ]
        })
        .collect();
    out.push_str(&render_table(
        &["key result", "metric", "value", "progress", "status"],
        &rows,
        width,
    ));
    for kr in &measurement.key_results {
        for note in &kr.value.notes {
            out.push_str(&format!("note: {}: {note}\n", kr.id));
        }
    }
    out
}

/// The measured numbers as the report view model takes them: each key result's value, progress,
/// status, confidence, its history in the store for this cycle, and one evidence line saying what
/// was counted.
pub(crate) fn report_numbers(measured: &Measured) -> Result<threatokr_core::report::Measured> {
    use threatokr_core::report::{EvidenceRow, MeasuredKr, MeasuredObjective};
    let measurement = &measured.measurement;
    let mut numbers = threatokr_core::report::Measured {
        cycle: Some(measurement.cycle.to_string()),
        ..Default::default()
    };
    for kr in &measurement.key_results {
        let history: Vec<(Date, f64)> = measured
            .store
            .measurement_values(kr.id.as_str(), measurement.cycle.as_str())?
            .into_iter()
            .filter(|(day, _)| *day <= measurement.as_of)
            .filter_map(|(day, value)| Some((day, value?)))
            .collect();
        let mut evidence = Vec::new();
        if kr.value.value.is_some() {
            evidence.push(EvidenceRow { label: kr.metric.clone(), value: value_text(kr) });
        }
        evidence.extend(
            kr.value
                .notes
                .iter()
                .map(|note| EvidenceRow { label: "note".into(), value: note.clone() }),
        );
        numbers.key_results.insert(
            kr.id.to_string(),
            MeasuredKr {
                value: kr.value.value,
                progress: kr.progress,
                expected: None,
                status: kr.status,
                confidence: kr.value.confidence,
                history,
                evidence,
            },
        );
    }
    for objective in &measurement.objectives {
        numbers.objectives.insert(
            objective.id.to_string(),
            MeasuredObjective { progress: objective.progress, status: objective.status },
        );
    }
    Ok(numbers)
}
