//! `threatokr serve` end to end, as a user would: the demo workspace, a token, the real binary
//! listening on loopback, a pipeline posting SARIF with `curl`'s request, and a headless browser.

#[path = "serve/browser.rs"]
mod browser;
#[path = "serve/http.rs"]
mod http;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn threatokr(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_threatokr"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running threatokr")
}

/// A fresh demo workspace in the target's temporary folder.
pub(crate) fn demo(name: &str) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("temporary folder");
    let output = threatokr(&["demo", "--out", "acme"], &base);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("threatokr serve -w acme"), "the demo tells how to serve it: {stdout}");
    base.join("acme")
}

/// A new workspace holding the real Threagile example model (synthetic ids such as
/// `something-strange@contract-file-server`), planned, measured and reported as a newcomer would.
pub(crate) fn threagile_workspace(name: &str) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("temporary folder");
    let workspace = base.join("ws");
    let ok = |args: &[&str], dir: &Path| {
        let output = threatokr(args, dir);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    ok(&["init", "ws"], &base);
    let model = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test_data/samples/models/threagile/example.threagile.yaml");
    std::fs::copy(model, workspace.join("models/example.threagile.yaml")).expect("the model");
    ok(
        &["plan", "--cycle", "2027-Q1", "--as-of", "2027-02-20", "-o", "okrs/2027-Q1.yaml"],
        &workspace,
    );
    ok(&["measure", "--cycle", "2027-Q1", "--as-of", "2027-02-20", "--force"], &workspace);
    ok(
        &["report", "--format", "html", "--as-of", "2027-02-20", "-o", "report.html", "--force"],
        &workspace,
    );
    workspace
}

/// Creates a token and returns it.
pub(crate) fn token(workspace: &Path, name: &str, role: &str) -> String {
    let output = threatokr(&["token", "create", "--name", name, "--role", role], workspace);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let token = stdout.lines().next().unwrap_or("").to_owned();
    assert!(token.starts_with("thok_") && token.len() == 5 + 64, "{stdout}");
    token
}

/// `threatokr serve` on a free loopback port; stopped when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) address: String,
}

impl Server {
    pub(crate) fn start(workspace: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_threatokr"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .current_dir(workspace)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting threatokr serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the server says where it listens");
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        assert!(address.starts_with("127.0.0.1:"), "binds to loopback: {line}");
        Self { child, address }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn findings_open_in_prod(workspace: &Path) -> serde_json::Value {
    let output =
        threatokr(&["measure", "--as-of", "2027-02-20", "--force", "--format", "json"], workspace);
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("measure --format json");
    json["objectives"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["key_results"].as_array().cloned().unwrap_or_default())
        .find(|kr| kr["id"] == "KR-PROD-VULNS")
        .map(|kr| kr["value"].clone())
        .unwrap_or_default()
}

const SARIF: &str = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "pipeline-scanner"}},
  "results": [{"ruleId": "sqli", "level": "error", "message": {"text": "SQL injection"},
    "properties": {"security-severity": "9.1"},
    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/db.rs"}, "region": {"startLine": 7}}}]}]}]}"#;

#[test]
fn a_pipeline_posts_sarif_with_an_editor_token_and_the_next_measure_counts_it() {
    let workspace = demo("serve-sarif");
    let editor = token(&workspace, "pipeline", "editor");
    let before = findings_open_in_prod(&workspace);
    let server = Server::start(&workspace);
    let path = "/api/evidence/sarif?app=checkout&env=prod&scanned_at=2027-02-18&force=true";
    let refused = http::request(
        &server.address,
        "POST",
        path,
        &[("Content-Type", "application/sarif+json")],
        SARIF.as_bytes(),
    );
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.header("content-type"), Some("application/json"));
    assert_eq!(findings_open_in_prod(&workspace), before, "a refused post changes nothing");
    let bearer = format!("Bearer {editor}");
    let reply = http::request(
        &server.address,
        "POST",
        path,
        &[("Authorization", &bearer)],
        SARIF.as_bytes(),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    drop(server);
    let after = findings_open_in_prod(&workspace);
    assert_eq!(after.as_f64(), before.as_f64().map(|v| v + 1.0), "before {before}, after {after}");
}

#[test]
fn every_page_of_the_demo_answers() {
    let workspace = demo("serve-pages");
    let server = Server::start(&workspace);
    for path in [
        "/",
        "/objectives/O-CEO-1",
        "/objectives/O-APPSEC-AC",
        "/teams/appsec",
        "/people/eva",
        "/apps/checkout",
        "/threats/T-WEB-1",
        "/search?q=access",
        "/cycles",
        "/signin",
        "/api/cycles",
        "/api/objectives",
        "/api/objectives/O-EVA-1",
        "/api/key-results/KR-EVA-1/history",
        "/api/threats?app=storefront",
        "/api/apps/checkout",
        "/api/openapi.json",
    ] {
        let reply = http::request(&server.address, "GET", path, &[], b"");
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    }
    let objective = http::request(&server.address, "GET", "/objectives/O-APPSEC-AC", &[], b"").body;
    assert!(
        objective.contains(r#"<table class="evidence">"#) && objective.contains("id: T-CHK-1"),
        "drill-down: {objective}"
    );
    let app = http::request(&server.address, "GET", "/apps/checkout", &[], b"").body;
    assert!(
        app.contains("<li>sast: ") && app.contains("ASVS 5.0.0"),
        "CI and ASVS coverage: {app}"
    );
    let status = threatokr(&["status", "--format", "json", "--as-of", "2027-02-15"], &workspace);
    let cli: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
    let api: serde_json::Value = serde_json::from_str(
        &http::request(&server.address, "GET", "/api/objectives", &[], b"").body,
    )
    .expect("api json");
    assert_eq!(api, cli, "the API and `status --format json` give the same numbers");
    // A cycle that is not there is a 404 that names the closest one.
    let unknown = http::request(&server.address, "GET", "/api/objectives?cycle=2027-Q2", &[], b"");
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(unknown.body.contains("did you mean `2027-Q1`?"), "{}", unknown.body);
}

#[test]
fn evidence_files_posted_by_a_pipeline_are_checked_and_kept_where_measure_reads_them() {
    let workspace = demo("serve-files");
    let editor = token(&workspace, "files", "editor");
    let bearer = format!("Bearer {editor}");
    let server = Server::start(&workspace);
    let results = std::fs::read_to_string(workspace.join("evidence/tests/pentest-2027-02.xml"))
        .expect("demo results");
    let reply = http::request(
        &server.address,
        "POST",
        "/api/evidence/tests?name=pentest-posted.xml",
        &[("Authorization", &bearer)],
        results.as_bytes(),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let kept =
        std::fs::read_to_string(workspace.join("evidence/tests/pentest-posted.xml")).expect("kept");
    assert_eq!(kept, results);
    for (path, body, status) in [
        ("/api/evidence/tests?name=broken.xml", "<testsuite><testcase", 422),
        ("/api/evidence/tests?name=../escape.csv", results.as_str(), 422),
        ("/api/evidence/asvs", "app: checkout", 400),
    ] {
        let reply = http::request(
            &server.address,
            "POST",
            path,
            &[("Authorization", &bearer)],
            body.as_bytes(),
        );
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
    }
    assert!(
        !workspace.join("evidence/tests/broken.xml").exists(),
        "a file with errors is not kept"
    );
    assert!(!workspace.join("evidence/escape.csv").exists());
}

#[test]
fn the_cli_and_the_server_check_in_at_once_without_losing_a_write() {
    let workspace = demo("serve-concurrent");
    let editor = token(&workspace, "concurrent", "editor");
    let server = Server::start(&workspace);
    let before = checkin_count(&server.address);
    let address = server.address.clone();
    let api = std::thread::spawn(move || {
        let bearer = format!("Bearer {editor}");
        for i in 0..20 {
            let body = format!(r#"{{"value": {i}, "note": "api {i}"}}"#);
            let reply = http::request(
                &address,
                "POST",
                "/api/key-results/KR-CEO-1/checkins",
                &[("Authorization", &bearer), ("Content-Type", "application/json")],
                body.as_bytes(),
            );
            assert_eq!(reply.status, 201, "{}", reply.body);
        }
    });
    let cli: Vec<_> = (0..10)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_threatokr"))
                .args(["checkin", "KR-CEO-1", "--value", &i.to_string(), "--at", "2027-02-15"])
                .current_dir(&workspace)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("threatokr checkin")
        })
        .collect();
    for child in cli {
        let output = child.wait_with_output().expect("checkin ran");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success() && !stderr.contains("locked"), "{stderr}");
    }
    api.join().expect("the API thread");
    assert_eq!(checkin_count(&server.address), before + 30);
}

fn checkin_count(address: &str) -> usize {
    let reply = http::request(address, "GET", "/api/key-results/KR-CEO-1/history", &[], b"");
    let json: serde_json::Value = serde_json::from_str(&reply.body).expect("history JSON");
    json["checkins"].as_array().map_or(0, Vec::len)
}

#[test]
fn an_edited_workspace_file_shows_without_a_restart() {
    let workspace = demo("serve-edit");
    let server = Server::start(&workspace);
    let page = http::request(&server.address, "GET", "/objectives/O-EVA-1", &[], b"").body;
    assert!(page.contains("Close the broken access control findings in the storefront"));
    let okrs = workspace.join("okrs/2027-Q1.yaml");
    let text = std::fs::read_to_string(&okrs).expect("okrs");
    let edited = text.replace(
        "Close the broken access control findings in the storefront",
        "Renamed after a git pull",
    );
    assert_ne!(text, edited);
    std::fs::write(&okrs, edited).expect("editing the okrs");
    // The server walks the workspace folder once a second (not on every request): the edit
    // shows within about a second. Asked every 50 ms, it must show within five.
    let asked = std::time::Instant::now();
    let mut page = String::new();
    while asked.elapsed() < std::time::Duration::from_secs(5) {
        page = http::request(&server.address, "GET", "/objectives/O-EVA-1", &[], b"").body;
        if page.contains("Renamed after a git pull") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(page.contains("Renamed after a git pull"), "not shown after 5 s: {page}");
}

#[test]
fn a_workspace_that_says_dashboard_read_token_is_read_only_with_a_token() {
    let workspace = demo("serve-private");
    let config = workspace.join("threatokr.yaml");
    let text = std::fs::read_to_string(&config).expect("threatokr.yaml");
    let private =
        text.replace("  asvs_version: 5.0.0\n", "  asvs_version: 5.0.0\n  dashboard_read: token\n");
    assert_ne!(text, private);
    std::fs::write(&config, private).expect("writing threatokr.yaml");
    let viewer = token(&workspace, "reader", "viewer");
    let server = Server::start(&workspace);
    assert_eq!(http::request(&server.address, "GET", "/", &[], b"").status, 401);
    assert_eq!(http::request(&server.address, "GET", "/api/objectives", &[], b"").status, 401);
    assert_eq!(http::request(&server.address, "GET", "/signin", &[], b"").status, 200);
    let bearer = format!("Bearer {viewer}");
    assert_eq!(
        http::request(
            &server.address,
            "GET",
            "/api/objectives",
            &[("Authorization", &bearer)],
            b""
        )
        .status,
        200
    );
    let refused = http::request(
        &server.address,
        "POST",
        "/api/key-results/KR-CEO-1/checkins",
        &[("Authorization", &bearer), ("Content-Type", "application/json")],
        br#"{"value": 22}"#,
    );
    assert_eq!(refused.status, 403, "a viewer may not write");
}

#[test]
fn a_token_is_shown_once_listed_without_its_value_and_refused_once_revoked() {
    let workspace = demo("serve-tokens");
    let editor = token(&workspace, "ci-bot", "editor");
    let again = threatokr(&["token", "create", "--name", "ci-bot", "--role", "viewer"], &workspace);
    assert_eq!(again.status.code(), Some(2), "a name is never reused");
    let list = threatokr(&["token", "list"], &workspace);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("ci-bot") && listed.contains("editor"), "{listed}");
    assert!(!listed.contains(&editor[5..]), "the list never shows a token");
    for file in ["store.sqlite", "store.sqlite-wal"] {
        let bytes = std::fs::read(workspace.join(".threatokr").join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(editor.len()).any(|w| w == editor.as_bytes()),
            "{file} keeps only a hash"
        );
    }
    let server = Server::start(&workspace);
    let bearer = format!("Bearer {editor}");
    let body = br#"{"value": 21}"#;
    let path = "/api/key-results/KR-CEO-1/checkins";
    let headers = [("Authorization", bearer.as_str()), ("Content-Type", "application/json")];
    assert_eq!(http::request(&server.address, "POST", path, &headers, body).status, 201);
    let revoke = threatokr(&["token", "revoke", "ci-bot"], &workspace);
    assert!(revoke.status.success());
    assert_eq!(
        http::request(&server.address, "POST", path, &headers, body).status,
        401,
        "revoked at once"
    );
}
