//! The dashboard in a real headless browser (Debian's `chromium` driven through `chromedriver`
//! over WebDriver, with the small HTTP client beside this file rather than a WebDriver crate:
//! the protocol needs a dozen JSON calls, and a client crate would pull in a second HTTP stack
//! and an async runtime for them). Without chromium the test fails, saying how to install it.

use super::http;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where Debian installs them (`apt-get install chromium chromium-driver`).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free loopback port; stopped when dropped.
struct Driver {
    child: Child,
    address: String,
}

impl Driver {
    fn start() -> Self {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(binary).is_file(),
                "{binary} is missing: the browser test needs `apt-get install -y chromium chromium-driver`"
            );
        }
        // Port 0 is not accepted by chromedriver: take a free port from the system and hand it over.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(CHROMEDRIVER)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".to_owned()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let stdout = child.stdout.take().expect("stdout");
        // chromedriver says when it listens; reading that line is the wait, with no sleep.
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        while !line.contains("started successfully") {
            line.clear();
            let read = reader.read_line(&mut line).expect("chromedriver output");
            assert!(read > 0, "chromedriver stopped before it listened");
        }
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        Self { child, address: format!("127.0.0.1:{port}") }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session.
struct Browser<'d> {
    driver: &'d Driver,
    session: String,
    base: String,
    /// The width last set, which every page must keep (a page without a viewport tag would be
    /// laid out wider on an emulated phone, and pass the overflow check without fitting).
    width: std::cell::Cell<u32>,
}

impl Browser<'_> {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        let reply = http::request(
            &self.driver.address,
            method,
            &format!("/session/{}{path}", self.session),
            &[("Content-Type", "application/json")],
            text.as_bytes(),
        );
        let json: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
        assert_eq!(reply.status, 200, "WebDriver {method} {path}: {}", reply.body);
        json["value"].clone()
    }

    fn open(&self, path: &str) {
        self.call("POST", "/url", Some(json!({ "url": format!("{}{path}", self.base) })));
    }

    fn find(&self, css: &str) -> String {
        let element =
            self.call("POST", "/element", Some(json!({ "using": "css selector", "value": css })));
        element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.call("POST", &format!("/element/{element}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call("POST", &format!("/element/{element}/value"), Some(json!({ "text": text })));
    }

    fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.call("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    fn script(&self, source: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({ "script": source, "args": [] })))
    }

    fn path(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .trim_start_matches(&self.base)
            .to_owned()
    }

    /// Waits (up to ten seconds) for the page at `expected` to be shown: a click that submits a
    /// form returns before the browser has followed the answer's redirect when the machine is
    /// busy, so reading the address at once would race it.
    fn assert_path_becomes(&self, expected: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut path = self.path();
        while path != expected && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
            path = self.path();
        }
        assert_eq!(path, expected);
    }

    /// Makes the page `width` CSS pixels wide. Headless chromium will not make a window narrower
    /// than 500 px (a 390 px window has an `innerWidth` of 500), so the width is emulated
    /// through the DevTools protocol, as the browser's device mode does; narrow widths are
    /// emulated as a phone (`mobile`: viewport meta tags apply, scrollbars overlay).
    fn set_width(&self, width: u32) {
        let height = if width < 500 { 844 } else { 900 };
        self.call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width.max(500), "height": height })),
        );
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500,
            } })),
        );
        let inner = self.script("return window.innerWidth;");
        assert_eq!(inner, json!(width), "the page is {width} px wide");
        self.width.set(width);
    }

    /// Saves a screenshot of the whole page (not only the viewport) as a PNG under the target
    /// folder and returns its path.
    fn screenshot(&self, name: &str) -> PathBuf {
        let shot = self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": "Page.captureScreenshot", "params": {
                "format": "png", "captureBeyondViewport": true,
            } })),
        );
        let encoded = &shot["data"];
        let bytes = base64_decode(encoded.as_str().unwrap_or(""));
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG screenshot");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, bytes).expect("writing the screenshot");
        // Kept as an artefact of the run: say where.
        #[allow(clippy::print_stderr, reason = "the test says where its artefacts are")]
        {
            eprintln!("screenshot: {}", path.display());
        }
        path
    }

    /// Nothing overflows sideways at the current width.
    fn assert_no_sideways_overflow(&self, page: &str) {
        let inner = self.script("return window.innerWidth;");
        assert_eq!(inner, json!(self.width.get()), "{page} is laid out at the width set");
        let fits = self.script("return document.documentElement.scrollWidth <= window.innerWidth;");
        let widths =
            self.script("return [document.documentElement.scrollWidth, window.innerWidth];");
        // What sticks out, to say where to look.
        let culprits = self.script(
            "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right));",
        );
        assert_eq!(
            fits,
            Value::Bool(true),
            "{page} overflows sideways: scrollWidth, innerWidth = {widths}; sticking out: {culprits}"
        );
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let sextets: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(sextets.len() * 3 / 4);
    for chunk in sextets.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, s)| n | u32::from(*s) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// Starts chromedriver and a browser session opening paths under `base`, runs `visit`, and
/// ends the session whatever happened, so no browser outlives the test.
fn in_browser(base: &str, visit: impl FnOnce(&Browser<'_>)) {
    let driver = Driver::start();
    let capabilities = json!({ "capabilities": { "alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--hide-scrollbars"] },
    } } });
    let reply = http::request(
        &driver.address,
        "POST",
        "/session",
        &[("Content-Type", "application/json")],
        capabilities.to_string().as_bytes(),
    );
    assert_eq!(reply.status, 200, "a browser session: {}", reply.body);
    let session: Value = serde_json::from_str(&reply.body).expect("session JSON");
    let browser = Browser {
        driver: &driver,
        session: session["value"]["sessionId"].as_str().expect("session id").to_owned(),
        base: base.to_owned(),
        width: std::cell::Cell::new(1280),
    };
    // Finding an element waits up to ten seconds for it to appear (chromedriver polls, the test
    // does not sleep): on a loaded machine a click's navigation may not have finished when the
    // click returns.
    browser.call("POST", "/timeouts", Some(json!({ "implicit": 10_000 })));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| visit(&browser)));
    let _ = http::request(
        &driver.address,
        "DELETE",
        &format!("/session/{}", browser.session),
        &[],
        b"",
    );
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn a_person_walks_from_the_company_objective_to_a_key_result_and_checks_in() {
    let workspace = super::demo("serve-browser");
    let editor = super::token(&workspace, "eva-browser", "editor");
    let server = super::Server::start(&workspace);
    in_browser(&format!("http://{}", server.address), |browser| walk(browser, &editor));
}

fn walk(browser: &Browser<'_>, editor: &str) {
    browser.set_width(1280);
    browser.open("/signin");
    browser.type_into("input[name=token]", editor);
    browser.click("form[action='/signin'] button[type=submit]");
    // The alignment tree is on the home page only: finding it waits for the sign-in's redirect.
    browser.find("ul.tree");
    browser.assert_path_becomes("/");
    assert!(browser.text("header.top").contains("eva-browser (editor)"));
    browser.assert_no_sideways_overflow("home at 1280");
    browser.screenshot("home-1280");
    // Down the alignment tree, as the links on each page lead.
    browser.click("ul.tree a[href='/objectives/O-CEO-1']");
    browser.click("ul.links a[href='/objectives/O-SEC-TRUST']");
    browser.click("ul.links a[href='/objectives/O-APPSEC-AC']");
    assert!(browser.text("h1").contains("Implement consistent access control"));
    browser.click("ul.links a[href='/objectives/O-EVA-1']");
    browser.assert_path_becomes("/objectives/O-EVA-1");
    let before = browser.text("#objective-progress");
    browser.screenshot("objective-1280");
    browser.type_into("#kr-KR-EVA-1 input[name=value]", "1");
    browser.type_into("#kr-KR-EVA-1 input[name=confidence]", "8");
    browser.type_into("#kr-KR-EVA-1 input[name=note]", "ownership checks shipped");
    browser.click("#kr-KR-EVA-1 form.checkin button[type=submit]");
    browser.assert_path_becomes("/objectives/O-EVA-1#kr-KR-EVA-1");
    let after = browser.text("#objective-progress");
    assert_ne!(before, after, "the objective's roll-up changes at once");
    let history = browser.text("#kr-KR-EVA-1 table.checkins");
    assert!(
        history.contains("eva-browser") && history.contains("ownership checks shipped"),
        "{history}"
    );
    assert!(browser.text("#kr-KR-EVA-1 dl.figures").contains("8 / 10"));
    browser.screenshot("checked-in-1280");
    browser.set_width(390);
    for (page, name) in [
        ("/", "home-390"),
        ("/objectives/O-EVA-1", "objective-390"),
        ("/apps/checkout", "app-390"),
        ("/cycles", "cycles-390"),
    ] {
        browser.open(page);
        browser.assert_no_sideways_overflow(page);
        browser.screenshot(name);
    }
}

/// Opens a report file at a desktop's and a phone's width: nothing may overflow sideways, and
/// a screenshot of each is kept.
fn check_report_widths(report: &Path, name: &str) {
    let url = format!("file://{}", report.canonicalize().expect("the report exists").display());
    in_browser("", |browser| {
        for width in [1280, 390] {
            browser.set_width(width);
            browser.open(&url);
            assert!(browser.text("h1").contains("Security OKRs"), "{name} is open");
            browser.assert_no_sideways_overflow(&format!("{name} at {width}"));
            browser.screenshot(&format!("{name}-{width}"));
        }
    });
}

#[test]
fn the_demo_report_fits_a_desktop_and_a_phone_without_sideways_scrolling() {
    let workspace = super::demo("report-browser-demo");
    check_report_widths(&workspace.join("report.html"), "demo-report");
}

#[test]
fn a_report_of_a_threagile_model_with_long_ids_fits_a_desktop_and_a_phone() {
    let workspace = super::threagile_workspace("report-browser-threagile");
    check_report_widths(&workspace.join("report.html"), "threagile-report");
}
