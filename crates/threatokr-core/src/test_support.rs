//! Test helpers: reading the shared samples that sit beside the repository (`../shared`).
//!
//! The samples are real files written by other tools; CI always has them. A test that cannot
//! find them fails loudly instead of passing without having checked anything.

use std::path::PathBuf;

/// The path of a file under `../shared/` (relative to the repository root).
#[allow(dead_code, reason = "for tests that list a samples folder")]
pub(crate) fn shared_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(relative)
}

/// Reads a file under `../shared/`, failing the test with a clear message when it is missing.
pub(crate) fn read_shared(relative: &str) -> String {
    let path = shared_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("cannot read {} ({error}): these tests need the shared samples checked out beside the repository as ../shared", path.display())
    })
}
