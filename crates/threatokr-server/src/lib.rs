//! threatokr-server: the dashboard (server-rendered HTML, usable without JavaScript) and the JSON API.
//!
//! `router(AppState)` is the whole route table; tests call it with `tower::ServiceExt::oneshot`.
//! Every number comes from a `Snapshot` the `Backend` builds with the same code as `report` and
//! `measure`; handlers extract, call the backend, and map the result to a page or JSON.

mod api;
mod auth;
mod error;
mod handlers;
mod openapi;
mod router;
mod snapshot;
mod state;
mod templates;

pub use auth::{TokenSecret, hash_secret, new_token};
pub use error::BackendError;
pub use router::router;
pub use snapshot::{CycleInfo, Snapshot};
pub use state::{
    AppState, Backend, CheckinRequest, EvidenceKind, IngestRequest, ReadAccess, Settings,
};

/// Serves the router on a bound listener until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
