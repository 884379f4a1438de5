//! What the importers' tests share: importing text through the public entry point, reading the
//! result (tallies, threats by id), and proptest strategies for documents of a format's shape.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Files};
use crate::model::{Control, ElementId, SourceFormat, Threat, ThreatModel};
use crate::test_support::read_sample;

/// Imports `text` as a file named `name` (with a companion file `(name, text)` when given)
/// through [`crate::import::import`], the format forced by `from` or detected.
pub(crate) fn try_import(
    name: &str,
    text: &str,
    from: Option<SourceFormat>,
    companion: Option<(&str, &str)>,
) -> (Option<ThreatModel>, Vec<Diagnostic>) {
    let mut files = Files::new();
    let file = files.add(name, text);
    let companion = companion.map(|(name, text)| files.add(name, text));
    crate::import::import(&files, file, from, companion, None)
}

/// Imports `text` as a file named `name`, detecting the format; fails the test when no model
/// comes out.
pub(crate) fn import_as(name: &str, text: &str) -> (ThreatModel, Vec<Diagnostic>) {
    import_with_companion(name, text, None)
}

/// [`import_as`] with a companion file `(name, text)` (Threagile's `risks.json`).
pub(crate) fn import_with_companion(
    name: &str,
    text: &str,
    companion: Option<(&str, &str)>,
) -> (ThreatModel, Vec<Diagnostic>) {
    let (model, diagnostics) = try_import(name, text, None, companion);
    (model.expect("the model imports"), diagnostics)
}

/// `text` with `junk` inserted at byte `cut` (moved back to a character boundary, and to the end
/// when `cut` is past it), for feeding importers broken copies of a sound fixture.
pub(crate) fn splice(text: &str, cut: usize, junk: &str) -> String {
    let mut spliced = text.to_owned();
    let at = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    spliced.insert_str(at, junk);
    spliced
}

/// A file imported through the public entry point, with auto-detection.
pub(crate) struct Imported {
    pub(crate) model: Option<ThreatModel>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Imported {
    /// The model, failing the test with the diagnostics when there is none.
    pub(crate) fn model(&self) -> &ThreatModel {
        self.model.as_ref().unwrap_or_else(|| panic!("no model: {:?}", self.codes()))
    }

    /// The diagnostics' codes in the order they were reported.
    pub(crate) fn codes(&self) -> Vec<&'static str> {
        self.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    /// (elements, flows, boundaries, threats, controls).
    pub(crate) fn counts(&self) -> (usize, usize, usize, usize, usize) {
        counts(self.model())
    }

    /// How many threats have each status.
    pub(crate) fn statuses(&self) -> BTreeMap<&'static str, usize> {
        statuses(self.model())
    }

    /// How many threats have each severity.
    pub(crate) fn severities(&self) -> BTreeMap<&'static str, usize> {
        severities(self.model())
    }

    /// How many controls have each status.
    pub(crate) fn control_statuses(&self) -> BTreeMap<&'static str, usize> {
        tally(self.model().controls.iter().map(|c| c.status.as_str()))
    }

    /// The threat with `id`, failing the test when there is none.
    pub(crate) fn threat(&self, id: &str) -> &Threat {
        threat(self.model(), id)
    }
}

/// Imports text as a file named `name`, detecting the format.
pub(crate) fn run(name: &str, text: &str) -> Imported {
    let (model, diagnostics) = try_import(name, text, None, None);
    Imported { model, diagnostics }
}

/// Imports a shared sample (`samples/models/<path>`).
pub(crate) fn run_sample(path: &str) -> Imported {
    run(path.rsplit('/').next().unwrap_or(path), &read_sample(&format!("samples/models/{path}")))
}

/// Imports one of our fixtures (`test_data/import/<path>`).
pub(crate) fn run_fixture(path: &str) -> Imported {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/import").join(path);
    let text = std::fs::read_to_string(&full)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()));
    run(path.rsplit('/').next().unwrap_or(path), &text)
}

/// How often each value occurs.
pub(crate) fn tally<'a>(values: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    counts
}

/// A tally written out, for comparing with [`tally`].
pub(crate) fn map(pairs: &[(&'static str, usize)]) -> BTreeMap<&'static str, usize> {
    pairs.iter().copied().collect()
}

/// How many (elements, flows, boundaries, threats, controls) `model` has.
pub(crate) fn counts(model: &ThreatModel) -> (usize, usize, usize, usize, usize) {
    let m = model;
    (m.elements.len(), m.flows.len(), m.boundaries.len(), m.threats.len(), m.controls.len())
}

/// How many diagnostics have each code.
pub(crate) fn codes(diagnostics: &[Diagnostic]) -> BTreeMap<&'static str, usize> {
    tally(diagnostics.iter().map(|d| d.code.as_str()))
}

/// How many threats of `model` have each status.
pub(crate) fn statuses(model: &ThreatModel) -> BTreeMap<&'static str, usize> {
    tally(model.threats.iter().map(|t| t.status.as_str()))
}

/// How many threats of `model` have each severity.
pub(crate) fn severities(model: &ThreatModel) -> BTreeMap<&'static str, usize> {
    tally(model.threats.iter().map(|t| t.severity.as_str()))
}

/// The threat of `model` with `id`, failing the test when there is none.
pub(crate) fn threat<'m>(model: &'m ThreatModel, id: &str) -> &'m Threat {
    model.threats.iter().find(|t| t.id.as_str() == id).unwrap_or_else(|| panic!("no threat {id}"))
}

/// The control of `model` with `id`, failing the test when there is none.
pub(crate) fn control<'m>(model: &'m ThreatModel, id: &str) -> &'m Control {
    model.controls.iter().find(|c| c.id.as_str() == id).unwrap_or_else(|| panic!("no control {id}"))
}

/// The text of element ids.
pub(crate) fn id_texts(ids: &[ElementId]) -> Vec<&str> {
    ids.iter().map(ElementId::as_str).collect()
}

/// Proptest strategies: documents of the right overall shape with arbitrary values in every
/// place, which reach much deeper into an importer than arbitrary text (which mostly stops at
/// the parser).
pub(crate) mod strategies {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// Any JSON value whose object keys are mostly taken from `keys`.
    pub(crate) fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            (-1.0e3f64..1.0e3).prop_map(Value::from),
            prop::sample::select(keys).prop_map(|k| Value::String(k.to_owned())),
            "[a-zA-Z0-9 @>*#._:-]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(keys), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    /// A top-level object: each of `top` keys (or not) with an arbitrary value.
    pub(crate) fn json_document(
        top: &'static [&'static str],
        keys: &'static [&'static str],
    ) -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(top), json_value(keys)), 0..10).prop_map(
            |entries| {
                Value::Object(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                    .to_string()
            },
        )
    }

    fn key(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop_oneof![4 => prop::sample::select(keys).prop_map(str::to_owned), 1 => "[a-z_]{1,8}"]
    }
}
