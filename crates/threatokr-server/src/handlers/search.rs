//! `GET /search?q=`.

use super::page_snapshot;
use crate::auth::Reader;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Query, State};
use maud::Markup;

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
    cycle: Option<String>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Reader(identity): Reader,
    Query(query): Query<SearchQuery>,
) -> Result<Markup, AppError> {
    let (snapshot, context) = page_snapshot(&state, query.cycle, identity).await?;
    Ok(crate::templates::search_page(&snapshot, &query.q, &context))
}
