//! threatokr-app: the application layer that the CLI and the server share, so that every number
//! is computed in exactly one place.
//!
//! A [`Session`] is opened on a workspace folder; it reads the workspace's files (`files`),
//! its history store (`store`) and its evidence (`measure`), and measures a cycle, builds the
//! report view model (`report`), plans (`plan`), grades (`grade`), records check-ins
//! (`checkin`), ingests SARIF files (`ingest`) and explains a key result's value (`explain`). It returns values and typed [`Error`]s: it never prints, never chooses an exit
//! code and never reads the clock ("today" is a parameter).

pub mod checkin;
pub mod ci;
mod ci_status;
mod derived_cache;
mod error;
pub mod explain;
mod field_hash;
pub mod files;
pub mod grade;
pub mod ingest;
pub mod measure;
mod parallel;
pub mod plan;
mod progress;
mod read_ahead;
pub mod report;
pub mod store;

pub use error::{Error, Result, did_you_mean_suffix};
pub use progress::{NoProgress, Progress, Tracked, tracked};

use files::{ReadOptions, Reader};
use std::path::{Path, PathBuf};

/// A workspace folder (one that holds `threatokr.yaml`), opened for the commands that read it.
///
/// Opening reads nothing but the folder's name: each operation reads the files as they are then,
/// so a long-running server sees edits without reopening.
#[derive(Debug, Clone)]
pub struct Session {
    root: PathBuf,
    options: ReadOptions,
}

impl Session {
    /// Opens the workspace at `root`, reading its files with the default guards; fails when it
    /// has no `threatokr.yaml`.
    pub fn open(root: &Path) -> Result<Self> {
        Self::open_with(root, ReadOptions::default())
    }

    /// Opens the workspace at `root`, reading its files as `options` say.
    pub fn open_with(root: &Path, options: ReadOptions) -> Result<Self> {
        if !root.join("threatokr.yaml").is_file() {
            return Err(Error::NotAWorkspace { root: root.to_owned() });
        }
        Ok(Self { root: root.to_owned(), options })
    }

    /// The workspace folder, as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The reader of the workspace's files: every file the session reads goes through it.
    pub fn reader(&self) -> Result<Reader> {
        Reader::workspace(&self.root, self.options)
    }
}

/// A workspace read and loaded, with the diagnostics of its files sorted by position.
pub struct Checked {
    /// The loaded workspace (what could be loaded when there are errors).
    pub workspace: threatokr_core::model::Workspace,
    /// The files read, to render the diagnostics.
    pub files: threatokr_core::diag::Files,
    /// Every problem found in the files, errors and warnings.
    pub diagnostics: Vec<threatokr_core::diag::Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        threatokr_core::diag::Summary::of(&self.diagnostics).errors > 0
    }
}

impl Session {
    /// Reads every file of the workspace and loads it.
    pub fn load(&self) -> Result<Checked> {
        let loaded = files::read_workspace(&self.reader()?)?;
        let (workspace, more) =
            derived_cache::load_workspace_cached(&self.root, &loaded.files, &loaded.inputs);
        let mut diagnostics = loaded.diagnostics;
        diagnostics.extend(more);
        threatokr_core::diag::sort_diagnostics(&loaded.files, &mut diagnostics);
        Ok(Checked { workspace, files: loaded.files, diagnostics })
    }

    /// The workspace's history store, created on first use.
    pub fn store(&self) -> Result<threatokr_store::Store> {
        store::open_store(&self.root)
    }
}
