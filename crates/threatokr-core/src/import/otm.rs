//! Open Threat Model (OTM) 0.1 and 0.2, in JSON or YAML (the two versions share the parts read here).
//!
//! Mapping:
//! - `components` → elements, their kind guessed from the free-text `type` (see [`kind_of`]),
//!   `assets.processed` and `assets.stored` → the element's data; `dataflows` → flows;
//!   `trustZones` → boundaries holding the components whose parent (directly, or through parent
//!   components) is the zone; `assets` → data assets.
//! - Threats are instances: each entry of a component's or dataflow's `threats[]` is one threat
//!   with id `<threat id>@<element id>`, its status from the entry's `state` (exposed →
//!   identified, mitigated/implemented → mitigated; threatokr's own status names as themselves;
//!   anything else → unknown with a warning). A threat defined but never referenced is imported
//!   once, under its own id, with status `unknown` and an `unreferenced-threat` warning.
//! - `categories` → STRIDE where they name a STRIDE category; `cwes` → CWE numbers;
//!   `risk.likelihood` and `risk.impact` (0–100) → likelihood and impact levels (0–19 very low,
//!   20–39 low, 40–59 medium, 60–79 high, 80–100 very high) and a severity: the score
//!   √(likelihood × impact) / 10 (0–10; one of the two alone when the other is missing) in the
//!   CVSS bands. The raw severity reads `likelihood 50, impact 100`.
//! - Mitigations are instances too: each entry of an instance's `mitigations[]` is the control
//!   `<mitigation id>@<element id>` (shared by the threats of one element that name it), with
//!   its status from the entry's `state` (implemented → implemented, required → planned,
//!   recommended → suggested, rejected → wont_do, not-applicable → not_applicable, threatokr's
//!   control status names as themselves, anything else → suggested with a warning). A
//!   mitigation that no instance names is imported once as a suggested control.
//!
//! Files written by threatokr (`crate::export::to_otm`) mark each threat and mitigation with the
//! attribute `threatokr-id`: all instances of such a threat are one threatokr threat with that id
//! (its elements are the referencing components and dataflows), and likewise for mitigations, so
//! that native → OTM → native keeps ids exactly. A marked threat without instances takes its
//! status from the attribute `threatokr-status`.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::ImportInput;
use super::foreign::{
    self, IdPool, Reader, field_span, not_a_mapping, one_line, stride_from_name, string,
    without_tree,
};
use crate::decode::parse_cwe;
use crate::diag::{Code, Diagnostic, Span};
use crate::model::{
    Control, ControlId, ControlStatus, DataAsset, Element, ElementId, ElementKind, Flow, Level,
    Origin, Severity, SourceFormat, Threat, ThreatId, ThreatModel, ThreatStatus, TrustBoundary,
};
use crate::syntax::Node;

/// The attribute that marks threats and mitigations written by threatokr.
pub(crate) const MARKER: &str = "threatokr-id";
/// The attribute that carries the status of a marked threat or mitigation without instances.
pub(crate) const STATUS_MARKER: &str = "threatokr-status";
/// The attribute listing the threats a marked mitigation addresses (links that instances cannot
/// carry, such as links to threats without elements).
pub(crate) const ADDRESSES_MARKER: &str = "threatokr-addresses";

pub(crate) fn looks_like(node: &Node) -> Result<(), String> {
    if let Some(why) = not_a_mapping(node) {
        return Err(why);
    }
    if node.get("otmVersion").is_some() {
        Ok(())
    } else {
        Err("no `otmVersion` at the top level".to_owned())
    }
}

/// The element kind of an OTM component from its free-text `type`: threatokr's own kind names
/// as themselves; types naming storage (database, db, store, storage, bucket, s3, queue, cache,
/// sql, postgres, mysql, mongo, redis, dynamodb, blob) → data_store; types naming an outside
/// party (client, user, actor, browser, external, third-party) → external_entity; else process.
pub(crate) fn kind_of(component_type: &str) -> ElementKind {
    let t = component_type.to_ascii_lowercase();
    if let Ok(kind) = t.parse::<ElementKind>() {
        return kind;
    }
    const STORES: &[&str] = &[
        "database", "store", "storage", "bucket", "s3", "queue", "cache", "sql", "postgres",
        "mysql", "mongo", "redis", "dynamodb", "blob",
    ];
    const EXTERNAL: &[&str] =
        &["client", "user", "actor", "browser", "external", "third-party", "thirdparty"];
    let words: Vec<&str> =
        t.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    if words.contains(&"db") || STORES.iter().any(|s| t.contains(s)) {
        ElementKind::DataStore
    } else if EXTERNAL.iter().any(|s| t.contains(s)) {
        ElementKind::ExternalEntity
    } else {
        ElementKind::Process
    }
}

/// A threat or mitigation definition from the top-level lists.
struct Definition<'n> {
    /// Position in the file's list, to keep file order.
    index: usize,
    node: &'n Node,
    name: String,
    marker: Option<String>,
    status_marker: Option<String>,
    /// Threat ids from `threatokr-addresses`, with their positions.
    addresses: Vec<(String, Span)>,
}

/// A threatokr threat being assembled from one or more instances.
struct Pending {
    threat: Threat,
    /// Instance state already seen (for marked threats with several instances).
    state: Option<String>,
}

pub(crate) fn import(input: &ImportInput<'_>) -> (ThreatModel, Vec<Diagnostic>) {
    let Some(root) = input.node else {
        return without_tree(input, SourceFormat::Otm, Some("OTM models are JSON or YAML"));
    };
    let mut model = super::empty_model(input, SourceFormat::Otm);
    let mut reader = Reader::new(input.file);
    let file = input.file;
    let origin = |span: Span| Origin { file, span };
    if let Some(project) = reader.map(root, "project") {
        model.title = reader.text(project, "name").map(|t| one_line(&t)).unwrap_or_default();
    }

    for node in reader.list(root, "assets") {
        let Some(id) = required_text(&mut reader, node, "id", "asset") else { continue };
        let name = reader.text(node, "name").unwrap_or_else(|| id.clone());
        model.data_assets.push(DataAsset {
            id,
            name,
            classification: None,
            origin: origin(node.span),
        });
    }

    let mut element_ids = IdPool::tilde_suffixed();
    let mut zone_ids: Vec<(String, usize)> = Vec::new();
    for node in reader.list(root, "trustZones") {
        let Some(wanted) = required_text(&mut reader, node, "id", "trust zone") else { continue };
        let Ok(id) = element_ids
            .claim_or_replace(&wanted, node.span, "trust zone", &mut reader)
            .parse::<ElementId>()
        else {
            continue;
        };
        let name =
            reader.text(node, "name").map(|n| one_line(&n)).unwrap_or_else(|| id.to_string());
        zone_ids.push((wanted, model.boundaries.len()));
        model.boundaries.push(TrustBoundary {
            id,
            name,
            elements: Vec::new(),
            origin: origin(node.span),
        });
    }
    let zones: HashMap<String, usize> = zone_ids.into_iter().collect();

    // Components: remember each one's parent so that zones can be resolved through parent chains.
    let mut component_ids: HashMap<String, ElementId> = HashMap::new();
    let mut parents: Vec<(ElementId, Option<String>, Option<String>)> = Vec::new();
    let components = reader.list(root, "components");
    for node in components {
        let Some(wanted) = required_text(&mut reader, node, "id", "component") else { continue };
        let Ok(id) = element_ids
            .claim_or_replace(&wanted, node.span, "component", &mut reader)
            .parse::<ElementId>()
        else {
            continue;
        };
        component_ids.entry(wanted).or_insert_with(|| id.clone());
        let name =
            reader.text(node, "name").map(|n| one_line(&n)).unwrap_or_else(|| id.to_string());
        let kind = kind_of(&reader.text(node, "type").unwrap_or_default());
        let mut data: Vec<String> = Vec::new();
        if let Some(assets) = reader.map(node, "assets") {
            for key in ["processed", "stored"] {
                for asset in reader.list(assets, key) {
                    if let Some(asset) =
                        asset.scalar_text().filter(|a| !data.iter().any(|d| d == a))
                    {
                        data.push(asset.to_owned());
                    }
                }
            }
        }
        let parent = reader.map(node, "parent");
        let zone = parent.and_then(|p| reader.text(p, "trustZone"));
        let parent_component = parent.and_then(|p| reader.text(p, "component"));
        parents.push((id.clone(), zone, parent_component));
        model.elements.push(Element {
            id,
            name,
            kind,
            internet_facing: false,
            data,
            origin: origin(node.span),
        });
    }
    let direct: HashMap<&ElementId, (Option<&String>, Option<&String>)> =
        parents.iter().map(|(id, z, c)| (id, (z.as_ref(), c.as_ref()))).collect();
    // `parents` and `model.elements` were filled together, so they line up.
    for ((id, zone, parent), element) in parents.iter().zip(&model.elements) {
        if let Some(zone) =
            zone.as_ref().filter(|z| !zones.contains_key(z.as_str()) && parent.is_none())
        {
            let span = element.origin.span;
            reader.push(Code::DanglingLink, span, format!("the component `{id}` names `{zone}` as its trust zone, which `trustZones` does not define"));
        }
    }
    for (id, _, _) in &parents {
        // Walk up parent components; the step limit guards against cycles.
        let mut current = id;
        for _ in 0..=parents.len() {
            let Some((zone, parent)) = direct.get(current) else { break };
            if let Some(&index) = zone.and_then(|z| zones.get(z.as_str())) {
                model.boundaries[index].elements.push(id.clone());
                break;
            }
            match parent.and_then(|p| component_ids.get(p.as_str())) {
                Some(next) => current = next,
                None => break,
            }
        }
    }

    let mut flow_ids: HashMap<String, ElementId> = HashMap::new();
    let dataflows = reader.list(root, "dataflows");
    for node in dataflows {
        let Some(wanted) = required_text(&mut reader, node, "id", "dataflow") else { continue };
        let mut ends = Vec::new();
        for key in ["source", "destination"] {
            let end = reader.text(node, key);
            match end.as_deref().and_then(|e| component_ids.get(e)) {
                Some(id) => ends.push(id.clone()),
                None => {
                    let span = node.get(key).map_or(node.span, |n| n.span);
                    let message = match end {
                        Some(end) => format!(
                            "the dataflow `{wanted}` names `{end}` as its {key}, which is not a component"
                        ),
                        None => format!("the dataflow `{wanted}` has no {key}"),
                    };
                    reader.push(Code::DanglingLink, span, message);
                }
            }
        }
        let [source, target] =
            <[ElementId; 2]>::try_from(ends).ok().map_or([None, None], |[s, t]| [Some(s), Some(t)]);
        let (Some(source), Some(target)) = (source, target) else { continue };
        let Ok(id) = element_ids
            .claim_or_replace(&wanted, node.span, "dataflow", &mut reader)
            .parse::<ElementId>()
        else {
            continue;
        };
        flow_ids.entry(wanted).or_insert_with(|| id.clone());
        let name =
            reader.text(node, "name").map(|n| one_line(&n)).unwrap_or_else(|| id.to_string());
        let protocol = reader.map(node, "attributes").and_then(|a| reader.text(a, "protocol"));
        model.flows.push(Flow { id, name, source, target, protocol, origin: origin(node.span) });
    }

    let threat_defs = definitions(&mut reader, root, "threats", "threat");
    let mitigation_defs = definitions(&mut reader, root, "mitigations", "mitigation");

    // Instances, in file order: components, then dataflows. Instances on a dataflow that was
    // left out still count (their ids do not depend on it), but get no element.
    let mut threats: BTreeMap<usize, Pending> = BTreeMap::new();
    let mut templates: HashMap<String, Threat> = HashMap::new();
    let mut threat_slots: HashMap<String, usize> = HashMap::new();
    let mut controls: Vec<Control> = Vec::new();
    let mut control_slots: HashMap<String, usize> = HashMap::new();
    // (control slot, threat) pairs already linked, so repeated links cost no scans.
    let mut linked: HashSet<(usize, ThreatId)> = HashSet::new();
    let mut referenced_threats: HashSet<String> = HashSet::new();
    let mut referenced_mitigations: HashSet<String> = HashSet::new();
    let owners = components
        .iter()
        .map(|n| (n, &component_ids))
        .chain(dataflows.iter().map(|n| (n, &flow_ids)));
    for (owner, ids) in owners {
        let Some(owner_id) = owner.get("id").and_then(Node::scalar_text).map(str::trim) else {
            continue;
        };
        let element = ids.get(owner_id).cloned();
        for instance in reader.list(owner, "threats") {
            let Some(reference) = required_text(&mut reader, instance, "threat", "threat instance")
            else {
                continue;
            };
            let Some(def) = threat_defs.get(reference.as_str()) else {
                let span = field_span(instance, "threat");
                reader.push(Code::DanglingLink, span, format!("`{owner_id}` refers to the threat `{reference}`, which `threats` does not define"));
                continue;
            };
            referenced_threats.insert(reference.clone());
            let state = reader.text(instance, "state").unwrap_or_default();
            let key = def.marker.clone().unwrap_or_else(|| format!("{reference}@{owner_id}"));
            let slot = match threat_slots.get(&key) {
                Some(&slot) => slot,
                None => {
                    let slot = threats.len();
                    let Ok(id) = key.parse::<ThreatId>() else {
                        reader.push(
                            Code::InvalidId,
                            instance.span,
                            format!(
                                "the threat instance id `{}` is not a valid id",
                                key.escape_debug()
                            ),
                        );
                        continue;
                    };
                    let threat = instantiate(
                        &mut templates,
                        &mut reader,
                        def,
                        &reference,
                        id,
                        instance.span,
                    );
                    threats.insert(slot, Pending { threat, state: None });
                    threat_slots.insert(key.clone(), slot);
                    slot
                }
            };
            let Some(pending) = threats.get_mut(&slot) else { continue };
            if let Some(element) = element.as_ref().filter(|e| !pending.threat.elements.contains(e))
            {
                pending.threat.elements.push(element.clone());
            }
            let state_span = field_span(instance, "state");
            match &pending.state {
                None => {
                    pending.threat.status = threat_status(&mut reader, &state, state_span);
                    pending.threat.status_raw = state.clone();
                    pending.state = Some(state.clone());
                }
                Some(first) if *first != state => {
                    reader.push(Code::InconsistentInstances, state_span, format!("this instance of `{key}` has the state `{state}`, an earlier one `{first}`; the first is used"));
                }
                Some(_) => {}
            }
            let threat_id = pending.threat.id.clone();
            for mitigation in reader.list(instance, "mitigations") {
                let Some(reference) =
                    required_text(&mut reader, mitigation, "mitigation", "mitigation instance")
                else {
                    continue;
                };
                let Some(mdef) = mitigation_defs.get(reference.as_str()) else {
                    let span = field_span(mitigation, "mitigation");
                    reader.push(Code::DanglingLink, span, format!("`{owner_id}` refers to the mitigation `{reference}`, which `mitigations` does not define"));
                    continue;
                };
                referenced_mitigations.insert(reference.clone());
                let mstate = reader.text(mitigation, "state").unwrap_or_default();
                let mspan = field_span(mitigation, "state");
                let control_key =
                    mdef.marker.clone().unwrap_or_else(|| format!("{reference}@{owner_id}"));
                match control_slots.get(&control_key) {
                    Some(&slot) => {
                        let control = &mut controls[slot];
                        if control.status_raw != mstate {
                            let message = format!(
                                "this instance of `{control_key}` has the state `{mstate}`, an earlier one `{}`; the first is used",
                                control.status_raw
                            );
                            reader.push(Code::InconsistentInstances, mspan, message);
                        }
                        if linked.insert((slot, threat_id.clone())) {
                            control.threats.push(threat_id.clone());
                        }
                    }
                    None => {
                        let Ok(id) = control_key.parse::<ControlId>() else {
                            reader.push(
                                Code::InvalidId,
                                mitigation.span,
                                format!(
                                    "the mitigation instance id `{}` is not a valid id",
                                    control_key.escape_debug()
                                ),
                            );
                            continue;
                        };
                        let status = control_status(&mut reader, &mstate, mspan);
                        linked.insert((controls.len(), threat_id.clone()));
                        control_slots.insert(control_key, controls.len());
                        controls.push(control(
                            mdef,
                            id,
                            status,
                            mstate,
                            vec![threat_id.clone()],
                            file,
                        ));
                    }
                }
            }
        }
    }

    // Definitions that no instance names.
    for (key, def) in
        in_file_order(&threat_defs).filter(|(key, _)| !referenced_threats.contains(*key))
    {
        let wanted = def.marker.clone().unwrap_or_else(|| key.clone());
        let Ok(id) = wanted.parse::<ThreatId>() else { continue };
        let mut threat = instantiate(&mut templates, &mut reader, def, key, id, def.node.span);
        let known = def
            .status_marker
            .as_deref()
            .filter(|_| def.marker.is_some())
            .and_then(|s| s.parse::<ThreatStatus>().ok());
        if let Some(status) = known {
            threat.status = status;
            threat.status_raw = status.as_str().to_owned();
        } else {
            reader.push_with_help(Code::UnreferencedThreat, def.node.span, format!("the threat `{key}` is defined but no component or dataflow refers to it"), "it is imported once, without elements, with status `unknown`; reference it from the components it threatens");
        }
        threats.insert(threats.len(), Pending { threat, state: None });
    }
    for (key, def) in
        in_file_order(&mitigation_defs).filter(|(key, _)| !referenced_mitigations.contains(*key))
    {
        let wanted = def.marker.clone().unwrap_or_else(|| key.clone());
        let Ok(id) = wanted.parse::<ControlId>() else { continue };
        let (status, raw) = match def
            .status_marker
            .as_deref()
            .filter(|_| def.marker.is_some())
            .and_then(|s| s.parse::<ControlStatus>().ok())
        {
            Some(status) => (status, status.as_str().to_owned()),
            None => (ControlStatus::Suggested, String::new()),
        };
        control_slots.insert(wanted, controls.len());
        controls.push(control(def, id, status, raw, Vec::new(), file));
    }

    // Link threats to their controls (the control side was filled while reading instances,
    // and from `threatokr-addresses` here).
    let mut threats: Vec<Threat> = threats.into_values().map(|p| p.threat).collect();
    let positions: HashMap<ThreatId, usize> =
        threats.iter().enumerate().map(|(i, t)| (t.id.clone(), i)).collect();
    for def in in_file_order(&mitigation_defs).map(|(_, def)| def) {
        let Some(&slot) = def.marker.as_ref().and_then(|m| control_slots.get(m)) else { continue };
        for (address, span) in &def.addresses {
            match positions.get_key_value(address.as_str()) {
                Some((threat_id, _)) => {
                    if linked.insert((slot, threat_id.clone())) {
                        controls[slot].threats.push(threat_id.clone());
                    }
                }
                None => reader.push(Code::DanglingLink, *span, format!("the mitigation `{}` addresses the threat `{address}`, which the file does not contain", controls[slot].id)),
            }
        }
    }
    for control in &controls {
        for threat in &control.threats {
            if let Some(&i) = positions.get(threat) {
                threats[i].controls.push(control.id.clone());
            }
        }
    }
    model.threats = threats;
    model.controls = controls;
    (model, reader.diagnostics)
}

fn in_file_order<'m, 'n>(
    defs: &'m HashMap<String, Definition<'n>>,
) -> impl Iterator<Item = (&'m String, &'m Definition<'n>)> {
    let mut entries: Vec<_> = defs.iter().collect();
    entries.sort_by_key(|(_, def)| def.index);
    entries.into_iter()
}

fn required_text(reader: &mut Reader, node: &Node, key: &str, what: &str) -> Option<String> {
    if !reader.is_mapping(node, what) {
        return None;
    }
    let text = reader.text(node, key);
    if text.is_none() {
        reader.push(
            Code::MissingField,
            node.span,
            format!("this {what} has no `{key}`; it is left out"),
        );
    }
    text
}

fn definitions<'n>(
    reader: &mut Reader,
    root: &'n Node,
    key: &str,
    what: &str,
) -> HashMap<String, Definition<'n>> {
    let mut defs = HashMap::new();
    for (index, node) in reader.list(root, key).iter().enumerate() {
        let Some(id) = required_text(reader, node, "id", what) else { continue };
        if defs.contains_key(&id) {
            reader.push(
                Code::DuplicateId,
                node.span,
                format!("the {what} `{id}` is defined twice; the first definition is used"),
            );
            continue;
        }
        let name = reader.text(node, "name").map(|n| one_line(&n)).unwrap_or_else(|| id.clone());
        let attributes = reader.map(node, "attributes");
        let marker =
            attributes.and_then(|a| a.get(MARKER)).and_then(Node::scalar_text).map(str::to_owned);
        let status_marker = attributes
            .and_then(|a| a.get(STATUS_MARKER))
            .and_then(Node::scalar_text)
            .map(str::to_owned);
        let addresses = match attributes.filter(|_| marker.is_some()) {
            Some(a) => reader
                .list(a, ADDRESSES_MARKER)
                .iter()
                .filter_map(|t| t.scalar_text().map(|text| (text.to_owned(), t.span)))
                .collect(),
            None => Vec::new(),
        };
        defs.insert(id, Definition { index, node, name, marker, status_marker, addresses });
    }
    defs
}

/// A threat for one instance of a definition; the definition is read (and its problems
/// reported) once, whatever the number of instances.
fn instantiate(
    templates: &mut HashMap<String, Threat>,
    reader: &mut Reader,
    def: &Definition<'_>,
    key: &str,
    id: ThreatId,
    span: Span,
) -> Threat {
    let mut threat = match templates.get(key) {
        Some(template) => template.clone(),
        None => {
            let template = read_threat(reader, def, id.clone(), span);
            templates.insert(key.to_owned(), template.clone());
            template
        }
    };
    threat.id = id;
    threat.origin = Origin { file: reader.file, span };
    threat
}

fn read_threat(reader: &mut Reader, def: &Definition<'_>, id: ThreatId, span: Span) -> Threat {
    let node = def.node;
    let mut stride = Vec::new();
    for category in reader.list(node, "categories") {
        if let Some(s) =
            category.as_str().and_then(stride_from_name).filter(|s| !stride.contains(s))
        {
            stride.push(s);
        }
    }
    let mut cwes = Vec::new();
    for cwe in reader.list(node, "cwes") {
        match cwe.scalar_text().and_then(parse_cwe) {
            Some(n) if !cwes.contains(&n) => cwes.push(n),
            Some(_) => {}
            None => {
                reader.push(Code::InvalidCwe, cwe.span, "a CWE id should read `CWE-79` or `79`")
            }
        }
    }
    let risk = reader.map(node, "risk");
    let mut score = |key: &str| -> Option<f64> {
        let value = risk?.get(key)?;
        if value.is_null() {
            return None;
        }
        match value.as_f64() {
            Some(v) if (0.0..=100.0).contains(&v) => Some(v),
            _ => {
                reader.push(
                    Code::InvalidValue,
                    value.span,
                    format!("`risk.{key}` should be a number from 0 to 100"),
                );
                None
            }
        }
    };
    let (likelihood, impact) = (score("likelihood"), score("impact"));
    let severity = match (likelihood, impact) {
        (Some(l), Some(i)) => Severity::from_score((l * i).sqrt() / 10.0),
        (Some(one), None) | (None, Some(one)) => Severity::from_score(one / 10.0),
        (None, None) => Severity::Unknown,
    };
    let number = |v: f64| if v.fract() == 0.0 { format!("{v:.0}") } else { v.to_string() };
    let severity_raw = [("likelihood", likelihood), ("impact", impact)]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k} {}", number(v))))
        .collect::<Vec<_>>()
        .join(", ");
    Threat {
        description: string(node, "description").map(str::to_owned),
        stride,
        cwes,
        severity,
        severity_raw,
        likelihood: likelihood.map(level_of),
        impact: impact.map(level_of),
        ..foreign::threat(id, def.name.clone(), reader.origin(span))
    }
}

/// 0–100 in five equal bands.
pub(crate) fn level_of(value: f64) -> Level {
    match value {
        v if v < 20.0 => Level::VeryLow,
        v if v < 40.0 => Level::Low,
        v if v < 60.0 => Level::Medium,
        v if v < 80.0 => Level::High,
        _ => Level::VeryHigh,
    }
}

fn threat_status(reader: &mut Reader, state: &str, span: Span) -> ThreatStatus {
    let lower = state.to_ascii_lowercase();
    match lower.as_str() {
        "exposed" => return ThreatStatus::Identified,
        "mitigated" | "implemented" => return ThreatStatus::Mitigated,
        _ => {}
    }
    if let Ok(status) = lower.parse::<ThreatStatus>() {
        return status;
    }
    let message = if state.is_empty() {
        "the threat instance has no state".to_owned()
    } else {
        format!("`{state}` is not an OTM threat state that threatokr knows")
    };
    reader.push_with_help(Code::UnknownStatus, span, message, "OTM states are free text; threatokr reads exposed, mitigated and implemented (and its own status names); the threat is imported as `unknown`");
    ThreatStatus::Unknown
}

fn control_status(reader: &mut Reader, state: &str, span: Span) -> ControlStatus {
    let lower = state.to_ascii_lowercase();
    match lower.as_str() {
        "implemented" => return ControlStatus::Implemented,
        "required" => return ControlStatus::Planned,
        "recommended" => return ControlStatus::Suggested,
        "rejected" => return ControlStatus::WontDo,
        "not-applicable" | "not applicable" | "notapplicable" => {
            return ControlStatus::NotApplicable;
        }
        _ => {}
    }
    if let Ok(status) = lower.parse::<ControlStatus>() {
        return status;
    }
    let message = if state.is_empty() {
        "the mitigation instance has no state".to_owned()
    } else {
        format!("`{state}` is not an OTM mitigation state that threatokr knows")
    };
    reader.push_with_help(Code::UnknownStatus, span, message, "threatokr reads implemented, required, recommended, rejected and not-applicable (and its own control status names); the control is imported as `suggested`");
    ControlStatus::Suggested
}

fn control(
    def: &Definition<'_>,
    id: ControlId,
    status: ControlStatus,
    status_raw: String,
    threats: Vec<ThreatId>,
    file: crate::diag::FileId,
) -> Control {
    Control {
        id,
        title: def.name.clone(),
        status,
        status_raw,
        asvs: Vec::new(),
        tags: Vec::new(),
        threats,
        origin: Origin { file, span: def.node.span },
    }
}

#[cfg(test)]
mod tests;
