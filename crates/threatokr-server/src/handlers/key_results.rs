//! Key results: history in JSON, and check-ins from the API and from the page's form.

use super::{CycleQuery, api_snapshot};
use crate::api::Json;
use crate::auth::{Editor, Reader};
use crate::error::AppError;
use crate::state::{AppState, blocking};
use crate::templates::url_encode;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// `GET /api/key-results/{id}/history`.
pub(crate) async fn history(
    State(state): State<AppState>,
    _reader: Reader,
    Path(id): Path<String>,
    Query(query): Query<CycleQuery>,
) -> Result<Json, AppError> {
    let snapshot = api_snapshot(&state, query.cycle.as_deref()).await?;
    let (kr, _) = snapshot.key_result(&id).ok_or_else(|| {
        AppError::not_found(format!("there is no key result `{id}` in this cycle"))
    })?;
    Ok(Json(crate::api::history_json(&snapshot, kr)))
}

/// Records a check-in for the caller on the snapshot's day, then returns the key result as the
/// next read sees it: its objectives' roll-up changes at once.
async fn record(
    state: &AppState,
    editor: &Editor,
    cycle: Option<&str>,
    kr_id: &str,
    body: crate::api::CheckinBody,
) -> Result<serde_json::Value, AppError> {
    let snapshot = api_snapshot(state, cycle).await?;
    if snapshot.key_result(kr_id).is_none() {
        return Err(AppError::not_found(format!("there is no key result `{kr_id}` in this cycle")));
    }
    let request = body.into_request(kr_id, &editor.0.token.name, &snapshot, state.backend.now())?;
    let backend = state.backend.clone();
    let recorded = blocking(move || backend.checkin(&request)).await?;
    state.wrote();
    let after = api_snapshot(state, cycle).await?;
    let key_result = after.key_result(kr_id).map(|(kr, _)| crate::api::history_json(&after, kr));
    Ok(serde_json::json!({ "checkin": recorded, "key_result": key_result }))
}

/// `POST /api/key-results/{id}/checkins` with a JSON body.
pub(crate) async fn checkin_api(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<String>,
    Query(query): Query<CycleQuery>,
    crate::api::JsonBody(body): crate::api::JsonBody<crate::api::CheckinBody>,
) -> Result<Response, AppError> {
    let reply = record(&state, &editor, query.cycle.as_deref(), &id, body).await?;
    Ok((StatusCode::CREATED, Json(reply)).into_response())
}

/// The check-in form's fields (numbers arrive as text; an empty confidence means none).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CheckinForm {
    csrf: String,
    value: String,
    #[serde(default)]
    confidence: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    cycle: Option<String>,
}

/// `POST /key-results/{id}/checkins` from the page: back to the objective, at the key result.
pub(crate) async fn checkin_form(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CheckinForm>,
) -> Result<Response, AppError> {
    editor.check_csrf(&form.csrf)?;
    let body = crate::api::CheckinBody::from_form(&form.value, &form.confidence, &form.note)
        .map_err(AppError::page)?;
    let cycle = form.cycle.filter(|c| !c.is_empty());
    record(&state, &editor, cycle.as_deref(), &id, body).await.map_err(AppError::page)?;
    let snapshot = api_snapshot(&state, cycle.as_deref()).await?;
    let objective =
        snapshot.key_result(&id).and_then(|(_, holders)| holders.first().map(|o| o.id.clone()));
    let mut target = match objective {
        Some(objective) => format!("/objectives/{}", url_encode(&objective)),
        None => "/".to_owned(),
    };
    if let Some(cycle) = &cycle {
        target.push_str(&format!("?cycle={}", url_encode(cycle)));
    }
    target.push_str(&format!("#kr-{}", url_encode(&id)));
    Ok(Redirect::to(&target).into_response())
}
