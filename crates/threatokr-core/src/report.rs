//! The report view model, built once from the workspace (and, when measured, the numbers), and its renderers.
//!
//! The view model is plain owned data: ids and titles as text, numbers as `Option<f64>` where
//! "no data" is possible (never 0%). `build` fills what the workspace alone gives; `build_with`
//! also takes what measurement, scoring and analysis computed (`Measured`, `ThemeRow`).
//! Renderers are pure `fn(&ReportModel) -> String`; everything that comes from files or people
//! is escaped for the target format.

mod format;
mod html;
mod markdown;
mod svg;
mod table;
mod terminal;
#[cfg(test)]
mod tests;

pub use format::{
    NO_DATA, NONE, format_grade, format_number, format_percent, format_score, format_value,
    format_whole_percent,
};
pub use html::{escape_html, render_html};
pub use markdown::{escape as escape_markdown, render_markdown};
pub use svg::{progress_bar, sparkline};
pub use table::{Align, render_aligned_table, render_table};
pub use terminal::{render_kr_table, render_status_tree};

use crate::diag::Files;
use crate::model::{
    Commitment, KrKind, KrTarget, LinkKind, ObjectiveLevel, OkrSet, Severity, ThreatStatus,
    Workspace,
};
pub use crate::progress::{Band, Status};
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Everything a report shows, computed once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportModel {
    /// The organisation's name.
    pub org: String,
    /// The cycle the report is about, when the workspace has one.
    pub cycle: Option<CycleRow>,
    /// The date the report speaks for.
    pub as_of: Option<Date>,
    /// The overall score 0..1 (mean progress of the top objectives), when measured.
    pub overall_score: Option<f64>,
    /// The executive summary, in business words.
    pub summary: ExecutiveSummary,
    /// The alignment tree, depth first: each objective under each of its parents (the subtree
    /// is expanded once; later appearances are marked `repeated`).
    pub tree: Vec<TreeNode>,
    /// Every objective of the cycle, in tree order, with its key results.
    pub objectives: Vec<ObjectiveRow>,
    /// Open risk, statuses and apps.
    pub risk: RiskPicture,
    /// Appendix: every open threat, sorted by severity then app then id.
    pub register: Vec<ThreatRow>,
    /// Strategic vs tactical and committed vs aspirational key results.
    pub balance: Balance,
    /// Grades of earlier (and closed) cycles by lineage, sorted by lineage then cycle.
    pub grades: Vec<GradeRow>,
}

impl ReportModel {
    /// Where the overall score should be on the report's day: linear over the cycle (DESIGN.md §5).
    pub fn overall_expected(&self) -> Option<f64> {
        let cycle = self.cycle.as_ref()?;
        Some(crate::progress::expected_progress(cycle.start, cycle.end, self.as_of?))
    }

    /// The status the overall score earns against the expected one, judged as a key result is.
    pub fn overall_status(&self) -> Status {
        match (self.overall_expected(), self.as_of) {
            (Some(expected), Some(as_of)) => {
                crate::progress::status(self.overall_score, expected, None, as_of, 0)
            }
            _ => Status::NoData,
        }
    }
}

/// The cycle a report is about.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleRow {
    /// `2027-Q1`.
    pub id: String,
    /// First day.
    pub start: Date,
    /// Last day (inclusive).
    pub end: Date,
}

/// The words a reader sees for a status (`on track`, `no data`).
pub fn status_label(status: Status) -> &'static str {
    match status {
        Status::OnTrack => "on track",
        Status::AtRisk => "at risk",
        Status::OffTrack => "off track",
        Status::Stale => "stale",
        Status::NoData => NO_DATA,
    }
}

/// The executive summary.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecutiveSummary {
    /// Each business objective with the security objectives under it.
    pub business: Vec<BusinessRow>,
    /// What changed since the last measurement.
    pub changes: Vec<ChangeRow>,
    /// At most three things that need a decision, as sentences.
    pub decisions: Vec<String>,
}

/// A business objective: the target of a `supports` link, or a company-level objective.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessRow {
    /// Objective id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The owner's display name.
    pub owner: Option<String>,
    /// Progress 0..1, when measured.
    pub progress: Option<f64>,
    /// Status.
    pub status: Status,
    /// The security objectives directly under it.
    pub security: Vec<SupportRow>,
}

/// A security objective as seen from the business objective it serves.
#[derive(Debug, Clone, PartialEq)]
pub struct SupportRow {
    /// Objective id.
    pub id: String,
    /// Title.
    pub title: String,
    /// How it relates to the business objective.
    pub link: LinkKind,
    /// Progress 0..1, when measured.
    pub progress: Option<f64>,
    /// Status.
    pub status: Status,
}

/// A key result whose value moved between its two newest measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    /// Key result id.
    pub kr: String,
    /// Title.
    pub title: String,
    /// The value before.
    pub from: f64,
    /// The value now.
    pub to: f64,
    /// Unit for display.
    pub unit: String,
}

/// One row of the alignment tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    /// Objective id (an index into `objectives` by id).
    pub id: String,
    /// 0 for roots.
    pub depth: usize,
    /// How it is linked to the node above it; `None` for roots.
    pub link: Option<LinkKind>,
    /// Already shown (with its subtree) under another parent.
    pub repeated: bool,
}

/// One objective with its key results.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveRow {
    /// Cycle id.
    pub cycle: String,
    /// Objective id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Company, department, team or individual.
    pub level: ObjectiveLevel,
    /// Parents, each with its link kind.
    pub parents: Vec<(LinkKind, String)>,
    /// The owner's display name (the person id when the person is unknown).
    pub owner: Option<String>,
    /// Progress 0..1, when measured.
    pub progress: Option<f64>,
    /// Status.
    pub status: Status,
    /// Its key results, in file order.
    pub key_results: Vec<KrRow>,
    /// Links to objectives of other cycles (a quarter's objective and the year's it feeds).
    pub links: Vec<String>,
}

/// One key result of an objective.
#[derive(Debug, Clone, PartialEq)]
pub struct KrRow {
    /// Key result id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The latest value, when measured.
    pub value: Option<f64>,
    /// Unit for display (`%`, `apps`); empty when none.
    pub unit: String,
    /// Start value (metric key results).
    pub start: Option<f64>,
    /// Target value (metric) or limit (threshold).
    pub target: Option<f64>,
    /// The goal in words: `35 → 80 %`, `at most 0`, `3 milestones`, `done`.
    pub goal: String,
    /// Progress 0..1, when measured.
    pub progress: Option<f64>,
    /// Where progress should be by now, 0..1 (linear over the cycle).
    pub expected: Option<f64>,
    /// Status.
    pub status: Status,
    /// Confidence 0–10 from the newest check-in.
    pub confidence: Option<u8>,
    /// Strategic or tactical, when tagged.
    pub kind: Option<KrKind>,
    /// Committed or aspirational.
    pub commitment: Commitment,
    /// Measurements over time, oldest first.
    pub history: Vec<(Date, f64)>,
    /// What the number is made of (counts, never names of people who did not train).
    pub evidence: Vec<EvidenceRow>,
    /// The items counted, one line each (findings with severity and file, teams trained,
    /// threats and their tests, check-ins); renderers show the first [`COUNTED_SHOWN`].
    pub counted: Vec<String>,
    /// How many more items were counted than `counted` lists (a measurement keeps only the lines
    /// a report can show).
    pub counted_more: usize,
    /// Threats that justify it.
    pub derived_from: Vec<String>,
    /// For a milestones key result: how many milestones are done by the report's day, of how many.
    pub milestones: Option<(usize, usize)>,
}

impl KrRow {
    /// The counted items a report lists (the first [`COUNTED_SHOWN`]) and how many it leaves
    /// to "and M more".
    pub fn counted_shown(&self) -> (&[String], usize) {
        let shown = &self.counted[..self.counted.len().min(COUNTED_SHOWN)];
        (shown, self.counted.len() - shown.len() + self.counted_more)
    }

    /// The value as a person reads it: `1 of 3` for milestones (the weighted share is the
    /// progress), else the number with its unit, or `no data`.
    pub fn value_text(&self) -> String {
        match self.milestones {
            Some((done, total)) if self.value.is_some() => format!("{done} of {total}"),
            _ => format_value(self.value, &self.unit),
        }
    }
}

/// How many counted items a report lists under a key result before "and M more".
pub const COUNTED_SHOWN: usize = 10;

/// One line of evidence behind a number: `findings open in prod: 3`.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    /// What is counted.
    pub label: String,
    /// The count or text (`4 of 5`).
    pub value: String,
}

/// The risk picture.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RiskPicture {
    /// Open risk per theme at each date, oldest first; themes sorted by name within a date.
    pub by_theme: Vec<(Date, Vec<(String, f64)>)>,
    /// Threat counts per status (every threat of every model), in vocabulary order, zeros left out.
    pub by_status: Vec<(ThreatStatus, usize)>,
    /// Apps by open risk, highest first (at most ten).
    pub top_apps: Vec<AppRisk>,
}

/// An app's open risk.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRisk {
    /// App id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Open threats.
    pub open: usize,
    /// Sum of the open threats' numeric risk (0–10 each).
    pub risk: f64,
}

/// One open threat in the register.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreatRow {
    /// App id.
    pub app: String,
    /// Threat id.
    pub id: String,
    /// Its short alias (`checkout:T-4821`), shown beside the id.
    pub alias: Option<String>,
    /// Title.
    pub title: String,
    /// Theme, when analysed.
    pub theme: Option<String>,
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: ThreatStatus,
    /// Key results citing it, sorted.
    pub cited_by: Vec<String>,
}

/// Key result counts by kind and commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balance {
    /// Tagged strategic.
    pub strategic: usize,
    /// Tagged tactical.
    pub tactical: usize,
    /// Not tagged.
    pub untagged: usize,
    /// Committed (their own or their objective's).
    pub committed: usize,
    /// Aspirational.
    pub aspirational: usize,
}

/// A frozen grade of one key result at a cycle's close.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeRow {
    /// Cycle id.
    pub cycle: String,
    /// Lineage id, stable across cycles.
    pub lineage: String,
    /// Score 0..1.
    pub score: f64,
    /// Band.
    pub band: Band,
}

/// What measurement, scoring and the history store computed; everything optional.
///
/// An empty `Measured` (its `Default`) yields a report where every number is "no data".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measured {
    /// The cycle to report on; `None` picks the shortest cycle containing `as_of` that has OKRs,
    /// else the newest OKR set.
    pub cycle: Option<String>,
    /// Per key result id.
    pub key_results: BTreeMap<String, MeasuredKr>,
    /// Per objective id.
    pub objectives: BTreeMap<String, MeasuredObjective>,
    /// The overall score 0..1.
    pub overall_score: Option<f64>,
    /// Open risk per theme over time, oldest first.
    pub theme_risk: Vec<(Date, Vec<(String, f64)>)>,
    /// Grades of closed cycles.
    pub grades: Vec<GradeRow>,
    /// What changed; when empty it is derived from the two newest history points of each key result.
    pub changes: Vec<ChangeRow>,
    /// Things that need a decision; when empty they are derived from statuses and uncited risk.
    pub decisions: Vec<String>,
}

/// One key result's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredKr {
    /// The latest value.
    pub value: Option<f64>,
    /// Progress 0..1.
    pub progress: Option<f64>,
    /// Expected progress 0..1; `None` uses the linear expectation over the cycle.
    pub expected: Option<f64>,
    /// Status.
    pub status: Status,
    /// Confidence 0–10.
    pub confidence: Option<u8>,
    /// Measurements, oldest first.
    pub history: Vec<(Date, f64)>,
    /// Evidence lines.
    pub evidence: Vec<EvidenceRow>,
    /// The items counted, one line each (findings, teams, tests, check-ins), in the metric's order:
    /// all of them, or only the first ones a report shows ([`COUNTED_SHOWN`]).
    pub counted: Vec<String>,
    /// How many more items were counted than `counted` lists.
    pub counted_more: usize,
}

/// One objective's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredObjective {
    /// Progress 0..1.
    pub progress: Option<f64>,
    /// Status.
    pub status: Status,
    /// Links to objectives of other cycles, for people: "contributes to O-Y (2027)",
    /// "O-Q1 of 2027-Q1 contributes 40%".
    pub links: Vec<String>,
}

impl Default for MeasuredKr {
    /// Nothing measured: every number `None`, status `NoData`.
    fn default() -> Self {
        Self {
            value: None,
            progress: None,
            expected: None,
            status: Status::NoData,
            confidence: None,
            history: Vec::new(),
            evidence: Vec::new(),
            counted: Vec::new(),
            counted_more: 0,
        }
    }
}

impl Default for MeasuredObjective {
    /// Nothing measured.
    fn default() -> Self {
        Self { progress: None, status: Status::NoData, links: Vec::new() }
    }
}

/// What analysis says about one threat: its theme and numeric risk.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeRow {
    /// App id.
    pub app: String,
    /// Threat id.
    pub threat: String,
    /// Theme name (`access_control`).
    pub theme: String,
    /// Numeric risk 0–10; `None` falls back to `taxonomy::risk_of`.
    pub risk: Option<f64>,
}

/// Builds the view model from the workspace alone: structure, the threat register with themes
/// and risk from `analysis`, counts; every measured number is "no data".
pub fn build(workspace: &Workspace, files: &Files, as_of: Date) -> ReportModel {
    let themes = theme_rows(&crate::analysis::analyze(workspace));
    build_with(workspace, files, as_of, &Measured::default(), &themes)
}

/// The theme and numeric risk of every analysed threat, as `build_with` takes them.
pub fn theme_rows(analysis: &crate::analysis::Analysis) -> Vec<ThemeRow> {
    analysis
        .threats
        .iter()
        .map(|t| ThemeRow {
            app: t.app.to_string(),
            threat: t.id.to_string(),
            theme: t.theme.as_str().to_owned(),
            risk: Some(t.risk.score),
        })
        .collect()
}

/// Builds the view model from the workspace plus measured numbers and per-threat themes.
pub fn build_with(
    workspace: &Workspace,
    _files: &Files,
    as_of: Date,
    measured: &Measured,
    themes: &[ThemeRow],
) -> ReportModel {
    let set = select_set(workspace, measured.cycle.as_deref(), as_of);
    let cycle = set.and_then(|set| workspace.config.cycle(set.cycle.as_str())).map(|c| CycleRow {
        id: c.id.to_string(),
        start: c.start,
        end: c.end,
    });
    let linear_expected =
        cycle.as_ref().map(|c| crate::progress::expected_progress(c.start, c.end, as_of));
    let people: HashMap<&str, &str> =
        workspace.config.org.people.iter().map(|p| (p.id.as_str(), p.name.as_str())).collect();

    let mut objectives = Vec::new();
    let mut balance = Balance::default();
    let mut cited: HashMap<&str, Vec<String>> = HashMap::new();
    if let Some(set) = set {
        for kr in &set.key_results {
            for threat in &kr.derived_from {
                cited.entry(threat.as_str()).or_default().push(kr.id.to_string());
            }
        }
        balance = count_balance(set);
        for objective in &set.objectives {
            let numbers = measured.objectives.get(objective.id.as_str());
            let key_results = objective
                .key_results
                .iter()
                .filter_map(|id| set.key_result(id))
                .map(|kr| {
                    kr_row(
                        kr,
                        kr.commitment.unwrap_or(objective.commitment),
                        measured.key_results.get(kr.id.as_str()),
                        linear_expected,
                        as_of,
                    )
                })
                .collect();
            objectives.push(ObjectiveRow {
                cycle: set.cycle.to_string(),
                id: objective.id.to_string(),
                title: objective.title.clone(),
                level: objective.level,
                parents: objective
                    .parents
                    .iter()
                    .map(|(kind, id)| (*kind, id.to_string()))
                    .collect(),
                owner: objective.owner.as_ref().map(|p| {
                    people.get(p.as_str()).map_or_else(|| p.to_string(), |n| (*n).to_owned())
                }),
                progress: numbers.and_then(|n| n.progress),
                status: numbers.map_or(Status::NoData, |n| n.status),
                key_results,
                links: numbers.map(|n| n.links.clone()).unwrap_or_default(),
            });
        }
    }
    let tree = alignment_tree(&objectives);
    let order: HashMap<&str, usize> =
        tree.iter().enumerate().rev().map(|(i, n)| (n.id.as_str(), i)).collect();
    objectives.sort_by_key(|o| order.get(o.id.as_str()).copied().unwrap_or(usize::MAX));

    let theme_of: HashMap<(&str, &str), &ThemeRow> =
        themes.iter().map(|t| ((t.app.as_str(), t.threat.as_str()), t)).collect();
    let mut register = Vec::new();
    let mut by_status: BTreeMap<ThreatStatus, usize> = BTreeMap::new();
    let mut app_risk: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    let mut theme_now: BTreeMap<&str, f64> = BTreeMap::new();
    for model in &workspace.models {
        let Some(app) = model.app.as_ref() else { continue };
        for threat in &model.threats {
            *by_status.entry(threat.status).or_default() += 1;
            if !threat.status.is_open() {
                continue;
            }
            let analysed = theme_of.get(&(app.as_str(), threat.id.as_str()));
            let risk = analysed
                .and_then(|t| t.risk)
                .unwrap_or_else(|| crate::taxonomy::risk_of(threat).score);
            let entry = app_risk.entry(app.as_str()).or_default();
            entry.0 += 1;
            entry.1 += risk;
            if let Some(t) = analysed {
                *theme_now.entry(t.theme.as_str()).or_default() += risk;
            }
            let mut cited_by = cited.get(threat.id.as_str()).cloned().unwrap_or_default();
            cited_by.sort();
            cited_by.dedup();
            register.push(ThreatRow {
                app: app.to_string(),
                id: threat.id.to_string(),
                alias: workspace.aliases.alias_in(app.as_str(), &threat.id).map(str::to_owned),
                title: threat.title.clone(),
                theme: analysed.map(|t| t.theme.clone()),
                severity: threat.severity,
                status: threat.status,
                cited_by,
            });
        }
    }
    register.sort_by(|a, b| (a.severity, &a.app, &a.id).cmp(&(b.severity, &b.app, &b.id)));
    let mut top_apps: Vec<AppRisk> = app_risk
        .into_iter()
        .map(|(id, (open, risk))| AppRisk {
            id: id.to_owned(),
            name: workspace.config.app(id).map_or_else(|| id.to_owned(), |a| a.name.clone()),
            open,
            risk,
        })
        .collect();
    top_apps.sort_by(|a, b| b.risk.total_cmp(&a.risk).then_with(|| a.id.cmp(&b.id)));
    top_apps.truncate(10);
    let by_theme = if measured.theme_risk.is_empty() {
        if theme_now.is_empty() {
            Vec::new()
        } else {
            vec![(as_of, theme_now.into_iter().map(|(t, r)| (t.to_owned(), r)).collect())]
        }
    } else {
        measured.theme_risk.clone()
    };

    let changes = if measured.changes.is_empty() {
        derive_changes(&objectives)
    } else {
        measured.changes.clone()
    };
    let decisions = if measured.decisions.is_empty() {
        derive_decisions(&objectives, &register)
    } else {
        measured.decisions.iter().take(3).cloned().collect()
    };
    let summary = ExecutiveSummary { business: business_rows(&objectives), changes, decisions };
    let mut grades = measured.grades.clone();
    grades.sort_by(|a, b| (&a.lineage, &a.cycle).cmp(&(&b.lineage, &b.cycle)));

    ReportModel {
        org: workspace.config.org.name.clone(),
        cycle,
        as_of: Some(as_of),
        overall_score: measured.overall_score,
        summary,
        tree,
        objectives,
        risk: RiskPicture { by_theme, by_status: by_status.into_iter().collect(), top_apps },
        register,
        balance,
        grades,
    }
}

/// The OKR set a report speaks for: the named cycle, else the shortest cycle containing `as_of`
/// that has OKRs, else the newest set.
fn select_set<'w>(
    workspace: &'w Workspace,
    cycle: Option<&str>,
    as_of: Date,
) -> Option<&'w OkrSet> {
    if let Some(cycle) = cycle {
        return workspace.okrs.iter().find(|s| s.cycle.as_str() == cycle);
    }
    workspace
        .okrs
        .iter()
        .filter_map(|set| {
            let c = workspace.config.cycle(set.cycle.as_str())?;
            (c.start <= as_of && as_of <= c.end).then_some((set, (c.end - c.start).get_days()))
        })
        .min_by_key(|(_, days)| *days)
        .map(|(set, _)| set)
        .or_else(|| workspace.okrs.last())
}

fn count_balance(set: &OkrSet) -> Balance {
    let mut commitment_of: HashMap<&str, Commitment> = HashMap::new();
    for objective in &set.objectives {
        for kr in &objective.key_results {
            commitment_of.entry(kr.as_str()).or_insert(objective.commitment);
        }
    }
    let mut balance = Balance::default();
    for kr in &set.key_results {
        match kr.kind {
            Some(KrKind::Strategic) => balance.strategic += 1,
            Some(KrKind::Tactical) => balance.tactical += 1,
            None => balance.untagged += 1,
        }
        let commitment = kr
            .commitment
            .or_else(|| commitment_of.get(kr.id.as_str()).copied())
            .unwrap_or(Commitment::Committed);
        match commitment {
            Commitment::Committed => balance.committed += 1,
            Commitment::Aspirational => balance.aspirational += 1,
        }
    }
    balance
}

fn kr_row(
    kr: &crate::model::KeyResult,
    commitment: Commitment,
    numbers: Option<&MeasuredKr>,
    linear_expected: Option<f64>,
    as_of: Date,
) -> KrRow {
    let unit = kr.unit.clone().unwrap_or_default();
    let with_unit = |v: f64| format_value(Some(v), &unit);
    let (start, target, goal) = match &kr.target {
        KrTarget::Metric { start, target, .. } => (
            Some(*start),
            Some(*target),
            format!("{} → {}", format_number(*start), with_unit(*target)),
        ),
        KrTarget::Threshold { comparison, limit } => {
            let words = match comparison {
                crate::model::Comparison::AtMost => "at most",
                crate::model::Comparison::AtLeast => "at least",
                crate::model::Comparison::Below => "below",
                crate::model::Comparison::Above => "above",
            };
            (None, Some(*limit), format!("{words} {}", with_unit(*limit)))
        }
        KrTarget::Milestones(items) => (None, None, format!("{} milestones", items.len())),
        KrTarget::Binary { .. } => (None, None, "done".to_owned()),
    };
    let mut derived_from: Vec<String> = kr.derived_from.iter().map(|t| t.to_string()).collect();
    derived_from.sort();
    derived_from.dedup();
    let milestones = match &kr.target {
        KrTarget::Milestones(items) => {
            let done = items.iter().filter(|m| m.done.is_some_and(|d| d <= as_of)).count();
            Some((done, items.len()))
        }
        _ => None,
    };
    KrRow {
        id: kr.id.to_string(),
        title: kr.title.clone(),
        value: numbers.and_then(|n| n.value),
        unit,
        start,
        target,
        goal,
        progress: numbers.and_then(|n| n.progress),
        expected: numbers.and_then(|n| n.expected).or(linear_expected),
        status: numbers.map_or(Status::NoData, |n| n.status),
        confidence: numbers.and_then(|n| n.confidence),
        kind: kr.kind,
        commitment,
        history: numbers.map(|n| n.history.clone()).unwrap_or_default(),
        evidence: numbers.map(|n| n.evidence.clone()).unwrap_or_default(),
        counted: numbers.map(|n| n.counted.clone()).unwrap_or_default(),
        counted_more: numbers.map_or(0, |n| n.counted_more),
        derived_from,
        milestones,
    }
}

/// Depth-first from the roots (objectives with no parent in the set), children in file order.
/// An objective with several parents appears under each; its subtree is expanded only the first
/// time, which keeps the tree linear in the number of links.
fn alignment_tree(objectives: &[ObjectiveRow]) -> Vec<TreeNode> {
    let index: HashMap<&str, usize> =
        objectives.iter().enumerate().map(|(i, o)| (o.id.as_str(), i)).collect();
    let mut children: Vec<Vec<(usize, LinkKind)>> = vec![Vec::new(); objectives.len()];
    let mut roots = Vec::new();
    for (i, objective) in objectives.iter().enumerate() {
        let mut has_parent = false;
        for (kind, parent) in &objective.parents {
            if let Some(&p) = index.get(parent.as_str())
                && p != i
            {
                children[p].push((i, *kind));
                has_parent = true;
            }
        }
        if !has_parent {
            roots.push(i);
        }
    }
    let mut tree = Vec::with_capacity(objectives.len());
    let mut expanded = vec![false; objectives.len()];
    // Roots first; then anything only reachable through a loop of parent links, as a root too.
    for start in roots.into_iter().chain(0..objectives.len()) {
        if expanded[start] {
            continue;
        }
        // An explicit stack instead of recursion: a deep chain of objectives cannot overflow it.
        let mut stack: Vec<(usize, usize, Option<LinkKind>)> = vec![(start, 0, None)];
        while let Some((i, depth, link)) = stack.pop() {
            let repeated = expanded[i];
            expanded[i] = true;
            tree.push(TreeNode { id: objectives[i].id.clone(), depth, link, repeated });
            if !repeated {
                for &(child, kind) in children[i].iter().rev() {
                    stack.push((child, depth + 1, Some(kind)));
                }
            }
        }
    }
    tree
}

/// Business objectives are targets of a `supports` link or company-level objectives; under each,
/// the objectives directly linked to it that are not business objectives themselves.
fn business_rows(objectives: &[ObjectiveRow]) -> Vec<BusinessRow> {
    let supported: HashSet<&str> = objectives
        .iter()
        .flat_map(|o| o.parents.iter())
        .filter(|(kind, _)| *kind == LinkKind::Supports)
        .map(|(_, id)| id.as_str())
        .collect();
    let is_business =
        |o: &ObjectiveRow| supported.contains(o.id.as_str()) || o.level == ObjectiveLevel::Company;
    let mut under: HashMap<&str, Vec<SupportRow>> = HashMap::new();
    for objective in objectives.iter().filter(|o| !is_business(o)) {
        for (kind, parent) in &objective.parents {
            under.entry(parent.as_str()).or_default().push(SupportRow {
                id: objective.id.clone(),
                title: objective.title.clone(),
                link: *kind,
                progress: objective.progress,
                status: objective.status,
            });
        }
    }
    objectives
        .iter()
        .filter(|o| is_business(o))
        .map(|o| BusinessRow {
            id: o.id.clone(),
            title: o.title.clone(),
            owner: o.owner.clone(),
            progress: o.progress,
            status: o.status,
            security: under.remove(o.id.as_str()).unwrap_or_default(),
        })
        .collect()
}

/// Key results whose two newest measurements differ, each once.
fn derive_changes(objectives: &[ObjectiveRow]) -> Vec<ChangeRow> {
    let mut seen = HashSet::new();
    let mut changes = Vec::new();
    for kr in objectives.iter().flat_map(|o| &o.key_results) {
        if !seen.insert(kr.id.as_str()) {
            continue;
        }
        if let [.., (_, from), (_, to)] = kr.history.as_slice()
            && from != to
        {
            changes.push(ChangeRow {
                kr: kr.id.clone(),
                title: kr.title.clone(),
                from: *from,
                to: *to,
                unit: kr.unit.clone(),
            });
        }
    }
    changes
}

/// Up to three decisions: off-track committed key results, then other off-track or stale ones,
/// then open critical or high threats that no key result cites.
fn derive_decisions(objectives: &[ObjectiveRow], register: &[ThreatRow]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut ranked: Vec<(u8, String)> = Vec::new();
    for kr in objectives.iter().flat_map(|o| &o.key_results) {
        if !seen.insert(kr.id.as_str()) {
            continue;
        }
        let rank = match (kr.status, kr.commitment) {
            (Status::OffTrack, Commitment::Committed) => 0,
            (Status::OffTrack, Commitment::Aspirational) => 1,
            (Status::Stale, _) => 2,
            _ => continue,
        };
        let what = match kr.status {
            Status::Stale => "has no recent measurement: re-measure it or drop it",
            _ => "is off track: add people, cut scope or move the target",
        };
        ranked.push((rank, format!("{} “{}” {what}.", kr.id, kr.title)));
    }
    let uncited = register
        .iter()
        .filter(|t| {
            matches!(t.severity, Severity::Critical | Severity::High) && t.cited_by.is_empty()
        })
        .count();
    if uncited > 0 {
        ranked.push((
            3,
            format!(
                "{uncited} open critical or high threat{} not covered by any key result: plan for {} or accept the risk.",
                if uncited == 1 { " is" } else { "s are" },
                if uncited == 1 { "it" } else { "them" }
            ),
        ));
    }
    ranked.sort_by_key(|(rank, _)| *rank);
    ranked.into_iter().take(3).map(|(_, text)| text).collect()
}

/// Grades laid out for a table: the cycles (sorted) as columns, one row per lineage (sorted),
/// each cell the grade of that lineage in that cycle, if any.
pub(crate) type GradeGrid<'m> = (Vec<&'m str>, Vec<(&'m str, Vec<Option<&'m GradeRow>>)>);

/// Lays grades out as a lineage × cycle grid, whatever order they come in.
pub(crate) fn grade_grid(grades: &[GradeRow]) -> GradeGrid<'_> {
    let mut cycles: Vec<&str> = grades.iter().map(|g| g.cycle.as_str()).collect();
    cycles.sort_unstable();
    cycles.dedup();
    let column: HashMap<&str, usize> = cycles.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut rows: BTreeMap<&str, Vec<Option<&GradeRow>>> = BTreeMap::new();
    for grade in grades {
        let row = rows.entry(grade.lineage.as_str()).or_insert_with(|| vec![None; cycles.len()]);
        row[column[grade.cycle.as_str()]] = Some(grade);
    }
    (cycles, rows.into_iter().collect())
}
