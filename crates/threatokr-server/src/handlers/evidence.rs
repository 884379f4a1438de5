//! `POST /api/evidence/sarif?app=&env=&scanned_at=`: a SARIF log in the body, read with exactly
//! the rules of `ingest sarif`.

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
    let body = String::from_utf8(body.to_vec()).map_err(|e| {
        AppError::bad_request(format!(
            "the body is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let request = IngestRequest { kind: EvidenceKind::Sarif, app, env, scanned_at, body };
    let backend = state.backend.clone();
    let reply = blocking(move || backend.ingest(&request)).await?;
    state.wrote();
    Ok((StatusCode::CREATED, Json(reply)).into_response())
}
