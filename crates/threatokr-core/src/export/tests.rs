//! Tests for the export contracts: the import JSON, the native YAML, CSV/JSON threats and the
//! OTM round trip.

use std::collections::BTreeMap;

use super::*;
use crate::diag::{Diagnostic, FileId, Files, Span};
use crate::import::import;
use crate::model::{
    Control, ControlId, CvssScore, DataAsset, Element, ElementKind, Flow, Level, Origin, Severity,
    TestScenario, Threat, ThreatAliases, ThreatId, ThreatModel, ThreatStatus, TrustBoundary,
};
use crate::syntax::{Budget, Node, parse_yaml};
use crate::test_support::read_sample;

fn origin(file: FileId) -> Origin {
    Origin { file, span: Span::new(0, 0) }
}

fn id<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("a valid id")
}

fn threat(
    file: FileId,
    key: &str,
    title: &str,
    status: ThreatStatus,
    severity: Severity,
    elements: &[&str],
    controls: &[&str],
) -> Threat {
    Threat {
        elements: elements.iter().map(|e| id(e)).collect(),
        status,
        status_raw: status.as_str().to_owned(),
        severity,
        controls: controls.iter().map(|c| id(c)).collect(),
        ..Threat::new(id(key), title.to_owned(), origin(file))
    }
}

fn control(
    file: FileId,
    key: &str,
    title: &str,
    status: ControlStatus,
    threats: &[&str],
) -> Control {
    Control {
        id: id(key),
        title: title.to_owned(),
        status,
        status_raw: String::new(),
        asvs: Vec::new(),
        tags: Vec::new(),
        threats: threats.iter().map(|t| id(t)).collect(),
        origin: origin(file),
    }
}

/// A native model with every status, severity and control status, awkward text, a threat on two
/// elements, a threat on none, and links written from either side.
fn native_model(files: &mut Files) -> ThreatModel {
    let file = files.add("checkout.tm.yaml", "");
    let element = |key: &str, name: &str, kind| Element {
        id: id(key),
        name: name.to_owned(),
        kind,
        internet_facing: false,
        data: Vec::new(),
        origin: origin(file),
    };
    let mut api = element("api", "Checkout API", ElementKind::Process);
    api.internet_facing = true;
    let mut db = element("orders-db", "Orders: DB #1", ElementKind::DataStore);
    db.data = vec!["orders".to_owned(), "card-tokens".to_owned()];
    let mut threats = Vec::new();
    for (n, status) in ThreatStatus::ALL.iter().enumerate() {
        let severity = Severity::ALL[n % Severity::ALL.len()];
        threats.push(threat(
            file,
            &format!("T-{n}"),
            &format!("Threat in status {}", status.as_str()),
            *status,
            severity,
            &["api"],
            &[],
        ));
    }
    let mut rich = threat(
        file,
        "T-RICH",
        "- yes: \"quoted\" # not a comment, [x]",
        ThreatStatus::InProgress,
        Severity::High,
        &["api", "place-order"],
        &["C-FROM-THREAT"],
    );
    rich.description = Some("First line.\n\nThird line with ünïcødé and a tab\there.".to_owned());
    rich.stride = vec![Stride::ElevationOfPrivilege, Stride::InformationDisclosure];
    rich.cwes = vec![639, 862];
    rich.likelihood = Some(Level::High);
    rich.impact = Some(Level::VeryHigh);
    rich.cvss = Some(CvssScore {
        vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N".to_owned(),
        score: 8.1,
    });
    rich.owner = Some("priya".to_owned());
    rich.ticket = Some("PAY-412".to_owned());
    rich.created = Some(jiff::civil::date(2026, 11, 2));
    rich.status_raw = "in-progress".to_owned();
    rich.severity_raw = "elevated".to_owned();
    threats.push(rich);
    threats.push(threat(
        file,
        "T-NOWHERE",
        "2027-01-31",
        ThreatStatus::Accepted,
        Severity::Low,
        &[],
        &[],
    ));
    let mut controls = vec![
        control(file, "C-FROM-THREAT", "Object-level authorization", ControlStatus::Planned, &[]),
        control(
            file,
            "C-BOTH",
            "Rate limit\nper shopper",
            ControlStatus::Verified,
            &["T-RICH", "T-NOWHERE"],
        ),
        control(file, "C-ALONE", "yes", ControlStatus::Failed, &[]),
    ];
    for (n, status) in ControlStatus::ALL.iter().enumerate() {
        controls.push(control(
            file,
            &format!("C-{n}"),
            &format!("Control {}", status.as_str()),
            *status,
            &[&format!("T-{n}")],
        ));
    }
    ThreatModel {
        origin: origin(file),
        format: SourceFormat::Native,
        app: Some(id("checkout")),
        title: "Checkout service".to_owned(),
        reviewed: Some(jiff::civil::date(2026, 12, 10)),
        elements: vec![element("shopper", "Shopper", ElementKind::ExternalEntity), api, db],
        flows: vec![Flow {
            id: id("place-order"),
            name: "Place order".to_owned(),
            source: id("shopper"),
            target: id("api"),
            protocol: Some("https".to_owned()),
            origin: origin(file),
        }],
        boundaries: vec![TrustBoundary {
            id: id("vpc"),
            name: "Production VPC".to_owned(),
            elements: vec![id("api"), id("orders-db")],
            origin: origin(file),
        }],
        data_assets: vec![DataAsset {
            id: "orders".to_owned(),
            name: "Orders".to_owned(),
            classification: Some("confidential".to_owned()),
            origin: origin(file),
        }],
        threats,
        controls,
        tests: vec![TestScenario {
            id: id("AB-1"),
            title: "Fetch another shopper's order".to_owned(),
            threats: vec![id("T-RICH")],
            kind: "pentest".to_owned(),
            origin: origin(file),
        }],
    }
}

/// What a round trip must keep: per threat its status, severity and elements (as sets, since
/// OTM groups instances by element), per control its status, and the links.
type Summary = (
    BTreeMap<String, (ThreatStatus, Severity, Vec<String>)>,
    BTreeMap<String, ControlStatus>,
    Vec<(String, String)>,
);

fn summary(model: &ThreatModel) -> Summary {
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v.dedup();
        v
    };
    let threats = model
        .threats
        .iter()
        .map(|t| {
            (
                t.id.to_string(),
                (
                    t.status,
                    t.severity,
                    sorted(t.elements.iter().map(ToString::to_string).collect()),
                ),
            )
        })
        .collect();
    let controls = model.controls.iter().map(|c| (c.id.to_string(), c.status)).collect();
    let mut links: Vec<(String, String)> = model
        .threats
        .iter()
        .flat_map(|t| t.controls.iter().map(move |c| (t.id.to_string(), c.to_string())))
        .collect();
    links.extend(
        model
            .controls
            .iter()
            .flat_map(|c| c.threats.iter().map(move |t| (t.to_string(), c.id.to_string()))),
    );
    links.sort();
    links.dedup();
    (threats, controls, links)
}

fn reimport_otm(model: &ThreatModel) -> (ThreatModel, Vec<Diagnostic>) {
    let mut files = Files::new();
    let file = files
        .add("export.otm.json", serde_json::to_string_pretty(&to_otm(model)).unwrap_or_default());
    let (back, diagnostics) = import(&files, file, None, None, None);
    (back.expect("the exported OTM imports"), diagnostics)
}

#[test]
fn otm_round_trip_keeps_ids_statuses_elements_and_links_of_a_native_model() {
    let mut files = Files::new();
    let model = native_model(&mut files);
    let (back, diagnostics) = reimport_otm(&model);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(back.format, SourceFormat::Otm);
    assert_eq!(summary(&back), summary(&model));
    assert_eq!(back.threats.len(), ThreatStatus::ALL.len() + 2);
    assert_eq!(back.controls.len(), ControlStatus::ALL.len() + 3);
    let rich = back.threats.iter().find(|t| t.id.as_str() == "T-RICH").expect("T-RICH");
    assert_eq!(rich.stride, [Stride::ElevationOfPrivilege, Stride::InformationDisclosure]);
    assert_eq!(rich.cwes, [639, 862]);
    assert_eq!(
        rich.description.as_deref(),
        Some("First line.\n\nThird line with ünïcødé and a tab\there.")
    );
    assert_eq!(back.flows[0].protocol.as_deref(), Some("https"));
    assert_eq!(
        back.boundaries[0].elements.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        ["api", "orders-db"]
    );
    assert_eq!(
        back.elements.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [ElementKind::ExternalEntity, ElementKind::Process, ElementKind::DataStore]
    );
}

#[test]
fn otm_round_trip_keeps_an_imported_threat_dragon_model() {
    let mut files = Files::new();
    let file = files.add("v2-demo.json", read_sample("samples/models/threat-dragon/v2-demo.json"));
    let (model, _) = import(&files, file, None, None, None);
    let model = model.expect("the demo imports");
    let (back, diagnostics) = reimport_otm(&model);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(summary(&back), summary(&model));
    assert_eq!(back.threats.len(), 14);
}

#[test]
fn otm_round_trip_keeps_an_imported_otm_model() {
    let mut files = Files::new();
    let file = files.add("EXAMPLE.json", read_sample("samples/models/otm/EXAMPLE.json"));
    let model = import(&files, file, None, None, None).0.expect("the example imports");
    let (back, diagnostics) = reimport_otm(&model);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(summary(&back), summary(&model));
}

#[test]
fn otm_export_writes_states_other_tools_understand() {
    let mut files = Files::new();
    let model = native_model(&mut files);
    let otm = to_otm(&model);
    assert_eq!(otm["otmVersion"], "0.2.0");
    assert_eq!(otm["project"], json!({"name": "Checkout service", "id": "checkout"}));
    let api = &otm["components"][1];
    assert_eq!(api["parent"], json!({"trustZone": "vpc"}));
    let states: Vec<&str> = api["threats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["state"].as_str())
        .collect();
    assert_eq!(&states[..2], ["exposed", "in_review"]);
    let t0 = &api["threats"][0];
    assert_eq!(t0["mitigations"], json!([{"mitigation": "C-0", "state": "recommended"}]));
    let nowhere = otm["threats"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["id"] == "T-NOWHERE")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        nowhere["attributes"],
        json!({"threatokr-id": "T-NOWHERE", "threatokr-status": "accepted"})
    );
    assert_eq!(nowhere["risk"], json!({"likelihood": 20.0, "impact": 20.0}));
    let rich = otm["threats"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["id"] == "T-RICH")
        .cloned()
        .unwrap_or_default();
    assert_eq!(rich["categories"], json!(["Elevation of Privilege", "Information Disclosure"]));
    assert_eq!(rich["cwes"], json!(["CWE-639", "CWE-862"]));
    let both = otm["mitigations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["id"] == "C-BOTH")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        both["attributes"],
        json!({"threatokr-id": "C-BOTH", "threatokr-addresses": ["T-RICH", "T-NOWHERE"]})
    );
}

#[test]
fn import_json_has_exactly_the_contract_keys() {
    let mut files = Files::new();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test_data/import/threat_dragon/0001_v2_every_status_and_severity.json"
    ))
    .unwrap_or_default();
    let file = files.add("fixture.json", text);
    let (model, diagnostics) = import(&files, file, None, None, None);
    let model = model.expect("the fixture imports");
    let value = import_json(&files, model.format, &model, &diagnostics);
    let keys = |v: &Value| {
        v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default()
    };
    assert_eq!(keys(&value), ["format", "model", "diagnostics"]);
    assert_eq!(value["format"], "threat-dragon-v2");
    assert_eq!(
        keys(&value["model"]),
        ["title", "elements", "flows", "trust_boundaries", "threats", "controls"]
    );
    assert_eq!(
        value["model"]["elements"][1],
        json!({"id": "api", "name": "Web API", "kind": "process"})
    );
    assert_eq!(
        value["model"]["flows"][0],
        json!({"id": "req", "name": "Request", "source": "user", "target": "api"})
    );
    assert_eq!(
        value["model"]["trust_boundaries"][0],
        json!({"id": "box", "name": "Backend", "elements": ["api", "db"]})
    );
    assert_eq!(
        value["model"]["threats"][0],
        json!({"id": "t-open", "title": "Spoofed user", "stride": ["spoofing"], "cwes": [], "status": "identified", "status_raw": "Open",
               "severity": "critical", "severity_raw": "Critical", "elements": ["api"], "controls": ["t-open-mitigation"]})
    );
    assert_eq!(
        value["model"]["controls"][0],
        json!({"id": "t-open-mitigation", "title": "Use MFA", "status": "planned", "status_raw": "", "threats": ["t-open"]})
    );
    assert_eq!(
        keys(&value["diagnostics"][0]),
        ["code", "severity", "message", "file", "line", "column", "help"]
    );
    assert_eq!(value["diagnostics"][0]["code"], "unknown-severity");
    assert_eq!(value["diagnostics"][0]["file"], "fixture.json");
}

fn yaml_tree(text: &str) -> Node {
    let mut files = Files::new();
    let file = files.add("out.tm.yaml", text);
    let (node, diagnostics) = parse_yaml(&files, file, Budget::default());
    assert!(diagnostics.is_empty(), "{diagnostics:?}\n{text}");
    node.expect("a YAML document")
}

fn item<'a>(tree: &'a Node, list: &str, key: &str) -> &'a Node {
    tree.get(list)
        .and_then(Node::as_seq)
        .and_then(|items| {
            items.iter().find(|i| i.get("id").and_then(Node::scalar_text) == Some(key))
        })
        .unwrap_or_else(|| panic!("no {list} {key}"))
}

fn text<'a>(node: &'a Node, key: &str) -> &'a str {
    node.get(key).and_then(Node::as_str).unwrap_or_else(|| panic!("no text {key}"))
}

#[test]
fn native_yaml_reads_back_to_the_same_values() {
    let mut files = Files::new();
    let model = native_model(&mut files);
    let yaml = to_native_yaml(&model);
    let tree = yaml_tree(&yaml);
    assert_eq!(text(&tree, "app"), "checkout");
    assert!(tree.get("source_format").is_none(), "native models have no source_format");
    let rich = item(&tree, "threats", "T-RICH");
    assert_eq!(text(rich, "title"), "- yes: \"quoted\" # not a comment, [x]");
    assert_eq!(
        text(rich, "description"),
        "First line.\n\nThird line with ünïcødé and a tab\there."
    );
    assert_eq!(text(rich, "status"), "in_progress");
    assert_eq!(text(rich, "status_raw"), "in-progress");
    assert_eq!(text(rich, "severity_raw"), "elevated");
    assert_eq!(text(rich, "cvss"), "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N");
    assert_eq!(
        rich.get("cwe")
            .and_then(Node::as_seq)
            .map(|s| s.iter().filter_map(Node::as_f64).collect::<Vec<_>>()),
        Some(vec![639.0, 862.0])
    );
    assert_eq!(rich.get("created").and_then(Node::scalar_text), Some("2026-11-02"));
    // Text that YAML would read as a date or a boolean stays text.
    assert_eq!(text(item(&tree, "threats", "T-NOWHERE"), "title"), "2027-01-31");
    assert_eq!(text(item(&tree, "controls", "C-ALONE"), "title"), "yes");
    assert_eq!(text(item(&tree, "controls", "C-BOTH"), "title"), "Rate limit\nper shopper");
    assert_eq!(text(item(&tree, "elements", "orders-db"), "name"), "Orders: DB #1");
    // Omitted when empty or equal to the canonical value.
    let plain = item(&tree, "threats", "T-0");
    assert!(
        plain.get("status_raw").is_none()
            && plain.get("description").is_none()
            && plain.get("owner").is_none()
    );
    assert!(item(&tree, "threats", "T-5").get("severity").is_none(), "unknown severity is omitted");
}

#[test]
fn native_yaml_is_laid_out_for_review() {
    let mut files = Files::new();
    let file = files.add("tiny.json", "");
    let mut model = native_model(&mut files);
    model.format = SourceFormat::ThreatDragonV2;
    model.threats.retain(|t| t.id.as_str() == "T-RICH");
    model.controls.retain(|c| c.id.as_str() == "C-FROM-THREAT");
    model.controls[0].origin = origin(file);
    let expected = r#"app: checkout
title: Checkout service
reviewed: 2026-12-10
source_format: threat-dragon-v2

elements:
  - { id: shopper, kind: external_entity, name: Shopper }
  - { id: api, kind: process, name: Checkout API, internet_facing: true }
  - { id: orders-db, kind: data_store, name: "Orders: DB #1", data: [orders, card-tokens] }

boundaries:
  - { id: vpc, name: Production VPC, elements: [api, orders-db] }

flows:
  - { id: place-order, name: Place order, from: shopper, to: api, protocol: https }

data_assets:
  - { id: orders, name: Orders, classification: confidential }

threats:
  - id: T-RICH
    title: "- yes: \"quoted\" # not a comment, [x]"
    description: "First line.\n\nThird line with ünïcødé and a tab\there."
    stride: [elevation_of_privilege, information_disclosure]
    cwe: [639, 862]
    elements: [api, place-order]
    likelihood: high
    impact: very_high
    cvss: CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N
    severity: high
    status: in_progress
    status_raw: in-progress
    severity_raw: elevated
    owner: priya
    ticket: PAY-412
    created: 2026-11-02

controls:
  - id: C-FROM-THREAT
    title: Object-level authorization
    status: planned
    addresses: [T-RICH]

tests:
  - id: AB-1
    title: Fetch another shopper's order
    threats: [T-RICH]
    kind: pentest
"#;
    assert_eq!(to_native_yaml(&model), expected);
}

#[test]
fn native_yaml_uses_literal_blocks_for_plain_multi_line_text() {
    let mut files = Files::new();
    let mut model = native_model(&mut files);
    model.threats.truncate(1);
    model.threats[0].description = Some("Line one,\n\nline three: done".to_owned());
    let yaml = to_native_yaml(&model);
    assert!(
        yaml.contains("    description: |-\n      Line one,\n\n      line three: done\n"),
        "{yaml}"
    );
    assert_eq!(
        text(item(&yaml_tree(&yaml), "threats", "T-0"), "description"),
        "Line one,\n\nline three: done"
    );
}

#[test]
fn threats_csv_quotes_cells_and_defuses_formulas() {
    let mut files = Files::new();
    let mut model = native_model(&mut files);
    model.threats.truncate(1);
    model.threats[0].title = "=HYPERLINK(\"http://evil\", \"click\")".to_owned();
    model.threats[0].owner = Some("a, \"b\"\nc".to_owned());
    model.threats[0].cwes = vec![79, 89];
    let mut aliases = ThreatAliases::default();
    aliases.insert("checkout:T-4821".to_owned(), "T-0".parse().expect("an id"));
    let csv_text =
        threats_csv(&[("checkout".to_owned(), &model), ("@app".to_owned(), &model)], &aliases);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers: Vec<String> =
        reader.headers().map(|h| h.iter().map(str::to_owned).collect()).unwrap_or_default();
    assert_eq!(headers, CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV record")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "checkout");
    assert_eq!(&rows[1][0], "'@app");
    assert_eq!(&rows[0][1], "T-0");
    // The alias sits beside the id; another app's threat of the same id is not its alias.
    assert_eq!(&rows[0][2], "checkout:T-4821");
    assert_eq!(&rows[1][2], "");
    assert_eq!(&rows[0][3], "'=HYPERLINK(\"http://evil\", \"click\")");
    assert_eq!(&rows[0][4], "identified");
    assert_eq!(&rows[0][9], "CWE-79;CWE-89");
    assert_eq!(&rows[0][10], "api");
    assert_eq!(&rows[0][11], "C-0");
    assert_eq!(&rows[0][12], "a, \"b\"\nc");
}

#[test]
fn threats_json_lists_every_threat_with_its_app() {
    let mut files = Files::new();
    let model = native_model(&mut files);
    let value = threats_json(&[("checkout".to_owned(), &model)], &Default::default());
    let threats = value["threats"].as_array().cloned().unwrap_or_default();
    assert_eq!(threats.len(), model.threats.len());
    let rich = threats.iter().find(|t| t["id"] == "T-RICH").cloned().unwrap_or_default();
    assert_eq!(rich["app"], "checkout");
    assert_eq!(rich["status"], "in_progress");
    assert_eq!(
        rich["cvss"],
        json!({"vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", "score": 8.1})
    );
    // Links written on either side: C-BOTH names T-RICH from the control.
    assert_eq!(rich["controls"], json!(["C-FROM-THREAT", "C-BOTH"]));
    assert_eq!(threats[0]["owner"], Value::Null);
}

#[test]
fn ids_of_the_built_model_are_what_they_say() {
    // Guards the helpers above: a typo in an id would make the round-trip tests vacuous.
    let mut files = Files::new();
    let model = native_model(&mut files);
    let ids: Vec<&str> = model.threats.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids.len(), 13);
    assert!(ids.contains(&"T-RICH") && ids.contains(&"T-NOWHERE"));
    let _: ThreatId = id("T-0");
    let _: ControlId = id("C-0");
}

/// Reads native YAML back with the native reader.
fn lower_native(yaml: &str) -> (ThreatModel, Vec<Diagnostic>) {
    let mut files = Files::new();
    let file = files.add("models/imported.tm.yaml", yaml);
    let (model, _, diagnostics) = crate::native::lower_threat_model(&files, file);
    (
        model.unwrap_or_else(|| panic!("the native reader refused:\n{diagnostics:?}\n{yaml}")),
        diagnostics,
    )
}

/// Threat texts, element names, control texts, and the model's title and format.
type Texts = (Vec<String>, Vec<String>, Vec<String>, Vec<(String, String)>);

/// The texts a reader sees. An empty raw value (the source had none) reads back as the
/// canonical name, which the native reader fills in for absent raw values.
fn texts(model: &ThreatModel) -> Texts {
    let raw = |raw: &str, canonical: &str| {
        if raw.is_empty() { canonical.to_owned() } else { raw.to_owned() }
    };
    let titles = model
        .threats
        .iter()
        .map(|t| {
            let severity = if t.severity == Severity::Unknown { "" } else { t.severity.as_str() };
            format!(
                "{}|{}|{}|{}",
                t.title,
                raw(&t.status_raw, t.status.as_str()),
                raw(&t.severity_raw, severity),
                t.description.as_deref().unwrap_or("")
            )
        })
        .collect();
    let names = model
        .elements
        .iter()
        .map(|e| e.name.clone())
        .chain(model.flows.iter().map(|f| f.name.clone()))
        .chain(model.boundaries.iter().map(|b| b.name.clone()))
        .collect();
    let controls = model
        .controls
        .iter()
        .map(|c| format!("{}|{}", c.title, raw(&c.status_raw, c.status.as_str())))
        .collect();
    let meta = vec![
        ("title".to_owned(), model.title.clone()),
        ("format".to_owned(), model.format.as_str().to_owned()),
    ];
    (titles, names, controls, meta)
}

#[test]
fn imported_samples_survive_native_yaml_and_the_native_reader() {
    let yaml_example = read_sample("samples/models/otm/EXAMPLE.yaml");
    let inputs = [
        ("v1-demo.json", read_sample("samples/models/threat-dragon/v1-demo.json")),
        ("v2-demo.json", read_sample("samples/models/threat-dragon/v2-demo.json")),
        ("EXAMPLE.json", read_sample("samples/models/otm/EXAMPLE.json")),
        ("EXAMPLE.yaml", yaml_example),
        (
            "ThreatComposer.tc.json",
            read_sample("samples/models/threat-composer/ThreatComposer.tc.json"),
        ),
    ];
    for (name, text) in inputs {
        let mut files = Files::new();
        let file = files.add(name, text);
        let model =
            import(&files, file, None, None, None).0.unwrap_or_else(|| panic!("{name} imports"));
        let (back, diagnostics) = lower_native(&to_native_yaml(&model));
        assert!(diagnostics.is_empty(), "{name}: {diagnostics:?}");
        assert_eq!(summary(&back), summary(&model), "{name}");
        assert_eq!(texts(&back), texts(&model), "{name}");
        // OTM in between changes nothing that the summary sees either.
        let (through_otm, _) = reimport_otm(&back);
        assert_eq!(
            summary(&lower_native(&to_native_yaml(&through_otm)).0),
            summary(&model),
            "{name} through OTM"
        );
    }
}

#[test]
fn native_model_survives_native_yaml_then_otm_then_native_yaml() {
    let mut files = Files::new();
    let model = native_model(&mut files);
    let (native, diagnostics) = lower_native(&to_native_yaml(&model));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(summary(&native), summary(&model));
    let (otm, _) = reimport_otm(&native);
    let (again, diagnostics) = lower_native(&to_native_yaml(&otm));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(summary(&again), summary(&model));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..proptest::prelude::ProptestConfig::default() })]

    /// Whatever the text, the native YAML reads back to exactly the same strings.
    #[test]
    fn native_yaml_keeps_any_text(
        title in "\\PC{0,40}",
        description in "[a-z #:'\"\\-\n\t\r\\\\\u{85}\u{2028}\u{feff}é,\\[\\]{}]{0,40}",
        name in "[a-zA-Z0-9 :#,\\-\\[\\]'\"@!%&*?|>{}.~]{0,20}",
        control_title in "(yes|no|null|~|true|[0-9.eE+\\-:_]{1,8}|0x1F|2027-01-31|\\PC{0,10})",
    ) {
        let mut files = Files::new();
        let mut model = native_model(&mut files);
        model.threats.truncate(1);
        model.threats[0].title = title.clone();
        model.threats[0].description = Some(description.clone());
        model.elements[0].name = name.clone();
        model.controls.truncate(1);
        model.controls[0].title = control_title.clone();
        let yaml = to_native_yaml(&model);
        let mut yaml_files = Files::new();
        let file = yaml_files.add("any.tm.yaml", yaml.clone());
        let (node, diagnostics) = parse_yaml(&yaml_files, file, Budget::default());
        proptest::prop_assert!(diagnostics.is_empty(), "{:?}\n{}", diagnostics, yaml);
        let tree = node.expect("a document");
        let threat = &tree.get("threats").and_then(Node::as_seq).expect("threats")[0];
        proptest::prop_assert_eq!(threat.get("title").and_then(Node::as_str), Some(title.as_str()));
        let written = threat.get("description").and_then(Node::as_str);
        proptest::prop_assert_eq!(written, Some(description.as_str()).filter(|d| !d.is_empty()), "empty text is omitted");
        let element = &tree.get("elements").and_then(Node::as_seq).expect("elements")[0];
        proptest::prop_assert_eq!(element.get("name").and_then(Node::as_str), Some(name.as_str()));
        let control = &tree.get("controls").and_then(Node::as_seq).expect("controls")[0];
        proptest::prop_assert_eq!(control.get("title").and_then(Node::as_str), Some(control_title.as_str()));
    }
}
