//! Finding and reading input files: the workspace's, the evidence folders', the CI files of
//! repositories, and files named on the command line. Every input file is read here, by
//! [`Reader::read`], so that every read has the same guards:
//!
//! - only regular files are read: a named pipe would block forever and `/dev/zero` never ends;
//! - the size is checked before reading, and at most the limit plus one byte is read;
//! - inside a workspace (or a repository), links that lead out of it are not followed unless the
//!   caller allows it, so a link to `/etc/shadow` is refused and its content never shown;
//! - folders are walked once each: a link back to a folder already read (`ln -s . models/again`)
//!   is reported and not followed, so a loop neither repeats files nor runs forever.
//!
//! A file is checked and then opened, so a file replaced by a pipe in between can still block the
//! open; guarding that too would need `O_NONBLOCK` (and the `libc` crate), which is not worth it
//! for files the user controls.

use crate::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use threatokr_core::diag::{Code, Diagnostic, FileId, Files, Span};
use threatokr_core::syntax::Budget;
use threatokr_core::workspace::{WorkspaceFiles, is_native_model};

/// How input files are read.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// The largest file read, in bytes: the parsers' own limit, since a larger file would only be
    /// refused after it was read.
    pub max_bytes: u64,
    /// Follow links that lead out of the workspace (or repository) being read.
    pub follow_links_outside: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { max_bytes: Budget::default().max_bytes as u64, follow_links_outside: false }
    }
}

/// Reads input files, naming them relative to a base folder and, for a workspace or a
/// repository, keeping links inside it.
#[derive(Debug, Clone)]
pub struct Reader {
    /// Names are shown relative to this folder.
    base: PathBuf,
    /// The canonical folder links must stay inside, and what to call it; `None` for files named
    /// on the command line, which may be anywhere.
    confine: Option<(PathBuf, &'static str)>,
    options: ReadOptions,
    /// The canonical path of every folder resolved so far, shared by the clones of this reader
    /// (which may read on several threads): a portfolio's files sit in a few folders, and
    /// resolving every component of every file's path again cost a system call per component.
    canonical_folders: Arc<Mutex<HashMap<PathBuf, PathBuf>>>,
}

impl Reader {
    /// Reads the files of a workspace at `root`.
    pub fn workspace(root: &Path, options: ReadOptions) -> Result<Self> {
        Self::confined(root, "the workspace", options)
    }

    /// Reads files inside `root` (names relative to it); links must stay inside it.
    pub fn confined(root: &Path, scope: &'static str, options: ReadOptions) -> Result<Self> {
        let canonical = std::fs::canonicalize(root)
            .map_err(Error::io(format!("reading {}", root.display())))?;
        Ok(Self {
            base: root.to_owned(),
            confine: Some((canonical, scope)),
            options,
            canonical_folders: Arc::default(),
        })
    }

    /// Reads files named on the command line, wherever they are (names relative to `base`).
    pub fn anywhere(base: &Path, options: ReadOptions) -> Self {
        Self { base: base.to_owned(), confine: None, options, canonical_folders: Arc::default() }
    }

    /// The same reader, naming files relative to `base` (which should be inside the folder the
    /// reader keeps links in).
    pub fn with_base(&self, base: &Path) -> Self {
        Self { base: base.to_owned(), ..self.clone() }
    }

    /// The folder names are relative to.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// Reads one file as text. A file that is not read (not a regular file, too large, a link
    /// out of the workspace, not UTF-8) becomes a diagnostic, registered with empty text so the
    /// diagnostic can name it, and `None`, so that no reader parses it and reports its emptiness
    /// as well; a file that cannot be opened at all (missing, no permission) stops the command.
    pub fn read(
        &self,
        files: &mut Files,
        path: &Path,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Option<FileId>> {
        let name = display_name(&self.base, path);
        let reading = || format!("reading {}", path.display());
        let mut refuse = |code: Code, message: String| {
            let id = files.add(name.clone(), String::new());
            diagnostics.push(Diagnostic::new(code, id, Span::new(0, 0), message));
            Ok(None)
        };
        let metadata = match self.admit(path, &name)? {
            Ok(metadata) => metadata,
            Err((code, message)) => return refuse(code, message),
        };
        let limit = self.options.max_bytes;
        if metadata.len() > limit {
            return refuse(Code::InputBudget, too_large(metadata.len(), limit));
        }
        let file = std::fs::File::open(path).map_err(Error::io(reading()))?;
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
        file.take(limit + 1).read_to_end(&mut bytes).map_err(Error::io(reading()))?;
        if bytes.len() as u64 > limit {
            // The file grew between the check and the read.
            return refuse(Code::InputBudget, too_large(bytes.len() as u64, limit));
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Some(files.add(name, text))),
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                refuse(
                    Code::UnreadableFile,
                    format!("{name} is not UTF-8 text (invalid byte at offset {offset})"),
                )
            }
        }
    }

    /// Opens one file to be read as a stream (a SARIF log of any size): the checks of
    /// [`Reader::read`] but no size limit, since a streaming reader's memory does not grow with
    /// the file. The file is registered with empty text (its name for diagnostics); a refused
    /// file becomes a diagnostic and `None`.
    pub fn open_stream(
        &self,
        files: &mut Files,
        path: &Path,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Option<(FileId, std::fs::File)>> {
        let name = display_name(&self.base, path);
        let id = files.add(name.clone(), String::new());
        match self.admit(path, &name)? {
            Ok(_) => {
                let file = std::fs::File::open(path)
                    .map_err(Error::io(format!("reading {}", path.display())))?;
                Ok(Some((id, file)))
            }
            Err((code, message)) => {
                diagnostics.push(Diagnostic::new(code, id, Span::new(0, 0), message));
                Ok(None)
            }
        }
    }

    /// What every read checks first: a regular file, and (unless allowed) not a link out of the
    /// folder the reader keeps to. `Ok(Err(..))` is a refusal with its code and message.
    fn admit(
        &self,
        path: &Path,
        name: &str,
    ) -> Result<std::result::Result<std::fs::Metadata, (Code, String)>> {
        let reading = || format!("reading {}", path.display());
        // The link itself first: a file that is no link sits where its folder resolves to.
        let own = std::fs::symlink_metadata(path).map_err(Error::io(reading()))?;
        let is_link = own.file_type().is_symlink();
        let metadata =
            if is_link { std::fs::metadata(path).map_err(Error::io(reading()))? } else { own };
        if !metadata.is_file() {
            return Ok(Err((
                Code::UnreadableFile,
                format!(
                    "{name} is {}, not a regular file; only regular files are read",
                    kind_of(&metadata)
                ),
            )));
        }
        if let Some((root, scope)) = &self.confine
            && !self.options.follow_links_outside
        {
            let target = self.canonical(path, is_link).map_err(Error::io(reading()))?;
            if !target.starts_with(root) {
                return Ok(Err((
                    Code::UnreadableFile,
                    format!(
                        "{name} resolves to a file outside {scope} (through a link); it was not read: links are followed only inside {scope} unless --follow-links-outside is given"
                    ),
                )));
            }
        }
        Ok(Ok(metadata))
    }

    /// The canonical path of `path` (every link resolved), as [`std::fs::canonicalize`] gives it:
    /// when `path` is no link, its canonical folder's (resolved once per folder) joined with its
    /// name.
    fn canonical(&self, path: &Path, is_link: bool) -> std::io::Result<PathBuf> {
        match (path.parent(), path.components().next_back()) {
            (Some(parent), Some(Component::Normal(name)))
                if !is_link && !parent.as_os_str().is_empty() =>
            {
                Ok(self.canonical_folder(parent)?.join(name))
            }
            _ => std::fs::canonicalize(path),
        }
    }

    /// [`Reader::canonical`] of a folder, kept for the next file or folder inside it.
    fn canonical_folder(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let known = |cache: &Self| {
            let folders = cache.canonical_folders.lock().unwrap_or_else(PoisonError::into_inner);
            folders.get(dir).cloned()
        };
        if let Some(canonical) = known(self) {
            return Ok(canonical);
        }
        let is_link = std::fs::symlink_metadata(dir)?.file_type().is_symlink();
        let canonical = self.canonical(dir, is_link)?;
        self.canonical_folders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(dir.to_owned(), canonical.clone());
        Ok(canonical)
    }

    /// The files in `dir` (and below it when `recursive`) whose extension is one of `extensions`
    /// (any file when it is empty), sorted; hidden entries (editor swap files, `.git`) are skipped.
    /// A missing folder has no files: evidence folders are optional. A link to a folder already
    /// read, or to a folder outside the workspace, is reported in `diagnostics` and not followed.
    pub fn list(
        &self,
        dir: &Path,
        extensions: &[&str],
        recursive: bool,
        files: &mut Files,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<Vec<PathBuf>> {
        let mut walk = Walk {
            reader: self,
            extensions,
            recursive,
            visited: BTreeMap::new(),
            out: Vec::new(),
            files,
            diagnostics,
        };
        walk.folder(dir)?;
        let mut out = walk.out;
        out.sort();
        Ok(out)
    }
}

/// One directory walk: the folders read so far (canonical path → the name it was read under).
struct Walk<'a> {
    reader: &'a Reader,
    extensions: &'a [&'a str],
    recursive: bool,
    visited: BTreeMap<PathBuf, String>,
    out: Vec<PathBuf>,
    files: &'a mut Files,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Walk<'_> {
    fn folder(&mut self, dir: &Path) -> Result<()> {
        if !dir.is_dir() {
            return Ok(());
        }
        let listing = || format!("listing {}", dir.display());
        let canonical = self.reader.canonical_folder(dir).map_err(Error::io(listing()))?;
        let name = display_name(&self.reader.base, dir);
        if let Some((root, scope)) = &self.reader.confine
            && !self.reader.options.follow_links_outside
            && !canonical.starts_with(root)
        {
            let message = format!(
                "{name} resolves to a folder outside {scope}; it was not read: links are followed only inside {scope} unless --follow-links-outside is given"
            );
            self.report(&name, Code::UnreadableFile, message);
            return Ok(());
        }
        if let Some(first) = self.visited.get(&canonical) {
            let message = format!(
                "{name} leads to the folder {first}, which was already read; the link was not followed, so that no file is read twice and a loop ends"
            );
            self.report(&name, Code::FolderLoop, message);
            return Ok(());
        }
        self.visited.insert(canonical, name);
        for entry in std::fs::read_dir(dir).map_err(Error::io(listing()))? {
            let entry = entry.map_err(Error::io(listing()))?;
            let path = entry.path();
            if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
                continue;
            }
            // A link is followed: a link to a folder is walked (once), a link to anything
            // else is listed and [`Reader::read`] decides. The entry's own type comes with the
            // listing, so only links cost a look at what they lead to.
            let is_dir = match entry.file_type() {
                Ok(kind) if !kind.is_symlink() => kind.is_dir(),
                _ => path.is_dir(),
            };
            if is_dir {
                if self.recursive {
                    self.folder(&path)?;
                }
            } else if self.extensions.is_empty() || has_extension(&path, self.extensions) {
                self.out.push(path);
            }
        }
        Ok(())
    }

    fn report(&mut self, name: &str, code: Code, message: String) {
        let id = self.files.add(name.to_owned(), String::new());
        self.diagnostics.push(Diagnostic::new(code, id, Span::new(0, 0), message));
    }
}

/// What a file that is not a regular file is, for the diagnostic.
fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

fn too_large(len: u64, limit: u64) -> String {
    format!("the file is {len} bytes; the limit is {limit} bytes")
}

/// A workspace read from disk.
pub struct Loaded {
    /// The files read.
    pub files: Files,
    /// Which file is which.
    pub inputs: WorkspaceFiles,
    /// Files that could not be read as text.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads `threatokr.yaml`, `models/**` and `okrs/*.yaml` of the workspace `reader` reads.
pub fn read_workspace(reader: &Reader) -> Result<Loaded> {
    let root = reader.base();
    let config_path = root.join("threatokr.yaml");
    if !config_path.is_file() {
        return Err(Error::NotAWorkspace { root: root.to_owned() });
    }
    let mut files = Files::new();
    let mut inputs = WorkspaceFiles::default();
    let mut diagnostics = Vec::new();
    inputs.config = reader.read(&mut files, &config_path, &mut diagnostics)?;
    let model_paths = reader.list(&root.join("models"), &[], true, &mut files, &mut diagnostics)?;
    // Threagile's risks.json is the companion of the Threagile model in the same folder, not a model.
    let companions: Vec<&PathBuf> =
        model_paths.iter().filter(|p| p.file_name().is_some_and(|n| n == "risks.json")).collect();
    for path in model_paths.iter().filter(|p| is_model_file(p)) {
        let Some(id) = reader.read(&mut files, path, &mut diagnostics)? else { continue };
        inputs.models.push(id);
        let name = files.name(id).to_owned();
        if !is_native_model(&name)
            && (name.ends_with(".yaml") || name.ends_with(".yml"))
            && let Some(companion) = companions.iter().find(|c| c.parent() == path.parent())
            && let Some(companion_id) = reader.read(&mut files, companion, &mut diagnostics)?
        {
            inputs.companions.insert(id, companion_id);
        }
    }
    let okr_paths =
        reader.list(&root.join("okrs"), &["yaml", "yml"], true, &mut files, &mut diagnostics)?;
    for path in &okr_paths {
        let Some(id) = reader.read(&mut files, path, &mut diagnostics)? else { continue };
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

/// The name users see: relative to the workspace with `/` separators; a file outside it keeps
/// the path the user gave.
pub fn display_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}
