//! The whole route table, and the layers every response goes through: security headers, body
//! limits (413) and a time limit per request (408).

use crate::handlers::{
    apps, assets, cycles, evidence, home, key_results, objectives, org, search, session,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// No script at all, styles from our own sheet only, no framing, forms only to us.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Every route of the dashboard and the API (`/api/openapi.json` documents the API ones).
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.body_limit;
    let timeout = state.settings.request_timeout;
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    Router::new()
        .route("/", get(home::home))
        .route("/objectives/{id}", get(objectives::page))
        .route("/key-results/{id}/checkins", post(key_results::checkin_form))
        .route("/teams/{id}", get(org::team))
        .route("/people/{id}", get(org::person))
        .route("/apps/{id}", get(apps::page))
        .route("/threats/{id}", get(apps::threat_page))
        .route("/search", get(search::page))
        .route("/cycles", get(cycles::page))
        .route("/signin", get(session::form).post(session::signin))
        .route("/signout", post(session::signout))
        .route("/assets/style.css", get(assets::style))
        .route("/api/openapi.json", get(assets::openapi))
        .route("/api/cycles", get(cycles::list))
        .route("/api/objectives", get(objectives::list))
        .route("/api/objectives/{id}", get(objectives::one))
        .route("/api/key-results/{id}/history", get(key_results::history))
        .route("/api/key-results/{id}/checkins", post(key_results::checkin_api))
        .route("/api/threats", get(apps::threats))
        .route("/api/apps/{id}", get(apps::one))
        .route("/api/evidence/sarif", post(evidence::sarif))
        .route("/api/evidence/asvs", post(evidence::asvs))
        .route("/api/evidence/training", post(evidence::training))
        .route("/api/evidence/tests", post(evidence::tests))
        .route("/api/evidence/ci", post(evidence::ci))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::CACHE_CONTROL, "no-store"))
        .with_state(state)
}
