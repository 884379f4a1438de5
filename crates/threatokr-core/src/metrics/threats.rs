//! Threat metrics: `threats.mitigated`, `threats.open` and `threats.tested`.

use super::measure::{
    EvidenceAge, EvidenceRef, EvidenceSet, KrValue, LeftOutTally, bool_param, severity_param,
    severity_rank, text_param,
};
use super::scope::Scope;
use crate::model::{Measure, Settings, Severity, Threat, Workspace};
use crate::taxonomy::{RiskBasis, risk_of};
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};

/// In-scope threats: those of in-scope apps about the themes, not_applicable and
/// false_positive left out (tallied in `left_out` with the reason, as are other apps' threats).
fn in_scope<'w>(
    workspace: &'w Workspace,
    scope: &'w Scope<'w>,
    left_out: &mut LeftOutTally,
) -> Vec<(&'w str, &'w Threat)> {
    let mut threats = Vec::new();
    for model in &workspace.models {
        let app = model.app.as_ref().map_or("", |a| a.as_str());
        for threat in &model.threats {
            let describe = || format!("{app}:{} ({})", threat.id, threat.status.as_str());
            if !scope.has_app(app) {
                left_out.add("app out of scope", describe);
            } else if threat.status.is_out_of_scope() {
                left_out.add("not_applicable or false_positive", describe);
            } else if !scope.has_threat(threat) {
                left_out.add("theme out of scope", describe);
            } else {
                threats.push((app, threat));
            }
        }
    }
    threats
}

/// `threats.mitigated`: % of in-scope threats that are mitigated or verified. With
/// `weighting: risk`, each threat weighs its numeric risk (`taxonomy::risk_of`), so the
/// numerator and denominator are sums of risk.
pub(crate) fn mitigated(
    workspace: &Workspace,
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
) -> KrValue {
    let by_risk = text_param(measure, "weighting") == Some("risk");
    let (mut numerator, mut denominator) = (0.0, 0.0);
    let mut evidence = Vec::new();
    let mut left_out = LeftOutTally::default();
    for (app, threat) in in_scope(workspace, scope, &mut left_out) {
        let weight = if by_risk { risk_of(threat).score } else { 1.0 };
        let counted = threat.status.is_mitigated();
        denominator += weight;
        if counted {
            numerator += weight;
        }
        evidence.push(EvidenceRef::Threat {
            app: app.to_owned(),
            id: threat.id.to_string(),
            status: threat.status.as_str().to_owned(),
            counted,
            weight: by_risk.then_some(weight),
            tests: Vec::new(),
        });
    }
    // Risk sums are multiples of 0.1; rounding keeps 0.1 + 0.2 from showing as 0.30000000000000004.
    let round = |x: f64| if by_risk { (x * 10.0).round() / 10.0 } else { x };
    KrValue {
        evidence,
        coverage: Some(scope.model_coverage(workspace)),
        left_out: left_out.into_vec(),
        ..KrValue::ratio(round(numerator), round(denominator), as_of)
    }
}

/// The severity of a threat for `threats.open`: its own, else the band of its numeric risk when
/// that comes from likelihood × impact or CVSS.
fn effective_severity(threat: &Threat) -> Severity {
    if threat.severity != Severity::Unknown {
        return threat.severity;
    }
    let risk = risk_of(threat);
    match risk.basis {
        RiskBasis::Cvss | RiskBasis::LikelihoodImpact => Severity::from_score(risk.score),
        RiskBasis::Severity | RiskBasis::Default => Severity::Unknown,
    }
}

/// `threats.open`: the count of open threats at or above `severity` (default low, so info threats
/// are left out). A threat whose severity is unknown is counted only when no `severity` is given:
/// an open threat nobody has rated is still open risk.
pub(crate) fn open(
    workspace: &Workspace,
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
) -> KrValue {
    let mut notes = Vec::new();
    let floor = severity_param(measure, &mut notes);
    let mut count = 0.0;
    let mut evidence = Vec::new();
    let mut left_out = LeftOutTally::default();
    for (app, threat) in in_scope(workspace, scope, &mut left_out) {
        let describe = || format!("{app}:{} ({})", threat.id, threat.status.as_str());
        if !threat.status.is_open() {
            left_out.add("not open", describe);
            continue;
        }
        let severity = effective_severity(threat);
        let counted = match floor {
            None => severity != Severity::Info,
            Some(floor) => severity_rank(floor)
                .is_some_and(|floor| severity_rank(severity).is_some_and(|rank| rank >= floor)),
        };
        if counted {
            count += 1.0;
            evidence.push(EvidenceRef::Threat {
                app: app.to_owned(),
                id: threat.id.to_string(),
                status: threat.status.as_str().to_owned(),
                counted,
                weight: None,
                tests: Vec::new(),
            });
        } else {
            left_out.add("below the severity", describe);
        }
    }
    KrValue {
        evidence,
        notes,
        coverage: Some(scope.model_coverage(workspace)),
        left_out: left_out.into_vec(),
        ..KrValue::count(count, as_of)
    }
}

/// `threats.tested`: % of in-scope threats exercised by a test execution inside the window. An
/// execution names a threat by its id, or a test scenario of the models whose `threats` list it;
/// skipped executions and executions without a date never count; `passed_only: true` counts
/// passing executions only.
pub(crate) fn tested(
    workspace: &Workspace,
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
    evidence_set: &EvidenceSet,
    settings: &Settings,
) -> KrValue {
    let passed_only = bool_param(measure, "passed_only");
    // Scenario id → the threats it exercises, across every model (ids are global in test results).
    let mut scenarios: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for model in &workspace.models {
        for scenario in &model.tests {
            scenarios
                .entry(scenario.id.as_str())
                .or_default()
                .extend(scenario.threats.iter().map(|t| t.as_str()));
        }
    }
    let mut tests_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut undated = 0;
    let mut left_out = LeftOutTally::default();
    for execution in &evidence_set.tests {
        let describe = || {
            let day = execution.date.map(|d| format!(" on {d}")).unwrap_or_default();
            format!("test `{}`{day}", execution.test)
        };
        if execution.skipped {
            left_out.add("test skipped", describe);
            continue;
        }
        if passed_only && !execution.passed {
            left_out.add("test failed (passed_only)", describe);
            continue;
        }
        let Some(day) = execution.date else {
            undated += 1;
            left_out.add("test without a date", describe);
            continue;
        };
        if !scope.in_window(day, as_of) {
            left_out.add("test outside the window", describe);
            continue;
        }
        for id in &execution.threats {
            // A test may name a threat by its alias.
            let id = workspace.threat_name(id);
            tests_of.entry(id).or_default().insert(execution.test.as_str());
            for threat in scenarios.get(id).into_iter().flatten() {
                tests_of.entry(threat).or_default().insert(execution.test.as_str());
            }
        }
    }
    let (mut numerator, mut denominator) = (0.0, 0.0);
    let mut evidence = Vec::new();
    for (app, threat) in in_scope(workspace, scope, &mut left_out) {
        let tests: Vec<String> = tests_of
            .get(threat.id.as_str())
            .map(|set| set.iter().map(|t| (*t).to_owned()).collect())
            .unwrap_or_default();
        let counted = !tests.is_empty();
        denominator += 1.0;
        if counted {
            numerator += 1.0;
        }
        evidence.push(EvidenceRef::Threat {
            app: app.to_owned(),
            id: threat.id.to_string(),
            status: threat.status.as_str().to_owned(),
            counted,
            weight: None,
            tests,
        });
    }
    let mut notes = Vec::new();
    if undated > 0 {
        notes.push(format!("{undated} test execution(s) without a date were not counted"));
    }
    if evidence_set.tests.is_empty() {
        // No test results at all is not "nothing tested": nobody has handed in the evidence.
        notes.push("no data: no threat-scenario test results were read".into());
        return KrValue { evidence, notes, left_out: left_out.into_vec(), ..KrValue::default() };
    }
    let newest = evidence_set.tests.iter().filter_map(|e| e.date).filter(|d| *d <= as_of).max();
    KrValue {
        evidence,
        notes,
        left_out: left_out.into_vec(),
        ..KrValue::ratio(numerator, denominator, as_of)
    }
    .covering(scope.model_coverage(workspace))
    .aged(newest.map(|newest| EvidenceAge {
        what: "the newest threat-scenario test execution".into(),
        newest,
        setting: "evidence_max_age_days.tests",
        max_age_days: settings.evidence_max_age.tests,
    }))
}
