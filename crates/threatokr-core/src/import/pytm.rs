//! pytm `--json` output (pytm 1.4.0): the model's actors, assets, boundaries, flows and data,
//! and its `findings` as threats.
//!
//! pytm's own finding ids are run order, not stable across runs, so a threat's id is
//! `<threat_id>@<target>` (pytm SID and target name, threat-modeling-anchors.md §4.3); a pair
//! that repeats gets a deterministic `#2`, `#3` suffix and a warning. `excluded_findings`
//! (excluded by an assumption or `--exclude`) are imported as `not_applicable`. pytm 1.4.0
//! overwrites every flow's protocol and port with the sink's defaults, so flows get no protocol.
//! pytm elements have no ids: names serve as ids (elements, flows and boundaries each unique).

use std::collections::{HashMap, HashSet};

use super::ImportInput;
use super::foreign::{
    self, IdPool, Reader, field_span, items, place_in_boundaries, text, texts, without_tree,
};
use crate::decode::parse_cwe;
use crate::diag::{Code, Diagnostic, Span};
use crate::model::{
    DataAsset, Element, ElementId, ElementKind, Flow, Level, Severity, SourceFormat, Threat,
    ThreatId, ThreatModel, ThreatStatus, TrustBoundary,
};
use crate::syntax::Node;

/// pytm JSON has a `findings` list and pytm's own keys (`threatsFile`, `excluded_findings`,
/// or findings with a `threat_id`).
pub(crate) fn looks_like(node: &Node) -> Result<(), String> {
    let Some(findings) = node.get("findings").and_then(Node::as_seq) else {
        return Err("no `findings` list".to_owned());
    };
    let pytm_keys = node.get("threatsFile").is_some() || node.get("excluded_findings").is_some();
    if pytm_keys || findings.iter().any(|f| f.get("threat_id").is_some()) {
        Ok(())
    } else {
        Err("no `threatsFile`, no `excluded_findings` and no finding with a `threat_id`".to_owned())
    }
}

/// Imports pytm's `--json` output.
pub(crate) fn import(input: &ImportInput<'_>) -> (ThreatModel, Vec<Diagnostic>) {
    let Some(root) = input.node else {
        return without_tree(input, SourceFormat::Pytm, None);
    };
    let mut model = super::empty_model(input, SourceFormat::Pytm);
    let mut importer =
        Importer { reader: Reader::new(input.file), names: HashMap::new(), members: Vec::new() };
    model.title = text(root, "name").unwrap_or_default().to_owned();
    model.data_assets = importer.data(root);
    model.elements = importer.elements(root, &model.data_assets);
    model.boundaries = importer.boundaries(root);
    model.flows = importer.flows(root, &model.elements);
    let mut ids = IdPool::hash_suffixed();
    let mut threats = importer.findings(root, "findings", &mut ids);
    threats.extend(importer.findings(root, "excluded_findings", &mut ids));
    model.threats = threats;
    (model, importer.reader.diagnostics)
}

/// Maps a pytm severity (Very High, High, Medium, Low, Very Low).
fn map_severity(raw: &str) -> Option<Severity> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "very high" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        "very low" => Severity::Info,
        _ => return None,
    })
}

/// Maps pytm's "Likelihood Of Attack" (the same five words as severity).
fn map_likelihood(raw: &str) -> Option<Level> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "very high" => Level::VeryHigh,
        "high" => Level::High,
        "medium" => Level::Medium,
        "low" => Level::Low,
        "very low" => Level::VeryLow,
        _ => return None,
    })
}

/// Maps a finding's `response` (free text; pytm documents mitigated, transferred, avoided and
/// accepted). An empty response is an open finding.
fn map_response(raw: &str) -> Option<ThreatStatus> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "" => ThreatStatus::Identified,
        "mitigated" => ThreatStatus::Mitigated,
        "transferred" => ThreatStatus::Transferred,
        "avoided" => ThreatStatus::Avoided,
        "accepted" => ThreatStatus::Accepted,
        _ => return None,
    })
}

/// CWE ids of a finding: its `cwe` field (a number, `CWE-79`, or a list), and every
/// `cwe.mitre.org/data/definitions/<n>.html` or `CWE-<n>` in its `references`.
fn cwes(finding: &Node) -> Vec<u32> {
    let mut found = Vec::new();
    match finding.get("cwe") {
        Some(node) if node.as_seq().is_some() => {
            found.extend(texts(finding, "cwe").into_iter().filter_map(parse_cwe))
        }
        Some(node) => found.extend(
            node.scalar_text().into_iter().flat_map(|t| t.split(',')).filter_map(parse_cwe),
        ),
        None => {}
    }
    if let Some(references) = finding.get("references").and_then(Node::scalar_text) {
        let lower = references.to_ascii_lowercase();
        for marker in ["cwe.mitre.org/data/definitions/", "cwe-"] {
            for (at, _) in lower.match_indices(marker) {
                let digits: String =
                    lower[at + marker.len()..].chars().take_while(char::is_ascii_digit).collect();
                found.extend(digits.parse::<u32>().ok().filter(|&n| n > 0));
            }
        }
    }
    let mut seen = HashSet::new();
    found.retain(|cwe| seen.insert(*cwe));
    found
}

/// Reads the parts of one pytm model.
struct Importer {
    reader: Reader,
    /// Names of elements, flows and boundaries to their ids (first one wins), for finding targets.
    names: HashMap<String, ElementId>,
    /// Elements and boundaries with the name of the boundary they sit in (`inBoundary`).
    members: Vec<(String, ElementId, Span)>,
}

impl Importer {
    /// Claims an id for a named thing; reports a nameless or repeated one.
    fn claim(&mut self, ids: &mut IdPool, item: &Node, what: &str) -> Option<(ElementId, String)> {
        let name = self
            .reader
            .required(item, "name", || format!("a pytm {what} without a `name` is left out"))?;
        let id: ElementId = ids.claim_reported(
            &mut self.reader,
            name,
            item.span,
            || {
                Some(format!(
                    "the pytm {what} `{name}` has a name that cannot be an id; it is left out"
                ))
            },
            |id| format!("two pytm {what}s are named `{name}`; this one is imported as `{id}`"),
        )?;
        self.names.entry(name.to_owned()).or_insert_with(|| id.clone());
        Some((id, name.to_owned()))
    }

    fn data(&mut self, root: &Node) -> Vec<DataAsset> {
        let mut ids = IdPool::hash_suffixed();
        let mut assets = Vec::new();
        for item in items(root, "data") {
            let Some(name) = text(item, "name") else { continue };
            let (id, renamed) = ids.claim(name);
            if renamed {
                self.reader.push(
                    Code::DuplicateForeignId,
                    item.span,
                    format!("two pytm data are named `{name}`; this one is imported as `{id}`"),
                );
            }
            let classification = text(item, "classification")
                .map(|c| c.trim_start_matches("Classification.").to_ascii_lowercase());
            assets.push(DataAsset {
                id,
                name: name.to_owned(),
                classification,
                origin: self.reader.origin(item.span),
            });
        }
        assets
    }

    /// Actors and assets; `elements` repeats them (pytm lists every element there), so it only
    /// adds elements that neither list has.
    fn elements(&mut self, root: &Node, data: &[DataAsset]) -> Vec<Element> {
        let mut processed_by: HashMap<&str, Vec<&str>> = HashMap::new();
        for (asset, item) in
            data.iter().zip(items(root, "data").iter().filter(|item| text(item, "name").is_some()))
        {
            for element in texts(item, "processedBy") {
                processed_by.entry(element).or_default().push(asset.name.as_str());
            }
        }
        let mut ids = IdPool::hash_suffixed();
        let mut seen_names = HashSet::new();
        let mut elements = Vec::new();
        for (list, default_kind) in [
            ("actors", ElementKind::ExternalEntity),
            ("assets", ElementKind::Process),
            ("elements", ElementKind::Process),
        ] {
            let listed: Vec<&Node> = items(root, list).iter().collect();
            let mut seen_here = HashSet::new();
            for item in listed {
                let class = text(item, "__class__");
                if list == "elements"
                    && (matches!(class, Some("Dataflow" | "Boundary"))
                        || text(item, "name").is_some_and(|n| seen_names.contains(n)))
                {
                    continue;
                }
                if let Some(name) = text(item, "name") {
                    seen_here.insert(name.to_owned());
                }
                let Some((id, name)) = self.claim(&mut ids, item, "element") else { continue };
                let kind = match class {
                    Some("Actor" | "ExternalEntity") => ElementKind::ExternalEntity,
                    Some("Datastore") => ElementKind::DataStore,
                    Some(_) => ElementKind::Process,
                    None => default_kind,
                };
                let mut held: Vec<String> =
                    texts(item, "data").into_iter().map(str::to_owned).collect();
                for asset in processed_by.get(name.as_str()).into_iter().flatten() {
                    if !held.iter().any(|h| h == asset) {
                        held.push((*asset).to_owned());
                    }
                }
                if let Some(boundary) = text(item, "inBoundary") {
                    let span = field_span(item, "inBoundary");
                    self.members.push((boundary.to_owned(), id.clone(), span));
                }
                elements.push(Element {
                    id,
                    name,
                    kind,
                    internet_facing: false,
                    data: held,
                    origin: self.reader.origin(item.span),
                });
            }
            seen_names.extend(seen_here);
        }
        elements
    }

    /// Boundaries with the elements whose `inBoundary` names them, then the boundaries nested in them.
    fn boundaries(&mut self, root: &Node) -> Vec<TrustBoundary> {
        let mut ids = IdPool::hash_suffixed();
        let mut boundaries = Vec::new();
        let mut nested = Vec::new();
        for item in items(root, "boundaries") {
            let Some((id, name)) = self.claim(&mut ids, item, "boundary") else { continue };
            if let Some(parent) = text(item, "inBoundary") {
                nested.push((parent.to_owned(), id.clone(), item.span));
            }
            boundaries.push(TrustBoundary {
                id,
                name,
                elements: Vec::new(),
                origin: self.reader.origin(item.span),
            });
        }
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (index, boundary) in boundaries.iter().enumerate() {
            by_name.entry(boundary.name.clone()).or_insert(index);
        }
        let members = std::mem::take(&mut self.members);
        place_in_boundaries(
            &mut boundaries,
            &by_name,
            members,
            &mut self.reader,
            |element, boundary| {
                format!(
                    "the element `{element}` is in boundary `{boundary}`, which the model does not list"
                )
            },
        );
        place_in_boundaries(
            &mut boundaries,
            &by_name,
            nested,
            &mut self.reader,
            |child, parent| {
                format!(
                    "the boundary `{child}` is in boundary `{parent}`, which the model does not list"
                )
            },
        );
        boundaries
    }

    /// Flows between known elements; the protocol is left out (see the module doc).
    fn flows(&mut self, root: &Node, elements: &[Element]) -> Vec<Flow> {
        let by_name: HashMap<&str, &ElementId> =
            elements.iter().map(|e| (e.name.as_str(), &e.id)).collect();
        let mut ids = IdPool::hash_suffixed();
        let mut flows = Vec::new();
        for item in items(root, "flows") {
            let source = self.flow_end(item, "source", &by_name);
            let target = self.flow_end(item, "sink", &by_name);
            let (Some(source), Some(target)) = (source, target) else { continue };
            let Some((id, name)) = self.claim(&mut ids, item, "flow") else { continue };
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

    /// The element at one end of a flow, or a diagnostic.
    fn flow_end(
        &mut self,
        flow: &Node,
        end: &str,
        by_name: &HashMap<&str, &ElementId>,
    ) -> Option<ElementId> {
        let name = text(flow, end);
        if let Some(id) = name.and_then(|n| by_name.get(n)) {
            return Some((*id).clone());
        }
        let span = field_span(flow, end);
        let flow_name = text(flow, "name").unwrap_or("?");
        self.reader.push(Code::ForeignDanglingReference, span, format!("the flow `{flow_name}` has {end} `{}`, which is not an element; the flow is left out", name.unwrap_or("")));
        None
    }

    /// The findings of one list as threats; `excluded_findings` become `not_applicable`.
    fn findings(&mut self, root: &Node, list: &str, ids: &mut IdPool) -> Vec<Threat> {
        let excluded = list == "excluded_findings";
        let mut threats = Vec::new();
        for finding in items(root, list) {
            let (Some(threat_id), Some(target)) =
                (text(finding, "threat_id"), text(finding, "target"))
            else {
                self.reader.push(
                    Code::MissingField,
                    finding.span,
                    "a pytm finding without `threat_id` or `target` is left out",
                );
                continue;
            };
            let wanted = format!("{threat_id}@{target}");
            let Some(id) = ids.claim_reported::<ThreatId>(
                &mut self.reader,
                &wanted,
                finding.span,
                || Some(format!("the finding `{wanted}` gives no usable id; it is left out")),
                |id| format!("pytm found `{threat_id}` on `{target}` more than once; this finding is imported as `{id}`"),
            ) else {
                continue;
            };
            let severity_raw = text(finding, "severity").unwrap_or_default().to_owned();
            let severity = map_severity(&severity_raw).unwrap_or_else(|| {
                self.reader.push_with_help(
                    Code::UnknownSeverity,
                    field_span(finding, "severity"),
                    format!("`{severity_raw}` is not a pytm severity; the threat's severity is `unknown`"),
                    "pytm severities: Very High, High, Medium, Low, Very Low",
                );
                Severity::Unknown
            });
            let (status, status_raw) = if excluded {
                (ThreatStatus::NotApplicable, "excluded".to_owned())
            } else {
                let response = text(finding, "response").unwrap_or_default().to_owned();
                let status = map_response(&response).unwrap_or_else(|| {
                    self.reader.push_with_help(
                        Code::UnknownStatus,
                        field_span(finding, "response"),
                        format!("the response `{response}` is not one pytm documents; the threat's status is `unknown`"),
                        "pytm responses: mitigated, transferred, avoided, accepted (empty: open)",
                    );
                    ThreatStatus::Unknown
                });
                (status, response)
            };
            let title = text(finding, "description").unwrap_or(threat_id).to_owned();
            threats.push(Threat {
                description: text(finding, "details").map(str::to_owned),
                cwes: cwes(finding),
                elements: self.names.get(target).cloned().into_iter().collect(),
                status,
                status_raw,
                severity,
                severity_raw,
                likelihood: text(finding, "likelihood").and_then(map_likelihood),
                ..foreign::threat(id, title, self.reader.origin(finding.span))
            });
            if !self.names.contains_key(target) {
                let span = field_span(finding, "target");
                self.reader.push(Code::ForeignDanglingReference, span, format!("the finding's target `{target}` is not an element, flow or boundary of the model"));
            }
        }
        threats
    }
}

#[cfg(test)]
mod tests;
