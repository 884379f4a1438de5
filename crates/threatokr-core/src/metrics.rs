//! The metric catalogue of DESIGN.md §4: what a key result's `measure:` can name, and which
//! parameters each metric takes. Lowering checks `measure:` against it; [`measure_key_result`]
//! implements it (one module per metric family) and [`measure_cycle`] scores a whole cycle.

use crate::decode::Ty;

/// A parameter a metric accepts.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// The key under `measure:`.
    pub name: &'static str,
    /// Its type.
    pub ty: Ty,
    /// One sentence.
    pub doc: &'static str,
}

/// A metric of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct MetricSpec {
    /// Its name, such as `threats.mitigated`.
    pub name: &'static str,
    /// What it measures, with its numerator and denominator.
    pub doc: &'static str,
    /// Parameters beyond the common scope parameters.
    pub params: &'static [ParamSpec],
}

const fn param(name: &'static str, ty: Ty, doc: &'static str) -> ParamSpec {
    ParamSpec { name, ty, doc }
}

const TEXTS: Ty = Ty::OneOrList(&Ty::Text);

/// The finding classes a finding metric counts (issue 10).
const CLASSES: ParamSpec = param(
    "classes",
    TEXTS,
    "Finding classes counted: security, quality, license (default [security]).",
);

/// Scope parameters every metric accepts.
pub const SCOPE_PARAMS: &[ParamSpec] = &[
    param("apps", TEXTS, "App ids, or `tag:<tag>` to select apps by tag."),
    param("teams", TEXTS, "Team ids."),
    param("themes", TEXTS, "Themes (access_control, ...)."),
    param("theme", Ty::Text, "One theme."),
    param("env", Ty::Text, "An environment such as prod."),
    param("environments", TEXTS, "Environments."),
    param("window", Ty::Text, "`cycle` (default) or `<N>d` for the last N days."),
];

/// Every metric.
pub const CATALOGUE: &[MetricSpec] = &[
    MetricSpec {
        name: "threats.mitigated",
        doc: "% of in-scope threats (not_applicable and false_positive excluded) that are mitigated or verified.",
        params: &[param(
            "weighting",
            Ty::Enum(|| vec!["count", "risk"]),
            "`risk` weights each threat by its numeric risk.",
        )],
    },
    MetricSpec {
        name: "threats.open",
        doc: "Count of open threats at or above a severity.",
        params: &[param("severity", Ty::Text, "The lowest severity counted (default low).")],
    },
    MetricSpec {
        name: "threats.tested",
        doc: "% of in-scope threats with a linked test executed inside the window.",
        params: &[param("passed_only", Ty::Bool, "Count passing executions only.")],
    },
    MetricSpec {
        name: "apps.threat_modeled",
        doc: "% of in-scope apps with a threat model reviewed within N days.",
        params: &[param("within_days", Ty::Count, "How recent the review must be (default 365).")],
    },
    MetricSpec {
        name: "controls.implemented",
        doc: "% of in-scope controls implemented or verified; with `count: apps`, the number of apps where a control with the tag is implemented.",
        params: &[
            param("control_tag", Ty::Text, "Only controls with this tag."),
            param(
                "count",
                Ty::Enum(|| vec!["controls", "apps"]),
                "What to count (default controls, as a percentage).",
            ),
        ],
    },
    MetricSpec {
        name: "asvs.compliance",
        doc: "% of applicable ASVS requirements (version, level <= L, chapters) passed across in-scope apps; n/a excluded, missing counts as not passed.",
        params: &[
            param("version", Ty::Text, "5.0.0 or 4.0.3 (default: the workspace's)."),
            param("level", Ty::Count, "Highest level included: 1, 2 or 3."),
            param("chapters", TEXTS, "Chapters such as V8 (default: all)."),
        ],
    },
    MetricSpec {
        name: "training.coverage",
        doc: "% of active developers (roster, teams) with a completion of the course or topic inside the window.",
        params: &[
            param("course", Ty::Text, "Course or topic id."),
            param("topic", Ty::Text, "Alias of course."),
        ],
    },
    MetricSpec {
        name: "ci.coverage",
        doc: "% of in-scope repositories whose CI runs every required category automatically on push or pull request.",
        params: &[param("require", TEXTS, "Categories: sast, secrets, sca, dast, container, iac.")],
    },
    MetricSpec {
        name: "findings.open",
        doc: "Count of open findings in an environment with a score `>` or `>=` a threshold.",
        params: &[
            param("score", Ty::Text, "An explicit operator and value, such as \">= 4.0\"."),
            param("severity", Ty::Text, "Alternatively, the lowest severity counted."),
            CLASSES,
        ],
    },
    MetricSpec {
        name: "findings.sla",
        doc: "% of findings whose fix deadline fell in the window that were fixed by it.",
        params: &[param("severity", Ty::Text, "Only this severity and above."), CLASSES],
    },
    MetricSpec {
        name: "findings.mttr",
        doc: "Median days from first seen to fixed, per severity.",
        params: &[param("severity", Ty::Text, "Only this severity."), CLASSES],
    },
    MetricSpec { name: "manual", doc: "The latest check-in value.", params: &[] },
];

/// Looks a metric up by name.
pub fn metric(name: &str) -> Option<&'static MetricSpec> {
    CATALOGUE.iter().find(|m| m.name == name)
}

/// Looks a parameter of a metric up, scope parameters included.
pub fn param_of(metric: &'static MetricSpec, name: &str) -> Option<&'static ParamSpec> {
    SCOPE_PARAMS.iter().chain(metric.params).find(|p| p.name == name)
}

mod apps;
mod asvs;
mod check;
mod ci;
mod controls;
mod cycle;
mod findings;
mod measure;
mod scope;
mod threats;
mod training;

#[cfg(test)]
mod tests;

pub use check::check_evidence;
pub use cycle::{
    CycleMeasurement, KrMeasurement, ObjectiveMeasurement, measure_cycle, measurement_json,
    write_measurement_json,
};
pub use measure::{
    CheckinRecord, EvidenceRef, EvidenceSet, FindingRecord, KrValue, measure_key_result,
};
