//! Repositories' CI files trusted by their status, as git trusts its index (issue 12): a
//! repository whose folders and CI files have the device, inode, kind, size and change times
//! they had when they were last read has the same CI files with the same text, so its scan is
//! taken from the store by the key it was kept under, with four system calls instead of
//! seventeen (looking at the folders, walking `.github/workflows`, looking for GitLab's files,
//! opening and reading each file).
//!
//! Why it holds: a folder's change time moves whenever an entry is added to it, removed from it
//! or renamed in it (so the repository folder's says that `.github`, `.gitlab-ci.yml` and
//! `.gitlab` are as they were, and `.github/workflows`'s that it lists the same files), and a
//! file's whenever its text or its status changes; no program can set a change time (`touch`
//! sets the modification time, and moves the change time to now). A file changed again within
//! the same tick of the file system's clock as the change recorded could look unchanged, so
//! only a status whose every change time is a second older than the moment its files were read
//! (the file system's own time, taken from the temporary file the statuses are written to) is
//! kept: git's rule for racily clean entries.
//!
//! Never trusted, so read every time: a repository with a `.gitlab` folder (its files are
//! walked, folder by folder), one whose folders or files include a link, and one whose scan had
//! a problem to report. The statuses are kept in `.threatokr/ci-status.cache` with the build
//! that wrote them (a file of another build is not read); like every derived cache, they are
//! written only where `.threatokr` exists, through a renamed temporary file, and a damaged file
//! reads every repository.

use crate::field_hash::FieldHash;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use threatokr_core::evidence::workflow::RepoScan;

/// Changed whenever the file's layout changes (a new build changes its key anyway).
const FORMAT: &str = "threatokr CI statuses 1";

/// The file, in the workspace's `.threatokr` folder.
const FILE: &str = "ci-status.cache";

/// The folders of a repository whose listing says which CI files it has, in the order kept (a
/// missing one ends the list: its parent's status says it is still missing).
const FOLDERS: [&str; 3] = ["", ".github", ".github/workflows"];

/// What one folder or file was when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    device: u64,
    inode: u64,
    /// The kind and permissions (`st_mode`).
    mode: u32,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Entry {
    /// The status of `path` itself; `None` when it is missing or a link (which is never trusted).
    fn of(path: &Path) -> Option<Self> {
        let metadata = std::fs::symlink_metadata(path).ok()?;
        if metadata.file_type().is_symlink() {
            return None;
        }
        Some(Self {
            device: metadata.dev(),
            inode: metadata.ino(),
            mode: metadata.mode(),
            size: metadata.size(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        })
    }
}

/// A repository's status as kept: its folders' (see [`FOLDERS`]), its CI files' by name, the
/// key of those files ([`crate::ci::CiScanCache`]) and their scan, taken as it is (reading the
/// store's 5,000 kept scans and their JSON was a twentieth of measuring again, issue 12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RepoStatus {
    folders: Vec<Entry>,
    files: Vec<(String, Entry)>,
    pub(crate) inputs: String,
    pub(crate) scan: RepoScan,
}

/// The statuses kept by the last run, and the moment this run began reading (the file system's
/// time), for the statuses it keeps.
#[derive(Debug, Default)]
pub(crate) struct CiStatuses {
    kept: BTreeMap<String, RepoStatus>,
    /// Where this run writes its statuses, and the change time the file system gave it when it
    /// was created, before any repository was read; `None`: nothing is kept (no `.threatokr`
    /// folder, or the build is unknown).
    writing: Option<(PathBuf, (i64, i64))>,
    key: String,
}

impl CiStatuses {
    /// The statuses kept in the workspace at `root` by this build, and a temporary file for this
    /// run's (created now: its change time is the moment reading begins).
    pub(crate) fn begin(root: &Path) -> Self {
        let folder = root.join(".threatokr");
        let Some(build) = crate::measure::build_identity() else { return Self::default() };
        if !folder.is_dir() {
            return Self::default();
        }
        let mut hash = FieldHash::new();
        hash.field(FORMAT.as_bytes());
        hash.field(build.as_bytes());
        let key = hash.finish_hex();
        let kept = crate::derived_cache::read(&folder.join(FILE), &key).unwrap_or_default();
        let temporary = folder.join(format!("{FILE}.{}.tmp", std::process::id()));
        let began = std::fs::File::create(&temporary)
            .and_then(|file| file.metadata())
            .map(|m| (m.ctime(), m.ctime_nsec()));
        let writing = match began {
            Ok(began) => Some((temporary, began)),
            Err(_) => {
                let _ = std::fs::remove_file(&temporary);
                None
            }
        };
        Self { kept, writing, key }
    }

    /// The key of the scan of the repository at `folder` (named `repo`) when its folders and CI
    /// files are as kept; `None` when anything differs (or nothing is kept).
    pub(crate) fn unchanged(&self, repo: &str, folder: &Path) -> Option<&str> {
        let kept = self.kept.get(repo)?;
        for (name, entry) in FOLDERS.iter().zip(&kept.folders) {
            if Entry::of(&within(folder, name))? != *entry {
                return None;
            }
        }
        for (name, entry) in &kept.files {
            if Entry::of(&folder.join(name))? != *entry {
                return None;
            }
        }
        Some(&kept.inputs)
    }

    /// The status to keep of the repository at `folder` whose CI files `names` (relative to it)
    /// were just read and scanned cleanly under the key `inputs`; `None` when it is not to be
    /// trusted next time (see the module's comment) or nothing is kept.
    pub(crate) fn status_now(
        &self,
        folder: &Path,
        names: &[&str],
        inputs: &str,
        scan: &RepoScan,
    ) -> Option<RepoStatus> {
        let (_, began) = self.writing.as_ref()?;
        if std::fs::symlink_metadata(folder.join(".gitlab")).is_ok() {
            return None;
        }
        let mut folders = Vec::new();
        for name in FOLDERS {
            let path = within(folder, name);
            match std::fs::symlink_metadata(&path) {
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => break,
                _ => folders.push(Entry::of(&path).filter(|e| is_folder(e.mode))?),
            }
        }
        let files = names
            .iter()
            .map(|name| Some(((*name).to_owned(), Entry::of(&folder.join(name))?)))
            .collect::<Option<Vec<_>>>()?;
        // Settled: changed a second or more before reading began.
        let settled = |entry: &Entry| (entry.changed.0 + 1, entry.changed.1) <= *began;
        let all_settled = folders.iter().chain(files.iter().map(|(_, entry)| entry)).all(settled);
        all_settled.then(|| RepoStatus {
            folders,
            files,
            inputs: inputs.to_owned(),
            scan: scan.clone(),
        })
    }

    /// The status kept for `repo`, taken out to keep again when it was found unchanged.
    pub(crate) fn take(&mut self, repo: &str) -> Option<RepoStatus> {
        self.kept.remove(repo)
    }

    /// Writes this run's statuses (those of the repositories of this run: `now`), unless every
    /// one of them was taken unchanged ([`CiStatuses::take`]) and none is left: `fresh` says how
    /// many are new. A write that fails is ignored, as for every derived cache.
    pub(crate) fn finish(self, now: BTreeMap<String, RepoStatus>, fresh: usize) {
        let Some((temporary, _)) = self.writing else { return };
        let folder = temporary.parent().map(Path::to_owned).unwrap_or_default();
        if fresh == 0 && self.kept.is_empty() {
            let _ = std::fs::remove_file(&temporary);
            return;
        }
        crate::derived_cache::write_over(&temporary, &folder.join(FILE), &self.key, &now);
    }
}

/// `name` in `folder` (the folder itself for `""`), without a trailing slash: `lstat` of
/// `link/` would look at what the link leads to, and a link is never trusted.
fn within(folder: &Path, name: &str) -> PathBuf {
    folder.join(name).components().collect()
}

/// Whether a `st_mode` is a folder's.
fn is_folder(mode: u32) -> bool {
    mode & 0o170_000 == 0o040_000
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workspace root with a `.threatokr` folder and one repository, fresh for one test.
    fn root(name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("threatokr-ci-status-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(".threatokr")).unwrap();
        std::fs::create_dir_all(root.join("repo/.github/workflows")).unwrap();
        std::fs::write(root.join("repo/.github/workflows/ci.yml"), "on: push\n").unwrap();
        root
    }

    /// The statuses as a run `seconds` later would find them: as if the files had been written
    /// that long before reading began.
    fn began_later(statuses: &mut CiStatuses, seconds: i64) {
        if let Some((_, began)) = &mut statuses.writing {
            began.0 += seconds;
        }
    }

    const NAMES: [&str; 1] = [".github/workflows/ci.yml"];

    /// A scan to keep with a status.
    fn scan() -> RepoScan {
        RepoScan { path: "repo".into(), tools: Vec::new(), categories: Default::default() }
    }

    /// A change made to a repository's folder.
    type Change = fn(&Path);

    #[test]
    fn issue_12_a_repository_read_just_now_is_not_kept_and_a_settled_one_is() {
        let root = root("settled");
        let folder = root.join("repo");
        let statuses = CiStatuses::begin(&root);
        assert!(statuses.writing.is_some(), "a workspace with .threatokr keeps statuses");
        assert_eq!(statuses.status_now(&folder, &NAMES, "k", &scan()), None, "written this second");
        let mut later = CiStatuses::begin(&root);
        began_later(&mut later, 2);
        let status = later.status_now(&folder, &NAMES, "k", &scan()).expect("settled");
        later.finish(BTreeMap::from([("repo".to_owned(), status)]), 1);
        let again = CiStatuses::begin(&root);
        assert_eq!(again.unchanged("repo", &folder), Some("k"));
        assert_eq!(again.unchanged("other", &folder), None);
        let _ = std::fs::remove_dir_all(&root);
    }

    /// Every change a repository's CI can go through is seen: a file's text (even of the same
    /// size, its modification time put back), a file added to the workflows, a GitLab file added
    /// beside them, a folder swapped for another, a link.
    #[test]
    fn issue_12_any_change_to_the_ci_files_or_their_folders_is_seen() {
        let changes: [(&str, Change); 6] = [
            ("same size, time put back", |repo| {
                let path = repo.join(".github/workflows/ci.yml");
                let before = std::fs::metadata(&path).unwrap().modified().unwrap();
                std::fs::write(&path, "on: pull\n").unwrap();
                std::fs::File::options()
                    .write(true)
                    .open(&path)
                    .unwrap()
                    .set_modified(before)
                    .unwrap();
            }),
            ("a workflow added", |repo| {
                std::fs::write(repo.join(".github/workflows/more.yml"), "on: push\n").unwrap();
            }),
            ("a .gitlab-ci.yml added", |repo| {
                std::fs::write(repo.join(".gitlab-ci.yml"), "stages: []\n").unwrap();
            }),
            ("the workflows folder swapped", |repo| {
                let workflows = repo.join(".github/workflows");
                std::fs::rename(&workflows, repo.join("old")).unwrap();
                std::fs::create_dir_all(&workflows).unwrap();
                std::fs::write(workflows.join("ci.yml"), "on: push\n").unwrap();
            }),
            ("a link", |repo| {
                let path = repo.join(".github/workflows/ci.yml");
                std::fs::rename(&path, repo.join("elsewhere.yml")).unwrap();
                std::os::unix::fs::symlink(repo.join("elsewhere.yml"), &path).unwrap();
            }),
            ("the repository moved and linked back", |repo| {
                let moved = repo.with_file_name("moved");
                std::fs::rename(repo, &moved).unwrap();
                std::os::unix::fs::symlink(&moved, repo).unwrap();
            }),
        ];
        for (what, change) in changes {
            let root = root(&what.replace(' ', "-"));
            let folder = root.join("repo");
            let mut first = CiStatuses::begin(&root);
            began_later(&mut first, 2);
            let status = first.status_now(&folder, &NAMES, "k", &scan()).expect("settled");
            first.finish(BTreeMap::from([("repo".to_owned(), status)]), 1);
            assert_eq!(CiStatuses::begin(&root).unchanged("repo", &folder), Some("k"), "{what}");
            // Past the file system clock's tick: what a change a second after reading is.
            std::thread::sleep(std::time::Duration::from_millis(20));
            change(&folder);
            assert_eq!(CiStatuses::begin(&root).unchanged("repo", &folder), None, "{what}");
            let _ = std::fs::remove_dir_all(&root);
        }
    }

    #[test]
    fn issue_12_a_gitlab_folder_or_a_damaged_file_is_never_trusted() {
        let root = root("gitlab");
        let folder = root.join("repo");
        std::fs::create_dir_all(folder.join(".gitlab")).unwrap();
        let mut statuses = CiStatuses::begin(&root);
        began_later(&mut statuses, 2);
        assert_eq!(statuses.status_now(&folder, &NAMES, "k", &scan()), None);
        std::fs::remove_dir_all(folder.join(".gitlab")).unwrap();
        let status = statuses.status_now(&folder, &NAMES, "k", &scan()).expect("settled");
        statuses.finish(BTreeMap::from([("repo".to_owned(), status)]), 1);
        let path = root.join(".threatokr").join(FILE);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(CiStatuses::begin(&root).unchanged("repo", &folder), None);
        let _ = std::fs::remove_dir_all(&root);
    }
}
