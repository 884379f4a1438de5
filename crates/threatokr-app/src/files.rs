//! Finding and reading the files of a workspace into a `Files` database.

use crate::{Error, Result};
use std::path::{Path, PathBuf};
use threatokr_core::diag::{Code, Diagnostic, Files, Span};
use threatokr_core::workspace::{WorkspaceFiles, is_native_model};

/// A workspace read from disk.
pub struct Loaded {
    /// The files read.
    pub files: Files,
    /// Which file is which.
    pub inputs: WorkspaceFiles,
    /// Files that could not be read as text.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads `threatokr.yaml`, `models/**` and `okrs/*.yaml` under `root`.
pub fn read_workspace(root: &Path) -> Result<Loaded> {
    let config_path = root.join("threatokr.yaml");
    if !config_path.is_file() {
        return Err(Error::NotAWorkspace { root: root.to_owned() });
    }
    let mut files = Files::new();
    let mut inputs = WorkspaceFiles::default();
    let mut diagnostics = Vec::new();
    inputs.config = add_file(&mut files, root, &config_path, &mut diagnostics)?;
    let model_paths = list_files(&root.join("models"), &[], true)?;
    // Threagile's risks.json is the companion of the Threagile model in the same folder, not a model.
    let companions: Vec<&PathBuf> =
        model_paths.iter().filter(|p| p.file_name().is_some_and(|n| n == "risks.json")).collect();
    for path in model_paths.iter().filter(|p| is_model_file(p)) {
        let Some(id) = add_file(&mut files, root, path, &mut diagnostics)? else { continue };
        inputs.models.push(id);
        let name = files.name(id).to_owned();
        if !is_native_model(&name)
            && (name.ends_with(".yaml") || name.ends_with(".yml"))
            && let Some(companion) = companions.iter().find(|c| c.parent() == path.parent())
            && let Some(companion_id) = add_file(&mut files, root, companion, &mut diagnostics)?
        {
            inputs.companions.insert(id, companion_id);
        }
    }
    for path in &list_files(&root.join("okrs"), &["yaml", "yml"], true)? {
        let Some(id) = add_file(&mut files, root, path, &mut diagnostics)? else { continue };
        inputs.okrs.push(id);
    }
    Ok(Loaded { files, inputs, diagnostics })
}

fn is_model_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n != "risks.json")
        && has_extension(path, &["yaml", "yml", "json", "tm7"])
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.contains(&e.to_ascii_lowercase().as_str()))
}

/// The files in `dir` (and below it when `recursive`) whose extension is one of `extensions`
/// (any file when it is empty), sorted; hidden entries (editor swap files, `.git`) are skipped.
/// A missing folder has no files: evidence folders are optional.
pub fn list_files(dir: &Path, extensions: &[&str], recursive: bool) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, extensions, recursive, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, extensions: &[&str], recursive: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    let listing = || format!("listing {}", dir.display());
    for entry in std::fs::read_dir(dir).map_err(Error::io(listing()))? {
        let path = entry.map_err(Error::io(listing()))?.path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        if path.is_dir() {
            if recursive {
                walk(&path, extensions, recursive, out)?;
            }
        } else if extensions.is_empty() || has_extension(&path, extensions) {
            out.push(path);
        }
    }
    Ok(())
}

/// The name users see: relative to the workspace with `/` separators; a file outside it keeps
/// the path the user gave.
pub fn display_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

/// Reads one file as text. A file that is not UTF-8 becomes an `unreadable-file` diagnostic
/// (registered with empty text so the diagnostic can name it) and `None`, so that no reader
/// parses it and reports its emptiness as well; other I/O errors stop the command.
pub fn add_file(
    files: &mut Files,
    root: &Path,
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<threatokr_core::diag::FileId>> {
    let bytes = std::fs::read(path).map_err(Error::io(format!("reading {}", path.display())))?;
    let name = display_name(root, path);
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(files.add(name, text))),
        Err(error) => {
            let id = files.add(name.clone(), String::new());
            let message = format!(
                "{name} is not UTF-8 text (invalid byte at offset {})",
                error.utf8_error().valid_up_to()
            );
            diagnostics.push(Diagnostic::new(Code::UnreadableFile, id, Span::new(0, 0), message));
            Ok(None)
        }
    }
}
