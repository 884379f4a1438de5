//! Importer placeholder: replaced by the real reader for this format.

use super::ImportInput;
use crate::diag::Diagnostic;
use crate::model::ThreatModel;

pub(crate) fn import(input: &ImportInput<'_>) -> (ThreatModel, Vec<Diagnostic>) {
    (super::empty_model(input, crate::model::SourceFormat::Tm7), Vec::new())
}
