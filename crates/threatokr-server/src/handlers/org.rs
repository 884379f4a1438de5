//! Team and person pages.

use super::{CycleQuery, page_snapshot};
use crate::auth::Reader;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use maud::Markup;

pub(crate) async fn team(
    State(state): State<AppState>,
    Reader(identity): Reader,
    Path(id): Path<String>,
    Query(query): Query<CycleQuery>,
) -> Result<Markup, AppError> {
    let (snapshot, context) = page_snapshot(&state, query.cycle, identity).await?;
    let team = snapshot.workspace.config.org.teams.iter().find(|t| t.id.as_str() == id);
    let team =
        team.ok_or_else(|| AppError::not_found(format!("there is no team `{id}`")).page())?;
    Ok(crate::templates::team_page(&snapshot, team, &context))
}

pub(crate) async fn person(
    State(state): State<AppState>,
    Reader(identity): Reader,
    Path(id): Path<String>,
    Query(query): Query<CycleQuery>,
) -> Result<Markup, AppError> {
    let (snapshot, context) = page_snapshot(&state, query.cycle, identity).await?;
    let person = snapshot.workspace.config.org.people.iter().find(|p| p.id.as_str() == id);
    let person =
        person.ok_or_else(|| AppError::not_found(format!("there is no person `{id}`")).page())?;
    Ok(crate::templates::person_page(&snapshot, person, &context))
}
