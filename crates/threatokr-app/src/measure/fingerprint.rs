//! The fingerprint of a key result's inputs (issue 12): everything its value is computed from,
//! hashed, so that measuring the same day again reuses the stored value when nothing it reads
//! changed, and computes it when anything did.
//!
//! A key result's value is a function of the workspace's files (its definition and target, the
//! settings, the models, every evidence file), the cycle, the day, its own check-ins and, for
//! the finding metrics, the findings and scans of the (app, environment) scopes it counts. The
//! fingerprint hashes all of them, the scopes by the generation the store bumps on every change
//! to them, and the build that computes (a new build may compute differently).

use crate::ci::CiScanCache;
use crate::field_hash::FieldHash;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use threatokr_core::diag::{FileId, Files};
use threatokr_core::metrics::CheckinRecord;
use threatokr_store::ScopeGeneration;

/// Changed whenever stored values must no longer be reused by a build of the same version and
/// executable (never in practice: the executable's size and time change with every build).
const FORMAT: &str = "threatokr measurement fingerprint 3";

/// The hash of what every key result of a run reads: the build, the workspace's files (by the
/// key of its cache, which hashes the build and their names and texts already: hashing their
/// texts twice was a twentieth of measuring again at enterprise scale, issue 12), the other files
/// read (the evidence files), and the CI of every repository scanned (by the key of its CI files,
/// the hash of their names and texts, so that a repository trusted by its files' status, whose
/// files are not read, hashes the same as one read). `None` when the build cannot be identified:
/// then nothing is reused.
pub(crate) fn inputs_hash(
    files: &Files,
    workspace: Option<(&str, &BTreeSet<FileId>)>,
    ci: &CiScanCache,
) -> Option<[u8; 32]> {
    let (workspace_key, workspace_files) = workspace?;
    let mut hash = FieldHash::new();
    hash.field(FORMAT.as_bytes());
    hash.field(build_identity()?.as_bytes());
    hash.field(workspace_key.as_bytes());
    let others = files.ids().filter(|id| !workspace_files.contains(id) && !ci.files.contains(id));
    for id in others {
        hash.field(files.name(id).as_bytes());
        hash.field(files.text(id).as_bytes());
    }
    // A repository folder with no CI file still counts as scanned (and so as missing every scan).
    for (repo, inputs) in &ci.inputs {
        hash.field(repo.as_bytes());
        hash.field(inputs.as_bytes());
    }
    Some(hash.finish())
}

/// What one key result's value is computed from but its findings: the run's inputs, the cycle,
/// the day and its check-ins, hashed. [`key_result_fingerprint`] and [`run_fingerprint`] add the
/// findings it counts.
pub(crate) fn key_result_base(
    inputs: &[u8; 32],
    cycle: &str,
    as_of: Date,
    kr: &str,
    checkins: &[CheckinRecord],
) -> [u8; 32] {
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
    hash.finish()
}

/// The fingerprint of one key result: its [`key_result_base`] and the generations of the finding
/// scopes it counts (`None` for a key result that counts none).
pub(crate) fn key_result_fingerprint<'g>(
    base: &[u8; 32],
    scopes: Option<impl Iterator<Item = &'g ScopeGeneration>>,
) -> String {
    let mut hash = FieldHash::new();
    hash.field(base);
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

/// The fingerprint of the run of a key result's evidence about one (app, environment) scope's
/// findings: its [`key_result_base`] and that scope's generation. A finding metric lists each
/// finding from the finding alone, so the run is the same while these are (issue 12: measuring a
/// day again after a push to one scope names the other scopes' runs kept for it).
pub(crate) fn run_fingerprint(
    base: &[u8; 32],
    app: &str,
    environment: &str,
    generation: i64,
) -> String {
    let mut hash = FieldHash::new();
    hash.field(b"run");
    hash.field(base);
    hash.field(app.as_bytes());
    hash.field(environment.as_bytes());
    hash.field(&generation.to_le_bytes());
    // Half the digest: 128 bits name one run among a key result's thousands beyond any chance
    // of two meeting, and the store keeps one per run of the day's longest lists.
    crate::field_hash::hex(&hash.finish()[..16])
}

/// The version and the running executable's size and modification time: a rebuilt or upgraded
/// binary may compute a metric differently, so it reuses nothing an earlier build stored.
pub(crate) fn build_identity() -> Option<String> {
    let metadata = std::env::current_exe().ok()?.metadata().ok()?;
    let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{} {} {}", env!("CARGO_PKG_VERSION"), metadata.len(), modified.as_nanos()))
}

/// What names the runs of each key result's evidence about one scope's findings
/// ([`run_fingerprint`]): the key results' bases and the scopes' generations.
#[derive(Debug, Default)]
pub(crate) struct RunPrints {
    /// Each key result's [`key_result_base`].
    pub(crate) bases: BTreeMap<String, [u8; 32]>,
    /// App → environment → generation.
    pub(crate) generations: HashMap<String, HashMap<String, i64>>,
}

impl RunPrints {
    /// The generation of `app` in `environment`, when known.
    pub(crate) fn generation(&self, app: &str, environment: &str) -> Option<i64> {
        self.generations.get(app)?.get(environment).copied()
    }

    /// The fingerprint of `kr`'s run about `app` in `environment`, when both are known.
    pub(crate) fn of(&self, kr: &str, app: &str, environment: &str) -> Option<String> {
        let generation = *self.generations.get(app)?.get(environment)?;
        Some(run_fingerprint(self.bases.get(kr)?, app, environment, generation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_12_a_runs_print_moves_with_its_scopes_generation_and_its_key_results_inputs() {
        let day = Date::constant(2027, 2, 15);
        let base = key_result_base(&[1; 32], "2027-Q1", day, "KR-1", &[]);
        let mut prints = RunPrints::default();
        prints.bases.insert("KR-1".to_owned(), base);
        prints.generations.entry("shop".to_owned()).or_default().insert("prod".to_owned(), 7);
        let print = prints.of("KR-1", "shop", "prod").unwrap();
        assert_eq!(print, run_fingerprint(&base, "shop", "prod", 7));
        assert_ne!(print, run_fingerprint(&base, "shop", "prod", 8));
        assert_ne!(print, run_fingerprint(&base, "shop", "staging", 7));
        let next_day = key_result_base(&[1; 32], "2027-Q1", day.tomorrow().unwrap(), "KR-1", &[]);
        assert_ne!(print, run_fingerprint(&next_day, "shop", "prod", 7));
        let other_inputs = key_result_base(&[2; 32], "2027-Q1", day, "KR-1", &[]);
        assert_ne!(print, run_fingerprint(&other_inputs, "shop", "prod", 7));
        // Unknown scopes and key results have no print: their runs are always written.
        assert_eq!(prints.of("KR-1", "shop", "staging"), None);
        assert_eq!(prints.of("KR-2", "shop", "prod"), None);
    }
}
