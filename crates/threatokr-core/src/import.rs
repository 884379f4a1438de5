//! Foreign threat-model formats, read exactly as their tools write them.
//!
//! Each format has a module with two functions of the same signature:
//! `looks_like(&Node) -> Result<(), String>` (cheap detection, the error says what was missing)
//! and `import(&ImportInput) -> (ThreatModel, Vec<Diagnostic>)` (best effort: whatever is sound
//! is imported, the rest becomes diagnostics with positions). Raw status and severity values
//! are always kept beside the canonical ones.

mod otm;
mod pytm;
mod threagile;
mod threat_composer;
mod threat_dragon;
mod tm7;
mod tm_bom;

use std::collections::HashSet;

use crate::diag::{Code, Diagnostic, FileId, Files, Span};
use crate::model::{AppId, SourceFormat, Stride, ThreatId, ThreatModel};
use crate::syntax::{Budget, Node, Value, parse_json, parse_yaml};

/// What an importer reads.
#[derive(Debug, Clone, Copy)]
pub struct ImportInput<'a> {
    /// The file database.
    pub files: &'a Files,
    /// The model file.
    pub file: FileId,
    /// Its parsed tree (absent for XML formats, which parse their own text).
    pub node: Option<&'a Node>,
    /// A companion file: Threagile's `risks.json` beside the model.
    pub companion: Option<FileId>,
    /// The app to assign, from `--app`.
    pub app: Option<&'a AppId>,
}

/// Reads a foreign model. `from` forces a format; otherwise it is detected from the content.
/// Returns `None` only when the file is not readable as any format (with diagnostics saying why).
pub fn import(
    files: &Files,
    file: FileId,
    from: Option<SourceFormat>,
    companion: Option<FileId>,
    app: Option<&AppId>,
) -> (Option<ThreatModel>, Vec<Diagnostic>) {
    let text = files.text(file);
    if looks_like_xml(text) || from == Some(SourceFormat::Tm7) {
        let input = ImportInput { files, file, node: None, companion, app };
        if from.is_some_and(|f| f != SourceFormat::Tm7) {
            let message = format!(
                "the file is XML, which only the tm7 format uses, but `--from {}` was given",
                from.map_or("", SourceFormat::as_str)
            );
            return (
                None,
                vec![Diagnostic::new(Code::UnrecognizedFormat, file, Span::new(0, 0), message)],
            );
        }
        let (model, diagnostics) = tm7::import(&input);
        return (Some(model), diagnostics);
    }
    let (node, mut diagnostics) =
        if files.name(file).ends_with(".json") || text.trim_start().starts_with('{') {
            parse_json(files, file, Budget::default())
        } else {
            parse_yaml(files, file, Budget::default())
        };
    let Some(node) = node else {
        return (None, diagnostics);
    };
    let format = match from {
        Some(format) => format,
        None => match detect(&node) {
            Ok(format) => format,
            Err(reasons) => {
                let tried = reasons
                    .iter()
                    .map(|(format, why)| format!("{}: {why}", format.as_str()))
                    .collect::<Vec<_>>()
                    .join("; ");
                diagnostics.push(
                    Diagnostic::new(
                        Code::UnrecognizedFormat,
                        file,
                        Span::new(0, 0),
                        "this file matches no known threat-model format",
                    )
                    .with_help(format!("formats tried: {tried}; use --from to force one")),
                );
                return (None, diagnostics);
            }
        },
    };
    let input = ImportInput { files, file, node: Some(&node), companion, app };
    let (model, more) = match format {
        SourceFormat::Threagile => threagile::import(&input),
        SourceFormat::ThreatDragonV1 | SourceFormat::ThreatDragonV2 => {
            threat_dragon::import(&input)
        }
        SourceFormat::Otm => otm::import(&input),
        SourceFormat::ThreatComposer => threat_composer::import(&input),
        SourceFormat::Pytm => pytm::import(&input),
        SourceFormat::TmBom => tm_bom::import(&input),
        SourceFormat::Tm7 => tm7::import(&input),
        SourceFormat::Native => {
            diagnostics.push(Diagnostic::new(
                Code::UnrecognizedFormat,
                file,
                Span::new(0, 0),
                "native models are read by the workspace loader, not imported",
            ));
            return (None, diagnostics);
        }
    };
    diagnostics.extend(more);
    (Some(model), diagnostics)
}

/// A format's cheap content check; the error says what was missing.
type Detector = fn(&Node) -> Result<(), String>;

/// Detects the format of a parsed file, or says for each format why it did not match.
pub fn detect(node: &Node) -> Result<SourceFormat, Vec<(SourceFormat, String)>> {
    let candidates: [(SourceFormat, Detector); 7] = [
        (SourceFormat::Otm, otm::looks_like),
        (SourceFormat::ThreatComposer, threat_composer::looks_like),
        (SourceFormat::ThreatDragonV2, threat_dragon::looks_like_v2),
        (SourceFormat::ThreatDragonV1, threat_dragon::looks_like_v1),
        (SourceFormat::Pytm, pytm::looks_like),
        (SourceFormat::TmBom, tm_bom::looks_like),
        (SourceFormat::Threagile, threagile::looks_like),
    ];
    let mut reasons = Vec::new();
    for (format, looks_like) in candidates {
        match looks_like(node) {
            Ok(()) => return Ok(format),
            Err(why) => reasons.push((format, why)),
        }
    }
    reasons.push((SourceFormat::Tm7, "not XML".to_owned()));
    Err(reasons)
}

fn looks_like_xml(text: &str) -> bool {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    trimmed.starts_with("<?xml") || trimmed.starts_with("<ThreatModel")
}

/// A model with nothing in it yet, for importers to fill.
pub(crate) fn empty_model(input: &ImportInput<'_>, format: SourceFormat) -> ThreatModel {
    let text = input.files.text(input.file);
    ThreatModel {
        origin: crate::model::Origin { file: input.file, span: Span::new(0, text.len()) },
        format,
        app: input.app.cloned(),
        title: String::new(),
        reviewed: None,
        elements: Vec::new(),
        flows: Vec::new(),
        boundaries: Vec::new(),
        data_assets: Vec::new(),
        threats: Vec::new(),
        controls: Vec::new(),
        tests: Vec::new(),
    }
}

/// The attribute names that mark threats and mitigations in OTM files written by threatokr:
/// the id, the status (for definitions without instances) and, on mitigations, the threats addressed.
pub(crate) fn otm_markers() -> (&'static str, &'static str, &'static str) {
    (otm::MARKER, otm::STATUS_MARKER, otm::ADDRESSES_MARKER)
}

/// Reading helpers shared by the foreign importers: lenient about absent and `null` values
/// (foreign tools write both), strict about wrong kinds, which become diagnostics.
pub(crate) struct Reader {
    /// The file being read.
    pub(crate) file: FileId,
    /// What went wrong so far.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Reader {
    pub(crate) fn new(file: FileId) -> Self {
        Self { file, diagnostics: Vec::new() }
    }

    pub(crate) fn push(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(code, self.file, span, message));
    }

    /// The list under `key`; absent or `null` is an empty list, another kind is reported.
    pub(crate) fn list<'n>(&mut self, parent: &'n Node, key: &str) -> &'n [Node] {
        match parent.get(key) {
            None => &[],
            Some(node) => match &node.value {
                Value::Seq(items) => items,
                Value::Null => &[],
                other => {
                    let message = format!("`{key}` should be a list, found {}", other.kind_name());
                    self.push(Code::WrongType, node.span, message);
                    &[]
                }
            },
        }
    }

    /// The text of the scalar under `key` (numbers as written); absent, `null` and empty text
    /// are `None`, a list or mapping is reported.
    pub(crate) fn text(&mut self, parent: &Node, key: &str) -> Option<String> {
        let node = parent.get(key)?;
        match &node.value {
            Value::Null => None,
            Value::Seq(_) | Value::Map(_) => {
                let message = format!("`{key}` should be text, found {}", node.value.kind_name());
                self.push(Code::WrongType, node.span, message);
                None
            }
            _ => node.scalar_text().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned),
        }
    }

    /// The mapping under `key`, or `None` (a non-mapping value is reported).
    pub(crate) fn map<'n>(&mut self, parent: &'n Node, key: &str) -> Option<&'n Node> {
        let node = parent.get(key)?;
        match &node.value {
            Value::Map(_) => Some(node),
            Value::Null => None,
            other => {
                let message = format!("`{key}` should be a mapping, found {}", other.kind_name());
                self.push(Code::WrongType, node.span, message);
                None
            }
        }
    }
}

/// Hands out ids that are unique within one namespace (threats, controls, or elements with
/// their flows and boundaries), keeping the source's id whenever it is usable.
#[derive(Default)]
pub(crate) struct IdPool {
    used: HashSet<String>,
}

impl IdPool {
    /// Claims `wanted`. An invalid id is cleaned (trimmed, control characters replaced, cut to
    /// 190 bytes) and a used one gets a `~2`, `~3`... suffix; both are reported as `replaced-id`.
    /// The result always satisfies the id rule.
    pub(crate) fn claim(
        &mut self,
        wanted: &str,
        span: Span,
        what: &str,
        reader: &mut Reader,
    ) -> String {
        let mut id = wanted.to_owned();
        if ThreatId::from_str_checked(&id).is_err() {
            id = clean_id(wanted);
        }
        if self.used.contains(&id) {
            let base = id.clone();
            let mut n = 2;
            while self.used.contains(&id) {
                id = format!("{base}~{n}");
                n += 1;
            }
        }
        if id != wanted {
            reader.push(
                Code::ReplacedId,
                span,
                format!(
                    "the {what} id `{}` is invalid or used twice; it is imported as `{id}`",
                    wanted.escape_debug()
                ),
            );
        }
        self.used.insert(id.clone());
        id
    }
}

fn clean_id(text: &str) -> String {
    let mut id: String =
        text.trim().chars().map(|c| if c.is_control() { '_' } else { c }).collect();
    if id.len() > 190 {
        let mut end = 190;
        while !id.is_char_boundary(end) {
            end -= 1;
        }
        id.truncate(end);
        id = id.trim_end().to_owned();
    }
    if id.is_empty() { "id".to_owned() } else { id }
}

/// Display names from diagram tools carry the line breaks of their boxes ("Web\nApplication");
/// one line with single spaces reads better in reviews, CSV cells and reports.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A STRIDE category from its English name as the tools spell it ("Information disclosure",
/// "Denial of Service", "elevation_of_privilege"), or `None` for other categories.
pub(crate) fn stride_from_name(name: &str) -> Option<Stride> {
    let normalized: String = name
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect();
    match normalized.split_whitespace().collect::<Vec<_>>().join(" ").as_str() {
        "spoofing" => Some(Stride::Spoofing),
        "tampering" => Some(Stride::Tampering),
        "repudiation" => Some(Stride::Repudiation),
        "information disclosure" => Some(Stride::InformationDisclosure),
        "denial of service" => Some(Stride::DenialOfService),
        "elevation of privilege" | "elevation of privileges" => Some(Stride::ElevationOfPrivilege),
        _ => None,
    }
}

/// Why a parsed file is not a mapping, for detection messages; `None` when it is one.
pub(crate) fn not_a_mapping(node: &Node) -> Option<String> {
    match &node.value {
        Value::Map(_) => None,
        other => Some(format!("the top level is {}, not a mapping", other.kind_name())),
    }
}

#[cfg(test)]
mod tests;
