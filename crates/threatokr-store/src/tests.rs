//! Tests of the store, all against `open_in_memory()` except the ones about files.

use crate::*;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use threatokr_core::progress::{Band, Status};

fn store() -> Store {
    Store::open_in_memory().expect("in-memory store")
}

fn finding(fingerprint: &str, severity: &str) -> FindingInput {
    FindingInput {
        fingerprint: fingerprint.into(),
        rule_id: format!("rule-{fingerprint}").into(),
        severity: severity.to_owned().into(),
        score: None,
        class: threatokr_core::model::FindingClass::Security,
        cwes: vec![89, 79, 89],
        file: Some("src/app.py".into()),
        line: Some(12),
        message: format!("finding {fingerprint}"),
    }
}

fn scan(at: Date, fingerprints: &[&str]) -> ScanInput {
    scan_in("prod", at, fingerprints)
}

fn scan_in(environment: &str, at: Date, fingerprints: &[&str]) -> ScanInput {
    ScanInput {
        tool: "semgrep".into(),
        app: "shop".into(),
        environment: environment.into(),
        at,
        findings: fingerprints.iter().map(|f| finding(f, "high")).collect(),
        outcome: ScanOutcome::Complete,
    }
}

fn summary(new: usize, still_open: usize, fixed: usize, reopened: usize) -> IngestSummary {
    IngestSummary { new, still_open, fixed, reopened }
}

fn all_findings(store: &Store) -> Vec<FindingRow> {
    store.findings(&FindingFilter::default()).unwrap()
}

fn open_fingerprints(store: &Store, on: Date) -> Vec<String> {
    store
        .findings(&FindingFilter { open_on: Some(on), ..FindingFilter::default() })
        .unwrap()
        .into_iter()
        .map(|f| f.fingerprint)
        .collect()
}

/// Every table's content, without row ids (which depend on insertion order), as sorted text.
fn dump(store: &Store) -> Vec<String> {
    let queries = [
        "SELECT 'scan', tool, app, environment, at FROM scans",
        "SELECT 'finding', fingerprint, tool, app, environment, rule_id, severity, score, cwes, file, line, message, first_seen, last_seen, fixed_at, reopened FROM findings",
        "SELECT 'event', f.fingerprint, f.environment, e.at, e.kind FROM finding_events e JOIN findings f ON f.id = e.finding_id",
        "SELECT 'measurement', * FROM measurements",
        "SELECT 'checkin', * FROM checkins",
        "SELECT 'status', * FROM status_changes",
        "SELECT 'grade', * FROM grades",
    ];
    let mut lines = Vec::new();
    for sql in queries {
        let mut statement = store.conn.prepare(sql).unwrap();
        let columns = statement.column_count();
        let rows = statement
            .query_map([], |row| {
                (0..columns)
                    .map(|i| row.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        for row in rows {
            lines.push(row.unwrap().join("|"));
        }
    }
    lines.sort();
    lines
}

// ---- opening ----

/// How many migrations `migrations/` holds: the schema version of a fresh store.
const MIGRATION_COUNT: u32 = 17;

#[test]
fn in_memory_store_is_migrated_with_foreign_keys_on() {
    let store = store();
    assert_eq!(store.schema_version().unwrap(), MIGRATION_COUNT);
    // Every file in `migrations/` is applied: one that was added but not listed would be skipped.
    let files = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"))
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql")))
        .count();
    assert_eq!(files, MIGRATION_COUNT as usize);
    assert_eq!(store.journal_mode().unwrap(), "memory");
    let foreign_keys: bool =
        store.conn.pragma_query_value(None, "foreign_keys", |row| row.get(0)).unwrap();
    assert!(foreign_keys);
}

/// The first column of each row `sql` selects, as text.
fn texts_of(conn: &Connection, sql: &str) -> Vec<String> {
    let mut statement = conn.prepare(sql).unwrap();
    statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
}

/// A folder of its own under the system temp folder, removed when dropped.
struct TempFolder(std::path::PathBuf);

impl TempFolder {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("threatokr-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

/// A new store in `store.sqlite` of a folder of its own (kept while the folder is), with its path.
fn file_store(name: &str) -> (TempFolder, std::path::PathBuf, Store) {
    let folder = TempFolder::new(name);
    let path = folder.0.join("store.sqlite");
    let store = Store::open(&path).unwrap();
    (folder, path, store)
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn file_store_uses_wal_and_keeps_history_across_reopening() {
    let folder = TempFolder::new("reopen");
    let path = folder.0.join("store.sqlite");
    {
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.journal_mode().unwrap(), "wal");
        let busy_ms: i64 =
            store.conn.pragma_query_value(None, "busy_timeout", |row| row.get(0)).unwrap();
        assert_eq!(busy_ms, 60_000);
        store.ingest_findings(&scan(date(2027, 1, 5), &["a", "b"])).unwrap();
    }
    assert!(path.exists());
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATION_COUNT);
    assert_eq!(store.journal_mode().unwrap(), "wal");
    assert_eq!(all_findings(&store).len(), 2);
    // The reopened store still knows the newest scan and refuses an older one.
    assert!(matches!(
        store.ingest_findings(&scan(date(2027, 1, 4), &[])),
        Err(StoreError::OutOfOrder { .. })
    ));
}

#[test]
fn issue_12_reads_under_one_state_see_the_store_as_it_was_when_the_first_read_ran() {
    let (_folder, path, mut writer) = file_store("one-state");
    writer.ingest_findings(&scan(date(2027, 1, 5), &["a", "b"])).unwrap();
    let reader = Store::open_read_only(&path).unwrap();
    {
        let _one = reader.one_state().unwrap();
        assert_eq!(all_findings(&reader).len(), 2);
        // Another process's ingest lands (the reader never blocks it) but is not seen yet.
        writer.ingest_findings(&scan(date(2027, 1, 6), &["a", "b", "c"])).unwrap();
        assert_eq!(all_findings(&reader).len(), 2);
        assert_eq!(reader.finding_records(None).unwrap().len(), 2);
        // A guard inside a held state holds nothing more.
        let inner = reader.one_state().unwrap();
        drop(inner);
        assert_eq!(all_findings(&reader).len(), 2);
    }
    assert_eq!(all_findings(&reader).len(), 3);
}

#[test]
fn opening_a_store_from_a_newer_threatokr_fails_cleanly() {
    let folder = TempFolder::new("newer");
    let path = folder.0.join("store.sqlite");
    drop(Store::open(&path).unwrap());
    Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::NewerSchema { found: 99, known } if known == MIGRATION_COUNT),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "the history store comes from a newer version of threatokr (schema 99; this version knows up to {MIGRATION_COUNT}): upgrade threatokr to read and write it"
        )
    );
    // The cause is not repeated underneath in library words.
    assert!(std::error::Error::source(&error).is_none());
    assert!(matches!(Store::open_read_only(&path), Err(StoreError::NewerSchema { .. })));
}

#[test]
fn another_applications_sqlite_file_is_refused_and_left_untouched() {
    let folder = TempFolder::new("foreign");
    let path = folder.0.join("notes.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error:?}");
    assert!(error.to_string().starts_with("this file is not a threatokr history store"), "{error}");
    assert!(matches!(Store::open_read_only(&path), Err(StoreError::NotAStore { .. })));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let tables = texts_of(
        &Connection::open(&path).unwrap(),
        "SELECT name FROM sqlite_master WHERE type = 'table'",
    );
    assert_eq!(tables, ["notes"]);

    // Not SQLite at all, and an empty database carrying another application's id.
    let text = folder.0.join("text.sqlite");
    std::fs::write(
        &text,
        "this is a text file, long enough to be looked at as a database header .....",
    )
    .unwrap();
    assert!(matches!(Store::open(&text), Err(StoreError::NotAStore { .. })));
    let other = folder.0.join("other.sqlite");
    Connection::open(&other).unwrap().pragma_update(None, "application_id", 42).unwrap();
    assert!(matches!(Store::open(&other), Err(StoreError::NotAStore { .. })));
}

#[test]
fn a_store_written_before_the_application_id_is_adopted() {
    let folder = TempFolder::new("legacy");
    let path = folder.0.join("store.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/0001_init.sql")).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATION_COUNT);
    store.ingest_findings(&scan(date(2027, 1, 5), &["a"])).unwrap();
    let id: i32 = store.conn.pragma_query_value(None, "application_id", |row| row.get(0)).unwrap();
    assert_eq!(id, APPLICATION_ID);
}

#[test]
fn a_read_only_store_reads_and_refuses_to_write_and_a_missing_one_reads_as_empty() {
    let folder = TempFolder::new("read-only");
    let path = folder.0.join("store.sqlite");
    let missing = Store::open_read_only(&path).unwrap();
    assert!(all_findings(&missing).is_empty());
    assert!(!path.exists(), "reading created the store");
    Store::open(&path).unwrap().ingest_findings(&scan(date(2027, 1, 5), &["a"])).unwrap();
    let mut store = Store::open_read_only(&path).unwrap();
    assert_eq!(all_findings(&store).len(), 1);
    assert!(matches!(
        store.ingest_findings(&scan(date(2027, 1, 6), &[])),
        Err(StoreError::Sqlite(_))
    ));
    assert_eq!(open_fingerprints(&store, date(2027, 1, 6)), ["a"]);
}

#[test]
fn writes_take_the_lock_up_front_and_a_second_writer_waits_for_it() {
    let folder = TempFolder::new("immediate");
    let path = folder.0.join("store.sqlite");
    let mut first = Store::open(&path).unwrap();
    let mut second = Store::open(&path).unwrap();
    second.conn.busy_timeout(Duration::from_millis(50)).unwrap();
    // While the first writer holds a write transaction, the second cannot even begin one: with a
    // deferred transaction it would read first and fail only when upgrading, past any waiting.
    let tx = first.write_transaction().unwrap();
    let error = second.add_checkin(&checkin(1.0, None, date(2027, 1, 5))).unwrap_err();
    assert!(error.to_string().starts_with("the history store stayed locked by another writer"));
    assert!(std::error::Error::source(&error).is_none());
    assert!(
        matches!(&error, StoreError::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)),
        "{error:?}"
    );
    drop(tx);
    second.add_checkin(&checkin(1.0, None, date(2027, 1, 5))).unwrap();
}

#[test]
fn opening_a_store_in_a_missing_folder_is_an_error_not_a_panic() {
    let folder = TempFolder::new("missing");
    let error = Store::open(&folder.0.join("no-such-folder").join("store.sqlite")).unwrap_err();
    assert!(matches!(error, StoreError::Sqlite(_)));
}

// ---- findings ----

#[test]
fn first_scan_records_every_finding_as_new() {
    let mut store = store();
    let mut input = scan(date(2027, 1, 5), &["b", "a"]);
    input.findings[0].score = Some(7.5);
    assert_eq!(store.ingest_findings(&input).unwrap(), summary(2, 0, 0, 0));
    let rows = all_findings(&store);
    assert_eq!(rows.iter().map(|f| f.fingerprint.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    let b = &rows[1];
    assert_eq!(
        b,
        &FindingRow {
            fingerprint: "b".into(),
            tool: "semgrep".into(),
            app: "shop".into(),
            environment: "prod".into(),
            rule_id: "rule-b".into(),
            severity: "high".into(),
            score: Some(7.5),
            cwes: vec![79, 89],
            class: threatokr_core::model::FindingClass::Security,
            file: Some("src/app.py".into()),
            line: Some(12),
            message: "finding b".into(),
            first_seen: date(2027, 1, 5),
            last_seen: date(2027, 1, 5),
            fixed_at: None,
            reopened: 0,
        }
    );
}

#[test]
fn later_scans_fix_missing_findings_and_reopen_returning_ones() {
    let mut store = store();
    assert_eq!(
        store.ingest_findings(&scan(date(2027, 1, 5), &["a", "b", "c"])).unwrap(),
        summary(3, 0, 0, 0)
    );
    // c is gone on the 12th.
    assert_eq!(
        store.ingest_findings(&scan(date(2027, 1, 12), &["a", "b"])).unwrap(),
        summary(0, 2, 1, 0)
    );
    // b is gone and c is back on the 19th; d is new.
    assert_eq!(
        store.ingest_findings(&scan(date(2027, 1, 19), &["a", "c", "d"])).unwrap(),
        summary(1, 1, 1, 1)
    );
    let rows = all_findings(&store);
    let by_id = |id: &str| rows.iter().find(|f| f.fingerprint == id).unwrap();
    assert_eq!(
        (by_id("a").first_seen, by_id("a").last_seen, by_id("a").fixed_at),
        (date(2027, 1, 5), date(2027, 1, 19), None)
    );
    assert_eq!(
        (by_id("b").last_seen, by_id("b").fixed_at),
        (date(2027, 1, 12), Some(date(2027, 1, 19)))
    );
    assert_eq!(
        (by_id("c").last_seen, by_id("c").fixed_at, by_id("c").reopened),
        (date(2027, 1, 19), None, 1)
    );
    assert_eq!(by_id("d").first_seen, date(2027, 1, 19));
}

#[test]
fn open_on_a_date_follows_fixes_and_reopenings() {
    let mut store = store();
    store.ingest_findings(&scan(date(2027, 1, 5), &["a", "c"])).unwrap();
    store.ingest_findings(&scan(date(2027, 1, 12), &["a"])).unwrap();
    store.ingest_findings(&scan(date(2027, 1, 19), &["a", "c"])).unwrap();
    assert_eq!(open_fingerprints(&store, date(2027, 1, 4)), Vec::<String>::new());
    assert_eq!(open_fingerprints(&store, date(2027, 1, 5)), ["a", "c"]);
    // c was fixed from the 12th to the 19th, although its row today says "open, reopened once".
    assert_eq!(open_fingerprints(&store, date(2027, 1, 15)), ["a"]);
    assert_eq!(open_fingerprints(&store, date(2027, 1, 19)), ["a", "c"]);
}

#[test]
fn ingesting_the_same_scan_twice_changes_nothing() {
    let mut store = store();
    store.ingest_findings(&scan(date(2027, 1, 5), &["a", "b", "c"])).unwrap();
    let second = scan(date(2027, 1, 12), &["a", "d"]);
    store.ingest_findings(&second).unwrap();
    let before = dump(&store);
    assert_eq!(store.ingest_findings(&second).unwrap(), summary(0, 2, 0, 0));
    assert_eq!(dump(&store), before);
}

#[test]
fn ingests_on_the_same_date_are_one_scan() {
    let mut split = store();
    let mut whole = store();
    for s in [&mut split, &mut whole] {
        s.ingest_findings(&scan(date(2027, 1, 5), &["a", "b", "c"])).unwrap();
    }
    // Two SARIF files of one tool on the 12th: {a} and {c, d}; b is gone.
    split.ingest_findings(&scan(date(2027, 1, 12), &["a"])).unwrap();
    split.ingest_findings(&scan(date(2027, 1, 12), &["c", "d"])).unwrap();
    whole.ingest_findings(&scan(date(2027, 1, 12), &["a", "c", "d"])).unwrap();
    assert_eq!(dump(&split), dump(&whole));
    assert_eq!(open_fingerprints(&split, date(2027, 1, 12)), ["a", "c", "d"]);
}

#[test]
fn a_scan_older_than_the_newest_of_its_scope_is_refused() {
    let mut store = store();
    store.ingest_findings(&scan(date(2027, 1, 12), &["a"])).unwrap();
    let before = dump(&store);
    let error = store.ingest_findings(&scan(date(2027, 1, 5), &["b"])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "refusing the scan of semgrep for shop/prod dated 2027-01-05: the store already has one dated 2027-01-12, and history is never rewritten"
    );
    assert_eq!(dump(&store), before);
    // Another environment is another scope, with its own order.
    assert_eq!(
        store.ingest_findings(&scan_in("staging", date(2027, 1, 5), &["b"])).unwrap(),
        summary(1, 0, 0, 0)
    );
}

#[test]
fn a_scan_never_fixes_findings_of_another_environment() {
    let mut store = store();
    store.ingest_findings(&scan_in("staging", date(2027, 1, 5), &["a"])).unwrap();
    assert_eq!(
        store.ingest_findings(&scan_in("prod", date(2027, 1, 6), &["b"])).unwrap(),
        summary(1, 0, 0, 0)
    );
    let staging = store
        .findings(&FindingFilter {
            environment: Some("staging".into()),
            ..FindingFilter::default()
        })
        .unwrap();
    assert_eq!(staging.len(), 1);
    assert_eq!(staging[0].fixed_at, None);
}

#[test]
fn an_ingest_failing_halfway_leaves_nothing_behind() {
    let mut store = store();
    store.ingest_findings(&scan(date(2027, 1, 5), &["a", "b"])).unwrap();
    let before = dump(&store);
    // The third finding is invalid: "a" was already updated and "c" inserted when it is reached.
    let mut bad = scan(date(2027, 1, 12), &["a", "c", "d"]);
    bad.findings[2].severity = "catastrophic".into();
    let error = store.ingest_findings(&bad).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid finding severity `catastrophic`: expected critical, high, medium, low, info or unknown"
    );
    assert_eq!(dump(&store), before);
    // Not even the scan date was kept: an ingest dated between the two is still accepted.
    assert_eq!(
        store.ingest_findings(&scan(date(2027, 1, 8), &["a", "b"])).unwrap(),
        summary(0, 2, 0, 0)
    );
}

#[test]
fn a_fingerprint_twice_in_one_scan_counts_once() {
    let mut store = store();
    let mut input = scan(date(2027, 1, 5), &["a", "a"]);
    input.findings[1].message = "the duplicate".into();
    assert_eq!(store.ingest_findings(&input).unwrap(), summary(1, 0, 0, 0));
    assert_eq!(all_findings(&store)[0].message, "finding a");
}

#[test]
fn findings_are_filtered_by_app_and_environment_and_sorted() {
    let mut store = store();
    store.ingest_findings(&scan_in("staging", date(2027, 1, 5), &["z", "y"])).unwrap();
    store.ingest_findings(&scan_in("prod", date(2027, 1, 5), &["x"])).unwrap();
    let mut other_app = scan_in("prod", date(2027, 1, 5), &["w"]);
    other_app.app = "billing".into();
    store.ingest_findings(&other_app).unwrap();
    let keys = |rows: Vec<FindingRow>| {
        rows.into_iter()
            .map(|f| format!("{}/{}/{}", f.app, f.environment, f.fingerprint))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(all_findings(&store)),
        ["billing/prod/w", "shop/prod/x", "shop/staging/y", "shop/staging/z"]
    );
    let shop_staging = FindingFilter {
        app: Some("shop".into()),
        environment: Some("staging".into()),
        open_on: None,
    };
    assert_eq!(keys(store.findings(&shop_staging).unwrap()), ["shop/staging/y", "shop/staging/z"]);
}

#[test]
fn invalid_scan_values_are_refused() {
    let mut store = store();
    let mut input = scan(date(2027, 1, 5), &["a"]);
    input.findings[0].score = Some(11.0);
    assert!(matches!(
        store.ingest_findings(&input),
        Err(StoreError::Invalid { field: "finding score", .. })
    ));
    let mut input = scan(date(2027, 1, 5), &[""]);
    input.findings[0].fingerprint = String::new();
    assert!(matches!(
        store.ingest_findings(&input),
        Err(StoreError::Invalid { field: "finding fingerprint", .. })
    ));
    let mut input = scan(date(2027, 1, 5), &[]);
    input.tool = " ".into();
    assert!(matches!(
        store.ingest_findings(&input),
        Err(StoreError::Invalid { field: "scan tool", .. })
    ));
    assert!(all_findings(&store).is_empty());
}

#[test]
fn an_incomplete_scan_records_what_it_saw_and_fixes_nothing() {
    let mut store = store();
    store.ingest_findings(&scan(date(2027, 1, 5), &["a", "b", "c"])).unwrap();
    let failed = ScanInput { outcome: ScanOutcome::Incomplete, ..scan(date(2027, 1, 12), &["a"]) };
    assert_eq!(store.ingest_findings(&failed).unwrap(), summary(0, 1, 0, 0));
    assert_eq!(open_fingerprints(&store, date(2027, 1, 12)), ["a", "b", "c"]);
    let complete: bool = store
        .conn
        .query_row("SELECT complete FROM scans WHERE at = '2027-01-12'", [], |row| row.get(0))
        .unwrap();
    assert!(!complete);
    // A complete scan the same day makes the day's scan complete, and fixes what it lacks.
    assert_eq!(
        store.ingest_findings(&scan(date(2027, 1, 12), &["a"])).unwrap(),
        summary(0, 1, 2, 0)
    );
    assert_eq!(open_fingerprints(&store, date(2027, 1, 12)), ["a"]);
}

#[test]
fn a_file_whose_second_scan_is_refused_leaves_the_store_unchanged() {
    let mut store = store();
    let semgrep = scan(date(2027, 1, 10), &["a"]);
    let codeql = ScanInput { tool: "codeql".into(), ..scan(date(2027, 1, 10), &["x"]) };
    store.ingest_findings(&codeql).unwrap();
    let before = dump(&store);
    let file = IngestedFile {
        hash: "h1".into(),
        name: "evidence/sarif/shop/prod/2027-01-05.sarif".into(),
        app: "shop".into(),
        environment: "prod".into(),
        at: date(2027, 1, 5),
    };
    // The file's first run (semgrep) is new; its second (codeql) is older than the store's.
    let older = [
        ScanInput { at: date(2027, 1, 5), ..semgrep.clone() },
        ScanInput { at: date(2027, 1, 5), ..codeql.clone() },
    ];
    assert!(matches!(store.ingest_scans(&older, Some(&file)), Err(StoreError::OutOfOrder { .. })));
    assert_eq!(dump(&store), before);
    assert!(!store.is_ingested("h1", "shop", "prod").unwrap());
    let summaries = store.ingest_scans(&[semgrep, codeql], Some(&file)).unwrap();
    assert_eq!(summaries, [summary(1, 0, 0, 0), summary(0, 1, 0, 0)]);
    assert!(store.is_ingested("h1", "shop", "prod").unwrap());
    assert!(!store.is_ingested("h1", "blog", "prod").unwrap());
}

#[test]
fn fingerprints_held_by_another_app_are_counted_per_app() {
    let mut store = store();
    store.ingest_findings(&scan(date(2027, 1, 5), &["a", "b"])).unwrap();
    let elsewhere = store.fingerprints_elsewhere("semgrep", "blog", &["a", "b", "z"]).unwrap();
    assert_eq!(elsewhere.into_iter().collect::<Vec<_>>(), [("shop".to_owned(), 2)]);
    assert!(store.fingerprints_elsewhere("semgrep", "shop", &["a"]).unwrap().is_empty());
    assert!(store.fingerprints_elsewhere("codeql", "blog", &["a"]).unwrap().is_empty());
}

#[test]
fn a_scan_larger_than_an_insert_batch_records_each_finding_and_its_history() {
    // 150 findings span three insert statements; the second scan keeps 100, brings 70 new ones
    // (two statements) and fixes 50.
    let names =
        |range: std::ops::Range<usize>| range.map(|i| format!("fp-{i:03}")).collect::<Vec<_>>();
    let first = names(0..150);
    let second: Vec<String> = names(50..220);
    fn refs(names: &[String]) -> Vec<&str> {
        names.iter().map(String::as_str).collect()
    }
    let mut store = store();
    // Given out of fingerprint order, with one fingerprint twice: the first occurrence wins.
    let mut scan1 = scan(date(2027, 1, 5), &refs(&first).into_iter().rev().collect::<Vec<_>>());
    let mut twice = finding("fp-007", "low");
    twice.message = "second occurrence".into();
    scan1.findings.push(twice);
    assert_eq!(store.ingest_findings(&scan1).unwrap(), summary(150, 0, 0, 0));
    let second_scan = scan(date(2027, 1, 6), &refs(&second));
    assert_eq!(store.ingest_findings(&second_scan).unwrap(), summary(70, 100, 50, 0));
    let rows = all_findings(&store);
    assert_eq!(rows.len(), 220);
    let seventh = rows.iter().find(|f| f.fingerprint == "fp-007").unwrap();
    assert_eq!((seventh.message.as_str(), seventh.severity.as_str()), ("finding fp-007", "high"));
    assert_eq!(seventh.fixed_at, Some(date(2027, 1, 6)));
    // Every finding has its events: open on the first day are the first scan's, on the second
    // the second scan's.
    assert_eq!(open_fingerprints(&store, date(2027, 1, 5)), first);
    assert_eq!(open_fingerprints(&store, date(2027, 1, 6)), second);
    let events: i64 =
        store.conn.query_row("SELECT count(*) FROM finding_events", [], |row| row.get(0)).unwrap();
    assert_eq!(events, 220 + 50);
}

/// A store at the schema before the migration whose text contains `marker`, holding finding 7
/// and its two events, opened (and so migrated) as the current schema.
fn store_with_a_finding_from_before(marker: &str) -> Store {
    let conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    let before = MIGRATIONS.iter().position(|m| m.contains(marker)).unwrap();
    for migration in &MIGRATIONS[..before] {
        conn.execute_batch(migration).unwrap();
    }
    conn.execute_batch(
        "INSERT INTO findings (id, fingerprint, tool, app, environment, rule_id, severity, score, cwes, file, line, message, first_seen, last_seen, fixed_at, reopened, class)
         VALUES (7, 'fp', 'semgrep', 'shop', 'prod', 'r', 'high', 7.5, '[79]', 'a.py', 3, 'm', '2027-01-01', '2027-01-02', '2027-01-03', 1, 'quality');
         INSERT INTO finding_events (finding_id, at, kind) VALUES (7, '2027-01-01', 'opened'), (7, '2027-01-03', 'fixed');",
    )
    .unwrap();
    conn.pragma_update(None, "user_version", before as u32).unwrap();
    conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
    let identity = read_identity(&conn).unwrap();
    Store::prepare(conn, identity).unwrap()
}

#[test]
fn the_findings_rebuild_keeps_rows_ids_events_and_checks() {
    let mut store = store_with_a_finding_from_before("findings_0010");
    assert_eq!(store.schema_version().unwrap(), MIGRATION_COUNT);
    let dumped = dump(&store);
    assert!(dumped.contains(&"Text(\"finding\")|Text(\"fp\")|Text(\"semgrep\")|Text(\"shop\")|Text(\"prod\")|Text(\"r\")|Text(\"high\")|Real(7.5)|Text(\"[79]\")|Text(\"a.py\")|Integer(3)|Text(\"m\")|Text(\"2027-01-01\")|Text(\"2027-01-02\")|Text(\"2027-01-03\")|Integer(1)".to_owned()), "{dumped:#?}");
    let events: Vec<(i64, String)> = store
        .conn
        .prepare("SELECT finding_id, kind FROM finding_events ORDER BY at")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events, [(7, "opened".to_owned()), (7, "fixed".to_owned())]);
    let class: String = store
        .conn
        .query_row("SELECT class FROM findings WHERE id = 7", [], |row| row.get(0))
        .unwrap();
    assert_eq!(class, "quality");
    // The checks still hold, and deleting a finding still deletes its events.
    for bad in ["severity = 'severe'", "class = 'style'"] {
        let update = format!("UPDATE findings SET {bad} WHERE id = 7");
        assert!(store.conn.execute(&update, []).is_err(), "{bad} was accepted");
    }
    assert!(
        store
            .conn
            .execute("INSERT INTO finding_events VALUES (7, '2027-01-04', 'closed')", [])
            .is_err()
    );
    // The scope's generation (0009's triggers, created again) moves on each change.
    let generation = |store: &Store| -> i64 {
        store
            .conn
            .query_row(
                "SELECT generation FROM finding_scopes WHERE app = 'shop' AND environment = 'prod'",
                [],
                |row| row.get(0),
            )
            .unwrap()
    };
    let before = generation(&store);
    store.conn.execute("DELETE FROM findings WHERE id = 7", []).unwrap();
    let left: i64 =
        store.conn.query_row("SELECT count(*) FROM finding_events", [], |row| row.get(0)).unwrap();
    assert_eq!(left, 0);
    assert_eq!(generation(&store), before + 1);
    store.ingest_findings(&scan(date(2027, 1, 5), &["a"])).unwrap();
    assert!(generation(&store) > before + 1);
}

#[test]
fn issue_12_a_store_from_before_fewer_btrees_keeps_its_findings_and_events() {
    let mut store = store_with_a_finding_from_before("finding_events_0011");
    assert_eq!(store.schema_version().unwrap(), MIGRATION_COUNT);
    let kept = |store: &Store| -> Vec<(i64, String, String)> {
        store
            .conn
            .prepare("SELECT finding_id, at, kind FROM finding_events ORDER BY at")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        kept(&store),
        [
            (7, "2027-01-01".to_owned(), "opened".to_owned()),
            (7, "2027-01-03".to_owned(), "fixed".to_owned())
        ]
    );
    let finding = &all_findings(&store)[0];
    assert_eq!((finding.fingerprint.as_str(), finding.fixed_at), ("fp", Some(date(2027, 1, 3))));
    // The events are their key alone now, and the index that repeated the unique key is gone.
    let schema = |name: &str| -> Option<String> {
        store
            .conn
            .query_row("SELECT sql FROM sqlite_schema WHERE name = ?1", [name], |row| row.get(0))
            .ok()
    };
    assert!(schema("finding_events").unwrap().contains("WITHOUT ROWID"));
    assert_eq!(schema("findings_by_app"), None);
    // The event's checks and its cascade still hold.
    assert!(
        store
            .conn
            .execute("INSERT INTO finding_events VALUES (7, '2027-01-04', 'closed')", [])
            .is_err()
    );
    assert!(
        store
            .conn
            .execute("INSERT INTO finding_events VALUES (8, '2027-01-04', 'fixed')", [])
            .is_err()
    );
    // Its readers work without the dropped index: the finding seen again reopens.
    let seen_again = store.ingest_findings(&scan(date(2027, 1, 5), &["fp"])).unwrap();
    assert_eq!(seen_again, summary(0, 0, 0, 1));
    assert_eq!(store.fingerprints_elsewhere("semgrep", "blog", &["fp"]).unwrap()["shop"], 1);
    let scope = [("shop".to_owned(), "prod".to_owned())];
    assert_eq!(store.finding_records(Some(&scope)).unwrap(), store.finding_records(None).unwrap());
    store.conn.execute("DELETE FROM findings WHERE id = 7", []).unwrap();
    assert!(kept(&store).is_empty());
}

fn finding_scan(at: Date, present: &[bool]) -> ScanInput {
    let names = ["a", "b", "c", "d", "e"];
    let chosen: Vec<&str> =
        names.iter().zip(present).filter(|(_, p)| **p).map(|(n, _)| *n).collect();
    scan(at, &chosen)
}

proptest! {
    #[test]
    fn reingesting_and_splitting_a_scan_change_nothing(
        history in prop::collection::vec(prop::collection::vec(any::<bool>(), 5), 1..5),
        last in prop::collection::vec(any::<bool>(), 5),
        split_mask in prop::collection::vec(any::<bool>(), 5),
    ) {
        let mut whole = store();
        let mut split = store();
        for (day, present) in history.iter().enumerate() {
            let at = date(2027, 1, 1 + i8::try_from(day).unwrap());
            whole.ingest_findings(&finding_scan(at, present)).unwrap();
            split.ingest_findings(&finding_scan(at, present)).unwrap();
        }
        let at = date(2027, 2, 1);
        whole.ingest_findings(&finding_scan(at, &last)).unwrap();
        let once = dump(&whole);
        whole.ingest_findings(&finding_scan(at, &last)).unwrap();
        prop_assert_eq!(&dump(&whole), &once);
        // The same scan in two parts, in either order, gives the same history.
        let part = |keep: bool| last.iter().zip(&split_mask).map(|(p, m)| *p && *m == keep).collect::<Vec<_>>();
        split.ingest_findings(&finding_scan(at, &part(true))).unwrap();
        split.ingest_findings(&finding_scan(at, &part(false))).unwrap();
        prop_assert_eq!(&dump(&split), &once);
    }
}

// ---- measurements ----

fn measurement(kr_id: &str, as_of: Date, value: f64) -> MeasurementRow {
    MeasurementRow {
        kr_id: kr_id.into(),
        cycle: "2027-Q1".into(),
        as_of,
        value: Some(value),
        numerator: Some(value),
        denominator: Some(10.0),
        progress: Some(value / 10.0),
        status: Status::OnTrack,
        evidence: serde_json::json!({"apps": ["shop"], "passed": value}),
    }
}

#[test]
fn measuring_twice_on_the_same_evidence_changes_nothing() {
    let mut store = store();
    let rows =
        [measurement("KR-1", date(2027, 1, 5), 4.0), measurement("KR-2", date(2027, 1, 5), 2.0)];
    assert_eq!(store.record_measurements(&rows).unwrap(), 2);
    let before = dump(&store);
    assert_eq!(store.record_measurements(&rows).unwrap(), 0);
    assert_eq!(dump(&store), before);
    // New evidence on the same day replaces the row.
    assert_eq!(
        store.record_measurements(&[measurement("KR-1", date(2027, 1, 5), 6.0)]).unwrap(),
        1
    );
    let kr1 = store.measurements("KR-1").unwrap();
    assert_eq!(kr1, [measurement("KR-1", date(2027, 1, 5), 6.0)]);
}

#[test]
fn measurements_come_back_by_date_and_latest_on_or_before_a_day() {
    let mut store = store();
    store
        .record_measurements(&[
            measurement("KR-2", date(2027, 1, 20), 5.0),
            measurement("KR-1", date(2027, 1, 20), 3.0),
            measurement("KR-1", date(2027, 1, 5), 1.0),
            measurement("KR-1", date(2027, 2, 1), 7.0),
            MeasurementRow {
                cycle: "2027-Q2".into(),
                ..measurement("KR-9", date(2027, 1, 6), 9.0)
            },
        ])
        .unwrap();
    let dates: Vec<Date> = store.measurements("KR-1").unwrap().iter().map(|m| m.as_of).collect();
    assert_eq!(dates, [date(2027, 1, 5), date(2027, 1, 20), date(2027, 2, 1)]);
    let latest = store.latest_measurements("2027-Q1", date(2027, 1, 25)).unwrap();
    let picked: Vec<(&str, Option<f64>)> =
        latest.iter().map(|m| (m.kr_id.as_str(), m.value)).collect();
    assert_eq!(picked, [("KR-1", Some(3.0)), ("KR-2", Some(5.0))]);
    assert!(store.latest_measurements("2027-Q1", date(2027, 1, 4)).unwrap().is_empty());
}

#[test]
fn a_bad_measurement_in_a_batch_writes_none_of_it() {
    let mut store = store();
    let bad = MeasurementRow { progress: Some(1.5), ..measurement("KR-2", date(2027, 1, 5), 2.0) };
    let error =
        store.record_measurements(&[measurement("KR-1", date(2027, 1, 5), 4.0), bad]).unwrap_err();
    assert!(matches!(error, StoreError::Invalid { field: "measurement progress", .. }));
    assert!(store.measurements("KR-1").unwrap().is_empty());
}

#[test]
fn a_measurement_with_no_data_keeps_its_nulls() {
    let mut store = store();
    let row = MeasurementRow {
        value: None,
        numerator: None,
        denominator: None,
        progress: None,
        status: Status::NoData,
        evidence: serde_json::json!([]),
        ..measurement("KR-1", date(2027, 1, 5), 0.0)
    };
    store.record_measurements(std::slice::from_ref(&row)).unwrap();
    assert_eq!(store.measurements("KR-1").unwrap(), [row]);
}

#[test]
fn serialized_evidence_is_stored_as_the_same_text_as_a_json_value() {
    let mut by_value = store();
    let mut by_text = store();
    let rows =
        [measurement("KR-1", date(2027, 1, 5), 4.5), measurement("KR-2", date(2027, 1, 5), 2.0)];
    by_value.record_measurements(&rows).unwrap();
    let texts = rows.iter().map(|row| SerializedMeasurement {
        kr_id: &row.kr_id,
        cycle: &row.cycle,
        as_of: row.as_of,
        value: row.value,
        numerator: row.numerator,
        denominator: row.denominator,
        progress: row.progress,
        status: row.status,
        evidence: EvidenceText::Whole(
            r#"{"apps":["shop"],"passed":EVIDENCE}"#
                .replace("EVIDENCE", &format!("{:?}", row.value.unwrap())),
        ),
        scored_against: None,
        fingerprint: None,
        details: None,
        evidence_counted: None,
        scope_parts: None,
    });
    assert_eq!(by_text.record_serialized_measurements(texts).unwrap(), 2);
    assert_eq!(dump(&by_text), dump(&by_value));
    assert_eq!(by_text.measurements("KR-1").unwrap(), [rows[0].clone()]);
}

#[test]
fn measurement_values_are_the_cycles_days_and_values_oldest_first() {
    let mut store = store();
    store
        .record_measurements(&[
            measurement("KR-1", date(2027, 1, 20), 3.0),
            MeasurementRow { value: None, ..measurement("KR-1", date(2027, 1, 5), 1.0) },
            measurement("KR-1", date(2027, 2, 1), 7.0),
            MeasurementRow {
                cycle: "2027-Q2".into(),
                ..measurement("KR-1", date(2027, 4, 2), 9.0)
            },
            measurement("KR-2", date(2027, 1, 6), 5.0),
        ])
        .unwrap();
    assert_eq!(
        store.measurement_values("KR-1", "2027-Q1").unwrap(),
        [(date(2027, 1, 5), None), (date(2027, 1, 20), Some(3.0)), (date(2027, 2, 1), Some(7.0))]
    );
    assert_eq!(
        store.measurement_values("KR-1", "2027-Q2").unwrap(),
        [(date(2027, 4, 2), Some(9.0))]
    );
    assert!(store.measurement_values("KR-3", "2027-Q1").unwrap().is_empty());
}

// ---- check-ins ----

fn checkin(value: f64, confidence: Option<u8>, effective: Date) -> Checkin {
    Checkin {
        kr_id: "KR-1".into(),
        value,
        confidence,
        note: Some("pentest booked".into()),
        author: Some("ana".into()),
        source: CheckinSource::Manual,
        effective,
    }
}

#[test]
fn checkins_are_listed_by_effective_date_then_recording_order() {
    let mut store = store();
    let first = store.add_checkin(&checkin(3.0, Some(7), date(2027, 1, 20))).unwrap();
    let second = store.add_checkin(&checkin(2.0, None, date(2027, 1, 10))).unwrap();
    let third = store
        .add_checkin(&Checkin {
            source: CheckinSource::Ci,
            ..checkin(4.0, Some(0), date(2027, 1, 20))
        })
        .unwrap();
    assert!(first.order < second.order && second.order < third.order);
    let values: Vec<(f64, Option<u8>, CheckinSource)> = store
        .checkins("KR-1")
        .unwrap()
        .iter()
        .map(|c| (c.checkin.value, c.checkin.confidence, c.checkin.source))
        .collect();
    assert_eq!(
        values,
        [
            (2.0, None, CheckinSource::Manual),
            (3.0, Some(7), CheckinSource::Manual),
            (4.0, Some(0), CheckinSource::Ci)
        ]
    );
    assert!(store.checkins("KR-2").unwrap().is_empty());
}

#[test]
fn a_confidence_above_ten_is_refused() {
    let mut store = store();
    let error = store.add_checkin(&checkin(3.0, Some(11), date(2027, 1, 20))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid check-in confidence `11`: expected a confidence from 0 to 10"
    );
    assert!(matches!(
        store.add_checkin(&checkin(f64::NAN, None, date(2027, 1, 20))),
        Err(StoreError::Invalid { field: "check-in value", .. })
    ));
    assert!(store.checkins("KR-1").unwrap().is_empty());
}

#[test]
fn checkin_sources_round_trip_through_their_names() {
    for source in CheckinSource::ALL {
        assert_eq!(source.as_str().parse::<CheckinSource>(), Ok(*source));
    }
    assert!("email".parse::<CheckinSource>().is_err());
}

// ---- status history ----

fn observed(kind: EntityKind, id: &str, status: &str) -> StatusObservation<'static> {
    StatusObservation {
        model_file: "models/shop.tm.yaml".into(),
        entity_kind: kind,
        entity_id: id.to_owned().into(),
        app: "shop".into(),
        status: status.to_owned().into(),
    }
}

#[test]
fn reading_the_same_models_every_day_records_only_changes() {
    let mut store = store();
    let day = |status_t1: &str, status_c1: &str| {
        vec![
            observed(EntityKind::Threat, "T-1", status_t1),
            observed(EntityKind::Control, "C-1", status_c1),
            observed(EntityKind::Threat, "T-2", "accepted"),
        ]
    };
    assert_eq!(store.record_statuses(date(2027, 1, 5), &day("identified", "planned")).unwrap(), 3);
    assert_eq!(store.record_statuses(date(2027, 1, 6), &day("identified", "planned")).unwrap(), 0);
    assert_eq!(store.record_statuses(date(2027, 1, 7), &day("mitigated", "planned")).unwrap(), 1);
    assert_eq!(
        store.record_statuses(date(2027, 1, 8), &day("mitigated", "implemented")).unwrap(),
        1
    );
    assert_eq!(
        store.record_statuses(date(2027, 1, 9), &day("mitigated", "implemented")).unwrap(),
        0
    );
    let history: Vec<(Date, String)> = store
        .status_history(EntityKind::Threat, "T-1")
        .unwrap()
        .into_iter()
        .map(|c| (c.at, c.observation.status.into_owned()))
        .collect();
    assert_eq!(
        history,
        [(date(2027, 1, 5), "identified".to_owned()), (date(2027, 1, 7), "mitigated".to_owned())]
    );
    assert_eq!(store.status_history(EntityKind::Control, "C-1").unwrap().len(), 2);
    // A threat and a control may share an id without mixing their histories.
    assert!(store.status_history(EntityKind::Control, "T-1").unwrap().is_empty());
    // All threats' changes at once, oldest first: T-1 and T-2 on the 5th, T-1 again on the 7th.
    let all: Vec<(Date, String, String)> = store
        .status_changes(EntityKind::Threat)
        .unwrap()
        .into_iter()
        .map(|c| (c.at, c.observation.entity_id.into_owned(), c.observation.status.into_owned()))
        .collect();
    assert_eq!(
        all,
        [
            (date(2027, 1, 5), "T-1".to_owned(), "identified".to_owned()),
            (date(2027, 1, 5), "T-2".to_owned(), "accepted".to_owned()),
            (date(2027, 1, 7), "T-1".to_owned(), "mitigated".to_owned()),
        ]
    );
}

#[test]
fn the_same_id_in_two_model_files_has_two_histories() {
    let mut store = store();
    let other = StatusObservation {
        model_file: "models/billing.json".into(),
        app: "billing".into(),
        ..observed(EntityKind::Threat, "T-1", "identified")
    };
    assert_eq!(
        store
            .record_statuses(
                date(2027, 1, 5),
                &[observed(EntityKind::Threat, "T-1", "mitigated"), other]
            )
            .unwrap(),
        2
    );
    let files: Vec<String> = store
        .status_history(EntityKind::Threat, "T-1")
        .unwrap()
        .into_iter()
        .map(|c| c.observation.model_file.into_owned())
        .collect();
    assert_eq!(files, ["models/billing.json", "models/shop.tm.yaml"]);
}

#[test]
fn status_observations_out_of_order_or_unknown_are_refused_whole() {
    let mut store = store();
    store
        .record_statuses(date(2027, 1, 7), &[observed(EntityKind::Threat, "T-1", "identified")])
        .unwrap();
    let before = dump(&store);
    let error = store
        .record_statuses(
            date(2027, 1, 6),
            &[
                observed(EntityKind::Threat, "T-9", "identified"),
                observed(EntityKind::Threat, "T-1", "mitigated"),
            ],
        )
        .unwrap_err();
    assert!(matches!(error, StoreError::OutOfOrder { .. }), "{error:?}");
    assert_eq!(dump(&store), before);
    let error = store
        .record_statuses(date(2027, 1, 8), &[observed(EntityKind::Control, "C-1", "mitigated")])
        .unwrap_err();
    assert!(matches!(error, StoreError::Invalid { field: "status", .. }), "{error:?}");
    assert_eq!(dump(&store), before);
}

#[test]
fn issue_12_the_statuses_last_recorded_are_not_looked_up_again_but_an_earlier_day_is_refused() {
    let mut store = store();
    let seen = |status: &str| [observed(EntityKind::Threat, "T-1", status)];
    assert_eq!(store.record_statuses(date(2027, 1, 7), &seen("identified")).unwrap(), 1);
    // The same statuses on a later day: known from the snapshot, not looked up row by row (the
    // history below is not read: a row removed behind the store's back is not noticed).
    store.conn.execute("DELETE FROM status_changes", []).unwrap();
    assert_eq!(store.record_statuses(date(2027, 1, 8), &seen("identified")).unwrap(), 0);
    assert!(store.status_history(EntityKind::Threat, "T-1").unwrap().is_empty());
    assert_eq!(store.record_statuses(date(2027, 1, 9), &seen("mitigated")).unwrap(), 1);
    // Back to the earlier statuses: another snapshot, so each is looked up and recorded.
    assert_eq!(store.record_statuses(date(2027, 1, 10), &seen("identified")).unwrap(), 1);
    // The same statuses before the snapshot's day: looked up, and refused as before.
    let error = store.record_statuses(date(2027, 1, 9), &seen("identified")).unwrap_err();
    assert!(matches!(error, StoreError::OutOfOrder { .. }), "{error:?}");
}

#[test]
fn issue_12_statuses_known_by_an_identity_are_listed_only_when_it_was_not_the_last_recorded() {
    let mut store = store();
    let seen = |status: &str| vec![observed(EntityKind::Threat, "T-1", status)];
    let mut listed = 0;
    let mut record = |store: &mut Store, day, identity: &str, status: &str| {
        store.record_statuses_known_as(date(2027, 1, day), identity, || {
            listed += 1;
            seen(status)
        })
    };
    assert_eq!(record(&mut store, 7, "files-1", "identified").unwrap(), 1);
    // The same identity on a later day: nothing listed, nothing recorded.
    assert_eq!(record(&mut store, 8, "files-1", "identified").unwrap(), 0);
    // Another identity: listed and compared with the history, which says nothing changed.
    assert_eq!(record(&mut store, 9, "files-2", "identified").unwrap(), 0);
    assert_eq!(record(&mut store, 10, "files-3", "mitigated").unwrap(), 1);
    // The same identity before its day: listed, and refused as before.
    let error = record(&mut store, 9, "files-3", "mitigated").unwrap_err();
    assert!(matches!(error, StoreError::OutOfOrder { .. }), "{error:?}");
    assert_eq!(listed, 4);
    let history = store.status_history(EntityKind::Threat, "T-1").unwrap();
    assert_eq!(history.len(), 2);
}

// ---- grades ----

fn graded(objective_id: &str, kr_id: &str, score: f64) -> GradeRow {
    GradeRow {
        kr_id: kr_id.into(),
        objective_id: objective_id.into(),
        lineage: Some(format!("lin-{kr_id}")),
        score,
        expected: 0.7,
        band: Band::of(score),
    }
}

#[test]
fn grades_freeze_once_unless_replaced() {
    let mut store = store();
    let rows = [graded("O-2", "KR-1", 0.8), graded("O-1", "KR-2", 0.3), graded("O-1", "KR-1", 0.8)];
    assert_eq!(store.freeze_grades("2027-Q1", &rows, Overwrite::Refuse).unwrap(), 3);
    let keys: Vec<(String, String, Band)> = store
        .grades("2027-Q1")
        .unwrap()
        .into_iter()
        .map(|g| (g.objective_id, g.kr_id, g.band))
        .collect();
    assert_eq!(
        keys,
        [
            ("O-1".into(), "KR-1".into(), Band::Green),
            ("O-1".into(), "KR-2".into(), Band::Red),
            ("O-2".into(), "KR-1".into(), Band::Green)
        ]
    );
    let error = store.freeze_grades("2027-Q1", &rows[..1], Overwrite::Refuse).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the grades of cycle 2027-Q1 are already frozen (3 key results); ask to overwrite them to freeze again"
    );
    assert_eq!(store.grades("2027-Q1").unwrap().len(), 3);
    assert_eq!(store.freeze_grades("2027-Q1", &rows[..1], Overwrite::Replace).unwrap(), 1);
    assert_eq!(store.grades("2027-Q1").unwrap(), [graded("O-2", "KR-1", 0.8)]);
    assert!(store.grades("2027-Q2").unwrap().is_empty());
}

#[test]
fn a_failed_freeze_keeps_the_grades_already_frozen() {
    let mut store = store();
    store.freeze_grades("2027-Q1", &[graded("O-1", "KR-1", 0.5)], Overwrite::Refuse).unwrap();
    let error = store
        .freeze_grades(
            "2027-Q1",
            &[graded("O-1", "KR-2", 0.5), graded("O-1", "KR-3", 1.5)],
            Overwrite::Replace,
        )
        .unwrap_err();
    assert!(matches!(error, StoreError::Invalid { field: "grade score", .. }));
    assert_eq!(store.grades("2027-Q1").unwrap(), [graded("O-1", "KR-1", 0.5)]);
}

#[test]
fn a_measurement_keeps_the_target_it_was_scored_against() {
    let mut store = store();
    let row = |day: Date, target: &str| SerializedMeasurement {
        kr_id: "KR-1",
        cycle: "2027-Q1",
        as_of: day,
        value: Some(1.0),
        numerator: Some(1.0),
        denominator: None,
        progress: Some(0.0),
        status: Status::OffTrack,
        evidence: EvidenceText::Whole("[]".into()),
        scored_against: Some(target.into()),
        fingerprint: None,
        details: None,
        evidence_counted: None,
        scope_parts: None,
    };
    let old = r#"{"type":"threshold","comparison":"at_most","limit":0.0}"#;
    let new = r#"{"type":"threshold","comparison":"at_most","limit":1.0}"#;
    store
        .record_serialized_measurements([row(date(2027, 1, 10), old), row(date(2027, 2, 10), new)])
        .unwrap();
    assert_eq!(
        store.measurement_targets("KR-1", "2027-Q1").unwrap(),
        [(date(2027, 1, 10), old.to_owned()), (date(2027, 2, 10), new.to_owned())]
    );
    // Measuring a day again with another target is a change, not a no-op.
    let changed = store.record_serialized_measurements([row(date(2027, 2, 10), old)]).unwrap();
    assert_eq!(changed, 1);
    // Text that is not JSON is refused by the schema.
    assert!(store.record_serialized_measurements([row(date(2027, 3, 1), "at_most 0")]).is_err());
}

#[test]
fn keeps_each_findings_class_and_the_latest_scans_word_for_it() {
    use threatokr_core::model::FindingClass;
    let mut store = Store::open_in_memory().unwrap();
    let mut input = scan(date(2027, 1, 5), &["a", "b"]);
    input.findings[1].class = FindingClass::Quality;
    store.ingest_findings(&input).unwrap();
    let classes = |store: &Store| {
        all_findings(store).iter().map(|f| (f.fingerprint.clone(), f.class)).collect::<Vec<_>>()
    };
    assert_eq!(
        classes(&store),
        [("a".to_owned(), FindingClass::Security), ("b".to_owned(), FindingClass::Quality)]
    );
    // A newer reader may classify a rule differently: the latest scan's class is kept.
    let mut input = scan(date(2027, 2, 5), &["a", "b"]);
    input.findings[0].class = FindingClass::License;
    store.ingest_findings(&input).unwrap();
    assert_eq!(
        classes(&store),
        [("a".to_owned(), FindingClass::License), ("b".to_owned(), FindingClass::Security)]
    );
}

// ---- access: tokens and sessions ----

fn moment(second: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_800_000_000 + second).unwrap()
}

#[test]
fn tokens_keep_only_their_hash_and_names_are_never_reused() {
    let mut store = store();
    let row = store.create_token("ci", Role::Editor, &[7; 32], moment(0)).unwrap();
    assert_eq!(row.role, Role::Editor);
    let active = store.active_token_hashes().unwrap();
    assert_eq!(active, vec![([7; 32], row.clone())]);
    assert!(matches!(
        store.create_token("ci", Role::Viewer, &[8; 32], moment(1)),
        Err(StoreError::Invalid { field: "token name", .. })
    ));
    assert!(store.revoke_token("ci", moment(2)).unwrap());
    assert!(!store.revoke_token("ci", moment(3)).unwrap(), "revoking twice changes nothing");
    assert!(store.active_token_hashes().unwrap().is_empty());
    let listed = store.tokens().unwrap();
    assert_eq!(listed[0].revoked_at, Some(moment(2)));
    assert!(
        store.create_token("ci", Role::Viewer, &[9; 32], moment(4)).is_err(),
        "a revoked name stays taken"
    );
}

#[test]
fn sessions_end_when_they_expire_or_their_token_is_revoked() {
    let mut store = store();
    let token = store.create_token("eva", Role::Editor, &[1; 32], moment(0)).unwrap();
    store.create_session(&[2; 32], token.id, "csrf", moment(100), moment(0)).unwrap();
    let live = store.session(&[2; 32], moment(50)).unwrap().unwrap();
    assert_eq!((live.token.name.as_str(), live.csrf.as_str()), ("eva", "csrf"));
    assert_eq!(store.session(&[2; 32], moment(100)).unwrap(), None, "expired");
    assert_eq!(store.session(&[3; 32], moment(50)).unwrap(), None, "unknown");
    store.revoke_token("eva", moment(60)).unwrap();
    assert_eq!(store.session(&[2; 32], moment(50)).unwrap(), None, "revoked");
}

#[test]
fn checkins_from_the_dashboard_keep_who_and_when() {
    let mut store = store();
    let checkin = Checkin {
        kr_id: "KR-1".into(),
        value: 3.0,
        confidence: Some(6),
        note: Some("<b>note</b>".into()),
        author: Some("eva".into()),
        source: CheckinSource::Api,
        effective: date(2027, 2, 15),
    };
    store.add_checkin_at(&checkin, moment(5)).unwrap();
    store.add_checkin(&checkin).unwrap();
    let rows = store.checkins("KR-1").unwrap();
    assert_eq!(rows[0].recorded_at, Some(moment(5)));
    assert_eq!(rows[0].checkin, checkin);
    assert_eq!(rows[1].recorded_at, None);
}

#[test]
fn file_stores_keep_up_to_64_mib_of_pages_in_their_cache_when_writing_and_reading() {
    let folder = TempFolder::new("page-cache");
    let path = folder.0.join("store.sqlite");
    let cache_size = |store: &Store| -> i64 {
        store.conn.pragma_query_value(None, "cache_size", |row| row.get(0)).unwrap()
    };
    assert_eq!(cache_size(&Store::open(&path).unwrap()), -65_536);
    assert_eq!(cache_size(&Store::open_read_only(&path).unwrap()), -65_536);
}

#[test]
fn evidence_unchanged_from_one_day_to_the_next_is_stored_once() {
    let mut store = store();
    let days = [date(2027, 1, 5), date(2027, 1, 6), date(2027, 1, 7)];
    for day in days {
        store.record_measurements(&[measurement("KR-1", day, 4.0)]).unwrap();
    }
    store.record_measurements(&[measurement("KR-1", date(2027, 1, 8), 5.0)]).unwrap();
    let kept: i64 =
        store.conn.query_row("SELECT count(*) FROM evidence", [], |row| row.get(0)).unwrap();
    assert_eq!(kept, 2, "one text for the three unchanged days, one for the changed day");
    let inline: i64 = store
        .conn
        .query_row("SELECT count(*) FROM measurements WHERE evidence <> 'null'", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(inline, 0);
    let read = store.measurements("KR-1").unwrap();
    let expected: Vec<MeasurementRow> = days
        .iter()
        .map(|day| measurement("KR-1", *day, 4.0))
        .chain([measurement("KR-1", date(2027, 1, 8), 5.0)])
        .collect();
    assert_eq!(read, expected);
}

#[test]
fn findings_of_every_app_come_back_sorted_by_app_environment_tool_and_fingerprint() {
    let mut store = store();
    let day = date(2027, 1, 5);
    for (app, environment, tool, fingerprints) in [
        ("web", "prod", "semgrep", ["z", "a"]),
        ("api", "staging", "codeql", ["m", "b"]),
        ("api", "prod", "semgrep", ["y", "c"]),
        ("api", "prod", "codeql", ["x", "d"]),
    ] {
        let mut scan = scan_in(environment, day, &fingerprints);
        scan.app = app.into();
        scan.tool = tool.into();
        store.ingest_findings(&scan).unwrap();
    }
    let order: Vec<String> = all_findings(&store)
        .iter()
        .map(|f| format!("{}/{}/{}/{}", f.app, f.environment, f.tool, f.fingerprint))
        .collect();
    assert_eq!(
        order,
        [
            "api/prod/codeql/d",
            "api/prod/codeql/x",
            "api/prod/semgrep/c",
            "api/prod/semgrep/y",
            "api/staging/codeql/b",
            "api/staging/codeql/m",
            "web/prod/semgrep/a",
            "web/prod/semgrep/z"
        ]
    );
}

// ---- incremental measuring (issue 12) ----

fn generations(store: &Store) -> Vec<(String, String, i64)> {
    let scopes = store.finding_scope_generations().unwrap().unwrap();
    scopes.into_iter().map(|g| (g.app, g.environment, g.generation)).collect()
}

#[test]
fn issue_12_an_ingest_moves_the_generation_of_its_own_scope_only() {
    let mut store = store();
    store.ingest_findings(&scan(date(2027, 1, 5), &["a", "b"])).unwrap();
    store.ingest_findings(&scan_in("staging", date(2027, 1, 5), &["a"])).unwrap();
    let before = generations(&store);
    assert_eq!(
        before.iter().map(|(a, e, _)| (a.as_str(), e.as_str())).collect::<Vec<_>>(),
        [("shop", "prod"), ("shop", "staging")]
    );
    // Fixing b (a later scan without it) is a change of prod only.
    store.ingest_findings(&scan(date(2027, 1, 6), &["a"])).unwrap();
    let after = generations(&store);
    assert!(after[0].2 > before[0].2, "{after:?}");
    assert_eq!(after[1], before[1]);
    // A scan that finds nothing still says the scope was looked at.
    store.ingest_findings(&scan_in("staging", date(2027, 1, 7), &["a"])).unwrap();
    assert!(generations(&store)[1].2 > after[1].2);
}

#[test]
fn issue_12_finding_records_of_some_scopes_are_those_of_every_finding_in_the_same_order() {
    let mut store = store();
    store.ingest_findings(&scan(date(2027, 1, 5), &["b", "a", "c"])).unwrap();
    store.ingest_findings(&scan_in("staging", date(2027, 1, 5), &["z", "a"])).unwrap();
    store.ingest_findings(&scan(date(2027, 1, 6), &["a", "d"])).unwrap();
    let every = store.finding_records(None).unwrap();
    let ids: Vec<_> = every.iter().map(|f| (&*f.environment, &*f.id)).collect();
    assert_eq!(
        ids,
        [
            ("prod", "a"),
            ("prod", "b"),
            ("prod", "c"),
            ("prod", "d"),
            ("staging", "a"),
            ("staging", "z")
        ]
    );
    assert_eq!(every[1].fixed_at, Some(date(2027, 1, 6)));
    assert_eq!(every[0].cwes, [79, 89]);
    let scopes =
        [("shop".to_owned(), "staging".to_owned()), ("shop".to_owned(), "prod".to_owned())];
    assert_eq!(store.finding_records(Some(&scopes)).unwrap(), every);
    let prod = store.finding_records(Some(&scopes[1..])).unwrap();
    assert_eq!(prod, every[..4]);
    // The same records as `findings` gives, field for field.
    let rows = store.findings(&FindingFilter::default()).unwrap();
    for (record, row) in every.iter().zip(&rows) {
        assert_eq!(
            (&*record.id, &*record.rule_id, record.file.as_deref(), record.line),
            (row.fingerprint.as_str(), row.rule_id.as_str(), row.file.as_deref(), row.line)
        );
        assert_eq!(
            (record.first_seen, record.fixed_at, &record.cwes),
            (row.first_seen, row.fixed_at, &row.cwes)
        );
    }
}

/// Scans of `count` findings each in three scopes, the second prod scan fixing a fifth of the
/// first's: more rows than one connection reads alone.
fn large_scans(count: usize) -> Vec<ScanInput> {
    let names: Vec<String> = (0..count).map(|i| format!("f{i:05}")).collect();
    let all: Vec<&str> = names.iter().map(String::as_str).collect();
    let kept: Vec<&str> = all.iter().copied().filter(|name| !name.ends_with('3')).collect();
    let mut staging = scan_in("staging", date(2027, 1, 5), &all);
    staging.app = "api".into();
    vec![
        scan(date(2027, 1, 5), &all),
        staging,
        scan_in("dev", date(2027, 1, 5), &all[..count / 2]),
        scan(date(2027, 1, 6), &kept),
    ]
}

#[test]
fn issue_12_a_large_findings_table_is_read_by_two_connections_as_one_reads_it() {
    let (_folder, path, mut on_file) = file_store("two-readers");
    let mut in_memory = store();
    for scan in large_scans(9_000) {
        on_file.ingest_findings(&scan).unwrap();
        in_memory.ingest_findings(&scan).unwrap();
    }
    drop(on_file);
    let on_file = Store::open_read_only(&path).unwrap();
    // A store in memory has no file to open twice; the file store does, in the same state.
    assert!(in_memory.twin_in_the_same_state().unwrap().is_none());
    assert!(on_file.twin_in_the_same_state().unwrap().is_some());
    // The rows themselves, as when no snapshot is current (the snapshots are tested apart).
    let every = on_file.records_from_rows(None).unwrap();
    assert_eq!(every.len(), 9_000 * 2 + 4_500);
    assert_eq!(every, in_memory.records_from_rows(None).unwrap());
    assert_eq!(every, on_file.finding_records(None).unwrap());
    let prod = |id: &str| every.iter().find(|r| &*r.environment == "prod" && &*r.id == id);
    assert_eq!(prod("f00003").unwrap().fixed_at, Some(date(2027, 1, 6)));
    assert_eq!(prod("f08999").unwrap().fixed_at, None);
    // Half the scopes: read through the whole table all the same, the other rows skipped.
    let scopes = [("shop".to_owned(), "prod".to_owned()), ("api".to_owned(), "staging".to_owned())];
    let some = on_file.records_from_rows(Some(&scopes)).unwrap();
    assert_eq!(some.len(), 18_000);
    assert_eq!(some, in_memory.records_from_rows(Some(&scopes)).unwrap());
    assert_eq!(some, on_file.finding_records(Some(&scopes)).unwrap());
    // Records naming the same app, tool or file share one copy of its text.
    let (first, last) = (&every[0], &every[every.len() - 1]);
    assert_eq!((&*first.app, &*last.app), ("api", "shop"));
    assert!(std::sync::Arc::ptr_eq(&first.tool, &last.tool));
    assert!(std::sync::Arc::ptr_eq(first.file.as_ref().unwrap(), last.file.as_ref().unwrap()));
}

#[test]
fn issue_12_a_second_reader_is_not_used_when_the_store_changed_after_the_first_began() {
    let (_folder, path, mut writer) = file_store("changed-between");
    writer.ingest_findings(&scan(date(2027, 1, 5), &["a", "b"])).unwrap();
    let reader = Store::open_read_only(&path).unwrap();
    let held = reader.conn.unchecked_transaction().unwrap();
    let before: i64 =
        held.query_row("SELECT count(*) FROM findings", [], |row| row.get(0)).unwrap();
    writer.ingest_findings(&scan(date(2027, 1, 6), &["a", "c"])).unwrap();
    // The first reader still sees two findings; a second would see three.
    assert_eq!(before, 2);
    assert!(reader.twin_in_the_same_state().unwrap().is_none());
    drop(held);
    assert!(reader.twin_in_the_same_state().unwrap().is_some());
}

/// A measurement of `KR-1` (3, on track at half way) recorded with a fingerprint.
fn fingerprinted<'a>(day: Date, fingerprint: &str, evidence: &str) -> SerializedMeasurement<'a> {
    SerializedMeasurement {
        kr_id: "KR-1",
        cycle: "2027-Q1",
        as_of: day,
        value: Some(3.0),
        numerator: Some(3.0),
        denominator: None,
        progress: Some(0.5),
        status: Status::OnTrack,
        evidence: EvidenceText::Whole(evidence.into()),
        scored_against: None,
        fingerprint: Some(fingerprint.into()),
        details: Some("{\"notes\":[]}".into()),
        evidence_counted: None,
        scope_parts: None,
    }
}

#[test]
fn issue_12_a_value_is_found_again_by_its_fingerprint_and_a_new_fingerprint_is_no_change() {
    let mut store = store();
    let day = date(2027, 1, 5);
    let row = |fingerprint: &str| fingerprinted(day, fingerprint, "[]");
    assert_eq!(store.record_serialized_measurements([row("f1")]).unwrap(), 1);
    assert_eq!(store.measurement_fingerprints("2027-Q1", day).unwrap()["KR-1"], "f1");
    let stored = store.stored_value("KR-1", day, "f1").unwrap().unwrap();
    assert_eq!((stored.value, stored.evidence_json.as_str()), (Some(3.0), "[]"));
    assert_eq!(store.stored_value("KR-1", day, "f2").unwrap(), None);
    // The same numbers from other inputs: not a changed measurement, but the new fingerprint.
    assert_eq!(store.record_serialized_measurements([row("f2")]).unwrap(), 0);
    assert_eq!(store.measurement_fingerprints("2027-Q1", day).unwrap()["KR-1"], "f2");
    assert_eq!(store.stored_value("KR-1", day, "f1").unwrap(), None);
}

#[test]
fn issue_12_a_reused_value_is_rescored_without_its_evidence_and_only_under_its_own_fingerprint() {
    let mut store = store();
    let day = date(2027, 1, 5);
    let evidence = "[{\"kind\":\"checkin\",\"date\":\"2027-01-05\",\"value\":3.0}]";
    let row = fingerprinted(day, "f1", evidence);
    assert_eq!(store.record_serialized_measurements([row.clone()]).unwrap(), 1);
    let rescored = |fingerprint, progress, status| RescoredMeasurement {
        kr_id: "KR-1",
        as_of: day,
        fingerprint,
        progress,
        status,
        scored_against: None,
    };
    // Scored the same: nothing to write.
    assert_eq!(
        store.record_rescored_measurements([rescored("f1", Some(0.5), Status::OnTrack)]).unwrap(),
        0
    );
    // Scored differently (an earlier day measured since): progress and status change, the
    // value and its evidence stay.
    assert_eq!(
        store.record_rescored_measurements([rescored("f1", Some(0.25), Status::AtRisk)]).unwrap(),
        1
    );
    let stored = &store.measurements("KR-1").unwrap()[0];
    assert_eq!((stored.progress, stored.status), (Some(0.25), Status::AtRisk));
    assert_eq!(stored.value, Some(3.0));
    assert_eq!(EvidenceText::Whole(stored.evidence.to_string()), row.evidence);
    // A row recorded since from other inputs is not the value that was reused: left alone.
    assert_eq!(
        store.record_rescored_measurements([rescored("f2", Some(1.0), Status::OnTrack)]).unwrap(),
        0
    );
    assert_eq!(store.measurements("KR-1").unwrap()[0].progress, Some(0.25));
    assert!(
        store.record_rescored_measurements([rescored("f1", Some(2.0), Status::OnTrack)]).is_err()
    );
}

#[test]
fn issue_12_a_few_scopes_of_many_read_through_the_index_give_the_same_records() {
    let mut store = store();
    let environments = ["dev", "prod", "qa", "staging", "test", "uat", "perf", "demo", "dr"];
    for environment in environments {
        store.ingest_findings(&scan_in(environment, date(2027, 1, 5), &["b", "a"])).unwrap();
    }
    store.ingest_findings(&scan_in("qa", date(2027, 1, 6), &["c", "a"])).unwrap();
    let every = store.finding_records(None).unwrap();
    let scope = |environment: &str| ("shop".to_owned(), environment.to_owned());
    // One scope of nine: read through the index.
    let qa: Vec<_> = every.iter().filter(|f| &*f.environment == "qa").cloned().collect();
    assert_eq!(qa.len(), 3);
    assert_eq!(store.records_from_rows(Some(&[scope("qa")])).unwrap(), qa);
    assert_eq!(store.finding_records(Some(&[scope("qa")])).unwrap(), qa);
    // Two scopes given out of order come back in (app, environment) order.
    let two: Vec<_> =
        every.iter().filter(|f| ["dev", "qa"].contains(&&*f.environment)).cloned().collect();
    assert_eq!(store.records_from_rows(Some(&[scope("qa"), scope("dev")])).unwrap(), two);
    assert_eq!(store.finding_records(Some(&[scope("qa"), scope("dev")])).unwrap(), two);
}

#[test]
fn issue_12_a_large_ingest_moves_its_scope_generation_once_per_scan_and_leaves_the_triggers_on() {
    let mut store = store();
    let generation = |store: &Store| generations(store)[0].2;
    let names: Vec<String> = (0..1_500).map(|n| format!("f{n:04}")).collect();
    let fingerprints: Vec<&str> = names.iter().map(String::as_str).collect();
    store.ingest_findings(&scan(date(2027, 1, 5), &fingerprints)).unwrap();
    assert_eq!(generation(&store), 1);
    // Seen again, fixed (f0000) and new (g): still one move.
    let mut later = fingerprints[1..].to_vec();
    later.push("g");
    let summary_of_later = store.ingest_findings(&scan(date(2027, 1, 6), &later)).unwrap();
    assert_eq!(summary_of_later, summary(1, 1_499, 1, 0));
    assert_eq!(generation(&store), 2);
    // A refused ingest changes nothing, and the triggers are on again for other writes.
    assert!(store.ingest_findings(&scan(date(2027, 1, 1), &fingerprints)).is_err());
    assert_eq!(generation(&store), 2);
    store.conn.execute("UPDATE findings SET message = 'edited by hand'", []).unwrap();
    assert!(generation(&store) > 2);
}

#[test]
fn issue_12_the_tables_an_ingest_writes_have_only_the_triggers_it_does_the_work_of() {
    let store = store();
    let triggers = texts_of(
        &store.conn,
        "SELECT name FROM sqlite_schema WHERE type = 'trigger'
         AND tbl_name IN ('findings', 'scans', 'finding_events', 'ingested_files', 'finding_scopes')
         ORDER BY name",
    );
    // An ingest turns the triggers off and moves the scope's generation itself
    // (`bump_generation`): a new trigger on these tables needs its work done there too.
    assert_eq!(
        triggers,
        [
            "finding_scopes_finding_added",
            "finding_scopes_finding_changed",
            "finding_scopes_finding_removed",
            "finding_scopes_scan_added",
            "finding_scopes_scan_changed",
            "finding_scopes_scan_removed"
        ]
    );
}

#[test]
fn issue_12_a_kept_ci_scan_is_replaced_by_the_newer_scan_of_its_repository() {
    let mut store = store();
    assert!(store.ci_scans().unwrap().is_empty());
    let row = |repo: &str, inputs: &str| CiScanRow {
        repo: repo.into(),
        inputs: inputs.into(),
        scan: "{\"tools\":[]}".into(),
    };
    store.record_ci_scans(&[row("repos/a", "h1"), row("repos/b", "h2")]).unwrap();
    store.record_ci_scans(&[row("repos/a", "h3")]).unwrap();
    let kept = store.ci_scans().unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept["repos/a"].0, "h3");
    assert_eq!(kept["repos/b"], ("h2".to_owned(), "{\"tools\":[]}".to_owned()));
    assert!(store.record_ci_scans(&[row("", "h4")]).is_err());
    let bad = CiScanRow { scan: "not json".into(), ..row("repos/c", "h5") };
    assert!(store.record_ci_scans(&[bad]).is_err());
}

/// Evidence kept by an older threatokr, under its FNV-1a key, still reads back, and the same
/// evidence measured again is kept once more under the key of today's hash (issue 12).
#[test]
fn issue_12_evidence_kept_under_an_older_key_reads_back_and_is_not_mistaken_for_new() {
    let mut store = store();
    let evidence = "[{\"kind\":\"checkin\",\"date\":\"2027-01-05\",\"value\":3.0}]";
    let day = date(2027, 1, 5);
    store.record_serialized_measurements([fingerprinted(day, "f1", evidence)]).unwrap();
    // As an older threatokr wrote it: `LENGTH-FNV`.
    store
        .conn
        .execute_batch(
            "INSERT INTO evidence (hash, json) SELECT '52-00000000deadbeef', json FROM evidence;
             UPDATE measurements SET evidence_hash = '52-00000000deadbeef';
             DELETE FROM evidence WHERE hash <> '52-00000000deadbeef';",
        )
        .unwrap();
    let next = date(2027, 1, 6);
    assert_eq!(
        store.record_serialized_measurements([fingerprinted(next, "f1", evidence)]).unwrap(),
        1
    );
    for stored in store.measurements("KR-1").unwrap() {
        assert_eq!(stored.evidence.to_string(), evidence);
    }
    let keys = texts_of(&store.conn, "SELECT hash FROM evidence ORDER BY hash");
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys[0].starts_with("52-") && keys[1].starts_with("52:"), "{keys:?}");
}

/// Every finding record as the snapshots give it is the record the rows give.
fn assert_snapshots_give_the_rows(store: &Store) {
    assert_eq!(store.finding_records(None).unwrap(), store.records_from_rows(None).unwrap());
}

/// The number of snapshots that are current (at their scope's generation).
fn current_snapshots(store: &Store) -> i64 {
    store
        .conn
        .query_row(
            "SELECT count(*) FROM finding_snapshots s JOIN finding_scopes g
             ON g.app = s.app AND g.environment = s.environment AND g.generation = s.generation",
            [],
            |row| row.get(0),
        )
        .unwrap()
}

#[test]
fn issue_12_every_ingest_leaves_current_snapshots_that_give_the_records_the_rows_give() {
    let mut store = store();
    for scan in large_scans(700) {
        store.ingest_findings(&scan).unwrap();
    }
    let mut scored = scan_in("qa", date(2027, 1, 5), &["x", "y"]);
    scored.findings[0].score = Some(9.8);
    scored.findings[1].file = None;
    scored.findings[1].line = None;
    scored.findings[1].cwes = Vec::new();
    scored.findings[1].class = threatokr_core::model::FindingClass::Quality;
    store.ingest_findings(&scored).unwrap();
    assert_eq!(current_snapshots(&store), 4);
    let every = store.finding_records(None).unwrap();
    assert_eq!(every.len(), 700 * 2 + 350 + 2);
    assert_eq!(every, store.records_from_rows(None).unwrap());
    let some = [("shop".to_owned(), "qa".to_owned()), ("api".to_owned(), "staging".to_owned())];
    assert_eq!(
        store.finding_records(Some(&some)).unwrap(),
        store.records_from_rows(Some(&some)).unwrap()
    );
    // Fixed findings keep their fixed date; texts are shared between scopes' snapshots.
    let fixed = every.iter().filter(|r| r.fixed_at == Some(date(2027, 1, 6))).count();
    assert_eq!(fixed, 70);
    let (first, last) = (&every[0], &every[every.len() - 1]);
    assert!(std::sync::Arc::ptr_eq(&first.tool, &last.tool));
}

#[test]
fn issue_12_a_stale_or_damaged_snapshot_is_not_used() {
    let mut store = store();
    store.ingest_findings(&scan(date(2027, 1, 5), &["a", "b"])).unwrap();
    store.ingest_findings(&scan_in("staging", date(2027, 1, 5), &["a"])).unwrap();
    store.ingest_findings(&scan_in("qa", date(2027, 1, 5), &["c"])).unwrap();
    // A write to the rows that no ingest made (the store's triggers move the generation):
    // the snapshot of prod is stale, and prod is read from its rows.
    store.conn.execute("UPDATE findings SET line = 99 WHERE environment = 'prod'", []).unwrap();
    assert_eq!(current_snapshots(&store), 2);
    // A damaged snapshot at the current generation decodes to nothing, and staging is read
    // from its rows too.
    store
        .conn
        .execute("UPDATE finding_snapshots SET records = x'54465332ffffffff' WHERE environment = 'staging'", [])
        .unwrap();
    let every = store.finding_records(None).unwrap();
    assert_eq!(every, store.records_from_rows(None).unwrap());
    let lines: Vec<_> = every.iter().map(|r| (&*r.environment, r.line)).collect();
    assert_eq!(
        lines,
        [("prod", Some(99)), ("prod", Some(99)), ("qa", Some(12)), ("staging", Some(12))]
    );
    // The next ingest of prod writes its snapshot again (staging's is current, if damaged).
    store.ingest_findings(&scan(date(2027, 1, 6), &["a"])).unwrap();
    assert_eq!(current_snapshots(&store), 3);
    assert_snapshots_give_the_rows(&store);
}

#[test]
fn issue_12_a_store_upgraded_from_before_snapshots_gets_every_scopes_snapshot() {
    assert!(MIGRATIONS[SNAPSHOTS_FROM - 1].contains("CREATE TABLE finding_snapshots"));
    let (_folder, path, mut writer) = file_store("upgraded-to-snapshots");
    writer.ingest_findings(&scan(date(2027, 1, 5), &["b", "a"])).unwrap();
    writer.ingest_findings(&scan_in("staging", date(2027, 1, 5), &["c"])).unwrap();
    writer.ingest_findings(&scan(date(2027, 1, 6), &["a"])).unwrap();
    let every = writer.records_from_rows(None).unwrap();
    drop(writer);
    // The store as the schema before snapshots left it.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE finding_snapshots; DROP INDEX measurements_by_evidence;
         DROP TABLE evidence_parts; ALTER TABLE evidence DROP COLUMN parts;
         ALTER TABLE measurements DROP COLUMN evidence_prints;
         ALTER TABLE measurements DROP COLUMN evidence_counted;
         ALTER TABLE measurements DROP COLUMN scope_parts;",
    )
    .unwrap();
    conn.pragma_update(None, "user_version", SNAPSHOTS_FROM as u32 - 1).unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATION_COUNT);
    assert_eq!(current_snapshots(&store), 2);
    assert_eq!(store.finding_records(None).unwrap(), every);
    assert_snapshots_give_the_rows(&store);
}

#[test]
fn issue_12_a_store_read_at_a_schema_before_snapshots_reads_its_rows() {
    let (_folder, path, mut writer) = file_store("before-snapshots");
    writer.ingest_findings(&scan(date(2027, 1, 5), &["b", "a"])).unwrap();
    let every = writer.finding_records(None).unwrap();
    drop(writer);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("DROP TABLE finding_snapshots").unwrap();
    conn.pragma_update(None, "user_version", MIGRATION_COUNT - 1).unwrap();
    drop(conn);
    let reader = Store::open_read_only(&path).unwrap();
    assert_eq!(reader.finding_records(None).unwrap(), every);
}

#[test]
fn issue_12_the_snapshot_of_a_new_scope_made_from_its_first_scan_is_what_its_rows_give() {
    let mut store = store();
    let mut first = scan_in("prod", date(2027, 1, 5), &["m", "b", "z", "b", "a"]);
    first.findings[0].cwes = vec![89, 22, 89, 1];
    first.findings[0].score = Some(9.1);
    first.findings[1].severity = "unknown".into();
    first.findings[2].file = None;
    first.findings[2].line = None;
    first.findings[2].class = threatokr_core::model::FindingClass::License;
    // The second `b` is a repeat: the first one's rule and severity stay.
    first.findings[3].rule_id = "another-rule".into();
    first.findings[3].severity = "low".into();
    first.outcome = ScanOutcome::Incomplete;
    store.ingest_findings(&first).unwrap();
    // Two tools in one file, in a scope new to the store: read back from the rows.
    let mut other_tool = scan_in("qa", date(2027, 1, 5), &["c"]);
    other_tool.tool = "bandit".into();
    let same_scope = scan_in("qa", date(2027, 1, 5), &["d", "c"]);
    store.ingest_scans(&[other_tool, same_scope], None).unwrap();
    assert_eq!(current_snapshots(&store), 2);
    let every = store.finding_records(None).unwrap();
    assert_eq!(every, store.records_from_rows(None).unwrap());
    let prod: Vec<_> = every.iter().filter(|r| &*r.environment == "prod").collect();
    assert_eq!(prod.iter().map(|r| &*r.id).collect::<Vec<_>>(), ["a", "b", "m", "z"]);
    assert_eq!(
        (&*prod[1].rule_id, prod[1].severity),
        ("rule-b", threatokr_core::model::Severity::Unknown)
    );
    assert_eq!(prod[2].cwes, [1, 22, 89]);
    // A large first scan: its snapshot is made on another thread while the rows are written.
    let names: Vec<String> = (0..1_200).map(|n| format!("g{:04}", (n * 7) % 1_200)).collect();
    let large: Vec<&str> = names.iter().map(String::as_str).chain(["g0001"]).collect();
    store.ingest_findings(&scan_in("perf", date(2027, 1, 5), &large)).unwrap();
    assert_eq!(current_snapshots(&store), 3);
    assert_snapshots_give_the_rows(&store);
    // A later scan of the scope, no longer new: its snapshot is read from the rows again.
    store.ingest_findings(&scan(date(2027, 1, 6), &["a"])).unwrap();
    assert_eq!(current_snapshots(&store), 3);
    assert_snapshots_give_the_rows(&store);
}

#[test]
fn issue_12_many_scopes_decoded_by_two_connections_give_the_records_of_the_rows() {
    let (_folder, path, mut writer) = file_store("two-decoders");
    for app in 0..70 {
        let mut scan = scan(date(2027, 1, 5), &["b", "a"]);
        scan.app = format!("app-{app:02}");
        writer.ingest_findings(&scan).unwrap();
    }
    // One scope changed behind the ingest's back: its snapshot is stale, its rows are read.
    writer.conn.execute("UPDATE findings SET line = 7 WHERE app = 'app-40'", []).unwrap();
    let reader = Store::open_read_only(&path).unwrap();
    assert!(reader.twin_in_the_same_state().unwrap().is_some());
    let every = reader.finding_records(None).unwrap();
    assert_eq!(every.len(), 140);
    assert_eq!(every, reader.records_from_rows(None).unwrap());
    assert_eq!(every[80].line, Some(7));
    assert_eq!((&*every[80].app, &*every[81].id), ("app-40", "b"));
}

#[test]
fn issue_12_the_evidence_a_day_measured_again_replaced_is_dropped_once_nothing_points_at_it() {
    let mut store = store();
    let (day, next) = (date(2027, 1, 5), date(2027, 1, 6));
    let evidence =
        |n: u32| format!("[{{\"kind\":\"checkin\",\"date\":\"2027-01-05\",\"value\":{n}.0}}]");
    let kept = |store: &Store| texts_of(&store.conn, "SELECT json FROM evidence ORDER BY json");
    let on = |kr_id, as_of, text: &str| SerializedMeasurement {
        kr_id,
        as_of,
        evidence: EvidenceText::Whole(text.to_owned()),
        ..fingerprinted(as_of, "f", "[]")
    };
    store.record_serialized_measurements([on("KR-1", day, &evidence(1))]).unwrap();
    store.record_serialized_measurements([on("KR-2", day, &evidence(1))]).unwrap();
    store.record_serialized_measurements([on("KR-1", next, &evidence(2))]).unwrap();
    // KR-1 measured again that day: its earlier evidence is still KR-2's, and stays.
    store.record_serialized_measurements([on("KR-1", day, &evidence(3))]).unwrap();
    assert_eq!(kept(&store), [evidence(1), evidence(2), evidence(3)]);
    // KR-2 measured again: nothing points at the first evidence any more.
    store.record_serialized_measurements([on("KR-2", day, &evidence(3))]).unwrap();
    assert_eq!(kept(&store), [evidence(2), evidence(3)]);
    // Measured again on the same evidence: kept.
    store.record_serialized_measurements([on("KR-1", next, &evidence(2))]).unwrap();
    assert_eq!(kept(&store), [evidence(2), evidence(3)]);
    assert_eq!(store.measurements("KR-1").unwrap().len(), 2);
}

/// A measurement of `kr_id` on `as_of` whose evidence is the list of `runs` in parts.
fn in_parts<'a>(kr_id: &'a str, as_of: Date, runs: &[&str]) -> SerializedMeasurement<'a> {
    SerializedMeasurement {
        kr_id,
        as_of,
        evidence: EvidenceText::Parts(runs.iter().map(|run| EvidencePart::written(*run)).collect()),
        ..fingerprinted(as_of, "f", "[]")
    }
}

/// The kept parts and how many kept evidences list each, by text.
fn kept_parts(store: &Store) -> Vec<(String, i64)> {
    let mut statement =
        store.conn.prepare("SELECT json, uses FROM evidence_parts ORDER BY json").unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn issue_12_evidence_in_parts_reads_back_as_the_whole_list() {
    let mut store = store();
    let day = date(2027, 1, 5);
    let runs = [r#"{"app":"a","id":1},{"app":"a","id":2}"#, "", r#"{"app":"b","id":3}"#];
    let whole = r#"[{"app":"a","id":1},{"app":"a","id":2},{"app":"b","id":3}]"#;
    store.record_serialized_measurements([in_parts("KR-1", day, &runs)]).unwrap();
    let read = store.measurements("KR-1").unwrap();
    assert_eq!(read[0].evidence, serde_json::from_str::<serde_json::Value>(whole).unwrap());
    assert_eq!(store.stored_value("KR-1", day, "f").unwrap().unwrap().evidence_json, whole);
    assert_eq!(store.latest_measurements("2027-Q1", day).unwrap()[0].evidence, read[0].evidence);
    // The same list recorded in parts by another key result is the same kept evidence.
    store.record_serialized_measurements([in_parts("KR-2", day, &runs)]).unwrap();
    let pointers: Vec<(Option<String>, String)> = store
        .conn
        .prepare("SELECT evidence_hash, evidence FROM measurements ORDER BY kr_id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(pointers[0], pointers[1]);
    assert_eq!(pointers[0].1, "null");
    // Its key begins with the length of the whole text, as a whole text's does.
    assert!(pointers[0].0.as_deref().unwrap().starts_with(&format!("{}:", whole.len())));
    let kept: i64 =
        store.conn.query_row("SELECT count(*) FROM evidence", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, 1);
    assert_eq!(kept_parts(&store).len(), 2);
}

#[test]
fn issue_12_a_listing_composes_only_the_runs_it_takes_when_the_row_says_how_many_it_counted() {
    let mut store = store();
    let day = date(2027, 1, 5);
    let runs = [
        r#"{"app":"a","id":1},{"app":"a","id":2}"#,
        r#"{"app":"b","id":3}"#,
        r#"{"app":"c","id":4}"#,
    ];
    let whole = r#"[{"app":"a","id":1},{"app":"a","id":2},{"app":"b","id":3},{"app":"c","id":4}]"#;
    let counted =
        SerializedMeasurement { evidence_counted: Some(4), ..in_parts("KR-1", day, &runs) };
    store.record_serialized_measurements([counted]).unwrap();
    // Each run is given in order until the taker has enough: the list is closed after it.
    let mut given = Vec::new();
    let mut take_two = |run: &str| {
        given.push(run.to_owned());
        given.len() < 2
    };
    let (value, count) = store.stored_listing("KR-1", day, "f", &mut take_two).unwrap().unwrap();
    assert_eq!(given, runs[..2]);
    assert_eq!(
        value.evidence_json,
        r#"[{"app":"a","id":1},{"app":"a","id":2},{"app":"b","id":3}]"#
    );
    assert_eq!(
        (count, value.value, value.details.as_str()),
        (Some(4), Some(3.0), "{\"notes\":[]}")
    );
    let (all, _) = store.stored_listing("KR-1", day, "f", |_| true).unwrap().unwrap();
    assert_eq!(all.evidence_json, whole);
    // Another fingerprint is not the value.
    assert!(store.stored_listing("KR-1", day, "g", |_| true).unwrap().is_none());
    // A row that does not say how many it counted gives its whole evidence, taking nothing.
    store.record_serialized_measurements([in_parts("KR-2", day, &runs)]).unwrap();
    let (value, count) = store.stored_listing("KR-2", day, "f", |_| false).unwrap().unwrap();
    assert_eq!((value.evidence_json.as_str(), count), (whole, None));
    // A list kept whole is all of it.
    let small = SerializedMeasurement {
        evidence_counted: Some(1),
        ..fingerprinted(day, "f", r#"[{"id":1}]"#)
    };
    store
        .record_serialized_measurements([SerializedMeasurement { kr_id: "KR-3", ..small }])
        .unwrap();
    let (value, count) = store.stored_listing("KR-3", day, "f", |_| false).unwrap().unwrap();
    assert_eq!((value.evidence_json.as_str(), count), (r#"[{"id":1}]"#, Some(1)));
    // Measured again on the same evidence, a row that had no count takes one.
    let now_counted =
        SerializedMeasurement { evidence_counted: Some(4), ..in_parts("KR-2", day, &runs) };
    assert_eq!(store.record_serialized_measurements([now_counted]).unwrap(), 0);
    let (_, count) = store.stored_listing("KR-2", day, "f", |_| true).unwrap().unwrap();
    assert_eq!(count, Some(4));
}

#[test]
fn issue_12_a_list_of_one_run_or_none_is_kept_whole() {
    let mut store = store();
    let day = date(2027, 1, 5);
    store.record_serialized_measurements([in_parts("KR-1", day, &["", r#"{"id":1}"#])]).unwrap();
    store.record_serialized_measurements([in_parts("KR-2", day, &[])]).unwrap();
    let whole = texts_of(&store.conn, "SELECT json FROM evidence WHERE parts = 0 ORDER BY json");
    assert_eq!(whole, ["[]", r#"[{"id":1}]"#]);
    assert!(kept_parts(&store).is_empty());
    assert_eq!(store.measurements("KR-2").unwrap()[0].evidence, serde_json::json!([]));
}

#[test]
fn issue_12_a_list_changed_in_one_run_writes_that_run_and_drops_the_runs_nothing_lists() {
    let mut store = store();
    let (day, next) = (date(2027, 1, 5), date(2027, 1, 6));
    let (a, b, c) = (r#"{"app":"a"}"#, r#"{"app":"b","n":1}"#, r#"{"app":"c"}"#);
    let (b2, b3) = (r#"{"app":"b","n":2}"#, r#"{"app":"b","n":3}"#);
    store.record_serialized_measurements([in_parts("KR-1", day, &[a, b, c])]).unwrap();
    store.record_serialized_measurements([in_parts("KR-2", day, &[a, b, c])]).unwrap();
    // The same list is one kept evidence: its runs are listed once.
    assert_eq!(kept_parts(&store), [(a.into(), 1), (b.into(), 1), (c.into(), 1)]);
    store.record_serialized_measurements([in_parts("KR-1", next, &[a, b2, c])]).unwrap();
    assert_eq!(kept_parts(&store), [(a.into(), 2), (b.into(), 1), (b2.into(), 1), (c.into(), 2)]);
    // KR-1 measured again that day: its earlier list is still KR-2's, and stays.
    store.record_serialized_measurements([in_parts("KR-1", day, &[a, b3, c])]).unwrap();
    assert_eq!(kept_parts(&store).len(), 5);
    // KR-2 measured again: nothing lists `b` any more; the runs other lists share stay.
    store.record_serialized_measurements([in_parts("KR-2", day, &[a, b3, c])]).unwrap();
    assert_eq!(kept_parts(&store), [(a.into(), 2), (b2.into(), 1), (b3.into(), 1), (c.into(), 2)]);
    let texts = |kr| -> Vec<String> {
        store.measurements(kr).unwrap().iter().map(|m| m.evidence.to_string()).collect()
    };
    assert_eq!(texts("KR-1"), [format!("[{a},{b3},{c}]"), format!("[{a},{b2},{c}]")]);
    assert_eq!(texts("KR-2"), [format!("[{a},{b3},{c}]")]);
}

#[test]
fn issue_12_a_missing_part_is_an_error_when_read_never_a_shorter_list_and_measuring_again_mends_it()
{
    let mut store = store();
    let day = date(2027, 1, 5);
    store.record_serialized_measurements([in_parts("KR-1", day, &["1", "2", "3"])]).unwrap();
    store.record_serialized_measurements([in_parts("KR-2", day, &["1", "2", "3"])]).unwrap();
    assert_eq!(store.measurements("KR-1").unwrap()[0].evidence, serde_json::json!([1, 2, 3]));
    store.conn.execute("DELETE FROM evidence_parts WHERE json = '2'", []).unwrap();
    let error = store.measurements("KR-1").unwrap_err();
    assert!(matches!(error, StoreError::Damaged { .. }), "{error:?}");
    assert!(error.to_string().contains("which is not kept"), "{error}");
    assert!(store.latest_measurements("2027-Q1", day).is_err());
    // Not reused: the value is computed again, and recording it keeps the part again, counted
    // once for the one kept list both key results point at.
    assert_eq!(store.stored_value("KR-1", day, "f").unwrap(), None);
    store.record_serialized_measurements([in_parts("KR-1", day, &["1", "2", "3"])]).unwrap();
    assert_eq!(store.measurements("KR-2").unwrap()[0].evidence, serde_json::json!([1, 2, 3]));
    assert_eq!(kept_parts(&store), [("1".into(), 1), ("2".into(), 1), ("3".into(), 1)]);
}

#[test]
fn issue_12_a_run_whose_key_holds_another_text_keeps_the_list_inline() {
    let mut store = store();
    let day = date(2027, 1, 5);
    store
        .conn
        .execute(
            "INSERT INTO evidence_parts (hash, json, uses) VALUES (?1, '99', 1)",
            [evidence::text_key("2")],
        )
        .unwrap();
    store.record_serialized_measurements([in_parts("KR-1", day, &["1", "2"])]).unwrap();
    assert_eq!(store.measurements("KR-1").unwrap()[0].evidence, serde_json::json!([1, 2]));
    let (pointer, inline): (Option<String>, String) = store
        .conn
        .query_row("SELECT evidence_hash, evidence FROM measurements", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((pointer, inline.as_str()), (None, "[1,2]"));
    assert_eq!(kept_parts(&store), [("99".into(), 1)]);
}

#[test]
fn issue_12_a_run_given_twice_in_one_list_is_kept_once_and_counted_twice() {
    let mut store = store();
    let day = date(2027, 1, 5);
    store.record_serialized_measurements([in_parts("KR-1", day, &["1", "2", "1"])]).unwrap();
    assert_eq!(store.measurements("KR-1").unwrap()[0].evidence, serde_json::json!([1, 2, 1]));
    assert_eq!(kept_parts(&store), [("1".into(), 2), ("2".into(), 1)]);
    // Damaged, then mended by measuring again: counted as often as the kept list names it.
    store.conn.execute("DELETE FROM evidence_parts WHERE json = '1'", []).unwrap();
    store.record_serialized_measurements([in_parts("KR-1", day, &["1", "2", "1"])]).unwrap();
    assert_eq!(kept_parts(&store), [("1".into(), 2), ("2".into(), 1)]);
    // Replaced by a list without them: both are dropped.
    store.record_serialized_measurements([in_parts("KR-1", day, &["3", "4"])]).unwrap();
    assert_eq!(kept_parts(&store), [("3".into(), 1), ("4".into(), 1)]);
}

/// Each kept run's count is how many times the kept lists name it, and a run no list names is
/// not kept.
fn assert_counts_match_the_lists(store: &Store) {
    let mut statement = store
        .conn
        .prepare(
            "SELECT p.json, p.uses,
                    (SELECT count(*) FROM evidence e, json_each(e.json) j
                     WHERE e.parts = 1 AND j.value = p.hash)
             FROM evidence_parts p",
        )
        .unwrap();
    let rows: Vec<(String, i64, i64)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (json, uses, listed) in rows {
        assert_eq!(uses, listed, "run {json}");
        assert!(listed > 0, "run {json} is kept though no list names it");
    }
}

/// Measuring a day again with one run changed carries the runs the list it replaces named over to
/// the new list (issue 12: the runs of 2,000 scopes were counted down and up again), whatever
/// else points at either list, and however often a list names a run.
#[test]
fn issue_12_runs_a_replaced_list_names_again_are_carried_over_and_counted_as_listed() {
    let mut store = store();
    let (day, next) = (date(2027, 1, 5), date(2027, 1, 6));
    let steps: [(&str, Date, &[&str]); 9] = [
        ("KR-1", day, &["1", "2", "1", "3"]),
        ("KR-1", day, &["1", "4", "1", "3"]),
        ("KR-1", day, &["1", "4", "3"]),
        ("KR-2", day, &["1", "4", "3"]),
        ("KR-1", day, &["1", "5", "3", "3"]),
        ("KR-1", next, &["1", "5", "3", "3"]),
        ("KR-1", next, &["6", "5", "3"]),
        ("KR-2", day, &["7"]),
        ("KR-1", day, &["1", "5"]),
    ];
    for (kr, as_of, runs) in steps {
        store.record_serialized_measurements([in_parts(kr, as_of, runs)]).unwrap();
        assert_counts_match_the_lists(&store);
        let evidence = &store.measurements(kr).unwrap();
        let recorded = evidence.iter().find(|m| m.as_of == as_of).unwrap();
        assert_eq!(recorded.evidence.to_string(), format!("[{}]", runs.join(",")));
    }
    assert_eq!(
        kept_parts(&store),
        [("1".into(), 1), ("3".into(), 1), ("5".into(), 2), ("6".into(), 1)]
    );
}

/// Everything recorded, the kept evidence (key and text) and its parts included.
fn dump_with_evidence(store: &Store) -> Vec<String> {
    let mut lines = dump(store);
    let mut statement =
        store.conn.prepare("SELECT hash, json FROM evidence ORDER BY hash").unwrap();
    let evidence = statement.query_map([], |row| {
        Ok(format!("evidence {} {}", row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    });
    lines.extend(evidence.unwrap().map(Result::unwrap));
    lines.extend(kept_parts(store).into_iter().map(|(json, uses)| format!("part {json} {uses}")));
    lines
}

/// A run of a list in parts with the print it was computed from.
fn run(print: &str, text: PartText) -> EvidencePart {
    EvidencePart { print: Some(print.to_owned()), text }
}

/// A run's text, written.
fn written(text: &str) -> PartText {
    PartText::Written(text.to_owned())
}

/// A measurement of `kr_id` on `as_of` whose evidence is these runs.
fn in_runs(kr_id: &str, as_of: Date, parts: Vec<EvidencePart>) -> SerializedMeasurement<'_> {
    SerializedMeasurement { evidence: EvidenceText::Parts(parts), ..in_parts(kr_id, as_of, &[]) }
}

#[test]
fn issue_12_runs_named_by_their_prints_are_not_written_again() {
    let mut store = store();
    let day = date(2027, 1, 5);
    let measured = |parts: Vec<EvidencePart>| in_runs("KR-1", day, parts);
    assert!(store.kept_runs("KR-1", day).unwrap().is_empty());
    store
        .record_serialized_measurements([measured(vec![
            run("pa", written("1")),
            run("pb", written("2")),
            run("pc", written("3")),
        ])])
        .unwrap();
    let kept = store.kept_runs("KR-1", day).unwrap();
    assert_eq!(kept.len(), 3);
    assert!(store.kept_runs("KR-1", date(2027, 1, 6)).unwrap().is_empty());
    // Each run reads back by the key it is kept under.
    assert_eq!(store.kept_run(&kept["pb"]).unwrap().as_deref(), Some("2"));
    // Measured again after a change to b's scope: a and c are named, b written.
    let named = |print: &str| run(print, PartText::Kept(kept[print].clone()));
    store
        .record_serialized_measurements([measured(vec![
            named("pa"),
            run("pb2", written("4")),
            named("pc"),
        ])])
        .unwrap();
    assert_eq!(store.measurements("KR-1").unwrap()[0].evidence, serde_json::json!([1, 4, 3]));
    assert_eq!(kept_parts(&store), [("1".into(), 1), ("3".into(), 1), ("4".into(), 1)]);
    let again = store.kept_runs("KR-1", day).unwrap();
    assert_eq!(
        (again.len(), again.contains_key("pb2"), again.contains_key("pb")),
        (3, true, false)
    );
    // The same list, named or written, is the same kept evidence.
    let before = dump_with_evidence(&store);
    store
        .record_serialized_measurements([measured(vec![
            named("pa"),
            run("pb2", written("4")),
            run("pc", written("3")),
        ])])
        .unwrap();
    assert_eq!(dump_with_evidence(&store), before);
    // The next day's measurement drops the prints of the days before: only the newest day's
    // runs are named again.
    let next = date(2027, 1, 6);
    store
        .record_serialized_measurements([in_runs("KR-1", next, vec![run("pa", written("1"))])])
        .unwrap();
    store
        .record_serialized_measurements([in_runs(
            "KR-1",
            next,
            vec![run("pa", written("1")), run("pd", written("5"))],
        )])
        .unwrap();
    assert!(store.kept_runs("KR-1", day).unwrap().is_empty());
    assert_eq!(store.kept_runs("KR-1", next).unwrap().len(), 2);
}

#[test]
fn issue_12_a_named_run_another_process_dropped_writes_nothing() {
    let mut store = store();
    let day = date(2027, 1, 5);
    let measured = |parts: Vec<EvidencePart>| in_runs("KR-1", day, parts);
    store
        .record_serialized_measurements([measured(vec![
            run("pa", written("1")),
            run("pb", written("2")),
        ])])
        .unwrap();
    let kept = store.kept_runs("KR-1", day).unwrap();
    store.conn.execute("DELETE FROM evidence_parts WHERE json = '2'", []).unwrap();
    let before = dump_with_evidence(&store);
    let error = store
        .record_serialized_measurements([
            in_parts("KR-2", day, &["5", "6"]),
            measured(vec![run("pa", written("1")), run("pb", PartText::Kept(kept["pb"].clone()))]),
        ])
        .unwrap_err();
    assert!(matches!(error, StoreError::Changed { .. }), "{error:?}");
    assert!(error.to_string().contains("run it again"), "{error}");
    assert_eq!(dump_with_evidence(&store), before);
}

#[test]
fn issue_12_a_replaced_list_that_does_not_list_its_parts_is_dropped_and_keeps_them() {
    let mut store = store();
    let day = date(2027, 1, 5);
    store.record_serialized_measurements([in_parts("KR-1", day, &["1", "2"])]).unwrap();
    store.conn.execute("UPDATE evidence SET json = '{\"x\":1}' WHERE parts = 1", []).unwrap();
    assert!(matches!(store.measurements("KR-1"), Err(StoreError::Damaged { .. })));
    // Measured again: recorded, the damaged list dropped, its parts left where they were.
    store.record_serialized_measurements([in_parts("KR-1", day, &["3", "4"])]).unwrap();
    assert_eq!(store.measurements("KR-1").unwrap()[0].evidence, serde_json::json!([3, 4]));
    assert_eq!(kept_parts(&store).len(), 4);
}

#[test]
fn issue_12_scope_parts_are_kept_for_a_key_results_newest_day_only() {
    let mut store = store();
    let (day, next) = (date(2027, 1, 5), date(2027, 1, 6));
    let with_parts = |as_of: Date, parts: &str| SerializedMeasurement {
        scope_parts: Some(parts.to_owned()),
        ..in_parts("KR-1", as_of, &[r#"{"app":"a","id":1}"#])
    };
    store.record_serialized_measurements([with_parts(day, "parts of the 5th")]).unwrap();
    assert_eq!(store.stored_scope_parts("KR-1", day).unwrap().as_deref(), Some("parts of the 5th"));
    // Measured again with other parts and the same numbers: the parts are replaced all the same.
    store.record_serialized_measurements([with_parts(day, "parts again")]).unwrap();
    assert_eq!(store.stored_scope_parts("KR-1", day).unwrap().as_deref(), Some("parts again"));
    // A later day keeps its own; the earlier day's are dropped.
    store.record_serialized_measurements([with_parts(next, "parts of the 6th")]).unwrap();
    assert_eq!(store.stored_scope_parts("KR-1", day).unwrap(), None);
    assert_eq!(
        store.stored_scope_parts("KR-1", next).unwrap().as_deref(),
        Some("parts of the 6th")
    );
    assert_eq!(store.stored_scope_parts("KR-2", next).unwrap(), None);
    // A run kept under a key reads back; an unknown key is none.
    let runs = store.kept_runs("KR-1", next).unwrap();
    assert!(runs.is_empty(), "runs written without prints are not named");
    assert_eq!(store.kept_run("no-such-key").unwrap(), None);
}
