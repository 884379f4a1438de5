//! Tests for detection, dispatch and the helpers shared by the importers, plus the helpers
//! that the importers' own tests use.

use std::collections::BTreeMap;

use super::*;
use crate::diag::Diagnostic;
use crate::test_support::read_shared;

/// A file imported through the public entry point, with auto-detection.
pub(crate) struct Imported {
    pub(crate) files: Files,
    pub(crate) model: Option<ThreatModel>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Imported {
    /// The model, failing the test with the diagnostics when there is none.
    pub(crate) fn model(&self) -> &ThreatModel {
        self.model.as_ref().unwrap_or_else(|| panic!("no model: {:?}", self.codes()))
    }

    pub(crate) fn codes(&self) -> Vec<&'static str> {
        self.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    /// (elements, flows, boundaries, threats, controls).
    pub(crate) fn counts(&self) -> (usize, usize, usize, usize, usize) {
        let m = self.model();
        (m.elements.len(), m.flows.len(), m.boundaries.len(), m.threats.len(), m.controls.len())
    }

    pub(crate) fn statuses(&self) -> BTreeMap<&'static str, usize> {
        histogram(self.model().threats.iter().map(|t| t.status.as_str()))
    }

    pub(crate) fn severities(&self) -> BTreeMap<&'static str, usize> {
        histogram(self.model().threats.iter().map(|t| t.severity.as_str()))
    }

    pub(crate) fn control_statuses(&self) -> BTreeMap<&'static str, usize> {
        histogram(self.model().controls.iter().map(|c| c.status.as_str()))
    }

    pub(crate) fn threat(&self, id: &str) -> &crate::model::Threat {
        self.model().threats.iter().find(|t| t.id.as_str() == id).unwrap_or_else(|| panic!("no threat {id}"))
    }
}

pub(crate) fn histogram(values: impl Iterator<Item = &'static str>) -> BTreeMap<&'static str, usize> {
    let mut map = BTreeMap::new();
    for value in values {
        *map.entry(value).or_insert(0) += 1;
    }
    map
}

/// Imports text as a file named `name`, detecting the format.
pub(crate) fn run(name: &str, text: &str) -> Imported {
    let mut files = Files::new();
    let file = files.add(name, text);
    let (model, diagnostics) = import(&files, file, None, None, None);
    Imported { files, model, diagnostics }
}

/// Imports a shared sample (`samples/models/<path>`).
pub(crate) fn run_sample(path: &str) -> Imported {
    run(path.rsplit('/').next().unwrap_or(path), &read_shared(&format!("samples/models/{path}")))
}

/// Imports one of our fixtures (`test_data/import/<path>`).
pub(crate) fn run_fixture(path: &str) -> Imported {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/import").join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()));
    run(path.rsplit('/').next().unwrap_or(path), &text)
}

#[test]
fn explore() {
    for s in ["threat-dragon/v1-demo.json", "threat-dragon/v2-demo.json", "otm/EXAMPLE.json", "threat-composer/ThreatComposer.tc.json"] {
        let i = run_sample(s);
        for d in &i.diagnostics { eprintln!("   {} {} {:?}", d.code.as_str(), d.message, d.primary.as_ref().map(|p| i.files.get(p.file).line_col(p.span.start as u32))); }
        let m = i.model();
        eprintln!("{s}: {:?} {:?} {:?} {:?} {:?} {:?}", m.format, i.counts(), i.statuses(), i.severities(), i.control_statuses(), i.codes());
        for d in &i.diagnostics { eprintln!("   {} {}", d.code.as_str(), d.message); }
    }
    let i = run_sample("otm/EXAMPLE.json");
    eprintln!("{}", crate::export::to_native_yaml(i.model()));
    let i = run_sample("threat-dragon/v2-demo.json");
    eprintln!("{}", crate::export::to_native_yaml(i.model()));
}
