//! `threatokr explain KR-ID`: how one key result's value was computed, from the same
//! measurement as `measure` (`Session::measure`'s computation, not a second one): the metric and
//! its formula in words, the parameters as written, what was counted, what was left out and why,
//! the evidence read with its age, and the value, progress, expected progress and status.

use crate::measure::{Reuse, compute_with_evidence, value_text};
use crate::{Error, Progress, Result, Session};
use jiff::civil::Date;
use serde_json::{Value, json};
use threatokr_core::diag::{Diagnostic, Files, did_you_mean};
use threatokr_core::metrics::{
    EvidenceRef, KrMeasurement, LeftOut, MetricSpec, evidence_sources, key_result_json, metric,
};
use threatokr_core::model::{KeyResultId, MeasureParam, Workspace};

/// One piece of evidence read, named and aged.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// What kind (`scan`, `training completions`, ...).
    pub kind: &'static str,
    /// Which one.
    pub what: String,
    /// The file, relative to the workspace, when it is one.
    pub file: Option<String>,
    /// Its newest date on or before the day measured.
    pub newest: Option<Date>,
    /// Days from `newest` to the day measured.
    pub age_days: Option<i32>,
}

/// How a key result's value was computed on one day.
pub struct Explanation {
    /// The cycle measured.
    pub cycle: String,
    /// The day measured.
    pub as_of: Date,
    /// Where a linear plan stands on that day (0..=1).
    pub expected: f64,
    /// The key result as measured: value, numerator, denominator, progress, status, notes,
    /// evidence, what was left out.
    pub kr: KrMeasurement,
    /// The metric of the catalogue (none for milestones, binary and check-in key results).
    pub spec: Option<&'static MetricSpec>,
    /// The `measure:` parameters as written, sorted by name.
    pub params: Vec<(String, String)>,
    /// The value as `measure` shows it (`54.5% (6 of 11)`).
    pub value_text: String,
    /// The evidence read, with ages.
    pub sources: Vec<Source>,
    /// Every file read, to render the diagnostics.
    pub files: Files,
    /// The problems of the workspace and the evidence.
    pub diagnostics: Vec<Diagnostic>,
}

impl Explanation {
    /// The things counted: evidence rows in the numerator (or, for counts, every row).
    pub fn counted(&self) -> Vec<&EvidenceRef> {
        self.kr.value.evidence.iter().filter(|e| is_counted(e)).collect()
    }

    /// Evidence rows in the denominator but not the numerator (threats not mitigated, apps not
    /// reviewed, findings that missed their deadline).
    pub fn not_counted(&self) -> Vec<&EvidenceRef> {
        self.kr.value.evidence.iter().filter(|e| !is_counted(e)).collect()
    }

    /// How the value is computed, in words: the catalogue's text, or for key results without
    /// `measure:` the rule of their type (DESIGN.md §5).
    pub fn computed(&self) -> &'static str {
        match (self.spec, self.kr.metric.as_str()) {
            (Some(spec), _) => spec.computed,
            (None, "milestones") => {
                "the weighted share of the milestones done on or before the day measured (their `done:` dates in the OKR file)"
            }
            (None, "binary") => {
                "1 when done on or before the day measured (its `done:` date in the OKR file, or a check-in of 1 or more), else 0"
            }
            (None, _) => "the newest check-in on or before the day measured",
        }
    }

    /// What was left out of the measurement, by reason.
    pub fn left_out(&self) -> &[LeftOut] {
        &self.kr.value.left_out
    }

    /// The `explain --format json` contract: the key result's measurement as `measure --format
    /// json` gives it (same keys), plus the metric's formula, the parameters, what was left out,
    /// the items counted (people, requirements) and the evidence read with ages.
    pub fn to_json(&self) -> Value {
        let measured = key_result_json(&self.kr);
        let sources: Vec<Value> = self
            .sources
            .iter()
            .map(|s| {
                json!({
                    "kind": s.kind, "what": s.what, "file": s.file,
                    "newest": s.newest.map(|d| d.to_string()), "age_days": s.age_days,
                })
            })
            .collect();
        json!({
            "cycle": self.cycle,
            "as_of": self.as_of.to_string(),
            "expected": self.expected,
            "metric": {
                "name": self.kr.metric,
                "doc": self.spec.map(|s| s.doc),
                "computed": self.computed(),
                "reads": self.spec.map(|s| s.reads),
            },
            "params": self.params.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect::<serde_json::Map<_, _>>(),
            "key_result": measured,
            "items": self.kr.value.items,
            "left_out": self.kr.value.left_out,
            "sources": sources,
        })
    }
}

/// Whether an evidence row is in the numerator.
fn is_counted(evidence: &EvidenceRef) -> bool {
    match evidence {
        EvidenceRef::Threat { counted, .. }
        | EvidenceRef::Control { counted, .. }
        | EvidenceRef::App { counted, .. } => *counted,
        EvidenceRef::Repo { missing, scanned, .. } => *scanned && missing.is_empty(),
        EvidenceRef::Finding { met, .. } => met.is_none_or(|met| met),
        EvidenceRef::Milestone { done, .. } => done.is_some(),
        EvidenceRef::Asvs { .. } | EvidenceRef::Training { .. } | EvidenceRef::Checkin { .. } => {
            true
        }
    }
}

/// A parameter's value as written.
fn param_text(param: &MeasureParam) -> String {
    match param {
        MeasureParam::Text(text) => text.clone(),
        MeasureParam::Number(number) => number.to_string(),
        MeasureParam::Bool(flag) => flag.to_string(),
        MeasureParam::List(items) => format!("[{}]", items.join(", ")),
    }
}

/// The cycle whose OKR file declares the key result (the first, in file order).
fn cycle_of(workspace: &Workspace, id: &KeyResultId) -> Option<String> {
    workspace
        .okrs
        .iter()
        .find(|set| set.key_results.iter().any(|kr| &kr.id == id))
        .map(|set| set.cycle.to_string())
}

impl Session {
    /// Explains key result `kr_id` measured on `as_of` (default today, clamped into its cycle) in
    /// `cycle` (default: the cycle whose OKR file declares it). An id no OKR file declares is
    /// [`Error::UnknownKeyResult`], with the closest id as a suggestion.
    pub fn explain(
        &self,
        kr_id: &str,
        cycle: Option<&str>,
        as_of: Option<Date>,
        today: Date,
        progress: &mut dyn Progress,
    ) -> Result<Explanation> {
        let checked = self.load()?;
        let all_ids: Vec<String> = checked
            .workspace
            .okrs
            .iter()
            .flat_map(|set| set.key_results.iter().map(|kr| kr.id.to_string()))
            .collect();
        let unknown = || Error::UnknownKeyResult {
            id: kr_id.to_owned(),
            suggestion: did_you_mean(kr_id, all_ids.iter().map(String::as_str)).map(str::to_owned),
        };
        let id: KeyResultId = kr_id.parse().map_err(|_| unknown())?;
        let cycle = match cycle {
            Some(cycle) => cycle.to_owned(),
            None => cycle_of(&checked.workspace, &id).ok_or_else(unknown)?,
        };
        drop(checked);
        let (measured, evidence) = compute_with_evidence(
            &self.reader()?,
            Some(&cycle),
            as_of,
            today,
            Reuse::Never,
            progress,
        )?;
        let measurement = &measured.measurement;
        let kr = measurement.key_result(&id).cloned().ok_or_else(|| {
            let declared_in: Vec<String> = measured
                .workspace
                .okrs
                .iter()
                .filter(|set| set.key_results.iter().any(|kr| kr.id == id))
                .map(|set| set.cycle.to_string())
                .collect();
            if declared_in.is_empty() {
                unknown()
            } else {
                Error::KeyResultNotInCycle {
                    id: kr_id.to_owned(),
                    cycle: cycle.clone(),
                    declared_in,
                }
            }
        })?;
        let declared = measured
            .workspace
            .okrs
            .iter()
            .filter(|set| set.cycle.as_str() == cycle)
            .find_map(|set| set.key_results.iter().find(|k| k.id == id))
            .or_else(|| {
                measured
                    .workspace
                    .okrs
                    .iter()
                    .find_map(|set| set.key_results.iter().find(|k| k.id == id))
            })
            .ok_or_else(unknown)?;
        let cycle_spec = measured
            .workspace
            .config
            .cycle(&cycle)
            .ok_or_else(|| Error::UnknownCycle { id: cycle.clone(), known: Vec::new() })?;
        let as_of = measurement.as_of;
        let sources = evidence_sources(&measured.workspace, declared, cycle_spec, as_of, &evidence)
            .into_iter()
            .map(|source| Source {
                kind: source.kind,
                what: source.what,
                file: source.file.map(|file| measured.files.name(file).to_owned()),
                newest: source.newest,
                age_days: source.newest.map(|newest| (as_of - newest).get_days()),
            })
            .collect();
        let params = declared
            .measure
            .iter()
            .flat_map(|m| m.params.iter().map(|(name, value)| (name.clone(), param_text(value))))
            .collect();
        Ok(Explanation {
            cycle: measurement.cycle.to_string(),
            as_of,
            expected: measurement.expected,
            spec: metric(&kr.metric),
            params,
            value_text: value_text(&kr),
            kr,
            sources,
            files: measured.files,
            diagnostics: measured.diagnostics,
        })
    }
}
