//! Threagile YAML (with its `risks.json` when given): technical assets, data assets,
//! communication links, trust boundaries, individual risk categories and `risk_tracking`.
//!
//! Mapping (threat-modeling-anchors.md §3.1):
//! - technical assets → elements (`type`: external-entity, process, datastore), `internet` →
//!   internet-facing, processed and stored data assets → element data;
//! - communication links (nested under their source asset) → flows with Threagile's id
//!   `<source-asset-id>><slug of the link title>`;
//! - trust boundaries → boundaries; their elements are the assets inside, then the ids of the
//!   nested boundaries (`trust_boundaries_nested`), so nesting survives the import;
//! - shared runtimes are not imported, nor are `includes` followed (a note says so);
//! - the risks of individual risk categories and, with `risks.json`, every generated risk →
//!   threats with Threagile's synthetic ids, CWE and STRIDE of their category, severity
//!   (elevated → high), exploitation likelihood/impact, and the status of `risk_tracking`.

mod risks_json;
mod rules;
mod tracking;

use std::collections::{HashMap, HashSet};

use self::tracking::read_tracking;
use super::ImportInput;
use super::foreign::{
    self, IdPool, Reader, entries, entry_span, items, parse_ref, strip_tags, text, without_tree,
};
use crate::decode::{parse_cwe, parse_date};
use crate::diag::{Code, Diagnostic, Span};
use crate::model::{
    DataAsset, Element, ElementId, ElementKind, Flow, Level, Origin, Severity, SourceFormat,
    Stride, Threat, ThreatId, ThreatModel, ThreatStatus, TrustBoundary,
};
use crate::syntax::{Key, Node};

/// Threagile models have a `threagile_version` or a `technical_assets` mapping.
pub(crate) fn looks_like(node: &Node) -> Result<(), String> {
    if node.as_map().is_none() {
        return Err("not a mapping".to_owned());
    }
    if node.get("threagile_version").is_some()
        || node.get("technical_assets").is_some_and(|n| n.as_map().is_some())
    {
        Ok(())
    } else {
        Err("no `threagile_version` and no `technical_assets` mapping".to_owned())
    }
}

/// Imports a Threagile model, plus `input.companion` as its `risks.json` when given.
pub(crate) fn import(input: &ImportInput<'_>) -> (ThreatModel, Vec<Diagnostic>) {
    let Some(root) = input.node else {
        return without_tree(input, SourceFormat::Threagile, None);
    };
    let mut model = super::empty_model(input, SourceFormat::Threagile);
    let mut importer = Importer { reader: Reader::new(input.file) };
    model.title = text(root, "title").unwrap_or_default().to_owned();
    model.reviewed = text(root, "date").and_then(parse_date);
    model.data_assets = importer.data_assets(root);
    let data_ids: HashSet<&str> = model.data_assets.iter().map(|d| d.id.as_str()).collect();
    let (elements, links) = importer.technical_assets(root, &data_ids);
    model.elements = elements;
    model.flows = importer.flows(links, &model.elements);
    model.boundaries = importer.trust_boundaries(root, &model.elements);
    importer.shared_runtimes(root);
    importer.includes(root);

    let mut tracking = read_tracking(root, &mut importer.reader);
    let mut threat_ids = IdPool::hash_suffixed();
    let known = Known::new(&model);
    let (categories, mut threats) = importer.individual_risks(root, &known, &mut threat_ids);
    match input.companion {
        Some(companion) => {
            let from_model: HashSet<String> =
                threats.iter().map(|(synthetic, _)| synthetic.clone()).collect();
            let (more, more_diagnostics) = risks_json::read(
                input.files,
                companion,
                &categories,
                &from_model,
                &known,
                &mut threat_ids,
            );
            threats.extend(more);
            importer.reader.diagnostics.extend(more_diagnostics);
        }
        None => {
            importer.reader.push_with_help(
                Code::ThreagileRisksMissing,
                Span::new(0, 0),
                "Threagile's risks.json was not found, so only the risks of `individual_risk_categories` were imported",
                "run `threagile analyze-model` and put risks.json beside the model, or pass `--risks FILE`",
            );
        }
    }
    for (synthetic_id, threat) in &mut threats {
        tracking.apply(synthetic_id, threat);
    }
    if input.companion.is_some() && !tracking.is_empty() {
        tracking.report_orphans(&mut importer.reader);
    }
    model.threats = threats.into_iter().map(|(_, threat)| threat).collect();
    (model, importer.reader.diagnostics)
}

/// An individual risk category written in the model.
#[derive(Debug, Clone)]
pub(super) struct Category {
    title: String,
    description: Option<String>,
    stride: Vec<Stride>,
    cwes: Vec<u32>,
}

impl Category {
    /// Gives a threat the category's STRIDE, CWE and description.
    pub(super) fn describe(&self, threat: &mut Threat) {
        threat.stride.clone_from(&self.stride);
        threat.cwes.clone_from(&self.cwes);
        threat.description = Some(match &self.description {
            Some(description) => format!("{}: {description}", self.title),
            None => self.title.clone(),
        });
    }
}

/// The ids a risk may point at, to keep only references that resolve.
pub(super) struct Known {
    elements: HashMap<String, ElementId>,
    flows: HashMap<String, ElementId>,
    boundaries: HashMap<String, ElementId>,
}

impl Known {
    fn new(model: &ThreatModel) -> Self {
        let index = |ids: Vec<&ElementId>| {
            ids.into_iter().map(|id| (id.as_str().to_owned(), id.clone())).collect()
        };
        Self {
            elements: index(model.elements.iter().map(|e| &e.id).collect()),
            flows: index(model.flows.iter().map(|f| &f.id).collect()),
            boundaries: index(model.boundaries.iter().map(|b| &b.id).collect()),
        }
    }

    /// The affected elements of a risk from its `most_relevant_*` fields (technical asset,
    /// communication link, trust boundary), in that order; unknown ids are left out.
    fn affected(&self, risk: &Node) -> Vec<ElementId> {
        let mut affected = Vec::new();
        let lookups = [
            ("most_relevant_technical_asset", &self.elements),
            ("most_relevant_communication_link", &self.flows),
            ("most_relevant_trust_boundary", &self.boundaries),
        ];
        for (field, ids) in lookups {
            if let Some(id) = text(risk, field).and_then(|raw| ids.get(raw)) {
                affected.push(id.clone());
            }
        }
        affected
    }
}

/// Threagile's synthetic risk id: the category, then the most relevant technical asset,
/// communication link, trust boundary, shared runtime and data asset that are present.
fn synthetic_id(category: &str, risk: &Node) -> String {
    let mut id = category.to_owned();
    for field in [
        "most_relevant_technical_asset",
        "most_relevant_communication_link",
        "most_relevant_trust_boundary",
        "most_relevant_shared_runtime",
        "most_relevant_data_asset",
    ] {
        if let Some(part) = text(risk, field) {
            id.push('@');
            id.push_str(part);
        }
    }
    id
}

/// Threagile's slug of a communication-link title: lowercase, every run of characters other
/// than ASCII letters and digits becomes one `-`, and `-`/space are trimmed from the ends.
pub(super) fn slug(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    let mut in_gap = false;
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
            in_gap = false;
        } else if !in_gap {
            slug.push('-');
            in_gap = true;
        }
    }
    slug.trim_matches(|c| c == '-' || c == ' ').to_owned()
}

/// Maps a Threagile severity (critical, high, elevated, medium, low).
pub(super) fn map_severity(raw: &str) -> Option<Severity> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" | "elevated" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        _ => return None,
    })
}

/// Maps Threagile's exploitation likelihood (unlikely, likely, very-likely, frequent).
pub(super) fn map_likelihood(raw: &str) -> Option<Level> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "unlikely" => Level::Low,
        "likely" => Level::Medium,
        "very-likely" => Level::High,
        "frequent" => Level::VeryHigh,
        _ => return None,
    })
}

/// Maps Threagile's exploitation impact (low, medium, high, very-high).
pub(super) fn map_impact(raw: &str) -> Option<Level> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "low" => Level::Low,
        "medium" => Level::Medium,
        "high" => Level::High,
        "very-high" => Level::VeryHigh,
        _ => return None,
    })
}

fn map_stride(raw: &str) -> Option<Stride> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "spoofing" => Stride::Spoofing,
        "tampering" => Stride::Tampering,
        "repudiation" => Stride::Repudiation,
        "information-disclosure" => Stride::InformationDisclosure,
        "denial-of-service" => Stride::DenialOfService,
        "elevation-of-privilege" => Stride::ElevationOfPrivilege,
        _ => return None,
    })
}

/// Builds a threat for one risk (from the model or from risks.json) before tracking is applied.
/// Unknown severities become `unknown` with a warning at the severity's span.
pub(super) fn risk_threat(
    id: ThreatId,
    risk: &Node,
    origin: Origin,
    known: &Known,
    reader: &mut Reader,
) -> Threat {
    let severity_raw = text(risk, "severity").unwrap_or_default().to_owned();
    let severity = map_severity(&severity_raw).unwrap_or_else(|| {
        let span = risk.get("severity").map_or(origin.span, |n| n.span);
        reader.push_with_help(
            Code::UnknownSeverity,
            span,
            format!(
                "`{severity_raw}` is not a Threagile severity; the risk's severity is `unknown`"
            ),
            "Threagile severities: low, medium, elevated, high, critical",
        );
        Severity::Unknown
    });
    let title = text(risk, "title").map(strip_tags).unwrap_or_default();
    Threat {
        elements: known.affected(risk),
        status: ThreatStatus::Identified,
        status_raw: "unchecked".to_owned(),
        severity,
        severity_raw,
        likelihood: text(risk, "exploitation_likelihood").and_then(map_likelihood),
        impact: text(risk, "exploitation_impact").and_then(map_impact),
        ..foreign::threat(id, title, origin)
    }
}

/// Claims a unique threat id for a synthetic risk id, reporting a repeat.
pub(super) fn claim_threat_id(
    ids: &mut IdPool,
    synthetic_id: &str,
    span: Span,
    reader: &mut Reader,
) -> Option<ThreatId> {
    ids.claim_reported(
        reader,
        synthetic_id,
        span,
        || Some("the risk has no usable synthetic id; it is left out".to_owned()),
        |id| format!("the synthetic risk id `{synthetic_id}` is used twice; this risk is imported as `{id}`"),
    )
}

/// A communication link before its target is checked.
struct Link {
    id: ElementId,
    name: String,
    source: ElementId,
    target: Option<(String, Span)>,
    protocol: Option<String>,
    origin: Origin,
}

/// Reads the parts of one Threagile model.
struct Importer {
    reader: Reader,
}

impl Importer {
    /// The entries of a top-level mapping, reporting a value of the wrong kind.
    fn section<'n>(&mut self, root: &'n Node, key: &str) -> &'n [(Key, Node)] {
        self.reader.map(root, key).and_then(Node::as_map).unwrap_or(&[])
    }

    /// The `id` of a titled entry, or a diagnostic.
    fn entry_id(&mut self, key: &Key, value: &Node, what: &str) -> Option<String> {
        let id = text(value, "id").map(str::to_owned);
        if id.is_none() {
            self.reader.push(
                Code::MissingField,
                key.span,
                format!("the {what} `{}` has no `id`; it is left out", key.text),
            );
        }
        id
    }

    /// A unique element id for the entry `key` with the id `raw_id`, or a diagnostic.
    fn claim(
        &mut self,
        ids: &mut IdPool,
        key: &Key,
        raw_id: &str,
        what: &str,
    ) -> Option<ElementId> {
        ids.claim_reported(
            &mut self.reader,
            raw_id,
            key.span,
            || Some(format!("the {what} `{}` has an unusable id; it is left out", key.text)),
            |id| format!("the {what} id `{raw_id}` is used twice; this one is imported as `{id}`"),
        )
    }

    fn data_assets(&mut self, root: &Node) -> Vec<DataAsset> {
        let mut ids = IdPool::hash_suffixed();
        let mut assets = Vec::new();
        for (key, value) in self.section(root, "data_assets") {
            let Some(id) = self.entry_id(key, value, "data asset") else { continue };
            if ids.claim(&id).1 {
                self.reader.push(
                    Code::DuplicateForeignId,
                    key.span,
                    format!("the data asset id `{id}` is used twice; the later one is left out"),
                );
                continue;
            }
            let classification = text(value, "confidentiality").map(str::to_owned);
            assets.push(DataAsset {
                id,
                name: key.text.clone().into_owned(),
                classification,
                origin: self.reader.origin(entry_span(key, value)),
            });
        }
        assets
    }

    fn technical_assets(
        &mut self,
        root: &Node,
        data_ids: &HashSet<&str>,
    ) -> (Vec<Element>, Vec<Link>) {
        let mut ids = IdPool::hash_suffixed();
        let mut elements = Vec::new();
        let mut links = Vec::new();
        for (key, value) in self.section(root, "technical_assets") {
            let Some(raw_id) = self.entry_id(key, value, "technical asset") else { continue };
            let Some(id) = self.claim(&mut ids, key, &raw_id, "technical asset") else { continue };
            let kind = match text(value, "type") {
                Some("external-entity") => ElementKind::ExternalEntity,
                Some("datastore") => ElementKind::DataStore,
                Some("process") => ElementKind::Process,
                other => {
                    let span = value.get("type").map_or(key.span, |n| n.span);
                    let found =
                        other.map_or_else(|| "no type".to_owned(), |t| format!("type `{t}`"));
                    self.reader.push(
                        Code::InvalidValue,
                        span,
                        format!(
                            "the technical asset `{}` has {found}; it is imported as a process",
                            key.text
                        ),
                    );
                    ElementKind::Process
                }
            };
            let mut data: Vec<String> = Vec::new();
            let listed = items(value, "data_assets_processed")
                .iter()
                .chain(items(value, "data_assets_stored"));
            for item in listed {
                let Some(asset) = item.scalar_text().map(str::trim) else { continue };
                if !data_ids.contains(asset) {
                    self.reader.push(
                        Code::ForeignDanglingReference,
                        item.span,
                        format!("the technical asset `{}` names data asset `{asset}`, which is not defined", key.text),
                    );
                } else if !data.iter().any(|d| d == asset) {
                    data.push(asset.to_owned());
                }
            }
            links.extend(self.links(&id, value));
            elements.push(Element {
                id,
                name: key.text.clone().into_owned(),
                kind,
                internet_facing: value.get("internet").and_then(Node::as_bool).unwrap_or(false),
                data,
                origin: self.reader.origin(entry_span(key, value)),
            });
        }
        (elements, links)
    }

    fn links(&mut self, source: &ElementId, asset: &Node) -> Vec<Link> {
        let mut links = Vec::new();
        for (key, value) in entries(asset, "communication_links") {
            let wanted = format!("{source}>{}", slug(&key.text));
            let Some(id) = parse_ref::<ElementId>(&wanted) else {
                self.reader.push(
                    Code::InvalidId,
                    key.span,
                    format!(
                        "the communication link `{}` gives no usable id; it is left out",
                        key.text
                    ),
                );
                continue;
            };
            let target = value
                .get("target")
                .and_then(|n| n.scalar_text().map(|t| (t.trim().to_owned(), n.span)));
            links.push(Link {
                id,
                name: key.text.clone().into_owned(),
                source: source.clone(),
                target,
                protocol: text(value, "protocol").map(str::to_owned),
                origin: self.reader.origin(entry_span(key, value)),
            });
        }
        links
    }

    /// Keeps the links whose target exists and whose id is unique.
    fn flows(&mut self, links: Vec<Link>, elements: &[Element]) -> Vec<Flow> {
        let by_id: HashMap<&str, &ElementId> =
            elements.iter().map(|e| (e.id.as_str(), &e.id)).collect();
        let mut ids = IdPool::hash_suffixed();
        let mut flows = Vec::new();
        for link in links {
            let Some((target_raw, target_span)) = link.target else {
                self.reader.push(
                    Code::MissingField,
                    link.origin.span,
                    format!(
                        "the communication link `{}` has no `target`; it is left out",
                        link.name
                    ),
                );
                continue;
            };
            let Some(target) = by_id.get(target_raw.as_str()) else {
                self.reader.push(Code::ForeignDanglingReference, target_span, format!("the communication link `{}` targets `{target_raw}`, which is not a technical asset; it is left out", link.name));
                continue;
            };
            if ids.claim(link.id.as_str()).1 {
                self.reader.push(Code::DuplicateForeignId, link.origin.span, format!("two communication links of `{}` have the id `{}`; the later one is left out", link.source, link.id));
                continue;
            }
            flows.push(Flow {
                id: link.id,
                name: link.name,
                source: link.source,
                target: (*target).clone(),
                protocol: link.protocol,
                origin: link.origin,
            });
        }
        flows
    }

    fn trust_boundaries(&mut self, root: &Node, elements: &[Element]) -> Vec<TrustBoundary> {
        let assets: HashMap<&str, &ElementId> =
            elements.iter().map(|e| (e.id.as_str(), &e.id)).collect();
        let mut ids = IdPool::hash_suffixed();
        let mut boundaries = Vec::new();
        let mut nested: Vec<Vec<(String, Span)>> = Vec::new();
        for (key, value) in self.section(root, "trust_boundaries") {
            let Some(raw_id) = self.entry_id(key, value, "trust boundary") else { continue };
            let Some(id) = self.claim(&mut ids, key, &raw_id, "trust boundary") else { continue };
            let mut inside = Vec::new();
            for item in items(value, "technical_assets_inside") {
                let Some(raw) = item.scalar_text().map(str::trim) else { continue };
                match assets.get(raw) {
                    Some(asset) => inside.push((*asset).clone()),
                    None => self.reader.push(Code::ForeignDanglingReference, item.span, format!("the trust boundary `{}` contains `{raw}`, which is not a technical asset", key.text)),
                }
            }
            nested.push(
                items(value, "trust_boundaries_nested")
                    .iter()
                    .filter_map(|n| n.scalar_text().map(|t| (t.trim().to_owned(), n.span)))
                    .collect(),
            );
            boundaries.push(TrustBoundary {
                id,
                name: key.text.clone().into_owned(),
                elements: inside,
                origin: self.reader.origin(entry_span(key, value)),
            });
        }
        let boundary_ids: HashMap<String, ElementId> =
            boundaries.iter().map(|b| (b.id.as_str().to_owned(), b.id.clone())).collect();
        for (boundary, nested) in boundaries.iter_mut().zip(nested) {
            for (raw, span) in nested {
                match boundary_ids.get(&raw) {
                    Some(id) => boundary.elements.push(id.clone()),
                    None => self.reader.push(
                        Code::ForeignDanglingReference,
                        span,
                        format!(
                            "the trust boundary `{}` nests `{raw}`, which is not a trust boundary",
                            boundary.name
                        ),
                    ),
                }
            }
        }
        boundaries
    }

    /// Threagile merges `includes` into the model; we read one file, so we say so.
    fn includes(&mut self, root: &Node) {
        if let Some(node) =
            root.get("includes").filter(|n| n.as_seq().is_some_and(|s| !s.is_empty()))
        {
            self.reader.push(
                Code::NotImported,
                node.span,
                "`includes` are not followed: only this file is read; import the included files too, or merge them into this one",
            );
        }
    }

    fn shared_runtimes(&mut self, root: &Node) {
        let runtimes = self.section(root, "shared_runtimes");
        if let (Some((first, _)), count) = (runtimes.first(), runtimes.len()) {
            let span = root
                .as_map()
                .and_then(|m| m.iter().find(|(k, _)| k.text == "shared_runtimes"))
                .map_or(first.span, |(k, _)| k.span);
            self.reader.push(Code::NotImported, span, format!("{count} shared runtime(s) are not imported: threatokr has no runtime element; their assets and risks are"));
        }
    }

    /// Reads `individual_risk_categories`: the categories by id, and one threat per identified
    /// risk, keyed by its synthetic id.
    fn individual_risks(
        &mut self,
        root: &Node,
        known: &Known,
        ids: &mut IdPool,
    ) -> (HashMap<String, Category>, Vec<(String, Threat)>) {
        let mut categories = HashMap::new();
        let mut threats = Vec::new();
        for (key, value) in self.section(root, "individual_risk_categories") {
            let Some(category_id) = self.entry_id(key, value, "individual risk category") else {
                continue;
            };
            let stride = match text(value, "stride") {
                None => Vec::new(),
                Some(raw) => match map_stride(raw) {
                    Some(stride) => vec![stride],
                    None => {
                        let span = value.get("stride").map_or(key.span, |n| n.span);
                        self.reader.push(Code::InvalidValue, span, format!("`{raw}` is not a STRIDE category; the category's risks get no STRIDE"));
                        Vec::new()
                    }
                },
            };
            let cwes = value
                .get("cwe")
                .and_then(Node::scalar_text)
                .and_then(parse_cwe)
                .into_iter()
                .collect();
            let category = Category {
                title: key.text.clone().into_owned(),
                description: text(value, "description").map(str::to_owned),
                stride,
                cwes,
            };
            for (risk_key, risk) in entries(value, "risks_identified") {
                let synthetic = synthetic_id(&category_id, risk);
                let span = entry_span(risk_key, risk);
                let Some(id) = claim_threat_id(ids, &synthetic, risk_key.span, &mut self.reader)
                else {
                    continue;
                };
                let mut threat =
                    risk_threat(id, risk, self.reader.origin(span), known, &mut self.reader);
                threat.title = strip_tags(&risk_key.text);
                category.describe(&mut threat);
                threats.push((synthetic, threat));
            }
            if categories.insert(category_id.clone(), category).is_some() {
                self.reader.push(Code::DuplicateForeignId, key.span, format!("the individual risk category id `{category_id}` is used twice; the later one describes its risks"));
            }
        }
        (categories, threats)
    }
}

#[cfg(test)]
mod tests;
