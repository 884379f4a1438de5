//! What the pages and the API show, built by the backend in one go: the report view model (the
//! same as `report`'s), the workspace, the analysis, the `status --format json` contract, the
//! check-ins and the findings.

use crate::measurement::MeasurementText;
use jiff::civil::Date;
use std::collections::BTreeMap;
use threatokr_core::analysis::Analysis;
use threatokr_core::model::Workspace;
use threatokr_core::report::ReportModel;
use threatokr_store::CheckinRow;

/// One cycle of the workspace, for the cycle switcher.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleInfo {
    /// `2027-Q1`.
    pub id: String,
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// The cycle it nests in (`2027` for `2027-Q1`).
    pub within: Option<String>,
    /// Whether it has an OKR file (only those can be shown).
    pub has_okrs: bool,
    /// Whether its grades are frozen.
    pub closed: bool,
}

/// Everything about one cycle that the server shows.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The report view model: the same numbers as `report` and `measure`.
    pub report: ReportModel,
    /// The workspace: org, apps, models, OKRs.
    pub workspace: Workspace,
    /// Themes and risk of every threat.
    pub analysis: Analysis,
    /// Every cycle.
    pub cycles: Vec<CycleInfo>,
    /// The `status --format json` contract for this cycle, as indexed text.
    pub measurement: MeasurementText,
    /// Check-ins per key result, oldest first.
    pub checkins: BTreeMap<String, Vec<CheckinRow>>,
    /// Model file names, by index in `workspace.models`.
    pub model_files: Vec<String>,
    /// The CI scan of every repository folder of the workspace's apps.
    pub ci: Vec<threatokr_core::evidence::workflow::RepoScan>,
    /// The ASVS verifications in the evidence folder.
    pub asvs: Vec<threatokr_core::evidence::asvs::AsvsVerification>,
}

impl Snapshot {
    /// The cycle shown.
    pub(crate) fn cycle_id(&self) -> &str {
        self.report.cycle.as_ref().map_or("", |c| c.id.as_str())
    }

    /// An objective row of the report by id.
    pub(crate) fn objective(&self, id: &str) -> Option<&threatokr_core::report::ObjectiveRow> {
        self.report.objectives.iter().find(|o| o.id == id)
    }

    /// A key result row and the objectives that hold it.
    pub(crate) fn key_result(
        &self,
        id: &str,
    ) -> Option<(&threatokr_core::report::KrRow, Vec<&threatokr_core::report::ObjectiveRow>)> {
        let holders: Vec<_> = self
            .report
            .objectives
            .iter()
            .filter(|o| o.key_results.iter().any(|kr| kr.id == id))
            .collect();
        let kr = holders.first()?.key_results.iter().find(|kr| kr.id == id)?;
        Some((kr, holders))
    }

    /// The model of the workspace's current OKR set for this cycle.
    pub(crate) fn okr_objective(&self, id: &str) -> Option<&threatokr_core::model::Objective> {
        self.workspace
            .okrs
            .iter()
            .filter(|set| set.cycle.as_str() == self.cycle_id())
            .flat_map(|set| &set.objectives)
            .find(|o| o.id.as_str() == id)
    }
}
