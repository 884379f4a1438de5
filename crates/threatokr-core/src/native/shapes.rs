//! The declared shapes of the three native files. They drive key and type checking while
//! reading, and `threatokr schema` publishes them as JSON Schema, so the two never drift.

use crate::decode::{Shape, Ty, opt, req};
use crate::model::vocab::{
    Commitment, ControlStatus, ElementKind, KrKind, KrType, Level, ObjectiveLevel, Severity,
    Stride, Theme, ThreatStatus,
};

fn stride_names() -> Vec<&'static str> {
    Stride::names().collect()
}
fn theme_names() -> Vec<&'static str> {
    Theme::names().collect()
}
fn status_names() -> Vec<&'static str> {
    ThreatStatus::names().collect()
}
fn severity_names() -> Vec<&'static str> {
    Severity::names().collect()
}
fn level_names() -> Vec<&'static str> {
    Level::names().collect()
}
fn control_status_names() -> Vec<&'static str> {
    ControlStatus::names().collect()
}
fn element_kind_names() -> Vec<&'static str> {
    ElementKind::names().collect()
}
fn kr_type_names() -> Vec<&'static str> {
    KrType::names().collect()
}
fn kr_kind_names() -> Vec<&'static str> {
    KrKind::names().collect()
}
fn commitment_names() -> Vec<&'static str> {
    Commitment::names().collect()
}
fn objective_level_names() -> Vec<&'static str> {
    ObjectiveLevel::names().collect()
}
fn source_format_names() -> Vec<&'static str> {
    crate::model::SourceFormat::ALL.iter().map(|f| f.as_str()).collect()
}

const TEXTS: Ty = Ty::List(&Ty::Text);
const IDS: Ty = Ty::List(&Ty::Id);

// ---------------------------------------------------------------- threatokr.yaml

/// `threatokr.yaml`.
pub static WORKSPACE: Shape = Shape {
    name: "workspace",
    doc: "A threatokr workspace: the organisation, its apps, the OKR cycles and settings.",
    fields: &[
        req("org", Ty::Object(&ORG), "The organisation: teams and people."),
        opt(
            "apps",
            Ty::List(&Ty::Object(&APP)),
            "Apps and products that threat models and OKRs are about.",
        ),
        req(
            "cycles",
            Ty::List(&Ty::Object(&CYCLE)),
            "OKR cycles: years and the quarters within them.",
        ),
        opt("settings", Ty::Object(&SETTINGS), "Workspace settings; every one has a default."),
    ],
};

pub(crate) static ORG: Shape = Shape {
    name: "org",
    doc: "The organisation.",
    fields: &[
        req("name", Ty::Text, "The company's name."),
        opt("teams", Ty::List(&Ty::Object(&TEAM)), "Teams."),
        opt(
            "people",
            Ty::List(&Ty::Object(&PERSON)),
            "People, with their team and manager (the reporting line).",
        ),
    ],
};

pub(crate) static TEAM: Shape = Shape {
    name: "team",
    doc: "A team.",
    fields: &[
        req("id", Ty::Id, "Stable id, used by apps, people and objectives."),
        req("name", Ty::Text, "Display name."),
        opt("lead", Ty::Id, "The team lead's person id."),
    ],
};

pub(crate) static PERSON: Shape = Shape {
    name: "person",
    doc: "A person.",
    fields: &[
        req("id", Ty::Id, "Stable id; training records use it."),
        req("name", Ty::Text, "Display name."),
        opt("title", Ty::Text, "Job title."),
        opt("team", Ty::Id, "The team they belong to."),
        opt("manager", Ty::Id, "Their manager's person id."),
        opt(
            "developer",
            Ty::Bool,
            "Counted as a developer in training coverage (default: true when the person has a team).",
        ),
    ],
};

pub(crate) static APP: Shape = Shape {
    name: "app",
    doc: "An app or product.",
    fields: &[
        req("id", Ty::Id, "Stable id."),
        req("name", Ty::Text, "Display name."),
        opt("team", Ty::Id, "The owning team."),
        opt("tier", Ty::Count, "Business criticality, 1 (highest) to 4."),
        opt("tags", TEXTS, "Tags such as consumer-facing or pci; key results select apps by tag."),
        opt("stack", TEXTS, "Languages and frameworks, for the record."),
        opt("repos", TEXTS, "Repository locations."),
        opt("environments", TEXTS, "Environments such as staging and prod."),
        opt(
            "models",
            TEXTS,
            "Threat-model files (workspace-relative) that describe this app, native or foreign.",
        ),
    ],
};

pub(crate) static CYCLE: Shape = Shape {
    name: "cycle",
    doc: "An OKR cycle.",
    fields: &[
        req("id", Ty::Id, "Cycle id such as 2027 or 2027-Q1; okrs/<id>.yaml holds its OKRs."),
        req("start", Ty::Date, "First day."),
        req("end", Ty::Date, "Last day, inclusive."),
        opt("within", Ty::Id, "The enclosing cycle (a quarter's year)."),
    ],
};

pub(crate) static SETTINGS: Shape = Shape {
    name: "settings",
    doc: "Workspace settings.",
    fields: &[
        opt(
            "stale_after_days",
            Ty::Count,
            "A key result whose newest measurement is older than this many days is stale (default 14).",
        ),
        opt(
            "sla_days",
            Ty::Object(&SLA),
            "Days allowed to fix a finding, per severity (default 7/30/90/120).",
        ),
        opt(
            "asvs_version",
            Ty::Enum(|| vec!["5.0.0", "4.0.3"]),
            "The ASVS version used when a key result names none (default 5.0.0).",
        ),
        opt("evidence", Ty::Object(&EVIDENCE), "Evidence drop folders, workspace-relative."),
        opt(
            "evidence_max_age_days",
            Ty::Object(&EVIDENCE_MAX_AGE),
            "How old each kind of evidence may be before the key results computed from it are stale.",
        ),
        opt(
            "courses",
            Ty::List(&Ty::Object(&COURSE)),
            "Training courses that `training.coverage` may name, with how long a completion is valid.",
        ),
        opt(
            "dashboard_read",
            Ty::Enum(|| vec!["open", "token"]),
            "Who may read `threatokr serve`'s pages and API: anyone who reaches it (open, the default) or token holders only; writing always needs a token.",
        ),
    ],
};

pub(crate) static EVIDENCE_MAX_AGE: Shape = Shape {
    name: "evidence_max_age_days",
    doc: "Maximum evidence ages in days.",
    fields: &[
        opt("scans", Ty::Count, "An app's newest scan (default 30)."),
        opt("asvs", Ty::Count, "An app's newest ASVS verification (default 180)."),
        opt("tests", Ty::Count, "The newest threat-scenario test execution (default 90)."),
        opt(
            "training",
            Ty::Count,
            "The newest completion of a course, and a completion's validity when the course sets none (default 365).",
        ),
    ],
};

pub(crate) static COURSE: Shape = Shape {
    name: "course",
    doc: "A training course.",
    fields: &[
        req("id", Ty::Text, "The course id as the completions CSV writes it (access-control)."),
        opt("title", Ty::Text, "Its title."),
        opt(
            "validity_days",
            Ty::Count,
            "Days a completion counts as valid training (default: evidence_max_age_days.training).",
        ),
    ],
};

pub(crate) static SLA: Shape = Shape {
    name: "sla_days",
    doc: "Fix deadlines in days.",
    fields: &[
        opt("critical", Ty::Count, "Critical findings."),
        opt("high", Ty::Count, "High findings."),
        opt("medium", Ty::Count, "Medium findings."),
        opt("low", Ty::Count, "Low findings."),
    ],
};

pub(crate) static EVIDENCE: Shape = Shape {
    name: "evidence",
    doc: "Evidence drop folders.",
    fields: &[
        opt("sarif", Ty::Text, "SARIF files, in <app>/<env>/ subfolders."),
        opt("ci", Ty::Text, "Repositories whose CI configuration is scanned."),
        opt("asvs", Ty::Text, "ASVS verification files."),
        opt("training", Ty::Text, "roster.csv and completions.csv."),
        opt("tests", Ty::Text, "Threat-scenario test results (JUnit XML or CSV)."),
    ],
};

// ---------------------------------------------------------------- models/*.tm.yaml

/// `models/*.tm.yaml`.
pub static THREAT_MODEL: Shape = Shape {
    name: "threat model",
    doc: "A threat model of one app: its data-flow diagram, threats, controls and test scenarios.",
    fields: &[
        opt("app", Ty::Id, "The app this model describes (an id from threatokr.yaml)."),
        req("title", Ty::Text, "The model's title."),
        opt("reviewed", Ty::Date, "When the model was last reviewed."),
        opt(
            "source_format",
            Ty::Enum(source_format_names),
            "The format this model was imported from, if any.",
        ),
        opt(
            "elements",
            Ty::List(&Ty::Object(&ELEMENT)),
            "Processes, data stores and external entities.",
        ),
        opt("boundaries", Ty::List(&Ty::Object(&BOUNDARY)), "Trust boundaries."),
        opt("flows", Ty::List(&Ty::Object(&FLOW)), "Data flows."),
        opt("data_assets", Ty::List(&Ty::Object(&DATA_ASSET)), "Data assets."),
        opt("threats", Ty::List(&Ty::Object(&THREAT)), "Threats."),
        opt("controls", Ty::List(&Ty::Object(&CONTROL)), "Controls and mitigations."),
        opt(
            "tests",
            Ty::List(&Ty::Object(&TEST)),
            "Test scenarios (abuse cases) that exercise threats.",
        ),
    ],
};

pub(crate) static ELEMENT: Shape = Shape {
    name: "element",
    doc: "A data-flow diagram element.",
    fields: &[
        req("id", Ty::Id, "Stable id."),
        req("kind", Ty::Enum(element_kind_names), "process, data_store or external_entity."),
        req("name", Ty::Text, "Display name."),
        opt("internet_facing", Ty::Bool, "Reachable from the internet."),
        opt("data", TEXTS, "Data assets processed or stored here."),
    ],
};

pub(crate) static BOUNDARY: Shape = Shape {
    name: "boundary",
    doc: "A trust boundary.",
    fields: &[
        req("id", Ty::Id, "Stable id."),
        req("name", Ty::Text, "Display name."),
        opt("elements", IDS, "Elements inside the boundary."),
    ],
};

pub(crate) static FLOW: Shape = Shape {
    name: "flow",
    doc: "A data flow.",
    fields: &[
        req("id", Ty::Id, "Stable id."),
        opt("name", Ty::Text, "Display name (defaults to the id)."),
        req("from", Ty::Id, "Source element."),
        req("to", Ty::Id, "Target element."),
        opt("protocol", Ty::Text, "Protocol."),
        opt("authn", Ty::Text, "How the caller is authenticated."),
    ],
};

pub(crate) static DATA_ASSET: Shape = Shape {
    name: "data asset",
    doc: "A data asset.",
    fields: &[
        req("id", Ty::Id, "Stable id."),
        req("name", Ty::Text, "Display name."),
        opt("classification", Ty::Text, "Classification."),
    ],
};

pub(crate) static THREAT: Shape = Shape {
    name: "threat",
    doc: "A threat.",
    fields: &[
        req("id", Ty::Id, "Stable id, unique in the model; key results cite it."),
        req("title", Ty::Text, "One line."),
        opt("description", Ty::Text, "Longer text."),
        opt("stride", Ty::OneOrList(&Ty::Enum(stride_names)), "STRIDE categories."),
        opt(
            "cwe",
            Ty::OneOrList(&Ty::Cwe),
            "CWE ids (79 or CWE-79); they decide the threat's theme.",
        ),
        opt("elements", IDS, "Affected elements, flows or boundaries."),
        opt("likelihood", Ty::Enum(level_names), "very_low .. very_high."),
        opt("impact", Ty::Enum(level_names), "very_low .. very_high."),
        opt("cvss", Ty::Text, "A CVSS v3.1 or v4.0 vector."),
        opt(
            "severity",
            Ty::Enum(severity_names),
            "Severity when neither CVSS nor likelihood and impact say it.",
        ),
        req("status", Ty::Enum(status_names), "Where the threat is in its life."),
        opt("status_raw", Ty::Text, "The source tool's status, kept for imported models."),
        opt("severity_raw", Ty::Text, "The source tool's severity, kept for imported models."),
        opt("owner", Ty::Text, "Who owns it."),
        opt("ticket", Ty::Text, "Issue-tracker reference."),
        opt("created", Ty::Date, "When it was identified."),
        opt("updated", Ty::Date, "When it last changed."),
    ],
};

pub(crate) static CONTROL: Shape = Shape {
    name: "control",
    doc: "A control or mitigation.",
    fields: &[
        req("id", Ty::Id, "Stable id."),
        req("title", Ty::Text, "One line."),
        req(
            "status",
            Ty::Enum(control_status_names),
            "suggested, planned, in_progress, implemented, verified, failed, not_applicable or wont_do.",
        ),
        opt("status_raw", Ty::Text, "The source tool's status, kept for imported models."),
        opt("addresses", IDS, "Threats it addresses."),
        opt("asvs", TEXTS, "ASVS requirement ids such as v5.0.0-8.2.1."),
        opt("tags", TEXTS, "Free tags such as sso-oidc, which key results can count."),
    ],
};

pub(crate) static TEST: Shape = Shape {
    name: "test scenario",
    doc: "A test scenario (abuse case).",
    fields: &[
        req("id", Ty::Id, "Stable id; test results name it or the threats."),
        req("title", Ty::Text, "One line."),
        req("threats", IDS, "Threats it exercises."),
        opt("kind", Ty::Text, "pentest, red_team, dast, integration, unit or manual."),
    ],
};

// ---------------------------------------------------------------- okrs/<cycle>.yaml

/// `okrs/<cycle>.yaml`.
pub static OKRS: Shape = Shape {
    name: "OKR file",
    doc: "The objectives and key results of one cycle, at every level from company to individual.",
    fields: &[
        req("cycle", Ty::Id, "The cycle id from threatokr.yaml."),
        opt("objectives", Ty::List(&Ty::Object(&OBJECTIVE)), "Objectives."),
        opt(
            "proposed",
            IDS,
            "Ids `threatokr plan` has proposed here; one deleted from the file is not proposed again.",
        ),
    ],
};

pub(crate) static OBJECTIVE: Shape = Shape {
    name: "objective",
    doc: "An objective.",
    fields: &[
        req("id", Ty::Id, "Stable id."),
        req("title", Ty::Text, "Qualitative and inspiring."),
        req("level", Ty::Enum(objective_level_names), "company, department, team or individual."),
        opt("owner", Ty::Id, "The owner's person id."),
        opt("team", Ty::Id, "The team, for team objectives."),
        opt(
            "commitment",
            Ty::Enum(commitment_names),
            "committed (expected 1.0) or aspirational (expected 0.7); default committed.",
        ),
        opt("contributes", IDS, "Parents whose progress this objective feeds."),
        opt(
            "supports",
            IDS,
            "Parents this objective is shown next to, without changing their progress.",
        ),
        opt(
            "rollup",
            Ty::Bool,
            "Roll the progress of contributing children into this objective (default false).",
        ),
        opt("theme", Ty::Enum(theme_names), "The theme the objective was planned from."),
        opt("description", Ty::Text, "Longer text."),
        opt(
            "derived_from",
            IDS,
            "Threat ids that justify this objective; its key results without their own take them.",
        ),
        opt(
            "key_results",
            Ty::List(&Ty::Object(&KEY_RESULT)),
            "Key results, or `{ref: KR-ID}` to count one defined by another objective.",
        ),
    ],
};

/// A key result, or a reference to one (`{ref: KR-ID}`).
pub static KEY_RESULT: Shape = Shape {
    name: "key result",
    doc: "A key result.",
    fields: &[
        opt(
            "ref",
            Ty::Id,
            "Counts a key result defined by another objective instead of defining one here.",
        ),
        opt("id", Ty::Id, "Stable id."),
        opt("title", Ty::Text, "Measurable statement."),
        opt("type", Ty::Enum(kr_type_names), "metric, threshold, milestones or binary."),
        opt("kind", Ty::Enum(kr_kind_names), "strategic or tactical."),
        opt("commitment", Ty::Enum(commitment_names), "Overrides the objective's commitment."),
        opt("weight", Ty::Number, "Weight in the objective's mean (default 1)."),
        opt("start", Ty::Number, "Metric: the value at the start of the cycle."),
        opt("target", Ty::Number, "Metric: the value to reach."),
        opt("unit", Ty::Text, "Display unit such as % or apps."),
        opt("at_most", Ty::Number, "Threshold: value <= this."),
        opt("at_least", Ty::Number, "Threshold: value >= this."),
        opt("below", Ty::Number, "Threshold: value < this."),
        opt("above", Ty::Number, "Threshold: value > this."),
        opt("milestones", Ty::List(&Ty::Object(&MILESTONE)), "Milestones: the weighted checklist."),
        opt("done", Ty::Date, "Binary: the date it was done."),
        opt(
            "measure",
            Ty::Measure,
            "How it is measured: `metric:` from the catalogue plus its parameters.",
        ),
        opt("derived_from", IDS, "Threat ids that justify this key result."),
        opt(
            "lineage",
            Ty::Id,
            "Stays the same across cycles, so grades compare quarter over quarter.",
        ),
        opt("rationale", Ty::Text, "Why it exists, in one line."),
    ],
};

pub(crate) static MILESTONE: Shape = Shape {
    name: "milestone",
    doc: "One milestone.",
    fields: &[
        req("title", Ty::Text, "What it is."),
        opt("weight", Ty::Number, "Weight (default 1)."),
        opt("done", Ty::Date, "When it was done."),
    ],
};
