//! Apps and threats: pages and JSON.

use super::{CycleQuery, api_snapshot, page_snapshot};
use crate::api::Json;
use crate::auth::Reader;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use maud::Markup;

pub(crate) async fn page(
    State(state): State<AppState>,
    Reader(identity): Reader,
    Path(id): Path<String>,
    Query(query): Query<CycleQuery>,
) -> Result<Markup, AppError> {
    let (snapshot, context) = page_snapshot(&state, query.cycle, identity).await?;
    let app = snapshot.workspace.config.app(&id);
    let app = app.ok_or_else(|| AppError::not_found(format!("there is no app `{id}`")).page())?;
    let findings = state.app_findings(app.id.as_str()).await?;
    Ok(crate::templates::app_page(&snapshot, app, &findings, &context))
}

pub(crate) async fn threat_page(
    State(state): State<AppState>,
    Reader(identity): Reader,
    Path(id): Path<String>,
    Query(query): Query<CycleQuery>,
) -> Result<Markup, AppError> {
    let (snapshot, context) = page_snapshot(&state, query.cycle, identity).await?;
    if !snapshot.analysis.threats.iter().any(|t| t.id.as_str() == id) {
        return Err(AppError::not_found(format!("there is no threat `{id}`")).page());
    }
    Ok(crate::templates::threat_page(&snapshot, &id, &context))
}

/// `GET /api/apps/{id}`.
pub(crate) async fn one(
    State(state): State<AppState>,
    _reader: Reader,
    Path(id): Path<String>,
    Query(query): Query<CycleQuery>,
) -> Result<Json, AppError> {
    let snapshot = api_snapshot(&state, query.cycle.as_deref()).await?;
    let app = snapshot
        .workspace
        .config
        .app(&id)
        .ok_or_else(|| AppError::not_found(format!("there is no app `{id}`")))?;
    let findings = state.app_findings(app.id.as_str()).await?;
    Ok(Json(crate::api::app_json(&snapshot, app, &findings)))
}

/// The filters of `GET /api/threats`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct ThreatQuery {
    cycle: Option<String>,
    app: Option<String>,
    status: Option<String>,
    theme: Option<String>,
}

/// `GET /api/threats?app=&status=&theme=`.
pub(crate) async fn threats(
    State(state): State<AppState>,
    _reader: Reader,
    Query(query): Query<ThreatQuery>,
) -> Result<Json, AppError> {
    let snapshot = api_snapshot(&state, query.cycle.as_deref()).await?;
    let keep = |wanted: &Option<String>, value: &str| {
        wanted.as_deref().is_none_or(|w| w.is_empty() || w == value)
    };
    let rows: Vec<_> = snapshot
        .analysis
        .threats
        .iter()
        .filter(|t| {
            keep(&query.app, t.app.as_str())
                && keep(&query.status, t.status.as_str())
                && keep(&query.theme, t.theme.as_str())
        })
        .map(|t| crate::api::threat_json(&snapshot, t))
        .collect();
    Ok(Json(serde_json::json!({ "threats": rows })))
}
