//! Ingesting SARIF files into the history store.
//!
//! Each file is one transaction: all of its runs land or none does. A file's app, environment and
//! date come from the caller, else from its path in the evidence folder
//! (`evidence/sarif/<app>/<env>/<date>.sarif`). Files already ingested (the store keeps a hash
//! of each, with its app and environment) are skipped, so a folder can be ingested again. A file
//! that looks like another app's (it names another repository than the app's `repos:`, or the
//! store already holds most of its findings under another app) is refused unless forced. Only
//! `threatokr.yaml` of the workspace is read (the apps, their environments and repositories),
//! not the models or the OKRs, unless the app is one that only a model defines.

use crate::files::Reader;
use crate::read_ahead::read_ahead;
use crate::store::{check_not_in_future, open_store};
use crate::{Error, Result, Session};
use jiff::civil::Date;
use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use threatokr_core::diag::{Diagnostic, FileId, Files, Span, Summary};
use threatokr_core::evidence::sarif::{
    ContentHash, Fnv1a64, SarifLog, read_sarif_chunks, read_sarif_log,
};
use threatokr_core::model::App;
use threatokr_core::native::lower_workspace_config;
use threatokr_store::{FindingInput, IngestSummary, IngestedFile, ScanInput, ScanOutcome, Store};

/// One SARIF file to ingest, with what the caller and its path say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SarifFile {
    /// Where it is.
    pub path: PathBuf,
    /// The app it goes under.
    pub app: Option<String>,
    /// The environment scanned.
    pub env: Option<String>,
    /// The scan's date.
    pub at: Option<Date>,
}

/// App, environment and date from `.../sarif/<app>/<env>/<YYYY-MM-DD>.sarif` (or `.sarif.json`).
pub fn path_layout(path: &Path) -> Option<(String, String, Date)> {
    let parts: Vec<&str> = path.iter().filter_map(|p| p.to_str()).collect();
    let [.., "sarif", app, env, name] = parts.as_slice() else { return None };
    let stem = name.strip_suffix(".sarif.json").or_else(|| name.strip_suffix(".sarif"))?;
    Some(((*app).to_owned(), (*env).to_owned(), stem.parse().ok()?))
}

/// Files named by the caller, with `app`, `env` and `at` (when given) over what their path says;
/// oldest first, as the store wants them (files without a date keep their order).
pub fn files_named(
    paths: &[PathBuf],
    app: Option<&str>,
    env: Option<&str>,
    at: Option<Date>,
) -> Vec<SarifFile> {
    let mut files: Vec<SarifFile> = paths
        .iter()
        .map(|path| {
            let layout = path_layout(path);
            SarifFile {
                path: path.clone(),
                app: app.map(str::to_owned).or_else(|| layout.as_ref().map(|l| l.0.clone())),
                env: env.map(str::to_owned).or_else(|| layout.as_ref().map(|l| l.1.clone())),
                at: at.or_else(|| layout.map(|l| l.2)),
            }
        })
        .collect();
    files.sort_by_key(|f| f.at);
    files
}

/// The SARIF files of an evidence folder whose path gives their app, environment and date,
/// oldest first; and the SARIF files whose path does not (left out).
pub fn evidence_folder(
    reader: &Reader,
    folder: &Path,
    files: &mut Files,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(Vec<SarifFile>, Vec<PathBuf>)> {
    if !folder.is_dir() {
        return Err(Error::NoSuchFolder { path: folder.to_owned() });
    }
    let mut found = Vec::new();
    let mut unlaid = Vec::new();
    for path in reader.list(folder, &["sarif", "json"], true, files, diagnostics)? {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !(name.ends_with(".sarif") || name.ends_with(".sarif.json")) {
            continue;
        }
        match path_layout(&path) {
            Some((app, env, at)) => {
                found.push(SarifFile { app: Some(app), env: Some(env), at: Some(at), path })
            }
            None => unlaid.push(path),
        }
    }
    found.sort_by(|a, b| (a.at, &a.path).cmp(&(b.at, &b.path)));
    Ok((found, unlaid))
}

/// One SARIF file, read and checked.
pub struct ReadSarif {
    /// Its name as shown.
    pub name: String,
    /// What it holds.
    pub log: SarifLog,
    /// The file, to render the diagnostics.
    pub files: Files,
    /// Its problems, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Its content hash; `None` when it has errors, so that nothing of it is ingested (or when
    /// it was only checked, by [`check_sarif`]).
    pub hash: Option<String>,
    /// Its length, and where to read it again (`None`: it was received whole and is in
    /// `files`), for the identity an older threatokr gave it.
    source: (u64, Option<PathBuf>),
}

/// Reads and checks one SARIF file as a stream, so that its size is not limited and memory is
/// bounded by its largest result and its findings, hashing it as it passes. The file is not held;
/// when it has diagnostics, the lines they point at are read again as excerpts, so they still
/// show file, line, column and source.
pub fn read_sarif(reader: &Reader, path: &Path) -> Result<ReadSarif> {
    read_sarif_stream(reader, path, Identity::Hash)
}

/// `read_sarif` for a file that is only checked, not stored (`--dry-run`): its identity is not
/// computed (`hash` is `None`; [`ReadSarif::has_errors`] says whether it has errors). Hashing
/// every byte is a quarter of the time of reading a large log (issue 12).
pub fn check_sarif(reader: &Reader, path: &Path) -> Result<ReadSarif> {
    read_sarif_stream(reader, path, Identity::Skip)
}

/// Files from this size on are read ahead on a second thread (`read_ahead`); a smaller one is
/// parsed before a thread would have started.
const READ_AHEAD_FROM: u64 = 1 << 20;

/// Whether a file read is hashed for "already ingested".
#[derive(Clone, Copy, PartialEq, Eq)]
enum Identity {
    Hash,
    Skip,
}

fn read_sarif_stream(reader: &Reader, path: &Path, identity: Identity) -> Result<ReadSarif> {
    let mut files = Files::new();
    let mut diagnostics = Vec::new();
    let reading = || format!("reading {}", path.display());
    let (log, hash, length) = match reader.open_stream(&mut files, path, &mut diagnostics)? {
        Some((id, file)) => {
            let hash = (identity == Identity::Hash).then(ContentHash::new);
            let large = file.metadata().is_ok_and(|m| m.len() >= READ_AHEAD_FROM);
            let input = Hashing { inner: file, length: 0, hash };
            // A large file is read and hashed on a second thread while it is parsed.
            let (read, mut input) = if large {
                read_ahead(input, |ahead| read_sarif_chunks(ahead, id))
            } else {
                let mut input = input;
                (read_sarif_log(&mut input, id), input)
            };
            let (log, mut more) = read.map_err(Error::io(reading()))?;
            if identity == Identity::Hash {
                // The parser may stop at the end of the JSON value: the hash covers the whole file.
                std::io::copy(&mut input, &mut std::io::sink()).map_err(Error::io(reading()))?;
            }
            if !more.is_empty() {
                let name = files.name(id).to_owned();
                add_excerpts(&mut files, id, &name, path, &mut more)
                    .map_err(Error::io(reading()))?;
            }
            diagnostics.extend(more);
            (log, input.hash.map(|hash| hash.key()), input.length)
        }
        None => (SarifLog::default(), None, 0),
    };
    let hash = hash.filter(|_| Summary::of(&diagnostics).errors == 0);
    let name = files.ids().next().map_or_else(String::new, |id| files.name(id).to_owned());
    let source = (length, Some(path.to_owned()));
    Ok(ReadSarif { name, log, files, diagnostics, hash, source })
}

impl ReadSarif {
    /// Whether it has errors, so that nothing of it may be ingested.
    pub fn has_errors(&self) -> bool {
        Summary::of(&self.diagnostics).errors > 0
    }
}

/// Reads and checks a SARIF log received whole (a request body), under `name`.
pub fn read_sarif_text(name: &str, text: String) -> ReadSarif {
    let mut files = Files::new();
    let mut hash = ContentHash::new();
    hash.update(text.as_bytes());
    let hash = hash.key();
    let source = (text.len() as u64, None);
    let id = files.add(name.to_owned(), text);
    let (log, diagnostics) = threatokr_core::evidence::sarif::parse_sarif_log(&files, id);
    let hash = Some(hash).filter(|_| Summary::of(&diagnostics).errors == 0);
    ReadSarif { name: name.to_owned(), log, files, diagnostics, hash, source }
}

/// The identity threatokr gave a file before issue 12: its length and the FNV-1a hash of its
/// bytes, read again (from its path, else from `files` where a file received whole is). A file's
/// identity now is its [`ContentHash::key`] (`LENGTH:HASH`, the same whether the file was
/// streamed or received whole), which `:` tells from this one's `LENGTH-FNV1A`.
fn older_file_identity(read: &ReadSarif) -> std::io::Result<String> {
    let mut hash = Fnv1a64::new();
    match &read.source.1 {
        Some(path) => {
            let mut file = std::fs::File::open(path)?;
            let mut buffer = vec![0; 1 << 16];
            loop {
                match file.read(&mut buffer)? {
                    0 => break,
                    read => hash.update(&buffer[..read]),
                }
            }
        }
        None => {
            for id in read.files.ids() {
                hash.update(read.files.text(id).as_bytes());
            }
        }
    }
    Ok(format!("{}-{:016x}", read.source.0, hash.finish()))
}

/// A reader that hashes and counts what passes through it: a file's identity for "already
/// ingested" is its length and a hash of its bytes (`None`: not hashed).
struct Hashing<R> {
    inner: R,
    length: u64,
    hash: Option<ContentHash>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        if let Some(hash) = &mut self.hash {
            hash.update(&buffer[..read]);
        }
        self.length += read as u64;
        Ok(read)
    }
}

/// Most lines an excerpt holds: the renderer shows a longer span by its first line.
const EXCERPT_LINES: usize = 3;

/// Gives each diagnostic label on `id` an excerpt of the lines it covers (at most
/// `EXCERPT_LINES`), read in one pass over the file.
fn add_excerpts(
    files: &mut Files,
    id: FileId,
    name: &str,
    path: &Path,
    diagnostics: &mut [Diagnostic],
) -> std::io::Result<()> {
    let mut wanted: Vec<Span> = diagnostics
        .iter()
        .flat_map(|d| d.primary.iter().chain(&d.secondary))
        .filter(|l| l.file == id)
        .map(|l| l.span)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut excerpts: BTreeMap<Span, FileId> = BTreeMap::new();
    // Open excerpts: (span, first byte, first line, lines so far, text).
    let mut open: Vec<(Span, usize, usize, usize, Vec<u8>)> = Vec::new();
    let mut next = wanted.iter().peekable();
    let mut input = std::io::BufReader::new(std::fs::File::open(path)?);
    let (mut offset, mut line_number, mut line) = (0usize, 1usize, Vec::new());
    loop {
        line.clear();
        let read = input.read_until(b'\n', &mut line)?;
        let end = offset + read;
        while let Some(span) = next.next_if(|s| (s.start as usize) < end || read == 0) {
            open.push((*span, offset, line_number, 0, Vec::new()));
        }
        for (span, start, first_line, lines, text) in &mut open {
            text.extend_from_slice(&line);
            *lines += 1;
            if *lines >= EXCERPT_LINES || end >= span.end as usize || read == 0 {
                let text = String::from_utf8_lossy(text).into_owned();
                excerpts.insert(*span, files.add_excerpt(name, text, *start, *first_line));
                *lines = usize::MAX;
            }
        }
        open.retain(|(_, _, _, lines, _)| *lines != usize::MAX);
        if read == 0 {
            break;
        }
        offset = end;
        line_number += 1;
    }
    for diagnostic in diagnostics {
        for label in diagnostic.primary.iter_mut().chain(&mut diagnostic.secondary) {
            if let Some(&excerpt) = excerpts.get(&label.span).filter(|_| label.file == id) {
                label.file = excerpt;
            }
        }
    }
    Ok(())
}

/// What one file's ingest did.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    /// The file's name.
    pub file: String,
    /// The app it went under.
    pub app: String,
    /// The environment.
    pub env: String,
    /// The scan's date.
    pub at: Date,
    /// Per tool, whether its run completed and what it changed; `None` when the file had been
    /// ingested before and was skipped.
    pub scans: Option<Vec<(String, ScanOutcome, IngestSummary)>>,
}

impl Ingested {
    /// Per tool, what the ingest changed, as the `ingested` list of `ingest --format json` and of
    /// the API's reply: empty when the file was skipped.
    pub fn scans_json(&self) -> Vec<serde_json::Value> {
        self.scans
            .iter()
            .flatten()
            .map(|(tool, outcome, s)| {
                serde_json::json!({"tool": tool, "complete": *outcome == ScanOutcome::Complete,
                    "new": s.new, "still_open": s.still_open, "fixed": s.fixed, "reopened": s.reopened})
            })
            .collect()
    }
}

/// Ingests files one at a time into a workspace's store, reading the apps once.
pub struct Ingester {
    session: Session,
    store: Store,
    apps: Vec<App>,
}

/// Whether to ingest what would be refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Checks {
    /// Refuse a date after tomorrow and a file that looks like another app's.
    #[default]
    Apply,
    /// Ingest it anyway.
    Skip,
}

impl Session {
    /// An ingester into this workspace's store (created on first use).
    pub fn ingester(&self) -> Result<Ingester> {
        let reader = self.reader()?;
        let mut files = Files::new();
        let path = self.root().join("threatokr.yaml");
        let apps = match reader.read(&mut files, &path, &mut Vec::new())? {
            Some(id) => lower_workspace_config(&files, id).0.apps,
            None => Vec::new(),
        };
        Ok(Ingester { session: self.clone(), store: open_store(self.root())?, apps })
    }
}

impl Ingester {
    /// The app and environment a file goes under, checked against the workspace, so findings
    /// are never filed under a typo.
    pub fn target(&mut self, file: &SarifFile) -> Result<(App, String)> {
        let (Some(app), Some(env)) = (&file.app, &file.env) else {
            return Err(Error::NoAppForFile { path: file.path.clone() });
        };
        let app = self.app(app)?;
        if !app.environments.is_empty() && !app.environments.iter().any(|e| e == env) {
            return Err(Error::UnknownEnvironment {
                app: app.id.to_string(),
                env: env.clone(),
                known: app.environments.clone(),
            });
        }
        Ok((app, env.clone()))
    }

    /// Ingests a file read without errors (its `hash` is set) in one transaction, dated `at`.
    pub fn ingest(
        &mut self,
        app: &App,
        env: &str,
        read: ReadSarif,
        at: Date,
        today: Date,
        checks: Checks,
    ) -> Result<Ingested> {
        let app_id = app.id.to_string();
        let already = self.is_ingested(&read, &app_id, env)?;
        let ReadSarif { name, log, hash, .. } = read;
        let hash = hash.unwrap_or_default();
        let mut ingested = Ingested {
            file: name.clone(),
            app: app_id.clone(),
            env: env.to_owned(),
            at,
            scans: None,
        };
        if already {
            return Ok(ingested);
        }
        if checks == Checks::Apply {
            check_not_in_future(at, today, "scan date", false)?;
            check_repository(app, &self.apps, &log, &name)?;
            check_fingerprints(&self.store, &app_id, &log, &name)?;
        }
        let scans = scans_by_tool(&app_id, env, at, log);
        let record =
            IngestedFile { hash, name: name.clone(), app: app_id, environment: env.to_owned(), at };
        let summaries = self
            .store
            .ingest_scans(&scans, Some(&record))
            .map_err(Error::store(format!("ingesting {name} (nothing of it was stored)")))?;
        let rows =
            scans.iter().zip(summaries).map(|(s, summary)| (s.tool.clone(), s.outcome, summary));
        ingested.scans = Some(rows.collect());
        // Freed while the caller closes the store and prints: the findings of a 50,000-result
        // log took a seventh of its stored ingest to free (issue 12).
        crate::parallel::free_elsewhere(scans);
        Ok(ingested)
    }

    /// Whether the file was ingested before for this app and environment: under its identity,
    /// or under the one threatokr gave files before issue 12, computed only when the store holds
    /// such an identity of a file of the same length.
    fn is_ingested(&self, read: &ReadSarif, app: &str, env: &str) -> Result<bool> {
        let hash = read.hash.as_deref().unwrap_or_default();
        if self.store.is_ingested(hash, app, env)? {
            return Ok(true);
        }
        let older_of_this_length = format!("{}-{}", read.source.0, "?".repeat(16));
        if !self.store.is_ingested_like(&older_of_this_length, app, env)? {
            return Ok(false);
        }
        let older =
            older_file_identity(read).map_err(Error::io(format!("reading {} again", read.name)))?;
        Ok(self.store.is_ingested(&older, app, env)?)
    }

    /// An app defined only by a model (no entry in threatokr.yaml) needs the whole workspace,
    /// read only then.
    fn app(&mut self, id: &str) -> Result<App> {
        if let Some(app) = self.apps.iter().find(|a| a.id.as_str() == id) {
            return Ok(app.clone());
        }
        let workspace = self.session.load()?.workspace;
        self.apps = workspace.config.apps;
        self.apps.iter().find(|a| a.id.as_str() == id).cloned().ok_or_else(|| Error::UnknownApp {
            id: id.to_owned(),
            known: self.apps.iter().map(|a| a.id.to_string()).collect(),
        })
    }
}

/// A file that names the repository it scanned must name one of the app's (when the app lists any).
fn check_repository(app: &App, apps: &[App], log: &SarifLog, name: &str) -> Result<()> {
    if app.repos.is_empty() || log.repositories.is_empty() {
        return Ok(());
    }
    let matches =
        |a: &App| log.repositories.iter().any(|r| a.repos.iter().any(|o| same_repository(r, o)));
    if matches(app) {
        return Ok(());
    }
    Err(Error::AnotherAppsRepository {
        file: name.to_owned(),
        scanned: log.repositories.clone(),
        owner: apps.iter().find(|a| matches(a)).map(|a| a.id.to_string()),
        app: app.id.to_string(),
        repos: app.repos.clone(),
    })
}

/// Whether two repository names (URLs, `git@host:owner/name`, or local paths) are the same
/// repository: the same name, and the same owner when both are remote.
fn same_repository(a: &str, b: &str) -> bool {
    let (a, remote_a) = repository_segments(a);
    let (b, remote_b) = repository_segments(b);
    let tail = |s: &[String], n: usize| s.iter().rev().take(n).cloned().collect::<Vec<_>>();
    let n = if remote_a && remote_b { 2 } else { 1 };
    !a.is_empty() && !b.is_empty() && tail(&a, n) == tail(&b, n)
}

/// Lowercase path segments of a repository name without scheme, credentials, host and `.git`;
/// and whether it was remote.
fn repository_segments(repository: &str) -> (Vec<String>, bool) {
    let text = repository.trim().to_lowercase();
    let (path, remote) = match text.split_once("://") {
        Some((_, rest)) => (rest.split_once('/').map_or("", |(_, path)| path).to_owned(), true),
        None => match text.split_once(':') {
            // `git@github.com:owner/name.git`
            Some((host, path)) if host.contains('@') || host.contains('.') => {
                (path.to_owned(), true)
            }
            _ => (text.clone(), false),
        },
    };
    let segments = path
        .split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != ".")
        .map(|s| s.strip_suffix(".git").unwrap_or(s).to_owned())
        .collect();
    (segments, remote)
}

/// A file most of whose findings the store already holds under one other app was most likely
/// filed under the wrong one.
fn check_fingerprints(store: &Store, app: &str, log: &SarifLog, name: &str) -> Result<()> {
    let mut by_tool: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for finding in &log.findings {
        by_tool.entry(&*finding.tool).or_default().push(finding.fingerprint.as_str());
    }
    for (tool, fingerprints) in by_tool {
        let elsewhere = store.fingerprints_elsewhere(tool, app, &fingerprints)?;
        if let Some((other, count)) = elsewhere.into_iter().max_by_key(|(_, count)| *count)
            && count * 2 >= fingerprints.len()
        {
            return Err(Error::AnotherAppsFindings {
                file: name.to_owned(),
                tool: tool.to_owned(),
                count,
                total: fingerprints.len(),
                owner: other,
                app: app.to_owned(),
            });
        }
    }
    Ok(())
}

/// One store scan per tool that ran: a tool that ran and found nothing still gets its (empty)
/// scan, so the findings it reported before are marked fixed, unless its run did not complete.
pub fn scans_by_tool(app: &str, env: &str, at: Date, log: SarifLog) -> Vec<ScanInput> {
    // Each tool's findings counted first, so that its list is made once at its size, and the
    // tool's name looked up rather than copied for each finding (issue 12: a twentieth of a
    // stored ingest of a 50,000-result log went to growing the list and copying names).
    let mut counts: BTreeMap<&str, usize> = log.tools.iter().map(|t| (t.as_str(), 0)).collect();
    for finding in &log.findings {
        *counts.entry(&*finding.tool).or_default() += 1;
    }
    let mut by_tool: BTreeMap<String, Vec<FindingInput>> = counts
        .into_iter()
        .map(|(tool, count)| (tool.to_owned(), Vec::with_capacity(count)))
        .collect();
    for finding in log.findings {
        // Every finding's tool was counted above.
        let Some(findings) = by_tool.get_mut(&*finding.tool) else { continue };
        findings.push(FindingInput {
            fingerprint: finding.fingerprint,
            rule_id: finding.rule_id,
            severity: finding.severity.as_str().into(),
            score: finding.score,
            cwes: finding.cwes,
            class: finding.class,
            file: finding.file,
            line: finding.line,
            message: finding.message,
        });
    }
    by_tool
        .into_iter()
        .map(|(tool, findings)| ScanInput {
            outcome: if log.incomplete.contains(&tool) {
                ScanOutcome::Incomplete
            } else {
                ScanOutcome::Complete
            },
            tool,
            app: app.to_owned(),
            environment: env.to_owned(),
            at,
            findings,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::ReadOptions;

    /// A SARIF log of `results` results, indented as CodeQL writes it, each with a code flow
    /// the reader skips.
    fn large_log(results: usize) -> String {
        let result = |i: usize| {
            format!(
                r#"
        {{
          "ruleId": "js/r{rule}",
          "level": "error",
          "message": {{ "text": "flow {i} reaches a sink" }},
          "locations": [ {{ "physicalLocation": {{ "artifactLocation": {{ "uri": "src/f{file}.js" }}, "region": {{ "startLine": {i} }} }} }} ],
          "partialFingerprints": {{ "primaryLocationLineHash": "{i:016x}:1" }},
          "codeFlows": [ {{ "threadFlows": [ {{ "locations": [
            {{ "location": {{ "message": {{ "text": "source \"{i}\"" }} }} }},
            {{ "location": {{ "message": {{ "text": "sink" }} }} }}
          ] }} ] }} ]
        }}"#,
                rule = i % 7,
                file = i % 50
            )
        };
        let results: Vec<String> = (1..=results).map(result).collect();
        format!(
            r#"{{ "version": "2.1.0", "runs": [ {{ "tool": {{ "driver": {{ "name": "CodeQL" }} }}, "results": [{}
      ] }} ] }}"#,
            results.join(",")
        )
    }

    /// A file large enough to be read ahead on a second thread gives what the same bytes give
    /// when read whole: the same findings, diagnostics and identity, also when it is broken
    /// near its end (the reading thread is then still ahead of the parser).
    #[test]
    fn a_large_file_read_ahead_reads_as_the_same_bytes_read_whole() {
        let folder =
            std::env::temp_dir().join(format!("threatokr-read-ahead-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let whole = large_log(3_000);
        let broken = format!("{}]", &whole[..whole.len() - 3 * 1024]);
        let unusual =
            format!("\u{feff}{}", whole.replace("\"level\": \"error\"", "\"level\": \"loud\""));
        for (name, text) in
            [("whole.sarif", &whole), ("broken.sarif", &broken), ("odd.sarif", &unusual)]
        {
            assert!(text.len() as u64 > READ_AHEAD_FROM, "{name} is read ahead");
            let path = folder.join(name);
            std::fs::write(&path, text).unwrap();
            let reader = Reader::anywhere(&folder, ReadOptions::default());
            let streamed = read_sarif(&reader, &path).unwrap();
            let in_memory = read_sarif_text(name, text.clone());
            assert_eq!(streamed.name, name);
            assert_eq!(streamed.log, in_memory.log, "{name}");
            assert_eq!(streamed.hash, in_memory.hash, "{name}");
            let positions = |read: &ReadSarif| -> Vec<(String, Option<Span>)> {
                let at = |d: &Diagnostic| d.primary.as_ref().map(|l| l.span);
                read.diagnostics.iter().map(|d| (d.message.clone(), at(d))).collect()
            };
            assert_eq!(positions(&streamed), positions(&in_memory), "{name}");
            let checked = check_sarif(&reader, &path).unwrap();
            assert_eq!(checked.log, in_memory.log, "{name}");
        }
        assert_eq!(read_sarif_text("w", whole).log.findings.len(), 3_000);
        assert!(read_sarif_text("b", broken).has_errors());
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn each_tool_that_ran_gets_one_scan_of_its_findings_in_their_order() {
        let text = r#"{"version": "2.1.0", "runs": [
            {"tool": {"driver": {"name": "B"}}, "results": [
                {"ruleId": "b1", "message": {"text": "first of B"}, "fingerprints": {"k": "1"}},
                {"ruleId": "b2", "message": {"text": "second of B"}, "fingerprints": {"k": "2"}}]},
            {"tool": {"driver": {"name": "A"}}, "results": [
                {"ruleId": "a1", "message": {"text": "only of A"}, "level": "note"}]},
            {"tool": {"driver": {"name": "Clean"}}, "results": []},
            {"tool": {"driver": {"name": "Failed"}}}]}"#;
        let mut files = Files::new();
        let file = files.add("x.sarif", text);
        let (log, _) = threatokr_core::evidence::sarif::parse_sarif_log(&files, file);
        let at = jiff::civil::date(2027, 1, 4);
        let scans = scans_by_tool("checkout", "prod", at, log);
        // Each scan's tool and outcome, and its findings' rule, severity and message.
        type Scan<'s> = (&'s str, ScanOutcome, Vec<(&'s str, &'s str, &'s str)>);
        let got: Vec<Scan<'_>> = scans
            .iter()
            .map(|scan| {
                let findings = scan
                    .findings
                    .iter()
                    .map(|f| (&*f.rule_id, f.severity.as_ref(), f.message.as_str()));
                (scan.tool.as_str(), scan.outcome, findings.collect())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("A", ScanOutcome::Complete, vec![("a1", "low", "only of A")]),
                (
                    "B",
                    ScanOutcome::Complete,
                    vec![("b1", "medium", "first of B"), ("b2", "medium", "second of B")]
                ),
                ("Clean", ScanOutcome::Complete, vec![]),
                ("Failed", ScanOutcome::Incomplete, vec![]),
            ]
        );
        assert!(scans.iter().all(|s| (s.app.as_str(), s.environment.as_str(), s.at) == ("checkout", "prod", at)));
        assert_eq!(scans[1].findings[0].fingerprint, "B:b1::k=1");
    }

    #[test]
    fn the_evidence_layout_gives_app_environment_and_date() {
        let layout = path_layout(Path::new("ws/evidence/sarif/checkout/prod/2027-01-10.sarif"));
        assert_eq!(layout, Some(("checkout".into(), "prod".into(), "2027-01-10".parse().unwrap())));
        assert!(path_layout(Path::new("evidence/sarif/checkout/prod/latest.sarif")).is_none());
        assert!(path_layout(Path::new("scans/checkout/prod/2027-01-10.sarif")).is_none());
    }

    #[test]
    fn repositories_match_by_owner_and_name_across_url_forms() {
        assert!(same_repository("https://github.com/Acme/Shop.git", "git@github.com:acme/shop"));
        assert!(same_repository(
            "https://github.com/acme/shop/",
            "https://gitlab.example/acme/shop"
        ));
        assert!(!same_repository("https://github.com/acme/shop", "https://github.com/other/shop"));
        assert!(!same_repository("https://github.com/acme/blog", "https://github.com/acme/shop"));
        // A local path names only the repository.
        assert!(same_repository("https://github.com/acme/checkout", "evidence/ci/checkout"));
        assert!(!same_repository("https://github.com/acme/storefront", "evidence/ci/checkout"));
    }
}
