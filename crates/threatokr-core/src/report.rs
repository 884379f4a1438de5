//! The report view model, built once from the workspace, and its renderers.
//!
//! Renderers are pure `fn(&ReportModel) -> String`; everything that comes from files or people
//! is escaped for the target format.

mod markdown;

pub use markdown::{escape as escape_markdown, render_markdown};

use crate::diag::Files;
use crate::model::{Severity, ThreatStatus, Workspace};
use jiff::civil::Date;

/// Everything a report shows, computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportModel {
    /// The organisation's name.
    pub org: String,
    /// The date the report speaks for.
    pub as_of: Date,
    /// Objectives of every cycle, in file order.
    pub objectives: Vec<ObjectiveRow>,
    /// Every open threat, sorted by severity then app then id.
    pub open_threats: Vec<ThreatRow>,
    /// Per app counts.
    pub apps: Vec<AppRow>,
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
    /// Level.
    pub level: String,
    /// Parents as `(link kind, id)`.
    pub parents: Vec<(String, String)>,
    /// Key results as `(id, title, how measured)`.
    pub key_results: Vec<(String, String, String)>,
}

/// One open threat for the register.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreatRow {
    /// App id.
    pub app: String,
    /// Threat id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: ThreatStatus,
    /// Key results citing it.
    pub cited_by: Vec<String>,
}

/// Counts per app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRow {
    /// App id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Threats in its models.
    pub threats: usize,
    /// Open threats.
    pub open: usize,
}

/// Builds the view model.
pub fn build(workspace: &Workspace, _files: &Files, as_of: Date) -> ReportModel {
    let mut cited: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    let mut objectives = Vec::new();
    for set in &workspace.okrs {
        for kr in &set.key_results {
            for threat in &kr.derived_from {
                cited.entry(threat.as_str()).or_default().push(kr.id.to_string());
            }
        }
        for objective in &set.objectives {
            let key_results = objective
                .key_results
                .iter()
                .filter_map(|id| set.key_result(id))
                .map(|kr| {
                    (
                        kr.id.to_string(),
                        kr.title.clone(),
                        kr.measure
                            .as_ref()
                            .map_or_else(|| "check-ins".to_owned(), |m| m.metric.clone()),
                    )
                })
                .collect();
            objectives.push(ObjectiveRow {
                cycle: set.cycle.to_string(),
                id: objective.id.to_string(),
                title: objective.title.clone(),
                level: objective.level.to_string(),
                parents: objective
                    .parents
                    .iter()
                    .map(|(kind, id)| (kind.to_string(), id.to_string()))
                    .collect(),
                key_results,
            });
        }
    }
    let mut open_threats = Vec::new();
    let mut apps = Vec::new();
    for app in &workspace.config.apps {
        let models = workspace.models.iter().filter(|m| m.app.as_ref() == Some(&app.id));
        let (mut threats, mut open) = (0, 0);
        for model in models {
            for threat in &model.threats {
                threats += 1;
                if threat.status.is_open() {
                    open += 1;
                    let mut cited_by = cited.get(threat.id.as_str()).cloned().unwrap_or_default();
                    cited_by.sort();
                    cited_by.dedup();
                    open_threats.push(ThreatRow {
                        app: app.id.to_string(),
                        id: threat.id.to_string(),
                        title: threat.title.clone(),
                        severity: threat.severity,
                        status: threat.status,
                        cited_by,
                    });
                }
            }
        }
        apps.push(AppRow { id: app.id.to_string(), name: app.name.clone(), threats, open });
    }
    open_threats.sort_by(|a, b| (a.severity, &a.app, &a.id).cmp(&(b.severity, &b.app, &b.id)));
    apps.sort_by(|a, b| a.id.cmp(&b.id));
    ReportModel { org: workspace.config.org.name.clone(), as_of, objectives, open_threats, apps }
}
