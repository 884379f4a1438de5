//! A test backend over a small in-memory workspace whose titles, names and file names carry
//! the XSS vectors of the OWASP cheat sheet, with an in-memory store for check-ins and findings.

use axum::body::Body;
use axum::http::{Request, Response, header};
use http_body_util::BodyExt;
use std::sync::{Arc, Mutex};
use threatokr_core::diag::Files;
use threatokr_core::metrics::{
    CheckinRecord, EvidenceSet, measure_cycle, write_measurement_json_compact,
};
use threatokr_core::workspace::{WorkspaceFiles, load_workspace};
use threatokr_server::{
    AppState, Backend, BackendError, CheckinRequest, CycleInfo, EvidenceKind, IngestRequest,
    MeasurementText, ReadAccess, Settings, Snapshot,
};
use threatokr_store::{FindingFilter, FindingInput, Role, ScanInput, Store};
use tower::ServiceExt;

/// Vectors from the OWASP XSS filter evasion cheat sheet.
pub(crate) const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(2)>",
    "<svg/onload=alert(3)>",
    "'';!--\"<XSS>=&{()}",
    "<IMG SRC=\"javascript:alert(4);\">",
];

/// Strings that must never reach a page unescaped.
pub(crate) const RAW_MARKERS: &[&str] =
    &["<script>alert", "<img src=x", "<svg/onload", "<XSS>", "<IMG SRC"];

fn yaml_quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

const CONFIG: &str = r#"org:
  name: Hostile Org
  teams:
    - { id: web, name: TEAM_NAME, lead: eva }
  people:
    - { id: ceo, name: Dana Ceo, title: CEO }
    - { id: eva, name: PERSON_NAME, team: web, manager: ceo }
apps:
  - { id: shop, name: APP_NAME, team: web, environments: [prod] }
cycles:
  - { id: 2027-Q1, start: 2027-01-01, end: 2027-03-31 }
"#;

const MODEL: &str = r#"app: shop
title: Shop
threats:
  - id: T-1
    title: THREAT_TITLE
    stride: [elevation_of_privilege]
    cwe: [639]
    severity: high
    status: identified
  - id: T-2
    title: Second threat
    stride: [tampering]
    severity: low
    status: mitigated
"#;

const OKRS: &str = r#"cycle: 2027-Q1
objectives:
  - id: O-TOP
    title: OBJECTIVE_TITLE
    level: company
    owner: ceo
    key_results:
      - { id: KR-TOP, title: Revenue, type: metric, start: 0, target: 10 }
  - id: O-WEB
    title: Web objective
    level: team
    owner: eva
    team: web
    contributes: [O-TOP]
    key_results:
      - id: KR-WEB
        title: KR_TITLE
        type: metric
        start: 0
        target: 100
        unit: "%"
        derived_from: [T-1]
"#;

/// The workspace's files, hostile text substituted in.
fn workspace_files() -> (Files, WorkspaceFiles) {
    let mut files = Files::new();
    let config = CONFIG
        .replace("TEAM_NAME", &yaml_quote(XSS[0]))
        .replace("PERSON_NAME", &yaml_quote(XSS[1]))
        .replace("APP_NAME", &yaml_quote(XSS[2]));
    let model = MODEL.replace("THREAT_TITLE", &yaml_quote(XSS[3]));
    let okrs = OKRS
        .replace("OBJECTIVE_TITLE", &yaml_quote(XSS[4]))
        .replace("KR_TITLE", &yaml_quote(XSS[0]));
    let inputs = WorkspaceFiles {
        config: Some(files.add("threatokr.yaml", config)),
        models: vec![files.add(format!("models/{}.tm.yaml", XSS[1]), model)],
        okrs: vec![files.add("okrs/2027-Q1.yaml", okrs)],
        ..WorkspaceFiles::default()
    };
    (files, inputs)
}

/// The test backend: the workspace above and an in-memory store.
pub(crate) struct TestBackend {
    files: Files,
    inputs: WorkspaceFiles,
    pub(crate) store: Mutex<Store>,
    /// Names of the evidence files posted.
    kept: Mutex<Vec<String>>,
}

pub(crate) fn as_of() -> jiff::civil::Date {
    jiff::civil::date(2027, 2, 15)
}

impl TestBackend {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Check-ins and findings recorded so far: what a refused request must not change.
    pub(crate) fn writes(&self) -> (usize, usize) {
        let store = self.store();
        let checkins =
            ["KR-TOP", "KR-WEB"].iter().map(|kr| store.checkins(kr).map_or(0, |r| r.len())).sum();
        let findings = store.findings(&FindingFilter::default()).map_or(0, |r| r.len());
        let kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len();
        (checkins, findings + kept)
    }
}

impl Backend for TestBackend {
    fn fingerprint(&self) -> Result<u64, BackendError> {
        let (checkins, findings) = self.writes();
        Ok((checkins * 1000 + findings) as u64)
    }

    fn app_findings(&self, app: &str) -> Result<Vec<threatokr_store::FindingRow>, BackendError> {
        let filter = FindingFilter { app: Some(app.to_owned()), ..FindingFilter::default() };
        Ok(self.store().findings(&filter)?)
    }

    fn snapshot(&self, cycle: Option<&str>) -> Result<Snapshot, BackendError> {
        if cycle.is_some_and(|c| c != "2027-Q1") {
            return Err(BackendError::NotFound("there is no such cycle".into()));
        }
        let (workspace, _) = load_workspace(&self.files, &self.inputs);
        let store = self.store();
        let mut evidence = EvidenceSet::default();
        let mut checkins = std::collections::BTreeMap::new();
        for kr in ["KR-TOP", "KR-WEB"] {
            let rows = store.checkins(kr)?;
            if !rows.is_empty() {
                let records = rows
                    .iter()
                    .map(|r| CheckinRecord {
                        date: r.checkin.effective,
                        value: r.checkin.value,
                        confidence: r.checkin.confidence,
                    })
                    .collect();
                evidence.checkins.insert(kr.to_owned(), records);
                checkins.insert(kr.to_owned(), rows);
            }
        }
        let cycle = workspace.config.cycles[0].clone();
        let measurement = measure_cycle(&workspace, &cycle, as_of(), &evidence);
        let mut json = Vec::new();
        write_measurement_json_compact(&mut json, &measurement)
            .map_err(|e| BackendError::Internal(e.to_string()))?;
        let report = threatokr_core::report::build(&workspace, &self.files, as_of());
        let analysis = threatokr_core::analysis::analyze(&workspace);
        let model_files =
            workspace.models.iter().map(|m| self.files.name(m.origin.file).to_owned()).collect();
        Ok(Snapshot {
            report,
            analysis,
            cycles: vec![CycleInfo {
                id: cycle.id.to_string(),
                start: cycle.start,
                end: cycle.end,
                within: None,
                has_okrs: true,
                closed: false,
            }],
            measurement: MeasurementText::new(&json)
                .map_err(|e| BackendError::Internal(e.to_string()))?,
            checkins,
            model_files,
            ci: Vec::new(),
            asvs: Vec::new(),
            workspace,
        })
    }

    fn checkin(&self, request: &CheckinRequest) -> Result<serde_json::Value, BackendError> {
        let row = self.store().add_checkin_at(&request.to_checkin(), request.recorded_at)?;
        Ok(serde_json::json!({ "kr": request.kr_id, "order": row.order, "note": request.note }))
    }

    fn ingest(&self, request: &IngestRequest) -> Result<serde_json::Value, BackendError> {
        if request.kind != EvidenceKind::Sarif {
            // The file kinds are checked and kept by the binary's backend; here they are counted.
            let name = request.name.clone().unwrap_or_default();
            self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(name.clone());
            return Ok(
                serde_json::json!({ "kind": request.kind.as_str(), "kept": name, "records": 1, "diagnostics": [] }),
            );
        }
        let app = request.app.clone().unwrap_or_default();
        let env = request.env.clone().unwrap_or_default();
        let mut files = Files::new();
        let id = files.add("body", request.body.clone());
        let (log, diagnostics) = threatokr_core::evidence::sarif::parse_sarif_log(&files, id);
        if threatokr_core::diag::Summary::of(&diagnostics).errors > 0 {
            return Err(BackendError::Invalid("the SARIF log has errors".into()));
        }
        let findings = log
            .findings
            .into_iter()
            .map(|f| FindingInput {
                fingerprint: f.fingerprint,
                rule_id: f.rule_id,
                severity: f.severity.as_str().into(),
                score: f.score,
                cwes: f.cwes,
                class: f.class,
                file: f.file,
                line: f.line,
                message: f.message,
            })
            .collect();
        let tool = log.tools.first().cloned().unwrap_or_default();
        let summary = self.store().ingest_findings(&ScanInput {
            outcome: threatokr_store::ScanOutcome::Complete,
            tool: tool.clone(),
            app: app.clone(),
            environment: env.clone(),
            at: request.scanned_at,
            findings,
        })?;
        Ok(serde_json::json!({
            "app": app, "env": env, "at": request.scanned_at.to_string(),
            "ingested": [{ "tool": tool, "new": summary.new, "still_open": summary.still_open, "fixed": summary.fixed, "reopened": summary.reopened }],
            "diagnostics": [],
        }))
    }

    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_802_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }
}

/// Tokens of every role, and one revoked, keyed by role name.
pub(crate) struct Tokens {
    pub(crate) viewer: String,
    pub(crate) editor: String,
    pub(crate) admin: String,
    pub(crate) revoked: String,
}

/// A server over the test backend, with tokens.
pub(crate) struct TestServer {
    pub(crate) state: AppState,
    pub(crate) backend: Arc<TestBackend>,
    pub(crate) tokens: Tokens,
}

pub(crate) fn server(read_access: ReadAccess) -> TestServer {
    server_with(Settings { read_access, ..Settings::default() })
}

pub(crate) fn server_with(settings: Settings) -> TestServer {
    let (files, inputs) = workspace_files();
    let backend = Arc::new(TestBackend {
        files,
        inputs,
        store: Mutex::new(Store::open_in_memory().expect("store")),
        kept: Mutex::default(),
    });
    let mut access = Store::open_in_memory().expect("access store");
    let now = backend.now();
    let mut make = |name: &str, role: Role| {
        let (secret, hash) = threatokr_server::new_token().expect("randomness");
        access.create_token(name, role, &hash, now).expect("token");
        secret.0
    };
    let tokens = Tokens {
        viewer: make("viewer", Role::Viewer),
        editor: make("editor", Role::Editor),
        admin: make("admin", Role::Admin),
        revoked: make("revoked", Role::Admin),
    };
    access.revoke_token("revoked", now).expect("revoke");
    let state = AppState::new(settings, backend.clone(), access);
    TestServer { state, backend, tokens }
}

/// A response read whole.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestServer {
    pub(crate) async fn send(&self, request: Request<Body>) -> Reply {
        let response: Response<Body> = threatokr_server::router(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub(crate) async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = Request::get(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::empty()).expect("request")).await
    }

    pub(crate) async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> Reply {
        let mut request = Request::post(path).header(header::CONTENT_TYPE, content_type);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(body.to_owned())).expect("request")).await
    }
}

/// A SARIF log with one high finding.
pub(crate) fn sarif_log() -> String {
    serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "semgrep", "rules": [{ "id": "idor" }] } },
            "results": [{
                "ruleId": "idor", "level": "error",
                "message": { "text": XSS[1] },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": "src/orders.rs" }, "region": { "startLine": 3 } } }]
            }]
        }]
    })
    .to_string()
}
