//! A threat model as threatokr understands it, whatever format it was read from.

use super::{
    ControlId, ControlStatus, ElementId, ElementKind, Level, Origin, Severity, Stride, TestId,
    ThreatId, ThreatStatus,
};
use crate::model::AppId;

/// The format a model was read from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum SourceFormat {
    /// threatokr's own `*.tm.yaml`.
    Native,
    /// Threagile YAML.
    Threagile,
    /// OWASP Threat Dragon v1 JSON.
    ThreatDragonV1,
    /// OWASP Threat Dragon v2 JSON.
    ThreatDragonV2,
    /// Open Threat Model, JSON or YAML.
    Otm,
    /// AWS Threat Composer `.tc.json`.
    ThreatComposer,
    /// pytm `--json` output.
    Pytm,
    /// OWASP TM-BOM 1.0.x JSON.
    TmBom,
    /// Microsoft Threat Modeling Tool `.tm7`.
    Tm7,
}

impl SourceFormat {
    /// The name used by `--from` and in the import JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Threagile => "threagile",
            Self::ThreatDragonV1 => "threat-dragon-v1",
            Self::ThreatDragonV2 => "threat-dragon-v2",
            Self::Otm => "otm",
            Self::ThreatComposer => "threat-composer",
            Self::Pytm => "pytm",
            Self::TmBom => "tm-bom",
            Self::Tm7 => "tm7",
        }
    }

    /// Every format.
    pub const ALL: &'static [Self] = &[
        Self::Native,
        Self::Threagile,
        Self::ThreatDragonV1,
        Self::ThreatDragonV2,
        Self::Otm,
        Self::ThreatComposer,
        Self::Pytm,
        Self::TmBom,
        Self::Tm7,
    ];
}

/// One threat model: the system's diagram plus its threats, controls and tests.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThreatModel {
    /// Where the model was read from (the whole file).
    pub origin: Origin,
    /// The format it was read from.
    pub format: SourceFormat,
    /// The app the model says it describes, if it says so (native `app:`; `--app` on import).
    pub app: Option<AppId>,
    /// The model's title.
    pub title: String,
    /// When the model was last reviewed, if known (`YYYY-MM-DD`).
    pub reviewed: Option<jiff::civil::Date>,
    /// Processes, data stores and external entities.
    pub elements: Vec<Element>,
    /// Data flows.
    pub flows: Vec<Flow>,
    /// Trust boundaries and zones.
    pub boundaries: Vec<TrustBoundary>,
    /// Data assets.
    pub data_assets: Vec<DataAsset>,
    /// Threats (one per instance for formats that instantiate threats per element).
    pub threats: Vec<Threat>,
    /// Controls and mitigations.
    pub controls: Vec<Control>,
    /// Test scenarios (abuse cases).
    pub tests: Vec<TestScenario>,
}

/// A process, data store or external entity.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Element {
    /// Stable id.
    pub id: ElementId,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: ElementKind,
    /// Reachable from the internet.
    pub internet_facing: bool,
    /// Data assets processed or stored here.
    pub data: Vec<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A data flow between two elements.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Flow {
    /// Stable id.
    pub id: ElementId,
    /// Display name.
    pub name: String,
    /// Source element.
    pub source: ElementId,
    /// Target element.
    pub target: ElementId,
    /// Protocol, when stated.
    pub protocol: Option<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A trust boundary or zone and the elements inside it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrustBoundary {
    /// Stable id.
    pub id: ElementId,
    /// Display name.
    pub name: String,
    /// Elements inside.
    pub elements: Vec<ElementId>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A data asset.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataAsset {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Classification as written (confidential, pii, ...).
    pub classification: Option<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A CVSS vector with its base score.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CvssScore {
    /// The vector as written.
    pub vector: String,
    /// Base score 0–10 (CVSS-B for v4).
    pub score: f64,
}

/// A threat (or a risk instance, for formats that have them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Threat {
    /// Stable id, unique in its model.
    pub id: ThreatId,
    /// One line.
    pub title: String,
    /// Longer text, if any.
    pub description: Option<String>,
    /// STRIDE categories.
    pub stride: Vec<Stride>,
    /// CWE ids.
    pub cwes: Vec<u32>,
    /// Affected elements (elements, flows or boundaries).
    pub elements: Vec<ElementId>,
    /// Canonical status.
    pub status: ThreatStatus,
    /// The source's status text.
    pub status_raw: String,
    /// Canonical severity.
    pub severity: Severity,
    /// The source's severity text.
    pub severity_raw: String,
    /// Likelihood, when stated.
    pub likelihood: Option<Level>,
    /// Impact, when stated.
    pub impact: Option<Level>,
    /// CVSS, when stated.
    pub cvss: Option<CvssScore>,
    /// Who owns it.
    pub owner: Option<String>,
    /// An issue-tracker reference.
    pub ticket: Option<String>,
    /// When it was identified.
    pub created: Option<jiff::civil::Date>,
    /// When it last changed.
    pub updated: Option<jiff::civil::Date>,
    /// Controls that address it (the union of both directions of linking).
    pub controls: Vec<ControlId>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A control or mitigation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Control {
    /// Stable id.
    pub id: ControlId,
    /// One line.
    pub title: String,
    /// Canonical status.
    pub status: ControlStatus,
    /// The source's status text.
    pub status_raw: String,
    /// ASVS requirement ids (`v5.0.0-8.2.1`).
    pub asvs: Vec<String>,
    /// Free tags (`sso-oidc`), which key results can count.
    pub tags: Vec<String>,
    /// Threats it addresses.
    pub threats: Vec<ThreatId>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A test scenario (abuse case) that exercises threats.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TestScenario {
    /// Stable id; test results name it or the threats.
    pub id: TestId,
    /// One line.
    pub title: String,
    /// Threats it exercises.
    pub threats: Vec<ThreatId>,
    /// pentest, red_team, unit, integration, dast, manual, ...
    pub kind: String,
    /// Where it is defined.
    pub origin: Origin,
}

impl Threat {
    /// A threat of which only the id, title and origin are known yet: no description, STRIDE,
    /// CWEs, elements or controls, status and severity `unknown` with empty raw values, and no
    /// likelihood, impact, CVSS, owner, ticket or dates. Importers and tests fill in the rest
    /// with struct update syntax.
    pub fn new(id: ThreatId, title: String, origin: Origin) -> Self {
        Self {
            id,
            title,
            description: None,
            stride: Vec::new(),
            cwes: Vec::new(),
            elements: Vec::new(),
            status: ThreatStatus::Unknown,
            status_raw: String::new(),
            severity: Severity::Unknown,
            severity_raw: String::new(),
            likelihood: None,
            impact: None,
            cvss: None,
            owner: None,
            ticket: None,
            created: None,
            updated: None,
            controls: Vec::new(),
            origin,
        }
    }
}
