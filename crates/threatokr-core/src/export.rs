//! Writing models out: the `import --format json` contract, the native `*.tm.yaml` text, and
//! `export threats` as CSV, JSON or OTM. Everything here is a pure function of its inputs and
//! keeps the model's order, so the output is deterministic.
//!
//! OTM round trip: [`to_otm`] writes each threat as one OTM threat with the threat's id and one
//! instance on each of its elements (components and dataflows; boundaries cannot hold threats in
//! OTM), and each control as one OTM mitigation with the control's id and one instance under each
//! instance of the threats it addresses. Both carry the attribute `threatokr-id` (and
//! `threatokr-status` when they have no instance; mitigations also list the threats they address
//! in `threatokr-addresses`), which tells the OTM importer to read all instances of one
//! definition back as one threat or control under that id instead of `<id>@<element>`. So
//! native → OTM → native keeps ids, statuses, elements and links exactly. States are written so
//! that other OTM tools understand them: identified → `exposed`, mitigated → `mitigated`;
//! controls implemented → `implemented`, planned → `required`, suggested → `recommended`,
//! wont_do → `rejected`, not_applicable → `not-applicable`; other statuses as threatokr names them.
//! What OTM cannot hold is left out: threats on boundaries (OTM trust zones have no threats),
//! an element's second boundary (a component has one parent), and the parent of an element in
//! no boundary (OTM requires one; threatokr does not invent a zone). Likelihood and impact are
//! written from the severity (see `otm_risk`), trust ratings as a neutral 50 and risk reductions
//! as 0, since threatokr has no such numbers.

pub(crate) mod yaml;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::diag::{Diagnostic, Files, diagnostic_json};
use crate::import::otm_markers;
use crate::model::{
    ControlStatus, ElementId, SourceFormat, Stride, Threat, ThreatAliases, ThreatModel,
    ThreatStatus,
};

pub use yaml::to_native_yaml;

/// The `threatokr import --format json` document:
/// `{"format", "model": {"title", "elements", "flows", "trust_boundaries", "threats", "controls"}, "diagnostics"}`.
pub fn import_json(
    files: &Files,
    format: SourceFormat,
    model: &ThreatModel,
    diagnostics: &[Diagnostic],
) -> Value {
    json!({
        "format": format.as_str(),
        "model": {
            "title": model.title,
            "elements": model.elements.iter().map(|e| json!({"id": e.id, "name": e.name, "kind": e.kind.as_str()})).collect::<Vec<_>>(),
            "flows": model.flows.iter().map(|f| json!({"id": f.id, "name": f.name, "source": f.source, "target": f.target})).collect::<Vec<_>>(),
            "trust_boundaries": model.boundaries.iter().map(|b| json!({"id": b.id, "name": b.name, "elements": b.elements})).collect::<Vec<_>>(),
            "threats": model.threats.iter().map(|t| json!({
                "id": t.id,
                "title": t.title,
                "stride": t.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                "cwes": t.cwes,
                "status": t.status.as_str(),
                "status_raw": t.status_raw,
                "severity": t.severity.as_str(),
                "severity_raw": t.severity_raw,
                "elements": t.elements,
                "controls": t.controls,
            })).collect::<Vec<_>>(),
            "controls": model.controls.iter().map(|c| json!({
                "id": c.id,
                "title": c.title,
                "status": c.status.as_str(),
                "status_raw": c.status_raw,
                "threats": c.threats,
            })).collect::<Vec<_>>(),
        },
        "diagnostics": diagnostics.iter().map(|d| diagnostic_json(files, d)).collect::<Vec<_>>(),
    })
}

/// The columns of [`threats_csv`], in order.
pub const CSV_COLUMNS: &[&str] = &[
    "app",
    "id",
    "alias",
    "title",
    "status",
    "status_raw",
    "severity",
    "severity_raw",
    "stride",
    "cwes",
    "elements",
    "controls",
    "owner",
    "ticket",
];

/// Threats of several apps' models as CSV for issue trackers and spreadsheets: one row per
/// threat, lists joined with `;`, CWEs as `CWE-79`. A cell that a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`.
/// Each threat's short alias (`checkout:T-4821`) is beside its id.
pub fn threats_csv(rows: &[(String, &ThreatModel)], aliases: &ThreatAliases) -> String {
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut records: Vec<Vec<String>> = vec![CSV_COLUMNS.iter().map(|c| (*c).to_owned()).collect()];
    for (app, model) in rows {
        let links = controls_by_threat(model);
        for t in &model.threats {
            records.push(vec![
                app.clone(),
                t.id.to_string(),
                aliases.alias_in(app, &t.id).unwrap_or_default().to_owned(),
                t.title.clone(),
                t.status.as_str().to_owned(),
                t.status_raw.clone(),
                t.severity.as_str().to_owned(),
                t.severity_raw.clone(),
                t.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(";"),
                t.cwes.iter().map(|c| format!("CWE-{c}")).collect::<Vec<_>>().join(";"),
                join(&t.elements),
                links.get(t.id.as_str()).map(|c| c.join(";")).unwrap_or_default(),
                t.owner.clone().unwrap_or_default(),
                t.ticket.clone().unwrap_or_default(),
            ]);
        }
    }
    for record in records {
        // Writing into a Vec cannot fail; a failure would only lose this row.
        let _ = writer.write_record(record.iter().map(|cell| defuse_formula(cell)));
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(";")
}

/// OWASP's advice for CSV injection: a cell that starts like a formula is made text.
fn defuse_formula(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Threats of several apps' models as JSON: `{"threats": [{"app", "id", "alias", "title", "description",
/// "status", "status_raw", "severity", "severity_raw", "likelihood", "impact", "cvss", "stride",
/// "cwes", "elements", "controls", "owner", "ticket"}]}`; absent values are `null`.
pub fn threats_json(rows: &[(String, &ThreatModel)], aliases: &ThreatAliases) -> Value {
    let threats: Vec<Value> = rows
        .iter()
        .flat_map(|(app, model)| {
            let links = controls_by_threat(model);
            model.threats.iter().map(move |t| {
                json!({
                    "app": app,
                    "id": t.id,
                    "alias": aliases.alias_in(app, &t.id),
                    "title": t.title,
                    "description": t.description,
                    "status": t.status.as_str(),
                    "status_raw": t.status_raw,
                    "severity": t.severity.as_str(),
                    "severity_raw": t.severity_raw,
                    "likelihood": t.likelihood.map(|l| l.as_str()),
                    "impact": t.impact.map(|l| l.as_str()),
                    "cvss": t.cvss.as_ref().map(|c| json!({"vector": c.vector, "score": c.score})),
                    "stride": t.stride.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                    "cwes": t.cwes,
                    "elements": t.elements,
                    "controls": links.get(t.id.as_str()).cloned().unwrap_or_default(),
                    "owner": t.owner,
                    "ticket": t.ticket,
                })
            })
        })
        .collect();
    json!({ "threats": threats })
}

/// The model as an OTM 0.2.0 document (see the module documentation for the round-trip rule).
pub fn to_otm(model: &ThreatModel) -> Value {
    let (marker, status_marker, addresses_marker) = otm_markers();
    let components: HashSet<&ElementId> = model.elements.iter().map(|e| &e.id).collect();
    let flows: HashSet<&ElementId> = model.flows.iter().map(|f| &f.id).collect();

    let owned = controls_by_threat(model);
    let control_status: HashMap<&str, ControlStatus> =
        model.controls.iter().map(|c| (c.id.as_str(), c.status)).collect();

    // Instances per element, in threat order.
    let mut instances: HashMap<&ElementId, Vec<Value>> = HashMap::new();
    let mut placed: HashSet<&str> = HashSet::new();
    for threat in &model.threats {
        for element in &threat.elements {
            if !components.contains(element) && !flows.contains(element) {
                continue;
            }
            let mitigations: Vec<Value> = owned
                .get(threat.id.as_str())
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    control_status
                        .get(c)
                        .map(|s| json!({"mitigation": c, "state": control_state(*s)}))
                })
                .collect();
            instances.entry(element).or_default().push(json!({"threat": threat.id, "state": threat_state(threat.status), "mitigations": mitigations}));
            placed.insert(threat.id.as_str());
        }
    }

    // An element's zone is the first boundary that lists it.
    let mut zones: HashMap<&ElementId, &ElementId> = HashMap::new();
    for boundary in &model.boundaries {
        for element in &boundary.elements {
            zones.entry(element).or_insert(&boundary.id);
        }
    }
    let zone_of = |id: &ElementId| zones.get(id).map(|zone| (*zone).clone());
    let components_json: Vec<Value> = model
        .elements
        .iter()
        .map(|e| {
            let mut component = json!({"id": e.id, "name": e.name, "type": e.kind.as_str()});
            if let Some(zone) = zone_of(&e.id) {
                component["parent"] = json!({"trustZone": zone});
            }
            if !e.data.is_empty() {
                component["assets"] = json!({"processed": e.data, "stored": []});
            }
            component["threats"] = Value::Array(instances.remove(&e.id).unwrap_or_default());
            component
        })
        .collect();
    let dataflows_json: Vec<Value> = model
        .flows
        .iter()
        .map(|f| {
            let mut flow = json!({"id": f.id, "name": f.name, "source": f.source, "destination": f.target, "bidirectional": false});
            if let Some(protocol) = &f.protocol {
                flow["attributes"] = json!({"protocol": protocol});
            }
            flow["threats"] = Value::Array(instances.remove(&f.id).unwrap_or_default());
            flow
        })
        .collect();
    let threats_json: Vec<Value> = model
        .threats
        .iter()
        .map(|t| {
            let mut attributes = json!({ marker: t.id });
            if !placed.contains(t.id.as_str()) {
                attributes[status_marker] = json!(t.status.as_str());
            }
            let mut threat = json!({
                "id": t.id,
                "name": t.title,
                "categories": t.stride.iter().map(|s| otm_category(*s)).collect::<Vec<_>>(),
                "cwes": t.cwes.iter().map(|c| format!("CWE-{c}")).collect::<Vec<_>>(),
                "risk": otm_risk(t),
                "attributes": attributes,
            });
            if let Some(description) = &t.description {
                threat["description"] = json!(description);
            }
            threat
        })
        .collect();
    let addressed: HashMap<&str, Vec<&str>> = {
        let mut map: HashMap<&str, Vec<&str>> = HashMap::new();
        for threat in &model.threats {
            for control in owned.get(threat.id.as_str()).into_iter().flatten() {
                map.entry(control).or_default().push(threat.id.as_str());
            }
        }
        map
    };
    let mitigations_json: Vec<Value> = model
        .controls
        .iter()
        .map(|c| {
            let threats = addressed.get(c.id.as_str()).cloned().unwrap_or_default();
            let mut attributes = json!({ marker: c.id, addresses_marker: threats });
            if !threats.iter().any(|t| placed.contains(t)) {
                attributes[status_marker] = json!(c.status.as_str());
            }
            // threatokr does not estimate how much a control reduces risk.
            json!({"id": c.id, "name": c.title, "riskReduction": 0, "attributes": attributes})
        })
        .collect();
    let project_id = model.app.as_ref().map_or_else(|| slug(&model.title), ToString::to_string);
    let project_name =
        if model.title.is_empty() { project_id.clone() } else { model.title.clone() };
    json!({
        "otmVersion": "0.2.0",
        "project": {"name": project_name, "id": project_id},
        "assets": model.data_assets.iter().map(|a| json!({
            "id": a.id,
            "name": a.name,
            // OTM requires CIA ratings; threatokr keeps a classification instead.
            "risk": {"confidentiality": 0, "integrity": 0, "availability": 0, "comment": a.classification.as_deref().unwrap_or("")},
        })).collect::<Vec<_>>(),
        // OTM requires a trust rating; threatokr has none, so every zone gets the neutral 50.
        "trustZones": model.boundaries.iter().map(|b| json!({"id": b.id, "name": b.name, "risk": {"trustRating": 50}})).collect::<Vec<_>>(),
        "components": components_json,
        "dataflows": dataflows_json,
        "threats": threats_json,
        "mitigations": mitigations_json,
    })
}

/// The controls of each threat, from links written on either side (`Threat::controls` is meant
/// to hold the union already; this keeps exports right for models built without it), in model
/// order without repeats.
fn controls_by_threat(model: &ThreatModel) -> HashMap<&str, Vec<&str>> {
    let mut links: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let threat_side = model
        .threats
        .iter()
        .flat_map(|t| t.controls.iter().map(move |c| (t.id.as_str(), c.as_str())));
    let control_side = model
        .controls
        .iter()
        .flat_map(|c| c.threats.iter().map(move |t| (t.as_str(), c.id.as_str())));
    for (threat, control) in threat_side.chain(control_side) {
        if seen.insert((threat, control)) {
            links.entry(threat).or_default().push(control);
        }
    }
    links
}

fn threat_state(status: ThreatStatus) -> &'static str {
    match status {
        ThreatStatus::Identified => "exposed",
        other => other.as_str(),
    }
}

fn control_state(status: ControlStatus) -> &'static str {
    match status {
        ControlStatus::Planned => "required",
        ControlStatus::Suggested => "recommended",
        ControlStatus::WontDo => "rejected",
        ControlStatus::NotApplicable => "not-applicable",
        other => other.as_str(),
    }
}

fn otm_category(stride: Stride) -> &'static str {
    match stride {
        Stride::Spoofing => "Spoofing",
        Stride::Tampering => "Tampering",
        Stride::Repudiation => "Repudiation",
        Stride::InformationDisclosure => "Information Disclosure",
        Stride::DenialOfService => "Denial of Service",
        Stride::ElevationOfPrivilege => "Elevation of Privilege",
    }
}

/// Likelihood = impact = the severity's representative score × 10, which the importer's rule
/// (√(likelihood × impact) / 10 in CVSS bands) maps back to the same severity.
fn otm_risk(threat: &Threat) -> Value {
    match threat.severity.representative_score() {
        Some(score) => {
            let value = (score * 10.0).round();
            json!({"likelihood": value, "impact": value})
        }
        None => json!({"likelihood": null, "impact": null}),
    }
}

fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { "threat-model".to_owned() } else { slug.to_owned() }
}
