//! Scanning a repository folder's CI configuration (GitHub workflows, GitLab CI) for the security
//! tools it runs: shared by `scan-ci` and the CI evidence that `measure` counts.

use crate::files::{ReadOptions, Reader};
use crate::{Error, Result};
use std::path::Path;
use threatokr_core::diag::{Diagnostic, Files};
use threatokr_core::evidence::workflow::{RepoScan, scan_repository};

/// Scans a repository folder named on the command line; links in it must stay inside it.
pub fn scan_repository_folder(
    files: &mut Files,
    repo: &Path,
    options: ReadOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(RepoScan, Vec<Diagnostic>)> {
    if !repo.is_dir() {
        return Err(Error::NotAFolder { path: repo.to_owned() });
    }
    let reader = Reader::confined(repo, "the repository", options)?;
    scan_folder(&reader, files, repo, diagnostics)
}

/// Scans one repository folder that `reader` may read (a checkout inside the workspace, or the
/// folder itself): its GitHub workflows, `.gitlab-ci.yml` and files under `.gitlab/`, named
/// relative to the repository. Files that cannot be read as text add to `diagnostics`; the
/// scan's own findings are returned.
pub fn scan_folder(
    reader: &Reader,
    files: &mut Files,
    repo: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(RepoScan, Vec<Diagnostic>)> {
    if !repo.is_dir() {
        return Err(Error::NotAFolder { path: repo.to_owned() });
    }
    let reader = reader.with_base(repo);
    let mut paths = reader.list(
        &repo.join(".github/workflows"),
        &["yml", "yaml"],
        false,
        files,
        diagnostics,
    )?;
    if repo.join(".gitlab-ci.yml").exists() {
        paths.push(repo.join(".gitlab-ci.yml"));
    }
    paths.extend(reader.list(&repo.join(".gitlab"), &["yml", "yaml"], true, files, diagnostics)?);
    paths.sort();
    let mut ids = Vec::new();
    for path in &paths {
        if let Some(id) = reader.read(files, path, diagnostics)? {
            ids.push(id);
        }
    }
    let name = repo.to_string_lossy().trim_end_matches('/').to_owned();
    Ok(scan_repository(files, &name, &ids))
}
