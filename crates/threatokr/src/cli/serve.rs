//! `threatokr serve`: the dashboard and JSON API over a workspace folder. The backend below
//! builds every snapshot with the same functions as `report` and `measure`, and writes through
//! the same functions as `checkin` and `ingest sarif`.

use super::Outcome;
use super::output::print;
use super::{open_session, today};
use anyhow::{Context, Result};
use jiff::civil::Date;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use threatokr_app::NoProgress;
use threatokr_app::ingest::{Checks, SarifFile, read_sarif_text};
use threatokr_app::store::open_store;
use threatokr_core::diag::Summary;
use threatokr_core::evidence::asvs::parse_asvs;
use threatokr_core::evidence::tests::parse_test_results;
use threatokr_core::evidence::training::{parse_completions, parse_roster};
use threatokr_core::evidence::workflow::scan_repository;
use threatokr_core::metrics::write_measurement_json_compact;
use threatokr_core::model::Workspace;
use threatokr_server::{
    AppState, Backend, BackendError, CheckinRequest, CycleInfo, EvidenceKind, IngestRequest,
    MeasurementText, ReadAccess, Settings, Snapshot,
};
use threatokr_store::{FindingFilter, FindingRow, Store};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The address to listen on; loopback unless told otherwise (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The largest request body accepted, in bytes (SARIF logs included).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    body_limit: usize,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let workspace = open_session(root)?.load()?.workspace;
    let settings = Settings {
        read_access: if workspace.config.settings.read_needs_token {
            ReadAccess::Token
        } else {
            ReadAccess::Open
        },
        body_limit: args.body_limit,
        ..Settings::default()
    };
    let access = open_store(root)?;
    let backend = Arc::new(FolderBackend {
        root: root.to_path_buf(),
        folder: FolderWatch::start(root.to_path_buf(), unread_folders(root, &workspace)),
    });
    let state = AppState::new(settings, backend, access);
    state.prepare().map_err(|e| anyhow::anyhow!("{e}"))?;
    let runtime = tokio::runtime::Runtime::new().context("starting the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        let local = listener.local_addr().context("reading the bound address")?;
        print(&format!(
            "threatokr serve: listening on http://{local}/ (workspace {})",
            root.display()
        ));
        if !local.ip().is_loopback() {
            print(
                "warning: the dashboard is reachable from other machines; put TLS in front of it",
            );
        }
        threatokr_server::serve(listener, state).await.context("serving")
    })?;
    Ok(Outcome::Ok)
}

/// The backend over a workspace folder.
struct FolderBackend {
    root: PathBuf,
    folder: Arc<FolderWatch>,
}

/// How often the workspace folder is walked for changes, at least.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(1);
/// The walk waits ten times as long as it took, so that it never takes more than a tenth of a
/// core from the pages (an enterprise workspace of 28,000 entries takes about 0.3 s a walk).
const RECHECK_PER_WALK: u32 = 10;

/// The workspace folder's fingerprint (names, sizes and modification times), walked every
/// [`RECHECK`] (or ten walks' time) by a thread of its own rather than by every request: an
/// enterprise workspace holds some 28,000 entries, and a walk per page made each page cost the
/// walk. An edit of a file shows within a second on a usual workspace, within a few at enterprise
/// scale; the store's changes and the server's own writes show at once.
struct FolderWatch {
    latest: std::sync::Mutex<Result<u64, String>>,
}

impl FolderWatch {
    /// Walks the folder (all but `skipped`) once now, then every [`RECHECK`] until the watch is
    /// dropped.
    fn start(root: PathBuf, skipped: Vec<PathBuf>) -> Arc<Self> {
        let watch = Arc::new(Self { latest: std::sync::Mutex::new(walk(&root, &skipped)) });
        let weak = Arc::downgrade(&watch);
        std::thread::spawn(move || {
            let mut pause = RECHECK;
            loop {
                std::thread::sleep(pause);
                let Some(watch) = weak.upgrade() else { break };
                let started = std::time::Instant::now();
                let walked = walk(&root, &skipped);
                pause = RECHECK.max(started.elapsed() * RECHECK_PER_WALK);
                *watch.latest.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = walked;
            }
        });
        watch
    }

    fn latest(&self) -> Result<u64, String> {
        self.latest.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// The folders the pages never read directly, left out of the walk: `.git`; the store, statted
/// on every request instead; and the SARIF evidence folder (`settings.evidence.sarif`, as the
/// workspace said when the server started), whose logs reach the pages only through the store
/// (`ingest`) and make up a third of an enterprise workspace's entries.
fn unread_folders(root: &Path, workspace: &Workspace) -> Vec<PathBuf> {
    let sarif = workspace.config.settings.evidence.sarif.trim_start_matches("./");
    vec![root.join(".git"), root.join(".threatokr"), root.join(sarif)]
}

fn walk(root: &Path, skipped: &[PathBuf]) -> Result<u64, String> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    fingerprint_folder(root, skipped, &mut hasher)
        .map_err(|e| format!("reading {}: {e}", root.display()))?;
    Ok(hasher.finish())
}

fn internal(error: anyhow::Error) -> BackendError {
    BackendError::Internal(format!("{error:#}"))
}

/// The application layer's errors: the user's mistakes are 4xx, the rest are logged as 500.
fn app_error(error: threatokr_app::Error) -> BackendError {
    if error.is_user_error() {
        BackendError::Invalid(error.to_string())
    } else {
        BackendError::Internal(format!("{:#}", anyhow::Error::from(error)))
    }
}

impl FolderBackend {
    /// The workspace, opened as the command line says (links, size limits).
    fn session(&self) -> Result<threatokr_app::Session, BackendError> {
        open_session(&self.root).map_err(internal)
    }

    /// The cycle shown by default: the one containing today that has OKRs, else the one whose
    /// newest measurement is the latest, else the last cycle with OKRs.
    fn default_cycle(&self, workspace: &Workspace, store: &Store) -> Result<Option<String>> {
        let day = today();
        let with_okrs: Vec<_> = workspace
            .config
            .cycles
            .iter()
            .filter(|c| workspace.okrs_for(&c.id).is_some())
            .collect();
        if let Some(cycle) = with_okrs
            .iter()
            .filter(|c| c.start <= day && day <= c.end)
            .min_by_key(|c| (c.end - c.start).get_days())
        {
            return Ok(Some(cycle.id.to_string()));
        }
        let mut newest: Option<(Date, String)> = None;
        for cycle in &with_okrs {
            if let Some(day) = newest_measurement(workspace, store, cycle.id.as_str())?
                && newest.as_ref().is_none_or(|(d, _)| day > *d)
            {
                newest = Some((day, cycle.id.to_string()));
            }
        }
        Ok(newest.map(|(_, id)| id).or_else(|| with_okrs.last().map(|c| c.id.to_string())))
    }
}

impl FolderBackend {
    /// `ingest sarif` for a log posted to the API: the same application layer, so the same
    /// checks (the app and environment exist, the date is not after tomorrow, the log is not
    /// another app's), one transaction, and a log already ingested is skipped.
    fn ingest_sarif(&self, request: &IngestRequest) -> Result<serde_json::Value, BackendError> {
        let (Some(app), Some(env)) = (&request.app, &request.env) else {
            return Err(BackendError::Invalid("a SARIF log needs `app` and `env`".into()));
        };
        let read = read_sarif_text("request body", request.body.clone());
        let rendered = refuse_errors(&read.files, &read.diagnostics)?;
        let mut ingester = self.session()?.ingester().map_err(app_error)?;
        let file = SarifFile {
            path: PathBuf::from("request body"),
            app: Some(app.clone()),
            env: Some(env.clone()),
            at: Some(request.scanned_at),
        };
        let (app, env) = ingester.target(&file).map_err(|e| match e {
            threatokr_app::Error::UnknownApp { .. } => BackendError::NotFound(e.to_string()),
            other => app_error(other),
        })?;
        let checks = if request.force { Checks::Skip } else { Checks::Apply };
        let ingested = ingester
            .ingest(&app, &env, read, request.scanned_at, today(), checks)
            .map_err(app_error)?;
        Ok(serde_json::json!({
            "app": ingested.app, "env": ingested.env, "at": ingested.at.to_string(),
            "skipped": ingested.scans.is_none(), "ingested": ingested.scans_json(), "diagnostics": rendered,
        }))
    }

    /// Checks an ASVS, training, test-result or CI file with the reader `measure` uses, then keeps
    /// it where `measure` reads it (replacing a file of the same name in one rename).
    fn keep_file(
        &self,
        kind: EvidenceKind,
        request: &IngestRequest,
    ) -> Result<serde_json::Value, BackendError> {
        let name = request.name.as_deref().unwrap_or("");
        let workspace = self.session()?.load().map_err(app_error)?.workspace;
        let folders = &workspace.config.settings.evidence;
        let (folder, extensions): (PathBuf, &[&str]) = match kind {
            EvidenceKind::Asvs => (PathBuf::from(&folders.asvs), &["yaml", "yml", "csv"]),
            EvidenceKind::Training => (PathBuf::from(&folders.training), &["csv"]),
            EvidenceKind::Tests => (PathBuf::from(&folders.tests), &["xml", "csv"]),
            EvidenceKind::Ci => {
                (self.ci_folder(&workspace, request.app.as_deref(), name)?, &["yml", "yaml"])
            }
            EvidenceKind::Sarif => return self.ingest_sarif(request),
        };
        check_file_name(name, extensions, kind == EvidenceKind::Ci)?;
        let shown = format!("{}/{name}", folder.to_string_lossy().trim_end_matches('/'));
        let mut files = threatokr_core::diag::Files::new();
        let id = files.add(shown.clone(), request.body.clone());
        let (records, diagnostics) = match kind {
            EvidenceKind::Asvs => {
                let (verification, d) = parse_asvs(&files, id);
                (verification.map_or(0, |v| v.requirements.len()), d)
            }
            EvidenceKind::Training if name.to_ascii_lowercase().contains("roster") => {
                let (entries, d) = parse_roster(&files, id);
                (entries.len(), d)
            }
            EvidenceKind::Training => {
                let (completions, d) = parse_completions(&files, id);
                (completions.len(), d)
            }
            EvidenceKind::Tests => {
                let (executions, d) = parse_test_results(&files, id);
                (executions.len(), d)
            }
            _ => {
                let (scan, d) = scan_repository(&files, &folder.to_string_lossy(), &[id]);
                (scan.tools.len(), d)
            }
        };
        let rendered = refuse_errors(&files, &diagnostics)?;
        let target = self.root.join(&folder);
        std::fs::create_dir_all(&target).map_err(|e| internal(e.into()))?;
        let temporary = target.join(format!(".{name}.partial"));
        std::fs::write(&temporary, &request.body).map_err(|e| internal(e.into()))?;
        std::fs::rename(&temporary, target.join(name)).map_err(|e| internal(e.into()))?;
        Ok(
            serde_json::json!({ "kind": kind.as_str(), "kept": shown, "records": records, "diagnostics": rendered }),
        )
    }

    /// Where a CI file goes: the app's first repository that is a folder of the workspace, under
    /// `.github/workflows/` (or at its root for `.gitlab-ci.yml`).
    fn ci_folder(
        &self,
        workspace: &Workspace,
        app: Option<&str>,
        name: &str,
    ) -> Result<PathBuf, BackendError> {
        let app = app.ok_or_else(|| BackendError::Invalid("a CI file needs `app`".into()))?;
        let found = workspace.config.app(app).ok_or_else(|| {
            let known: Vec<String> =
                workspace.config.apps.iter().map(|a| a.id.to_string()).collect();
            BackendError::NotFound(format!(
                "there is no app `{app}` in threatokr.yaml{}",
                threatokr_app::did_you_mean_suffix(app, &known)
            ))
        })?;
        let repo = found
            .repos
            .iter()
            .find(|r| !r.contains("://") && !r.split('/').any(|part| part == ".."))
            .ok_or_else(|| {
                BackendError::Invalid(format!(
                    "the app `{app}` has no repository folder in the workspace"
                ))
            })?;
        let repo = PathBuf::from(repo.trim_start_matches("./"));
        Ok(if name == ".gitlab-ci.yml" { repo } else { repo.join(".github/workflows") })
    }
}

/// Refuses input with errors (nothing is kept: an ingest lands whole or not at all) and renders
/// the other diagnostics for the reply.
fn refuse_errors(
    files: &threatokr_core::diag::Files,
    diagnostics: &[threatokr_core::diag::Diagnostic],
) -> Result<Vec<serde_json::Value>, BackendError> {
    let rendered: Vec<serde_json::Value> =
        diagnostics.iter().map(|d| threatokr_core::diag::diagnostic_json(files, d)).collect();
    if Summary::of(diagnostics).errors > 0 {
        return Err(BackendError::Invalid(format!(
            "nothing was kept: the file has errors: {}",
            serde_json::Value::from(rendered)
        )));
    }
    Ok(rendered)
}

/// A plain file name with one of the extensions: no folders, no hidden files (but
/// `.gitlab-ci.yml` for CI), at most 100 characters.
fn check_file_name(name: &str, extensions: &[&str], ci: bool) -> Result<(), BackendError> {
    let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    let hidden = name.starts_with('.') && !(ci && name == ".gitlab-ci.yml");
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if !plain
        || hidden
        || name.len() > 100
        || !extension.is_some_and(|e| extensions.contains(&e.as_str()))
    {
        return Err(BackendError::Invalid(format!(
            "`{name}` is not a plain file name ending in .{}",
            extensions.join(", .")
        )));
    }
    Ok(())
}

/// The newest day a key result of the cycle was measured.
fn newest_measurement(workspace: &Workspace, store: &Store, cycle: &str) -> Result<Option<Date>> {
    let Some(okrs) = workspace.config.cycle(cycle).and_then(|c| workspace.okrs_for(&c.id)) else {
        return Ok(None);
    };
    let mut newest = None;
    for kr in &okrs.key_results {
        for (day, _) in store.measurement_values(kr.id.as_str(), cycle)? {
            newest = newest.max(Some(day));
        }
    }
    Ok(newest)
}

impl Backend for FolderBackend {
    fn fingerprint(&self) -> Result<u64, BackendError> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        today().hash(&mut hasher);
        self.folder.latest().map_err(BackendError::Internal)?.hash(&mut hasher);
        // The store is checked on every request: what another process records (an ingest in
        // CI, a check-in from the command line) shows at once. Its database and write-ahead log
        // change only with writes; the shared-memory index (`-shm`) changes with every read,
        // the snapshot's own included, so it is left out.
        for name in ["store.sqlite", "store.sqlite-wal"] {
            let path = self.root.join(".threatokr").join(name);
            if let Ok(metadata) = std::fs::metadata(&path) {
                metadata.len().hash(&mut hasher);
                metadata.modified().ok().hash(&mut hasher);
            }
        }
        Ok(hasher.finish())
    }

    fn snapshot(&self, cycle: Option<&str>) -> Result<Snapshot, BackendError> {
        let session = self.session()?;
        let workspace = session.load().map_err(app_error)?.workspace;
        let store = open_store(&self.root).map_err(app_error)?;
        let cycle = match cycle {
            Some(id) => {
                if workspace.config.cycle(id).is_none_or(|c| workspace.okrs_for(&c.id).is_none()) {
                    let known: Vec<String> =
                        workspace.okrs.iter().map(|set| set.cycle.to_string()).collect();
                    return Err(BackendError::NotFound(format!(
                        "there is no cycle `{id}` with OKRs{}",
                        threatokr_app::did_you_mean_suffix(id, &known)
                    )));
                }
                id.to_owned()
            }
            None => self.default_cycle(&workspace, &store).map_err(internal)?.ok_or_else(|| {
                BackendError::NotFound("no cycle of threatokr.yaml has OKRs".into())
            })?,
        };
        let bounds = workspace.config.cycle(&cycle).map(|c| (c.start, c.end));
        let newest = newest_measurement(&workspace, &store, &cycle).map_err(internal)?;
        let as_of =
            bounds.map(|(start, end)| today().max(newest.unwrap_or(start)).clamp(start, end));
        let measured =
            session.measure(Some(&cycle), as_of, today(), &mut NoProgress).map_err(app_error)?;
        let report = threatokr_app::report::report_model(&measured).map_err(app_error)?;
        let mut json = Vec::new();
        write_measurement_json_compact(&mut json, &measured.measurement)
            .map_err(|e| internal(e.into()))?;
        let measurement = MeasurementText::new(&json).map_err(|e| internal(e.into()))?;
        drop(json);
        let mut checkins = std::collections::BTreeMap::new();
        if let Some(okrs) =
            measured.workspace.config.cycle(&cycle).and_then(|c| measured.workspace.okrs_for(&c.id))
        {
            for kr in &okrs.key_results {
                let rows = measured.store.checkins(kr.id.as_str())?;
                if !rows.is_empty() {
                    checkins.insert(kr.id.to_string(), rows);
                }
            }
        }
        let mut cycles = Vec::new();
        for c in &measured.workspace.config.cycles {
            cycles.push(CycleInfo {
                id: c.id.to_string(),
                start: c.start,
                end: c.end,
                within: c.within.as_ref().map(|w| w.to_string()),
                has_okrs: measured.workspace.okrs_for(&c.id).is_some(),
                closed: !measured.store.grades(c.id.as_str())?.is_empty(),
            });
        }
        let model_files = measured
            .workspace
            .models
            .iter()
            .map(|m| measured.files.name(m.origin.file).to_owned())
            .collect();
        let analysis = threatokr_core::analysis::analyze(&measured.workspace);
        // The evidence as `measure` read it, for the app pages' CI and ASVS coverage.
        let (ci, asvs) = match measured.workspace.config.cycle(&cycle) {
            Some(bounds) => {
                let mut files = threatokr_core::diag::Files::new();
                let mut ignored = Vec::new();
                let evidence = threatokr_app::measure::read_evidence(
                    &session.reader().map_err(app_error)?,
                    &measured.workspace,
                    bounds,
                    &measured.store,
                    &mut files,
                    &mut ignored,
                    &mut NoProgress,
                )
                .map_err(app_error)?;
                (evidence.ci, evidence.asvs)
            }
            None => (Vec::new(), Vec::new()),
        };
        Ok(Snapshot {
            ci,
            asvs,
            report,
            workspace: measured.workspace,
            analysis,
            cycles,
            measurement,
            checkins,
            model_files,
        })
    }

    fn app_findings(&self, app: &str) -> Result<Vec<FindingRow>, BackendError> {
        let store = threatokr_app::store::open_existing_store(&self.root).map_err(app_error)?;
        let filter = FindingFilter { app: Some(app.to_owned()), ..FindingFilter::default() };
        store.findings(&filter).map_err(|e| internal(e.into()))
    }

    fn checkin(&self, request: &CheckinRequest) -> Result<serde_json::Value, BackendError> {
        // The same rules as `checkin`: the key result exists and is measured by check-ins.
        let checkin = request.to_checkin();
        let row = self
            .session()?
            .checkin(&threatokr_app::checkin::CheckinRequest {
                kr_id: checkin.kr_id,
                value: checkin.value,
                confidence: checkin.confidence,
                note: checkin.note,
                author: checkin.author,
                at: checkin.effective,
                source: checkin.source,
                recorded_at: Some(request.recorded_at),
            })
            .map_err(app_error)?;
        Ok(serde_json::json!({
            "kr": request.kr_id, "value": request.value, "confidence": request.confidence,
            "note": request.note, "author": request.author, "effective": request.effective.to_string(),
            "recorded_at": request.recorded_at.to_string(), "order": row.order,
        }))
    }

    fn ingest(&self, request: &IngestRequest) -> Result<serde_json::Value, BackendError> {
        match request.kind {
            EvidenceKind::Sarif => self.ingest_sarif(request),
            kind => self.keep_file(kind, request),
        }
    }

    fn now(&self) -> jiff::Timestamp {
        #[allow(
            clippy::disallowed_methods,
            reason = "the server's clock for sessions and check-in times"
        )]
        jiff::Timestamp::now()
    }
}

/// Hashes the name, size and modification time of every file under `dir` but those under
/// `skipped`: any edit or `git pull` changes it.
fn fingerprint_folder(
    dir: &Path,
    skipped: &[PathBuf],
    hasher: &mut impl Hasher,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if skipped.contains(&entry.path()) {
            continue;
        }
        let metadata = entry.metadata()?;
        entry.file_name().hash(hasher);
        if metadata.is_dir() {
            fingerprint_folder(&entry.path(), skipped, hasher)?;
        } else {
            metadata.len().hash(hasher);
            if let Ok(modified) = metadata.modified() {
                modified.hash(hasher);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{FolderBackend, FolderWatch};
    use threatokr_server::{AppState, Backend, Settings};

    /// Building a snapshot reads the store; the `-shm` file SQLite touches on every read once
    /// made each request change the fingerprint, so every page rebuilt the whole snapshot.
    #[test]
    fn building_a_snapshot_does_not_change_the_fingerprint() {
        let root =
            std::env::temp_dir().join(format!("threatokr-fingerprint-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (path, text) in super::super::example::FILES {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("a folder");
            std::fs::write(path, text).expect("an example file");
        }
        drop(threatokr_app::store::open_store(&root).expect("the store"));
        // As `serve` does: the access store stays open, the first snapshot is built at start.
        let access = threatokr_app::store::open_store(&root).expect("the store");
        let backend = std::sync::Arc::new(FolderBackend {
            root: root.clone(),
            folder: FolderWatch::start(
                root.clone(),
                super::unread_folders(&root, &Default::default()),
            ),
        });
        let state = AppState::new(Settings::default(), backend.clone(), access);
        state.prepare().expect("the first snapshot");
        let before = backend.fingerprint().expect("a fingerprint");
        for _ in 0..3 {
            backend.snapshot(None).expect("another snapshot");
            assert_eq!(backend.fingerprint().expect("a fingerprint"), before);
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}
