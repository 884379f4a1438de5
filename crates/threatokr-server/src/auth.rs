//! Who is calling: tokens (random, 256 bits, stored as SHA-256 hashes and compared in constant
//! time), browser sessions opened with a token, CSRF tokens, and the extractors handlers take
//! (`Reader`, `Editor`).

use crate::error::AppError;
use crate::state::{AppState, ReadAccess};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use threatokr_store::{Hash, Role, TokenRow};

/// The prefix of every token, so a leaked one is easy to recognise in logs and scanners.
const TOKEN_PREFIX: &str = "thok_";
/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "threatokr_session";
/// The cookie that carries the sign-in form's CSRF token before a session exists.
pub(crate) const SIGNIN_COOKIE: &str = "threatokr_signin";

/// A token as shown once to the person who created it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSecret(pub String);

/// A new random token (256 bits from the operating system) and its hash, the only thing stored.
pub fn new_token() -> Result<(TokenSecret, Hash), getrandom::Error> {
    let secret = format!("{TOKEN_PREFIX}{}", random_hex()?);
    let hash = hash_secret(&secret);
    Ok((TokenSecret(secret), hash))
}

/// 32 random bytes as hex.
pub(crate) fn random_hex() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The SHA-256 hash of a token or session id.
pub fn hash_secret(secret: &str) -> Hash {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    hash_secret(a).ct_eq(&hash_secret(b)).into()
}

/// A caller that proved who it is.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) token: TokenRow,
    /// The session's CSRF token, when the caller came with the session cookie.
    pub(crate) csrf: Option<String>,
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Whether the request reached us over TLS through a proxy, so cookies must be `Secure`.
pub(crate) fn behind_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn unauthorized(parts: &Parts, message: &str) -> AppError {
    let error = AppError::new(StatusCode::UNAUTHORIZED, message);
    if parts.uri.path().starts_with("/api/") { error } else { error.page() }
}

/// Finds the caller: a bearer token, else a session cookie, else nobody. A bearer token that
/// is unknown or revoked is refused outright rather than treated as nobody.
async fn identify(parts: &Parts, state: &AppState) -> Result<Option<Identity>, AppError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let secret =
            value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).ok_or_else(
                || unauthorized(parts, "the Authorization header must be `Bearer TOKEN`"),
            )?;
        let hash = hash_secret(secret);
        let found = state
            .with_access(move |store| {
                let mut found = None;
                // Every live token is compared, so the time taken does not say which one matched.
                for (stored, row) in store.active_token_hashes()? {
                    if bool::from(stored.ct_eq(&hash)) {
                        found = Some(row);
                    }
                }
                Ok(found)
            })
            .await?;
        return match found {
            Some(token) => Ok(Some(Identity { token, csrf: None })),
            None => Err(unauthorized(parts, "the token is unknown or revoked")),
        };
    }
    if let Some(session) = cookie(&parts.headers, SESSION_COOKIE) {
        let hash = hash_secret(session);
        let now = state.backend.now();
        let row = state.with_access(move |store| Ok(store.session(&hash, now)?)).await?;
        return Ok(row.map(|row| Identity { token: row.token, csrf: Some(row.csrf) }));
    }
    Ok(None)
}

/// A caller allowed to read: anyone when reading is open, else a viewer or above.
pub(crate) struct Reader(pub(crate) Option<Identity>);

impl FromRequestParts<AppState> for Reader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let identity = identify(parts, state).await?;
        if identity.is_none() && state.settings.read_access == ReadAccess::Token {
            return Err(unauthorized(
                parts,
                "reading needs a token: sign in or send `Authorization: Bearer TOKEN`",
            ));
        }
        Ok(Self(identity))
    }
}

/// A caller allowed to write: an editor or an admin.
pub(crate) struct Editor(pub(crate) Identity);

impl FromRequestParts<AppState> for Editor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some(identity) = identify(parts, state).await? else {
            return Err(unauthorized(parts, "writing needs an editor token"));
        };
        if identity.token.role < Role::Editor {
            let error = AppError::new(StatusCode::FORBIDDEN, "this token may only read");
            return Err(if parts.uri.path().starts_with("/api/") { error } else { error.page() });
        }
        Ok(Self(identity))
    }
}

impl Editor {
    /// A form's CSRF field must match the session's; a bearer caller carries no cookie to abuse.
    pub(crate) fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        match &self.0.csrf {
            Some(expected) if same_secret(expected, submitted) => Ok(()),
            Some(_) => Err(AppError::new(
                StatusCode::FORBIDDEN,
                "the form is stale: reload the page and submit again",
            )
            .page()),
            None => Ok(()),
        }
    }
}
