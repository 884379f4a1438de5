//! Errors: what the backend reports, and `AppError`, which every handler returns and which
//! becomes a JSON body for the API and a small page for the browser.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::fmt;

/// What can go wrong when the backend reads or writes the workspace and its store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// Something named in the request does not exist (a key result, an app, a cycle).
    NotFound(String),
    /// The request's content is wrong (a value out of range, an unreadable SARIF log).
    Invalid(String),
    /// The request contradicts what the store holds (a scan older than the newest).
    Conflict(String),
    /// Reading the workspace or the store failed; the text is logged, never shown.
    Internal(String),
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound(text) | Self::Invalid(text) | Self::Conflict(text) => f.write_str(text),
            Self::Internal(_) => {
                f.write_str("the server could not read the workspace or its store")
            }
        }
    }
}

impl std::error::Error for BackendError {}

impl From<threatokr_store::StoreError> for BackendError {
    fn from(error: threatokr_store::StoreError) -> Self {
        match error {
            threatokr_store::StoreError::Invalid { .. } => Self::Invalid(error.to_string()),
            threatokr_store::StoreError::OutOfOrder { .. }
            | threatokr_store::StoreError::AlreadyFrozen { .. }
            | threatokr_store::StoreError::Changed { .. } => Self::Conflict(error.to_string()),
            other => Self::Internal(format!("{other}: {:?}", std::error::Error::source(&other))),
        }
    }
}

/// A handler's failure: a status and a message safe to show.
#[derive(Debug)]
pub(crate) struct AppError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    /// Whether the client wants JSON (an `/api/` route) or a page.
    pub(crate) json: bool,
}

impl AppError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), json: true }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, what)
    }

    pub(crate) fn bad_request(what: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, what)
    }

    /// The same error shown as a page.
    pub(crate) fn page(mut self) -> Self {
        self.json = false;
        self
    }
}

impl From<BackendError> for AppError {
    fn from(error: BackendError) -> Self {
        let status = match &error {
            BackendError::NotFound(_) => StatusCode::NOT_FOUND,
            BackendError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            BackendError::Conflict(_) => StatusCode::CONFLICT,
            BackendError::Internal(detail) => {
                log_internal(detail);
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Self::new(status, error.to_string())
    }
}

/// Internal details go to the server's log, never to the client.
fn log_internal(detail: &str) {
    #[allow(clippy::print_stderr, reason = "the server's log is its standard error")]
    {
        eprintln!("error: {detail}");
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.json {
            let body = serde_json::json!({ "error": { "status": self.status.as_u16(), "message": self.message } });
            (self.status, crate::api::Json(body)).into_response()
        } else {
            (self.status, crate::templates::error_page(self.status, &self.message)).into_response()
        }
    }
}
