//! The lowered workspace kept in `.threatokr/workspace.cache`, by the hash of the files it was
//! lowered from and the build that lowered it, so that a command on an unchanged workspace reads
//! it back instead of parsing every model's YAML again (issue 12: a third of a second for 2,000
//! models, in every `measure`, `report` and dashboard refresh).
//!
//! The cache is derived data, never the truth: it is used only when its key (its first line) is
//! the hash of this build and of every file's name and text, in order; anything else (no file,
//! another key, a file that does not parse) loads the workspace from its files, as without a
//! cache, and writes the cache again. It is written only where the workspace has its
//! `.threatokr` folder (a store), through a temporary file renamed over it, so a reader never
//! sees half of one; a write that fails is ignored. It is trusted as the store is: whoever can
//! write `.threatokr` can change the history too.

use std::io::Write;
use std::path::Path;

use crate::field_hash::FieldHash;
use threatokr_core::diag::{Diagnostic, Files};
use threatokr_core::model::Workspace;
use threatokr_core::workspace::{WorkspaceFiles, load_workspace};

/// Changed whenever the cache's layout changes (a new build changes the key anyway).
const FORMAT: &str = "threatokr workspace cache 2 (postcard)";

/// The cache's file, in the workspace's `.threatokr` folder: its key, a line feed, and the
/// lowered workspace and its diagnostics in postcard's compact binary form (as JSON it took 18 MB
/// and a tenth of a re-measure to decode at enterprise scale; postcard takes 7 MB, issue 12).
const FILE: &str = "workspace.cache";

/// A cache larger than this is not read (the lowered enterprise workspace takes 17.8 MB).
const MAX_BYTES: u64 = 1 << 30;

/// [`load_workspace`] of `files`, read back from the cache under `root` when it was lowered from
/// the same files by the same build, else lowered and kept there.
pub(crate) fn load_workspace_cached(
    root: &Path,
    files: &Files,
    inputs: &WorkspaceFiles,
) -> (Workspace, Vec<Diagnostic>) {
    let folder = root.join(".threatokr");
    let Some(key) = key(files, inputs) else { return load_workspace(files, inputs) };
    let path = folder.join(FILE);
    if let Some(cached) = read(&path, &key) {
        return cached;
    }
    let loaded = load_workspace(files, inputs);
    if folder.is_dir() {
        write(&folder, &path, &key, &loaded);
    }
    loaded
}

/// The hash of the build and of what the workspace is lowered from; `None` when the build cannot
/// be identified (then nothing is cached).
fn key(files: &Files, inputs: &WorkspaceFiles) -> Option<String> {
    let mut hash = FieldHash::new();
    hash.field(FORMAT.as_bytes());
    hash.field(crate::measure::build_identity()?.as_bytes());
    for id in files.ids() {
        hash.field(files.name(id).as_bytes());
        hash.field(files.text(id).as_bytes());
    }
    // Which files are the settings, the models, the OKRs and the models' companions.
    let mut companions: Vec<_> = inputs.companions.iter().collect();
    companions.sort();
    let roles = format!("{:?} {:?} {:?} {companions:?}", inputs.config, inputs.models, inputs.okrs);
    hash.field(roles.as_bytes());
    Some(hash.finish_hex())
}

/// The cached workspace at `path` if it is a regular file whose first line is `key`.
fn read(path: &Path, key: &str) -> Option<(Workspace, Vec<Diagnostic>)> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if !metadata.file_type().is_file() || metadata.len() > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(key.as_bytes())?.strip_prefix(b"\n")?;
    // Bytes after the workspace mean a cache not written whole by this build: not trusted.
    match postcard::take_from_bytes(rest) {
        Ok((cached, [])) => Some(cached),
        _ => None,
    }
}

/// Writes the cache: a temporary file beside it, renamed over it. Failing is not an error.
fn write(folder: &Path, path: &Path, key: &str, loaded: &(Workspace, Vec<Diagnostic>)) {
    let temporary = folder.join(format!("{FILE}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary).and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        out.write_all(key.as_bytes())?;
        out.write_all(b"\n")?;
        postcard::to_io(loaded, &mut out).map_err(std::io::Error::other)?;
        out.into_inner().map_err(std::io::IntoInnerError::into_error)?.sync_all()
    });
    if written.and_then(|()| std::fs::rename(&temporary, path)).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}
