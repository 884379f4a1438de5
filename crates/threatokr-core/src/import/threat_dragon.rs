//! OWASP Threat Dragon models: v2 JSON (AntV X6 cells, the semantic part under `data`) and
//! v1 JSON (JointJS cells under `diagramJson`, properties on the cell itself).
//!
//! Mapping, for both versions:
//! - cells by shape (v2 `shape`, v1 `type`): actor → external_entity, process → process,
//!   store → data_store, flow → a flow between the cells its ends are attached to, trust boundary
//!   boxes and curves → boundaries (a box holds the elements whose centre lies inside it; a curve
//!   is a line and holds nothing), text blocks are skipped;
//! - threats: id as written (v1 threats have none: `<cell id>#<n>`, n counting from 1 in the
//!   cell's list); elements = the cell when it was imported as an element or flow;
//!   status Open → identified, Mitigated/Eliminated → mitigated, Accepted, Transferred, Avoided
//!   as is, NotApplicable / "Not Applicable" → not_applicable, anything else → unknown with a
//!   warning; severity Critical/High/Medium/Low as is, TBD or empty → unknown, anything else →
//!   unknown with a warning; STRIDE from `type` (LINDDUN, CIA, ... types give none);
//! - a non-empty `mitigation` text becomes the control `<threat id>-mitigation`, implemented when
//!   the threat is mitigated, planned otherwise.
//!
//! Names are folded to one line (Threat Dragon wraps them with `\n` to fit its boxes).

use std::collections::HashMap;

use super::ImportInput;
use super::foreign::{
    self, IdPool, Reader, field_span, not_a_mapping, one_line, stride_from_name, string,
    without_tree,
};
use crate::diag::{Code, Diagnostic, Span};
use crate::model::{
    Control, ControlStatus, Element, ElementId, ElementKind, Flow, Origin, Severity, SourceFormat,
    Threat, ThreatModel, ThreatStatus, TrustBoundary,
};
use crate::syntax::Node;

pub(crate) fn looks_like_v1(node: &Node) -> Result<(), String> {
    let diagrams = diagrams(node)?;
    if diagrams.iter().any(|d| d.get("diagramJson").is_some())
        || (diagrams.is_empty() && node.get("summary").is_some() && node.get("version").is_none())
    {
        Ok(())
    } else {
        Err("no `detail.diagrams[].diagramJson` (where Threat Dragon v1 keeps its JointJS cells)"
            .to_owned())
    }
}

pub(crate) fn looks_like_v2(node: &Node) -> Result<(), String> {
    let diagrams = diagrams(node)?;
    let version_2 =
        node.get("version").and_then(Node::scalar_text).is_some_and(|v| v.starts_with('2'));
    if diagrams.iter().any(|d| d.get("cells").is_some()) || (diagrams.is_empty() && version_2) {
        Ok(())
    } else {
        Err("no `detail.diagrams[].cells` (where Threat Dragon v2 keeps its diagram)".to_owned())
    }
}

fn diagrams(node: &Node) -> Result<&[Node], String> {
    if let Some(why) = not_a_mapping(node) {
        return Err(why);
    }
    node.get("detail")
        .and_then(|d| d.get("diagrams"))
        .and_then(Node::as_seq)
        .ok_or_else(|| "no `detail.diagrams` list".to_owned())
}

/// The parts of a cell that matter, read the same way from both versions.
struct Cell<'n> {
    node: &'n Node,
    id: String,
    shape: Shape,
    name: String,
    /// The node holding `threats`, `protocol`, ... (v2 `data`, v1 the cell itself).
    props: &'n Node,
    /// Attached cell ids of a flow's ends.
    ends: (Option<String>, Option<String>),
    /// Position and size of a v2 box, for containment.
    rect: Option<Rect>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Element(ElementKind),
    Flow,
    BoundaryBox,
    BoundaryLine,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

impl Rect {
    fn contains_centre_of(&self, other: &Self) -> bool {
        let (cx, cy) = (other.x + other.width / 2.0, other.y + other.height / 2.0);
        cx >= self.x && cx <= self.x + self.width && cy >= self.y && cy <= self.y + self.height
    }
}

fn shape_of(text: &str) -> Shape {
    match text {
        "actor" | "tm.Actor" => Shape::Element(ElementKind::ExternalEntity),
        "process" | "tm.Process" => Shape::Element(ElementKind::Process),
        "store" | "tm.Store" => Shape::Element(ElementKind::DataStore),
        "flow" | "tm.Flow" => Shape::Flow,
        "trust-boundary-box" | "tm.BoundaryBox" => Shape::BoundaryBox,
        "trust-boundary-curve" | "trust-boundary" | "tm.Boundary" => Shape::BoundaryLine,
        _ => Shape::Other,
    }
}

pub(crate) fn import(input: &ImportInput<'_>) -> (ThreatModel, Vec<Diagnostic>) {
    let Some(root) = input.node else {
        return without_tree(
            input,
            SourceFormat::ThreatDragonV2,
            Some("Threat Dragon models are JSON"),
        );
    };
    let v2 = looks_like_v2(root).is_ok() || looks_like_v1(root).is_err();
    let mut model = super::empty_model(
        input,
        if v2 { SourceFormat::ThreatDragonV2 } else { SourceFormat::ThreatDragonV1 },
    );
    let mut reader = Reader::new(input.file);
    let origin = |span: Span| Origin { file: input.file, span };
    if let Some(summary) = reader.map(root, "summary") {
        model.title = reader.text(summary, "title").map(|t| one_line(&t)).unwrap_or_default();
    }

    let mut cells = Vec::new();
    if let Some(detail) = reader.map(root, "detail") {
        for diagram in reader.list(detail, "diagrams") {
            let cell_nodes = if v2 {
                reader.list(diagram, "cells")
            } else {
                match reader.map(diagram, "diagramJson") {
                    Some(json) => reader.list(json, "cells"),
                    None => &[],
                }
            };
            for (index, node) in cell_nodes.iter().enumerate() {
                if let Some(cell) = read_cell(&mut reader, node, v2, index) {
                    cells.push(cell);
                }
            }
        }
    }

    // Elements first, so that flows and boxes can refer to them whatever the cell order.
    let mut element_ids = IdPool::tilde_suffixed();
    let mut imported: HashMap<String, ElementId> = HashMap::new();
    for cell in &cells {
        if let Shape::Element(kind) = cell.shape {
            let id = element_ids.claim_or_replace(&cell.id, cell.node.span, "cell", &mut reader);
            let Ok(id) = id.parse::<ElementId>() else { continue };
            imported.entry(cell.id.clone()).or_insert_with(|| id.clone());
            model.elements.push(Element {
                id,
                name: cell.name.clone(),
                kind,
                internet_facing: false,
                data: Vec::new(),
                origin: origin(cell.node.span),
            });
        }
    }
    let element_rects: Vec<(ElementId, Rect)> = cells
        .iter()
        .filter(|c| matches!(c.shape, Shape::Element(_)))
        .filter_map(|c| Some((imported.get(&c.id)?.clone(), c.rect?)))
        .collect();
    for cell in &cells {
        match cell.shape {
            Shape::Flow => {
                let source = cell.ends.0.as_ref().and_then(|end| imported.get(end));
                let target = cell.ends.1.as_ref().and_then(|end| imported.get(end));
                let (Some(source), Some(target)) = (source, target) else {
                    let name = if cell.name.is_empty() {
                        String::new()
                    } else {
                        format!(" `{}`", cell.name)
                    };
                    reader.push_with_help(
                        Code::UnattachedFlow,
                        cell.node.span,
                        format!("the data flow{name} is not attached to an element at both ends"),
                        "attach both ends of the arrow to elements in Threat Dragon",
                    );
                    continue;
                };
                let (source, target) = (source.clone(), target.clone());
                let id =
                    element_ids.claim_or_replace(&cell.id, cell.node.span, "cell", &mut reader);
                let Ok(id) = id.parse::<ElementId>() else { continue };
                imported.entry(cell.id.clone()).or_insert_with(|| id.clone());
                let protocol = reader.text(cell.props, "protocol");
                model.flows.push(Flow {
                    id,
                    name: cell.name.clone(),
                    source,
                    target,
                    protocol,
                    origin: origin(cell.node.span),
                });
            }
            Shape::BoundaryBox | Shape::BoundaryLine => {
                let id =
                    element_ids.claim_or_replace(&cell.id, cell.node.span, "cell", &mut reader);
                let Ok(id) = id.parse::<ElementId>() else { continue };
                let elements = match (cell.shape, cell.rect) {
                    (Shape::BoundaryBox, Some(rect)) => element_rects
                        .iter()
                        .filter(|(_, r)| rect.contains_centre_of(r))
                        .map(|(id, _)| id.clone())
                        .collect(),
                    _ => Vec::new(),
                };
                model.boundaries.push(TrustBoundary {
                    id,
                    name: cell.name.clone(),
                    elements,
                    origin: origin(cell.node.span),
                });
            }
            Shape::Element(_) | Shape::Other => {}
        }
    }

    let mut threat_ids = IdPool::tilde_suffixed();
    let mut control_ids = IdPool::tilde_suffixed();
    for cell in &cells {
        let element = imported.get(&cell.id).cloned();
        for (index, node) in reader.list(cell.props, "threats").iter().enumerate() {
            if !reader.is_mapping(node, "threat") {
                continue;
            }
            let wanted =
                reader.text(node, "id").unwrap_or_else(|| format!("{}#{}", cell.id, index + 1));
            let Ok(id) =
                threat_ids.claim_or_replace(&wanted, node.span, "threat", &mut reader).parse()
            else {
                continue;
            };
            let mut threat = read_threat(&mut reader, node, id, element.clone());
            if let Some(mitigation) =
                node.get("mitigation").and_then(Node::as_str).filter(|m| !m.trim().is_empty())
            {
                let wanted = format!("{}-mitigation", threat.id);
                if let Ok(control_id) =
                    control_ids.claim_or_replace(&wanted, node.span, "control", &mut reader).parse()
                {
                    let status = if threat.status.is_mitigated() {
                        ControlStatus::Implemented
                    } else {
                        ControlStatus::Planned
                    };
                    threat.controls.push(control_id);
                    let span = field_span(node, "mitigation");
                    model.controls.push(Control {
                        id: threat.controls[0].clone(),
                        title: mitigation.trim().to_owned(),
                        status,
                        status_raw: String::new(),
                        asvs: Vec::new(),
                        tags: Vec::new(),
                        threats: vec![threat.id.clone()],
                        origin: origin(span),
                    });
                }
            }
            model.threats.push(threat);
        }
    }
    (model, reader.diagnostics)
}

fn read_cell<'n>(reader: &mut Reader, node: &'n Node, v2: bool, index: usize) -> Option<Cell<'n>> {
    if !reader.is_mapping(node, "diagram cell") {
        return None;
    }
    let id = reader.text(node, "id").unwrap_or_else(|| format!("cell-{}", index + 1));
    if v2 {
        let props = reader.map(node, "data").unwrap_or(node);
        let shape_text =
            reader.text(node, "shape").or_else(|| reader.text(props, "type")).unwrap_or_default();
        let shape = shape_of(&shape_text);
        let name = reader.text(props, "name").map(|n| one_line(&n)).unwrap_or_default();
        let end = |key: &str| {
            node.get(key).and_then(|e| e.get("cell")).and_then(Node::scalar_text).map(str::to_owned)
        };
        let rect = rect_of(node.get("position"), node.get("size"));
        Some(Cell { node, id, shape, name, props, ends: (end("source"), end("target")), rect })
    } else {
        let shape = shape_of(&reader.text(node, "type").unwrap_or_default());
        let label = if shape == Shape::Flow {
            node.get("labels")
                .and_then(Node::as_seq)
                .and_then(|l| l.first())
                .and_then(|l| l.get("attrs"))
        } else {
            node.get("attrs")
        };
        let name = label
            .and_then(|a| a.get("text"))
            .and_then(|t| t.get("text"))
            .and_then(Node::as_str)
            .or_else(|| node.get("name").and_then(Node::as_str));
        let name = name.map(one_line).unwrap_or_default();
        let end = |key: &str| {
            node.get(key).and_then(|e| e.get("id")).and_then(Node::scalar_text).map(str::to_owned)
        };
        let rect = rect_of(node.get("position"), node.get("size"));
        Some(Cell {
            node,
            id,
            shape,
            name,
            props: node,
            ends: (end("source"), end("target")),
            rect,
        })
    }
}

fn rect_of(position: Option<&Node>, size: Option<&Node>) -> Option<Rect> {
    let (position, size) = (position?, size?);
    let number = |node: &Node, key: &str| node.get(key).and_then(Node::as_f64);
    Some(Rect {
        x: number(position, "x")?,
        y: number(position, "y")?,
        width: number(size, "width")?,
        height: number(size, "height")?,
    })
}

fn read_threat(
    reader: &mut Reader,
    node: &Node,
    id: crate::model::ThreatId,
    element: Option<ElementId>,
) -> Threat {
    let kind = reader.text(node, "type");
    let title = reader
        .text(node, "title")
        .map(|t| one_line(&t))
        .or_else(|| kind.clone())
        .unwrap_or_else(|| "Untitled threat".to_owned());
    let status_raw = reader.text(node, "status").unwrap_or_default();
    let status = match status_from_raw(&status_raw) {
        Some(status) => status,
        None => {
            let span = field_span(node, "status");
            let message = if status_raw.is_empty() {
                "the threat has no status".to_owned()
            } else {
                format!("`{status_raw}` is not a Threat Dragon threat status")
            };
            reader.push_with_help(Code::UnknownStatus, span, message, "Threat Dragon statuses are Open, Mitigated, Eliminated, Accepted, Transferred, Avoided and NotApplicable; the threat is imported as `unknown`");
            ThreatStatus::Unknown
        }
    };
    let severity_raw = reader.text(node, "severity").unwrap_or_default();
    let severity = match severity_raw.to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        "tbd" | "" => Severity::Unknown,
        _ => {
            let span = field_span(node, "severity");
            reader.push_with_help(Code::UnknownSeverity, span, format!("`{severity_raw}` is not a Threat Dragon severity"), "Threat Dragon severities are TBD, Low, Medium, High and Critical; the threat is imported as `unknown`");
            Severity::Unknown
        }
    };
    Threat {
        description: string(node, "description").map(str::to_owned),
        stride: kind.as_deref().and_then(stride_from_name).into_iter().collect(),
        elements: element.into_iter().collect(),
        status,
        status_raw,
        severity,
        severity_raw,
        ..foreign::threat(id, title, reader.origin(node.span))
    }
}

/// Threat Dragon's seven statuses; v1 files spell one of them "Not Applicable".
fn status_from_raw(raw: &str) -> Option<ThreatStatus> {
    Some(match raw.to_ascii_lowercase().as_str() {
        "open" => ThreatStatus::Identified,
        "mitigated" | "eliminated" => ThreatStatus::Mitigated,
        "accepted" => ThreatStatus::Accepted,
        "transferred" => ThreatStatus::Transferred,
        "avoided" => ThreatStatus::Avoided,
        "notapplicable" | "not applicable" => ThreatStatus::NotApplicable,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
