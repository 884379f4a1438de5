//! Which check-ins a key result takes: a check-in that no view would ever use is refused rather
//! than accepted and ignored.

use crate::diag::did_you_mean;
use crate::model::{KrTarget, Workspace};
use jiff::civil::Date;

/// Why a check-in is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckinRefusal {
    /// No OKR file defines the key result.
    UnknownKeyResult {
        /// The id given.
        id: String,
        /// The closest known id.
        suggestion: Option<String>,
    },
    /// Its value comes from evidence: a checked-in value would never be shown.
    MeasuredFromEvidence {
        /// The key result.
        id: String,
        /// Its metric.
        metric: String,
    },
    /// A milestone list is read from the OKR file.
    Milestones {
        /// The key result.
        id: String,
    },
    /// The day is after the cycle closed.
    AfterCycleEnd {
        /// The key result.
        id: String,
        /// Its cycle.
        cycle: String,
        /// The cycle's last day.
        end: Date,
        /// The day given.
        at: Date,
    },
}

impl std::fmt::Display for CheckinRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownKeyResult { id, suggestion } => {
                write!(f, "there is no key result `{id}` in okrs/")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => Ok(()),
                }
            }
            Self::MeasuredFromEvidence { id, metric } => write!(
                f,
                "`{id}` is measured from evidence (`{metric}`): its value comes from `measure`, so a checked-in value would be ignored; fix the evidence, or make its `measure:` `metric: manual` in the OKR file"
            ),
            Self::Milestones { id } => write!(
                f,
                "`{id}` is a milestone list, read from the OKR file: mark a milestone `done: <date>` there"
            ),
            Self::AfterCycleEnd { id, cycle, end, at } => write!(
                f,
                "`{id}` belongs to {cycle}, which closed on {end}; a check-in for {at} would count in no cycle"
            ),
        }
    }
}

impl std::error::Error for CheckinRefusal {}

/// Checks that a check-in of `kr_id` for the day `at` would be used: the key result exists (else
/// the closest id is suggested), takes its value from check-ins (`metric: manual`, no `measure:`,
/// or a binary key result a check-in can declare done), and `at` is not after its cycle's end.
pub fn check_checkin(workspace: &Workspace, kr_id: &str, at: Date) -> Result<(), CheckinRefusal> {
    let found = workspace
        .okrs
        .iter()
        .find_map(|set| Some((set, set.key_results.iter().find(|kr| kr.id.as_str() == kr_id)?)));
    let Some((set, kr)) = found else {
        let ids = workspace.okrs.iter().flat_map(|s| s.key_results.iter().map(|k| k.id.as_str()));
        return Err(CheckinRefusal::UnknownKeyResult {
            id: kr_id.to_owned(),
            suggestion: did_you_mean(kr_id, ids).map(str::to_owned),
        });
    };
    if let Some(measure) = kr.measure.as_ref().filter(|m| m.metric != "manual") {
        return Err(CheckinRefusal::MeasuredFromEvidence {
            id: kr_id.to_owned(),
            metric: measure.metric.clone(),
        });
    }
    if kr.measure.is_none() && matches!(kr.target, KrTarget::Milestones(_)) {
        return Err(CheckinRefusal::Milestones { id: kr_id.to_owned() });
    }
    if let Some(cycle) = workspace.config.cycle(set.cycle.as_str())
        && at > cycle.end
    {
        return Err(CheckinRefusal::AfterCycleEnd {
            id: kr_id.to_owned(),
            cycle: cycle.id.to_string(),
            end: cycle.end,
            at,
        });
    }
    Ok(())
}
