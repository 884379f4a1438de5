//! `GET /`: the home page.

use super::{CycleQuery, page_snapshot};
use crate::auth::Reader;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Query, State};
use maud::Markup;

pub(crate) async fn home(
    State(state): State<AppState>,
    Reader(identity): Reader,
    Query(query): Query<CycleQuery>,
) -> Result<Markup, AppError> {
    let (snapshot, context) = page_snapshot(&state, query.cycle, identity).await?;
    Ok(crate::templates::home_page(&snapshot, &context))
}
