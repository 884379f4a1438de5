//! Planning a cycle: the security objectives and key results proposed from the threat models,
//! planned twice so that each key result starts at the value measured from the evidence, and
//! merged into the cycle's OKR file when it exists.
//!
//! When the target file exists, the plan is merged into it: everything the user wrote stays byte
//! for byte and new proposals are appended. Each key result that moves from a start to a target
//! starts at the value measured from the evidence (the store and the evidence folders, as
//! `measure` reads them) on the requested day, default today clamped into the cycle. When the
//! previous cycle's grades are frozen in the store, its key results that scored below expectation
//! are carried over with their lineage.

use crate::ci::CiScanCache;
use crate::files::{ReadOptions, Reader};
use crate::measure::{find_cycle, findings_of_scopes, read_evidence_but_findings};
use crate::store::open_existing_store;
use crate::{Error, Progress, Result, Session};
use jiff::civil::Date;
use std::path::{Path, PathBuf};
use threatokr_core::analysis::analyze;
use threatokr_core::diag::{Files, Summary};
use threatokr_core::metrics::check_evidence;
use threatokr_core::model::{Cycle, OkrSet, Workspace};
use threatokr_core::native::lower_okrs;
use threatokr_core::planner::{
    CarryOver, GradeRecord, Plan, PlanOptions, measure_starts, merge_into, plan, previous_cycle,
    start_finding_scopes, to_okr_yaml,
};
use threatokr_store::Store;

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The cycle's id.
    pub cycle: String,
    /// At most this many theme objectives.
    pub max_objectives: usize,
    /// The OKR file the plan is merged into when it exists (default `okrs/<cycle>.yaml`); the
    /// user's edits are always read from the cycle's own file when this is `None`.
    pub target: Option<PathBuf>,
    /// The day starts are measured on; default `today` clamped into the cycle.
    pub as_of: Option<Date>,
}

/// An OKR file read and lowered on its own, for merging.
pub struct Existing {
    /// The file, alone in its `Files`.
    pub files: Files,
    /// Its id.
    pub file: threatokr_core::diag::FileId,
    /// Its OKR set, when it lowered.
    pub set: Option<OkrSet>,
}

/// The OKR file at `path` (which may be anywhere: `-o FILE`), when it exists.
fn read_existing(root: &Path, path: &Path, options: ReadOptions) -> Result<Option<Existing>> {
    if !path.exists() {
        return Ok(None);
    }
    let mut files = Files::new();
    let mut unread = Vec::new();
    let Some(file) = Reader::anywhere(root, options).read(&mut files, path, &mut unread)? else {
        return Err(Error::OkrFileHasErrors { path: path.to_owned() });
    };
    let (set, _, diagnostics) = lower_okrs(&files, file);
    if Summary::of(&diagnostics).errors > 0 {
        return Err(Error::OkrFileHasErrors { path: path.to_owned() });
    }
    Ok(Some(Existing { files, file, set }))
}

/// A plan with the file it would be merged into.
pub struct Planned {
    /// The plan.
    pub plan: Plan,
    /// The requested target, else `okrs/<cycle>.yaml` in the workspace.
    pub target: PathBuf,
    /// The file the plan merges into, when it exists: the target, or for a plan that is not
    /// merged (JSON) the cycle's own OKR file, whose edits the plan keeps.
    pub existing: Option<Existing>,
    /// Errors in the evidence: the starts are measured from what reads.
    pub evidence_errors: usize,
}

impl Session {
    /// Plans a cycle of `workspace` (loaded from this session, without errors), measuring the
    /// starts on the requested day. `merge` says whether the plan will be merged into the target
    /// (YAML) or shown on its own (JSON); both keep the edits of the cycle's OKR file.
    pub fn plan(
        &self,
        workspace: &Workspace,
        request: &PlanRequest,
        merge: bool,
        today: Date,
        progress: &mut dyn Progress,
    ) -> Result<Planned> {
        let root = &self.root;
        let cycle = find_cycle(workspace, &request.cycle)?;
        let cycle_file = root.join("okrs").join(format!("{}.yaml", cycle.id));
        let target = request.target.clone().unwrap_or_else(|| cycle_file.clone());
        // A plan that is not merged takes the user's edits from the cycle's OKR file.
        let merge_from = if merge { &target } else { &cycle_file };
        let existing = read_existing(root, merge_from, self.options)?;
        let analysis = analyze(workspace);
        let as_of = request.as_of.unwrap_or_else(|| today.clamp(cycle.start, cycle.end));
        let store = open_existing_store(root)?;
        let mut options = PlanOptions {
            max_objectives: request.max_objectives,
            carry: carry_over(workspace, cycle, &store)?,
            ..PlanOptions::default()
        };
        let existing_set = existing.as_ref().and_then(|e| e.set.as_ref());
        // Plan once to know the key results, measure them, and plan again with the measured starts.
        let first = plan(workspace, &analysis, cycle, &options, existing_set);
        let mut files = Files::new();
        let mut diagnostics = Vec::new();
        let reader = self.reader()?;
        // Only the findings the starts count: a plan's key results are scoped by team.
        let scopes = start_finding_scopes(workspace, &first, cycle, as_of);
        let mut evidence = read_evidence_but_findings(
            &reader,
            workspace,
            cycle,
            &store,
            &mut files,
            &mut diagnostics,
            progress,
            &mut CiScanCache::default(),
        )?;
        evidence.findings = findings_of_scopes(&store, &scopes)?;
        diagnostics.extend(check_evidence(workspace, &evidence));
        let evidence_errors = Summary::of(&diagnostics).errors;
        let measured = measure_starts(workspace, &first, cycle, as_of, &evidence);
        options.measured_starts = measured.values;
        options.unmeasured = measured.unmeasured;
        let plan = plan(workspace, &analysis, cycle, &options, existing_set);
        Ok(Planned { plan, target, existing, evidence_errors })
    }
}

impl Planned {
    /// The plan as OKR YAML: merged into the existing file (with the changes made, in order) when
    /// there is one, else a new file (and no changes).
    pub fn to_yaml(&self) -> Result<(String, Option<Vec<String>>)> {
        match &self.existing {
            Some(existing) => {
                let merged =
                    merge_into(&existing.files, existing.file, &self.plan).map_err(Error::Merge)?;
                Ok((merged.text, Some(merged.changes)))
            }
            None => Ok((to_okr_yaml(&self.plan), None)),
        }
    }
}

/// The previous cycle's OKRs and frozen grades, when it has both.
fn carry_over(workspace: &Workspace, cycle: &Cycle, store: &Store) -> Result<Option<CarryOver>> {
    let Some(previous) = previous_cycle(&workspace.config.cycles, cycle) else { return Ok(None) };
    let Some(okrs) = workspace.okrs_for(&previous.id) else { return Ok(None) };
    let grades: Vec<GradeRecord> = store
        .grades(previous.id.as_str())
        .map_err(Error::store(format!("reading the grades of {}", previous.id)))?
        .into_iter()
        .map(|row| GradeRecord {
            objective: row.objective_id,
            key_result: row.kr_id,
            score: row.score,
            expected: row.expected,
        })
        .collect();
    if grades.is_empty() {
        return Ok(None);
    }
    Ok(Some(CarryOver { cycle: previous.id.clone(), okrs: okrs.clone(), grades }))
}
