//! OWASP Threat Model Library "TM-BOM" 1.0.x JSON: trust zones, actors, components, data
//! stores, data sets, data flows, threats, controls and risks.
//!
//! Mapping (threat-modeling-anchors.md §3.8):
//! - actors → external entities, components → processes, data stores → data stores, all with
//!   their `symbolic_name` as id; data sets → data assets (placed on their data stores);
//! - trust zones → boundaries holding the elements whose `trust_zone` names them; the
//!   `trust_boundaries` (pairs of zones) hold no elements and are not imported (a note says so);
//! - threats → threats (CWE from `weaknesses`, elements from `components_affected`); TM-BOM
//!   threats have no status, so they are `identified`; their severity is the highest level of
//!   the risks that list them (`level`, else `score`, else likelihood × impact);
//! - controls → controls with TM-BOM's 8 statuses mapped (assumed and active → implemented,
//!   suggested and under_review → suggested, approved and scheduled → planned,
//!   retired → not_applicable, wont_do → wont_do), linked both ways with their threats, and a
//!   `priority-<p>` tag.

use std::collections::HashMap;

use super::ImportInput;
use super::foreign::{
    self, IdPool, Reader, field_span, items, place_in_boundaries, text, texts, without_tree,
};
use crate::decode::parse_date;
use crate::diag::{Code, Diagnostic, Span};
use crate::model::{
    Control, ControlId, ControlStatus, DataAsset, Element, ElementId, ElementKind, Flow, Level,
    Severity, SourceFormat, Threat, ThreatId, ThreatModel, ThreatStatus, TrustBoundary,
};
use crate::syntax::Node;

/// TM-BOM files name the library's schema, or have a `scope` object and TM-BOM's lists.
pub(crate) fn looks_like(node: &Node) -> Result<(), String> {
    if node.as_map().is_none() {
        return Err("not an object".to_owned());
    }
    if text(node, "$schema").is_some_and(|s| s.contains("threat-model-library")) {
        return Ok(());
    }
    let has_scope = node.get("scope").is_some_and(|s| s.as_map().is_some());
    let has_lists = ["trust_zones", "components", "data_flows"]
        .iter()
        .any(|key| node.get(key).is_some_and(|n| n.as_seq().is_some()));
    if has_scope && has_lists {
        Ok(())
    } else {
        Err("no TM-BOM `$schema`, and no `scope` object with `trust_zones`, `components` or `data_flows`".to_owned())
    }
}

/// Imports a TM-BOM file.
pub(crate) fn import(input: &ImportInput<'_>) -> (ThreatModel, Vec<Diagnostic>) {
    let Some(root) = input.node else {
        return without_tree(input, SourceFormat::TmBom, None);
    };
    let mut model = super::empty_model(input, SourceFormat::TmBom);
    let mut importer = Importer { reader: Reader::new(input.file) };
    model.title =
        root.get("scope").and_then(|scope| text(scope, "title")).unwrap_or_default().to_owned();
    // `reviewed_at` is a date or a date-time; the date part is what matters here.
    model.reviewed = text(root, "reviewed_at").and_then(|at| at.get(..10)).and_then(parse_date);
    model.data_assets = importer.data_sets(root);
    let (elements, zones_of) = importer.elements(root, &model.data_assets);
    model.elements = elements;
    model.boundaries = importer.zones(root, zones_of);
    model.flows = importer.flows(root, &model.elements);
    let (threats, threat_index) = importer.threats(root, &model.elements);
    model.threats = threats;
    importer.risks(root, &mut model.threats, &threat_index);
    model.controls = importer.controls(root, &mut model.threats, &threat_index);
    (model, importer.reader.diagnostics)
}

/// Maps a TM-BOM control status.
fn map_control_status(raw: &str) -> Option<ControlStatus> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "assumed" | "active" => ControlStatus::Implemented,
        "suggested" | "under_review" => ControlStatus::Suggested,
        "approved" | "scheduled" => ControlStatus::Planned,
        "retired" => ControlStatus::NotApplicable,
        "wont_do" => ControlStatus::WontDo,
        _ => return None,
    })
}

/// Normalises TM-BOM words: lowercase, `-` and spaces as `_`.
fn word(raw: &str) -> String {
    raw.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

/// Maps a risk `level` band (very_low … critical).
fn map_level(raw: &str) -> Option<Severity> {
    Some(match word(raw).as_str() {
        "critical" => Severity::Critical,
        "very_high" | "high" => Severity::High,
        "medium" | "moderate" => Severity::Medium,
        "low" => Severity::Low,
        "very_low" => Severity::Info,
        _ => return None,
    })
}

/// Bands a 0–25 risk score (likelihood 1–5 × impact 1–5). The library does not publish its
/// thresholds; these agree with the bands written in its example files.
fn band_score(score: f64) -> Severity {
    if score >= 20.0 {
        Severity::Critical
    } else if score >= 12.0 {
        Severity::High
    } else if score >= 5.0 {
        Severity::Medium
    } else if score >= 2.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// Likelihood rare … certain, as a level and a 1–5 factor.
fn map_likelihood(raw: &str) -> Option<(Level, u8)> {
    Some(match word(raw).as_str() {
        "rare" => (Level::VeryLow, 1),
        "unlikely" => (Level::Low, 2),
        "possible" => (Level::Medium, 3),
        "likely" => (Level::High, 4),
        "certain" => (Level::VeryHigh, 5),
        _ => return None,
    })
}

/// Impact negligible … severe, as a level and a 1–5 factor.
fn map_impact(raw: &str) -> Option<(Level, u8)> {
    Some(match word(raw).as_str() {
        "negligible" => (Level::VeryLow, 1),
        "minor" => (Level::Low, 2),
        "moderate" => (Level::Medium, 3),
        "major" => (Level::High, 4),
        "severe" => (Level::VeryHigh, 5),
        _ => return None,
    })
}

/// How bad a severity is, for picking the worst risk of a threat.
fn rank(severity: Severity) -> u8 {
    match severity {
        Severity::Critical => 5,
        Severity::High => 4,
        Severity::Medium => 3,
        Severity::Low => 2,
        Severity::Info => 1,
        Severity::Unknown => 0,
    }
}

/// Element kinds by TM-BOM reference type (`actor`, `component`, `data_store`; also written
/// as `#/$defs/data-store`).
fn reference_type(raw: &str) -> String {
    word(raw.trim_start_matches("#/$defs/"))
}

/// What one risk says about the threats it lists.
#[derive(Debug, Clone)]
struct Rating {
    rank: u8,
    severity: Severity,
    raw: String,
    likelihood: Option<Level>,
    impact: Option<Level>,
}

/// Reads the parts of one TM-BOM file.
struct Importer {
    reader: Reader,
}

impl Importer {
    /// The `symbolic_name` of an item as a unique id, or a diagnostic.
    fn claim<T: std::str::FromStr>(
        &mut self,
        ids: &mut IdPool,
        item: &Node,
        what: &str,
    ) -> Option<T> {
        let name = self.reader.required(item, "symbolic_name", || {
            format!("a TM-BOM {what} without `symbolic_name` is left out")
        })?;
        ids.claim_reported(
            &mut self.reader,
            name,
            item.span,
            || {
                Some(format!(
                    "the TM-BOM {what} `{name}` has an unusable symbolic name; it is left out"
                ))
            },
            |_| format!("two TM-BOM {what}s are named `{name}`; the later one gets a suffix"),
        )
    }

    fn data_sets(&mut self, root: &Node) -> Vec<DataAsset> {
        let mut ids = IdPool::hash_suffixed();
        let mut assets = Vec::new();
        for item in items(root, "data_sets") {
            let Some(id) = self.claim::<String>(&mut ids, item, "data set") else { continue };
            let sensitivity = texts(item, "data_sensitivity").join(", ");
            let name = text(item, "title").unwrap_or(&id).to_owned();
            assets.push(DataAsset {
                id,
                name,
                classification: (!sensitivity.is_empty()).then_some(sensitivity),
                origin: self.reader.origin(item.span),
            });
        }
        assets
    }

    /// Actors, components and data stores, with the zone each names (and where it names it).
    fn elements(
        &mut self,
        root: &Node,
        data: &[DataAsset],
    ) -> (Vec<Element>, Vec<(String, ElementId, Span)>) {
        let mut placed: HashMap<&str, Vec<String>> = HashMap::new();
        for item in items(root, "data_sets") {
            let Some(set) =
                text(item, "symbolic_name").filter(|name| data.iter().any(|d| d.id == *name))
            else {
                continue;
            };
            for placement in items(item, "placements") {
                if let Some(store) = text(placement, "data_store") {
                    placed.entry(store).or_default().push(set.to_owned());
                }
            }
        }
        let mut ids = IdPool::hash_suffixed();
        let mut elements = Vec::new();
        let mut zones_of = Vec::new();
        for (list, kind) in [
            ("actors", ElementKind::ExternalEntity),
            ("components", ElementKind::Process),
            ("data_stores", ElementKind::DataStore),
        ] {
            for item in items(root, list) {
                let Some(id) = self.claim::<ElementId>(&mut ids, item, "element") else { continue };
                if let Some(zone) = text(item, "trust_zone") {
                    let span = field_span(item, "trust_zone");
                    zones_of.push((zone.to_owned(), id.clone(), span));
                }
                let data = text(item, "symbolic_name")
                    .and_then(|name| placed.get(name))
                    .cloned()
                    .unwrap_or_default();
                let name = text(item, "title").unwrap_or(id.as_str()).to_owned();
                elements.push(Element {
                    id,
                    name,
                    kind,
                    internet_facing: false,
                    data,
                    origin: self.reader.origin(item.span),
                });
            }
        }
        (elements, zones_of)
    }

    /// Trust zones as boundaries; zone pairs are checked and noted, not imported.
    fn zones(
        &mut self,
        root: &Node,
        zones_of: Vec<(String, ElementId, Span)>,
    ) -> Vec<TrustBoundary> {
        let mut ids = IdPool::hash_suffixed();
        let mut boundaries = Vec::new();
        for item in items(root, "trust_zones") {
            let Some(id) = self.claim::<ElementId>(&mut ids, item, "trust zone") else { continue };
            let name = text(item, "title").unwrap_or(id.as_str()).to_owned();
            boundaries.push(TrustBoundary {
                id,
                name,
                elements: Vec::new(),
                origin: self.reader.origin(item.span),
            });
        }
        let by_id: HashMap<String, usize> = boundaries
            .iter()
            .enumerate()
            .map(|(index, b)| (b.id.as_str().to_owned(), index))
            .collect();
        place_in_boundaries(
            &mut boundaries,
            &by_id,
            zones_of,
            &mut self.reader,
            |element, zone| {
                format!(
                    "`{element}` is in trust zone `{zone}`, which `trust_zones` does not define"
                )
            },
        );
        let pairs = items(root, "trust_boundaries");
        for pair in pairs {
            for side in ["trust_zone_a", "trust_zone_b"] {
                if let Some(zone) = text(pair, side).filter(|zone| !by_id.contains_key(*zone)) {
                    let span = field_span(pair, side);
                    self.reader.push(Code::ForeignDanglingReference, span, format!("the trust boundary names trust zone `{zone}`, which `trust_zones` does not define"));
                }
            }
        }
        if let Some(first) = pairs.first() {
            let span = root.get("trust_boundaries").map_or(first.span, |n| n.span);
            self.reader.push(
                Code::NotImported,
                span,
                format!("{} trust boundaries (pairs of trust zones) are not imported as boundaries: they hold no elements; the zones are imported", pairs.len()),
            );
        }
        boundaries
    }

    fn flows(&mut self, root: &Node, elements: &[Element]) -> Vec<Flow> {
        let kinds: HashMap<(ElementKind, &str), &ElementId> =
            elements.iter().map(|e| ((e.kind, e.id.as_str()), &e.id)).collect();
        let mut ids = IdPool::hash_suffixed();
        let mut flows = Vec::new();
        for item in items(root, "data_flows") {
            let source = self.flow_end(item, "source", &kinds);
            let target = self.flow_end(item, "destination", &kinds);
            let (Some(source), Some(target)) = (source, target) else { continue };
            let Some(id) = self.claim::<ElementId>(&mut ids, item, "data flow") else { continue };
            let name = text(item, "title").unwrap_or(id.as_str()).to_owned();
            flows.push(Flow {
                id,
                name,
                source,
                target,
                protocol: None,
                origin: self.reader.origin(item.span),
            });
        }
        flows
    }

    /// Resolves a typed reference (`{"type": "component", "object": "vault-api"}`).
    fn flow_end(
        &mut self,
        flow: &Node,
        end: &str,
        kinds: &HashMap<(ElementKind, &str), &ElementId>,
    ) -> Option<ElementId> {
        let reference = flow.get(end);
        let object = reference.and_then(|r| text(r, "object"));
        let kind = match reference.and_then(|r| text(r, "type")).map(reference_type).as_deref() {
            Some("actor") => Some(ElementKind::ExternalEntity),
            Some("component") => Some(ElementKind::Process),
            Some("data_store") => Some(ElementKind::DataStore),
            _ => None,
        };
        if let (Some(kind), Some(object)) = (kind, object)
            && let Some(id) = kinds.get(&(kind, object))
        {
            return Some((*id).clone());
        }
        let span = reference.map_or(flow.span, |r| r.span);
        let name = text(flow, "symbolic_name").unwrap_or("?");
        self.reader.push(Code::ForeignDanglingReference, span, format!("the {end} of data flow `{name}` is not an actor, component or data store of the model; the flow is left out"));
        None
    }

    /// Threats, and their index by symbolic name (for risks and controls).
    fn threats(
        &mut self,
        root: &Node,
        elements: &[Element],
    ) -> (Vec<Threat>, HashMap<String, usize>) {
        let element_ids: HashMap<&str, &ElementId> =
            elements.iter().map(|e| (e.id.as_str(), &e.id)).collect();
        let mut ids = IdPool::hash_suffixed();
        let mut threats = Vec::new();
        let mut index = HashMap::new();
        for item in items(root, "threats") {
            let Some(id) = self.claim::<ThreatId>(&mut ids, item, "threat") else { continue };
            let mut affected = Vec::new();
            for component in items(item, "components_affected") {
                let Some(name) = component.scalar_text().map(str::trim) else { continue };
                match element_ids.get(name) {
                    Some(element) => affected.push((*element).clone()),
                    None => self.reader.push(Code::ForeignDanglingReference, component.span, format!("the threat `{id}` affects `{name}`, which is not an element of the model")),
                }
            }
            let cwes = items(item, "weaknesses")
                .iter()
                .filter_map(|w| w.get("cwe_id"))
                .filter_map(|n| n.scalar_text())
                .filter_map(crate::decode::parse_cwe)
                .collect();
            if let Some(name) = text(item, "symbolic_name") {
                index.entry(name.to_owned()).or_insert(threats.len());
            }
            let title = text(item, "title").unwrap_or(id.as_str()).to_owned();
            threats.push(Threat {
                description: text(item, "description").map(str::to_owned),
                cwes,
                elements: affected,
                status: ThreatStatus::Identified,
                ..foreign::threat(id, title, self.reader.origin(item.span))
            });
        }
        (threats, index)
    }

    /// Gives each threat the severity, likelihood and impact of its worst risk.
    fn risks(&mut self, root: &Node, threats: &mut [Threat], index: &HashMap<String, usize>) {
        let mut best: Vec<Option<Rating>> = vec![None; threats.len()];
        for risk in items(root, "risks") {
            let likelihood = text(risk, "likelihood").and_then(map_likelihood);
            let impact = text(risk, "impact").and_then(map_impact);
            let level = text(risk, "level");
            let score =
                risk.get("score").and_then(Node::as_f64).filter(|s| (0.0..=25.0).contains(s));
            let (severity, raw) = if let Some(severity) = level.and_then(map_level) {
                (severity, level.unwrap_or_default().to_owned())
            } else if let Some(score) = score {
                (
                    band_score(score),
                    risk.get("score").and_then(Node::scalar_text).unwrap_or_default().to_owned(),
                )
            } else if let (Some((_, l)), Some((_, i))) = (likelihood, impact) {
                (
                    band_score(f64::from(l * i)),
                    format!(
                        "{} x {}",
                        text(risk, "likelihood").unwrap_or_default(),
                        text(risk, "impact").unwrap_or_default()
                    ),
                )
            } else {
                let raw = level.unwrap_or_default().to_owned();
                self.reader.push_with_help(
                    Code::UnknownSeverity,
                    field_span(risk, "level"),
                    format!("the risk's level `{raw}` is not a TM-BOM band and it has no score or likelihood and impact; its threats' severity stays `unknown`"),
                    "TM-BOM levels: very_low, low, medium, high, very_high, critical",
                );
                (Severity::Unknown, raw)
            };
            let candidate = Rating {
                rank: rank(severity),
                severity,
                raw,
                likelihood: likelihood.map(|(l, _)| l),
                impact: impact.map(|(i, _)| i),
            };
            for threat in items(risk, "threats") {
                let Some(name) = threat.scalar_text().map(str::trim) else { continue };
                let Some(&at) = index.get(name) else {
                    self.reader.push(
                        Code::ForeignDanglingReference,
                        threat.span,
                        format!("the risk names threat `{name}`, which the model does not define"),
                    );
                    continue;
                };
                if best[at].as_ref().is_none_or(|current| candidate.rank > current.rank) {
                    best[at] = Some(candidate.clone());
                }
            }
        }
        for (threat, best) in threats.iter_mut().zip(best) {
            if let Some(rating) = best {
                threat.severity = rating.severity;
                threat.severity_raw = rating.raw;
                threat.likelihood = rating.likelihood;
                threat.impact = rating.impact;
            }
        }
    }

    /// Controls, linked both ways with the threats they list.
    fn controls(
        &mut self,
        root: &Node,
        threats: &mut [Threat],
        index: &HashMap<String, usize>,
    ) -> Vec<Control> {
        let mut ids = IdPool::hash_suffixed();
        let mut controls = Vec::new();
        for item in items(root, "controls") {
            let Some(id) = self.claim::<ControlId>(&mut ids, item, "control") else { continue };
            let status_raw = text(item, "status").unwrap_or_default().to_owned();
            let status = map_control_status(&status_raw).unwrap_or_else(|| {
                self.reader.push_with_help(
                    Code::UnknownStatus,
                    field_span(item, "status"),
                    format!("`{status_raw}` is not a TM-BOM control status; the control is imported as `suggested`"),
                    "TM-BOM control statuses: assumed, active, suggested, under_review, approved, scheduled, retired, wont_do",
                );
                ControlStatus::Suggested
            });
            let mut addressed = Vec::new();
            for threat in items(item, "threats") {
                let Some(name) = threat.scalar_text().map(str::trim) else { continue };
                let Some(&at) = index.get(name) else {
                    self.reader.push(Code::ForeignDanglingReference, threat.span, format!("the control `{id}` names threat `{name}`, which the model does not define"));
                    continue;
                };
                if !addressed.contains(&threats[at].id) {
                    addressed.push(threats[at].id.clone());
                    threats[at].controls.push(id.clone());
                }
            }
            let tags = text(item, "priority")
                .map(|p| format!("priority-{}", word(p)))
                .into_iter()
                .collect();
            controls.push(Control {
                title: text(item, "title").unwrap_or(id.as_str()).to_owned(),
                id,
                status,
                status_raw,
                asvs: Vec::new(),
                tags,
                threats: addressed,
                origin: self.reader.origin(item.span),
            });
        }
        controls
    }
}

#[cfg(test)]
mod tests;
