//! The workspace: `threatokr.yaml` (org, apps, cycles, settings) plus models and OKR sets.

use super::{AppId, CycleId, OkrSet, Origin, PersonId, TeamId, ThreatId, ThreatModel};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// Everything one workspace defines, after lowering and linking.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Workspace {
    /// `threatokr.yaml`.
    pub config: WorkspaceConfig,
    /// Threat models, native and foreign, sorted by file name.
    pub models: Vec<ThreatModel>,
    /// OKR sets, one per cycle file.
    pub okrs: Vec<OkrSet>,
    /// Every threat's short alias (`checkout:T-4821`), assigned when the workspace is loaded.
    pub aliases: ThreatAliases,
}

/// Short, stable aliases of threats (see `workspace/aliases.rs` for the rule), both ways.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ThreatAliases {
    #[serde(deserialize_with = "built_at_once")]
    by_alias: BTreeMap<String, ThreatId>,
    #[serde(deserialize_with = "built_at_once")]
    by_threat: BTreeMap<ThreatId, String>,
    /// Every alias of threats with an id, sorted: a register of 20,000 threats looked each one
    /// up by walking every alias.
    #[serde(deserialize_with = "built_at_once")]
    every_by_threat: BTreeMap<ThreatId, Vec<String>>,
}

/// A map read back (from the workspace's cache) as its entries, the tree built from them at
/// once: inserting 60,000 aliases one by one, each found by comparing texts, was a third of
/// decoding them (issue 12). Entries come sorted and unique, as a map writes them.
fn built_at_once<'de, D, K, V>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    K: serde::Deserialize<'de> + Ord,
    V: serde::Deserialize<'de>,
{
    struct Entries<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K, V> serde::de::Visitor<'de> for Entries<K, V>
    where
        K: serde::Deserialize<'de> + Ord,
        V: serde::Deserialize<'de>,
    {
        type Value = BTreeMap<K, V>;

        fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str("a map")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            // At most a million entries ahead of reading them: a length is only a hint.
            let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1 << 20));
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(entries.into_iter().collect())
        }
    }
    deserializer.deserialize_map(Entries(std::marker::PhantomData))
}

impl ThreatAliases {
    /// Records `alias` for `threat` (the first alias of a threat is its alias).
    pub fn insert(&mut self, alias: String, threat: ThreatId) {
        self.by_threat.entry(threat.clone()).or_insert_with(|| alias.clone());
        let every = self.every_by_threat.entry(threat.clone()).or_default();
        if let Err(at) = every.binary_search(&alias) {
            every.insert(at, alias.clone());
        }
        if let Some(previous) = self.by_alias.insert(alias.clone(), threat)
            && previous != self.by_alias[&alias]
            && let Some(others) = self.every_by_threat.get_mut(&previous)
        {
            // The alias now names another threat: the one it named no longer has it.
            others.retain(|a| *a != alias);
        }
    }

    /// The alias of a threat.
    pub fn alias_of(&self, threat: &ThreatId) -> Option<&str> {
        self.by_threat.get(threat).map(String::as_str)
    }

    /// The threat an alias names.
    pub fn threat(&self, alias: &str) -> Option<&ThreatId> {
        self.by_alias.get(alias)
    }

    /// Every alias of threats with this id (one per app that has such a threat), sorted.
    pub fn aliases_of(&self, threat: &ThreatId) -> Vec<&str> {
        self.every_by_threat.get(threat).into_iter().flatten().map(String::as_str).collect()
    }

    /// The alias of the threat `threat` of the app `app`.
    pub fn alias_in(&self, app: &str, threat: &ThreatId) -> Option<&str> {
        self.aliases_of(threat)
            .into_iter()
            .find(|a| a.strip_prefix(app).is_some_and(|rest| rest.starts_with(":T-")))
    }

    /// Every alias, sorted.
    pub fn aliases(&self) -> impl Iterator<Item = &str> {
        self.by_alias.keys().map(String::as_str)
    }
}

impl Workspace {
    /// What a name of a threat (in an OKR file, a test result, a search) stands for: the
    /// threat's own id when `name` is an alias, else `name` as written. This is the one place an
    /// alias is resolved; everything that accepts a threat id calls it.
    pub fn threat_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.aliases.threat(name).map_or(name, ThreatId::as_str)
    }

    /// The threat `name` names: a threat's own id, or its alias.
    pub fn resolve_threat<'a>(&'a self, name: &'a str) -> Option<&'a ThreatId> {
        let name = self.threat_name(name);
        self.models.iter().flat_map(|m| &m.threats).map(|t| &t.id).find(|id| id.as_str() == name)
    }

    /// A threat's id with its alias beside it when the two differ: `26@5d15… (checkout:T-4821)`.
    pub fn threat_label(&self, threat: &ThreatId) -> String {
        match self.aliases.alias_of(threat) {
            Some(alias) => format!("{threat} ({alias})"),
            None => threat.to_string(),
        }
    }

    /// The OKR set of a cycle.
    pub fn okrs_for(&self, cycle: &CycleId) -> Option<&OkrSet> {
        self.okrs.iter().find(|set| &set.cycle == cycle)
    }
}

/// The contents of `threatokr.yaml`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Org {
    /// The company's name.
    pub name: String,
    /// Teams.
    pub teams: Vec<Team>,
    /// People.
    pub people: Vec<Person>,
}

/// A team.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// A key result whose newest measurement is older than this is stale.
    pub stale_after_days: u32,
    /// Fix deadlines.
    pub sla_days: SlaDays,
    /// The ASVS version used when a key result does not name one.
    pub asvs_version: String,
    /// Evidence drop folders.
    pub evidence: EvidenceFolders,
    /// How old each kind of evidence may be before a key result computed from it is stale.
    pub evidence_max_age: EvidenceMaxAge,
    /// Training courses: their ids and how long a completion stays valid.
    pub courses: Vec<Course>,
    /// Whether reading the dashboard needs a token (`dashboard_read: token`); writing always does.
    pub read_needs_token: bool,
}

impl Settings {
    /// The days a completion of `course` stays valid: the course's `validity_days`, else the
    /// training evidence's maximum age (365 by default).
    pub fn course_validity_days(&self, course: &str) -> u32 {
        let key = crate::evidence::training::course_key(course);
        self.courses
            .iter()
            .find(|c| crate::evidence::training::course_key(&c.id) == key)
            .and_then(|c| c.validity_days)
            .unwrap_or(self.evidence_max_age.training)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            stale_after_days: 14,
            sla_days: SlaDays::default(),
            asvs_version: "5.0.0".into(),
            evidence: EvidenceFolders::default(),
            evidence_max_age: EvidenceMaxAge::default(),
            courses: Vec::new(),
            read_needs_token: false,
        }
    }
}

/// The maximum age in days of each kind of evidence (`settings.evidence_max_age_days`): a key
/// result whose newest evidence of its kind is older is stale, whatever its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EvidenceMaxAge {
    /// Scanner results: an app's newest scan (default 30).
    pub scans: u32,
    /// ASVS verifications: an app's newest verification (default 180).
    pub asvs: u32,
    /// Threat-scenario test results: the newest execution (default 90).
    pub tests: u32,
    /// Training: the newest completion of a course, and how long a completion stays valid
    /// unless the course says otherwise (default 365).
    pub training: u32,
}

impl Default for EvidenceMaxAge {
    fn default() -> Self {
        Self { scans: 30, asvs: 180, tests: 90, training: 365 }
    }
}

/// A training course of `settings.courses`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Course {
    /// Its id as completions write it (`access-control`).
    pub id: String,
    /// Its title.
    pub title: Option<String>,
    /// How many days a completion stays valid (default: `evidence_max_age_days.training`).
    pub validity_days: Option<u32>,
    /// Where it is declared.
    pub origin: Origin,
}
