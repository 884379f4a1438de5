//! End-to-end tests of the history store under real use (issue 13, and the ingest points of
//! issues 10 to 12): concurrent writers, killed ingests, failed scans, files of the wrong app,
//! the evidence folder's layout, dates typed wrong and read-only reading.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use threatokr_store::{FindingFilter, FindingRow, Store};

fn command(args: &[&str], cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_threatokr"));
    command.args(args).current_dir(cwd).env("NO_COLOR", "1");
    command
}

fn threatokr(args: &[&str], cwd: &Path) -> Output {
    command(args, cwd).output().expect("the binary runs")
}

fn spawn(args: &[&str], cwd: &Path) -> Child {
    command(args, cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("store-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The demo workspace (with its store: ingested, measured) in a fresh folder.
fn demo(name: &str) -> PathBuf {
    let dir = scratch(name);
    let output = threatokr(&["demo", "--out", "acme"], &dir);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    dir.join("acme")
}

/// The example workspace without a store.
fn example(name: &str) -> PathBuf {
    let dir = scratch(name);
    let output = threatokr(&["init", "ws", "--example"], &dir);
    assert!(output.status.success(), "{}", stderr(&output));
    dir.join("ws")
}

fn store_path(workspace: &Path) -> PathBuf {
    workspace.join(".threatokr/store.sqlite")
}

fn findings(workspace: &Path) -> Vec<FindingRow> {
    let store = Store::open_read_only(&store_path(workspace)).unwrap();
    store.findings(&FindingFilter::default()).unwrap()
}

fn count_of_tool(rows: &[FindingRow], tool: &str) -> usize {
    rows.iter().filter(|f| f.tool == tool).count()
}

/// A SARIF log with one run per (tool, number of results); fingerprints are unique per tool.
fn generated_sarif(runs: &[(&str, usize)]) -> String {
    let mut text = String::from(r#"{"version": "2.1.0", "runs": ["#);
    for (i, (tool, results)) in runs.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"tool": {{"driver": {{"name": "{tool}", "rules": [{{"id": "R1"}}]}}}}, "results": ["#
        ));
        for n in 0..*results {
            if n > 0 {
                text.push(',');
            }
            text.push_str(&format!(
                r#"{{"ruleId": "R1", "level": "error", "message": {{"text": "finding {n} of {tool}"}}, "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "src/file{n}.py"}}, "region": {{"startLine": {line}}}}}}}], "partialFingerprints": {{"primaryLocationLineHash": "{tool}-{n}"}}}}"#,
                line = n % 500 + 1
            ));
        }
        text.push_str("]}");
    }
    text.push_str("]}");
    text
}

/// `ingest sarif FILE --app APP --env prod --at AT` and `extra`.
fn ingest_args(app: &str, file: &str, at: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["ingest", "sarif", file, "--app", app, "--env", "prod", "--at", at];
    args.extend_from_slice(extra);
    args.into_iter().map(str::to_owned).collect()
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn ingest_checkout(workspace: &Path, file: &str, at: &str) -> Output {
    threatokr(&as_strs(&ingest_args("checkout", file, at, &[])), workspace)
}

fn bandit_sample() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test_data/samples/sarif/bandit-1.9.4_werkzeug-3.1.3.sarif");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn issue_13_eight_concurrent_writers_all_land_exactly_once() {
    let workspace = demo("concurrent");
    for i in 0..4 {
        let text = generated_sarif(&[(&format!("Scanner{i}"), 1500)]);
        std::fs::write(workspace.join(format!("scan{i}.sarif")), text).unwrap();
    }
    let mut commands: Vec<Vec<String>> = Vec::new();
    for i in 0..4 {
        commands.push(ingest_args(
            "checkout",
            &format!("scan{i}.sarif"),
            "2027-02-20",
            &["--force"],
        ));
    }
    for (kr, note) in
        [("KR-CEO-1", "concurrent check-in one"), ("KR-CRO-1", "concurrent check-in two")]
    {
        commands.push(
            ["checkin", kr, "--value", "7", "--note", note, "--at", "2027-02-20"]
                .map(str::to_owned)
                .to_vec(),
        );
    }
    for day in ["2027-02-20", "2027-02-21"] {
        commands.push(["measure", "--as-of", day, "--force"].map(str::to_owned).to_vec());
    }
    assert_eq!(commands.len(), 8);
    // All eight start before any is waited for.
    let children: Vec<Child> =
        commands.iter().map(|args| spawn(&as_strs(args), &workspace)).collect();
    for (args, child) in commands.iter().zip(children) {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{args:?}: {}{}", stdout(&output), stderr(&output));
    }

    let rows = findings(&workspace);
    for i in 0..4 {
        assert_eq!(count_of_tool(&rows, &format!("Scanner{i}")), 1500, "Scanner{i}");
    }
    let store = Store::open_read_only(&store_path(&workspace)).unwrap();
    for (kr, note) in
        [("KR-CEO-1", "concurrent check-in one"), ("KR-CRO-1", "concurrent check-in two")]
    {
        let checkins = store.checkins(kr).unwrap();
        let matching = checkins.iter().filter(|c| c.checkin.note.as_deref() == Some(note)).count();
        assert_eq!(matching, 1, "{kr}");
    }
    let days: Vec<String> =
        store.measurements("KR-CEO-1").unwrap().iter().map(|m| m.as_of.to_string()).collect();
    assert!(
        days.contains(&"2027-02-20".to_owned()) && days.contains(&"2027-02-21".to_owned()),
        "{days:?}"
    );
}

#[test]
fn issue_13_eight_ingests_creating_the_store_together_all_land() {
    let workspace = example("concurrent-fresh");
    let commands: Vec<Vec<String>> = (0..8)
        .map(|i| {
            let name = format!("scan{i}.sarif");
            std::fs::write(workspace.join(&name), generated_sarif(&[(&format!("Tool{i}"), 500)]))
                .unwrap();
            ingest_args("checkout", &name, "2026-11-30", &[])
        })
        .collect();
    let children: Vec<Child> =
        commands.iter().map(|args| spawn(&as_strs(args), &workspace)).collect();
    for (args, child) in commands.iter().zip(children) {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
    let rows = findings(&workspace);
    assert!((0..8).all(|i| count_of_tool(&rows, &format!("Tool{i}")) == 500), "{}", rows.len());
}

/// Waits, without sleeping, until `ready` holds or the child exits; then kills it.
fn kill_when(child: &mut Child, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready() && child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::yield_now();
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn issue_13_a_killed_ingest_of_a_two_tool_file_leaves_none_or_all_of_it() {
    let workspace = demo("killed");
    let wal = workspace.join(".threatokr/store.sqlite-wal");
    let wal_size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let visible = |app: &str| {
        let store = Store::open_read_only(&store_path(&workspace)).unwrap();
        let filter = FindingFilter { app: Some(app.to_owned()), ..FindingFilter::default() };
        !store.findings(&filter).unwrap().is_empty()
    };
    // Killed as soon as the store is touched, early in the write, and as soon as anything of the
    // file can be read (with one transaction per tool, that is between the two tools). Each
    // attempt files its scan under its own app, so what it left is easy to count.
    for (attempt, app) in ["checkout", "payments-api", "storefront"].into_iter().enumerate() {
        let (first, second) = (format!("First{attempt}"), format!("Second{attempt}"));
        let name = format!("big{attempt}.sarif");
        // A small first run and a large second: the gap between them, were they two
        // transactions, is long enough to be seen.
        let text = generated_sarif(&[(&first, 2_000), (&second, 30_000)]);
        std::fs::write(workspace.join(&name), text).unwrap();
        let args = ingest_args(app, &name, "2027-02-20", &["--force"]);
        let mut child = spawn(&as_strs(&args), &workspace);
        match attempt {
            0 => kill_when(&mut child, || wal_size() > 0),
            1 => kill_when(&mut child, || wal_size() > 64 << 10),
            _ => kill_when(&mut child, || visible(app)),
        }
        // Opening for writing recovers the store as the next command would.
        drop(Store::open(&store_path(&workspace)).unwrap());
        let rows = findings(&workspace);
        let landed = (count_of_tool(&rows, &first), count_of_tool(&rows, &second));
        assert!(landed == (0, 0) || landed == (2_000, 30_000), "attempt {attempt}: {landed:?}");
    }
}

#[test]
fn issue_13_a_failed_scan_records_what_it_saw_and_fixes_nothing() {
    let workspace = example("failed-scan");
    let sample = bandit_sample();
    std::fs::write(workspace.join("bandit.sarif"), &sample).unwrap();
    let first = ingest_checkout(&workspace, "bandit.sarif", "2026-01-10");
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("Bandit: 28 new"), "{}", stdout(&first));
    let failed = sample.replace(
        "\"executionSuccessful\": true",
        "\"executionSuccessful\": false, \"toolExecutionNotifications\": [{\"level\": \"error\", \"message\": {\"text\": \"bandit crashed\"}}]",
    );
    // The failed run reports only some of its results before stopping.
    let failed = failed.replacen("\"results\": [", "\"results\": [], \"unused\": [", 1);
    std::fs::write(workspace.join("failed.sarif"), failed).unwrap();
    let output = ingest_checkout(&workspace, "failed.sarif", "2026-01-17");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("sarif-incomplete-run"), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .contains("0 fixed, 0 reopened (the scan did not complete: nothing marked fixed)"),
        "{}",
        stdout(&output)
    );
    let null_results =
        generated_sarif(&[("Bandit", 0)]).replace("\"results\": []", "\"results\": null");
    std::fs::write(workspace.join("null.sarif"), null_results).unwrap();
    let output = ingest_checkout(&workspace, "null.sarif", "2026-01-24");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(findings(&workspace).iter().all(|f| f.fixed_at.is_none()));
}

#[test]
fn issues_10_to_12_a_file_of_another_app_is_refused_unless_forced() {
    let workspace = example("wrong-app");
    std::fs::write(workspace.join("bandit.sarif"), bandit_sample()).unwrap();
    let ingest = |app: &str, file: &str, extra: &[&str]| {
        let mut args =
            vec!["ingest", "sarif", file, "--app", app, "--env", "prod", "--at", "2026-01-10"];
        args.extend_from_slice(extra);
        threatokr(&args, &workspace)
    };
    assert!(ingest("checkout", "bandit.sarif", &[]).status.success());
    // The same findings again, under another app: refused, nothing stored.
    let refused = ingest("storefront", "bandit.sarif", &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains(
            "28 of its 28 Bandit findings are already filed under app `checkout`, not `storefront`"
        ),
        "{}",
        stderr(&refused)
    );
    assert!(findings(&workspace).iter().all(|f| f.app == "checkout"));
    assert!(ingest("storefront", "bandit.sarif", &["--force"]).status.success());
    assert_eq!(findings(&workspace).iter().filter(|f| f.app == "storefront").count(), 28);

    // A file that says which repository it scanned must name one of the app's.
    let provenance = |repository: &str| {
        generated_sarif(&[("CodeQL", 1)]).replacen(
            r#""results": ["#,
            &format!(
                r#""versionControlProvenance": [{{"repositoryUri": "{repository}"}}], "results": ["#
            ),
            1,
        )
    };
    std::fs::write(workspace.join("blog.sarif"), provenance("https://github.com/acme/storefront"))
        .unwrap();
    let refused = ingest("checkout", "blog.sarif", &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("it scanned https://github.com/acme/storefront, a repository of app `storefront`, not a repository of app `checkout`"),
        "{}",
        stderr(&refused)
    );
    std::fs::write(workspace.join("own.sarif"), provenance("https://github.com/acme/checkout.git"))
        .unwrap();
    let accepted = ingest("checkout", "own.sarif", &[]);
    assert!(accepted.status.success(), "{}", stderr(&accepted));
}

#[test]
fn issues_10_to_12_ingest_learns_the_evidence_layout_and_skips_what_it_holds() {
    let workspace = example("layout");
    // A dry run reads the folder and prints a table, not JSON.
    let dry = threatokr(&["ingest", "evidence", "--dry-run"], &workspace);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let table = stdout(&dry);
    assert!(table.contains("\ncheckout/prod/2027-01-10.sarif      Semgrep         3"), "{table}");
    assert!(table.lines().next().unwrap().contains("findings"), "{table}");
    assert!(!table.contains('{'), "{table}");
    assert!(!store_path(&workspace).exists());

    // The whole folder in one process, oldest first, with no flags: the path says them.
    let output = threatokr(&["ingest", "evidence", "--force"], &workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let order: Vec<&str> = text.lines().filter_map(|l| l.split(':').next()).collect();
    let mut sorted_by_date = order.clone();
    sorted_by_date.sort_by_key(|name| name.rsplit('/').next().map(str::to_owned));
    assert_eq!(order, sorted_by_date, "{text}");
    assert!(
        text.contains("evidence/sarif/checkout/prod/2027-02-10.sarif: checkout/prod 2027-02-10"),
        "{text}"
    );
    let stored = findings(&workspace).len();
    assert!(stored > 0);

    // Again: everything is skipped, nothing is refused as out of order.
    let again = threatokr(&["ingest", "evidence", "--force"], &workspace);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        stdout(&again).matches("already ingested, skipped").count(),
        4,
        "{}",
        stdout(&again)
    );
    assert_eq!(findings(&workspace).len(), stored);

    // One file needs no flags either.
    let single = threatokr(
        &["ingest", "sarif", "evidence/sarif/checkout/prod/2027-02-10.sarif"],
        &workspace,
    );
    assert!(single.status.success(), "{}", stderr(&single));
    assert!(stdout(&single).contains("already ingested, skipped"), "{}", stdout(&single));
}

#[test]
fn issue_12_a_file_recorded_under_the_older_fnv_identity_is_still_skipped() {
    let workspace = example("older-identity");
    let text = generated_sarif(&[("CodeQL", 3)]);
    std::fs::write(workspace.join("scan.sarif"), &text).unwrap();
    // Another file of the same length, one byte changed: its older identity is not recorded.
    std::fs::write(workspace.join("other.sarif"), text.replacen("finding 0", "finding 9", 1))
        .unwrap();
    // As threatokr before issue 12 recorded it: length, `-`, FNV-1a of the bytes.
    let mut fnv = threatokr_core::evidence::sarif::Fnv1a64::new();
    fnv.update(text.as_bytes());
    let older = threatokr_store::IngestedFile {
        hash: format!("{}-{:016x}", text.len(), fnv.finish()),
        name: "scan.sarif".into(),
        app: "checkout".into(),
        environment: "prod".into(),
        at: "2026-01-10".parse().unwrap(),
    };
    std::fs::create_dir_all(workspace.join(".threatokr")).unwrap();
    let mut store = Store::open(&store_path(&workspace)).unwrap();
    store.ingest_scans(&[], Some(&older)).unwrap();
    drop(store);

    let skipped = ingest_checkout(&workspace, "scan.sarif", "2026-01-10");
    assert!(skipped.status.success(), "{}", stderr(&skipped));
    assert!(stdout(&skipped).contains("already ingested, skipped"), "{}", stdout(&skipped));
    assert!(findings(&workspace).is_empty());
    let other = ingest_checkout(&workspace, "other.sarif", "2026-01-10");
    assert!(other.status.success(), "{}", stderr(&other));
    assert_eq!(findings(&workspace).len(), 3);
    // Both are now known: the second under the new identity.
    let again = ingest_checkout(&workspace, "other.sarif", "2026-01-10");
    assert!(stdout(&again).contains("already ingested, skipped"), "{}", stdout(&again));
}

#[test]
fn issue_13_a_date_far_beyond_today_is_refused_unless_forced() {
    let workspace = example("future");
    std::fs::write(workspace.join("scan.sarif"), generated_sarif(&[("CodeQL", 1)])).unwrap();
    let refused = ingest_checkout(&workspace, "scan.sarif", "2072-02-15");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("the scan date 2072-02-15 is after tomorrow"),
        "{}",
        stderr(&refused)
    );
    let measured =
        threatokr(&["measure", "--cycle", "2027-Q1", "--as-of", "2072-02-15"], &workspace);
    assert_eq!(measured.status.code(), Some(2));
    assert!(
        stderr(&measured).contains("the measurement date 2072-02-15 is after tomorrow"),
        "{}",
        stderr(&measured)
    );
    assert!(findings(&workspace).is_empty());
}

#[test]
fn issue_13_reading_commands_create_no_store_and_a_scan_without_a_date_says_so() {
    let workspace = example("read-only");
    let status = threatokr(&["status", "--as-of", "2027-02-15"], &workspace);
    assert!(status.status.success(), "{}", stderr(&status));
    let report = threatokr(
        &["report", "--as-of", "2027-02-15", "--format", "markdown", "-o", "report.md"],
        &workspace,
    );
    assert!(report.status.success(), "{}", stderr(&report));
    assert!(!workspace.join(".threatokr").exists(), "a reading command created the store");

    std::fs::write(workspace.join("scan.sarif"), generated_sarif(&[("CodeQL", 1)])).unwrap();
    let undated = threatokr(
        &["ingest", "sarif", "scan.sarif", "--app", "checkout", "--env", "prod"],
        &workspace,
    );
    assert!(undated.status.success(), "{}", stderr(&undated));
    assert!(stderr(&undated).contains("scan.sarif is dated today ("), "{}", stderr(&undated));
}
