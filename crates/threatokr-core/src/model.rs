//! The valid model: entities whose invariants hold, built only by lowering (never deserialized).
//!
//! Entities refer to each other by id and keep their source `Span` so that later stages
//! (planning, measuring, reports) can still point at the line a number came from.

mod ids;
mod okr;
mod threat_model;
pub mod vocab;
mod workspace;

pub use ids::{
    AppId, ControlId, CycleId, ElementId, IdError, KeyResultId, ObjectiveId, PersonId, TeamId,
    TestId, ThreatId,
};
pub use okr::{KeyResult, KrTarget, Measure, MeasureParam, Milestone, Objective, OkrSet};
pub use threat_model::{
    Control, CvssScore, DataAsset, Element, Flow, SourceFormat, TestScenario, Threat, ThreatModel,
    TrustBoundary,
};
pub use vocab::{
    Commitment, Comparison, ControlStatus, Direction, ElementKind, FindingClass, KrKind, KrType,
    Level, LinkKind, ObjectiveLevel, Severity, Stride, Theme, ThreatStatus,
};
pub use workspace::{
    App, Course, Cycle, EvidenceFolders, EvidenceMaxAge, Org, Person, Settings, SlaDays, Team,
    ThreatAliases, Workspace, WorkspaceConfig,
};

use crate::diag::{FileId, Span};

/// A value that is not in a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// What was found.
    pub value: String,
    /// The accepted values.
    pub expected: Vec<&'static str>,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not one of {}", self.value, self.expected.join(", "))
    }
}

impl std::error::Error for UnknownValue {}

/// Where an entity was defined.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Origin {
    /// The file.
    pub file: FileId,
    /// The entity's span in it.
    pub span: Span,
}
