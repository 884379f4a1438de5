//! Foreign threat-model formats, read exactly as their tools write them.
//!
//! Each format has a module with two functions of the same signature:
//! `looks_like(&Node) -> Result<(), String>` (cheap detection, the error says what was missing)
//! and `import(&ImportInput) -> (ThreatModel, Vec<Diagnostic>)` (best effort: whatever is sound
//! is imported, the rest becomes diagnostics with positions). Raw status and severity values
//! are always kept beside the canonical ones.
//!
//! All seven read fields, claim ids and report through `foreign` (one `Reader`, one `IdPool`);
//! their tests share `test_support`.

mod foreign;
mod otm;
mod pytm;
mod threagile;
mod threat_composer;
mod threat_dragon;
mod tm7;
mod tm_bom;

use crate::diag::{Code, Diagnostic, FileId, Files, Span};
use crate::model::{AppId, SourceFormat, ThreatModel};
use crate::syntax::{Budget, Node, parse_auto};

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
    let (node, mut diagnostics) = parse_auto(files, file, Budget::default());
    let Some(node) = node else {
        return (None, diagnostics);
    };
    let format = match from {
        Some(format) => {
            if let Some(mismatch) = forced_mismatch(&node, format, file) {
                diagnostics.push(mismatch);
                return (None, diagnostics);
            }
            format
        }
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

/// When `--from` names a format the file does not look like but another format does, an
/// error that names both: importing it anyway would give an empty model and a success.
/// A file that looks like no format is still read as forced, for files detection misses.
fn forced_mismatch(node: &Node, forced: SourceFormat, file: FileId) -> Option<Diagnostic> {
    let found = detect(node).ok()?;
    let same_importer = |f: SourceFormat| match f {
        SourceFormat::ThreatDragonV1 => SourceFormat::ThreatDragonV2,
        other => other,
    };
    if same_importer(found) == same_importer(forced) {
        return None;
    }
    let why = detect_one(node, forced).err().unwrap_or_default();
    Some(
        Diagnostic::new(
            Code::UnrecognizedFormat,
            file,
            Span::new(0, 0),
            format!(
                "`--from {}` was given, but the file looks like {} ({})",
                forced.as_str(),
                found.as_str(),
                if why.is_empty() {
                    "not like the format asked for".to_owned()
                } else {
                    format!("for {}: {why}", forced.as_str())
                },
            ),
        )
        .with_help(format!(
            "use `--from {}`, or leave `--from` out to detect the format",
            found.as_str()
        )),
    )
}

/// One format's detector.
fn detect_one(node: &Node, format: SourceFormat) -> Result<(), String> {
    match format {
        SourceFormat::Otm => otm::looks_like(node),
        SourceFormat::ThreatComposer => threat_composer::looks_like(node),
        SourceFormat::ThreatDragonV2 => threat_dragon::looks_like_v2(node),
        SourceFormat::ThreatDragonV1 => threat_dragon::looks_like_v1(node),
        SourceFormat::Pytm => pytm::looks_like(node),
        SourceFormat::TmBom => tm_bom::looks_like(node),
        SourceFormat::Threagile => threagile::looks_like(node),
        SourceFormat::Tm7 => Err("not XML".to_owned()),
        SourceFormat::Native => Err("a native model".to_owned()),
    }
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

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
