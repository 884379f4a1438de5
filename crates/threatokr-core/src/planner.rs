//! The OKR planner: from the portfolio analysis to a cycle's security objectives and key results
//! (`threatokr plan`), aligned to the business objectives of the cycle and balanced between
//! strategic and tactical work.
//!
//! Rules (DESIGN.md §1, §4, §8):
//! - **Objectives**: one per top theme by open risk (themes with no open risk are skipped), up
//!   to [`PlanOptions::max_objectives`], worded as an aspirational outcome ([`themes::words`]) and
//!   scoped to the apps and teams that carry the risk. When every affected app shares a tag, the
//!   scope is the tag (`apps: tag:consumer-facing`, "the consumer-facing apps"; the tag with the
//!   fewest apps wins, ties by name); otherwise the app ids.
//! - **Key results**: from the templates of [`templates`], each measured by a DESIGN.md §4 metric.
//!   Starts are declared (0, or the figure the models give now for risk-weighted mitigation and
//!   control rollout) unless [`PlanOptions::measured_starts`] gives one for the key result's id;
//!   a start at or past the target lifts the target to 100 (or drops the key result, with a warning).
//!   [`measure_starts`] measures a plan's key results with the metric engine to give those starts
//!   (see [`starts`]); the rationale names the measured figure, or says the start is declared when
//!   there was no evidence ([`PlanOptions::unmeasured`]).
//!   Provenance is written once per objective: the objective's `derived_from` is the theme's open
//!   threats, highest risk first, and a key result lists threats only where they differ (a
//!   carried one's); lowering gives a key result without its own the threats of every objective
//!   counting it. Key results about the whole portfolio are one definition that the first
//!   objective holding them defines and the others `ref:` (`share_portfolio_wide`):
//!   `KR-CI-SCAN` and `KR-PROD-HIGH`, scoped to the apps of every objective counting them, and
//!   `KR-TRUST-CERTS`, shared by every objective that supports a business objective.
//! - **Declined proposals**: the OKR file's `proposed:` list records every id the planner put in
//!   it; an id there that the file no longer holds was deleted by a person, and is not proposed
//!   again ([`Plan::declined`]).
//! - **Carry-over** ([`carry`]): with [`PlanOptions::carry`], key results of the previous cycle
//!   whose frozen grade is below what their commitment expected are proposed again with their
//!   lineage, under the objective they descend from (same id, carried id, the cycle's OKR file,
//!   the same theme), else under `O-<cycle>-CARRIED`; business objectives with unfinished key
//!   results are carried too, and aligned to like the cycle's own.
//! - **Ids**: `O-<cycle>-<THEME-ABBR>` and `KR-<THEME-ABBR>-<TEMPLATE>` (`KR-<TEMPLATE>` for the
//!   portfolio-wide ones); the customer-confidence
//!   objective is `O-<cycle>-TRUST` with `KR-TRUST-FEATURES` and `KR-TRUST-CERTS`. Re-planning
//!   gives the same ids; with `existing`, objectives and key results of the same id keep the
//!   user's title, target, weight, kind and commitment.
//! - **Alignment** ([`alignment`]): a business objective is a company or department objective
//!   with no theme, no `supports` link, no key result measured by a catalogue metric (other than
//!   `manual`) and no "security" in its title. A security objective supports it when the business
//!   objective's title, description or key-result titles name one of the objective's apps (id or
//!   name) or a tag of one of them, as whole words. A business objective whose title or
//!   description is about revenue (revenue, sales, bookings, ARR) of a named product, and that no
//!   objective supports yet, gets the customer-confidence objective.
//! - **Balance**: the strategic and tactical shares of key-result weight, per objective and
//!   overall; outside 30–70% strategic is a warning, not an error.

pub mod carry;
pub mod starts;
pub mod templates;
pub mod themes;
mod yaml;

pub use carry::{CarryOver, GradeRecord, previous_cycle};
pub use starts::{MeasuredStarts, measure_starts, start_finding_scopes, to_key_result};
pub use yaml::{MergeOutcome, merge_into, plan_json, to_okr_yaml};

use crate::analysis::{Analysis, ThemeSummary};
use crate::model::{
    App, AppId, Commitment, Comparison, Cycle, CycleId, KrKind, KrTarget, LinkKind, MeasureParam,
    ObjectiveId, ObjectiveLevel, OkrSet, TeamId, Theme, ThreatId, Workspace,
};
use crate::taxonomy::AsvsVersion;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use templates::{Template, ThemeContext};

/// Scopes of up to this many apps without a shared tag are named app by app.
const MAX_NAMED_APPS: usize = 4;

/// The lowest acceptable strategic share before a warning.
pub const BALANCE_MIN: f64 = 0.3;
/// The highest acceptable strategic share before a warning.
pub const BALANCE_MAX: f64 = 0.7;

/// Options of [`plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    /// At most this many theme objectives (default 3).
    pub max_objectives: usize,
    /// Measured start values by key-result id (`KR-AC-TRAINING` → 35.0), from the measure step;
    /// they replace the declared defaults.
    pub measured_starts: BTreeMap<String, f64>,
    /// Key results the measure step found no evidence for: their start stays declared, and
    /// their rationale says so.
    pub unmeasured: BTreeSet<String>,
    /// The previous cycle's OKRs and frozen grades, to carry unfinished key results over.
    pub carry: Option<CarryOver>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            max_objectives: 3,
            measured_starts: BTreeMap::new(),
            unmeasured: BTreeSet::new(),
            carry: None,
        }
    }
}

/// A proposed plan for one cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The cycle.
    pub cycle: CycleId,
    /// Theme objectives ranked by open risk, then the customer-confidence objective if any.
    pub objectives: Vec<PlannedObjective>,
    /// The strategic/tactical balance over every distinct key result.
    pub balance: Balance,
    /// Warnings (balance outside 30–70%, dropped key results), in a stable order.
    pub warnings: Vec<String>,
    /// Proposals a person deleted from the cycle's OKR file (ids in its `proposed:` list that it
    /// no longer holds): not proposed again, sorted.
    pub declined: Vec<String>,
    /// How the OKR file writes the threats the plan names whose own id is foreign (long, or with
    /// characters beyond letters, digits, `-`, `_` and `.`): by their alias (`checkout:T-4821`).
    pub threat_names: BTreeMap<ThreatId, String>,
}

/// The longest threat id the OKR file writes as it is; longer ones are written by alias.
const MAX_PLAIN_THREAT_ID: usize = 24;

/// Whether a threat id reads well in a file: short, letters, digits, `-`, `_` and `.` only.
fn is_plain_threat_id(id: &str) -> bool {
    id.len() <= MAX_PLAIN_THREAT_ID
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A proposed objective.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedObjective {
    /// `O-<cycle>-<THEME-ABBR>`.
    pub id: ObjectiveId,
    /// The wording (the user's, when they edited it).
    pub title: String,
    /// The theme it is planned from; `None` for the customer-confidence objective.
    pub theme: Option<Theme>,
    /// Always department: the security program's objectives.
    pub level: ObjectiveLevel,
    /// Aspirational for theme objectives, committed for customer confidence.
    pub commitment: Commitment,
    /// The apps that carry the risk.
    pub apps: Vec<AppId>,
    /// Their teams.
    pub teams: Vec<TeamId>,
    /// Business objectives it supports.
    pub supports: Vec<ObjectiveId>,
    /// One line on the scope, written as the objective's description.
    pub description: String,
    /// The threats it is planned from (the theme's open threats, highest risk first): the
    /// provenance of its key results, written once.
    pub derived_from: Vec<ThreatId>,
    /// Its key results.
    pub key_results: Vec<PlannedKr>,
    /// Its strategic/tactical balance.
    pub balance: Balance,
}

/// A proposed key result.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedKr {
    /// `KR-<THEME-ABBR>-<TEMPLATE>`.
    pub id: String,
    /// The template it comes from.
    pub template: Template,
    /// The measurable statement.
    pub title: String,
    /// The DESIGN.md §4 metric; `None` for milestones.
    pub metric: Option<String>,
    /// The metric's parameters.
    pub params: BTreeMap<String, MeasureParam>,
    /// Start and target, threshold or milestones.
    pub target: PlannedTarget,
    /// Display unit.
    pub unit: Option<String>,
    /// Strategic or tactical.
    pub kind: KrKind,
    /// Committed or aspirational.
    pub commitment: Commitment,
    /// Weight in the objective's mean.
    pub weight: f64,
    /// Threats that justify it where they differ from its objective's (a carried key result's);
    /// empty means its objective's, and a shared key result's are those of every objective
    /// counting it (as lowering reads them).
    pub derived_from: Vec<ThreatId>,
    /// One line naming the figures.
    pub rationale: String,
    /// Whether `start` was measured (from the models or the caller) rather than declared.
    pub measured_start: bool,
    /// The lineage that follows the key result across cycles; set on carried key results.
    pub lineage: Option<String>,
}

/// The target shape of a proposed key result.
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedTarget {
    /// From start to target.
    Metric {
        /// Value now.
        start: f64,
        /// Value to reach.
        target: f64,
    },
    /// Stay on the right side of a limit.
    Threshold {
        /// The comparison.
        comparison: Comparison,
        /// The limit.
        limit: f64,
    },
    /// A weighted checklist: (title, weight).
    Milestones(Vec<(String, f64)>),
}

/// Strategic and tactical shares of key-result weight (they sum to 1, or both are 0).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Balance {
    /// Share of weight on strategic key results.
    pub strategic: f64,
    /// Share of weight on tactical key results.
    pub tactical: f64,
}

impl Balance {
    /// The balance of some key results, by weight.
    pub fn of<'a>(krs: impl IntoIterator<Item = &'a PlannedKr>) -> Self {
        let (mut strategic, mut tactical) = (0.0, 0.0);
        for kr in krs {
            match kr.kind {
                KrKind::Strategic => strategic += kr.weight,
                KrKind::Tactical => tactical += kr.weight,
            }
        }
        let total = strategic + tactical;
        if total == 0.0 {
            Self::default()
        } else {
            Self { strategic: strategic / total, tactical: tactical / total }
        }
    }

    /// Whether the strategic share is inside 30–70% (an empty balance is fine).
    pub fn is_balanced(self) -> bool {
        (self.strategic == 0.0 && self.tactical == 0.0)
            || (BALANCE_MIN..=BALANCE_MAX).contains(&self.strategic)
    }
}

/// A number as the files write it: integers without a decimal point, others as Rust prints them.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// Plans the security objectives of `cycle` (see the module documentation for the rules).
/// `existing` is the cycle's OKR file as the user has it: its business objectives are read, and
/// its objectives and key results with the planned ids keep the user's edits.
pub fn plan(
    workspace: &Workspace,
    analysis: &Analysis,
    cycle: &Cycle,
    options: &PlanOptions,
    existing: Option<&OkrSet>,
) -> Plan {
    let config = &workspace.config;
    let asvs_version = config.settings.asvs_version.parse().unwrap_or(AsvsVersion::LATEST);
    let apps: HashMap<&str, &App> = config.apps.iter().map(|a| (a.id.as_str(), a)).collect();
    let team_names: HashMap<&str, &str> =
        config.org.teams.iter().map(|t| (t.id.as_str(), t.name.as_str())).collect();
    let mut warnings = Vec::new();
    let mut objectives = Vec::new();

    let current = existing.or_else(|| workspace.okrs_for(&cycle.id));
    let mut business = business_objectives(workspace, &cycle.id, existing);
    // Business objectives carried from the previous cycle are aligned to like the cycle's own.
    let carried_business = match &options.carry {
        Some(previous) => {
            let mut cycle_sets: Vec<&OkrSet> = existing.into_iter().collect();
            cycle_sets.extend(workspace.okrs.iter().filter(|s| s.cycle == cycle.id));
            let carried = carry::carried_business(previous, &cycle.id, &cycle_sets);
            for objective in &previous.okrs.objectives {
                let id = carry::carried_objective_id(&objective.id, &previous.cycle, &cycle.id);
                if carried.iter().any(|c| c.id == id) {
                    let mut read = business_objective(objective, &previous.okrs, &config.apps);
                    read.id = id;
                    business.push(read);
                }
            }
            carried
        }
        None => Vec::new(),
    };
    for summary in
        analysis.themes.iter().filter(|t| t.figures.open_risk > 0.0).take(options.max_objectives)
    {
        let cx = theme_context(summary, analysis, &apps, &team_names, asvs_version);
        let mut key_results: Vec<PlannedKr> =
            Template::ALL.iter().filter_map(|&t| templates::build(t, &cx)).collect();
        let supports: Vec<ObjectiveId> = business
            .iter()
            .filter(|b| mentions_any(&b.words, &cx.apps, &apps))
            .map(|b| b.id.clone())
            .collect();
        if !supports.is_empty() {
            // A placeholder: the shared definition is filled in below.
            key_results.push(templates::certifications(false, String::new(), Vec::new()));
        }
        objectives.push(PlannedObjective {
            id: objective_id(&cycle.id, cx.words.abbr),
            title: themes::objective_title(summary.theme, &cx.scope_phrase),
            theme: Some(summary.theme),
            level: ObjectiveLevel::Department,
            commitment: Commitment::Aspirational,
            apps: cx.apps.clone(),
            teams: cx.teams.clone(),
            supports,
            description: scope_description(&cx),
            derived_from: cx.derived_from.clone(),
            key_results,
            balance: Balance::default(),
        });
    }

    // Customer confidence: revenue objectives about a product that nothing supports yet.
    let supported: BTreeSet<&ObjectiveId> = supported_objectives(workspace, &cycle.id, existing);
    let revenue: Vec<&BusinessObjective> = business
        .iter()
        .filter(|b| b.about_revenue && !supported.contains(&b.id))
        .filter(|b| b.product.is_some())
        .collect();
    if !revenue.is_empty() {
        let products: Vec<String> = unique(revenue.iter().filter_map(|b| b.product.clone()));
        let product = templates::join_and(&products);
        let pci = revenue
            .iter()
            .flat_map(|b| &b.apps)
            .any(|a| apps.get(a.as_str()).is_some_and(|app| app.tags.iter().any(|t| t == "pci")));
        let supports: Vec<ObjectiveId> = revenue.iter().map(|b| b.id.clone()).collect();
        let headline = format!(
            "{} is about revenue from {product}: customers buy what they trust",
            join_ids(&supports)
        );
        let scoped_apps: Vec<AppId> = unique(revenue.iter().flat_map(|b| b.apps.iter().cloned()));
        let teams: Vec<TeamId> = unique(
            scoped_apps
                .iter()
                .filter_map(|a| apps.get(a.as_str()).and_then(|app| app.team.clone())),
        );
        objectives.push(PlannedObjective {
            id: objective_id(&cycle.id, "TRUST"),
            title: "Increase customer confidence by delivering security features".to_owned(),
            theme: None,
            level: ObjectiveLevel::Department,
            commitment: Commitment::Committed,
            description: format!(
                "Supports {} with the security of {product}.",
                join_ids(&supports)
            ),
            apps: scoped_apps,
            teams,
            supports,
            derived_from: Vec::new(),
            key_results: vec![
                templates::security_features(&product, headline.clone()),
                templates::certifications(pci, String::new(), Vec::new()),
            ],
            balance: Balance::default(),
        });
    }
    share_certifications(&mut objectives, &apps);
    share_portfolio_wide(&mut objectives, &apps);
    if let Some(previous) = &options.carry {
        let mut carried = carry::carried(previous, &cycle.id);
        // Threats removed from the models since are no longer a reason (and would not validate).
        let threats: BTreeSet<&ThreatId> =
            workspace.models.iter().flat_map(|m| &m.threats).map(|t| &t.id).collect();
        for (_, kr) in &mut carried {
            kr.derived_from.retain(|t| threats.contains(t));
        }
        carry::place(&mut objectives, carried, &cycle.id, previous, current);
    }
    objectives.extend(carried_business);
    let declined = existing.map(declined_proposals).unwrap_or_default();
    objectives.retain(|o| !declined.contains(o.id.as_str()));

    for objective in &mut objectives {
        objective.key_results.retain(|kr| !declined.contains(kr.id.as_str()));
        // A key result lists threats only where they differ from its objective's.
        for kr in &mut objective.key_results {
            if same_threats(&kr.derived_from, &objective.derived_from) {
                kr.derived_from.clear();
            }
        }
        objective.key_results.retain_mut(|kr| apply_start(kr, options, &mut warnings));
        if let Some(set) = existing {
            keep_user_edits(objective, set);
        }
        objective.balance = Balance::of(&objective.key_results);
        if !objective.balance.is_balanced() {
            warnings
                .push(balance_warning(&format!("objective {}", objective.id), objective.balance));
        }
    }
    let mut seen = BTreeSet::new();
    let distinct: Vec<&PlannedKr> = objectives
        .iter()
        .flat_map(|o| &o.key_results)
        .filter(|kr| seen.insert(kr.id.clone()))
        .collect();
    let balance = Balance::of(distinct);
    if !balance.is_balanced() {
        warnings.push(balance_warning("the plan", balance));
    }
    let threat_names = objectives
        .iter()
        .flat_map(|o| {
            o.derived_from.iter().chain(o.key_results.iter().flat_map(|k| &k.derived_from))
        })
        .filter(|id| !is_plain_threat_id(id.as_str()))
        .filter_map(|id| Some((id.clone(), workspace.aliases.alias_of(id)?.to_owned())))
        .collect();
    Plan {
        cycle: cycle.id.clone(),
        objectives,
        balance,
        warnings,
        declined: declined.into_iter().map(str::to_owned).collect(),
        threat_names,
    }
}

/// The ids of an OKR file's `proposed:` list that the file no longer holds: proposals a person
/// deleted, which planning does not bring back.
fn declined_proposals(set: &OkrSet) -> BTreeSet<&str> {
    let held: BTreeSet<&str> = set
        .objectives
        .iter()
        .map(|o| o.id.as_str())
        .chain(set.key_results.iter().map(|kr| kr.id.as_str()))
        .collect();
    set.proposed.iter().map(String::as_str).filter(|id| !held.contains(id)).collect()
}

/// Whether two threat lists name the same threats, in any order.
fn same_threats(a: &[ThreatId], b: &[ThreatId]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
}

/// Key results about the whole portfolio rather than one theme (CI scanning, no high findings in
/// production) are one definition, `KR-CI-SCAN` and `KR-PROD-HIGH`, scoped to the apps of every
/// objective that counts it: the first defines it, the others `ref:` it.
fn share_portfolio_wide(objectives: &mut [PlannedObjective], apps: &HashMap<&str, &App>) {
    for template in [Template::ProdFindings, Template::CiScanning] {
        let holders: Vec<&PlannedObjective> = objectives
            .iter()
            .filter(|o| o.key_results.iter().any(|kr| kr.template == template))
            .collect();
        let Some(first) = holders.first() else { continue };
        let ids: Vec<AppId> = unique(holders.iter().flat_map(|o| o.apps.iter().cloned()));
        let scope = scope_of(&ids, apps);
        let counted_by = join_ids(&holders.iter().map(|o| o.id.clone()).collect::<Vec<_>>());
        let mut shared = first
            .key_results
            .iter()
            .find(|kr| kr.template == template)
            .expect("a holder holds it")
            .clone();
        shared.id = format!("KR-{}", template.abbr());
        shared.params.insert("apps".into(), scope.param);
        let (title, why) = match template {
            Template::CiScanning => (
                format!(
                    "SAST and secret scanning in the CI of every repository of {}",
                    scope.phrase
                ),
                "scanning every change keeps new flaws out",
            ),
            _ => (
                format!("No open production finding with CVSS >= 7.0 in {}", scope.phrase),
                "high and critical findings in production are where it gets exploited",
            ),
        };
        shared.title = title;
        shared.rationale =
            format!("one key result for the portfolio, counted by {counted_by}; {why}");
        for objective in objectives.iter_mut() {
            for kr in objective.key_results.iter_mut().filter(|kr| kr.template == template) {
                *kr = shared.clone();
            }
        }
    }
}

/// `O-<cycle>-<abbr>`; `O-<abbr>` when the cycle's id is too long to make a valid id.
fn objective_id(cycle: &CycleId, abbr: &str) -> ObjectiveId {
    format!("O-{cycle}-{abbr}")
        .parse()
        .unwrap_or_else(|_| format!("O-{abbr}").parse().expect("a short id is valid"))
}

/// Certifications are one key result however many objectives count it: the milestones cover
/// PCI DSS when any of their apps is tagged `pci`, the rationale names every business objective
/// they support, and `derived_from` is empty (they come from the alignment, not from threats).
fn share_certifications(objectives: &mut [PlannedObjective], apps: &HashMap<&str, &App>) {
    let holds = |o: &PlannedObjective| {
        o.key_results.iter().any(|kr| kr.template == Template::Certifications)
    };
    let holders: Vec<&PlannedObjective> = objectives.iter().filter(|o| holds(o)).collect();
    if holders.is_empty() {
        return;
    }
    let supported: Vec<ObjectiveId> =
        unique(holders.iter().flat_map(|o| o.supports.iter().cloned()));
    let pci = holders
        .iter()
        .flat_map(|o| &o.apps)
        .any(|a| apps.get(a.as_str()).is_some_and(|app| app.tags.iter().any(|t| t == "pci")));
    let shared = templates::certifications(
        pci,
        format!(
            "supports {}: customers and auditors ask for certified security",
            join_ids(&supported)
        ),
        Vec::new(),
    );
    for objective in objectives.iter_mut() {
        for kr in &mut objective.key_results {
            if kr.template == Template::Certifications {
                *kr = shared.clone();
            }
        }
    }
}

fn balance_warning(what: &str, balance: Balance) -> String {
    format!(
        "{what} is {}% strategic and {}% tactical, outside the 30–70% balance",
        (balance.strategic * 100.0).round(),
        (balance.tactical * 100.0).round()
    )
}

/// Replaces the declared start with a measured one and names the figure in the rationale (or
/// says the start is declared when the measure step found no evidence); a start at or past the
/// target lifts the target to 100 when that is still ahead, else drops the key result with a
/// warning.
fn apply_start(kr: &mut PlannedKr, options: &PlanOptions, warnings: &mut Vec<String>) -> bool {
    let PlannedTarget::Metric { start, target } = &mut kr.target else { return true };
    let Some(&measured) = options.measured_starts.get(&kr.id) else {
        if kr.template == Template::Carried {
            let implied =
                format!("{}{}", number(*start), starts::unit_suffix(*start, kr.unit.as_deref()));
            kr.rationale.push_str(&format!("; it starts at the {implied} its score implies"));
        } else if options.unmeasured.contains(&kr.id) && !kr.measured_start {
            kr.rationale.push_str("; no evidence yet, so the start is declared");
        }
        return true;
    };
    // Figures the models already gave (risk mitigated, controls implemented) are named once.
    let same_as_models = kr.measured_start && *start == measured;
    let (declared_start, declared_target) = (*start, *target);
    *start = measured;
    kr.measured_start = true;
    if !same_as_models {
        let phrase = starts::measured_phrase(kr.template, measured, kr.unit.as_deref());
        kr.rationale.push_str(&format!("; {phrase}"));
    }
    if measured < *target {
        retitle(kr, declared_start, declared_target);
        return true;
    }
    if kr.unit.as_deref() == Some("%") && measured < 100.0 {
        *target = 100.0;
        retitle(kr, declared_start, declared_target);
        return true;
    }
    warnings.push(format!(
        "{} is already at its target ({} measured): not proposed",
        kr.id,
        number(measured)
    ));
    false
}

/// A title that names its start and target ("from 0% to 80%", risk-weighted mitigation) names
/// the measured ones.
fn retitle(kr: &mut PlannedKr, declared_start: f64, declared_target: f64) {
    let PlannedTarget::Metric { start, target } = kr.target else { return };
    let percent = |v: f64| format!("{}%", number(v));
    let old = format!("from {} to {}", percent(declared_start), percent(declared_target));
    kr.title = kr.title.replace(&old, &format!("from {} to {}", percent(start), percent(target)));
}

/// Objectives and key results the user already has under a planned id keep the user's title,
/// target, weight, kind and commitment.
fn keep_user_edits(objective: &mut PlannedObjective, set: &OkrSet) {
    if let Some(theirs) = set.objectives.iter().find(|o| o.id == objective.id) {
        objective.title = theirs.title.clone();
        objective.commitment = theirs.commitment;
    }
    for kr in &mut objective.key_results {
        let Some(theirs) = set.key_results.iter().find(|k| k.id.as_str() == kr.id) else {
            continue;
        };
        kr.title = theirs.title.clone();
        kr.weight = theirs.weight;
        if let Some(kind) = theirs.kind {
            kr.kind = kind;
        }
        if let Some(commitment) = theirs.commitment {
            kr.commitment = commitment;
        }
        kr.target = match &theirs.target {
            KrTarget::Metric { start, target, .. } => {
                PlannedTarget::Metric { start: *start, target: *target }
            }
            KrTarget::Threshold { comparison, limit } => {
                PlannedTarget::Threshold { comparison: *comparison, limit: *limit }
            }
            KrTarget::Milestones(items) => PlannedTarget::Milestones(
                items.iter().map(|m| (m.title.clone(), m.weight)).collect(),
            ),
            KrTarget::Binary { .. } => continue,
        };
    }
}

fn theme_context(
    summary: &ThemeSummary,
    analysis: &Analysis,
    apps: &HashMap<&str, &App>,
    team_names: &HashMap<&str, &str>,
    asvs_version: AsvsVersion,
) -> ThemeContext {
    let theme = summary.theme;
    let words = themes::words(theme);
    let affected: Vec<&App> =
        summary.apps.iter().filter_map(|a| apps.get(a.as_str()).copied()).collect();
    let Scope { param: apps_param, phrase: scope_phrase, adjective: scope_adjective } =
        scope_of(&summary.apps, apps);
    let f = &summary.figures;
    let headline = format!(
        "{} carries {}% of open risk: {} open threat{} across {} app{}",
        words.noun,
        (f.share * 100.0).round(),
        f.open_threats,
        if f.open_threats == 1 { "" } else { "s" },
        summary.apps.len(),
        if summary.apps.len() == 1 { "" } else { "s" },
    );
    // Risk-weighted mitigation, in exact tenths.
    let (mut mitigated, mut in_scope) = (0u64, 0u64);
    for threat in analysis.threats.iter().filter(|t| t.theme == theme) {
        if threat.status.is_out_of_scope() {
            continue;
        }
        in_scope += u64::from(threat.risk.tenths());
        if threat.status.is_mitigated() {
            mitigated += u64::from(threat.risk.tenths());
        }
    }
    let risk_mitigated_pct =
        if in_scope == 0 { 0.0 } else { mitigated as f64 * 100.0 / in_scope as f64 };
    let has_prod = affected.is_empty()
        || affected.iter().all(|a| a.environments.is_empty())
        || affected.iter().any(|a| a.environments.iter().any(|e| e == "prod"));
    ThemeContext {
        theme,
        words,
        apps: summary.apps.clone(),
        apps_param,
        scope_phrase,
        scope_adjective,
        teams: summary.teams.clone(),
        team_names: summary
            .teams
            .iter()
            .map(|t| {
                team_names.get(t.as_str()).map_or_else(|| t.to_string(), |name| (*name).to_owned())
            })
            .collect(),
        derived_from: unique(analysis.open_threats_of(theme).into_iter().map(|t| t.id.clone())),
        headline,
        asvs_version,
        in_scope: f.in_scope,
        tested: f.tested,
        risk_mitigated_pct,
        controls: f.controls,
        controls_implemented: f.controls_implemented,
        has_prod,
        pci: affected.iter().any(|a| a.tags.iter().any(|t| t == "pci")),
    }
}

/// How a key result names a set of apps: its `apps:` parameter, a phrase and an adjective.
struct Scope {
    /// `tag:consumer-facing` or the app ids.
    param: MeasureParam,
    /// "the consumer-facing apps", "Checkout and Web", "6 apps".
    phrase: String,
    /// "consumer-facing", or empty when the scope is not a tag.
    adjective: String,
}

/// The scope of `ids`: their shared tag when there is one (and more than one app), else the
/// apps by id, named one by one up to [`MAX_NAMED_APPS`].
fn scope_of(ids: &[AppId], apps: &HashMap<&str, &App>) -> Scope {
    let affected: Vec<&App> = ids.iter().filter_map(|a| apps.get(a.as_str()).copied()).collect();
    let names: Vec<String> = ids
        .iter()
        .map(|a| apps.get(a.as_str()).map_or_else(|| a.to_string(), |app| app.name.clone()))
        .collect();
    match shared_tag(ids, &affected, apps) {
        Some(tag) if ids.len() > 1 => Scope {
            param: MeasureParam::Text(format!("tag:{tag}")),
            phrase: format!("the {tag} apps"),
            adjective: tag,
        },
        _ => Scope {
            param: MeasureParam::List(ids.iter().map(|a| a.to_string()).collect()),
            phrase: if names.len() <= MAX_NAMED_APPS {
                templates::join_and(&names)
            } else {
                format!("{} apps", names.len())
            },
            adjective: String::new(),
        },
    }
}

/// The tag every affected app has, with the fewest apps overall (ties by name); `None` when an
/// affected app is not defined in `threatokr.yaml` or no tag is shared.
fn shared_tag(ids: &[AppId], affected: &[&App], apps: &HashMap<&str, &App>) -> Option<String> {
    if affected.is_empty() || affected.len() != ids.len() {
        return None;
    }
    let mut candidates: Vec<(usize, &String)> = affected[0]
        .tags
        .iter()
        .filter(|tag| affected.iter().all(|a| a.tags.contains(tag)))
        .map(|tag| (apps.values().filter(|a| a.tags.contains(tag)).count(), tag))
        .collect();
    candidates.sort();
    candidates.first().map(|(_, tag)| (*tag).clone())
}

fn scope_description(cx: &ThemeContext) -> String {
    let teams = if cx.teams.is_empty() {
        String::new()
    } else {
        format!("; teams {}", cx.teams.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", "))
    };
    format!(
        "Planned from the threat models: {}. Apps {}{teams}.",
        cx.headline,
        cx.apps.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
    )
}

fn unique<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = BTreeSet::new();
    items.into_iter().filter(|i| seen.insert(i.clone())).collect()
}

fn join_ids(ids: &[ObjectiveId]) -> String {
    templates::join_and(&ids.iter().map(|i| i.to_string()).collect::<Vec<_>>())
}

// ------------------------------------------------------------------ alignment

/// A business objective of the cycle, with what the planner reads from it.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessObjective {
    /// Its id.
    pub id: ObjectiveId,
    /// Its title.
    pub title: String,
    /// The lower-case words of its title, description and key-result titles.
    words: Vec<String>,
    /// Whether its title or description is about revenue.
    pub about_revenue: bool,
    /// The apps it names (by id, name or tag).
    pub apps: Vec<AppId>,
    /// The product it names, as written in threatokr.yaml (an app's name, or a tag capitalised).
    pub product: Option<String>,
}

/// Words: lower case, split on anything but letters, digits and `-`.
fn words_of(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `phrase`'s words appear contiguously in `words`.
fn contains_phrase(words: &[String], phrase: &str) -> bool {
    let needle = words_of(phrase);
    !needle.is_empty() && words.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Whether the words name one of `ids` (by id or name) or a tag of one of them.
fn mentions_any(words: &[String], ids: &[AppId], apps: &HashMap<&str, &App>) -> bool {
    ids.iter().any(|id| {
        contains_phrase(words, id.as_str())
            || apps.get(id.as_str()).is_some_and(|app| {
                contains_phrase(words, &app.name)
                    || app.tags.iter().any(|t| contains_phrase(words, t))
            })
    })
}

/// Whether an objective of an OKR set is a business objective (see the module documentation).
pub fn is_business(objective: &crate::model::Objective, set: &OkrSet) -> bool {
    matches!(objective.level, ObjectiveLevel::Company | ObjectiveLevel::Department)
        && objective.theme.is_none()
        && !objective.parents.iter().any(|(kind, _)| *kind == LinkKind::Supports)
        && !words_of(&objective.title).iter().any(|w| w == "security")
        && !objective.key_results.iter().any(|id| {
            set.key_result(id)
                .and_then(|kr| kr.measure.as_ref())
                .is_some_and(|m| m.metric != "manual")
        })
}

const REVENUE_WORDS: &[&str] = &["revenue", "sales", "bookings", "arr"];

/// The business objectives of the cycle, from `existing` and every OKR file of the cycle in the
/// workspace (each id once, `existing` first).
pub fn business_objectives(
    workspace: &Workspace,
    cycle: &CycleId,
    existing: Option<&OkrSet>,
) -> Vec<BusinessObjective> {
    let apps = &workspace.config.apps;
    let mut out: Vec<BusinessObjective> = Vec::new();
    for set in existing.into_iter().chain(workspace.okrs.iter().filter(|s| &s.cycle == cycle)) {
        for objective in set.objectives.iter().filter(|o| is_business(o, set)) {
            if out.iter().any(|b| b.id == objective.id) {
                continue;
            }
            out.push(business_objective(objective, set, apps));
        }
    }
    out
}

/// What the planner reads from the business objective `objective` of `set`.
fn business_objective(
    objective: &crate::model::Objective,
    set: &OkrSet,
    apps: &[App],
) -> BusinessObjective {
    let mut text = objective.title.clone();
    let heading = format!("{} {}", objective.title, objective.description.as_deref().unwrap_or(""));
    for id in &objective.key_results {
        if let Some(kr) = set.key_result(id) {
            text.push_str(" . ");
            text.push_str(&kr.title);
        }
    }
    if let Some(d) = &objective.description {
        text.push_str(" . ");
        text.push_str(d);
    }
    let words = words_of(&text);
    let heading_words = words_of(&heading);
    let mut named = Vec::new();
    let mut product = None;
    for app in apps {
        let by_name = contains_phrase(&heading_words, &app.name)
            || contains_phrase(&heading_words, app.id.as_str());
        let by_tag = app.tags.iter().find(|t| contains_phrase(&heading_words, t));
        if by_name || by_tag.is_some() {
            named.push(app.id.clone());
            if product.is_none() {
                product = Some(if by_name {
                    app.name.clone()
                } else {
                    capitalise(by_tag.expect("a tag matched"))
                });
            }
        }
    }
    BusinessObjective {
        id: objective.id.clone(),
        title: objective.title.clone(),
        about_revenue: heading_words.iter().any(|w| REVENUE_WORDS.contains(&w.as_str())),
        words,
        apps: named,
        product,
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Objectives that a security (non-business) objective of the cycle supports or contributes to.
fn supported_objectives<'a>(
    workspace: &'a Workspace,
    cycle: &CycleId,
    existing: Option<&'a OkrSet>,
) -> BTreeSet<&'a ObjectiveId> {
    existing
        .into_iter()
        .chain(workspace.okrs.iter().filter(|s| &s.cycle == cycle))
        .flat_map(|set| {
            set.objectives
                .iter()
                .filter(|o| !is_business(o, set))
                .flat_map(|o| o.parents.iter().map(|(_, parent)| parent))
        })
        .collect()
}

/// What `threatokr align` reports for a cycle's OKR set.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Security objectives with no parent (neither contributes nor supports), by id.
    pub unaligned: Vec<(ObjectiveId, String)>,
    /// Business objectives no security objective supports or contributes to.
    pub unsupported: Vec<(ObjectiveId, String)>,
    /// `supports` links the plan proposes: (planned objective, business objective).
    pub proposed: Vec<(ObjectiveId, ObjectiveId)>,
}

/// The alignment of a cycle's OKR set, with the links `plan` proposes.
pub fn alignment(set: &OkrSet, plan: &Plan) -> Alignment {
    let business: BTreeSet<&ObjectiveId> =
        set.objectives.iter().filter(|o| is_business(o, set)).map(|o| &o.id).collect();
    let supported: BTreeSet<&ObjectiveId> = set
        .objectives
        .iter()
        .filter(|o| !business.contains(&o.id))
        .flat_map(|o| o.parents.iter().map(|(_, p)| p))
        .collect();
    Alignment {
        unaligned: set
            .objectives
            .iter()
            .filter(|o| !business.contains(&o.id) && o.parents.is_empty())
            .map(|o| (o.id.clone(), o.title.clone()))
            .collect(),
        unsupported: set
            .objectives
            .iter()
            .filter(|o| business.contains(&o.id) && !supported.contains(&o.id))
            .map(|o| (o.id.clone(), o.title.clone()))
            .collect(),
        proposed: plan
            .objectives
            .iter()
            .flat_map(|o| o.supports.iter().map(|s| (o.id.clone(), s.clone())))
            .filter(|(child, parent)| {
                !set.objective(child).is_some_and(|o| o.parents.iter().any(|(_, p)| p == parent))
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
