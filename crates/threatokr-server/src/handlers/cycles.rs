//! Cycles: the page (closed cycles with frozen grades, lineage) and `GET /api/cycles`.

use super::{CycleQuery, api_snapshot, page_snapshot};
use crate::api::Json;
use crate::auth::Reader;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Query, State};
use maud::Markup;

pub(crate) async fn page(
    State(state): State<AppState>,
    Reader(identity): Reader,
    Query(query): Query<CycleQuery>,
) -> Result<Markup, AppError> {
    let (snapshot, context) = page_snapshot(&state, query.cycle, identity).await?;
    Ok(crate::templates::cycles_page(&snapshot, &context))
}

pub(crate) async fn list(State(state): State<AppState>, _reader: Reader) -> Result<Json, AppError> {
    let snapshot = api_snapshot(&state, None).await?;
    Ok(Json(crate::api::cycles_json(&snapshot)))
}
