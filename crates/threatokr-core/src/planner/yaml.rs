//! Writing a plan: the `okrs/<cycle>.yaml` text (fresh, or merged into the user's file without
//! touching a byte they wrote) and the `plan --format json` contract.
//!
//! Merging is textual so comments, quoting and order survive review after review: objectives of
//! the plan that the file lacks are appended to its `objectives:` list; planned key results that
//! an existing objective of the same id lacks are appended to its `key_results:` list (as
//! `- ref: ID` when the file already defines that id). Nothing is ever removed or rewritten, so
//! merging an unchanged plan into its own output gives the same bytes.
//!
//! The file's `proposed:` list remembers every id the planner has put in it: the ids a merge
//! adds are appended to it (the list is created at the end of the file when missing), so a
//! proposal a person deleted is known as declined and not proposed again (see
//! [`super::Plan::declined`]).

use super::{Plan, PlannedKr, PlannedObjective, PlannedTarget, number};
use crate::diag::{FileId, Files};
use crate::export::yaml::{block_scalar, scalar};
use crate::model::{MeasureParam, ThreatId};
use crate::syntax::{Budget, Node, Value as YamlValue, parse_yaml};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Lines longer than this write their id lists as block lists.
const MAX_FLOW_LINE: usize = 100;

/// The plan as a fresh `okrs/<cycle>.yaml`: a header comment, `cycle:` and every objective;
/// a key result counted by a second objective is written `- ref: ID` there.
pub fn to_okr_yaml(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Security OKRs for {}, proposed by `threatokr plan` from the threat models.",
        plan.cycle
    );
    out.push_str(
        "# Edit freely: planning again keeps the ids and your edits, and only adds new proposals.\n",
    );
    let _ = writeln!(out, "cycle: {}", block_scalar(plan.cycle.as_str()));
    if plan.objectives.is_empty() {
        out.push_str("objectives: []\n");
        return out;
    }
    out.push_str("\nobjectives:\n");
    let mut written = Written { defined: BTreeSet::new(), plan };
    for (index, objective) in plan.objectives.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&objective_block(objective, 2, &mut written));
    }
    out.push_str(&proposed_block(&proposal_ids(plan)));
    out
}

/// Every id the plan proposes: its objectives' and their key results', each once, in order.
fn proposal_ids(plan: &Plan) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    plan.objectives
        .iter()
        .flat_map(|o| {
            std::iter::once(o.id.as_str()).chain(o.key_results.iter().map(|kr| kr.id.as_str()))
        })
        .filter(|id| seen.insert(*id))
        .collect()
}

/// The `proposed:` list with the comment that says what it is for.
fn proposed_block(ids: &[&str]) -> String {
    format!(
        "\n# Every id `threatokr plan` has proposed in this file. A proposal deleted from the file is\n\
         # not proposed again; delete its id here too to have it proposed again.\nproposed: [{}]\n",
        wrapped_ids(ids, "proposed: [".len(), 2)
    )
}

/// Ids separated by commas, wrapped before [`MAX_FLOW_LINE`] with continuation lines indented
/// by `indent`; `first_column` is where the first id starts.
fn wrapped_ids(ids: &[&str], first_column: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut column = first_column;
    for (index, id) in ids.iter().enumerate() {
        let item = scalar(id);
        if index > 0 {
            out.push(',');
            if column + 2 + item.len() + 1 > MAX_FLOW_LINE {
                let _ = write!(out, "\n{:indent$}", "");
                column = indent;
            } else {
                out.push(' ');
                column += 2;
            }
        }
        out.push_str(&item);
        column += item.len();
    }
    out
}

/// What a file being written holds so far: the key results it defines, and the plan whose
/// threat names it writes.
struct Written<'p> {
    defined: BTreeSet<String>,
    plan: &'p Plan,
}

impl Written<'_> {
    /// How a threat is written: its alias when its own id is foreign (see [`Plan::threat_names`]).
    fn threat<'t>(&'t self, id: &'t ThreatId) -> &'t str {
        self.plan.threat_names.get(id).map_or(id.as_str(), String::as_str)
    }
}

fn objective_block(o: &PlannedObjective, dash: usize, written: &mut Written<'_>) -> String {
    let mut out = String::new();
    let key = dash + 2;
    let _ = writeln!(out, "{:dash$}- id: {}", "", block_scalar(o.id.as_str()));
    field(&mut out, key, "title", &block_scalar(&o.title));
    field(&mut out, key, "level", o.level.as_str());
    if let Some(theme) = o.theme {
        field(&mut out, key, "theme", theme.as_str());
    }
    field(&mut out, key, "commitment", o.commitment.as_str());
    if !o.supports.is_empty() {
        id_list(&mut out, key, "supports", o.supports.iter().map(|s| s.as_str()));
    }
    field(&mut out, key, "description", &block_scalar(&o.description));
    if !o.derived_from.is_empty() {
        id_list(&mut out, key, "derived_from", o.derived_from.iter().map(|t| written.threat(t)));
    }
    if o.key_results.is_empty() {
        field(&mut out, key, "key_results", "[]");
        return out;
    }
    field(&mut out, key, "key_results", "");
    for kr in &o.key_results {
        out.push_str(&kr_block(kr, key + 2, written));
    }
    out
}

/// A key result as a block list item at `dash`; `- ref: ID` when the file defines it already.
fn kr_block(kr: &PlannedKr, dash: usize, written: &mut Written<'_>) -> String {
    let mut out = String::new();
    if !written.defined.insert(kr.id.clone()) {
        let _ = writeln!(out, "{:dash$}- ref: {}", "", block_scalar(&kr.id));
        return out;
    }
    let key = dash + 2;
    let _ = writeln!(out, "{:dash$}- id: {}", "", block_scalar(&kr.id));
    field(&mut out, key, "title", &block_scalar(&kr.title));
    let kind = match &kr.target {
        PlannedTarget::Metric { .. } => "metric",
        PlannedTarget::Threshold { .. } => "threshold",
        PlannedTarget::Milestones(_) => "milestones",
    };
    field(&mut out, key, "type", kind);
    field(&mut out, key, "kind", kr.kind.as_str());
    field(&mut out, key, "commitment", kr.commitment.as_str());
    field(&mut out, key, "weight", &number(kr.weight));
    match &kr.target {
        PlannedTarget::Metric { start, target } => {
            field(&mut out, key, "start", &number(*start));
            field(&mut out, key, "target", &number(*target));
        }
        PlannedTarget::Threshold { comparison, limit } => {
            field(&mut out, key, comparison.as_str(), &number(*limit));
        }
        PlannedTarget::Milestones(items) => {
            field(&mut out, key, "milestones", "");
            for (title, weight) in items {
                let _ = writeln!(
                    out,
                    "{:indent$}- {{ title: {}, weight: {} }}",
                    "",
                    scalar(title),
                    number(*weight),
                    indent = key + 2
                );
            }
        }
    }
    if let Some(unit) = &kr.unit {
        field(&mut out, key, "unit", &block_scalar(unit));
    }
    if let Some(metric) = &kr.metric {
        let mut parts = vec![format!("metric: {}", scalar(metric))];
        for (name, value) in &kr.params {
            parts.push(format!("{name}: {}", param_text(value)));
        }
        field(&mut out, key, "measure", &format!("{{ {} }}", parts.join(", ")));
    }
    if !kr.derived_from.is_empty() {
        id_list(&mut out, key, "derived_from", kr.derived_from.iter().map(|t| written.threat(t)));
    }
    if let Some(lineage) = &kr.lineage {
        field(&mut out, key, "lineage", &block_scalar(lineage));
    }
    if !kr.rationale.is_empty() {
        field(&mut out, key, "rationale", &block_scalar(&kr.rationale));
    }
    out
}

fn param_text(value: &MeasureParam) -> String {
    match value {
        MeasureParam::Text(text) => scalar(text),
        MeasureParam::Number(n) => number(*n),
        MeasureParam::Bool(b) => b.to_string(),
        MeasureParam::List(items) => {
            format!("[{}]", items.iter().map(|i| scalar(i)).collect::<Vec<_>>().join(", "))
        }
    }
}

fn field(out: &mut String, indent: usize, key: &str, value: &str) {
    if value.is_empty() {
        let _ = writeln!(out, "{:indent$}{key}:", "");
    } else {
        let _ = writeln!(out, "{:indent$}{key}: {value}", "");
    }
}

/// A list of ids as a flow list, wrapped before [`MAX_FLOW_LINE`] onto lines indented under the
/// key: one line for a few ids, a handful for a theme's dozens of threats.
fn id_list<'a>(out: &mut String, indent: usize, key: &str, ids: impl Iterator<Item = &'a str>) {
    let ids: Vec<&str> = ids.collect();
    let first_column = indent + key.len() + 3;
    field(out, indent, key, &format!("[{}]", wrapped_ids(&ids, first_column, indent + 2)));
}

// ------------------------------------------------------------------ merging

/// The result of [`merge_into`].
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOutcome {
    /// The file's text with the additions.
    pub text: String,
    /// What was added, and proposals that need a hand edit, one line each, in file order.
    pub changes: Vec<String>,
}

/// Merges the plan into the user's OKR file `file` (see the module documentation). Fails when
/// the file does not parse as a mapping or its `objectives:` is not a block list.
pub fn merge_into(files: &Files, file: FileId, plan: &Plan) -> Result<MergeOutcome, String> {
    let text = files.text(file);
    let (root, diagnostics) = parse_yaml(files, file, Budget::default());
    let Some(root) = root.filter(|_| diagnostics.is_empty()) else {
        return Err(format!("{} does not parse as YAML; fix it first", files.name(file)));
    };
    if root.as_map().is_none() {
        return Err(format!("{} is not a mapping of `cycle:` and `objectives:`", files.name(file)));
    }
    let mut insertions: Vec<(usize, String)> = Vec::new();
    let mut changes = Vec::new();
    let items: Vec<&Node> = match root.get("objectives") {
        Some(node) => match node.as_seq() {
            Some(items) if !items.is_empty() && !is_flow(text, node) => items.iter().collect(),
            _ if node.is_null() => Vec::new(),
            _ => {
                return Err(format!(
                    "`objectives:` in {} is not a block list; write one objective per `- id:` item so plan can add to it",
                    files.name(file)
                ));
            }
        },
        None => Vec::new(),
    };
    // Key results the file defines (by `id:`), anywhere.
    let mut written = Written { defined: BTreeSet::new(), plan };
    for item in &items {
        for kr in item.get("key_results").and_then(Node::as_seq).unwrap_or(&[]) {
            if kr.get("ref").is_none()
                && let Some(id) = kr.get("id").and_then(Node::scalar_text)
            {
                written.defined.insert(id.to_owned());
            }
        }
    }
    let mut new_objectives = Vec::new();
    for planned in &plan.objectives {
        let Some(item) = items
            .iter()
            .find(|i| i.get("id").and_then(Node::scalar_text) == Some(planned.id.as_str()))
        else {
            new_objectives.push(planned);
            continue;
        };
        let listed: BTreeSet<&str> = item
            .get("key_results")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|kr| kr.get("ref").or_else(|| kr.get("id")).and_then(Node::scalar_text))
            .collect();
        for parent in &planned.supports {
            let has = ["supports", "contributes"].iter().any(|key| {
                item.get(key).is_some_and(|n| {
                    n.scalar_text() == Some(parent.as_str())
                        || n.as_seq()
                            .unwrap_or(&[])
                            .iter()
                            .any(|p| p.scalar_text() == Some(parent.as_str()))
                })
            });
            if !has {
                changes.push(format!(
                    "proposed: {} supports {parent} (add it to `supports:` by hand)",
                    planned.id
                ));
            }
        }
        let missing: Vec<&PlannedKr> =
            planned.key_results.iter().filter(|kr| !listed.contains(kr.id.as_str())).collect();
        if missing.is_empty() {
            continue;
        }
        let (key_col, _) = columns(text, item.span.start as usize);
        let (at, dash, header) = match item.get("key_results") {
            Some(list) if list.as_seq().is_some_and(|s| !s.is_empty()) && !is_flow(text, list) => {
                let last = list.as_seq().expect("a list").last().expect("not empty");
                let (_, dash) = columns(text, last.span.start as usize);
                (after_line(text, content_end(text, last)), dash, String::new())
            }
            None => (
                after_line(text, content_end(text, item)),
                key_col + 2,
                format!("{:key_col$}key_results:\n", ""),
            ),
            Some(_) => {
                for kr in missing {
                    changes.push(format!(
                        "proposed: key result {} for {} (its `key_results:` is not a block list; add it by hand)",
                        kr.id, planned.id
                    ));
                }
                continue;
            }
        };
        let mut block = header;
        for kr in missing {
            let verb = if written.defined.contains(&kr.id) { "counted" } else { "added" };
            block.push_str(&kr_block(kr, dash, &mut written));
            changes.push(format!("{verb} key result {} in {}: {}", kr.id, planned.id, kr.title));
        }
        insertions.push((at, block));
    }
    if !new_objectives.is_empty() {
        let (at, dash, mut block) = match items.last() {
            Some(last) => {
                let (_, dash) = columns(text, last.span.start as usize);
                (after_line(text, content_end(text, last)), dash, String::new())
            }
            None => {
                match root.as_map().and_then(|m| m.iter().find(|(k, _)| k.text == "objectives")) {
                    // `objectives:` with nothing after it: the items go right below the key.
                    Some((key, _)) => {
                        let (col, _) = columns(text, key.span.start as usize);
                        (after_line(text, key.span.end as usize), col + 2, String::new())
                    }
                    None => (text.len(), 2, "\nobjectives:\n".to_owned()),
                }
            }
        };
        for (index, objective) in new_objectives.iter().enumerate() {
            if index > 0 || !items.is_empty() {
                block.push('\n');
            }
            block.push_str(&objective_block(objective, dash, &mut written));
            changes.push(format!("added objective {}: {}", objective.id, objective.title));
            if let Some(theme) = objective.theme {
                let same_theme = items
                    .iter()
                    .filter(|i| i.get("theme").and_then(Node::scalar_text) == Some(theme.as_str()));
                for other in same_theme {
                    if let Some(id) = other.get("id").and_then(Node::scalar_text) {
                        changes.push(format!(
                            "note: {id} is also about {theme}; merge the two by hand if they are the same objective"
                        ));
                    }
                }
            }
        }
        insertions.push((at, block));
    }
    let recorded: BTreeSet<&str> = match root.get("proposed") {
        Some(node) => node.as_seq().unwrap_or(&[]).iter().filter_map(Node::scalar_text).collect(),
        None => BTreeSet::new(),
    };
    let unrecorded: Vec<&str> =
        proposal_ids(plan).into_iter().filter(|id| !recorded.contains(id)).collect();
    if !unrecorded.is_empty() {
        match root.get("proposed") {
            None => insertions.push((text.len(), proposed_block(&unrecorded))),
            Some(node) if node.as_seq().is_some_and(|s| !s.is_empty()) && !is_flow(text, node) => {
                let last = node.as_seq().expect("a list").last().expect("not empty");
                let (_, dash) = columns(text, last.span.start as usize);
                let lines: String =
                    unrecorded.iter().map(|id| format!("{:dash$}- {}\n", "", scalar(id))).collect();
                insertions.push((after_line(text, content_end(text, last)), lines));
            }
            Some(node) if is_flow(text, node) && node.as_seq().is_some() => {
                let close = content_end(text, node) - 1;
                let separator = if recorded.is_empty() { "" } else { ",\n  " };
                insertions.push((close, format!("{separator}{}", wrapped_ids(&unrecorded, 2, 2))));
            }
            Some(_) => {
                return Err(format!(
                    "`proposed:` in {} is not a list of ids; fix it so plan can record its proposals",
                    files.name(file)
                ));
            }
        }
        changes.push(format!(
            "recorded {} proposal id(s) in `proposed:` (delete a proposal and it stays deleted)",
            unrecorded.len()
        ));
    }
    // Apply in file order; insertions at the same place keep their order (key results first).
    insertions.sort_by_key(|(at, _)| *at);
    let mut out =
        String::with_capacity(text.len() + insertions.iter().map(|(_, b)| b.len()).sum::<usize>());
    let mut cursor = 0;
    for (at, block) in insertions {
        out.push_str(&text[cursor..at]);
        // Blocks start on a line of their own; additions inside a flow list do not.
        let inside_flow = block.starts_with(',') || !block.ends_with('\n');
        if !out.is_empty() && !out.ends_with('\n') && !inside_flow {
            out.push('\n');
        }
        out.push_str(&block);
        cursor = at;
    }
    out.push_str(&text[cursor..]);
    Ok(MergeOutcome { text: out, changes })
}

/// Whether a collection node is written in flow style (`[...]`, `{...}`).
fn is_flow(text: &str, node: &Node) -> bool {
    matches!(node.value, YamlValue::Seq(_) | YamlValue::Map(_))
        && text[node.span.start as usize..].starts_with(['[', '{'])
}

/// The column of `offset` on its line, and the column of the last `-` before it on that line
/// (the item's dash; the offset's column minus 2 when there is none).
fn columns(text: &str, offset: usize) -> (usize, usize) {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let col = prefix.chars().count();
    let dash = prefix.rfind('-').map_or(col.saturating_sub(2), |i| prefix[..i].chars().count());
    (col, dash)
}

/// Where a node's text really ends. A block collection's span runs to the next token (the
/// parser ends it there), so its end is the furthest end of its keys and values; scalars and
/// flow collections end where their span says (a flow collection at its closing bracket).
fn content_end(text: &str, node: &Node) -> usize {
    let end = node.span.end as usize;
    let closed = end > 0 && end <= text.len() && matches!(text.as_bytes()[end - 1], b']' | b'}');
    match &node.value {
        YamlValue::Seq(items) if !(is_flow(text, node) && closed) => {
            items.iter().map(|i| content_end(text, i)).max().unwrap_or(node.span.start as usize)
        }
        YamlValue::Map(entries) if !(is_flow(text, node) && closed) => entries
            .iter()
            .map(|(key, value)| (key.span.end as usize).max(content_end(text, value)))
            .max()
            .unwrap_or(node.span.start as usize),
        _ => end.min(text.len()),
    }
}

/// The offset just after the line that holds `offset - 1` (the end of a node).
fn after_line(text: &str, end: usize) -> usize {
    if end > 0 && text.as_bytes()[end - 1] == b'\n' {
        return end;
    }
    text[end..].find('\n').map_or(text.len(), |i| end + i + 1)
}

// ------------------------------------------------------------------ JSON

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn params_json(kr: &PlannedKr) -> Value {
    let map: serde_json::Map<String, Value> = kr
        .params
        .iter()
        .map(|(name, value)| {
            let value = match value {
                MeasureParam::Text(t) => json!(t),
                MeasureParam::Number(n) => json!(n),
                MeasureParam::Bool(b) => json!(b),
                MeasureParam::List(items) => json!(items),
            };
            (name.clone(), value)
        })
        .collect();
    Value::Object(map)
}

/// The `plan --format json` contract: `{"cycle", "objectives": [{"id", "title", "theme", "level",
/// "apps", "teams", "supports", "key_results": [{"id", "title", "metric", "params", "start",
/// "target", "unit", "kind", "commitment", "derived_from", "rationale"}]}], "balance":
/// {"strategic", "tactical"}}`. Beyond the contract, each key result also has `type`, `weight`,
/// `comparison` (thresholds; `target` is then the limit and `start` is null), `milestones`
/// (milestones; `start` and `target` are null) and `lineage` (null unless carried over from the
/// previous cycle); each objective has its own `balance` and `derived_from` (a key result's
/// `derived_from` is its objective's unless it differs); and the document has `warnings` and
/// `declined` (proposals deleted from the OKR file, not proposed again) and `threat_aliases`
/// (the alias of each foreign threat id the plan names, as the YAML writes it). Shares are
/// rounded to 0.01.
pub fn plan_json(plan: &Plan) -> Value {
    let objectives: Vec<Value> = plan
        .objectives
        .iter()
        .map(|o| {
            let key_results: Vec<Value> = o
                .key_results
                .iter()
                .map(|kr| {
                    let (kind, start, target) = match &kr.target {
                        PlannedTarget::Metric { start, target } => ("metric", json!(start), json!(target)),
                        PlannedTarget::Threshold { limit, .. } => ("threshold", Value::Null, json!(limit)),
                        PlannedTarget::Milestones(_) => ("milestones", Value::Null, Value::Null),
                    };
                    let mut value = json!({
                        "id": kr.id,
                        "title": kr.title,
                        "metric": kr.metric,
                        "params": params_json(kr),
                        "start": start,
                        "target": target,
                        "unit": kr.unit,
                        "kind": kr.kind,
                        "commitment": kr.commitment,
                        "derived_from": if kr.derived_from.is_empty() { &o.derived_from } else { &kr.derived_from },
                        "lineage": kr.lineage,
                        "rationale": kr.rationale,
                        "type": kind,
                        "weight": kr.weight,
                    });
                    match &kr.target {
                        PlannedTarget::Threshold { comparison, .. } => {
                            value["comparison"] = json!(comparison);
                        }
                        PlannedTarget::Milestones(items) => {
                            value["milestones"] = Value::Array(
                                items.iter().map(|(t, w)| json!({"title": t, "weight": w})).collect(),
                            );
                        }
                        PlannedTarget::Metric { .. } => {}
                    }
                    value
                })
                .collect();
            json!({
                "id": o.id,
                "title": o.title,
                "theme": o.theme,
                "level": o.level,
                "apps": o.apps,
                "teams": o.teams,
                "supports": o.supports,
                "derived_from": o.derived_from,
                "key_results": key_results,
                "balance": {"strategic": round2(o.balance.strategic), "tactical": round2(o.balance.tactical)},
            })
        })
        .collect();
    json!({
        "cycle": plan.cycle,
        "objectives": objectives,
        "balance": {"strategic": round2(plan.balance.strategic), "tactical": round2(plan.balance.tactical)},
        "warnings": plan.warnings,
        "declined": plan.declined,
        "threat_aliases": plan.threat_names,
    })
}
