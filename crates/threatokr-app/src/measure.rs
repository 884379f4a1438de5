//! Measuring a cycle: evidence from the store and the evidence folders into the core's metrics,
//! and the measurements and the models' threat and control statuses recorded in the store.

mod compose;
mod fingerprint;

use compose::Composed;
use fingerprint::RunPrints;
pub(crate) use fingerprint::build_identity;

use crate::ci::{CiScanCache, KeptScans, ci_files};
use crate::ci_status::CiStatuses;
use crate::derived_cache::{
    self, Training, TrainingEntry, load_workspace_cached, load_workspace_in_two, parse_asvs_cached,
    parse_training_cached,
};
use crate::files::{Reader, read_workspace};
use crate::parallel::map_in_order;
use crate::store::open_existing_store;
use crate::{Error, Progress, Result, Session, tracked};
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use threatokr_core::diag::{Diagnostic, FileId, Files, Summary, sort_diagnostics};
use threatokr_core::evidence::asvs::parse_asvs;
use threatokr_core::evidence::tests::parse_test_results;
use threatokr_core::evidence::training::{parse_completions, parse_roster};
use threatokr_core::metrics::{
    CheckinRecord, ComputeValues, CycleMeasurement, EvidenceRef, EvidenceSet, FindingRecord,
    FindingScopes, KrMeasurement, KrValue, ListedValue, ObjectiveMeasurement, ScanRecord,
    ScopePart, check_evidence, counted_in_run, finding_scopes_read, measure_cycle_reusing,
    metrics_reading, restore_listed_prefix, restore_listed_value, restore_value, value_details,
};
use threatokr_core::model::{Cycle, KeyResultId, KrTarget, Workspace};
use threatokr_core::progress::{parse_target_record, target_record};
use threatokr_core::report::{COUNTED_SHOWN, format_number};
use threatokr_store::{
    CiScanRow, EntityKind, EvidencePart, EvidenceText, PartText, RescoredMeasurement,
    ScopeGeneration, SerializedMeasurement, StatusObservation, Store, StoreError,
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
    /// The workspace's history store, opened read-only ([`Session::record`] and
    /// [`Session::freeze_grades`] reopen it for writing).
    pub store: Store,
    /// Key results whose value was computed from evidence with errors: shown, never recorded.
    pub unrecorded: BTreeSet<String>,
    /// The fingerprint of each key result's inputs, recorded with its value (none when the
    /// store cannot keep fingerprints, or the measurement was asked to compute everything).
    pub fingerprints: BTreeMap<String, String>,
    /// Key results whose value was taken from the store (measured earlier on the same inputs)
    /// instead of computed.
    pub reused: BTreeSet<String>,
    /// Key results read back for a listing ([`Reuse::Listed`]): their evidence holds only the
    /// first items counted that a report lists, and this is how many they counted in all. Their
    /// evidence is never recorded; like any reused value's, only their scoring is brought up
    /// to date.
    pub listed: BTreeMap<String, usize>,
    /// The CI scans made in this run from files the store kept no scan of, for [`Session::record`]
    /// to keep.
    pub ci_scans: Vec<CiScanRow>,
    /// What names the runs of the evidence of the key results computed, one per scope, so that
    /// recording names the runs kept for unchanged scopes instead of writing them.
    pub(crate) run_prints: RunPrints,
    /// Finding key results composed of the parts kept for their unchanged scopes and the scopes
    /// computed again ([`Reuse::Listed`] only): like a listed value's, their evidence holds only
    /// the first items counted that a report lists; recording writes the runs of the scopes
    /// computed and names the runs kept for the others.
    pub(crate) composed: BTreeMap<String, Composed>,
    /// The hash of the build and the workspace's files the workspace was lowered from, which
    /// its models' statuses are a function of ([`derived_cache::Loaded::key`]).
    pub(crate) workspace_key: Option<String>,
}

impl Measured {
    /// Whether the workspace or the evidence has errors.
    pub fn has_errors(&self) -> bool {
        Summary::of(&self.diagnostics).errors > 0
    }

    /// How many finding key results were counted again only in the scopes whose findings or
    /// scans changed, the stored parts of the others added.
    pub fn composed(&self) -> usize {
        self.composed.len()
    }
}

impl Reuse {
    /// For a listing, how many of a value's counted items it shows; `None`: the whole evidence.
    fn shown(self) -> Option<usize> {
        match self {
            Self::Listed => Some(COUNTED_SHOWN),
            Self::NumbersOnly => Some(0),
            Self::Unchanged | Self::Never => None,
        }
    }
}

/// Whether a measurement may take values measured earlier on the same inputs from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// Take a key result's stored value of the day when its inputs' fingerprint is unchanged,
    /// and read only the findings of the key results computed.
    Unchanged,
    /// Compute every key result from every finding (`measure --full`, `explain`).
    Never,
    /// As [`Reuse::Unchanged`], but of a stored value's evidence read back only the first items
    /// counted that a report lists ([`COUNTED_SHOWN`]) and how many were counted: for `report`
    /// and the status tree, which list no more (the stored evidence of a large portfolio's
    /// findings runs to tens of megabytes). Recording such a measurement writes the values
    /// computed and rescores the values read back, whose evidence stays as stored.
    Listed,
    /// As [`Reuse::Listed`], listing no item: a stored value's numbers and notes are read back,
    /// not its evidence, for `measure`'s table, which shows none (without the first items of 244
    /// unchanged values, a re-measure at enterprise scale took 0.84 as long, issue 12).
    NumbersOnly,
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
        self.measure_with(cycle, as_of, today, Reuse::Unchanged, progress)
    }

    /// [`Session::measure`], saying whether stored values of unchanged key results are reused.
    pub fn measure_with(
        &self,
        cycle: Option<&str>,
        as_of: Option<Date>,
        today: Date,
        reuse: Reuse,
        progress: &mut dyn Progress,
    ) -> Result<Measured> {
        let (measured, evidence) =
            compute_with_evidence(&self.reader()?, cycle, as_of, today, reuse, progress)?;
        // Freed while the caller records and prints: a portfolio's hundreds of thousands of
        // finding records took a tenth of a second to free.
        crate::parallel::free_elsewhere(evidence);
        Ok(measured)
    }

    /// [`Session::load`] and the evidence too (ASVS, training, test results, CI), with their
    /// problems: what `validate` reports, so a broken checklist is found before `measure`.
    pub fn load_with_evidence(&self, progress: &mut dyn Progress) -> Result<crate::Checked> {
        let reader = self.reader()?;
        let loaded = read_workspace(&reader)?;
        let (workspace, more) = load_workspace_cached(reader.base(), &loaded.files, &loaded.inputs);
        let mut files = loaded.files;
        let mut diagnostics = loaded.diagnostics;
        diagnostics.extend(more);
        let mut evidence = EvidenceSet::default();
        read_evidence_files(
            &reader,
            &workspace,
            &mut files,
            &mut diagnostics,
            progress,
            &mut evidence,
            &mut CiScanCache::default(),
            &|| Ok(KeptScans::new()),
        )?;
        diagnostics.extend(check_evidence(&workspace, &evidence));
        sort_diagnostics(&files, &mut diagnostics);
        Ok(crate::Checked { workspace, files, diagnostics })
    }

    /// Records a measurement and the models' statuses in the store (opened for writing now:
    /// measuring opened it read-only).
    pub fn record(&self, measured: &mut Measured) -> Result<Recorded> {
        measured.store = self.store()?;
        match record(measured) {
            // A composed key result named a run of evidence the store no longer keeps (a
            // damaged store, or another process measured the day meanwhile): nothing was
            // written; the day is measured again with every scope counted, and recorded.
            Err(Error::StoreWhile { source: StoreError::Changed { .. }, .. })
                if !measured.composed.is_empty() =>
            {
                let (cycle, as_of) =
                    (measured.measurement.cycle.to_string(), measured.measurement.as_of);
                let reader = self.reader()?;
                let again = compute_once(
                    &reader,
                    Some(&cycle),
                    Some(as_of),
                    as_of,
                    Reuse::Listed,
                    Compose::Never,
                    &mut crate::NoProgress,
                )?;
                let Some((again, evidence)) = again else { return Err(not_composed()) };
                crate::parallel::free_elsewhere(evidence);
                *measured = again;
                measured.store = self.store()?;
                record(measured)
            }
            recorded => recorded,
        }
    }
}

/// What composing nothing cannot give: a measurement lacking a run of evidence.
fn not_composed() -> Error {
    Error::store("measuring")(StoreError::Damaged {
        what: "the evidence runs a measurement named are missing".into(),
    })
}

/// Measures as [`Session::measure`] does, and returns the evidence read too (`explain` names
/// the scans and files the value came from; with [`Reuse::Unchanged`], the findings are only
/// those of the key results computed).
pub(crate) fn compute_with_evidence(
    reader: &Reader,
    cycle: Option<&str>,
    as_of: Option<Date>,
    today: Date,
    reuse: Reuse,
    progress: &mut dyn Progress,
) -> Result<(Measured, EvidenceSet)> {
    // A key result whose kept parts name runs the store no longer keeps (a damaged store) is
    // measured again with every scope counted, as a damaged stored value is.
    for compose in [Compose::KeptParts, Compose::Never] {
        if let Some(measured) = compute_once(reader, cycle, as_of, today, reuse, compose, progress)?
        {
            return Ok(measured);
        }
    }
    // Composing nothing never lacks a run: not reached.
    Err(not_composed())
}

/// Whether a finding key result may add the parts kept for its unchanged scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compose {
    /// For a listing ([`Reuse::Listed`]), when the store keeps them.
    KeptParts,
    /// Every scope counted.
    Never,
}

/// [`compute_with_evidence`], composing as `compose` says; `None` when a composed key result's
/// kept runs are not all in the store.
fn compute_once(
    reader: &Reader,
    cycle: Option<&str>,
    as_of: Option<Date>,
    today: Date,
    reuse: Reuse,
    compose: Compose,
    progress: &mut dyn Progress,
) -> Result<Option<(Measured, EvidenceSet)>> {
    let root = reader.base();
    let loaded = read_workspace(reader)?;
    // The models and aliases (two thirds of decoding the cached workspace) are decoded on another
    // core while the evidence is read, which reads only the settings and OKR sets (issue 12).
    let derived_cache::Loaded { workspace, diagnostics: more, models, key } =
        load_workspace_in_two(root, &loaded.files, &loaded.inputs);
    let mut files = loaded.files;
    let mut diagnostics = loaded.diagnostics;
    let day = as_of.unwrap_or(today);
    let cycle = pick_cycle(&workspace, cycle, day)?.clone();
    let as_of = as_of.unwrap_or_else(|| day.clamp(cycle.start, cycle.end));
    if workspace.okrs_for(&cycle.id).is_none() {
        return Err(Error::NoOkrFile { cycle: cycle.id.to_string() });
    }
    let store = open_existing_store(root)?;
    // Every read below sees one state of the store, even while a CI job ingests.
    let one_state = store.one_state()?;
    let mut ci_cache = CiScanCache::default();
    let (evidence, models) = std::thread::scope(|scope| {
        let decoding = models.map(|models| scope.spawn(move || models.decode()));
        let evidence = read_evidence_but_findings(
            reader,
            &workspace,
            &cycle,
            &store,
            &mut files,
            &mut diagnostics,
            progress,
            &mut ci_cache,
        );
        // Models that do not decode, or whose decoding failed, are lowered from the files below.
        (evidence, decoding.map(|decoding| decoding.join().ok().flatten()))
    });
    let mut evidence = evidence?;
    let (workspace, more) =
        derived_cache::with_models(workspace, more, models, root, &files, &loaded.inputs);
    diagnostics.extend(more);
    // Fingerprinted either way: a measurement that computed everything is recorded with them too.
    let workspace_files = derived_cache::workspace_file_ids(&loaded.inputs);
    let read = Read {
        files: &files,
        workspace: key.as_deref().map(|key| (key, &workspace_files)),
        evidence: &evidence,
        ci: &ci_cache,
    };
    // Checking the evidence against the workspace reads no finding: it is done on the other core
    // while the key results are fingerprinted (issue 12: a twentieth of measuring again).
    let (known, checked) = std::thread::scope(|scope| {
        let checking = scope.spawn(|| check_evidence(&workspace, &evidence));
        let known = reusable_values(&workspace, &cycle, as_of, &store, &read, reuse, compose);
        (known, checking.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    diagnostics.extend(checked);
    let known = known?;
    let Known {
        values: reused_values,
        fingerprints,
        findings_needed,
        listed,
        run_prints,
        kept_parts,
    } = known.unwrap_or_else(Known::nothing);
    evidence.findings = store.finding_records(findings_needed.as_deref())?;
    drop(one_state);
    let reused: BTreeSet<String> = reused_values.keys().map(ToString::to_string).collect();
    // The key results to compute on every core: a portfolio's few key results counting every
    // finding take most of the time, and each is computed by one thread.
    let on_every_core: &ComputeValues<'_> = &|key_results, value| {
        map_in_order(key_results, &mut crate::NoProgress, "measuring", |kr| value(kr))
    };
    let mut measurement = measure_cycle_reusing(
        &workspace,
        &cycle,
        as_of,
        &evidence,
        reused_values,
        &kept_parts,
        on_every_core,
    );
    let shown = reuse.shown().unwrap_or(COUNTED_SHOWN);
    let Some(composed) =
        compose_listings(&mut measurement, &kept_parts, &store, &run_prints, shown)?
    else {
        return Ok(None);
    };
    diagnostics.extend(measurement.diagnostics.iter().cloned());
    sort_diagnostics(&files, &mut diagnostics);
    // A value computed from a file with errors is not recorded: which metrics read such a file.
    let broken: BTreeSet<&str> = diagnostics
        .iter()
        .filter(|d| d.severity == threatokr_core::diag::Severity::Error)
        .filter_map(|d| d.primary.as_ref())
        .flat_map(|label| metrics_reading(&workspace, files.name(label.file)).iter().copied())
        .collect();
    let mut unrecorded = BTreeSet::new();
    for kr in &mut measurement.key_results {
        if broken.contains(kr.metric.as_str()) {
            kr.value.notes.push(
                "not recorded: the evidence it reads has errors (listed above); fix them and measure again"
                    .into(),
            );
            unrecorded.insert(kr.id.to_string());
        }
    }
    Ok(Some((
        Measured {
            workspace,
            measurement,
            files,
            diagnostics,
            store,
            unrecorded,
            fingerprints,
            reused,
            listed,
            ci_scans: ci_cache.fresh,
            run_prints,
            composed,
            workspace_key: key,
        },
        evidence,
    )))
}

/// For each key result composed of kept scope parts, its evidence computed set apart for
/// recording and replaced by the first items counted that a listing shows (read back from the
/// runs kept for its first scopes); `None` when the store does not keep every run its kept parts
/// name.
fn compose_listings(
    measurement: &mut CycleMeasurement,
    kept_parts: &BTreeMap<KeyResultId, Vec<ScopePart>>,
    store: &Store,
    run_prints: &RunPrints,
    shown: usize,
) -> Result<Option<BTreeMap<String, Composed>>> {
    let mut composed = BTreeMap::new();
    for kr in &mut measurement.key_results {
        let id = kr.id.as_str();
        let Some(kept) = kept_parts.get(&kr.id) else { continue };
        // A value without parts would be recorded with the evidence of some scopes only.
        let Some(parts) = &kr.value.scope_parts else { return Ok(None) };
        let recorded = store
            .kept_runs(id, measurement.as_of)
            .map_err(Error::store("reading the evidence recorded"))?;
        let print = |app: &str, environment: &str| run_prints.of(id, app, environment);
        let fresh = std::mem::take(&mut kr.value.evidence);
        let Some(entry) = Composed::new(parts, kept, fresh, print, &recorded) else {
            return Ok(None);
        };
        let Some(listing) = compose::listing_prefix(store, parts, &entry, shown)? else {
            return Ok(None);
        };
        kr.value.evidence = listing;
        composed.insert(id.to_owned(), entry);
    }
    Ok(Some(composed))
}

/// What a measurement read, which its key results' fingerprints hash.
struct Read<'r> {
    /// Every file read.
    files: &'r Files,
    /// The key of the workspace's cache and the files it hashes; `None` when the build is
    /// unknown.
    workspace: Option<(&'r str, &'r BTreeSet<FileId>)>,
    /// The evidence read (check-ins).
    evidence: &'r EvidenceSet,
    /// The CI of the repositories scanned.
    ci: &'r CiScanCache,
}

/// What the store holds of a measurement of the same day on the same inputs.
struct Known {
    /// The stored values of the key results whose inputs are unchanged.
    values: BTreeMap<KeyResultId, KrValue>,
    /// Every key result's fingerprint.
    fingerprints: BTreeMap<String, String>,
    /// The (app, environment) scopes whose findings the key results computed count; `None`:
    /// every finding.
    findings_needed: Option<Vec<(String, String)>>,
    /// With [`Reuse::Listed`], how many items each value read back counted.
    listed: BTreeMap<String, usize>,
    /// What names the runs of each key result's evidence.
    run_prints: RunPrints,
    /// The finding key results measured again from the parts kept for their unchanged scopes:
    /// those parts.
    kept_parts: BTreeMap<KeyResultId, Vec<ScopePart>>,
}

impl Known {
    /// Nothing known: every key result is computed from every finding.
    fn nothing() -> Self {
        Self {
            values: BTreeMap::new(),
            fingerprints: BTreeMap::new(),
            findings_needed: None,
            listed: BTreeMap::new(),
            run_prints: RunPrints::default(),
            kept_parts: BTreeMap::new(),
        }
    }
}

/// Fingerprints every key result of `cycle` and, unless `reuse` is [`Reuse::Never`], takes from
/// the store the values recorded on `as_of` with the same fingerprint; `None` when the store keeps
/// no fingerprints (a read-only store of an older schema) or the build cannot be identified.
fn reusable_values(
    workspace: &Workspace,
    cycle: &Cycle,
    as_of: Date,
    store: &Store,
    read: &Read<'_>,
    reuse: Reuse,
    compose: Compose,
) -> Result<Option<Known>> {
    let Some(generations) = store.finding_scope_generations()? else { return Ok(None) };
    let Some(inputs) = fingerprint::inputs_hash(read.files, read.workspace, read.ci) else {
        return Ok(None);
    };
    let evidence = read.evidence;
    let Some(okrs) = workspace.okrs_for(&cycle.id) else { return Ok(None) };
    let stored = store.measurement_fingerprints(cycle.id.as_str(), as_of)?;
    let mut known = Known::nothing();
    // Key results of nested cycles (a year's quarters) are always computed, from every finding.
    let nests = workspace.config.cycles.iter().any(|c| c.within.as_ref() == Some(&cycle.id));
    // `--full` writes every run of the evidence it computed: without the scopes' generations,
    // no run has a print, and none kept before is named.
    if reuse != Reuse::Never {
        for g in &generations {
            let by_environment = known.run_prints.generations.entry(g.app.clone()).or_default();
            by_environment.insert(g.environment.clone(), g.generation);
        }
    }
    // Each app's scopes, found by app: a portfolio's key results each read thousands of apps'
    // scopes, and a team's a few of them; looking each scope up in every key result's apps was a
    // twentieth of measuring again.
    let mut scopes_of_app: HashMap<&str, std::ops::Range<usize>> = HashMap::new();
    for (i, g) in generations.iter().enumerate() {
        scopes_of_app.entry(g.app.as_str()).or_insert(i..i).end = i + 1;
    }
    let mut needed: BTreeSet<(String, String)> = BTreeSet::new();
    for kr in &okrs.key_results {
        let id = kr.id.as_str();
        if known.fingerprints.contains_key(id) {
            continue; // A duplicated id (a validation error) is measured once.
        }
        let scopes = finding_scopes_read(workspace, kr, cycle, as_of);
        // In the store's order (by app, then environment), as the findings are read.
        let read: Option<Vec<&ScopeGeneration>> = scopes.as_ref().map(|scopes| {
            scopes
                .apps()
                .filter_map(|app| scopes_of_app.get(app).map(|range| &generations[range.clone()]))
                .flatten()
                .filter(|g| scopes.has_environment(&g.environment))
                .collect()
        });
        let checkins = evidence.checkins.get(id).map(Vec::as_slice).unwrap_or_default();
        let base = fingerprint::key_result_base(&inputs, cycle.id.as_str(), as_of, id, checkins);
        let print =
            fingerprint::key_result_fingerprint(&base, read.as_ref().map(|r| r.iter().copied()));
        known.run_prints.bases.insert(id.to_owned(), base);
        let value = match stored.get(id) {
            Some(recorded)
                if *recorded == print
                    && let Some(shown) = reuse.shown() =>
            {
                listed_value(store, id, as_of, &print, shown)?.map(|restored| {
                    known.listed.insert(id.to_owned(), restored.counted);
                    restored.value
                })
            }
            Some(recorded) if *recorded == print && reuse == Reuse::Unchanged => {
                store.stored_value(id, as_of, &print)?.and_then(|row| {
                    let (evidence, details) = (&row.evidence_json, &row.details);
                    restore_value(row.value, row.numerator, row.denominator, evidence, details)
                })
            }
            _ => None,
        };
        // A listing of a finding key result whose stored value is of other findings takes the
        // parts kept for its unchanged scopes, and reads only the findings of the others.
        let composable = reuse.shown().is_some()
            && compose == Compose::KeptParts
            && !nests
            && !matches!(kr.target, KrTarget::Binary { .. });
        let kept = match (&value, &read) {
            (None, Some(read)) if composable => {
                compose::parts_to_keep(store, id, as_of, &base, read.iter().copied())?
            }
            _ => None,
        };
        match (value, kept) {
            (Some(value), _) => {
                known.values.insert(kr.id.clone(), value);
            }
            (None, Some(kept)) => {
                let is_kept: BTreeSet<(&str, &str)> =
                    kept.iter().map(|p| (p.app.as_str(), p.environment.as_str())).collect();
                needed.extend(
                    read.into_iter()
                        .flatten()
                        .filter(|g| !is_kept.contains(&(g.app.as_str(), g.environment.as_str())))
                        .map(|g| (g.app.clone(), g.environment.clone())),
                );
                known.kept_parts.insert(kr.id.clone(), kept);
            }
            (None, None) => needed
                .extend(read.into_iter().flatten().map(|g| (g.app.clone(), g.environment.clone()))),
        }
        known.fingerprints.insert(id.to_owned(), print);
    }
    if reuse != Reuse::Never && !nests && needed.len() < generations.len() {
        known.findings_needed = Some(needed.into_iter().collect());
    }
    Ok(Some(known))
}

/// The value `kr` recorded on `as_of` with the fingerprint `print`, with only the first items
/// counted that a listing shows ([`Reuse::Listed`]): a row that says how many items it counted
/// composes only the first runs of its evidence, until they hold as many counted items as a
/// listing shows (issue 12: composing and scanning the whole evidence of every unchanged key
/// result was a tenth of a re-measure at enterprise scale).
fn listed_value(
    store: &Store,
    kr: &str,
    as_of: Date,
    print: &str,
    shown: usize,
) -> Result<Option<ListedValue>> {
    // Nothing listed: the row's numbers, notes and count, its evidence not read at all.
    if shown == 0
        && let Some((row, Some(counted))) = store.stored_counts(kr, as_of, print)?
    {
        let numbers = (row.value, row.numerator, row.denominator);
        if let Some(listed) = restore_listed_prefix(numbers, "[]", &row.details, 0, counted) {
            return Ok(Some(listed));
        }
    }
    let mut seen = 0;
    let enough = |run: &str| {
        // A run that cannot be counted here stops the composing: the whole list is read below.
        match counted_in_run(run) {
            Some(counted) => {
                seen += counted;
                seen < shown
            }
            None => false,
        }
    };
    let Some((row, counted)) = store.stored_listing(kr, as_of, print, enough)? else {
        return Ok(None);
    };
    let numbers = (row.value, row.numerator, row.denominator);
    let (evidence, details) = (&row.evidence_json, &row.details);
    if let Some(counted) = counted
        && let Some(listed) = restore_listed_prefix(numbers, evidence, details, shown, counted)
    {
        return Ok(Some(listed));
    }
    // No count kept (the evidence is whole already), or a prefix that did not read back (a run
    // this build does not write): the listing of the whole evidence.
    let whole = match counted {
        None => Some(row),
        Some(_) => store.stored_value(kr, as_of, print)?,
    };
    Ok(whole.and_then(|row| {
        let (evidence, details) = (&row.evidence_json, &row.details);
        restore_listed_value(row.value, row.numerator, row.denominator, evidence, details, shown)
    }))
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
    let unrecorded = &measured.unrecorded;
    let kept = measurement.key_results.iter().filter(|kr| !unrecorded.contains(kr.id.as_str()));
    // A reused value is the stored row's own (same fingerprint, read back exactly, or for a
    // listing with only the evidence it shows): its evidence is not serialized, hashed and
    // compared again, only its scoring is brought up to date.
    let reused_print = |kr: &KrMeasurement| {
        measured
            .reused
            .contains(kr.id.as_str())
            .then(|| measured.fingerprints.get(kr.id.as_str()))
            .flatten()
    };
    let rescored = kept.clone().filter_map(|kr| {
        Some(RescoredMeasurement {
            kr_id: kr.id.as_str(),
            as_of: measurement.as_of,
            fingerprint: reused_print(kr)?,
            progress: kr.progress,
            status: kr.status,
            scored_against: target_record(&kr.scored_against),
        })
    });
    let mut changed = measured
        .store
        .record_rescored_measurements(rescored)
        .map_err(Error::store("recording the measurements"))?;
    // A value read back for a listing is always reused: its partial evidence is never written.
    debug_assert!(measured.listed.keys().all(|id| measured.reused.contains(id)));
    let computed = kept
        .filter(|kr| reused_print(kr).is_none() && !measured.listed.contains_key(kr.id.as_str()));
    // The runs recorded that day for each long list, by print: those of unchanged scopes are
    // named, not written again.
    let composed = &measured.composed;
    let mut kept_runs: HashMap<&str, HashMap<String, String>> = HashMap::new();
    // (A composed key result names the runs it found when it was measured.)
    for kr in computed.clone().filter(|kr| {
        kr.value.evidence.len() >= PARTS_FROM_ITEMS && !composed.contains_key(kr.id.as_str())
    }) {
        let runs = measured
            .store
            .kept_runs(kr.id.as_str(), measurement.as_of)
            .map_err(Error::store("reading the evidence recorded"))?;
        kept_runs.insert(kr.id.as_str(), runs);
    }
    let (fingerprints, run_prints) = (&measured.fingerprints, &measured.run_prints);
    // A composed key result's evidence names the runs kept for its unchanged scopes: one of them
    // dropped since (another process measured the day) cannot be written again from here.
    let mut composed_texts = HashMap::new();
    for kr in computed.clone().filter(|kr| composed.contains_key(kr.id.as_str())) {
        let id = kr.id.as_str();
        let parts = kr.value.scope_parts.as_deref().unwrap_or_default();
        let print = |app: &str, environment: &str| run_prints.of(id, app, environment);
        let text = compose::composed_evidence(parts, &composed[id], print, write_run)
            .ok_or_else(|| StoreError::Changed {
                what: format!("the evidence computed for `{id}` does not follow its scopes"),
            })
            .map_err(Error::store("recording the measurements"))?;
        composed_texts.insert(id, text);
    }
    let store = &mut measured.store;
    let mut record_computed = |kept_runs: &HashMap<&str, HashMap<String, String>>| {
        let none = HashMap::new();
        // Taken by the first attempt: there is a second only when nothing was composed.
        let mut composed_texts = std::mem::take(&mut composed_texts);
        let serialized = computed.clone().map(move |kr| SerializedMeasurement {
            kr_id: kr.id.as_str(),
            cycle: measurement.cycle.as_str(),
            as_of: measurement.as_of,
            value: kr.value.value,
            numerator: kr.value.numerator,
            denominator: kr.value.denominator,
            progress: kr.progress,
            status: kr.status,
            evidence: match composed_texts.remove(kr.id.as_str()) {
                Some(text) => text,
                None => evidence_as_kept(
                    &kr.value.evidence,
                    |app, environment| run_prints.of(kr.id.as_str(), app, environment),
                    kept_runs.get(kr.id.as_str()).unwrap_or(&none),
                ),
            },
            scored_against: target_record(&kr.scored_against),
            fingerprint: fingerprints.get(kr.id.as_str()).cloned(),
            details: Some(value_details(&kr.value)),
            evidence_counted: u32::try_from(match composed.get(kr.id.as_str()) {
                Some(composed) => composed.counted,
                None => kr.value.evidence.iter().filter(|item| item.is_counted()).count(),
            })
            .ok(),
            scope_parts: kr.value.scope_parts.as_ref().and_then(|parts| {
                let base = run_prints.bases.get(kr.id.as_str())?;
                compose::kept_parts_text(base, parts, run_prints)
            }),
        });
        // The next value's evidence is written as JSON on another thread while the store keeps
        // the one before (issue 12: a portfolio's key results counting every finding hold tens
        // of megabytes of evidence each; writing it as text took as long as storing it). The
        // rendezvous channel holds none: at most two values' texts exist at once.
        std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel(0);
            scope.spawn(move || {
                for row in serialized {
                    if send.send(row).is_err() {
                        break; // The store failed and stopped asking.
                    }
                }
            });
            store.record_serialized_measurements(receive)
        })
    };
    // A run named that another process dropped since it was read: nothing was written, and
    // every run is written instead (but a composed key result's, whose other runs this process
    // never read: the command fails, and running it again measures the store as it is now).
    changed += match record_computed(&kept_runs) {
        Err(StoreError::Changed { .. }) if composed.is_empty() => record_computed(&HashMap::new()),
        recorded => recorded,
    }
    .map_err(Error::store("recording the measurements"))?;
    measured
        .store
        .record_ci_scans(&measured.ci_scans)
        .map_err(Error::store("keeping the CI scans"))?;
    let (workspace, files) = (&measured.workspace, &measured.files);
    let observations = || status_observations(workspace, files);
    // The statuses are a function of the workspace's files and the build: known by the cache's
    // key, they are listed and hashed only when that key was not the last recorded.
    let recorded = match measured.workspace_key.as_deref() {
        Some(key) => measured.store.record_statuses_known_as(measurement.as_of, key, observations),
        None => measured.store.record_statuses(measurement.as_of, &observations()),
    };
    let (status_changes, statuses_refused) = match recorded {
        Ok(recorded) => (recorded, None),
        Err(error) => (0, Some(error)),
    };
    Ok(Recorded { measurements: changed, status_changes, statuses_refused })
}

/// The status of every threat and control of the models, borrowed from them: nothing of a
/// portfolio's 20,000 threats is copied to be compared.
fn status_observations<'w>(
    workspace: &'w Workspace,
    files: &'w Files,
) -> Vec<StatusObservation<'w>> {
    let mut observations = Vec::new();
    for model in &workspace.models {
        let model_file = files.name(model.origin.file);
        let app = model.app.as_ref().map(|a| a.as_str()).unwrap_or_default();
        for threat in &model.threats {
            observations.push(StatusObservation {
                model_file: model_file.into(),
                entity_kind: EntityKind::Threat,
                entity_id: threat.id.as_str().into(),
                app: app.into(),
                status: threat.status.as_str().into(),
            });
        }
        for control in &model.controls {
            observations.push(StatusObservation {
                model_file: model_file.into(),
                entity_kind: EntityKind::Control,
                entity_id: control.id.as_str().into(),
                app: app.into(),
                status: control.status.as_str().into(),
            });
        }
    }
    observations
}

/// Evidence of at least this many items is kept in parts, one per app (and environment).
const PARTS_FROM_ITEMS: usize = 256;

/// A key result's evidence as the JSON text the store keeps. A long list is written in runs of
/// one app's items (one app and environment's, for findings), each kept once by the store and
/// shared by the days and key results listing it: a portfolio's key result lists hundreds of
/// thousands of findings, and a push changes those of one scope, so measuring again writes
/// one run instead of tens of megabytes (issue 12). The runs joined are the whole list's text.
/// A run about one scope's findings carries the print `print` gives it (the key result's inputs
/// and the scope's generation); one whose print is in `kept` (the runs recorded that day) is
/// named by its key instead of written.
fn evidence_as_kept(
    evidence: &[EvidenceRef],
    print: impl Fn(&str, &str) -> Option<String>,
    kept: &HashMap<String, String>,
) -> EvidenceText {
    if evidence.len() < PARTS_FROM_ITEMS {
        return EvidenceText::Whole(
            serde_json::to_string(evidence).unwrap_or_else(|_| "null".to_owned()),
        );
    }
    let runs = evidence.chunk_by(|a, b| scope_of(a) == scope_of(b));
    let parts = runs.map(|items| {
        let print = match &items[0] {
            EvidenceRef::Finding { app, environment, .. } => print(app, environment),
            _ => None,
        };
        let text = match print.as_ref().and_then(|print| kept.get(print)) {
            Some(key) => PartText::Kept(key.clone()),
            None => PartText::Written(write_run(items)),
        };
        EvidencePart { print, text }
    });
    EvidenceText::Parts(parts.collect())
}

/// A run's items written as the whole list writes them, comma-separated, into a text of its own.
fn write_run(items: &[EvidenceRef]) -> String {
    let mut text = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            text.push(b',');
        }
        if serde_json::to_writer(&mut text, item).is_err() {
            return "null".to_owned();
        }
    }
    String::from_utf8(text).unwrap_or_else(|_| "null".to_owned())
}

/// The app and environment an item of evidence is about, when it is about one.
fn scope_of(item: &EvidenceRef) -> Option<(&str, &str)> {
    match item {
        EvidenceRef::Finding { app, environment, .. } => Some((app, environment)),
        EvidenceRef::Threat { app, .. }
        | EvidenceRef::Control { app, .. }
        | EvidenceRef::Asvs { app, .. }
        | EvidenceRef::Repo { app, .. } => Some((app, "")),
        _ => None,
    }
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
    let mut ci_cache = CiScanCache::default();
    let mut evidence = read_evidence_but_findings(
        reader,
        workspace,
        cycle,
        store,
        files,
        diagnostics,
        progress,
        &mut ci_cache,
    )?;
    evidence.findings = store.finding_records(None)?;
    Ok(evidence)
}

/// The findings of `scopes` (every finding when the store keeps no list of its scopes): what the
/// key results that read those scopes count, and nothing more.
pub fn findings_of_scopes(store: &Store, scopes: &[FindingScopes]) -> Result<Vec<FindingRecord>> {
    let needed: Option<Vec<(String, String)>> = store.finding_scope_generations()?.map(|known| {
        known
            .into_iter()
            .filter(|g| scopes.iter().any(|s| s.contains(&g.app, &g.environment)))
            .map(|g| (g.app, g.environment))
            .collect()
    });
    Ok(store.finding_records(needed.as_deref())?)
}

/// [`read_evidence`] without the findings, which the caller reads (all of them, or only those
/// of the scopes the key results it computes count: [`findings_of_scopes`]). The CI scans are
/// taken from `ci_cache` where their files are unchanged, and the new ones added to it.
#[expect(clippy::too_many_arguments, reason = "the evidence readers' context, passed through")]
pub fn read_evidence_but_findings(
    reader: &Reader,
    workspace: &Workspace,
    cycle: &Cycle,
    store: &Store,
    files: &mut Files,
    diagnostics: &mut Vec<Diagnostic>,
    progress: &mut dyn Progress,
    ci_cache: &mut CiScanCache,
) -> Result<EvidenceSet> {
    let mut evidence = EvidenceSet::default();
    for row in store.scans()? {
        evidence.scans.push(ScanRecord {
            tool: row.tool,
            app: row.app,
            environment: row.environment,
            date: row.at,
        });
    }
    // The cycle's key results, and those of the cycles nested in it (a year's quarters roll up
    // into its objectives).
    let sets = workspace.okrs.iter().filter(|set| {
        set.cycle == cycle.id
            || workspace
                .config
                .cycle(set.cycle.as_str())
                .is_some_and(|c| c.within.as_ref() == Some(&cycle.id))
    });
    for okrs in sets {
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
                .measurement_values(&id, okrs.cycle.as_str())?
                .into_iter()
                .filter_map(|(day, value)| Some((day, value?)))
                .collect();
            let scored: BTreeMap<Date, KrTarget> = store
                .measurement_targets(&id, okrs.cycle.as_str())?
                .into_iter()
                .filter_map(|(day, text)| Some((day, parse_target_record(&text)?)))
                .collect();
            if !scored.is_empty() {
                evidence.scored_against.insert(id.clone(), scored);
            }
            if !history.is_empty() {
                evidence.history.insert(id, history);
            }
        }
    }
    let kept_scans = || Ok(store.ci_scans()?);
    read_evidence_files(
        reader,
        workspace,
        files,
        diagnostics,
        progress,
        &mut evidence,
        ci_cache,
        &kept_scans,
    )?;
    Ok(evidence)
}

/// The evidence kept as files in the workspace (ASVS verifications, training records, test
/// results) and the CI of every app repository that is a folder, read into `evidence` with their
/// problems: what `validate` checks without a store, and `measure` counts. A repository whose
/// CI files are those of a scan in `ci_cache` takes that scan (`kept_scans` gives the store's,
/// asked only when a repository's files are read again).
#[expect(clippy::too_many_arguments, reason = "what is read, where it goes, and the kept scans")]
pub fn read_evidence_files(
    reader: &Reader,
    workspace: &Workspace,
    files: &mut Files,
    diagnostics: &mut Vec<Diagnostic>,
    progress: &mut dyn Progress,
    evidence: &mut EvidenceSet,
    ci_cache: &mut CiScanCache,
    kept_scans: &dyn Fn() -> Result<KeptScans>,
) -> Result<()> {
    let root = reader.base();
    let folders = &workspace.config.settings.evidence;
    let mut asvs_files = Vec::new();
    for path in reader.list(
        &root.join(&folders.asvs),
        &["yaml", "yml", "csv"],
        false,
        files,
        diagnostics,
    )? {
        asvs_files.extend(reader.read(files, &path, diagnostics)?);
    }
    let shared: &Files = files;
    let parsed = parse_asvs_cached(root, shared, &asvs_files, |missing| {
        map_in_order(missing, progress, "reading ASVS evidence", |&id| parse_asvs(shared, id))
    });
    for (verification, more) in parsed {
        diagnostics.extend(more);
        evidence.asvs.extend(verification);
    }
    let mut training_files = Vec::new();
    for path in tracked(
        &mut *progress,
        "reading training evidence",
        reader.list(&root.join(&folders.training), &["csv"], false, files, diagnostics)?,
    ) {
        training_files.extend(reader.read(files, &path, diagnostics)?);
    }
    let shared: &Files = files;
    let parsed = parse_training_cached(root, shared, &training_files, |missing| {
        missing.iter().map(|&id| parse_training(shared, id)).collect()
    });
    for (training, more) in parsed {
        diagnostics.extend(more);
        match training {
            Training::Roster(entries) => evidence.roster.extend(entries),
            Training::Completions(completions) => evidence.completions.extend(completions),
            Training::Nothing => {}
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
    // A repository whose folders and CI files are as they were when last read takes its kept
    // scan without reading them (`ci_status.rs`).
    // A repository whose folders and CI files are as they were when last read takes the scan kept
    // with their status, without reading them (`ci_status.rs`); looked at on every core.
    let mut statuses = CiStatuses::begin(root);
    let folder_of = |repo: &str| root.join(repo.trim_start_matches("./"));
    let shared_statuses = &statuses;
    let unchanged = map_in_order(&repos, &mut crate::NoProgress, "", |repo| {
        !repo.contains("://") && shared_statuses.unchanged(repo, &folder_of(repo)).is_some()
    });
    // The store's kept scans are read only for repositories read again.
    if ci_cache.needs_known() && unchanged.iter().any(|unchanged| !unchanged) {
        ci_cache.know(kept_scans()?);
    }
    let to_read: Vec<(&String, bool)> = repos.iter().copied().zip(unchanged).collect();
    // Each repository read (and scanned, unless the store kept its scan) into files of its own
    // on whichever core is free, and they join the run's files in the repositories' order
    // afterwards: the same ids as read one by one.
    let shared_cache: &CiScanCache = ci_cache;
    let scans = map_in_order(
        &to_read,
        progress,
        "scanning CI of repositories",
        |&(repo, unchanged)| -> Result<_> {
            // A URL or a folder that is not checked out here has no scan: it covers nothing
            // (`ci_files` looks at the folder once; 5,000 repositories looked twice, issue 12).
            if unchanged || repo.contains("://") {
                return Ok(None);
            }
            let folder = folder_of(repo);
            let (mut own_files, mut own_diagnostics) = (Files::new(), Vec::new());
            let ids = match ci_files(reader, &mut own_files, &folder, &mut own_diagnostics) {
                Err(Error::NotAFolder { .. }) => return Ok(None),
                listed => listed?,
            };
            let mut scanned = shared_cache.scan_keeping_apart(&own_files, repo, &ids);
            let status = match &scanned.inputs {
                Some(inputs) if own_diagnostics.is_empty() && scanned.diagnostics.is_empty() => {
                    let names: Vec<&str> = ids.iter().map(|&id| own_files.name(id)).collect();
                    shared_statuses.status_now(&folder, &names, inputs, &scanned.scan)
                }
                _ => None,
            };
            own_diagnostics.append(&mut scanned.diagnostics);
            scanned.diagnostics = own_diagnostics;
            Ok(Some((own_files, scanned, status)))
        },
    );
    let (mut statuses_now, mut fresh) = (BTreeMap::new(), 0);
    for (&(repo, unchanged), read) in to_read.iter().zip(scans) {
        if unchanged && let Some(status) = statuses.take(repo) {
            ci_cache.inputs.push((repo.clone(), status.inputs.clone()));
            evidence.ci.push(status.scan.clone());
            statuses_now.insert(repo.clone(), status);
            continue;
        }
        let Some((own_files, mut scanned, status)) = read? else { continue };
        let before = files.ids().count();
        files.append(own_files, &mut scanned.diagnostics);
        ci_cache.files.extend(files.ids().skip(before));
        diagnostics.append(&mut scanned.diagnostics);
        ci_cache.keep(scanned.fresh);
        if let Some(inputs) = scanned.inputs {
            ci_cache.inputs.push((scanned.scan.path.clone(), inputs));
        }
        if let Some(status) = status {
            statuses_now.insert(scanned.scan.path.clone(), status);
            fresh += 1;
        }
        evidence.ci.push(scanned.scan);
    }
    statuses.finish(statuses_now, fresh);
    Ok(())
}

/// A training file parsed: a roster when its name says so, else completions.
pub(crate) fn parse_training(files: &Files, id: FileId) -> TrainingEntry {
    let name = files.name(id).rsplit('/').next().unwrap_or_default();
    if name.to_ascii_lowercase().contains("roster") {
        let (entries, diagnostics) = parse_roster(files, id);
        (Training::Roster(entries), diagnostics)
    } else {
        let (completions, diagnostics) = parse_completions(files, id);
        (Training::Completions(completions), diagnostics)
    }
}

/// A key result's value with its unit and, for ratios and counts, what it counts:
/// `54.5% (6 of 11)`, `1 apps (1 of 3)`, `2`, or `no data`.
pub fn value_text(kr: &KrMeasurement) -> String {
    let Some(value) = kr.value.value else {
        return threatokr_core::report::NO_DATA.to_owned();
    };
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
    use threatokr_core::metrics::EvidenceRef;
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
        // Old and partial evidence is named in every view (the status tree shows these rows);
        // other notes are left to `measure`.
        evidence.extend(kr.value.notes.iter().map(|note| {
            match ["stale evidence", "partial evidence"]
                .iter()
                .find_map(|label| Some((*label, note.strip_prefix(label)?.strip_prefix(": ")?)))
            {
                Some((label, rest)) => EvidenceRow { label: label.into(), value: rest.into() },
                None => EvidenceRow { label: "note".into(), value: note.clone() },
            }
        }));
        // Only the lines a report shows are written; the rest are counted.
        let counted: Vec<String> = kr
            .value
            .evidence
            .iter()
            .filter_map(EvidenceRef::counted_line)
            .take(COUNTED_SHOWN)
            .collect();
        let counted_in_all = measured
            .listed
            .get(kr.id.as_str())
            .or_else(|| measured.composed.get(kr.id.as_str()).map(|c| &c.counted));
        let counted_more = match counted_in_all {
            Some(all) => all.saturating_sub(counted.len()),
            None => {
                kr.value.evidence.iter().filter(|item| item.is_counted()).count() - counted.len()
            }
        };
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
                counted,
                counted_more,
            },
        );
    }
    for objective in &measurement.objectives {
        numbers.objectives.insert(
            objective.id.to_string(),
            MeasuredObjective {
                progress: objective.progress,
                status: objective.status,
                links: objective_links(objective, &measured.workspace),
            },
        );
    }
    Ok(numbers)
}

/// An objective's links to other cycles, as the status tree and the report show them.
fn objective_links(objective: &ObjectiveMeasurement, workspace: &Workspace) -> Vec<String> {
    let cycle_of = |id: &threatokr_core::model::ObjectiveId| {
        workspace
            .okrs
            .iter()
            .find(|set| set.objective(id).is_some())
            .map_or_else(|| "?".to_owned(), |set| set.cycle.to_string())
    };
    let mut links: Vec<String> = objective
        .parents_elsewhere
        .iter()
        .map(|(kind, parent)| format!("{} {parent} of {}", kind.as_str(), cycle_of(parent)))
        .collect();
    links.extend(objective.nested_children.iter().map(|child| {
        let counted = if child.counted { "" } else { ", not rolled up" };
        let progress = threatokr_core::report::format_whole_percent(child.progress);
        format!("{} of {} contributes {progress}{counted}", child.id, child.cycle)
    }));
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use std::sync::Arc;

    /// A high finding of `app` in `environment` (also the `compose` tests').
    pub(super) fn finding(app: &str, environment: &str, id: usize) -> EvidenceRef {
        EvidenceRef::Finding {
            app: Arc::from(app),
            environment: Arc::from(environment),
            tool: Arc::from("semgrep"),
            id: Arc::from(format!("f-{id}")),
            rule: Arc::from("rule-1"),
            severity: Cow::Borrowed("high"),
            score: None,
            deadline: None,
            met: None,
            days: None,
            class: None,
            by_band: None,
            file: None,
            line: None,
        }
    }

    #[test]
    fn issue_12_long_evidence_is_written_in_runs_of_one_scope_that_join_to_the_whole_list() {
        let places = [("app-1", "prod"), ("app-1", "staging"), ("app-2", "prod")];
        let evidence: Vec<EvidenceRef> = (0..PARTS_FROM_ITEMS + 4)
            .map(|i| {
                let (app, environment) = places[i * places.len() / (PARTS_FROM_ITEMS + 4)];
                finding(app, environment, i)
            })
            .collect();
        let whole = serde_json::to_string(&evidence).unwrap();
        let print = |app: &str, environment: &str| Some(format!("{app}/{environment}"));
        let EvidenceText::Parts(parts) = evidence_as_kept(&evidence, print, &HashMap::new()) else {
            panic!("a long list is written in parts")
        };
        let prints: Vec<Option<&str>> = parts.iter().map(|p| p.print.as_deref()).collect();
        assert_eq!(prints, [Some("app-1/prod"), Some("app-1/staging"), Some("app-2/prod")]);
        let texts: Vec<&str> = parts
            .iter()
            .map(|part| match &part.text {
                PartText::Written(text) => text.as_str(),
                PartText::Kept(key) => panic!("named {key} though nothing was kept"),
            })
            .collect();
        assert!(texts[1].starts_with(r#"{"kind":"finding","app":"app-1","environment":"staging""#));
        assert_eq!(format!("[{}]", texts.join(",")), whole);
        // A run whose print was kept that day is named by its key, the others written.
        let kept = HashMap::from([("app-1/staging".to_owned(), "12:ab".to_owned())]);
        let EvidenceText::Parts(parts) = evidence_as_kept(&evidence, print, &kept) else {
            panic!("a long list is written in parts")
        };
        assert_eq!(parts[1].text, PartText::Kept("12:ab".to_owned()));
        assert_eq!(parts[0].text, PartText::Written(texts[0].to_owned()));
        // A short list is written whole.
        let short = &evidence[..3];
        assert_eq!(
            evidence_as_kept(short, print, &kept),
            EvidenceText::Whole(serde_json::to_string(short).unwrap())
        );
    }
}
