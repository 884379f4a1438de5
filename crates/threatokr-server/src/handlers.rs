//! Handlers grouped by resource: each extracts, calls the state or the backend, and maps the
//! result to a page or JSON.

pub(crate) mod apps;
pub(crate) mod assets;
pub(crate) mod cycles;
pub(crate) mod evidence;
pub(crate) mod home;
pub(crate) mod key_results;
pub(crate) mod objectives;
pub(crate) mod org;
pub(crate) mod search;
pub(crate) mod session;

use crate::auth::Identity;
use crate::error::AppError;
use crate::snapshot::Snapshot;
use crate::state::AppState;
use crate::templates::PageContext;
use std::sync::Arc;

/// The `?cycle=` every page and most API routes take.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct CycleQuery {
    pub(crate) cycle: Option<String>,
}

/// The snapshot for a page, with the context its template needs.
pub(crate) async fn page_snapshot(
    state: &AppState,
    cycle: Option<String>,
    identity: Option<Identity>,
) -> Result<(Arc<Snapshot>, PageContext), AppError> {
    let cycle = cycle.filter(|c| !c.is_empty());
    let snapshot = state.snapshot(cycle.as_deref()).await.map_err(|e| AppError::from(e).page())?;
    let context = PageContext {
        cycle,
        signed_in: identity.as_ref().map(|i| (i.token.name.clone(), i.token.role)),
        csrf: identity.and_then(|i| i.csrf),
    };
    Ok((snapshot, context))
}

/// The snapshot for an API call.
pub(crate) async fn api_snapshot(
    state: &AppState,
    cycle: Option<&str>,
) -> Result<Arc<Snapshot>, AppError> {
    Ok(state.snapshot(cycle.filter(|c| !c.is_empty())).await?)
}
