//! Threat titles, key-result titles, check-in notes, names and file names holding the XSS
//! vectors of the OWASP cheat sheet come out escaped on every page and in every JSON response.

use crate::routes::READ_ROUTES;
use crate::support::{RAW_MARKERS, XSS, server};
use threatokr_server::ReadAccess;

#[tokio::test]
async fn hostile_text_is_escaped_on_every_page_and_intact_in_every_json() {
    let server = server(ReadAccess::Open);
    let note = format!("{} and {}", XSS[1], XSS[2]);
    let body = serde_json::json!({ "value": 5, "note": note }).to_string();
    let reply = server
        .post(
            "/api/key-results/KR-WEB/checkins",
            Some(&server.tokens.editor),
            "application/json",
            &body,
        )
        .await;
    assert_eq!(reply.status, 201);
    let mut seen_escaped = false;
    for path in
        READ_ROUTES.iter().copied().chain(["/search?q=%3Cscript%3E", "/search?q=%22%3E%3Cimg"])
    {
        let reply = server.get(path, None).await;
        let content_type = reply
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if content_type.starts_with("text/html") {
            for marker in RAW_MARKERS {
                assert!(!reply.body.contains(marker), "{path} shows `{marker}` unescaped");
            }
            seen_escaped |= reply.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;");
        } else if content_type.starts_with("application/json") {
            // JSON escapes <, > and & as \u003c..., so no HTML context can ever parse a tag out of it.
            assert!(
                !reply.body.contains('<') && !reply.body.contains('>'),
                "{path}: {}",
                reply.body
            );
            reply.json();
        }
    }
    assert!(seen_escaped, "the hostile key-result title is shown, escaped");
    let history = server.get("/api/key-results/KR-WEB/history", None).await.json();
    assert_eq!(history["checkins"][0]["note"], note.as_str());
    assert_eq!(history["title"], XSS[0]);
    let page = server.get("/objectives/O-WEB", None).await.body;
    assert!(
        page.contains(
            "&quot;&gt;&lt;img src=x onerror=alert(2)&gt; and &lt;svg/onload=alert(3)&gt;"
        ),
        "{page}"
    );
    let app = server.get("/apps/shop", None).await.body;
    assert!(app.contains("models/&quot;&gt;&lt;img src=x onerror=alert(2)&gt;.tm.yaml"), "{app}");
}
