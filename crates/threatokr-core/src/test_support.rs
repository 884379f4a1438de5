//! Test helpers: reading the shared samples that sit beside the repository (`../shared`).
//!
//! The samples are real files written by other tools; CI always has them beside its clone. A
//! fresh clone made elsewhere (a newcomer's scratch folder) finds them beside the repository it
//! was cloned from, through the `origin` remote in `.git/config`; `THREATOKR_SHARED` names the
//! folder explicitly. A test that cannot find them fails loudly instead of passing without
//! having checked anything. The binary's integration tests include this same file.

use std::path::{Path, PathBuf};

/// The repository root: two levels above this crate's manifest (`crates/<crate>`).
fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared folder, from the first place that has one.
fn shared_root() -> Option<PathBuf> {
    #[allow(clippy::disallowed_methods, reason = "tests may be pointed at the samples explicitly")]
    let explicit = std::env::var("THREATOKR_SHARED").ok().map(PathBuf::from);
    let root = repository_root();
    let beside = root.join("../shared");
    let beside_origin = origin_path(&root).map(|origin| origin.join("../shared"));
    [explicit, Some(beside), beside_origin]
        .into_iter()
        .flatten()
        .find(|candidate| candidate.join("samples").is_dir())
}

/// The local path of the `origin` remote, when the repository was cloned from a folder.
fn origin_path(root: &Path) -> Option<PathBuf> {
    let config = std::fs::read_to_string(root.join(".git/config")).ok()?;
    let section = config.split("[remote \"origin\"]").nth(1)?;
    let url = section.lines().map(str::trim).find_map(|line| line.strip_prefix("url = "))?;
    let path = url.strip_prefix("file://").unwrap_or(url);
    Path::new(path).is_absolute().then(|| PathBuf::from(path))
}

/// The path of a file under the shared folder, e.g. `samples/sarif/x.sarif`; fails the test
/// loudly when there is no shared folder.
pub(crate) fn shared_path(relative: &str) -> PathBuf {
    match shared_root() {
        Some(root) => root.join(relative),
        None => panic!(
            "the shared samples are missing: put them beside the repository as ../shared (or beside the repository this clone came from), or set THREATOKR_SHARED; these tests read real files written by other tools"
        ),
    }
}

/// Reads a file under the shared folder, failing the test with a clear message when it is missing.
pub(crate) fn read_shared(relative: &str) -> String {
    let path = shared_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("cannot read {} ({error}): the shared samples are incomplete", path.display())
    })
}
