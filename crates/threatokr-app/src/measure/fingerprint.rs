//! The fingerprint of a key result's inputs (issue 12): everything its value is computed from,
//! hashed, so that measuring the same day again reuses the stored value when nothing it reads
//! changed, and computes it when anything did.
//!
//! A key result's value is a function of the workspace's files (its definition and target, the
//! settings, the models, every evidence file), the cycle, the day, its own check-ins and, for
//! the finding metrics, the findings and scans of the (app, environment) scopes it counts. The
//! fingerprint hashes all of them, the scopes by the generation the store bumps on every change
//! to them, and the build that computes (a new build may compute differently).

use crate::field_hash::FieldHash;
use jiff::civil::Date;
use threatokr_core::diag::Files;
use threatokr_core::metrics::{CheckinRecord, EvidenceSet};
use threatokr_store::ScopeGeneration;

/// Changed whenever stored values must no longer be reused by a build of the same version and
/// executable (never in practice: the executable's size and time change with every build).
const FORMAT: &str = "threatokr measurement fingerprint 1";

/// The hash of what every key result of a run reads: the build, the workspace's files and the
/// evidence files, and the repositories whose CI was scanned. `None` when the build cannot be
/// identified: then nothing is reused.
pub(crate) fn inputs_hash(files: &Files, evidence: &EvidenceSet) -> Option<[u8; 32]> {
    let mut hash = FieldHash::new();
    hash.field(FORMAT.as_bytes());
    hash.field(build_identity()?.as_bytes());
    for id in files.ids() {
        hash.field(files.name(id).as_bytes());
        hash.field(files.text(id).as_bytes());
    }
    // A repository folder with no CI file still counts as scanned (and so as missing every scan).
    for scan in &evidence.ci {
        hash.field(scan.path.as_bytes());
    }
    Some(hash.finish())
}

/// The fingerprint of one key result: the run's inputs, the cycle, the day, its check-ins, and
/// the generations of the finding scopes it counts (`None` for a key result that counts none).
pub(crate) fn key_result_fingerprint<'g>(
    inputs: &[u8; 32],
    cycle: &str,
    as_of: Date,
    kr: &str,
    checkins: &[CheckinRecord],
    scopes: Option<impl Iterator<Item = &'g ScopeGeneration>>,
) -> String {
    let mut hash = FieldHash::new();
    hash.field(inputs);
    hash.field(cycle.as_bytes());
    hash.field(as_of.to_string().as_bytes());
    hash.field(kr.as_bytes());
    for checkin in checkins {
        hash.field(checkin.date.to_string().as_bytes());
        hash.field(&checkin.value.to_bits().to_le_bytes());
        hash.field(&checkin.confidence.map_or(-1, i16::from).to_le_bytes());
    }
    match scopes {
        None => hash.field(b"no findings"),
        Some(scopes) => {
            hash.field(b"findings of");
            for scope in scopes {
                hash.field(scope.app.as_bytes());
                hash.field(scope.environment.as_bytes());
                hash.field(&scope.generation.to_le_bytes());
            }
        }
    }
    hash.finish_hex()
}

/// The version and the running executable's size and modification time: a rebuilt or upgraded
/// binary may compute a metric differently, so it reuses nothing an earlier build stored.
pub(crate) fn build_identity() -> Option<String> {
    let metadata = std::env::current_exe().ok()?.metadata().ok()?;
    let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{} {} {}", env!("CARGO_PKG_VERSION"), metadata.len(), modified.as_nanos()))
}
