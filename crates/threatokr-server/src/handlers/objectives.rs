//! Objectives: the page, the list and one objective in JSON.

use super::{CycleQuery, api_snapshot, page_snapshot};
use crate::api::JsonText;
use crate::auth::Reader;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use maud::Markup;

#[derive(Debug, serde::Deserialize)]
pub(crate) struct PageQuery {
    cycle: Option<String>,
    evidence: Option<usize>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Reader(identity): Reader,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Markup, AppError> {
    let (snapshot, context) = page_snapshot(&state, query.cycle, identity).await?;
    let objective = snapshot.objective(&id).ok_or_else(|| {
        AppError::not_found(format!("there is no objective `{id}` in this cycle")).page()
    })?;
    Ok(crate::templates::objective_page(
        &snapshot,
        objective,
        &context,
        query.evidence.unwrap_or(1),
    ))
}

/// `GET /api/objectives?cycle=`: the `status --format json` contract.
pub(crate) async fn list(
    State(state): State<AppState>,
    _reader: Reader,
    Query(query): Query<CycleQuery>,
) -> Result<JsonText, AppError> {
    let snapshot = api_snapshot(&state, query.cycle.as_deref()).await?;
    Ok(JsonText(snapshot.measurement.text()))
}

/// `GET /api/objectives/{id}`.
pub(crate) async fn one(
    State(state): State<AppState>,
    _reader: Reader,
    Path(id): Path<String>,
    Query(query): Query<CycleQuery>,
) -> Result<JsonText, AppError> {
    let snapshot = api_snapshot(&state, query.cycle.as_deref()).await?;
    let objective = snapshot.objective(&id).ok_or_else(|| {
        AppError::not_found(format!("there is no objective `{id}` in this cycle"))
    })?;
    Ok(crate::api::objective_json(&snapshot, objective))
}
