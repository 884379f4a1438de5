//! The style sheet and the OpenAPI document, compiled in.

use crate::api::Json;
use axum::http::header;
use axum::response::IntoResponse;

pub(crate) async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../assets/style.css"),
    )
}

pub(crate) async fn openapi() -> Json {
    Json(crate::openapi::document())
}
