//! Building the report view model from the workspace and, where it exists, the measurement history.

use anyhow::Result;
use jiff::civil::Date;
use std::path::Path;
use threatokr_core::diag::Files;
use threatokr_core::model::Workspace;
use threatokr_core::report::ReportModel;

/// The report model of a cycle as of a date.
pub(crate) fn report_model(
    _root: &Path,
    workspace: &Workspace,
    files: &Files,
    _cycle: Option<&str>,
    as_of: Date,
) -> Result<ReportModel> {
    Ok(threatokr_core::report::build(workspace, files, as_of))
}
