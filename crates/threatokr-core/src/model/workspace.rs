//! The workspace: `threatokr.yaml` (org, apps, cycles, settings) plus models and OKR sets.

use super::{AppId, CycleId, OkrSet, Origin, PersonId, TeamId, ThreatModel};
use jiff::civil::Date;

/// Everything one workspace defines, after lowering and linking.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workspace {
    /// `threatokr.yaml`.
    pub config: WorkspaceConfig,
    /// Threat models, native and foreign, sorted by file name.
    pub models: Vec<ThreatModel>,
    /// OKR sets, one per cycle file.
    pub okrs: Vec<OkrSet>,
}

impl Workspace {
    /// The OKR set of a cycle.
    pub fn okrs_for(&self, cycle: &CycleId) -> Option<&OkrSet> {
        self.okrs.iter().find(|set| &set.cycle == cycle)
    }
}

/// The contents of `threatokr.yaml`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkspaceConfig {
    /// The organisation.
    pub org: Org,
    /// Apps and products.
    pub apps: Vec<App>,
    /// OKR cycles, years and quarters.
    pub cycles: Vec<Cycle>,
    /// Settings.
    pub settings: Settings,
}

impl WorkspaceConfig {
    /// Looks an app up by id.
    pub fn app(&self, id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.id.as_str() == id)
    }

    /// Looks a cycle up by id.
    pub fn cycle(&self, id: &str) -> Option<&Cycle> {
        self.cycles.iter().find(|c| c.id.as_str() == id)
    }

    /// The shortest cycle containing `date` (a quarter before its year).
    pub fn cycle_containing(&self, date: Date) -> Option<&Cycle> {
        self.cycles
            .iter()
            .filter(|c| c.start <= date && date <= c.end)
            .min_by_key(|c| (c.end - c.start).get_days())
    }
}

/// Teams and people.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Org {
    /// The company's name.
    pub name: String,
    /// Teams.
    pub teams: Vec<Team>,
    /// People.
    pub people: Vec<Person>,
}

/// A team.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// Stable id.
    pub id: TeamId,
    /// Display name.
    pub name: String,
    /// The team lead.
    pub lead: Option<PersonId>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A person.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// Stable id (also what training records use).
    pub id: PersonId,
    /// Display name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// The team they belong to.
    pub team: Option<TeamId>,
    /// Their manager, for the reporting line.
    pub manager: Option<PersonId>,
    /// Counted as a developer in training coverage.
    pub developer: bool,
    /// Where it is defined.
    pub origin: Origin,
}

/// An app or product.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// Stable id.
    pub id: AppId,
    /// Display name.
    pub name: String,
    /// Owning team.
    pub team: Option<TeamId>,
    /// Business criticality, 1 (highest) to 4.
    pub tier: Option<u8>,
    /// Tags such as `consumer-facing`.
    pub tags: Vec<String>,
    /// Repository locations (URLs or paths).
    pub repos: Vec<String>,
    /// Environments (`staging`, `prod`).
    pub environments: Vec<String>,
    /// Model files claimed by this app (workspace-relative).
    pub models: Vec<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// An OKR cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// `2027`, `2027-Q1`, ...
    pub id: CycleId,
    /// First day.
    pub start: Date,
    /// Last day (inclusive).
    pub end: Date,
    /// The enclosing cycle (a quarter's year).
    pub within: Option<CycleId>,
    /// Where it is defined.
    pub origin: Origin,
}

/// Days allowed to fix a finding, per severity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlaDays {
    /// Critical.
    pub critical: u32,
    /// High.
    pub high: u32,
    /// Medium.
    pub medium: u32,
    /// Low.
    pub low: u32,
}

impl Default for SlaDays {
    fn default() -> Self {
        Self { critical: 7, high: 30, medium: 90, low: 120 }
    }
}

/// Where evidence files are dropped, relative to the workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceFolders {
    /// SARIF files.
    pub sarif: String,
    /// Repositories or CI configs to scan.
    pub ci: String,
    /// ASVS verification files.
    pub asvs: String,
    /// Training roster and completions.
    pub training: String,
    /// Threat-scenario test results.
    pub tests: String,
}

impl Default for EvidenceFolders {
    fn default() -> Self {
        Self {
            sarif: "evidence/sarif".into(),
            ci: "evidence/ci".into(),
            asvs: "evidence/asvs".into(),
            training: "evidence/training".into(),
            tests: "evidence/tests".into(),
        }
    }
}

/// Workspace settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// A key result whose newest measurement is older than this is stale.
    pub stale_after_days: u32,
    /// Fix deadlines.
    pub sla_days: SlaDays,
    /// The ASVS version used when a key result does not name one.
    pub asvs_version: String,
    /// Evidence drop folders.
    pub evidence: EvidenceFolders,
    /// Whether reading the dashboard needs a token (`dashboard_read: token`); writing always does.
    pub read_needs_token: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            stale_after_days: 14,
            sla_days: SlaDays::default(),
            asvs_version: "5.0.0".into(),
            evidence: EvidenceFolders::default(),
            read_needs_token: false,
        }
    }
}
