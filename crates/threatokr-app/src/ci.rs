//! Scanning a repository folder's CI configuration (GitHub workflows, GitLab CI) for the security
//! tools it runs: shared by `scan-ci` and the CI evidence that `measure` counts.

use crate::field_hash::FieldHash;
use crate::files::{ReadOptions, Reader};
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use threatokr_core::diag::{Diagnostic, FileId, Files};
use threatokr_core::evidence::workflow::{Category, Presence, RepoScan, ToolUse, scan_repository};
use threatokr_store::CiScanRow;

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
    let ids = ci_files(reader, files, repo, diagnostics)?;
    let name = repo.to_string_lossy().trim_end_matches('/').to_owned();
    Ok(scan_repository(files, &name, &ids))
}

/// Reads the CI files of one repository folder that `reader` may read ([`scan_folder`] says
/// which), named relative to the repository, in name order.
pub(crate) fn ci_files(
    reader: &Reader,
    files: &mut Files,
    repo: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<FileId>> {
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
    Ok(ids)
}

/// The CI scans a store keeps, by repository: `(inputs, scan JSON)`.
pub type KeptScans = HashMap<String, (String, String)>;

/// The CI scans kept in the store by the hash of their files, and the scans made in this run
/// for the store to keep (issue 12: measuring again must not parse the pipelines of thousands
/// of repositories whose files did not change).
#[derive(Debug)]
pub struct CiScanCache {
    /// Kept scans by repository, as `(inputs, scan JSON)`; `None` until they are needed (a
    /// repository whose files changed): the store's are read then ([`CiScanCache::know`]).
    known: Option<KeptScans>,
    /// Scans made in this run whose inputs the store did not know.
    pub(crate) fresh: Vec<CiScanRow>,
    /// Each repository scanned in this run and the key of its CI files (the hash of their names
    /// and texts, [`scan_inputs`]), in order: what the measurement's fingerprint hashes of CI,
    /// the same whether the files were read or trusted by their status.
    pub(crate) inputs: Vec<(String, String)>,
    /// The CI files read in this run (those of repositories trusted by their status are not):
    /// the fingerprint hashes them by [`CiScanCache::inputs`] instead.
    pub(crate) files: BTreeSet<FileId>,
    /// The build's identity, looked up once (`None`: unknown, nothing is taken or kept).
    build: Option<String>,
}

impl Default for CiScanCache {
    /// The store's scans not read yet.
    fn default() -> Self {
        Self { known: None, ..Self::kept(KeptScans::new()) }
    }
}

impl CiScanCache {
    /// The scans the store keeps.
    pub(crate) fn kept(known: KeptScans) -> Self {
        Self {
            known: Some(known),
            fresh: Vec::new(),
            inputs: Vec::new(),
            files: BTreeSet::new(),
            build: crate::measure::build_identity(),
        }
    }

    /// [`CiScanCache::scan_keeping_apart`], the scan made kept at once.
    #[cfg(test)] // Measuring scans on several threads: `scan_keeping_apart` and `keep`.
    pub(crate) fn scan(
        &mut self,
        files: &Files,
        repo: &str,
        ids: &[FileId],
    ) -> (RepoScan, Vec<Diagnostic>) {
        let scanned = self.scan_keeping_apart(files, repo, ids);
        self.fresh.extend(scanned.fresh);
        (scanned.scan, scanned.diagnostics)
    }

    /// The scan of `repo` from its CI files `ids`: the kept one when the build and every file's
    /// name and text are those it was computed from, else scanned now and returned, when the scan
    /// has no problem to report, for the caller to [`CiScanCache::keep`] for the next run (a scan
    /// with diagnostics is made again each time, so its diagnostics are always shown). Takes
    /// `&self`, so that repositories can be scanned on several threads.
    pub(crate) fn scan_keeping_apart(&self, files: &Files, repo: &str, ids: &[FileId]) -> Scanned {
        let Some(inputs) = self.build.as_deref().map(|build| scan_inputs(build, files, ids)) else {
            let (scan, diagnostics) = scan_repository(files, repo, ids);
            return Scanned { scan, diagnostics, fresh: None, inputs: None };
        };
        if let Some(scan) = self.kept_scan(repo, &inputs) {
            return Scanned { scan, diagnostics: Vec::new(), fresh: None, inputs: Some(inputs) };
        }
        let (scan, diagnostics) = scan_repository(files, repo, ids);
        let fresh = diagnostics.is_empty().then(|| CiScanRow {
            repo: repo.to_owned(),
            inputs: inputs.clone(),
            scan: encode_scan(&scan),
        });
        Scanned { scan, diagnostics, fresh, inputs: Some(inputs) }
    }

    /// Whether the store's scans are still to be read.
    pub(crate) fn needs_known(&self) -> bool {
        self.known.is_none()
    }

    /// The scans the store keeps, read now that they are needed.
    pub(crate) fn know(&mut self, known: KeptScans) {
        self.known = Some(known);
    }

    /// The scan kept for `repo` when it was made from CI files of the key `inputs` by this build.
    pub(crate) fn kept_scan(&self, repo: &str, inputs: &str) -> Option<RepoScan> {
        let (kept_inputs, text) = self.known.as_ref()?.get(repo)?;
        if *kept_inputs != inputs || self.build.is_none() {
            return None;
        }
        decode_scan(repo, text)
    }

    /// Keeps a scan made by [`CiScanCache::scan_keeping_apart`] for the store.
    pub(crate) fn keep(&mut self, fresh: Option<CiScanRow>) {
        self.fresh.extend(fresh);
    }
}

/// A repository's scan ([`CiScanCache::scan_keeping_apart`]).
pub(crate) struct Scanned {
    pub(crate) scan: RepoScan,
    /// The scan's problems (none when the kept scan was taken).
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The scan made, for the store to keep.
    pub(crate) fresh: Option<CiScanRow>,
    /// The key of the CI files ([`scan_inputs`]); `None` when the build is unknown.
    pub(crate) inputs: Option<String>,
}

/// The hash of what a repository's scan is computed from: the build (a new scanner may read
/// the same files differently) and each CI file's name and text.
fn scan_inputs(build: &str, files: &Files, ids: &[FileId]) -> String {
    let mut hash = FieldHash::new();
    hash.field(b"threatokr CI scan 1");
    hash.field(build.as_bytes());
    for &id in ids {
        hash.field(files.name(id).as_bytes());
        hash.field(files.text(id).as_bytes());
    }
    hash.finish_hex()
}

/// A scan as kept: `{"tools": [[name, category, file, job, enforced, blocking], ...],
/// "categories": {"sast": "enforced", ...}}` (its path is the row's). Written and read through
/// typed serde, so an odd kept scan is refused by the decoder itself (going through
/// `serde_json::Value` was a fortieth of a re-measure's profile samples; paired runs showed no
/// change in its wall time, issue 12).
fn encode_scan(scan: &RepoScan) -> String {
    #[derive(serde::Serialize)]
    struct Kept<'s> {
        tools: Vec<(&'s str, Category, &'s str, &'s str, bool, bool)>,
        categories: &'s BTreeMap<Category, Presence>,
    }
    let tools = scan
        .tools
        .iter()
        .map(|t| {
            (t.name.as_str(), t.category, t.file.as_str(), t.job.as_str(), t.enforced, t.blocking)
        })
        .collect();
    // Texts, booleans and maps with text keys always serialize; an empty text never reads back.
    serde_json::to_string(&Kept { tools, categories: &scan.categories }).unwrap_or_default()
}

/// A kept scan read back; `None` when it is not one [`encode_scan`] wrote (then it is scanned
/// again).
fn decode_scan(repo: &str, text: &str) -> Option<RepoScan> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Kept {
        tools: Vec<(String, Category, String, String, bool, bool)>,
        categories: BTreeMap<Category, Presence>,
    }
    let kept: Kept = serde_json::from_str(text).ok()?;
    let tools = kept
        .tools
        .into_iter()
        .map(|(name, category, file, job, enforced, blocking)| ToolUse {
            name,
            category,
            file,
            job,
            enforced,
            blocking,
        })
        .collect();
    let scan = RepoScan { path: repo.to_owned(), tools, categories: kept.categories };
    // Read back exactly, or not at all.
    (encode_scan(&scan) == text).then_some(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKFLOW: &str = "on: [push]\njobs:\n  scan:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: gitleaks/gitleaks-action@v2\n";

    fn workflow(text: &str) -> (Files, Vec<FileId>) {
        let mut files = Files::default();
        let id = files.add(".github/workflows/ci.yml".to_owned(), text.to_owned());
        (files, vec![id])
    }

    fn kept(cache: CiScanCache) -> CiScanCache {
        CiScanCache::kept(
            cache.fresh.into_iter().map(|row| (row.repo, (row.inputs, row.scan))).collect(),
        )
    }

    #[test]
    fn issue_12_a_repository_whose_ci_files_are_unchanged_takes_its_kept_scan() {
        let (files, ids) = workflow(WORKFLOW);
        let mut first = CiScanCache::default();
        let (scanned, diagnostics) = first.scan(&files, "repos/shop", &ids);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(scanned.categories[&Category::Secrets], Presence::Enforced);
        assert_eq!(first.fresh.len(), 1);
        // The kept scan is what the next run takes, not a new scan: a kept scan with other
        // tools (planted here) is the one returned.
        let mut planted = kept(first);
        let (inputs, _) = planted.known.as_ref().unwrap()["repos/shop"].clone();
        let other =
            RepoScan { path: "repos/shop".into(), tools: Vec::new(), categories: BTreeMap::new() };
        planted
            .known
            .get_or_insert_default()
            .insert("repos/shop".into(), (inputs, encode_scan(&other)));
        let (taken, _) = planted.scan(&files, "repos/shop", &ids);
        assert_eq!(taken, other);
        assert!(planted.fresh.is_empty(), "nothing new to keep");
    }

    #[test]
    fn issue_12_a_changed_ci_file_is_scanned_again_and_kept_under_its_new_inputs() {
        let (files, ids) = workflow(WORKFLOW);
        let mut first = CiScanCache::default();
        let (before, _) = first.scan(&files, "repos/shop", &ids);
        let mut second = kept(first);
        let (files, ids) = workflow(&WORKFLOW.replace("on: [push]", "on: [workflow_dispatch]"));
        let (after, _) = second.scan(&files, "repos/shop", &ids);
        assert_eq!(before.categories[&Category::Secrets], Presence::Enforced);
        assert_eq!(after.categories[&Category::Secrets], Presence::Present);
        assert_eq!(after, scan_repository(&files, "repos/shop", &ids).0);
        assert_eq!(second.fresh.len(), 1);
        assert_ne!(second.fresh[0].inputs, second.known.as_ref().unwrap()["repos/shop"].0);
        // A kept scan that is not read back exactly is scanned again.
        assert_eq!(decode_scan("repos/shop", "{\"tools\": []}"), None);
    }

    #[test]
    fn issue_12_a_scan_with_problems_is_not_kept() {
        let (files, ids) = workflow("on: [push\njobs: {");
        let mut cache = CiScanCache::default();
        let (_, diagnostics) = cache.scan(&files, "repos/shop", &ids);
        assert!(!diagnostics.is_empty());
        assert!(cache.fresh.is_empty());
    }

    /// The kept form reads back exactly, and only exactly: another key, an unknown category or
    /// presence, a key twice, or other spacing is scanned again.
    #[test]
    fn issue_12_a_kept_scan_reads_back_exactly_or_not_at_all() {
        let text = r#"{"tools":[["codeql","sast",".github/workflows/codeql.yml","analyze",true,true],["npm-audit","sca","ci/\"x\".yml","audit",true,false]],"categories":{"sast":"enforced","secrets":"absent","sca":"present","dast":"absent","container":"absent","iac":"absent"}}"#;
        let scan = decode_scan("repos/shop", text).expect("the kept form reads back");
        assert_eq!(scan.path, "repos/shop");
        assert_eq!(scan.tools[1].file, "ci/\"x\".yml");
        assert_eq!((scan.tools[1].enforced, scan.tools[1].blocking), (true, false));
        assert_eq!(scan.categories[&Category::Sca], Presence::Present);
        assert_eq!(encode_scan(&scan), text);
        for other in [
            text.replace("\"tools\"", "\"tool\""),
            text.replace("\"iac\"", "\"fuzz\""),
            text.replace("\"present\"", "\"partly\""),
            text.replace("\"iac\":\"absent\"", "\"iac\":\"absent\",\"sast\":\"absent\""),
            text.replace(",", ", "),
        ] {
            assert_eq!(decode_scan("repos/shop", &other), None, "{other}");
        }
    }
}
