//! Browser sign-in and sign-out: a token in, an HttpOnly, SameSite=Strict session cookie out
//! (Secure behind TLS). The sign-in form's CSRF token is a double-submitted cookie, since no
//! session exists yet.

use crate::auth::{
    Reader, SESSION_COOKIE, SIGNIN_COOKIE, behind_tls, cookie, hash_secret, random_hex, same_secret,
};
use crate::error::{AppError, BackendError};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq;

fn set_cookie(response: &mut Response, name: &str, value: &str, max_age: i64, secure: bool) {
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&text) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn random() -> Result<String, AppError> {
    random_hex()
        .map_err(|e| AppError::from(BackendError::Internal(format!("no randomness: {e}"))).page())
}

fn form_page(
    headers: &HeaderMap,
    status: StatusCode,
    message: Option<&str>,
) -> Result<Response, AppError> {
    let csrf = random()?;
    let mut response = (status, crate::templates::signin_page(&csrf, message)).into_response();
    set_cookie(&mut response, SIGNIN_COOKIE, &csrf, 600, behind_tls(headers));
    Ok(response)
}

/// `GET /signin`.
pub(crate) async fn form(headers: HeaderMap) -> Result<Response, AppError> {
    form_page(&headers, StatusCode::OK, None)
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SigninForm {
    csrf: String,
    token: String,
}

/// `POST /signin`.
pub(crate) async fn signin(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SigninForm>,
) -> Result<Response, AppError> {
    let expected = cookie(&headers, SIGNIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(expected, &form.csrf) {
        return form_page(
            &headers,
            StatusCode::FORBIDDEN,
            Some("The form expired: sign in again."),
        );
    }
    let hash = hash_secret(form.token.trim());
    let session = random()?;
    let csrf = random()?;
    let now = state.backend.now();
    let expires = now.checked_add(state.settings.session_lifetime).unwrap_or(now);
    let session_hash = hash_secret(&session);
    let opened = state
        .with_access(move |store| {
            let mut found = None;
            for (stored, row) in store.active_token_hashes()? {
                if bool::from(stored.ct_eq(&hash)) {
                    found = Some(row);
                }
            }
            let Some(token) = found else { return Ok(false) };
            store.create_session(&session_hash, token.id, &csrf, expires, now)?;
            Ok(true)
        })
        .await
        .map_err(|e| AppError::from(e).page())?;
    if !opened {
        return form_page(
            &headers,
            StatusCode::UNAUTHORIZED,
            Some("That token is unknown or revoked."),
        );
    }
    let mut response = Redirect::to("/").into_response();
    let lifetime = state.settings.session_lifetime.as_secs();
    set_cookie(&mut response, SESSION_COOKIE, &session, lifetime, behind_tls(&headers));
    set_cookie(&mut response, SIGNIN_COOKIE, "", 0, behind_tls(&headers));
    Ok(response)
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct SignoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /signout`: ends the session (its CSRF token must match).
pub(crate) async fn signout(
    State(state): State<AppState>,
    Reader(identity): Reader,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SignoutForm>,
) -> Result<Response, AppError> {
    let Some(csrf) = identity.and_then(|i| i.csrf) else {
        return Ok(Redirect::to("/").into_response());
    };
    if !same_secret(&csrf, &form.csrf) {
        return Err(
            AppError::new(StatusCode::FORBIDDEN, "the form is stale: reload the page").page()
        );
    }
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        let hash = hash_secret(session);
        state.with_access(move |store| Ok(store.delete_session(&hash)?)).await?;
    }
    let mut response = Redirect::to("/").into_response();
    set_cookie(&mut response, SESSION_COOKIE, "", 0, behind_tls(&headers));
    Ok(response)
}
