//! Every route answers as a user expects, with the security headers on every response.

use crate::support::{Reply, TestServer, sarif_log, server, server_with};
use axum::body::Body;
use axum::http::{Request, header};
use futures_util::StreamExt;
use threatokr_server::{ReadAccess, Settings};

/// Every page and read-only API route of the test workspace.
pub(crate) const READ_ROUTES: &[&str] = &[
    "/",
    "/?cycle=2027-Q1",
    "/objectives/O-TOP",
    "/objectives/O-WEB?evidence=2",
    "/teams/web",
    "/people/eva",
    "/apps/shop",
    "/threats/T-1",
    "/search?q=web",
    "/cycles",
    "/signin",
    "/assets/style.css",
    "/api/openapi.json",
    "/api/cycles",
    "/api/objectives",
    "/api/objectives?cycle=2027-Q1",
    "/api/objectives/O-WEB",
    "/api/key-results/KR-WEB/history",
    "/api/threats",
    "/api/threats?app=shop&status=identified&theme=access_control",
    "/api/apps/shop",
];

fn assert_security_headers(path: &str, reply: &Reply) {
    let csp = reply
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{path}: CSP {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{path}: CSP {csp}");
    assert_eq!(
        reply.headers.get(header::X_CONTENT_TYPE_OPTIONS).map(|v| v.as_bytes()),
        Some(&b"nosniff"[..]),
        "{path}"
    );
    assert_eq!(
        reply.headers.get(header::X_FRAME_OPTIONS).map(|v| v.as_bytes()),
        Some(&b"DENY"[..]),
        "{path}"
    );
    assert!(reply.headers.contains_key(header::REFERRER_POLICY), "{path}");
}

#[tokio::test]
async fn every_read_route_answers_200_with_security_headers() {
    let server = server(ReadAccess::Open);
    for path in READ_ROUTES {
        let reply = server.get(path, None).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_security_headers(path, &reply);
    }
}

#[tokio::test]
async fn unknown_things_are_404_and_errors_keep_the_headers() {
    let server = server(ReadAccess::Open);
    for path in [
        "/objectives/O-NOPE",
        "/teams/nope",
        "/people/nope",
        "/apps/nope",
        "/threats/T-404",
        "/api/objectives/O-NOPE",
        "/api/key-results/KR-NOPE/history",
        "/api/apps/nope",
        "/api/objectives?cycle=1999-Q1",
        "/nowhere",
    ] {
        let reply = server.get(path, None).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_security_headers(path, &reply);
        if path.starts_with("/api/") {
            assert_eq!(reply.json()["error"]["status"], 404, "{path}");
        }
    }
}

#[tokio::test]
async fn home_shows_the_alignment_tree_with_link_kinds() {
    let server = server(ReadAccess::Open);
    let page = server.get("/", None).await.body;
    assert!(page.contains(r#"href="/objectives/O-TOP""#), "{page}");
    assert!(page.contains(r#"class="depth-1 contributes""#), "{page}");
    assert!(page.contains("Overall score"), "{page}");
}

#[tokio::test]
async fn objective_page_walks_up_to_the_company_and_lists_key_results_and_threats() {
    let server = server(ReadAccess::Open);
    let page = server.get("/objectives/O-WEB", None).await.body;
    assert!(
        page.contains(r#"<nav class="breadcrumbs""#)
            && page.contains(r#"href="/objectives/O-TOP""#)
    );
    assert!(page.contains(r#"id="kr-KR-WEB""#));
    assert!(page.contains(r#"href="/threats/T-1""#), "derived-from threats link to their page");
    assert!(!page.contains(r#"form class="checkin""#), "no check-in form without a session");
}

#[tokio::test]
async fn search_finds_a_threat_by_its_alias_and_shows_it_beside_the_id() {
    let server = server(ReadAccess::Open);
    // Only the alias has `shop:T-` in it: not the id `T-1`, not the title.
    let page = server.get("/search?q=shop%3AT-", None).await.body;
    assert!(page.contains(r#"href="/threats/T-1""#), "{page}");
    assert!(page.contains("T-1 (shop:T-"), "{page}");
}

#[tokio::test]
async fn api_objectives_is_the_status_json_contract() {
    let server = server(ReadAccess::Open);
    let json = server.get("/api/objectives", None).await.json();
    assert_eq!(json["cycle"], "2027-Q1");
    assert_eq!(json["as_of"], "2027-02-15");
    let ids: Vec<&str> = json["objectives"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(ids, ["O-TOP", "O-WEB"]);
}

#[tokio::test]
async fn api_threats_filter_by_app_status_and_theme() {
    let server = server(ReadAccess::Open);
    let all = server.get("/api/threats", None).await.json();
    assert_eq!(all["threats"].as_array().map(Vec::len), Some(2));
    let open = server.get("/api/threats?status=identified", None).await.json();
    assert_eq!(open["threats"].as_array().map(Vec::len), Some(1));
    assert_eq!(open["threats"][0]["cited_by"], serde_json::json!(["KR-WEB"]));
    let none = server.get("/api/threats?app=elsewhere", None).await.json();
    assert_eq!(none["threats"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn an_api_checkin_lands_in_the_history_with_its_author_at_once() {
    let server = server(ReadAccess::Open);
    let body = r#"{"value": 40, "confidence": 7, "note": "halfway"}"#;
    let reply = server
        .post(
            "/api/key-results/KR-WEB/checkins",
            Some(&server.tokens.editor),
            "application/json",
            body,
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["key_result"]["checkins"][0]["author"], "editor");
    let history = server.get("/api/key-results/KR-WEB/history", None).await.json();
    assert_eq!(history["checkins"][0]["value"], 40.0);
    assert_eq!(history["checkins"][0]["confidence"], 7);
    assert_eq!(history["checkins"][0]["effective"], "2027-02-15");
}

#[tokio::test]
async fn bad_checkins_are_refused_and_change_nothing() {
    let server = server(ReadAccess::Open);
    let token = server.tokens.editor.clone();
    for (body, status) in [
        (r#"{"value": 1, "confidence": 11}"#, 422),
        (r#"{"confidence": 3}"#, 422),
        (r#"{"value": "ten"}"#, 422),
        (r#"{"value": 1, "extra": true}"#, 422),
        ("not json", 400),
    ] {
        let reply = server
            .post("/api/key-results/KR-WEB/checkins", Some(&token), "application/json", body)
            .await;
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        assert!(reply.json()["error"]["message"].is_string());
    }
    let reply = server
        .post(
            "/api/key-results/KR-NOPE/checkins",
            Some(&token),
            "application/json",
            r#"{"value": 1}"#,
        )
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(server.backend.writes(), (0, 0));
}

#[tokio::test]
async fn sarif_posted_by_a_pipeline_lands_as_findings() {
    let server = server(ReadAccess::Open);
    let reply = server
        .post(
            "/api/evidence/sarif?app=shop&env=prod&scanned_at=2027-02-10",
            Some(&server.tokens.editor),
            "application/sarif+json",
            &sarif_log(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["ingested"][0]["new"], 1);
    let app = server.get("/api/apps/shop", None).await.json();
    assert_eq!(app["findings"]["open"].as_array().map(Vec::len), Some(1));
    assert_eq!(app["findings"]["new"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn sarif_without_app_or_with_a_bad_date_or_body_is_refused() {
    let server = server(ReadAccess::Open);
    let token = server.tokens.editor.clone();
    for (path, body, status) in [
        ("/api/evidence/sarif?env=prod", sarif_log(), 400),
        ("/api/evidence/sarif?app=shop&env=prod&scanned_at=yesterday", sarif_log(), 400),
        ("/api/evidence/sarif?app=shop&env=prod", "{ not sarif".to_owned(), 422),
    ] {
        let reply = server.post(path, Some(&token), "application/json", &body).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
    }
    assert_eq!(server.backend.writes(), (0, 0));
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_and_change_nothing() {
    let server = server_with(Settings { body_limit: 1024, ..Settings::default() });
    let big = format!(r#"{{"value": 1, "note": "{}"}}"#, "x".repeat(4096));
    let reply = server
        .post(
            "/api/key-results/KR-WEB/checkins",
            Some(&server.tokens.editor),
            "application/json",
            &big,
        )
        .await;
    assert_eq!(reply.status, 413);
    let reply = server
        .post(
            "/api/evidence/sarif?app=shop&env=prod",
            Some(&server.tokens.editor),
            "application/json",
            &big,
        )
        .await;
    assert_eq!(reply.status, 413);
    assert_eq!(server.backend.writes(), (0, 0));
}

/// Signs in through the form as a browser would and returns the session cookie.
async fn sign_in(server: &TestServer, token: &str, forwarded_https: bool) -> (String, Reply) {
    let form = server.get("/signin", None).await;
    let set =
        form.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let csrf = set
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default();
    assert!(form.body.contains(&csrf), "the form carries the CSRF token of its cookie");
    let mut request = Request::post("/signin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("threatokr_signin={csrf}"));
    if forwarded_https {
        request = request.header("x-forwarded-proto", "https");
    }
    let reply = server
        .send(request.body(Body::from(format!("csrf={csrf}&token={token}"))).expect("request"))
        .await;
    let session = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("threatokr_session=") && !v.starts_with("threatokr_session=;"))
        .unwrap_or("")
        .to_owned();
    (session, reply)
}

fn cookie_value(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap_or("")
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_secure_behind_tls() {
    let server = server(ReadAccess::Open);
    let (cookie, reply) = sign_in(&server, &server.tokens.editor, false).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let (cookie, _) = sign_in(&server, &server.tokens.editor, true).await;
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn a_wrong_or_revoked_token_does_not_sign_in() {
    let server = server(ReadAccess::Open);
    for token in ["thok_nope", server.tokens.revoked.as_str()] {
        let (cookie, reply) = sign_in(&server, token, false).await;
        assert_eq!(reply.status, 401);
        assert!(cookie.is_empty());
    }
}

#[tokio::test]
async fn the_checkin_form_needs_the_session_csrf_token() {
    let server = server(ReadAccess::Open);
    let (cookie, _) = sign_in(&server, &server.tokens.editor, false).await;
    let cookie = cookie_value(&cookie).to_owned();
    let page = server
        .send(
            Request::get("/objectives/O-WEB")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .body;
    let marker = r#"name="csrf" value=""#;
    let start = page.find(r#"form class="checkin""#).expect("an editor sees the check-in form");
    let csrf_at = page[start..].find(marker).expect("csrf field") + start + marker.len();
    let csrf = &page[csrf_at..csrf_at + 64];
    let post = |csrf: String| {
        Request::post("/key-results/KR-WEB/checkins")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &cookie)
            .body(Body::from(format!("csrf={csrf}&value=55&confidence=6&note=from+the+form")))
            .expect("request")
    };
    let forged = server.send(post("0".repeat(64))).await;
    assert_eq!(forged.status, 403);
    assert_eq!(server.backend.writes(), (0, 0));
    let reply = server.send(post(csrf.to_owned())).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(
        reply.headers.get(header::LOCATION).map(|v| v.as_bytes()),
        Some(&b"/objectives/O-WEB#kr-KR-WEB"[..])
    );
    let page = server.get("/objectives/O-WEB", None).await.body;
    assert!(
        page.contains("from the form") && page.contains(r#"<td class="author">editor</td>"#),
        "{page}"
    );
}

#[tokio::test]
async fn a_real_socket_serves_the_home_page() {
    let server = server(ReadAccess::Open);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let task = tokio::spawn(threatokr_server::serve(listener, server.state.clone()));
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    task.abort();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("Hostile Org"));
}

#[tokio::test]
async fn a_client_that_stops_sending_its_body_gets_408_and_changes_nothing() {
    let server = server_with(Settings {
        request_timeout: std::time::Duration::from_millis(200),
        ..Settings::default()
    });
    // One chunk of a JSON body, then nothing more, ever: a slow (or hostile) client.
    let first: Result<axum::body::Bytes, std::io::Error> =
        Ok(axum::body::Bytes::from_static(b"{\"value\": "));
    let body = futures_util::stream::iter([first]).chain(futures_util::stream::pending());
    let request = Request::post("/api/key-results/KR-WEB/checkins")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {}", server.tokens.editor))
        .body(Body::from_stream(body))
        .expect("request");
    let reply = server.send(request).await;
    assert_eq!(reply.status, 408);
    assert_eq!(server.backend.writes(), (0, 0));
}

#[tokio::test]
async fn a_client_that_sends_its_headers_too_slowly_is_cut_off() {
    let server = server_with(Settings {
        header_timeout: std::time::Duration::from_millis(200),
        ..Settings::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let task = tokio::spawn(threatokr_server::serve(listener, server.state.clone()));
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(b"GET / HTTP/1.1\r\nHost: loc").await.expect("write");
    // The server closes the connection (possibly with a 408) instead of waiting for the rest;
    // the outer bound only keeps a broken server from hanging the test.
    let mut response = Vec::new();
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(20), stream.read_to_end(&mut response))
            .await;
    task.abort();
    assert!(read.is_ok(), "the connection stayed open");
    let text = String::from_utf8_lossy(&response);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
}

/// The measurement contract is kept as text (issue 12): an objective's API entry splices in its
/// part of the contract unparsed, and its page lists the evidence read from that text.
#[tokio::test]
async fn an_objective_shows_the_same_measurement_in_its_page_its_api_entry_and_the_list() {
    let server = server(ReadAccess::Open);
    let body = r#"{"value": 40, "confidence": 7, "note": "<b>halfway</b> & more"}"#;
    let token = server.tokens.editor.clone();
    let reply = server
        .post("/api/key-results/KR-WEB/checkins", Some(&token), "application/json", body)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let one = server.get("/api/objectives/O-WEB", None).await;
    let list = server.get("/api/objectives", None).await;
    for reply in [&one, &list] {
        assert!(!reply.body.contains(['<', '>', '&']), "markup escaped: {}", reply.body);
    }
    let (one, list) = (one.json(), list.json());
    assert_eq!(one["id"], "O-WEB");
    assert_eq!(one["key_results"][0]["id"], "KR-WEB");
    let listed = list["objectives"].as_array().unwrap().iter().find(|o| o["id"] == "O-WEB");
    assert_eq!(Some(&one["measurement"]), listed);
    let evidence = &one["measurement"]["key_results"][0]["evidence"];
    assert_eq!(evidence[0]["kind"], "checkin");
    assert_eq!(evidence[0]["value"], 40.0);
    let page = server.get("/objectives/O-WEB", None).await.body;
    assert!(
        page.contains(
            "<td>checkin</td><td>yes</td><td>date: 2027-02-15, value: 40.0, confidence: 7</td>"
        ),
        "{page}"
    );
}
