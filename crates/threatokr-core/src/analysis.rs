//! Portfolio analysis: where the open risk is, by theme, app and team (`threatokr analyze`).
//!
//! Every threat of every model gets a theme ([`taxonomy::classify`]) and a numeric risk
//! ([`taxonomy::risk_of`]). The figures are then summed per theme across the portfolio, per app
//! and per team, and per theme inside each app and team. Definitions (DESIGN.md §3–4):
//!
//! - **open**: status identified, in_review, in_progress or unknown;
//! - **in scope**: every status but not_applicable and false_positive;
//! - **open risk**: the sum of the risk of open threats; **share**: a group's open risk divided by
//!   the open risk of what encloses it (the portfolio for themes, apps and teams; the app or team
//!   for the theme rows inside it), 0 when that has none;
//! - **mitigated share**: mitigated or verified threats / in-scope threats (`None` when nothing is
//!   in scope);
//! - **affected apps and teams**: those with at least one open threat in the group;
//! - **controls**: distinct controls linked to the group's threats (either direction of link);
//!   *planned* = planned or in_progress, *implemented* = implemented or verified;
//! - **tested**: in-scope threats that a test scenario of the same model names;
//! - **default risk**: open threats whose risk is the flagged default of
//!   [`taxonomy::DEFAULT_RISK`], because they carry no CVSS, likelihood × impact or severity.
//!
//! A model's app is `model.app` (the workspace loader fills it in); a model without one counts as
//! an app named after its title, or `unassigned` when the title is not a usable id. An app's team
//! comes from `threatokr.yaml`. Risk sums are kept exactly in tenths (every risk is a multiple of
//! 0.1), so rankings never depend on floating-point summation order. Themes, apps and teams are
//! ranked by open risk, highest first, ties by name.

mod history;
mod render;

pub use render::{analysis_json, render_markdown, render_table};

pub use history::{StatusChange, open_risk_by_theme_over_time};

use crate::model::{
    AppId, ControlId, ControlStatus, TeamId, Theme, ThreatId, ThreatStatus, Workspace,
};
use crate::taxonomy::{self, Risk, RiskBasis, ThemeSource};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The result of [`analyze`].
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Themes with at least one threat, ranked by open risk.
    pub themes: Vec<ThemeSummary>,
    /// Every app (from `threatokr.yaml` and from the models), ranked by open risk.
    pub apps: Vec<AppSummary>,
    /// Every team (from `threatokr.yaml` and named by apps), ranked by open risk.
    pub teams: Vec<TeamSummary>,
    /// Every threat with its theme and risk, in workspace order (model by model).
    pub threats: Vec<AnalyzedThreat>,
    /// The whole portfolio.
    pub totals: Figures,
}

impl Analysis {
    /// The summary of a theme, if any threat has it.
    pub fn theme(&self, theme: Theme) -> Option<&ThemeSummary> {
        self.themes.iter().find(|t| t.theme == theme)
    }

    /// The open threats of a theme, highest risk first (empty when the theme has none).
    pub fn open_threats_of(&self, theme: Theme) -> Vec<&AnalyzedThreat> {
        self.theme(theme)
            .map(|t| t.open_threat_indices.iter().map(|&i| &self.threats[i]).collect())
            .unwrap_or_default()
    }
}

/// One threat as the analysis sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzedThreat {
    /// Index of its model in `workspace.models`.
    pub model: usize,
    /// The app the model describes.
    pub app: AppId,
    /// The app's team, if `threatokr.yaml` names one.
    pub team: Option<TeamId>,
    /// The threat's id (unique inside its model).
    pub id: ThreatId,
    /// The threat's title.
    pub title: String,
    /// Its status.
    pub status: ThreatStatus,
    /// Its theme.
    pub theme: Theme,
    /// Why it got that theme.
    pub theme_source: ThemeSource,
    /// Its numeric risk.
    pub risk: Risk,
    /// A test scenario of its model names it.
    pub tested: bool,
}

/// The figures of one group of threats (a theme, an app, a team, the portfolio...).
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Threats of any status.
    pub threats: usize,
    /// Threats that are not not_applicable or false_positive.
    pub in_scope: usize,
    /// Open threats.
    pub open_threats: usize,
    /// Mitigated or verified threats.
    pub mitigated: usize,
    /// Sum of the risk of open threats.
    pub open_risk: f64,
    /// Open risk / the enclosing group's open risk (0 when that is 0).
    pub share: f64,
    /// Mitigated / in scope; `None` when nothing is in scope.
    pub mitigated_share: Option<f64>,
    /// In-scope threats named by a test scenario.
    pub tested: usize,
    /// Open threats whose risk is the default (no CVSS, likelihood × impact or severity).
    pub default_risk: usize,
    /// Distinct controls linked to the group's threats.
    pub controls: usize,
    /// Of those, planned or in progress.
    pub controls_planned: usize,
    /// Of those, implemented or verified.
    pub controls_implemented: usize,
}

/// A theme across the portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeSummary {
    /// The theme.
    pub theme: Theme,
    /// Its figures; `share` is of the portfolio's open risk.
    pub figures: Figures,
    /// Apps with an open threat of this theme, by id.
    pub apps: Vec<AppId>,
    /// Teams owning those apps, by id.
    pub teams: Vec<TeamId>,
    /// Its open threats, as indices into [`Analysis::threats`], highest risk first (ties by app,
    /// then threat id); [`Analysis::open_threats_of`] resolves them.
    pub open_threat_indices: Vec<usize>,
}

/// A theme's figures inside one app or team.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeBreakdown {
    /// The theme.
    pub theme: Theme,
    /// Its figures; `share` is of the enclosing app's or team's open risk.
    pub figures: Figures,
}

/// One app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppSummary {
    /// The app's id.
    pub app: AppId,
    /// Its display name, when `threatokr.yaml` defines the app.
    pub name: Option<String>,
    /// Its team, when `threatokr.yaml` names one.
    pub team: Option<TeamId>,
    /// Its figures; `share` is of the portfolio's open risk.
    pub figures: Figures,
    /// Its themes, ranked by open risk.
    pub themes: Vec<ThemeBreakdown>,
}

/// One team.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamSummary {
    /// The team's id.
    pub team: TeamId,
    /// Its display name, when `threatokr.yaml` defines the team.
    pub name: Option<String>,
    /// Its apps with an open threat, by id.
    pub apps: Vec<AppId>,
    /// Its figures; `share` is of the portfolio's open risk.
    pub figures: Figures,
    /// Its themes, ranked by open risk.
    pub themes: Vec<ThemeBreakdown>,
}

/// Running sums for one group; risk in exact tenths.
#[derive(Debug, Default, Clone)]
struct Tally {
    threats: usize,
    in_scope: usize,
    open_threats: usize,
    mitigated: usize,
    open_risk_tenths: u64,
    tested: usize,
    default_risk: usize,
    controls: BTreeSet<(usize, ControlId)>,
    affected_apps: BTreeSet<AppId>,
}

impl Tally {
    fn add(&mut self, threat: &AnalyzedThreat, controls: &[(usize, ControlId)]) {
        self.threats += 1;
        if !threat.status.is_out_of_scope() {
            self.in_scope += 1;
            if threat.tested {
                self.tested += 1;
            }
        }
        if threat.status.is_mitigated() {
            self.mitigated += 1;
        }
        if threat.status.is_open() {
            self.open_threats += 1;
            self.open_risk_tenths += u64::from(threat.risk.tenths());
            if threat.risk.basis == RiskBasis::Default {
                self.default_risk += 1;
            }
            // Looked up before copied: most threats of a group share their app and controls.
            if !self.affected_apps.contains(&threat.app) {
                self.affected_apps.insert(threat.app.clone());
            }
        }
        for control in controls {
            if !self.controls.contains(control) {
                self.controls.insert(control.clone());
            }
        }
    }

    fn figures(
        &self,
        enclosing_tenths: u64,
        control_status: &HashMap<(usize, ControlId), ControlStatus>,
    ) -> Figures {
        let status_of = |key: &(usize, ControlId)| control_status.get(key).copied();
        Figures {
            threats: self.threats,
            in_scope: self.in_scope,
            open_threats: self.open_threats,
            mitigated: self.mitigated,
            open_risk: self.open_risk_tenths as f64 / 10.0,
            share: if enclosing_tenths == 0 {
                0.0
            } else {
                self.open_risk_tenths as f64 / enclosing_tenths as f64
            },
            mitigated_share: (self.in_scope > 0)
                .then(|| self.mitigated as f64 / self.in_scope as f64),
            tested: self.tested,
            default_risk: self.default_risk,
            controls: self.controls.len(),
            controls_planned: self
                .controls
                .iter()
                .filter(|c| {
                    matches!(status_of(c), Some(ControlStatus::Planned | ControlStatus::InProgress))
                })
                .count(),
            controls_implemented: self
                .controls
                .iter()
                .filter(|c| status_of(c).is_some_and(ControlStatus::is_implemented))
                .count(),
        }
    }
}

/// A group's tally with its theme breakdown.
#[derive(Debug, Default)]
struct Group {
    all: Tally,
    by_theme: BTreeMap<Theme, Tally>,
}

impl Group {
    fn add(&mut self, threat: &AnalyzedThreat, controls: &[(usize, ControlId)]) {
        self.all.add(threat, controls);
        self.by_theme.entry(threat.theme).or_default().add(threat, controls);
    }

    fn breakdown(
        &self,
        control_status: &HashMap<(usize, ControlId), ControlStatus>,
    ) -> Vec<ThemeBreakdown> {
        let mut rows: Vec<(u64, ThemeBreakdown)> = self
            .by_theme
            .iter()
            .map(|(&theme, tally)| {
                (
                    tally.open_risk_tenths,
                    ThemeBreakdown {
                        theme,
                        figures: tally.figures(self.all.open_risk_tenths, control_status),
                    },
                )
            })
            .collect();
        rows.sort_by(|(a_risk, a), (b_risk, b)| {
            b_risk.cmp(a_risk).then_with(|| a.theme.as_str().cmp(b.theme.as_str()))
        });
        rows.into_iter().map(|(_, row)| row).collect()
    }
}

/// The app a model describes: `model.app`, else its title as an id, else `unassigned`.
fn app_of(model: &crate::model::ThreatModel) -> AppId {
    model
        .app
        .clone()
        .or_else(|| model.title.parse().ok())
        .unwrap_or_else(|| "unassigned".parse().expect("a valid id"))
}

/// Analyses every model of the workspace (see the module documentation for the definitions).
pub fn analyze(workspace: &Workspace) -> Analysis {
    let config = &workspace.config;
    let mut threats = Vec::new();
    // Controls linked to each threat, keyed by (model index, threat id), and every control's status.
    let mut control_status: HashMap<(usize, ControlId), ControlStatus> = HashMap::new();
    let mut threat_controls: Vec<Vec<(usize, ControlId)>> = Vec::new();

    for (index, model) in workspace.models.iter().enumerate() {
        let app = app_of(model);
        let team = config.app(app.as_str()).and_then(|a| a.team.clone());
        let tested: HashSet<&ThreatId> =
            model.tests.iter().flat_map(|test| &test.threats).collect();
        let known_controls: HashSet<&ControlId> = model.controls.iter().map(|c| &c.id).collect();
        let mut links: HashMap<&ThreatId, BTreeSet<&ControlId>> = HashMap::new();
        for control in &model.controls {
            control_status.insert((index, control.id.clone()), control.status);
            for threat in &control.threats {
                links.entry(threat).or_default().insert(&control.id);
            }
        }
        for threat in &model.threats {
            let (theme, theme_source) = taxonomy::classify(threat);
            let mut linked: BTreeSet<&ControlId> =
                links.get(&threat.id).cloned().unwrap_or_default();
            linked.extend(threat.controls.iter().filter(|id| known_controls.contains(id)));
            threat_controls.push(linked.into_iter().map(|id| (index, id.clone())).collect());
            threats.push(AnalyzedThreat {
                model: index,
                app: app.clone(),
                team: team.clone(),
                id: threat.id.clone(),
                title: threat.title.clone(),
                status: threat.status,
                theme,
                theme_source,
                risk: taxonomy::risk_of(threat),
                tested: tested.contains(&threat.id),
            });
        }
    }

    let mut portfolio = Tally::default();
    let mut by_theme: BTreeMap<Theme, Tally> = BTreeMap::new();
    let mut by_app: BTreeMap<AppId, Group> =
        config.apps.iter().map(|a| (a.id.clone(), Group::default())).collect();
    let mut by_team: BTreeMap<TeamId, Group> =
        config.org.teams.iter().map(|t| (t.id.clone(), Group::default())).collect();
    by_team.extend(
        config.apps.iter().filter_map(|a| a.team.clone()).map(|team| (team, Group::default())),
    );
    let mut theme_teams: BTreeMap<Theme, BTreeSet<TeamId>> = BTreeMap::new();

    for (threat, controls) in threats.iter().zip(&threat_controls) {
        portfolio.add(threat, controls);
        by_theme.entry(threat.theme).or_default().add(threat, controls);
        by_app.entry(threat.app.clone()).or_default().add(threat, controls);
        if let Some(team) = &threat.team {
            by_team.entry(team.clone()).or_default().add(threat, controls);
            if threat.status.is_open() {
                theme_teams.entry(threat.theme).or_default().insert(team.clone());
            }
        }
    }

    let total = portfolio.open_risk_tenths;
    let mut open_by_theme: BTreeMap<Theme, Vec<usize>> = BTreeMap::new();
    for (index, threat) in threats.iter().enumerate() {
        if threat.status.is_open() {
            open_by_theme.entry(threat.theme).or_default().push(index);
        }
    }

    let mut themes: Vec<(u64, ThemeSummary)> = by_theme
        .iter()
        .map(|(&theme, tally)| {
            let mut open_threats = open_by_theme.remove(&theme).unwrap_or_default();
            open_threats.sort_by(|&a, &b| {
                let (a, b) = (&threats[a], &threats[b]);
                b.risk
                    .tenths()
                    .cmp(&a.risk.tenths())
                    .then_with(|| a.app.cmp(&b.app))
                    .then_with(|| a.id.cmp(&b.id))
                    .then_with(|| a.model.cmp(&b.model))
            });
            let summary = ThemeSummary {
                theme,
                figures: tally.figures(total, &control_status),
                apps: tally.affected_apps.iter().cloned().collect(),
                teams: theme_teams.remove(&theme).unwrap_or_default().into_iter().collect(),
                open_threat_indices: open_threats,
            };
            (tally.open_risk_tenths, summary)
        })
        .collect();
    themes.sort_by(|(a_risk, a), (b_risk, b)| {
        b_risk.cmp(a_risk).then_with(|| a.theme.as_str().cmp(b.theme.as_str()))
    });

    let mut apps: Vec<(u64, AppSummary)> = by_app
        .iter()
        .map(|(app, group)| {
            let defined = config.app(app.as_str());
            let summary = AppSummary {
                app: app.clone(),
                name: defined.map(|a| a.name.clone()),
                team: defined.and_then(|a| a.team.clone()),
                figures: group.all.figures(total, &control_status),
                themes: group.breakdown(&control_status),
            };
            (group.all.open_risk_tenths, summary)
        })
        .collect();
    apps.sort_by(|(a_risk, a), (b_risk, b)| b_risk.cmp(a_risk).then_with(|| a.app.cmp(&b.app)));

    let mut teams: Vec<(u64, TeamSummary)> = by_team
        .iter()
        .map(|(team, group)| {
            let summary = TeamSummary {
                team: team.clone(),
                name: config.org.teams.iter().find(|t| &t.id == team).map(|t| t.name.clone()),
                apps: group.all.affected_apps.iter().cloned().collect(),
                figures: group.all.figures(total, &control_status),
                themes: group.breakdown(&control_status),
            };
            (group.all.open_risk_tenths, summary)
        })
        .collect();
    teams.sort_by(|(a_risk, a), (b_risk, b)| b_risk.cmp(a_risk).then_with(|| a.team.cmp(&b.team)));

    Analysis {
        themes: themes.into_iter().map(|(_, t)| t).collect(),
        apps: apps.into_iter().map(|(_, a)| a).collect(),
        teams: teams.into_iter().map(|(_, t)| t).collect(),
        totals: portfolio.figures(total, &control_status),
        threats,
    }
}

#[cfg(test)]
mod tests;
