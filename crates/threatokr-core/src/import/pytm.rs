//! Importer placeholder: replaced by the real reader for this format.

use super::ImportInput;
use crate::diag::Diagnostic;
use crate::model::ThreatModel;
use crate::syntax::Node;

pub(crate) fn looks_like(_node: &Node) -> Result<(), String> {
    Err("not implemented yet".to_owned())
}

pub(crate) fn import(input: &ImportInput<'_>) -> (ThreatModel, Vec<Diagnostic>) {
    (super::empty_model(input, crate::model::SourceFormat::Native), Vec::new())
}
