//! threatokr-server: the dashboard (server-rendered HTML, usable without JavaScript) and the JSON API.
//!
//! `router(AppState)` is the whole route table; tests call it with `tower::ServiceExt::oneshot`.
//! Every number comes from a `Snapshot` the `Backend` builds with the same code as `report` and
//! `measure`; handlers extract, call the backend, and map the result to a page or JSON.

mod api;
mod auth;
mod error;
mod handlers;
mod measurement;
mod openapi;
mod router;
mod snapshot;
mod state;
mod templates;

pub use auth::{TokenSecret, hash_secret, new_token};
pub use error::BackendError;
pub use measurement::MeasurementText;
pub use router::router;
pub use snapshot::{CycleInfo, Snapshot};
pub use state::{
    AppState, Backend, CheckinRequest, EvidenceKind, IngestRequest, ReadAccess, Settings,
};

/// Serves the router on a bound listener until the process is stopped. Each connection speaks
/// HTTP/1.1 with a limit on how long a request's headers may take to arrive (the body's time is
/// bounded by the router's request timeout), so slow clients cannot hold connections open.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let header_timeout = state.settings.header_timeout;
    let app = router(state);
    loop {
        // A failed accept (too many open files, a reset) concerns one client, not the server.
        let Ok((stream, _)) = listener.accept().await else { continue };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
            let connection =
                builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            // A connection that ends badly (a client gone, a timeout) ends only itself.
            let _ = connection.await;
        });
    }
}
