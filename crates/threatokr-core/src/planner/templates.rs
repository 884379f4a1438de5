//! The catalogue of key-result templates. Each template is documented with the DESIGN.md §4
//! metric it is measured by, its kind (strategic or tactical), its commitment, its weight and its
//! default start and target. [`build`] turns a template and a theme's figures into a key result,
//! or `None` when the template does not apply to the theme.

use super::themes::ThemeWords;
use super::{PlannedKr, PlannedTarget};
use crate::model::{AppId, Commitment, Comparison, KrKind, MeasureParam, TeamId, Theme, ThreatId};
use crate::taxonomy::{AsvsVersion, asvs_chapters};
use std::collections::BTreeMap;

/// A key-result template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Template {
    /// `training.coverage` of the affected teams on the theme's course: 80% of their developers
    /// trained. Strategic (a lasting capability), aspirational, start 0 (declared), unit `%`.
    Training,
    /// `asvs.compliance` for the theme's chapters ([`asvs_chapters`]) at L2 (levels 1 and 2) in
    /// the workspace's ASVS version: 100% verified. Strategic, committed, start 0, unit `%`.
    /// Skipped for a theme without chapters.
    AsvsL2,
    /// `threats.tested` for the theme: every in-scope threat of the theme has a test executed
    /// in the cycle (pentest, red team, automated). Tactical, committed, start 0, unit `%`.
    ScenarioTests,
    /// `threats.mitigated` with `weighting: risk` for the theme: 80% of the theme's risk
    /// mitigated (100% when it is already past 80%). Tactical, aspirational, weight 2 (it is the
    /// risk reduction itself). Start: the risk-weighted share mitigated in the models now.
    RiskMitigation,
    /// `controls.implemented` with `control_tag: sso-oidc, count: apps`: central SSO (OAuth/OIDC
    /// with the company IdP) on every affected app. Only for authentication and
    /// session management. Strategic, committed, start 0, unit `apps`.
    SsoRollout,
    /// `controls.implemented` for the theme: every control the models link to the theme's
    /// threats implemented or verified. For other themes than authentication and session
    /// management, when the models link controls. Strategic, committed. Start: the share
    /// implemented in the models now.
    ControlRollout,
    /// `findings.open` with `env: prod, score: ">= 7.0"`: a threshold, at most 0 open high or
    /// critical findings in production in the affected apps. Tactical, committed, unit
    /// `findings`. Only when an affected app lists a `prod` environment (or none lists any).
    /// About the portfolio: one `KR-PROD-HIGH` over the apps of every objective that has it.
    ProdFindings,
    /// `ci.coverage` with `require: [sast, secrets]`: every repository of the affected apps runs
    /// static analysis and secret scanning on push or pull request. Strategic, committed,
    /// start 0, unit `%`. About the portfolio: one `KR-CI-SCAN` over the apps of every objective.
    CiScanning,
    /// Milestones (no §4 metric: progress is the weighted share of milestones with a `done:`
    /// date, DESIGN.md §5): ISO 27001 and SOC 2, plus PCI DSS when an app in scope is tagged
    /// `pci`. Added when the objective supports a business objective. Strategic, aspirational.
    Certifications,
    /// Milestones (no §4 metric): the product's security features documented on its website,
    /// first reviewed by legal, then published (weight 2). For the customer-confidence
    /// objective. Tactical, committed.
    SecurityFeatures,
    /// Not a template: a key result of the previous cycle that scored below what its
    /// commitment expected, proposed again with its lineage (see [`super::carry`]). Its metric,
    /// parameters, kind, commitment and weight are the old key result's; the values below are
    /// only the fallbacks for an old key result that declares no kind. Not in [`Template::ALL`].
    Carried,
}

impl Template {
    /// Every template, in the order an objective lists them.
    pub const ALL: &'static [Self] = &[
        Self::Training,
        Self::AsvsL2,
        Self::ScenarioTests,
        Self::RiskMitigation,
        Self::SsoRollout,
        Self::ControlRollout,
        Self::ProdFindings,
        Self::CiScanning,
        Self::Certifications,
        Self::SecurityFeatures,
    ];

    /// The id suffix: `KR-<THEME-ABBR>-<this>`.
    pub fn abbr(self) -> &'static str {
        match self {
            Self::Training => "TRAINING",
            Self::AsvsL2 => "ASVS-L2",
            Self::ScenarioTests => "SCENARIOS",
            Self::RiskMitigation => "MITIGATED",
            Self::SsoRollout => "SSO",
            Self::ControlRollout => "CONTROLS",
            Self::ProdFindings => "PROD-HIGH",
            Self::CiScanning => "CI-SCAN",
            Self::Certifications => "CERTS",
            Self::SecurityFeatures => "FEATURES",
            Self::Carried => "CARRIED",
        }
    }

    /// The DESIGN.md §4 metric it is measured by; `None` for milestones.
    pub fn metric(self) -> Option<&'static str> {
        match self {
            Self::Training => Some("training.coverage"),
            Self::AsvsL2 => Some("asvs.compliance"),
            Self::ScenarioTests => Some("threats.tested"),
            Self::RiskMitigation => Some("threats.mitigated"),
            Self::SsoRollout | Self::ControlRollout => Some("controls.implemented"),
            Self::ProdFindings => Some("findings.open"),
            Self::CiScanning => Some("ci.coverage"),
            Self::Certifications | Self::SecurityFeatures | Self::Carried => None,
        }
    }

    /// Strategic (a lasting capability) or tactical (this quarter's fix).
    pub fn kind(self) -> KrKind {
        match self {
            Self::Training
            | Self::AsvsL2
            | Self::SsoRollout
            | Self::ControlRollout
            | Self::CiScanning
            | Self::Certifications => KrKind::Strategic,
            Self::ScenarioTests
            | Self::RiskMitigation
            | Self::ProdFindings
            | Self::SecurityFeatures
            | Self::Carried => KrKind::Tactical,
        }
    }

    /// Committed (expected 1.0) or aspirational (expected 0.7).
    pub fn commitment(self) -> Commitment {
        match self {
            Self::Training | Self::RiskMitigation | Self::Certifications => {
                Commitment::Aspirational
            }
            _ => Commitment::Committed,
        }
    }

    /// Weight in the objective's mean.
    pub fn weight(self) -> f64 {
        match self {
            Self::RiskMitigation => 2.0,
            _ => 1.0,
        }
    }
}

/// What the templates need to know about the theme an objective is planned from.
#[derive(Debug, Clone)]
pub struct ThemeContext {
    /// The theme.
    pub theme: Theme,
    /// Its words.
    pub words: ThemeWords,
    /// The affected apps, by id.
    pub apps: Vec<AppId>,
    /// The `apps:` scope parameter (`tag:consumer-facing` or the app ids).
    pub apps_param: MeasureParam,
    /// The scope in a sentence (`the consumer-facing apps`).
    pub scope_phrase: String,
    /// The scope as an adjective before "apps" (`consumer-facing`), or empty.
    pub scope_adjective: String,
    /// The teams owning the affected apps.
    pub teams: Vec<TeamId>,
    /// Their display names (the id when threatokr.yaml has no name), in the same order.
    pub team_names: Vec<String>,
    /// The theme's open threats.
    pub derived_from: Vec<ThreatId>,
    /// "access control carries 62% of open risk: 9 open threats across 4 apps".
    pub headline: String,
    /// The ASVS version of the workspace.
    pub asvs_version: AsvsVersion,
    /// In-scope threats of the theme, and those named by a test scenario.
    pub in_scope: usize,
    /// In-scope threats named by a test scenario.
    pub tested: usize,
    /// Risk-weighted share of the theme's in-scope threats that is mitigated now, in %.
    pub risk_mitigated_pct: f64,
    /// Controls linked to the theme's threats, and those implemented.
    pub controls: usize,
    /// Of those, implemented or verified.
    pub controls_implemented: usize,
    /// Whether an affected app runs in production (or no app lists environments).
    pub has_prod: bool,
    /// Whether an affected app is tagged `pci`.
    pub pci: bool,
}

fn percent(value: f64) -> String {
    format!("{}%", super::number(value))
}

/// The certification milestones.
pub fn certification_milestones(pci: bool) -> Vec<String> {
    let mut milestones = vec![
        "ISO 27001 certification audit passed".to_owned(),
        "SOC 2 Type II report issued".to_owned(),
    ];
    if pci {
        milestones.push("PCI DSS attestation of compliance signed".to_owned());
    }
    milestones
}

fn metric_kr(
    template: Template,
    id: String,
    title: String,
    start: f64,
    target: f64,
    unit: &str,
) -> PlannedKr {
    PlannedKr {
        id,
        template,
        title,
        metric: template.metric().map(str::to_owned),
        params: BTreeMap::new(),
        target: PlannedTarget::Metric { start, target },
        unit: Some(unit.to_owned()),
        kind: template.kind(),
        commitment: template.commitment(),
        weight: template.weight(),
        derived_from: Vec::new(),
        rationale: String::new(),
        measured_start: false,
        lineage: None,
    }
}

fn text(value: &str) -> MeasureParam {
    MeasureParam::Text(value.to_owned())
}

/// Builds the key result of `template` for a theme objective, or `None` when it does not apply.
/// The caller sets measured starts afterwards.
pub fn build(template: Template, cx: &ThemeContext) -> Option<PlannedKr> {
    let id = format!("KR-{}-{}", cx.words.abbr, template.abbr());
    let noun = cx.words.noun;
    let kr = match template {
        Template::Training => {
            let who = if cx.teams.is_empty() {
                "developers".to_owned()
            } else {
                format!("the developers of {}", join_and(&cx.team_names))
            };
            let mut kr =
                metric_kr(template, id, format!("80% of {who} trained on {noun}"), 0.0, 80.0, "%");
            kr.params.insert("course".into(), text(cx.words.course));
            if !cx.teams.is_empty() {
                kr.params.insert(
                    "teams".into(),
                    MeasureParam::List(cx.teams.iter().map(|t| t.to_string()).collect()),
                );
            }
            kr.rationale = format!("{}, owned by {}", cx.headline, teams_phrase(&cx.teams));
            kr
        }
        Template::AsvsL2 => {
            let chapters = asvs_chapters(cx.theme, cx.asvs_version);
            if chapters.is_empty() {
                return None;
            }
            let mut kr = metric_kr(
                template,
                id,
                format!(
                    "100% of the ASVS {} {} requirements at L1 and L2 verified for {}",
                    cx.asvs_version,
                    join_and(&chapters.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>()),
                    cx.scope_phrase
                ),
                0.0,
                100.0,
                "%",
            );
            kr.params.insert("version".into(), text(cx.asvs_version.as_str()));
            kr.params.insert("level".into(), MeasureParam::Number(2.0));
            kr.params.insert(
                "chapters".into(),
                MeasureParam::List(chapters.iter().map(|c| (*c).to_owned()).collect()),
            );
            kr.params.insert("apps".into(), cx.apps_param.clone());
            kr.rationale = format!(
                "{}; ASVS {} verifies {noun} in {}",
                cx.headline,
                cx.asvs_version,
                join_and(&chapters.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>())
            );
            kr
        }
        Template::ScenarioTests => {
            let mut kr = metric_kr(
                template,
                id,
                format!(
                    "Every {noun} threat scenario in the threat models tested by a pentest, red team or automated test"
                ),
                0.0,
                100.0,
                "%",
            );
            kr.params.insert("theme".into(), text(cx.theme.as_str()));
            kr.params.insert("apps".into(), cx.apps_param.clone());
            kr.rationale = format!(
                "{}; {} of {} in-scope {noun} threats are named by a test scenario",
                cx.headline, cx.tested, cx.in_scope
            );
            kr
        }
        Template::RiskMitigation => {
            let start = (cx.risk_mitigated_pct * 10.0).round() / 10.0;
            let target = if start < 80.0 { 80.0 } else { 100.0 };
            if start >= 100.0 {
                return None;
            }
            let mut kr = metric_kr(
                template,
                id,
                format!(
                    "Risk-weighted mitigation of the {noun} threats from {} to {}",
                    percent(start),
                    percent(target)
                ),
                start,
                target,
                "%",
            );
            kr.measured_start = true;
            kr.params.insert("theme".into(), text(cx.theme.as_str()));
            kr.params.insert("weighting".into(), text("risk"));
            kr.params.insert("apps".into(), cx.apps_param.clone());
            kr.rationale = format!(
                "{}; {} of its risk is mitigated in the models today",
                cx.headline,
                percent(start)
            );
            kr
        }
        Template::SsoRollout => {
            if !matches!(cx.theme, Theme::Authentication | Theme::SessionManagement) {
                return None;
            }
            let n = cx.apps.len() as f64;
            let apps = if cx.scope_adjective.is_empty() {
                cx.scope_phrase.clone()
            } else {
                format!("{} {} apps", cx.apps.len(), cx.scope_adjective)
            };
            let mut kr = metric_kr(
                template,
                id,
                format!("OAuth/OIDC with the company IdP on {apps}"),
                0.0,
                n,
                "apps",
            );
            kr.params.insert("control_tag".into(), text("sso-oidc"));
            kr.params.insert("count".into(), text("apps"));
            kr.params.insert("apps".into(), cx.apps_param.clone());
            kr.rationale =
                format!("{}; central SSO removes per-app login and session code", cx.headline);
            kr
        }
        Template::ControlRollout => {
            if matches!(cx.theme, Theme::Authentication | Theme::SessionManagement)
                || cx.controls == 0
                || cx.controls_implemented >= cx.controls
            {
                return None;
            }
            let start =
                (cx.controls_implemented as f64 * 1000.0 / cx.controls as f64).round() / 10.0;
            let mut kr = metric_kr(
                template,
                id,
                format!("Every control the threat models name against {noun} threats implemented"),
                start,
                100.0,
                "%",
            );
            kr.measured_start = true;
            kr.params.insert("theme".into(), text(cx.theme.as_str()));
            kr.params.insert("apps".into(), cx.apps_param.clone());
            kr.rationale = format!(
                "{}; {} of {} linked controls are implemented",
                cx.headline, cx.controls_implemented, cx.controls
            );
            kr
        }
        Template::ProdFindings => {
            if !cx.has_prod {
                return None;
            }
            let mut kr = PlannedKr {
                id,
                template,
                title: format!(
                    "No open production finding with CVSS >= 7.0 in {}",
                    cx.scope_phrase
                ),
                metric: template.metric().map(str::to_owned),
                params: BTreeMap::new(),
                target: PlannedTarget::Threshold { comparison: Comparison::AtMost, limit: 0.0 },
                unit: Some("findings".into()),
                kind: template.kind(),
                commitment: template.commitment(),
                weight: template.weight(),
                derived_from: Vec::new(),
                rationale: String::new(),
                measured_start: false,
                lineage: None,
            };
            kr.params.insert("env".into(), text("prod"));
            kr.params.insert("score".into(), text(">= 7.0"));
            kr.params.insert("apps".into(), cx.apps_param.clone());
            kr.rationale = format!(
                "{}; high and critical findings in production are where it gets exploited",
                cx.headline
            );
            kr
        }
        Template::CiScanning => {
            let mut kr = metric_kr(
                template,
                id,
                format!(
                    "SAST and secret scanning in the CI of every repository of {}",
                    cx.scope_phrase
                ),
                0.0,
                100.0,
                "%",
            );
            kr.params.insert(
                "require".into(),
                MeasureParam::List(vec!["sast".into(), "secrets".into()]),
            );
            kr.params.insert("apps".into(), cx.apps_param.clone());
            kr.rationale =
                format!("{}; scanning every change keeps new {noun} flaws out", cx.headline);
            kr
        }
        Template::Certifications | Template::SecurityFeatures | Template::Carried => return None,
    };
    Some(kr)
}

/// The shared certifications key result (`KR-TRUST-CERTS`).
pub fn certifications(pci: bool, rationale: String, derived_from: Vec<ThreatId>) -> PlannedKr {
    let milestones = certification_milestones(pci);
    let names = if pci { "ISO 27001, SOC 2 and PCI DSS" } else { "ISO 27001 and SOC 2" };
    PlannedKr {
        id: format!("KR-TRUST-{}", Template::Certifications.abbr()),
        template: Template::Certifications,
        title: format!("{names} certifications"),
        metric: None,
        params: BTreeMap::new(),
        target: PlannedTarget::Milestones(milestones.into_iter().map(|m| (m, 1.0)).collect()),
        unit: None,
        kind: Template::Certifications.kind(),
        commitment: Template::Certifications.commitment(),
        weight: Template::Certifications.weight(),
        derived_from,
        rationale,
        measured_start: false,
        lineage: None,
    }
}

/// The security-features key result of the customer-confidence objective.
pub fn security_features(product: &str, rationale: String) -> PlannedKr {
    PlannedKr {
        id: format!("KR-TRUST-{}", Template::SecurityFeatures.abbr()),
        template: Template::SecurityFeatures,
        title: format!("Security features of {product} documented on the website"),
        metric: None,
        params: BTreeMap::new(),
        target: PlannedTarget::Milestones(vec![
            ("Draft reviewed by legal".to_owned(), 1.0),
            ("Published on the website".to_owned(), 2.0),
        ]),
        unit: None,
        kind: Template::SecurityFeatures.kind(),
        commitment: Template::SecurityFeatures.commitment(),
        weight: Template::SecurityFeatures.weight(),
        derived_from: Vec::new(),
        rationale,
        measured_start: false,
        lineage: None,
    }
}

/// "a", "a and b", "a, b and c".
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn teams_phrase(teams: &[TeamId]) -> String {
    if teams.is_empty() {
        "no team named in threatokr.yaml".to_owned()
    } else {
        format!(
            "team{} {}",
            if teams.len() == 1 { "" } else { "s" },
            join_and(&teams.iter().map(|t| t.to_string()).collect::<Vec<_>>())
        )
    }
}
