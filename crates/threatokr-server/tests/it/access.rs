//! Every route × {no token, viewer, editor, admin, revoked token}: the status code, and no
//! change to the store when refused, with reading open and with reading behind a token.

use crate::routes::READ_ROUTES;
use crate::support::{TestServer, sarif_log, server};
use threatokr_server::ReadAccess;

#[derive(Debug, Clone, Copy)]
enum Caller {
    Nobody,
    Viewer,
    Editor,
    Admin,
    Revoked,
}

const CALLERS: [Caller; 5] =
    [Caller::Nobody, Caller::Viewer, Caller::Editor, Caller::Admin, Caller::Revoked];

fn token(server: &TestServer, caller: Caller) -> Option<String> {
    match caller {
        Caller::Nobody => None,
        Caller::Viewer => Some(server.tokens.viewer.clone()),
        Caller::Editor => Some(server.tokens.editor.clone()),
        Caller::Admin => Some(server.tokens.admin.clone()),
        Caller::Revoked => Some(server.tokens.revoked.clone()),
    }
}

/// Routes that need no token whatever the setting: the sign-in page and static documents.
const ALWAYS_OPEN: &[&str] = &["/signin", "/assets/style.css", "/api/openapi.json"];

fn expected_read(access: ReadAccess, path: &str, caller: Caller) -> u16 {
    let presents_bad_token = matches!(caller, Caller::Revoked);
    match (access, caller) {
        _ if ALWAYS_OPEN.contains(&path) => 200,
        _ if presents_bad_token => 401,
        (ReadAccess::Token, Caller::Nobody) => 401,
        _ => 200,
    }
}

#[tokio::test]
async fn reads_answer_by_setting_and_caller() {
    for access in [ReadAccess::Open, ReadAccess::Token] {
        let server = server(access);
        for path in READ_ROUTES {
            for caller in CALLERS {
                let reply = server.get(path, token(&server, caller).as_deref()).await;
                assert_eq!(
                    reply.status,
                    expected_read(access, path, caller),
                    "{access:?} {caller:?} GET {path}: {}",
                    reply.body
                );
            }
        }
    }
}

/// The write routes with a valid body each.
fn writes() -> Vec<(&'static str, &'static str, String, u16)> {
    vec![
        (
            "/api/key-results/KR-WEB/checkins",
            "application/json",
            r#"{"value": 30}"#.to_owned(),
            201,
        ),
        (
            "/api/evidence/sarif?app=shop&env=prod&scanned_at=2027-02-10",
            "application/sarif+json",
            sarif_log(),
            201,
        ),
        ("/api/evidence/asvs?name=shop.yaml", "application/yaml", "app: shop".to_owned(), 201),
        (
            "/api/evidence/training?name=completions.csv",
            "text/csv",
            "person,course".to_owned(),
            201,
        ),
        ("/api/evidence/tests?name=results.xml", "application/xml", "<testsuite/>".to_owned(), 201),
        ("/api/evidence/ci?app=shop&name=ci.yml", "application/yaml", "on: push".to_owned(), 201),
        // A bearer caller has no cookie a forged form could ride, so the form route needs no CSRF field from it.
        (
            "/key-results/KR-WEB/checkins",
            "application/x-www-form-urlencoded",
            "csrf=&value=30".to_owned(),
            303,
        ),
    ]
}

#[tokio::test]
async fn writes_need_an_editor_token_and_refusals_change_nothing() {
    for access in [ReadAccess::Open, ReadAccess::Token] {
        for (path, content_type, body, ok) in writes() {
            for caller in CALLERS {
                // A fresh server per call, so an earlier success cannot hide a refused write.
                let server = server(access);
                let before = server.backend.writes();
                let reply =
                    server.post(path, token(&server, caller).as_deref(), content_type, &body).await;
                let expected = match caller {
                    Caller::Nobody | Caller::Revoked => 401,
                    Caller::Viewer => 403,
                    Caller::Editor | Caller::Admin => ok,
                };
                assert_eq!(
                    reply.status, expected,
                    "{access:?} {caller:?} POST {path}: {}",
                    reply.body
                );
                if expected >= 400 {
                    assert_eq!(
                        server.backend.writes(),
                        before,
                        "{caller:?} POST {path} changed the store"
                    );
                } else {
                    assert_ne!(
                        server.backend.writes(),
                        before,
                        "{caller:?} POST {path} wrote nothing"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_malformed_authorization_header_is_401() {
    let server = server(ReadAccess::Open);
    let request = axum::http::Request::get("/api/cycles")
        .header(axum::http::header::AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .body(axum::body::Body::empty())
        .expect("request");
    assert_eq!(server.send(request).await.status, 401);
}
