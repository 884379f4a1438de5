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
use super::threagile::shared::{UniqueIds, claim_id, items, text, texts};
use crate::decode::parse_cwe;
use crate::diag::{Code, Diagnostic, FileId, Span};
use crate::model::{
    DataAsset, Element, ElementId, ElementKind, Flow, Level, Origin, Severity, SourceFormat,
    Threat, ThreatId, ThreatModel, ThreatStatus, TrustBoundary,
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
    let mut model = super::empty_model(input, SourceFormat::Pytm);
    let mut diagnostics = Vec::new();
    let Some(root) = input.node else {
        return (model, diagnostics);
    };
    let mut reader = Reader {
        file: input.file,
        diagnostics: &mut diagnostics,
        names: HashMap::new(),
        members: Vec::new(),
    };
    model.title = text(root, "name").unwrap_or_default().to_owned();
    model.data_assets = reader.data(root);
    model.elements = reader.elements(root, &model.data_assets);
    model.boundaries = reader.boundaries(root);
    model.flows = reader.flows(root, &model.elements);
    let mut ids = UniqueIds::default();
    let mut threats = reader.findings(root, "findings", &mut ids);
    threats.extend(reader.findings(root, "excluded_findings", &mut ids));
    model.threats = threats;
    (model, diagnostics)
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

struct Reader<'d> {
    file: FileId,
    diagnostics: &'d mut Vec<Diagnostic>,
    /// Names of elements, flows and boundaries to their ids (first one wins), for finding targets.
    names: HashMap<String, ElementId>,
    /// Elements and boundaries with the name of the boundary they sit in (`inBoundary`).
    members: Vec<(String, ElementId, Span)>,
}

impl Reader<'_> {
    fn report(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(code, self.file, span, message));
    }

    fn origin(&self, span: Span) -> Origin {
        Origin { file: self.file, span }
    }

    /// Claims an id for a named thing; reports a nameless or repeated one.
    fn claim(
        &mut self,
        ids: &mut UniqueIds,
        item: &Node,
        what: &str,
    ) -> Option<(ElementId, String)> {
        let Some(name) = text(item, "name") else {
            self.report(
                Code::MissingField,
                item.span,
                format!("a pytm {what} without a `name` is left out"),
            );
            return None;
        };
        let Some((id, renamed)) = claim_id::<ElementId>(ids, name) else {
            self.report(
                Code::InvalidId,
                item.span,
                format!("the pytm {what} `{name}` has a name that cannot be an id; it is left out"),
            );
            return None;
        };
        if renamed {
            self.report(
                Code::DuplicateForeignId,
                item.span,
                format!("two pytm {what}s are named `{name}`; this one is imported as `{id}`"),
            );
        }
        self.names.entry(name.to_owned()).or_insert_with(|| id.clone());
        Some((id, name.to_owned()))
    }

    fn data(&mut self, root: &Node) -> Vec<DataAsset> {
        let mut ids = UniqueIds::default();
        let mut assets = Vec::new();
        for item in items(root, "data") {
            let Some(name) = text(item, "name") else { continue };
            let (id, renamed) = ids.claim(name);
            if renamed {
                self.report(
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
                origin: self.origin(item.span),
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
        let mut ids = UniqueIds::default();
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
                    let span = item.get("inBoundary").map_or(item.span, |n| n.span);
                    self.members.push((boundary.to_owned(), id.clone(), span));
                }
                elements.push(Element {
                    id,
                    name,
                    kind,
                    internet_facing: false,
                    data: held,
                    origin: self.origin(item.span),
                });
            }
            seen_names.extend(seen_here);
        }
        elements
    }

    /// Boundaries with the elements whose `inBoundary` names them, then the boundaries nested in them.
    fn boundaries(&mut self, root: &Node) -> Vec<TrustBoundary> {
        let mut ids = UniqueIds::default();
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
                origin: self.origin(item.span),
            });
        }
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (index, boundary) in boundaries.iter().enumerate() {
            by_name.entry(boundary.name.clone()).or_insert(index);
        }
        for (boundary, element, span) in std::mem::take(&mut self.members) {
            match by_name.get(&boundary) {
                Some(&index) => boundaries[index].elements.push(element),
                None => self.report(Code::ForeignDanglingReference, span, format!("the element `{element}` is in boundary `{boundary}`, which the model does not list")),
            }
        }
        for (parent, child, span) in nested {
            match by_name.get(&parent) {
                Some(&index) => boundaries[index].elements.push(child),
                None => self.report(Code::ForeignDanglingReference, span, format!("the boundary `{child}` is in boundary `{parent}`, which the model does not list")),
            }
        }
        boundaries
    }

    /// Flows between known elements; the protocol is left out (see the module doc).
    fn flows(&mut self, root: &Node, elements: &[Element]) -> Vec<Flow> {
        let by_name: HashMap<&str, &ElementId> =
            elements.iter().map(|e| (e.name.as_str(), &e.id)).collect();
        let mut ids = UniqueIds::default();
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
                origin: self.origin(item.span),
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
        let span = flow.get(end).map_or(flow.span, |n| n.span);
        let flow_name = text(flow, "name").unwrap_or("?");
        self.report(Code::ForeignDanglingReference, span, format!("the flow `{flow_name}` has {end} `{}`, which is not an element; the flow is left out", name.unwrap_or("")));
        None
    }

    /// The findings of one list as threats; `excluded_findings` become `not_applicable`.
    fn findings(&mut self, root: &Node, list: &str, ids: &mut UniqueIds) -> Vec<Threat> {
        let excluded = list == "excluded_findings";
        let mut threats = Vec::new();
        for finding in items(root, list) {
            let (Some(threat_id), Some(target)) =
                (text(finding, "threat_id"), text(finding, "target"))
            else {
                self.report(
                    Code::MissingField,
                    finding.span,
                    "a pytm finding without `threat_id` or `target` is left out",
                );
                continue;
            };
            let wanted = format!("{threat_id}@{target}");
            let Some((id, renamed)) = claim_id::<ThreatId>(ids, &wanted) else {
                self.report(
                    Code::InvalidId,
                    finding.span,
                    format!("the finding `{wanted}` gives no usable id; it is left out"),
                );
                continue;
            };
            if renamed {
                self.report(Code::DuplicateForeignId, finding.span, format!("pytm found `{threat_id}` on `{target}` more than once; this finding is imported as `{id}`"));
            }
            let severity_raw = text(finding, "severity").unwrap_or_default().to_owned();
            let severity = map_severity(&severity_raw).unwrap_or_else(|| {
                let span = finding.get("severity").map_or(finding.span, |n| n.span);
                self.diagnostics.push(
                    Diagnostic::new(Code::UnknownSeverity, self.file, span, format!("`{severity_raw}` is not a pytm severity; the threat's severity is `unknown`"))
                        .with_help("pytm severities: Very High, High, Medium, Low, Very Low"),
                );
                Severity::Unknown
            });
            let (status, status_raw) = if excluded {
                (ThreatStatus::NotApplicable, "excluded".to_owned())
            } else {
                let response = text(finding, "response").unwrap_or_default().to_owned();
                let status = map_response(&response).unwrap_or_else(|| {
                    let span = finding.get("response").map_or(finding.span, |n| n.span);
                    self.diagnostics.push(
                        Diagnostic::new(Code::UnknownStatus, self.file, span, format!("the response `{response}` is not one pytm documents; the threat's status is `unknown`"))
                            .with_help("pytm responses: mitigated, transferred, avoided, accepted (empty: open)"),
                    );
                    ThreatStatus::Unknown
                });
                (status, response)
            };
            threats.push(Threat {
                id,
                title: text(finding, "description").unwrap_or(threat_id).to_owned(),
                description: text(finding, "details").map(str::to_owned),
                stride: Vec::new(),
                cwes: cwes(finding),
                elements: self.names.get(target).cloned().into_iter().collect(),
                status,
                status_raw,
                severity,
                severity_raw,
                likelihood: text(finding, "likelihood").and_then(map_likelihood),
                impact: None,
                cvss: None,
                owner: None,
                ticket: None,
                created: None,
                updated: None,
                controls: Vec::new(),
                origin: self.origin(finding.span),
            });
            if !self.names.contains_key(target) {
                let span = finding.get("target").map_or(finding.span, |n| n.span);
                self.report(Code::ForeignDanglingReference, span, format!("the finding's target `{target}` is not an element, flow or boundary of the model"));
            }
        }
        threats
    }
}

#[cfg(test)]
mod tests;
