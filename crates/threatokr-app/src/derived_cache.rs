//! Derived data kept in the workspace's `.threatokr` folder, by the hash of the files it was
//! computed from and the build that computed it, so that a command on unchanged files reads it
//! back instead of parsing them again (issue 12): the lowered workspace (`workspace.cache`: a
//! third of a second for 2,000 models, in every `measure`, `report` and dashboard refresh) and
//! the ASVS verifications (`asvs.cache`: the YAML of 667 checklists was a tenth of a re-measure).
//!
//! A cache is derived data, never the truth: it is used only when its key (its first line) is
//! the hash of this build and of every file's name and text, in order (for the ASVS cache, of
//! this build, and each entry under the hash of its file's name and text); anything else (no file,
//! another key, bytes that are not exactly one value) computes from the files, as without a
//! cache, and writes the cache again. It is written only where the workspace has its
//! `.threatokr` folder (a store), through a temporary file renamed over it, so a reader never
//! sees half of one; a write that fails is ignored. It is trusted as the store is: whoever can
//! write `.threatokr` can change the history too.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::field_hash::FieldHash;
use serde::Serialize;
use serde::de::DeserializeOwned;
use threatokr_core::diag::{Diagnostic, FileId, Files};
use threatokr_core::evidence::asvs::AsvsVerification;
use threatokr_core::evidence::training::{Completion, RosterEntry};
use threatokr_core::model::{ThreatAliases, ThreatModel, Workspace};
use threatokr_core::workspace::{WorkspaceFiles, load_workspace};

/// Changed whenever the caches' layout changes (a new build changes the keys anyway).
const FORMAT: &str = "threatokr derived cache 3 (postcard, the workspace in two parts)";

/// The workspace's cache, in its `.threatokr` folder. Each cache file is its key, a line feed,
/// and the value in postcard's compact binary form (the lowered enterprise workspace took 18 MB
/// and a tenth of a re-measure to decode as JSON; postcard takes 7 MB, issue 12). The workspace
/// is written in two values one after the other: its settings, OKR sets and diagnostics, then its
/// models and aliases, which `measure` decodes on another core while it reads the evidence
/// ([`load_workspace_in_two`]).
const WORKSPACE_FILE: &str = "workspace.cache";

/// The ASVS verifications' cache, beside it.
const ASVS_FILE: &str = "asvs.cache";

/// The training files' cache, beside it.
const TRAINING_FILE: &str = "training.cache";

/// A cache larger than this is not read (the lowered enterprise workspace takes 7.1 MB).
const MAX_BYTES: u64 = 1 << 30;

/// What the ASVS verification files of a workspace parse to, one entry per file in order.
pub(crate) type ParsedAsvs = Vec<(Option<AsvsVerification>, Vec<Diagnostic>)>;

/// [`load_workspace`] of `files`, read back from the cache under `root` when it was lowered from
/// the same files by the same build, else lowered and kept there.
pub(crate) fn load_workspace_cached(
    root: &Path,
    files: &Files,
    inputs: &WorkspaceFiles,
) -> (Workspace, Vec<Diagnostic>) {
    let Loaded { workspace, diagnostics, models, .. } = load_workspace_in_two(root, files, inputs);
    let decoded = models.map(ModelsToDecode::decode);
    with_models(workspace, diagnostics, decoded, root, files, inputs)
}

/// The workspace of [`load_workspace_in_two`] with the models and aliases `decoded` from the
/// cache's second part put in it (`None`: it had none left to decode); when they did not decode
/// (a damaged cache), the workspace lowered from the files again.
pub(crate) fn with_models(
    mut workspace: Workspace,
    diagnostics: Vec<Diagnostic>,
    decoded: Option<Option<(Vec<ThreatModel>, ThreatAliases)>>,
    root: &Path,
    files: &Files,
    inputs: &WorkspaceFiles,
) -> (Workspace, Vec<Diagnostic>) {
    match decoded {
        None => (workspace, diagnostics),
        Some(Some((models, aliases))) => {
            (workspace.models, workspace.aliases) = (models, aliases);
            (workspace, diagnostics)
        }
        Some(None) => load_workspace_kept(root, files, inputs),
    }
}

/// [`load_workspace_cached`] with the models and aliases left to decode (on another thread)
/// when the workspace is read back from the cache: the workspace returned has none until they are
/// put in it. The second part of a damaged cache does not decode ([`ModelsToDecode::decode`]
/// says `None`): the caller then computes the workspace with [`load_workspace_kept`].
pub(crate) fn load_workspace_in_two(root: &Path, files: &Files, inputs: &WorkspaceFiles) -> Loaded {
    let Some(key) = key(files, inputs) else {
        let (workspace, diagnostics) = load_workspace(files, inputs);
        return Loaded { workspace, diagnostics, models: None, key: None };
    };
    let path = root.join(".threatokr").join(WORKSPACE_FILE);
    if let Some(bytes) = read_bytes(&path, &key) {
        let rest = &bytes[key.len() + 1..];
        if let Ok(((config, okrs, diagnostics), models)) = postcard::take_from_bytes(rest) {
            let at = bytes.len() - models.len();
            let workspace =
                Workspace { config, okrs, models: Vec::new(), aliases: Default::default() };
            let models = Some(ModelsToDecode { bytes, at });
            return Loaded { workspace, diagnostics, models, key: Some(key) };
        }
    }
    let (workspace, diagnostics) = load_workspace_kept(root, files, inputs);
    Loaded { workspace, diagnostics, models: None, key: Some(key) }
}

/// A workspace read back from its cache or lowered ([`load_workspace_in_two`]).
pub(crate) struct Loaded {
    /// Without its models and aliases while `models` is `Some`.
    pub(crate) workspace: Workspace,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The models and aliases still to decode.
    pub(crate) models: Option<ModelsToDecode>,
    /// The cache's key: the hash of the build and the workspace's files, which the workspace (its
    /// models' statuses among the rest) is a function of; `None` when the build is unknown.
    pub(crate) key: Option<String>,
}

/// [`load_workspace`] of `files`, kept under `root` for the next command.
pub(crate) fn load_workspace_kept(
    root: &Path,
    files: &Files,
    inputs: &WorkspaceFiles,
) -> (Workspace, Vec<Diagnostic>) {
    let (workspace, diagnostics) = load_workspace(files, inputs);
    let folder = root.join(".threatokr");
    if let Some(key) = key(files, inputs)
        && folder.is_dir()
    {
        let head = (&workspace.config, &workspace.okrs, &diagnostics);
        let tail = (&workspace.models, &workspace.aliases);
        write(&folder, &folder.join(WORKSPACE_FILE), WORKSPACE_FILE, &key, &(head, tail));
    }
    (workspace, diagnostics)
}

/// The second part of the workspace's cache: its models and aliases, still to decode.
pub(crate) struct ModelsToDecode {
    bytes: Vec<u8>,
    at: usize,
}

impl ModelsToDecode {
    /// The models and aliases; `None` when they are not exactly one value (a damaged cache).
    pub(crate) fn decode(self) -> Option<(Vec<ThreatModel>, ThreatAliases)> {
        match postcard::take_from_bytes(self.bytes.get(self.at..)?) {
            Ok((decoded, [])) => Some(decoded),
            _ => None,
        }
    }
}

/// What the ASVS verification files `ids` parse to (what `parse_asvs` gives for each, in order):
/// each file's from the cache under `root` when the same build parsed a file of the same name and
/// text, the others by `parse` (given them in order), and the cache written again when any was
/// parsed. A file's entry is keyed by its name and text, not by its id, which depends on what
/// else a command read before it (a `measure` after the benchmark's own gave the 667 checklists
/// other ids and parsed them all again, a third of a second); only edited files are parsed.
pub(crate) fn parse_asvs_cached(
    root: &Path,
    files: &Files,
    ids: &[FileId],
    parse: impl FnOnce(&[FileId]) -> ParsedAsvs,
) -> ParsedAsvs {
    parse_cached(root, ASVS_FILE, b"asvs by file", files, ids, parse)
}

/// What the training files `ids` parse to, as [`parse_asvs_cached`] keeps the ASVS files' (a
/// roster and completions of 10,000 people took a twelfth of measuring again, issue 12).
pub(crate) fn parse_training_cached(
    root: &Path,
    files: &Files,
    ids: &[FileId],
    parse: impl FnOnce(&[FileId]) -> Vec<TrainingEntry>,
) -> Vec<TrainingEntry> {
    parse_cached(root, TRAINING_FILE, b"training by file", files, ids, parse)
}

/// One training file's parse, as kept: a roster or completions, with its problems.
pub(crate) type TrainingEntry = (Training, Vec<Diagnostic>);

/// What a training file holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub(crate) enum Training {
    Roster(Vec<RosterEntry>),
    Completions(Vec<Completion>),
    /// Nothing read (an entry `parse` did not give).
    #[default]
    Nothing,
}

/// One file's parse as a cache keeps it: it points into its file only.
trait FileEntry: Serialize + DeserializeOwned + Default {
    /// The entry pointing into `file`, the id the file has in this command.
    fn point_at(&mut self, file: FileId);
}

impl FileEntry for AsvsEntry {
    fn point_at(&mut self, file: FileId) {
        if let Some(verification) = &mut self.0 {
            verification.origin.file = file;
            for requirement in &mut verification.requirements {
                requirement.origin.file = file;
            }
        }
        point_diagnostics_at(&mut self.1, file);
    }
}

impl FileEntry for TrainingEntry {
    fn point_at(&mut self, file: FileId) {
        match &mut self.0 {
            Training::Roster(entries) => entries.iter_mut().for_each(|e| e.origin.file = file),
            Training::Completions(done) => done.iter_mut().for_each(|c| c.origin.file = file),
            Training::Nothing => {}
        }
        point_diagnostics_at(&mut self.1, file);
    }
}

fn point_diagnostics_at(diagnostics: &mut [Diagnostic], file: FileId) {
    for diagnostic in diagnostics {
        for label in diagnostic.primary.iter_mut().chain(&mut diagnostic.secondary) {
            label.file = file;
        }
    }
}

/// What the files `ids` parse to, each file's entry read back from the cache `name` under `root`
/// when this build (and `tag`) parsed a file of the same name and text, the others by `parse`
/// (given them in order, one entry each); the cache written again when any was parsed.
fn parse_cached<E: FileEntry>(
    root: &Path,
    name: &str,
    tag: &[u8],
    files: &Files,
    ids: &[FileId],
    parse: impl FnOnce(&[FileId]) -> Vec<E>,
) -> Vec<E> {
    if ids.is_empty() {
        return parse(ids);
    }
    let Some(build) = crate::measure::build_identity() else { return parse(ids) };
    let mut header = FieldHash::new();
    header.field(FORMAT.as_bytes());
    header.field(tag);
    header.field(build.as_bytes());
    let header = header.finish_hex();
    let path = root.join(".threatokr").join(name);
    let mut kept: BTreeMap<String, E> = read(&path, &header).unwrap_or_default();
    let keys: Vec<String> = ids
        .iter()
        .map(|&id| {
            let mut hash = FieldHash::new();
            hash.field(files.name(id).as_bytes());
            hash.field(files.text(id).as_bytes());
            hash.finish_hex()
        })
        .collect();
    // Each entry is taken out of the cache, not copied (667 checklists copied in every re-measure,
    // issue 12); a file whose entry is not there (or was taken by a file before it of the same
    // name and text) is parsed.
    let read_back: Vec<Option<E>> = keys.iter().map(|key| kept.remove(key)).collect();
    let missing: Vec<FileId> = ids
        .iter()
        .zip(&read_back)
        .filter(|(_, entry)| entry.is_none())
        .map(|(id, _)| *id)
        .collect();
    let mut parsed = parse(&missing).into_iter();
    let entries: Vec<E> = ids
        .iter()
        .zip(read_back)
        .map(|(&id, entry)| match entry {
            Some(mut entry) => {
                entry.point_at(id);
                entry
            }
            // `parse` gives one entry per file it is given.
            None => parsed.next().unwrap_or_default(),
        })
        .collect();
    if !missing.is_empty() && root.join(".threatokr").is_dir() {
        // Only the files read now are kept, so that the cache does not grow with every edit.
        let current: BTreeMap<&String, &E> = keys.iter().zip(&entries).collect();
        write(&root.join(".threatokr"), &path, name, &header, &current);
    }
    entries
}

/// One ASVS file's parse, as kept: it points into its file only.
type AsvsEntry = (Option<AsvsVerification>, Vec<Diagnostic>);

/// The hash of the build and of what the workspace is lowered from; `None` when the build cannot
/// be identified (then nothing is cached).
fn key(files: &Files, inputs: &WorkspaceFiles) -> Option<String> {
    let mut hash = FieldHash::new();
    hash.field(FORMAT.as_bytes());
    hash.field(crate::measure::build_identity()?.as_bytes());
    // The workspace's files only, so that the key is the same after the evidence files join
    // them (`measure` lowers the workspace again from them when the cache's models are damaged).
    for id in workspace_file_ids(inputs) {
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

/// The files the workspace is lowered from, which its cache's key hashes.
pub(crate) fn workspace_file_ids(inputs: &WorkspaceFiles) -> std::collections::BTreeSet<FileId> {
    let ids = inputs.config.iter().chain(&inputs.models).chain(&inputs.okrs);
    ids.chain(inputs.companions.values()).copied().collect()
}

/// The value cached at `path` if it is a regular file whose first line is `key`.
pub(crate) fn read<T: DeserializeOwned>(path: &Path, key: &str) -> Option<T> {
    let bytes = read_bytes(path, key)?;
    let rest = &bytes[key.len() + 1..];
    // Bytes after the workspace mean a cache not written whole by this build: not trusted.
    match postcard::take_from_bytes(rest) {
        Ok((cached, [])) => Some(cached),
        _ => None,
    }
}

/// The bytes of the cache at `path` if it is a regular file whose first line is `key` (the key
/// and its line feed included).
fn read_bytes(path: &Path, key: &str) -> Option<Vec<u8>> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if !metadata.file_type().is_file() || metadata.len() > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    bytes.strip_prefix(key.as_bytes())?.strip_prefix(b"\n")?;
    Some(bytes)
}

/// Writes a cache: a temporary file beside it, renamed over it. Failing is not an error.
fn write<T: Serialize>(folder: &Path, path: &Path, name: &str, key: &str, value: &T) {
    write_over(&folder.join(format!("{name}.{}.tmp", std::process::id())), path, key, value);
}

/// Writes a cache into `temporary` (created or emptied), renamed over `path`. Failing is not an
/// error.
pub(crate) fn write_over<T: Serialize>(temporary: &Path, path: &Path, key: &str, value: &T) {
    let written = std::fs::File::create(temporary).and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        out.write_all(key.as_bytes())?;
        out.write_all(b"\n")?;
        postcard::to_io(value, &mut out).map_err(std::io::Error::other)?;
        out.into_inner().map_err(std::io::IntoInnerError::into_error)?.sync_all()
    });
    if written.and_then(|()| std::fs::rename(temporary, path)).is_err() {
        let _ = std::fs::remove_file(temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use threatokr_core::evidence::asvs::parse_asvs;

    /// A workspace root with a `.threatokr` folder, fresh for one test.
    fn root(name: &str) -> std::path::PathBuf {
        let root =
            std::env::temp_dir().join(format!("threatokr-derived-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(".threatokr")).unwrap();
        root
    }

    const CHECKOUT: &str = "app: checkout\nversion: 5.0.0\ndate: 2027-02-01\nrequirements:\n  - { id: v5.0.0-8.2.1, status: pass }\n  - { id: v5.0.0-8.2.2, status: maybe }\n";

    /// The cache's parse, counting the files `parse_asvs` is called for.
    fn parsed(root: &Path, files: &Files, ids: &[FileId], calls: &mut Vec<String>) -> ParsedAsvs {
        parse_asvs_cached(root, files, ids, |missing| {
            calls.extend(missing.iter().map(|id| files.name(*id).to_owned()));
            missing.iter().map(|id| parse_asvs(files, *id)).collect()
        })
    }

    #[test]
    fn issue_12_asvs_files_parsed_once_are_read_back_until_one_changes() {
        let root = root("asvs");
        let mut files = Files::new();
        let ids = [files.add("evidence/asvs/checkout.yaml", CHECKOUT)];
        let mut calls = Vec::new();
        let first = parsed(&root, &files, &ids, &mut calls);
        assert_eq!(calls.len(), 1);
        let verification = first[0].0.as_ref().expect("the checklist parses");
        assert_eq!(verification.requirements.len(), 1, "the unknown status is left out");
        assert_eq!(first[0].1.len(), 1, "and reported");
        // The same files: read back, diagnostics and all, without parsing.
        assert!(parsed(&root, &files, &ids, &mut calls) == first);
        assert_eq!(calls.len(), 1);
        // What is read back is the cache's: a cache of the same key saying otherwise is believed.
        let path = root.join(".threatokr").join(ASVS_FILE);
        let bytes = std::fs::read(&path).unwrap();
        let at = bytes.windows(8).position(|w| w == b"checkout").unwrap();
        let mut changed = bytes.clone();
        changed[at..at + 8].copy_from_slice(b"CHECKOUT");
        std::fs::write(&path, changed).unwrap();
        assert_eq!(parsed(&root, &files, &ids, &mut calls)[0].0.as_ref().unwrap().app, "CHECKOUT");
        std::fs::write(&path, &bytes).unwrap();
        // A changed file is parsed again.
        let mut edited = Files::new();
        let edited_ids =
            [edited.add("evidence/asvs/checkout.yaml", CHECKOUT.replace("maybe", "fail"))];
        let again = parsed(&root, &edited, &edited_ids, &mut calls);
        assert_eq!((calls.len(), again[0].1.len()), (2, 0));
        // A damaged cache is not trusted.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        parsed(&root, &edited, &edited_ids, &mut calls);
        assert_eq!(calls.len(), 3);
        let _ = std::fs::remove_dir_all(&root);
    }

    /// An entry is taken out of the cache for the file it is read back for: a second file of the
    /// same name and text (never two files of one folder, but the cache does not count on it)
    /// is parsed, not left empty.
    #[test]
    fn issue_12_a_file_read_twice_is_read_back_once_and_parsed_once() {
        let root = root("asvs-twice");
        let mut files = Files::new();
        let ids = [files.add("evidence/asvs/checkout.yaml", CHECKOUT)];
        let mut calls = Vec::new();
        parsed(&root, &files, &ids, &mut calls);
        let twice = [ids[0], files.add("evidence/asvs/checkout.yaml", CHECKOUT)];
        let both = parsed(&root, &files, &twice, &mut calls);
        assert_eq!(calls.len(), 2, "the first read back, the second parsed");
        assert_eq!(both[1].0.as_ref().map(|v| v.origin.file), Some(twice[1]));
        let fresh = parse_asvs(&files, twice[1]);
        assert!(both[1] == fresh, "the second is what parsing it gives");
        let mut first = fresh;
        first.point_at(twice[0]);
        assert!(both[0] == first, "and the first the same, read back");
        let _ = std::fs::remove_dir_all(&root);
    }

    /// The training files are kept as the ASVS files are: read back (diagnostics and all) while
    /// a file's name and text are the same, pointing at the ids the files have now, as parsing
    /// them would; an edited file parsed again.
    #[test]
    fn issue_12_training_files_parsed_once_are_read_back_until_one_changes() {
        let root = root("training");
        let roster = "person,team,active\nomar,payments,true\nomar,payments,true\n";
        let completions = "person,course,date\nomar,access-control,2027-01-12\n";
        let parse = |files: &Files, ids: &[FileId], calls: &mut usize| {
            parse_training_cached(&root, files, ids, |missing| {
                *calls += missing.len();
                missing.iter().map(|&id| crate::measure::parse_training(files, id)).collect()
            })
        };
        let mut files = Files::new();
        let ids = [
            files.add("evidence/training/roster.csv", roster),
            files.add("evidence/training/completions.csv", completions),
        ];
        let mut calls = 0;
        let first = parse(&files, &ids, &mut calls);
        assert!(matches!(&first[0].0, Training::Roster(entries) if entries.len() == 1));
        assert_eq!(first[0].1.len(), 1, "the person twice is reported");
        assert!(matches!(&first[1].0, Training::Completions(done) if done.len() == 1));
        assert_eq!(calls, 2);

        let mut shifted = Files::new();
        shifted.add("threatokr.yaml", "");
        let shifted_ids = [
            shifted.add("evidence/training/roster.csv", roster),
            shifted.add("evidence/training/completions.csv", completions),
        ];
        let moved = parse(&shifted, &shifted_ids, &mut calls);
        assert_eq!(calls, 2, "read back, not parsed");
        let fresh: Vec<TrainingEntry> =
            shifted_ids.iter().map(|&id| crate::measure::parse_training(&shifted, id)).collect();
        assert!(moved == fresh, "the same as parsing them under the new ids");

        let mut edited = Files::new();
        let edited_ids = [
            edited.add("evidence/training/roster.csv", roster),
            edited.add(
                "evidence/training/completions.csv",
                format!("{completions}jun,xss,2027-01-19\n"),
            ),
        ];
        let again = parse(&edited, &edited_ids, &mut calls);
        assert_eq!(calls, 3, "only the edited file is parsed");
        assert!(matches!(&again[1].0, Training::Completions(done) if done.len() == 2));
        let _ = std::fs::remove_dir_all(&root);
    }

    /// `measure` and `report` read the checklists after different files, so under other ids: each
    /// reads the other's cache, pointing into the files by its own ids, exactly as parsing
    /// them would; and a command that edits one checklist parses only that one.
    #[test]
    fn issue_12_asvs_files_under_other_ids_are_read_back_pointing_at_their_ids() {
        let root = root("asvs-ids");
        let payments = CHECKOUT.replace("checkout", "payments");
        let mut files = Files::new();
        let ids = [
            files.add("evidence/asvs/checkout.yaml", CHECKOUT),
            files.add("evidence/asvs/payments.yaml", payments.clone()),
        ];
        let mut calls = Vec::new();
        parsed(&root, &files, &ids, &mut calls);
        assert_eq!(calls.len(), 2);

        let mut shifted = Files::new();
        shifted.add("threatokr.yaml", "");
        shifted.add("okrs/2027-q1.yaml", "");
        let shifted_ids = [
            shifted.add("evidence/asvs/checkout.yaml", CHECKOUT),
            shifted.add("evidence/asvs/payments.yaml", payments.clone()),
        ];
        let moved = parsed(&root, &shifted, &shifted_ids, &mut calls);
        assert_eq!(calls.len(), 2, "read back, not parsed");
        let fresh: ParsedAsvs = shifted_ids.iter().map(|id| parse_asvs(&shifted, *id)).collect();
        assert!(moved == fresh, "the same as parsing them under the new ids");
        assert_eq!(moved[1].0.as_ref().unwrap().origin.file, shifted_ids[1]);
        assert_eq!(moved[0].1[0].primary.as_ref().unwrap().file, shifted_ids[0]);

        let mut edited = Files::new();
        let edited_ids = [
            edited.add("evidence/asvs/checkout.yaml", CHECKOUT),
            edited.add("evidence/asvs/payments.yaml", payments.replace("maybe", "fail")),
        ];
        parsed(&root, &edited, &edited_ids, &mut calls);
        assert_eq!(calls[2..], ["evidence/asvs/payments.yaml"]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
