//! Evidence from pipelines: `POST /api/evidence/sarif?app=&env=&scanned_at=[&force=true]` (a SARIF
//! log, read and ingested by the same application layer as `ingest sarif`), and ASVS, training, test-result and CI files
//! (`POST /api/evidence/{asvs,training,tests,ci}?name=[&app=]`), checked by the same readers as
//! `measure` and kept where `measure` reads them.

use crate::api::Json;
use crate::auth::Editor;
use crate::error::AppError;
use crate::state::{AppState, EvidenceKind, IngestRequest, blocking};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, serde::Deserialize)]
pub(crate) struct ScanQuery {
    app: Option<String>,
    env: Option<String>,
    scanned_at: Option<String>,
    /// Ingest what `ingest --force` would: a date after tomorrow, a log that looks like
    /// another app's.
    #[serde(default)]
    force: bool,
}

pub(crate) async fn sarif(
    State(state): State<AppState>,
    _editor: Editor,
    Query(query): Query<ScanQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    let (Some(app), Some(env)) =
        (query.app.filter(|a| !a.is_empty()), query.env.filter(|e| !e.is_empty()))
    else {
        return Err(AppError::bad_request("`app` and `env` are required query parameters"));
    };
    let scanned_at = match query.scanned_at.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => text.parse().map_err(|_| {
            AppError::bad_request(format!("`scanned_at` must be a date (YYYY-MM-DD), not `{text}`"))
        })?,
        None => state.backend.now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
    };
    let body = text(&body)?;
    let request = IngestRequest {
        kind: EvidenceKind::Sarif,
        app: Some(app),
        env: Some(env),
        scanned_at,
        name: None,
        body,
        force: query.force,
    };
    ingest(&state, request).await
}

async fn ingest(state: &AppState, request: IngestRequest) -> Result<Response, AppError> {
    let backend = state.backend.clone();
    let reply = blocking(move || backend.ingest(&request)).await?;
    state.wrote();
    Ok((StatusCode::CREATED, Json(reply)).into_response())
}

fn text(body: &Bytes) -> Result<String, AppError> {
    String::from_utf8(body.to_vec()).map_err(|e| {
        AppError::bad_request(format!(
            "the body is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The query of the file kinds.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct FileQuery {
    name: Option<String>,
    app: Option<String>,
}

async fn file(
    state: &AppState,
    kind: EvidenceKind,
    query: FileQuery,
    body: &Bytes,
) -> Result<Response, AppError> {
    let Some(name) = query.name.filter(|n| !n.is_empty()) else {
        return Err(AppError::bad_request(
            "`name` (the file name to keep it under) is a required query parameter",
        ));
    };
    let scanned_at = state.backend.now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let request = IngestRequest {
        kind,
        app: query.app.filter(|a| !a.is_empty()),
        env: None,
        scanned_at,
        name: Some(name),
        body: text(body)?,
        force: false,
    };
    ingest(state, request).await
}

pub(crate) async fn asvs(
    State(state): State<AppState>,
    _editor: Editor,
    Query(query): Query<FileQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    file(&state, EvidenceKind::Asvs, query, &body).await
}

pub(crate) async fn training(
    State(state): State<AppState>,
    _editor: Editor,
    Query(query): Query<FileQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    file(&state, EvidenceKind::Training, query, &body).await
}

pub(crate) async fn tests(
    State(state): State<AppState>,
    _editor: Editor,
    Query(query): Query<FileQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    file(&state, EvidenceKind::Tests, query, &body).await
}

pub(crate) async fn ci(
    State(state): State<AppState>,
    _editor: Editor,
    Query(query): Query<FileQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    file(&state, EvidenceKind::Ci, query, &body).await
}
