//! Scanning a repository folder's CI configuration (GitHub workflows, GitLab CI) for the security
//! tools it runs: shared by `scan-ci` and the CI evidence that `measure` counts.

use crate::files::{add_file, list_files};
use crate::{Error, Result};
use std::path::Path;
use threatokr_core::diag::{Diagnostic, Files};
use threatokr_core::evidence::workflow::{RepoScan, scan_repository};

/// Scans one repository folder: its GitHub workflows, `.gitlab-ci.yml` and files under `.gitlab/`.
/// Files that cannot be read as text add to `diagnostics`; the scan's own findings are returned.
pub fn scan_folder(
    files: &mut Files,
    repo: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(RepoScan, Vec<Diagnostic>)> {
    if !repo.is_dir() {
        return Err(Error::NotAFolder { path: repo.to_owned() });
    }
    let mut paths = list_files(&repo.join(".github/workflows"), &["yml", "yaml"], false)?;
    if repo.join(".gitlab-ci.yml").is_file() {
        paths.push(repo.join(".gitlab-ci.yml"));
    }
    paths.extend(list_files(&repo.join(".gitlab"), &["yml", "yaml"], true)?);
    paths.sort();
    let ids: Vec<_> = paths
        .iter()
        .filter_map(|p| add_file(files, repo, p, diagnostics).transpose())
        .collect::<Result<_>>()?;
    let name = repo.to_string_lossy().trim_end_matches('/').to_owned();
    Ok(scan_repository(files, &name, &ids))
}
