//! The metric catalogue of DESIGN.md §4: what a key result's `measure:` can name, and which
//! parameters each metric takes. Lowering checks `measure:` against it; [`measure_key_result`]
//! implements it (one module per metric family) and [`measure_cycle`] scores a whole cycle.

use crate::decode::Ty;

/// What a parameter's values must name, checked when the workspace is loaded so a typo is an
/// error with its position instead of a silent 0% or an ignored filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocab {
    /// Anything of the declared type.
    Free,
    /// App ids of threatokr.yaml, or `tag:<tag>` with a tag some app has.
    App,
    /// Team ids of threatokr.yaml.
    Team,
    /// Environments some app of threatokr.yaml lists.
    Environment,
    /// Themes of DESIGN.md §3.
    Theme,
    /// Courses of `settings.courses` (or of the training completions when none are declared).
    Course,
    /// CI categories: sast, secrets, sca, dast, container, iac.
    CiCategory,
    /// ASVS chapters such as V8.
    AsvsChapter,
    /// Severities: critical, high, medium, low, info.
    Severity,
    /// `cycle`, `all` or `<N>d`.
    Window,
    /// An explicit operator and a 0–10 score: `">= 4.0"`, `"> 7"`.
    ScoreCondition,
    /// An ASVS level: 1, 2 or 3.
    AsvsLevel,
    /// Finding classes: security, quality, license.
    FindingClass,
}

/// A parameter a metric accepts.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// The key under `measure:`.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// What its values must name.
    pub vocab: Vocab,
    /// Its default, for people.
    pub default: &'static str,
    /// An example value as YAML.
    pub example: &'static str,
    /// One sentence.
    pub doc: &'static str,
}

/// A metric of the catalogue: the one declaration that lowering, the measurement, the JSON
/// Schema and `docs/metrics.md` all read.
#[derive(Debug, Clone, Copy)]
pub struct MetricSpec {
    /// Its name, such as `threats.mitigated`.
    pub name: &'static str,
    /// What it measures, in one sentence.
    pub doc: &'static str,
    /// How value, numerator and denominator are computed.
    pub computed: &'static str,
    /// The evidence it reads.
    pub reads: &'static str,
    /// When it is `no_data`, when only part of its scope has evidence, and when it is `stale`.
    pub missing: &'static str,
    /// Whether the `window` scope parameter changes it.
    pub uses_window: bool,
    /// Parameters beyond the common scope parameters.
    pub params: &'static [ParamSpec],
}

const fn param(
    name: &'static str,
    ty: Ty,
    vocab: Vocab,
    default: &'static str,
    example: &'static str,
    doc: &'static str,
) -> ParamSpec {
    ParamSpec { name, ty, vocab, default, example, doc }
}

const TEXTS: Ty = Ty::OneOrList(&Ty::Text);

/// The finding classes a finding metric counts (issue 10).
const CLASSES: ParamSpec = param(
    "classes",
    TEXTS,
    Vocab::FindingClass,
    "[security]",
    "[security, quality]",
    "Finding classes counted: security, quality, license (docs/findings.md says how each finding is classed).",
);

/// Scope parameters every metric accepts (`window` only where [`MetricSpec::uses_window`]).
pub const SCOPE_PARAMS: &[ParamSpec] = &[
    param(
        "apps",
        TEXTS,
        Vocab::App,
        "every app",
        "[payments, \"tag:consumer-facing\"]",
        "App ids, or `tag:<tag>` to select apps by tag.",
    ),
    param(
        "teams",
        TEXTS,
        Vocab::Team,
        "every team",
        "[payments-team]",
        "Team ids: the apps they own (and, for training, their people).",
    ),
    param(
        "themes",
        TEXTS,
        Vocab::Theme,
        "every theme",
        "[access_control, authentication]",
        "Themes of threats and findings (by CWE).",
    ),
    param("theme", Ty::Text, Vocab::Theme, "every theme", "access_control", "One theme."),
    param(
        "env",
        Ty::Text,
        Vocab::Environment,
        "every environment",
        "prod",
        "An environment that some app lists.",
    ),
    param(
        "environments",
        TEXTS,
        Vocab::Environment,
        "every environment",
        "[prod, staging]",
        "Environments that some app lists.",
    ),
    param(
        "window",
        Ty::Text,
        Vocab::Window,
        "cycle",
        "90d",
        "`cycle` (from the cycle's start), `all` (everything up to the day measured) or `<N>d` (the last N days).",
    ),
];

const NO_MODEL: &str = "no_data when no in-scope app has a threat model; an app without one makes the scope partial (status at best at_risk). Threat models do not age.";
const SCANS: &str = "no_data when no in-scope app was scanned inside the window (for each environment it lists that the key result selects); partial when some were not; stale when the newest scan of the app scanned longest ago is older than `evidence_max_age_days.scans` (30).";

/// Every metric.
pub const CATALOGUE: &[MetricSpec] = &[
    MetricSpec {
        name: "threats.mitigated",
        doc: "% of in-scope threats (not_applicable and false_positive excluded) that are mitigated or verified.",
        computed: "numerator: threats mitigated or verified; denominator: in-scope threats, each weighing 1 (or its numeric risk under `weighting: risk`); value: 100 × numerator / denominator.",
        reads: "threat models",
        missing: NO_MODEL,
        uses_window: false,
        params: &[param(
            "weighting",
            Ty::Enum(|| vec!["count", "risk"]),
            Vocab::Free,
            "count",
            "risk",
            "`risk` weights each threat by its numeric risk.",
        )],
    },
    MetricSpec {
        name: "threats.open",
        doc: "Count of open threats (identified, in_review, in_progress, unknown) at or above a severity.",
        computed: "value = numerator: open in-scope threats at or above `severity` (info left out by default); no denominator.",
        reads: "threat models",
        missing: NO_MODEL,
        uses_window: false,
        params: &[param(
            "severity",
            Ty::Text,
            Vocab::Severity,
            "low",
            "high",
            "The lowest severity counted.",
        )],
    },
    MetricSpec {
        name: "threats.tested",
        doc: "% of in-scope threats with a linked test executed inside the window.",
        computed: "numerator: in-scope threats named by a test execution inside the window (directly or through a test scenario of the models); denominator: in-scope threats; value: 100 × numerator / denominator.",
        reads: "threat models, test results (JUnit XML or CSV)",
        missing: "no_data when no test result was read; partial as threats.mitigated; stale when the newest execution is older than `evidence_max_age_days.tests` (90).",
        uses_window: true,
        params: &[param(
            "passed_only",
            Ty::Bool,
            Vocab::Free,
            "false",
            "true",
            "Count passing executions only.",
        )],
    },
    MetricSpec {
        name: "apps.threat_modeled",
        doc: "% of in-scope apps with a threat model reviewed within N days.",
        computed: "numerator: in-scope apps whose newest model review is within `within_days` of the day measured; denominator: in-scope apps.",
        reads: "threat models (`reviewed`)",
        missing: "no_data when no app is in scope; a missing model is what it measures, so it is never partial.",
        uses_window: false,
        params: &[param(
            "within_days",
            Ty::Count,
            Vocab::Free,
            "365",
            "180",
            "How recent the review must be.",
        )],
    },
    MetricSpec {
        name: "controls.implemented",
        doc: "% of in-scope controls implemented or verified; with `count: apps`, the number of apps where a control with the tag is implemented.",
        computed: "controls: numerator implemented or verified controls, denominator in-scope controls (not_applicable and wont_do excluded); apps: value = numerator the apps with such a control, denominator the in-scope apps.",
        reads: "threat models (controls)",
        missing: NO_MODEL,
        uses_window: false,
        params: &[
            param(
                "control_tag",
                Ty::Text,
                Vocab::Free,
                "every control",
                "sso-oidc",
                "Only controls with this tag.",
            ),
            param(
                "count",
                Ty::Enum(|| vec!["controls", "apps"]),
                Vocab::Free,
                "controls",
                "apps",
                "What to count (controls, as a percentage, or apps).",
            ),
        ],
    },
    MetricSpec {
        name: "asvs.compliance",
        doc: "% of applicable ASVS requirements (version, level <= L, chapters) passed across in-scope apps.",
        computed: "for each in-scope app, each requirement of the version at level <= `level` in `chapters` (or the themes' chapters): numerator the passed ones, denominator passed + failed + missing (n/a left out); the newest result of each requirement counts.",
        reads: "ASVS verifications (evidence/asvs)",
        missing: "no_data when no in-scope app has a verification of the version; an app without one counts all its requirements as not passed and makes the scope partial; stale when the newest verification of the app verified longest ago is older than `evidence_max_age_days.asvs` (180).",
        uses_window: false,
        params: &[
            param(
                "version",
                Ty::Enum(|| vec!["5.0.0", "4.0.3"]),
                Vocab::Free,
                "settings.asvs_version",
                "\"4.0.3\"",
                "The ASVS version.",
            ),
            param(
                "level",
                Ty::Count,
                Vocab::AsvsLevel,
                "3",
                "2",
                "Highest level included: 1, 2 or 3.",
            ),
            param(
                "chapters",
                TEXTS,
                Vocab::AsvsChapter,
                "every chapter (or the themes')",
                "[V6, V7, V8]",
                "Chapters.",
            ),
        ],
    },
    MetricSpec {
        name: "training.coverage",
        doc: "% of active developers (roster, teams) who hold a valid training of the course.",
        computed: "numerator: active developers in scope with a completion of the course on or before the day measured that is still valid (within the course's `validity_days`, default 365; and inside the window when one is given); denominator: active developers in scope (the roster, else the people of threatokr.yaml).",
        reads: "training roster and completions (evidence/training)",
        missing: "no_data when no completion was read; stale when the newest completion of the course is older than its validity.",
        uses_window: true,
        params: &[
            param(
                "course",
                Ty::Text,
                Vocab::Course,
                "required",
                "access-control",
                "Course id as the completions write it.",
            ),
            param("topic", Ty::Text, Vocab::Course, "-", "access-control", "Alias of course."),
        ],
    },
    MetricSpec {
        name: "ci.coverage",
        doc: "% of in-scope repositories whose CI runs every required category automatically on push or pull request.",
        computed: "numerator: repositories where every required category is enforced (runs on push or pull request, not switched off, not allowed to fail); denominator: the in-scope apps' repositories, each once.",
        reads: "CI configuration of the repositories (GitHub Actions, GitLab CI)",
        missing: "no_data when no repository could be scanned (URLs, folders not checked out); partial when some could not. CI files are read as they are today, so they are never stale.",
        uses_window: false,
        params: &[param(
            "require",
            TEXTS,
            Vocab::CiCategory,
            "[sast, secrets, sca]",
            "[sast, secrets]",
            "Categories: sast, secrets, sca, dast, container, iac.",
        )],
    },
    MetricSpec {
        name: "findings.open",
        doc: "Count of open findings in an environment with a score `>` or `>=` a threshold.",
        computed: "value = numerator: in-scope findings open on the day measured whose score (or, without one, the floor of its severity's CVSS band) meets `score`, or whose severity is at least `severity`; no denominator.",
        reads: "ingested scans and findings (the store)",
        missing: SCANS,
        uses_window: true,
        params: &[
            param(
                "score",
                Ty::Text,
                Vocab::ScoreCondition,
                "every score",
                "\">= 4.0\"",
                "An explicit operator and a score, quoted.",
            ),
            param(
                "severity",
                Ty::Text,
                Vocab::Severity,
                "every severity",
                "high",
                "Alternatively, the lowest severity counted.",
            ),
            CLASSES,
        ],
    },
    MetricSpec {
        name: "findings.sla",
        doc: "% of findings whose fix deadline fell in the window that were fixed by it.",
        computed: "denominator: in-scope findings whose deadline (first seen + `sla_days` of its severity) falls in the window; numerator: those fixed on or before it.",
        reads: "ingested scans and findings (the store)",
        missing: SCANS,
        uses_window: true,
        params: &[
            param(
                "severity",
                Ty::Text,
                Vocab::Severity,
                "every severity",
                "high",
                "Only this severity and above.",
            ),
            CLASSES,
        ],
    },
    MetricSpec {
        name: "findings.mttr",
        doc: "Median days from first seen to fixed.",
        computed: "value: the median of days from first seen to fixed over in-scope findings fixed inside the window; denominator: how many fixes; no numerator.",
        reads: "ingested scans and findings (the store)",
        missing: SCANS,
        uses_window: true,
        params: &[
            param(
                "severity",
                Ty::Text,
                Vocab::Severity,
                "every severity",
                "critical",
                "Only this severity.",
            ),
            CLASSES,
        ],
    },
    MetricSpec {
        name: "manual",
        doc: "The latest check-in value.",
        computed: "value: the newest check-in on or before the day measured.",
        reads: "check-ins (the store)",
        missing: "no_data before the first check-in; stale when the newest is older than `stale_after_days` (14).",
        uses_window: false,
        params: &[],
    },
];

/// Looks a metric up by name.
pub fn metric(name: &str) -> Option<&'static MetricSpec> {
    CATALOGUE.iter().find(|m| m.name == name)
}

/// The parameters a metric accepts: the scope parameters (`window` only when it uses one) and
/// its own.
pub fn params_of(metric: &'static MetricSpec) -> impl Iterator<Item = &'static ParamSpec> {
    SCOPE_PARAMS.iter().filter(|p| metric.uses_window || p.name != "window").chain(metric.params)
}

/// Looks a parameter of a metric up, scope parameters included.
pub fn param_of(metric: &'static MetricSpec, name: &str) -> Option<&'static ParamSpec> {
    params_of(metric).find(|p| p.name == name)
}

mod apps;
mod asvs;
mod check;
mod checkin;
mod ci;
mod controls;
mod cycle;
mod findings;
mod measure;
mod reuse;
mod scope;
mod sources;
mod threats;
mod training;

#[cfg(test)]
mod tests;

pub use check::{check_evidence, metrics_reading};
pub use checkin::{CheckinRefusal, check_checkin};
pub use cycle::{
    ComputeValues, CycleMeasurement, KEY_RESULT_JSON_KEYS, KrMeasurement, NestedChild,
    ObjectiveMeasurement, key_result_json, measure_cycle, measure_cycle_reusing, measurement_json,
    one_after_another, write_measurement_json, write_measurement_json_compact,
};
pub use findings::ScopePart;
pub use measure::{
    CheckinRecord, Coverage, EvidenceAge, EvidenceRef, EvidenceSet, FindingRecord, IndexedEvidence,
    KrValue, LeftOut, ScanRecord, measure_key_result, measure_key_result_indexed,
};
pub use reuse::{
    FINDING_METRICS, FindingScopes, ListedValue, counted_in_run, finding_scopes_read,
    restore_listed_prefix, restore_listed_value, restore_value, value_details,
};
pub use sources::{EvidenceSource, evidence_sources};
