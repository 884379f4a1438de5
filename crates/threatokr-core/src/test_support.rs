//! Test helpers: reading the real files other tools wrote, kept in the repository's `test_data/`.
//!
//! `test_data/samples` holds threat models, SARIF logs and CI workflows written by other tools, and
//! `test_data/asvs` the official OWASP ASVS exports; `test_data/SOURCES.md` names the origin,
//! commit and licence of each. A clone has everything its tests read, with nothing beside it.
//! The binary's integration tests include this same file.

use std::path::PathBuf;

/// The repository root: two levels above this crate's manifest (`crates/<crate>`).
fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The path of a file under `test_data/`, e.g. `samples/sarif/x.sarif`.
pub(crate) fn sample_path(relative: &str) -> PathBuf {
    repository_root().join("test_data").join(relative)
}

/// Reads a file under `test_data/`, failing the test with a clear message when it is missing.
pub(crate) fn read_sample(relative: &str) -> String {
    let path = sample_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("cannot read {} ({error}): test_data/ is incomplete", path.display())
    })
}
