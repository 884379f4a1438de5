//! `controls.implemented`: controls implemented or verified, as a share of controls or as a count
//! of apps.

use super::measure::{EvidenceRef, KrValue, LeftOutTally, text_param};
use super::scope::Scope;
use crate::model::{Control, ControlStatus, Measure, ThreatModel, Workspace};
use jiff::civil::Date;
use std::collections::BTreeSet;

/// Controls of in-scope apps, with `control_tag` when given, about the themes when given (a
/// control is about a theme when a threat it addresses is), `not_applicable` left out; what is
/// left out is tallied with the reason.
fn in_scope<'w>(
    workspace: &'w Workspace,
    scope: &'w Scope<'w>,
    tag: Option<&'w str>,
    left_out: &mut LeftOutTally,
) -> Vec<(&'w str, &'w Control)> {
    let mut controls = Vec::new();
    for model in &workspace.models {
        let app = model.app.as_ref().map_or("", |a| a.as_str());
        let about = scope.themes.is_some().then(|| controls_about_themes(model, scope));
        for control in &model.controls {
            let describe = || format!("{app}:{} ({})", control.id, control.status.as_str());
            if !scope.has_app(app) {
                left_out.add("app out of scope", describe);
            } else if control.status == ControlStatus::NotApplicable {
                left_out.add("not_applicable", describe);
            } else if tag.is_some_and(|tag| !control.tags.iter().any(|t| t == tag)) {
                left_out.add("without the control tag", describe);
            } else if about.as_ref().is_some_and(|about| !about.contains(control.id.as_str())) {
                left_out.add("addresses no threat of the themes", describe);
            } else {
                controls.push((app, control));
            }
        }
    }
    controls
}

/// Ids of the controls of a model that address a threat about the scope's themes (links read
/// from both sides), in one pass over threats and controls.
fn controls_about_themes<'m>(model: &'m ThreatModel, scope: &Scope<'_>) -> BTreeSet<&'m str> {
    let threats: BTreeSet<&str> =
        model.threats.iter().filter(|t| scope.has_threat(t)).map(|t| t.id.as_str()).collect();
    let mut about: BTreeSet<&str> = model
        .threats
        .iter()
        .filter(|t| threats.contains(t.id.as_str()))
        .flat_map(|t| t.controls.iter().map(|c| c.as_str()))
        .collect();
    about.extend(
        model
            .controls
            .iter()
            .filter(|c| c.threats.iter().any(|t| threats.contains(t.as_str())))
            .map(|c| c.id.as_str()),
    );
    about
}

/// `controls.implemented`: % of in-scope controls implemented or verified; with `count: apps`,
/// the number of in-scope apps with at least one such control implemented or verified (the
/// denominator is then the number of in-scope apps).
pub(crate) fn implemented(
    workspace: &Workspace,
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
) -> KrValue {
    let tag = text_param(measure, "control_tag");
    let count_apps = text_param(measure, "count") == Some("apps");
    let mut evidence = Vec::new();
    let mut left_out = LeftOutTally::default();
    let controls = in_scope(workspace, scope, tag, &mut left_out);
    if count_apps {
        let implemented: BTreeSet<&str> = controls
            .iter()
            .filter(|(_, c)| c.status.is_implemented())
            .map(|(app, _)| *app)
            .collect();
        for app in &scope.apps {
            evidence.push(EvidenceRef::App {
                id: app.id.to_string(),
                counted: implemented.contains(app.id.as_str()),
                reviewed: None,
            });
        }
        let count = implemented.len() as f64;
        return KrValue {
            evidence,
            denominator: Some(scope.apps.len() as f64),
            coverage: Some(scope.model_coverage(workspace)),
            left_out: left_out.into_vec(),
            ..KrValue::count(count, as_of)
        };
    }
    let (mut numerator, mut denominator) = (0.0, 0.0);
    for (app, control) in controls {
        let counted = control.status.is_implemented();
        denominator += 1.0;
        if counted {
            numerator += 1.0;
        }
        evidence.push(EvidenceRef::Control {
            app: app.to_owned(),
            id: control.id.to_string(),
            status: control.status.as_str().to_owned(),
            counted,
        });
    }
    KrValue {
        evidence,
        coverage: Some(scope.model_coverage(workspace)),
        left_out: left_out.into_vec(),
        ..KrValue::ratio(numerator, denominator, as_of)
    }
}
