//! The native `*.tm.yaml` text of a model, written to be read in a code review: the diagram
//! (elements, boundaries, flows, data assets) one item per line, threats, controls and tests as
//! blocks, multi-line text as literal blocks, and every scalar quoted when YAML (1.2 or the
//! older 1.1 that many tools still speak) would read it as anything but the same text.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::model::ThreatModel;

/// The model in threatokr's native format. Keys, in order: `app`, `title`, `reviewed`,
/// `source_format` (omitted for native models), `elements`, `boundaries`, `flows`,
/// `data_assets`, `threats`, `controls`, `tests`; optional fields are omitted when empty, and
/// raw status and severity are omitted when they equal the canonical value.
pub fn to_native_yaml(model: &ThreatModel) -> String {
    let mut out = String::new();
    if let Some(app) = &model.app {
        line(&mut out, 0, "app", &block_scalar(app.as_str()));
    }
    line(&mut out, 0, "title", &block_scalar(&model.title));
    if let Some(reviewed) = model.reviewed {
        line(&mut out, 0, "reviewed", &reviewed.to_string());
    }
    if model.format != crate::model::SourceFormat::Native {
        line(&mut out, 0, "source_format", model.format.as_str());
    }

    section(&mut out, "elements", model.elements.is_empty());
    for e in &model.elements {
        let mut fields = vec![
            ("id", scalar(e.id.as_str())),
            ("kind", e.kind.as_str().to_owned()),
            ("name", scalar(&e.name)),
        ];
        if e.internet_facing {
            fields.push(("internet_facing", "true".to_owned()));
        }
        if !e.data.is_empty() {
            fields.push(("data", list(e.data.iter().map(String::as_str))));
        }
        flow_item(&mut out, &fields);
    }
    section(&mut out, "boundaries", model.boundaries.is_empty());
    for b in &model.boundaries {
        flow_item(
            &mut out,
            &[
                ("id", scalar(b.id.as_str())),
                ("name", scalar(&b.name)),
                ("elements", list(b.elements.iter().map(|e| e.as_str()))),
            ],
        );
    }
    section(&mut out, "flows", model.flows.is_empty());
    for f in &model.flows {
        let mut fields = vec![
            ("id", scalar(f.id.as_str())),
            ("name", scalar(&f.name)),
            ("from", scalar(f.source.as_str())),
            ("to", scalar(f.target.as_str())),
        ];
        if let Some(protocol) = f.protocol.as_deref().filter(|p| !p.is_empty()) {
            fields.push(("protocol", scalar(protocol)));
        }
        flow_item(&mut out, &fields);
    }
    section(&mut out, "data_assets", model.data_assets.is_empty());
    for a in &model.data_assets {
        let mut fields = vec![("id", scalar(&a.id)), ("name", scalar(&a.name))];
        if let Some(classification) = a.classification.as_deref().filter(|c| !c.is_empty()) {
            fields.push(("classification", scalar(classification)));
        }
        flow_item(&mut out, &fields);
    }

    section(&mut out, "threats", model.threats.is_empty());
    for t in &model.threats {
        item_start(&mut out, "id", &block_scalar(t.id.as_str()));
        text(&mut out, "title", &t.title);
        if let Some(description) = t.description.as_deref().filter(|d| !d.is_empty()) {
            text(&mut out, "description", description);
        }
        line(&mut out, 4, "stride", &list(t.stride.iter().map(|s| s.as_str())));
        line(
            &mut out,
            4,
            "cwe",
            &format!("[{}]", t.cwes.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")),
        );
        line(&mut out, 4, "elements", &list(t.elements.iter().map(|e| e.as_str())));
        if let Some(likelihood) = t.likelihood {
            line(&mut out, 4, "likelihood", likelihood.as_str());
        }
        if let Some(impact) = t.impact {
            line(&mut out, 4, "impact", impact.as_str());
        }
        if let Some(cvss) = &t.cvss {
            line(&mut out, 4, "cvss", &block_scalar(&cvss.vector));
        }
        if t.severity != crate::model::Severity::Unknown {
            line(&mut out, 4, "severity", t.severity.as_str());
        }
        line(&mut out, 4, "status", t.status.as_str());
        if !t.status_raw.is_empty() && t.status_raw != t.status.as_str() {
            text(&mut out, "status_raw", &t.status_raw);
        }
        if !t.severity_raw.is_empty() && t.severity_raw != t.severity.as_str() {
            text(&mut out, "severity_raw", &t.severity_raw);
        }
        for (key, value) in [("owner", &t.owner), ("ticket", &t.ticket)] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                text(&mut out, key, value);
            }
        }
        for (key, value) in [("created", t.created), ("updated", t.updated)] {
            if let Some(date) = value {
                line(&mut out, 4, key, &date.to_string());
            }
        }
    }

    let mut threats_by_control: HashMap<&str, Vec<&str>> = HashMap::new();
    for t in &model.threats {
        for c in &t.controls {
            threats_by_control.entry(c.as_str()).or_default().push(t.id.as_str());
        }
    }
    section(&mut out, "controls", model.controls.is_empty());
    for c in &model.controls {
        item_start(&mut out, "id", &block_scalar(c.id.as_str()));
        text(&mut out, "title", &c.title);
        line(&mut out, 4, "status", c.status.as_str());
        if !c.status_raw.is_empty() && c.status_raw != c.status.as_str() {
            text(&mut out, "status_raw", &c.status_raw);
        }
        if !c.asvs.is_empty() {
            line(&mut out, 4, "asvs", &list(c.asvs.iter().map(String::as_str)));
        }
        if !c.tags.is_empty() {
            line(&mut out, 4, "tags", &list(c.tags.iter().map(String::as_str)));
        }
        // The native format links on the control side only, so links written on the threat
        // side (`Threat::controls`) are added here.
        let mut addresses: Vec<&str> = c.threats.iter().map(|t| t.as_str()).collect();
        let mut seen: HashSet<&str> = addresses.iter().copied().collect();
        for threat in threats_by_control.get(c.id.as_str()).into_iter().flatten() {
            if seen.insert(threat) {
                addresses.push(threat);
            }
        }
        line(&mut out, 4, "addresses", &list(addresses.into_iter()));
    }

    section(&mut out, "tests", model.tests.is_empty());
    for t in &model.tests {
        item_start(&mut out, "id", &block_scalar(t.id.as_str()));
        text(&mut out, "title", &t.title);
        line(&mut out, 4, "threats", &list(t.threats.iter().map(|t| t.as_str())));
        line(&mut out, 4, "kind", &block_scalar(&t.kind));
    }
    out
}

fn line(out: &mut String, indent: usize, key: &str, value: &str) {
    let _ = writeln!(out, "{:indent$}{key}: {value}", "");
}

/// A top-level list header; an empty list is written `key: []` so that no reader has to guess.
fn section(out: &mut String, key: &str, empty: bool) {
    out.push('\n');
    if empty {
        let _ = writeln!(out, "{key}: []");
    } else {
        let _ = writeln!(out, "{key}:");
    }
}

fn item_start(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "  - {key}: {value}");
}

fn flow_item(out: &mut String, fields: &[(&str, String)]) {
    let body = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ");
    let _ = writeln!(out, "  - {{ {body} }}");
}

/// A text field of a block item (indented 4): a literal block for readable multi-line text,
/// a scalar otherwise.
fn text(out: &mut String, key: &str, value: &str) {
    if literal_block_fits(value) {
        let _ = writeln!(out, "    {key}: |-");
        for text_line in value.split('\n') {
            if text_line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "      {text_line}");
            }
        }
    } else {
        line(out, 4, key, &block_scalar(value));
    }
}

/// A literal block keeps the text exactly only when it has several lines, starts with a
/// visible character, has no trailing spaces or final line break, and only printable characters.
fn literal_block_fits(value: &str) -> bool {
    value.contains('\n')
        && !value.starts_with([' ', '\n'])
        && !value.ends_with('\n')
        && value.split('\n').all(|l| !l.ends_with([' ', '\t']))
        && value.chars().all(|c| c == '\n' || printable(c))
}

fn printable(c: char) -> bool {
    !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    format!("[{}]", items.map(scalar).collect::<Vec<_>>().join(", "))
}

/// A scalar as YAML text inside a flow collection (`{ ... }`, `[ ... ]`): plain when every YAML
/// reader gives back the same string, double-quoted (with escapes) otherwise.
pub(crate) fn scalar(text: &str) -> String {
    if plain_is_safe(text, true) { text.to_owned() } else { double_quoted(text) }
}

/// A scalar as the value of a block mapping key, where commas and brackets are plain text.
pub(crate) fn block_scalar(text: &str) -> String {
    if plain_is_safe(text, false) { text.to_owned() } else { double_quoted(text) }
}

fn plain_is_safe(text: &str, in_flow: bool) -> bool {
    let Some(first) = text.chars().next() else { return false };
    if first.is_whitespace()
        || text.ends_with(char::is_whitespace)
        || !text.chars().all(|c| printable(c) && c != '\t')
    {
        return false;
    }
    // Indicators at the start, and anything that ends or opens a flow collection or comment.
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || text.contains(": ")
        || text.contains(" #")
        || text.ends_with(':')
        || (in_flow && text.contains([',', '[', ']', '{', '}', ':']))
    {
        return false;
    }
    !resolves_to_non_string(text)
}

/// Words and shapes that YAML 1.2 or 1.1 read as null, booleans, numbers or dates.
fn resolves_to_non_string(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
    ) {
        return true;
    }
    // Integers and floats with YAML 1.1 separators and sexagesimal colons (1_000, 1:30, -2.5e3).
    let body = lower.strip_prefix(['-', '+']).unwrap_or(&lower);
    let numeric = body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '_' | '.' | ':' | 'e' | '-' | '+'));
    // Other bases: 0x1f, 0o17, 0b101.
    let based = ["0x", "0o", "0b"].iter().any(|p| {
        body.strip_prefix(p).is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_hexdigit() || c == '_')
        })
    });
    // Timestamps start with a date: 2027-01-31.
    let bytes = text.as_bytes();
    let dated = bytes.len() >= 5 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-';
    numeric || based || dated
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if !printable(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
