//! Measuring a cycle: evidence from the store and the evidence folders into the core's metrics,
//! and the measurements and the models' threat and control statuses recorded in the store.

use crate::ci::scan_folder;
use crate::files::{Reader, read_workspace};
use crate::store::open_store;
use crate::{Error, Progress, Result, Session, tracked};
use jiff::civil::Date;
use threatokr_core::diag::{Diagnostic, Files, Summary, sort_diagnostics};
use threatokr_core::evidence::asvs::parse_asvs;
use threatokr_core::evidence::tests::parse_test_results;
use threatokr_core::evidence::training::{parse_completions, parse_roster};
use threatokr_core::metrics::{
    CheckinRecord, CycleMeasurement, EvidenceSet, FindingRecord, KrMeasurement, check_evidence,
    measure_cycle,
};
use threatokr_core::model::{Cycle, Severity, Workspace};
use threatokr_core::report::format_number;
use threatokr_core::workspace::load_workspace;
use threatokr_store::{
    EntityKind, FindingFilter, SerializedMeasurement, StatusObservation, Store, StoreError,
};

/// A workspace measured on one day, with everything needed to print or store it.
pub struct Measured {
    /// The loaded workspace.
    pub workspace: Workspace,
    /// The cycle's measurement.
    pub measurement: CycleMeasurement,
    /// Every file read (workspace and evidence), to render the diagnostics.
    pub files: Files,
    /// The problems of the workspace and the evidence, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// The workspace's history store.
    pub store: Store,
}

impl Measured {
    /// Whether the workspace or the evidence has errors.
    pub fn has_errors(&self) -> bool {
        Summary::of(&self.diagnostics).errors > 0
    }
}

/// Picks the cycle: `--cycle`, else the shortest cycle containing the day.
pub fn pick_cycle<'w>(
    workspace: &'w Workspace,
    cycle: Option<&str>,
    as_of: Date,
) -> Result<&'w Cycle> {
    let known = || workspace.config.cycles.iter().map(|c| c.id.to_string()).collect();
    match cycle {
        Some(id) => find_cycle(workspace, id),
        None => workspace
            .config
            .cycle_containing(as_of)
            .ok_or_else(|| Error::NoCycleContains { day: as_of, known: known() }),
    }
}

/// The cycle with this id, or an error listing the known cycles.
pub fn find_cycle<'w>(workspace: &'w Workspace, id: &str) -> Result<&'w Cycle> {
    workspace.config.cycle(id).ok_or_else(|| Error::UnknownCycle {
        id: id.to_owned(),
        known: workspace.config.cycles.iter().map(|c| c.id.to_string()).collect(),
    })
}

impl Session {
    /// Reads the workspace, the evidence folders and the store, and measures `cycle` (default:
    /// the shortest cycle containing the day) on `as_of` (default `today`; with only a cycle,
    /// `today` clamped into the cycle). Nothing is recorded: see [`Session::record`].
    pub fn measure(
        &self,
        cycle: Option<&str>,
        as_of: Option<Date>,
        today: Date,
        progress: &mut dyn Progress,
    ) -> Result<Measured> {
        compute(&self.reader()?, cycle, as_of, today, progress)
    }

    /// Records a measurement and the models' statuses in the store.
    pub fn record(&self, measured: &mut Measured) -> Result<Recorded> {
        record(measured)
    }
}

fn compute(
    reader: &Reader,
    cycle: Option<&str>,
    as_of: Option<Date>,
    today: Date,
    progress: &mut dyn Progress,
) -> Result<Measured> {
    let root = reader.base();
    let loaded = read_workspace(reader)?;
    let (workspace, more) = load_workspace(&loaded.files, &loaded.inputs);
    let mut files = loaded.files;
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(more);
    let day = as_of.unwrap_or(today);
    let cycle = pick_cycle(&workspace, cycle, day)?.clone();
    let as_of = as_of.unwrap_or_else(|| day.clamp(cycle.start, cycle.end));
    if workspace.okrs_for(&cycle.id).is_none() {
        return Err(Error::NoOkrFile { cycle: cycle.id.to_string() });
    }
    let store = open_store(root)?;
    let evidence =
        read_evidence(reader, &workspace, &cycle, &store, &mut files, &mut diagnostics, progress)?;
    diagnostics.extend(check_evidence(&workspace, &evidence));
    let measurement = measure_cycle(&workspace, &cycle, as_of, &evidence);
    diagnostics.extend(measurement.diagnostics.iter().cloned());
    sort_diagnostics(&files, &mut diagnostics);
    Ok(Measured { workspace, measurement, files, diagnostics, store })
}

/// What recording changed in the store: both 0 when measuring again on the same evidence.
pub struct Recorded {
    /// Measurement rows added or changed.
    pub measurements: usize,
    /// Threat and control status changes recorded.
    pub status_changes: usize,
    /// Why the statuses were not recorded, when they were not: measuring an earlier day than the
    /// store already knows must not rewrite history, but the measurements still count.
    pub statuses_refused: Option<StoreError>,
}

/// Records the measurements and the models' statuses in the store.
fn record(measured: &mut Measured) -> Result<Recorded> {
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
        .map_err(Error::store("recording the measurements"))?;
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
    let (status_changes, statuses_refused) =
        match measured.store.record_statuses(measurement.as_of, &observations) {
            Ok(recorded) => (recorded, None),
            Err(error) => (0, Some(error)),
        };
    Ok(Recorded { measurements: changed, status_changes, statuses_refused })
}

/// Everything the metrics count: findings and check-ins from the store, ASVS, training and test
/// files from the evidence folders, and a CI scan of every app repository that is a folder.
/// Check-ins and earlier measurements are those of `cycle`'s key results. Shared by `measure`
/// and `plan` (measured starts).
pub fn read_evidence(
    reader: &Reader,
    workspace: &Workspace,
    cycle: &Cycle,
    store: &Store,
    files: &mut Files,
    diagnostics: &mut Vec<Diagnostic>,
    progress: &mut dyn Progress,
) -> Result<EvidenceSet> {
    let root = reader.base();
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
            cwes: row.cwes,
            first_seen: row.first_seen,
            fixed_at: row.fixed_at,
        });
    }
    if let Some(okrs) = workspace.okrs_for(&cycle.id) {
        for kr in tracked(&mut *progress, "reading key result history", &okrs.key_results) {
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
    for path in tracked(
        &mut *progress,
        "reading ASVS evidence",
        reader.list(
            &root.join(&folders.asvs),
            &["yaml", "yml", "csv"],
            false,
            files,
            diagnostics,
        )?,
    ) {
        let Some(id) = reader.read(files, &path, diagnostics)? else { continue };
        let (verification, more) = parse_asvs(files, id);
        diagnostics.extend(more);
        evidence.asvs.extend(verification);
    }
    for path in tracked(
        &mut *progress,
        "reading training evidence",
        reader.list(&root.join(&folders.training), &["csv"], false, files, diagnostics)?,
    ) {
        let Some(id) = reader.read(files, &path, diagnostics)? else { continue };
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
    for path in tracked(
        &mut *progress,
        "reading test results",
        reader.list(&root.join(&folders.tests), &["xml", "csv"], false, files, diagnostics)?,
    ) {
        let Some(id) = reader.read(files, &path, diagnostics)? else { continue };
        let (executions, more) = parse_test_results(files, id);
        diagnostics.extend(more);
        evidence.tests.extend(executions);
    }
    let mut repos: Vec<&String> = workspace.config.apps.iter().flat_map(|a| &a.repos).collect();
    repos.sort();
    repos.dedup();
    for repo in tracked(&mut *progress, "scanning CI of repositories", repos) {
        let folder = root.join(repo.trim_start_matches("./"));
        // A URL or a folder that is not checked out here has no scan: it covers nothing.
        if repo.contains("://") || !folder.is_dir() {
            continue;
        }
        let (mut scan, more) = scan_folder(reader, files, &folder, diagnostics)?;
        diagnostics.extend(more);
        scan.path = repo.clone();
        evidence.ci.push(scan);
    }
    Ok(evidence)
}

/// A key result's value with its unit and, for ratios and counts, what it counts:
/// `54.5% (6 of 11)`, `1 apps (1 of 3)`, `2`, `-` for no data.
pub fn value_text(kr: &KrMeasurement) -> String {
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
