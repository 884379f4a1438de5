//! AWS Threat Composer workspaces (`.tc.json`, schema 1).
//!
//! Threat Composer has no diagram model (its architecture and data flow are images and prose),
//! so a model from it has threats and controls only.
//! - Threats: `threats[]`, id as written, `statement` as the title (or the threat grammar's
//!   parts when there is no statement); STRIDE from the metadata key `STRIDE` (letters S T R I D E);
//!   severity from the metadata key `Priority` (High, Medium, Low; other values → unknown with a
//!   warning; none → unknown); status threatIdentified or missing → identified, threatResolved →
//!   mitigated, threatResolvedNotUseful → not_applicable, anything else → unknown with a warning.
//! - Mitigations become controls (`content` as the title, `tags` kept), joined to threats through
//!   `mitigationLinks` (`linkedId` = a threat id; links to missing threats or mitigations are
//!   reported and ignored); status mitigationIdentified or missing → planned,
//!   mitigationInProgress → in_progress, mitigationResolved → implemented,
//!   mitigationResolvedWillNotAction → wont_do, anything else → suggested with a warning.

use std::collections::{HashMap, HashSet};

use super::ImportInput;
use super::foreign::{self, IdPool, Reader, field_span, not_a_mapping, one_line, without_tree};
use crate::diag::{Code, Diagnostic, Span};
use crate::model::{
    Control, ControlId, ControlStatus, Origin, Severity, SourceFormat, Stride, Threat, ThreatId,
    ThreatModel, ThreatStatus,
};
use crate::syntax::Node;

pub(crate) fn looks_like(node: &Node) -> Result<(), String> {
    if let Some(why) = not_a_mapping(node) {
        return Err(why);
    }
    let has = |key: &str| node.get(key).is_some();
    let workspace_parts = has("applicationInfo") || has("threats") || has("mitigations");
    if has("mitigationLinks") || has("assumptionLinks") || (has("schema") && workspace_parts) {
        Ok(())
    } else {
        Err("no `mitigationLinks`, `assumptionLinks`, or `schema` with `threats` at the top level"
            .to_owned())
    }
}

pub(crate) fn import(input: &ImportInput<'_>) -> (ThreatModel, Vec<Diagnostic>) {
    let Some(root) = input.node else {
        return without_tree(
            input,
            SourceFormat::ThreatComposer,
            Some("Threat Composer workspaces are JSON"),
        );
    };
    let mut model = super::empty_model(input, SourceFormat::ThreatComposer);
    let mut reader = Reader::new(input.file);
    let origin = |span: Span| Origin { file: input.file, span };
    if let Some(info) = reader.map(root, "applicationInfo") {
        model.title = reader.text(info, "name").map(|t| one_line(&t)).unwrap_or_default();
    }

    let mut threat_ids = IdPool::tilde_suffixed();
    let mut threat_index: HashMap<String, usize> = HashMap::new();
    for (index, node) in reader.list(root, "threats").iter().enumerate() {
        if !reader.is_mapping(node, "threat") {
            continue;
        }
        let wanted = reader
            .text(node, "id")
            .or_else(|| reader.text(node, "numericId").map(|n| format!("threat-{n}")))
            .unwrap_or_else(|| format!("threat-{}", index + 1));
        let Ok(id) = threat_ids
            .claim_or_replace(&wanted, node.span, "threat", &mut reader)
            .parse::<ThreatId>()
        else {
            continue;
        };
        threat_index.entry(wanted).or_insert(model.threats.len());
        let threat = read_threat(&mut reader, node, id, origin(node.span));
        model.threats.push(threat);
    }

    let mut control_ids = IdPool::tilde_suffixed();
    let mut control_index: HashMap<String, usize> = HashMap::new();
    for (index, node) in reader.list(root, "mitigations").iter().enumerate() {
        if !reader.is_mapping(node, "mitigation") {
            continue;
        }
        let wanted = reader
            .text(node, "id")
            .or_else(|| reader.text(node, "numericId").map(|n| format!("mitigation-{n}")))
            .unwrap_or_else(|| format!("mitigation-{}", index + 1));
        let Ok(id) = control_ids
            .claim_or_replace(&wanted, node.span, "mitigation", &mut reader)
            .parse::<ControlId>()
        else {
            continue;
        };
        control_index.entry(wanted).or_insert(model.controls.len());
        let title = reader.text(node, "content").unwrap_or_else(|| id.to_string());
        let status_raw = reader.text(node, "status").unwrap_or_default();
        let status = match status_raw.as_str() {
            "" | "mitigationIdentified" => ControlStatus::Planned,
            "mitigationInProgress" => ControlStatus::InProgress,
            "mitigationResolved" => ControlStatus::Implemented,
            "mitigationResolvedWillNotAction" => ControlStatus::WontDo,
            other => {
                let span = field_span(node, "status");
                reader.push_with_help(Code::UnknownStatus, span, format!("`{other}` is not a Threat Composer mitigation status"), "Threat Composer mitigation statuses are mitigationIdentified, mitigationInProgress, mitigationResolved and mitigationResolvedWillNotAction; the control is imported as `suggested`");
                ControlStatus::Suggested
            }
        };
        let tags = reader
            .list(node, "tags")
            .iter()
            .filter_map(Node::scalar_text)
            .map(str::to_owned)
            .collect();
        model.controls.push(Control {
            id,
            title,
            status,
            status_raw,
            asvs: Vec::new(),
            tags,
            threats: Vec::new(),
            origin: origin(node.span),
        });
    }

    // Seen (control, threat) pairs: a link listed twice counts once, in linear time.
    let mut seen_links: HashSet<(usize, usize)> = HashSet::new();
    for link in reader.list(root, "mitigationLinks") {
        if !reader.is_mapping(link, "mitigation link") {
            continue;
        }
        let mitigation = reader.text(link, "mitigationId").unwrap_or_default();
        let linked = reader.text(link, "linkedId").unwrap_or_default();
        let (Some(&c), Some(&t)) = (control_index.get(&mitigation), threat_index.get(&linked))
        else {
            let missing = if control_index.contains_key(&mitigation) {
                format!("the threat `{linked}`")
            } else {
                format!("the mitigation `{mitigation}`")
            };
            reader.push_with_help(
                Code::DanglingLink,
                link.span,
                format!(
                    "this mitigation link names {missing}, which the workspace does not contain"
                ),
                "Threat Composer keeps links to deleted threats; the link is ignored",
            );
            continue;
        };
        let (control_id, threat_id) = (model.controls[c].id.clone(), model.threats[t].id.clone());
        if seen_links.insert((c, t)) {
            model.controls[c].threats.push(threat_id);
            model.threats[t].controls.push(control_id);
        }
    }
    (model, reader.diagnostics)
}

fn read_threat(reader: &mut Reader, node: &Node, id: ThreatId, origin: Origin) -> Threat {
    let title = reader.text(node, "statement").map(|s| one_line(&s)).unwrap_or_else(|| {
        let parts: Vec<String> = ["threatSource", "prerequisites", "threatAction", "threatImpact"]
            .iter()
            .filter_map(|k| reader.text(node, k))
            .collect();
        if parts.is_empty() { format!("Threat {id}") } else { one_line(&parts.join(" ")) }
    });
    let mut stride = Vec::new();
    let mut priority: Option<(String, Span)> = None;
    for entry in reader.list(node, "metadata") {
        let Some(key) = entry.get("key").and_then(Node::as_str) else { continue };
        let Some(value) = entry.get("value") else { continue };
        match key {
            "STRIDE" => {
                let letters: Vec<&str> = match value.as_seq() {
                    Some(items) => items.iter().filter_map(Node::as_str).collect(),
                    None => value
                        .as_str()
                        .map(|s| s.split(|c: char| c == ',' || c.is_whitespace()).collect())
                        .unwrap_or_default(),
                };
                for letter in letters {
                    let category = match letter.trim().to_ascii_uppercase().as_str() {
                        "S" => Stride::Spoofing,
                        "T" => Stride::Tampering,
                        "R" => Stride::Repudiation,
                        "I" => Stride::InformationDisclosure,
                        "D" => Stride::DenialOfService,
                        "E" => Stride::ElevationOfPrivilege,
                        _ => continue,
                    };
                    if !stride.contains(&category) {
                        stride.push(category);
                    }
                }
            }
            "Priority" => priority = value.scalar_text().map(|p| (p.trim().to_owned(), value.span)),
            _ => {}
        }
    }
    let (severity_raw, severity) = match priority {
        None => (String::new(), Severity::Unknown),
        Some((raw, span)) => {
            let severity = match raw.as_str() {
                "High" => Severity::High,
                "Medium" => Severity::Medium,
                "Low" => Severity::Low,
                "" => Severity::Unknown,
                other => {
                    reader.push_with_help(Code::UnknownSeverity, span, format!("`{other}` is not a Threat Composer priority"), "Threat Composer priorities are High, Medium and Low; the threat is imported as `unknown`");
                    Severity::Unknown
                }
            };
            (raw, severity)
        }
    };
    let status_raw = reader.text(node, "status").unwrap_or_default();
    let status = match status_raw.as_str() {
        "" | "threatIdentified" => ThreatStatus::Identified,
        "threatResolved" => ThreatStatus::Mitigated,
        "threatResolvedNotUseful" => ThreatStatus::NotApplicable,
        other => {
            let span = field_span(node, "status");
            reader.push_with_help(Code::UnknownStatus, span, format!("`{other}` is not a Threat Composer threat status"), "Threat Composer threat statuses are threatIdentified, threatResolved and threatResolvedNotUseful; the threat is imported as `unknown`");
            ThreatStatus::Unknown
        }
    };
    Threat {
        stride,
        status,
        status_raw,
        severity,
        severity_raw,
        ..foreign::threat(id, title, origin)
    }
}

#[cfg(test)]
mod tests;
