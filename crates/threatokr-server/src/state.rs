//! The server's state: settings, the backend that reads and writes the workspace, the store of
//! tokens and sessions, and a cache of snapshots keyed by what they were built from.

use crate::error::BackendError;
use crate::snapshot::Snapshot;
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use threatokr_store::Store;

/// Whether reading needs a token (a workspace setting); writing always does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAccess {
    /// Anyone who reaches the server may read.
    Open,
    /// Reading needs a viewer token (or a session opened with one).
    Token,
}

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whether reading needs a token.
    pub read_access: ReadAccess,
    /// The largest request body accepted, in bytes (413 beyond).
    pub body_limit: usize,
    /// How long a request may take, reading its body included (408 beyond).
    pub request_timeout: std::time::Duration,
    /// How long a request's headers may take to arrive (the connection is closed beyond).
    pub header_timeout: std::time::Duration,
    /// How long a browser session lasts.
    pub session_lifetime: jiff::SignedDuration,
}

impl Default for Settings {
    /// Open reading, 10 MiB bodies, 30 s per request, 10 s for headers, 12 h sessions.
    fn default() -> Self {
        Self {
            read_access: ReadAccess::Open,
            body_limit: 10 * 1024 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            header_timeout: std::time::Duration::from_secs(10),
            session_lifetime: jiff::SignedDuration::from_hours(12),
        }
    }
}

/// A check-in to record.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckinRequest {
    /// The key result.
    pub kr_id: String,
    /// The value reached.
    pub value: f64,
    /// Confidence 0–10.
    pub confidence: Option<u8>,
    /// A note.
    pub note: Option<String>,
    /// The token's name.
    pub author: String,
    /// The day the value holds for.
    pub effective: Date,
    /// When it was recorded.
    pub recorded_at: jiff::Timestamp,
}

impl CheckinRequest {
    /// The store's check-in: from the API, by the token's name.
    pub fn to_checkin(&self) -> threatokr_store::Checkin {
        threatokr_store::Checkin {
            kr_id: self.kr_id.clone(),
            value: self.value,
            confidence: self.confidence,
            note: self.note.clone(),
            author: Some(self.author.clone()),
            source: threatokr_store::CheckinSource::Api,
            effective: self.effective,
        }
    }
}

/// The kinds of evidence the API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A SARIF 2.1.0 log of a scanner's findings, ingested into the store.
    Sarif,
    /// An ASVS verification (YAML or CSV), kept in the ASVS evidence folder.
    Asvs,
    /// A training roster or completion export (CSV), kept in the training evidence folder.
    Training,
    /// Threat-scenario test results (JUnit XML or CSV), kept in the tests evidence folder.
    Tests,
    /// A CI pipeline file (GitHub Actions workflow or `.gitlab-ci.yml`), kept in the app's repository folder.
    Ci,
}

impl EvidenceKind {
    /// The name in the route (`/api/evidence/{name}`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sarif => "sarif",
            Self::Asvs => "asvs",
            Self::Training => "training",
            Self::Tests => "tests",
            Self::Ci => "ci",
        }
    }
}

/// Evidence posted to the API.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestRequest {
    /// What it is.
    pub kind: EvidenceKind,
    /// The app it is about (required for SARIF and CI).
    pub app: Option<String>,
    /// The environment scanned (required for SARIF).
    pub env: Option<String>,
    /// The scan's day (SARIF).
    pub scanned_at: Date,
    /// The file name to keep it under (required for the file kinds).
    pub name: Option<String>,
    /// The body as text.
    pub body: String,
    /// Ingest a SARIF log that `ingest` would refuse without `--force` (a date after tomorrow,
    /// another app's repository or findings).
    pub force: bool,
}

/// What the server needs from the application layer: cheap change detection, snapshots, and
/// the two writes. The binary implements it over the same functions as its commands.
pub trait Backend: Send + Sync + 'static {
    /// A number that changes whenever anything a snapshot reads changes (workspace files, the
    /// store, the day); comparing it is how edits show up without a restart.
    fn fingerprint(&self) -> Result<u64, BackendError>;
    /// Everything the pages show for a cycle (`None`: the current one).
    fn snapshot(&self, cycle: Option<&str>) -> Result<Snapshot, BackendError>;
    /// The findings the store holds for one app, read when its page is asked for: a snapshot
    /// holding every finding of an enterprise (a million rows) took gigabytes.
    fn app_findings(&self, app: &str) -> Result<Vec<threatokr_store::FindingRow>, BackendError>;
    /// Records a check-in.
    fn checkin(&self, request: &CheckinRequest) -> Result<serde_json::Value, BackendError>;
    /// Ingests evidence with the same rules as the matching `ingest` command; returns its
    /// `--format json` summary.
    fn ingest(&self, request: &IngestRequest) -> Result<serde_json::Value, BackendError>;
    /// Today, as the server's clock says.
    fn now(&self) -> jiff::Timestamp;
}

/// Snapshots by the cycle asked for, each with the fingerprint it was built from.
type SnapshotCache = HashMap<Option<String>, (u64, Arc<Snapshot>)>;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) settings: Arc<Settings>,
    pub(crate) backend: Arc<dyn Backend>,
    /// Tokens and sessions; one connection behind a lock, used from blocking threads only.
    pub(crate) access: Arc<Mutex<Store>>,
    cache: Arc<Mutex<SnapshotCache>>,
    /// Bumped by every write this server makes, so a write is seen on the next read even when
    /// the file system's clock is coarse.
    generation: Arc<AtomicU64>,
}

impl AppState {
    /// A state over a backend and the store that keeps tokens and sessions.
    pub fn new(settings: Settings, backend: Arc<dyn Backend>, access: Store) -> Self {
        Self {
            settings: Arc::new(settings),
            backend,
            access: Arc::new(Mutex::new(access)),
            cache: Arc::default(),
            generation: Arc::default(),
        }
    }

    /// The snapshot of a cycle, rebuilt only when the backend's fingerprint or this server's
    /// writes changed since it was built.
    pub(crate) async fn snapshot(
        &self,
        cycle: Option<&str>,
    ) -> Result<Arc<Snapshot>, BackendError> {
        let state = self.clone();
        let cycle = cycle.map(str::to_owned);
        blocking(move || state.cached_snapshot(cycle)).await
    }

    /// Builds the current cycle's snapshot into the cache before the server listens: a broken
    /// workspace fails at start, loudly, and the first request does not wait for it.
    pub fn prepare(&self) -> Result<(), BackendError> {
        self.cached_snapshot(None).map(drop)
    }

    fn cached_snapshot(&self, cycle: Option<String>) -> Result<Arc<Snapshot>, BackendError> {
        let key = self
            .backend
            .fingerprint()?
            .wrapping_add(self.generation.load(Ordering::SeqCst).wrapping_mul(0x9E37_79B9));
        if let Some((built_from, snapshot)) = self.lock_cache().get(&cycle)
            && *built_from == key
        {
            return Ok(Arc::clone(snapshot));
        }
        let snapshot = Arc::new(self.backend.snapshot(cycle.as_deref())?);
        self.lock_cache().insert(cycle, (key, Arc::clone(&snapshot)));
        Ok(snapshot)
    }

    /// One app's findings, from the backend on a blocking thread.
    pub(crate) async fn app_findings(
        &self,
        app: &str,
    ) -> Result<Vec<threatokr_store::FindingRow>, BackendError> {
        let backend = Arc::clone(&self.backend);
        let app = app.to_owned();
        blocking(move || backend.app_findings(&app)).await
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, SnapshotCache> {
        // A panic while holding the lock leaves a cache that is still a valid cache.
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that this server wrote something.
    pub(crate) fn wrote(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Runs `work` on the access store from a blocking thread.
    pub(crate) async fn with_access<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, BackendError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let access = Arc::clone(&self.access);
        blocking(move || {
            let mut store = access.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            work(&mut store)
        })
        .await
    }
}

/// The one way handlers run blocking work (SQLite, reading files) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BackendError> + Send + 'static,
) -> Result<T, BackendError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BackendError::Internal(format!("a blocking task failed: {e}")))?
}
