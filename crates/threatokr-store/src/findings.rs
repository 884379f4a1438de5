//! Findings from scanners: ingesting a scan (new, still open, fixed, reopened) and reading them back.
//!
//! A finding's identity is (fingerprint, tool, app, environment). Each ingest is one scan of one
//! tool for one app and environment, dated `at`:
//! - a finding not seen before is new (`first_seen = at`);
//! - a finding seen again has `last_seen = at` and takes the scan's rule, severity, score, CWEs,
//!   location and message (the scanner's latest word);
//! - a fixed finding seen again is reopened (`fixed_at` cleared, `reopened + 1`);
//! - an open finding of the same tool, app and environment missing from the scan is fixed at `at`.
//!
//! - a scan that did not complete (`ScanOutcome::Incomplete`: the scanner failed, or its SARIF run
//!   has no `results`) records what it saw but fixes nothing, since it proves nothing about absence.
//!
//! Scans must come in date order per (tool, app, environment): one dated before the newest scan
//! already ingested is refused with `StoreError::OutOfOrder`, because fixing and reopening are
//! decided against the newest state and an older scan would rewrite history. Several ingests with
//! the *same* date are one scan, their union: a finding seen by any of them is open on that date,
//! and the result does not depend on their order. So ingesting the same scan twice changes nothing,
//! and the CLI may ingest one SARIF file at a time. Within one ingest a fingerprint given twice
//! counts once (the first occurrence wins).

use crate::snapshots;
use crate::{
    SqlDate, Store, StoreError, check_date, check_finite, check_not_empty, date_column,
    json_column, optional_date_column,
};
use foldhash::{HashSet, HashSetExt};
use jiff::civil::Date;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::LazyLock;
use threatokr_core::metrics::FindingRecord;
use threatokr_core::model::{FindingClass, Severity};
use threatokr_core::shared_text::SharedTexts;

/// One scan to ingest.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanInput {
    /// The scanner (`semgrep`, `CodeQL`).
    pub tool: String,
    /// The app scanned.
    pub app: String,
    /// The environment (`prod`, `staging`).
    pub environment: String,
    /// The scan's date.
    pub at: Date,
    /// What it found.
    pub findings: Vec<FindingInput>,
    /// Whether the scan ran to the end, and so whether what it did not see is fixed.
    pub outcome: ScanOutcome,
}

/// Whether a scan ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScanOutcome {
    /// It ran to the end: a finding it did not report is fixed.
    #[default]
    Complete,
    /// It failed or stopped early: its findings are seen, but nothing is fixed by it.
    Incomplete,
}

/// An evidence file, recorded with the scans read from it so that it is ingested only once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestedFile {
    /// A hash of its content.
    pub hash: String,
    /// Its name as shown (workspace-relative).
    pub name: String,
    /// The app its scans were filed under.
    pub app: String,
    /// Their environment.
    pub environment: String,
    /// Their date.
    pub at: Date,
}

/// One finding as a scan reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingInput {
    /// Stable identity across scans (the SARIF fingerprint, or a hash of rule, file and line text).
    pub fingerprint: String,
    /// The rule that fired (shared by the findings of a rule, as the SARIF reader gives it).
    pub rule_id: Arc<str>,
    /// A canonical severity name: critical, high, medium, low, info or unknown (a reader's
    /// `Severity::as_str`, borrowed rather than copied for each of a log's findings).
    pub severity: Cow<'static, str>,
    /// A CVSS-like score in 0..=10, when the tool gives one.
    pub score: Option<f64>,
    /// CWE numbers.
    pub cwes: Vec<u32>,
    /// Security, quality or license.
    pub class: FindingClass,
    /// The file, workspace- or repository-relative.
    pub file: Option<String>,
    /// The 1-based line.
    pub line: Option<u32>,
    /// The tool's message.
    pub message: String,
}

/// What an ingest did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestSummary {
    /// Findings seen for the first time.
    pub new: usize,
    /// Findings that were open and are still there.
    pub still_open: usize,
    /// Open findings missing from the scan, now fixed at its date.
    pub fixed: usize,
    /// Fixed findings seen again.
    pub reopened: usize,
}

/// Which findings to list; every field left `None` lets everything through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindingFilter {
    /// Only this app.
    pub app: Option<String>,
    /// Only this environment.
    pub environment: Option<String>,
    /// Only findings open on this date: first seen on or before it and not fixed as of it.
    pub open_on: Option<Date>,
}

/// One recorded scan: a tool looked at an app's environment on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    /// The scanner.
    pub tool: String,
    /// The app.
    pub app: String,
    /// The environment.
    pub environment: String,
    /// The scan's date.
    pub at: Date,
}

/// How many times the findings and scans of one app and environment have changed: a key result
/// that counts them is measured again when the generation of a scope it reads moved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScopeGeneration {
    /// The app.
    pub app: String,
    /// The environment.
    pub environment: String,
    /// Bumped by every write to a finding or scan of the scope (triggers of the store keep it).
    pub generation: i64,
}

/// Scopes read through the index only when they are fewer than one in this many of the store's.
const FEW_SCOPES: usize = 8;

/// The columns a measurement reads of a finding (not its message, which no metric counts).
const RECORD_COLUMNS: &str = "f.app, f.environment, f.tool, f.fingerprint, f.rule_id, f.severity, f.score, f.cwes, f.file, f.line, f.first_seen, f.fixed_at, f.class";

/// Reads finding records, handing every record that names the same app, environment, tool,
/// rule or file one shared copy of that text (issue 12: most of a portfolio's records repeat
/// their neighbour's app, environment and tool, and a few hundred rules and files; copying each
/// made seven allocations a record, a sixth of `measure`).
#[derive(Default)]
struct RecordReader {
    /// Every text handed out so far, but the fingerprints, which are each their record's own.
    texts: SharedTexts,
    /// The last record's app, environment and tool: most records repeat them, and are given
    /// them without a lookup.
    last: [Option<Arc<str>>; 3],
}

impl RecordReader {
    fn record(&mut self, row: &rusqlite::Row<'_>) -> rusqlite::Result<FindingRecord> {
        Ok(FindingRecord {
            app: self.repeated(row, 0)?,
            environment: self.repeated(row, 1)?,
            tool: self.repeated(row, 2)?,
            id: text_column(row, 3)?.into(),
            rule_id: self.texts.get(text_column(row, 4)?),
            severity: text_column(row, 5)?.parse().unwrap_or(Severity::Unknown),
            score: row.get(6)?,
            cwes: cwes_column(row, 7)?,
            file: row.get_ref(8)?.as_str_or_null()?.map(|file| self.texts.get(file)),
            line: row.get(9)?,
            first_seen: date_column(row, 10)?,
            fixed_at: optional_date_column(row, 11)?,
            class: class_column(row, 12)?,
        })
    }

    /// Column `index` (0, 1 or 2: app, environment, tool), shared with the last record when it
    /// names the same.
    fn repeated(&mut self, row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Arc<str>> {
        let text = text_column(row, index)?;
        if let Some(last) = &self.last[index]
            && **last == *text
        {
            return Ok(Arc::clone(last));
        }
        let shared = self.texts.get(text);
        self.last[index] = Some(Arc::clone(&shared));
        Ok(shared)
    }
}

/// A text column, as a borrowed `&str`.
fn text_column<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(index)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
    })
}

/// A finding with its history.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    /// Identity.
    pub fingerprint: String,
    /// The scanner.
    pub tool: String,
    /// The app.
    pub app: String,
    /// The environment.
    pub environment: String,
    /// The rule.
    pub rule_id: String,
    /// The canonical severity name.
    pub severity: String,
    /// The score, when known.
    pub score: Option<f64>,
    /// CWE numbers, ascending.
    pub cwes: Vec<u32>,
    /// Security, quality or license.
    pub class: FindingClass,
    /// The file.
    pub file: Option<String>,
    /// The line.
    pub line: Option<u32>,
    /// The message.
    pub message: String,
    /// The first scan that saw it.
    pub first_seen: Date,
    /// The latest scan that saw it.
    pub last_seen: Date,
    /// The first scan that no longer saw it, while it is fixed; `None` while open.
    pub fixed_at: Option<Date>,
    /// How many times it came back after being fixed.
    pub reopened: u32,
}

const FINDING_COLUMNS: &str = "f.fingerprint, f.tool, f.app, f.environment, f.rule_id, f.severity, f.score, f.cwes, f.file, f.line, f.message, f.first_seen, f.last_seen, f.fixed_at, f.reopened, f.class";

fn finding_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<FindingRow> {
    Ok(FindingRow {
        fingerprint: row.get(0)?,
        tool: row.get(1)?,
        app: row.get(2)?,
        environment: row.get(3)?,
        rule_id: row.get(4)?,
        severity: row.get(5)?,
        score: row.get(6)?,
        cwes: cwes_column(row, 7)?,
        file: row.get(8)?,
        line: row.get(9)?,
        message: row.get(10)?,
        first_seen: date_column(row, 11)?,
        last_seen: date_column(row, 12)?,
        fixed_at: optional_date_column(row, 13)?,
        reopened: row.get(14)?,
        class: class_column(row, 15)?,
    })
}

/// Reads a finding class.
fn class_column(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<FindingClass> {
    let text: String = row.get(index)?;
    text.parse().map_err(|error: threatokr_core::model::UnknownValue| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            error.to_string().into(),
        )
    })
}

/// Reads the JSON array of CWE numbers: as the store writes it (`[79,89]`) without building a
/// JSON tree, anything else through the JSON reader.
fn cwes_column(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Vec<u32>> {
    if let Ok(text) = row.get_ref(index)?.as_str()
        && let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']'))
    {
        if inner.is_empty() {
            return Ok(Vec::new());
        }
        let numbers: Option<Vec<u32>> = inner
            .split(',')
            .map(|n| n.parse().ok().filter(|_| n.bytes().all(|b| b.is_ascii_digit())))
            .collect();
        if let Some(numbers) = numbers {
            return Ok(numbers);
        }
    }
    let value = json_column(row, index)?;
    let numbers = value.as_array().map(|items| {
        items
            .iter()
            .map(|item| item.as_u64().and_then(|n| u32::try_from(n).ok()))
            .collect::<Option<Vec<u32>>>()
    });
    numbers.flatten().ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("not an array of CWE numbers: {value}").into(),
        )
    })
}

fn check_finding(finding: &FindingInput) -> Result<(), StoreError> {
    check_not_empty(&finding.fingerprint, "finding fingerprint")?;
    if finding.severity.parse::<Severity>().is_err() {
        return Err(StoreError::Invalid {
            field: "finding severity",
            value: finding.severity.clone().into_owned(),
            expected: "critical, high, medium, low, info or unknown",
        });
    }
    check_finite(finding.score, "finding score")?;
    if let Some(score) = finding.score
        && !(0.0..=10.0).contains(&score)
    {
        return Err(StoreError::Invalid {
            field: "finding score",
            value: score.to_string(),
            expected: "a score from 0 to 10",
        });
    }
    Ok(())
}

fn cwes_json(cwes: &[u32]) -> String {
    let mut cwes = cwes.to_vec();
    cwes.sort_unstable();
    cwes.dedup();
    serde_json::Value::from(cwes).to_string()
}

impl Store {
    /// Ingests one scan in one transaction (see the module documentation for the rules).
    pub fn ingest_findings(&mut self, scan: &ScanInput) -> Result<IngestSummary, StoreError> {
        let summaries = self.ingest_scans(std::slice::from_ref(scan), None)?;
        Ok(summaries.into_iter().next().unwrap_or_default())
    }

    /// Ingests every scan of one evidence file in one transaction: all of them land or none does
    /// (one refused scan, an older one say, refuses the file; a crash halfway leaves nothing).
    /// The file, when given, is recorded so that [`Store::is_ingested`] knows it. Returns one
    /// summary per scan, in order.
    pub fn ingest_scans(
        &mut self,
        scans: &[ScanInput],
        file: Option<&IngestedFile>,
    ) -> Result<Vec<IngestSummary>, StoreError> {
        for scan in scans {
            check_not_empty(&scan.tool, "scan tool")?;
            check_not_empty(&scan.app, "scan app")?;
            check_not_empty(&scan.environment, "scan environment")?;
            check_date(scan.at, "scan date")?;
        }
        // The store's triggers (0009's scope generations) run once per row written, a program
        // call each: with them, most of the cost of a finding seen again (issue 12). A large
        // ingest does what they would, once per scan (`bump_generation`), with them off for this
        // connection alone: every other connection, and this one after the ingest, keeps them.
        // Turning them off or on makes SQLite prepare every statement again, which costs more
        // than the triggers of a small file.
        let findings: usize = scans.iter().map(|scan| scan.findings.len()).sum();
        if findings < TRIGGERS_OFF_FROM {
            return self.ingest_scans_in_one_transaction(scans, file);
        }
        self.conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
        let summaries = self.ingest_scans_in_one_transaction(scans, file);
        self.conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)?;
        summaries
    }

    /// `ingest_scans` once the triggers are on or off.
    fn ingest_scans_in_one_transaction(
        &mut self,
        scans: &[ScanInput],
        file: Option<&IngestedFile>,
    ) -> Result<Vec<IngestSummary>, StoreError> {
        let tx = self.write_transaction()?;
        let first_scans = first_scans(&tx, scans)?;
        let large =
            first_scans.iter().map(|scan| scan.findings.len()).sum::<usize>() >= TRIGGERS_OFF_FROM;
        let summaries = std::thread::scope(|threads| {
            // The snapshots of scopes new to the store are made from their scans while this
            // thread writes the rows (issue 12: an eighth of a large log's first ingest), or
            // here after them for a small scan or when no thread can start.
            let made_elsewhere = match large {
                true => std::thread::Builder::new()
                    .spawn_scoped(threads, || first_scan_snapshots(&first_scans))
                    .ok(),
                false => None,
            };
            let mut summaries = Vec::with_capacity(scans.len());
            for scan in scans {
                summaries.push(ingest_scan(&tx, scan)?);
                bump_generation(&tx, scan)?;
            }
            let made = match made_elsewhere {
                Some(thread) => {
                    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                }
                None => first_scan_snapshots(&first_scans),
            };
            write_snapshots(&tx, scans, &made)?;
            Ok::<_, StoreError>(summaries)
        })?;
        if let Some(file) = file {
            check_not_empty(&file.hash, "ingested file hash")?;
            tx.prepare_cached(
                "INSERT OR IGNORE INTO ingested_files (hash, name, app, environment, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![file.hash, file.name, file.app, file.environment, SqlDate(file.at)])?;
        }
        tx.commit()?;
        Ok(summaries)
    }

    /// Whether a file with this content hash was ingested before for this app and environment.
    pub fn is_ingested(
        &self,
        hash: &str,
        app: &str,
        environment: &str,
    ) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM ingested_files WHERE hash = ?1 AND app = ?2 AND environment = ?3",
            )?
            .query_row(params![hash, app, environment], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Whether a file whose hash matches the GLOB `pattern` was ingested before for this app and
    /// environment (`LENGTH-????????????????`: one hashed the way threatokr did before issue 12).
    pub fn is_ingested_like(
        &self,
        pattern: &str,
        app: &str,
        environment: &str,
    ) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM ingested_files WHERE hash GLOB ?1 AND app = ?2 AND environment = ?3 LIMIT 1",
            )?
            .query_row(params![pattern, app, environment], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// For each app other than `app`, how many of these fingerprints of `tool` it already holds:
    /// a scan whose findings belong to another app was most likely filed under the wrong one.
    pub fn fingerprints_elsewhere(
        &self,
        tool: &str,
        app: &str,
        fingerprints: &[&str],
    ) -> Result<std::collections::BTreeMap<String, usize>, StoreError> {
        let mut owners = std::collections::BTreeMap::new();
        // Many fingerprints to a statement (one each was a tenth of an ingest of a large file
        // seen again, issue 12), each looked up through the unique key. A fingerprint listed
        // twice counts twice, as each entry is numbered.
        for chunk in fingerprints.chunks(INSERT_BATCH) {
            let mut statement = self.conn.prepare_cached(&batch_sql(
                chunk.len(),
                &ELSEWHERE_SQL,
                fingerprints_elsewhere_sql,
            ))?;
            statement.raw_bind_parameter(1, tool)?;
            statement.raw_bind_parameter(2, app)?;
            for (entry, fingerprint) in chunk.iter().enumerate() {
                statement.raw_bind_parameter(3 + entry, fingerprint)?;
            }
            let mut rows = statement.raw_query();
            while let Some(row) = rows.next()? {
                let count: i64 = row.get(1)?;
                *owners.entry(row.get(0)?).or_default() += count as usize;
            }
        }
        Ok(owners)
    }

    /// Every recorded scan, sorted by app, environment, tool and date: which apps were looked at,
    /// whether or not anything was found.
    pub fn scans(&self) -> Result<Vec<ScanRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT tool, app, environment, at FROM scans ORDER BY app, environment, tool, at",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(ScanRow {
                tool: row.get(0)?,
                app: row.get(1)?,
                environment: row.get(2)?,
                at: date_column(row, 3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Findings matching `filter`, sorted by app, environment, tool and fingerprint.
    ///
    /// "Open on a date" follows each finding's recorded transitions, so a finding fixed in
    /// February and reopened in March is not open on a day in between.
    pub fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRow>, StoreError> {
        // All apps: the table is read in its own order and sorted here. Walking the index in
        // the wanted order fetched each row from a random page, the most of `measure`'s time on
        // a large store (issue 12).
        let whole_table = filter.app.is_none();
        let (source, order) = if whole_table {
            ("findings f NOT INDEXED", "")
        } else {
            ("findings f", "ORDER BY f.app, f.environment, f.tool, f.fingerprint")
        };
        let sql = format!(
            "SELECT {FINDING_COLUMNS} FROM {source}
             WHERE (?1 IS NULL OR f.app = ?1) AND (?2 IS NULL OR f.environment = ?2)
               AND (?3 IS NULL OR (
                   SELECT e.kind FROM finding_events e
                   WHERE e.finding_id = f.id AND e.at <= ?3
                   ORDER BY e.at DESC LIMIT 1) IN ('opened', 'reopened'))
             {order}"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(
            params![filter.app, filter.environment, filter.open_on.map(SqlDate)],
            finding_from_row,
        )?;
        let mut rows: Vec<FindingRow> = rows.collect::<Result<_, _>>()?;
        if whole_table {
            // SQLite compares text byte by byte, as `str` does: the same order as `ORDER BY`.
            rows.sort_unstable_by(|a, b| {
                (&a.app, &a.environment, &a.tool, &a.fingerprint).cmp(&(
                    &b.app,
                    &b.environment,
                    &b.tool,
                    &b.fingerprint,
                ))
            });
        }
        Ok(rows)
    }
}

impl Store {
    /// The generation of every (app, environment) with findings or scans, sorted; `None` for a
    /// store opened read-only at a schema older than generations.
    pub fn finding_scope_generations(&self) -> Result<Option<Vec<ScopeGeneration>>, StoreError> {
        if !self.has_column("finding_scopes", "generation")? {
            return Ok(None);
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT app, environment, generation FROM finding_scopes ORDER BY app, environment",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(ScopeGeneration {
                app: row.get(0)?,
                environment: row.get(1)?,
                generation: row.get(2)?,
            })
        })?;
        Ok(Some(rows.collect::<Result<_, _>>()?))
    }

    /// The findings of the given (app, environment) scopes (every finding when `None`) as the
    /// metrics count them, sorted by app, environment, tool and fingerprint: the same records,
    /// in the same order, as [`Store::findings`] gives for them. A scope with a current snapshot
    /// (`snapshots.rs`) is decoded from it; the others are read from the rows.
    pub fn finding_records(
        &self,
        scopes: Option<&[(String, String)]>,
    ) -> Result<Vec<FindingRecord>, StoreError> {
        // One state of the store for the snapshots and the rows read beside them.
        let _held = match self.conn.is_autocommit() {
            true => Some(self.conn.unchecked_transaction()?),
            false => None,
        };
        if !self.has_column("finding_snapshots", "records")? {
            return self.records_from_rows(scopes);
        }
        let wanted: Option<HashSet<(&str, &str)>> =
            scopes.map(|scopes| scopes.iter().map(|(a, e)| (a.as_str(), e.as_str())).collect());
        // Every scope with findings is in `finding_scopes` (its triggers, or the ingest with
        // them off, put it there), sorted as the records are.
        let scopes: Vec<ScopeGeneration> = self
            .finding_scope_generations()?
            .unwrap_or_default()
            .into_iter()
            .filter(|s| wanted.as_ref().is_none_or(|w| w.contains(&(&*s.app, &*s.environment))))
            .collect();
        // Many scopes are decoded in two halves at once, the second by a connection of its own
        // on another thread, in the same state of the store (as `all_records` reads rows).
        let twin = match scopes.len() >= SPLIT_AT_SCOPES {
            true => self.twin_in_the_same_state()?,
            false => None,
        };
        let mut decoded = Vec::new();
        let from_rows = match twin {
            None => decode_snapshots(&self.conn, &scopes, &mut decoded)?,
            Some(twin) => {
                let (first, second) = scopes.split_at(scopes.len() / 2);
                let mut more = Vec::new();
                let into = &mut more;
                let (first, second) = std::thread::scope(|scope| {
                    let second = scope.spawn(move || decode_snapshots(&twin, second, into));
                    let first = decode_snapshots(&self.conn, first, &mut decoded);
                    (first, second.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                });
                let mut from_rows = first?;
                match second {
                    Ok(rest) => {
                        decoded.append(&mut more);
                        from_rows.extend(rest);
                    }
                    // A second half the other connection failed to read is read by this one.
                    Err(_) => from_rows.extend(decode_snapshots(
                        &self.conn,
                        &scopes[scopes.len() / 2..],
                        &mut decoded,
                    )?),
                }
                from_rows
            }
        };
        if from_rows.is_empty() {
            return Ok(decoded);
        }
        // Both are in scope order and no scope is in both: merged record by record.
        let read = self.records_from_rows(Some(&from_rows))?;
        let mut merged = Vec::with_capacity(read.len() + decoded.len());
        let mut read = read.into_iter().peekable();
        for record in decoded {
            while let Some(earlier) =
                read.next_if(|r| (&r.app, &r.environment) < (&record.app, &record.environment))
            {
                merged.push(earlier);
            }
            merged.push(record);
        }
        merged.extend(read);
        Ok(merged)
    }

    /// [`Store::finding_records`] from the rows alone.
    pub(crate) fn records_from_rows(
        &self,
        scopes: Option<&[(String, String)]>,
    ) -> Result<Vec<FindingRecord>, StoreError> {
        let wanted: Option<HashSet<(&str, &str)>> =
            scopes.map(|scopes| scopes.iter().map(|(a, e)| (a.as_str(), e.as_str())).collect());
        // Only asked for scopes when the store keeps them (`finding_scope_generations`).
        let known: i64 = match &wanted {
            Some(_) => {
                self.conn.query_row("SELECT count(*) FROM finding_scopes", [], |row| row.get(0))?
            }
            None => 0,
        };
        match wanted {
            // A few scopes of many: each read through `findings_by_scope`, one tool at a time,
            // touching only its own rows (a row fetched through an index is a seek, so this is
            // the cheaper way only when the scopes hold a small share).
            Some(wanted) if (wanted.len() * FEW_SCOPES) as i64 <= known => {
                let mut sorted: Vec<(&str, &str)> = wanted.into_iter().collect();
                sorted.sort_unstable();
                let tools = finding_tools(&self.conn)?;
                let mut reader = RecordReader::default();
                let mut records = Vec::new();
                for (app, environment) in sorted {
                    scope_records(&self.conn, &tools, app, environment, &mut reader, &mut records)?;
                }
                Ok(records)
            }
            // Otherwise the table in its own order, read through once and sorted here (see
            // `findings`), the rows of other scopes skipped before any of their text is copied.
            wanted => Ok(sorted_by_place(self.all_records(wanted.as_ref())?)),
        }
    }
}

/// Scopes are decoded from their snapshots by two connections at once from this many on.
const SPLIT_AT_SCOPES: usize = 64;

/// Appends to `decoded` the records of each of `scopes` that has a current snapshot which
/// decodes, in order; returns the scopes that have none, whose rows are to be read.
fn decode_snapshots(
    conn: &Connection,
    scopes: &[ScopeGeneration],
    decoded: &mut Vec<FindingRecord>,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT records FROM finding_snapshots WHERE app = ?1 AND environment = ?2 AND generation = ?3",
    )?;
    let mut texts = SharedTexts::new();
    let mut from_rows = Vec::new();
    for scope in scopes {
        let mut rows = statement.query(params![scope.app, scope.environment, scope.generation])?;
        let read = match rows.next()? {
            Some(row) => {
                let (app, environment) = (texts.get(&scope.app), texts.get(&scope.environment));
                let blob = row.get_ref(0)?.as_blob().unwrap_or_default();
                snapshots::decode_into(blob, &app, &environment, &mut texts, decoded)
            }
            None => None,
        };
        if read.is_none() {
            from_rows.push((scope.app.clone(), scope.environment.clone()));
        }
    }
    Ok(from_rows)
}

/// Appends the records of `app` in `environment` to `records`, sorted by tool and id: read
/// through `findings_by_scope` one tool of `tools` (every tool with findings) at a time.
fn scope_records(
    conn: &Connection,
    tools: &[String],
    app: &str,
    environment: &str,
    reader: &mut RecordReader,
    records: &mut Vec<FindingRecord>,
) -> Result<(), StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM findings f INDEXED BY findings_by_scope
         WHERE f.tool = ?1 AND f.app = ?2 AND f.environment = ?3"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let scope_start = records.len();
    for tool in tools {
        let mut rows = statement.query(params![tool, app, environment])?;
        while let Some(row) = rows.next()? {
            records.push(reader.record(row)?);
        }
    }
    records[scope_start..].sort_unstable_by(|a, b| (&a.tool, &a.id).cmp(&(&b.tool, &b.id)));
    Ok(())
}

/// Finding tables with fewer rows than this are read by one connection: a second one costs more
/// to open than it saves.
const SPLIT_AT_ROWS: i64 = 20_000;

impl Store {
    /// Every finding record of the `wanted` scopes (of every scope when `None`), unsorted. A large
    /// table is read in two halves of its rows at once, the second by a connection of its own on
    /// another thread (issue 12: reading a portfolio's findings was a third of `measure`, and
    /// the machine's other core sat idle). Both halves come from one state of the store: the
    /// second read's snapshot is taken while the first's is held, and is used only if every
    /// scope's generation, which each write to findings moves, is the same in both; otherwise
    /// the first connection reads it all.
    fn all_records(
        &self,
        wanted: Option<&HashSet<(&str, &str)>>,
    ) -> Result<Vec<FindingRecord>, StoreError> {
        // A read transaction holds one state of the store for the whole read (unless the
        // caller holds one already).
        let _held = match self.conn.is_autocommit() {
            true => Some(self.conn.unchecked_transaction()?),
            false => None,
        };
        let (first, last): (Option<i64>, Option<i64>) = self.conn.query_row(
            "SELECT min(rowid), max(rowid) FROM findings NOT INDEXED",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let (Some(first), Some(last)) = (first, last) else { return Ok(Vec::new()) };
        let middle = first + (last - first) / 2;
        let twin = match last - first >= SPLIT_AT_ROWS {
            true => self.twin_in_the_same_state()?,
            false => None,
        };
        let Some(twin) = twin else { return scan_records(&self.conn, i64::MIN, i64::MAX, wanted) };
        let (first_half, second_half) = std::thread::scope(|scope| {
            let second = scope.spawn(move || scan_records(&twin, middle + 1, i64::MAX, wanted));
            let first = scan_records(&self.conn, i64::MIN, middle, wanted);
            (first, second.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        });
        let mut records = first_half?;
        // A second half the other connection failed to read is read by this one, in the state
        // it holds.
        let second_half = match second_half {
            Ok(records) => records,
            Err(_) => scan_records(&self.conn, middle + 1, i64::MAX, wanted)?,
        };
        records.extend(second_half);
        Ok(records)
    }

    /// A second read-only connection to the store's file inside a read transaction that sees
    /// what this connection's open transaction sees; `None` when the store has no file (in
    /// memory), the file cannot be opened a second time, or the store changed in between.
    pub(crate) fn twin_in_the_same_state(&self) -> Result<Option<Connection>, StoreError> {
        let path = match self.conn.path() {
            Some(path) if !path.is_empty() => path.to_owned(),
            _ => return Ok(None),
        };
        if !self.has_column("finding_scopes", "generation")? {
            return Ok(None);
        }
        let total = "SELECT count(*), total(generation) FROM finding_scopes";
        let state = |conn: &Connection| {
            conn.query_row(total, [], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, f64>(1)?)))
        };
        let ours = state(&self.conn)?;
        // The second connection is only a help: whatever keeps it from reading (a store that
        // can be opened once only, as an immutable one on a read-only disk) leaves the read
        // to the first. It keeps SQLite's own small page cache: a read through the table once
        // gains nothing from a large one, which would hold pages no one reads again.
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let twin = Connection::open_with_flags(&path, flags).and_then(|twin| {
            twin.busy_timeout(crate::BUSY_TIMEOUT)?;
            twin.execute_batch("BEGIN")?;
            Ok((state(&twin)?, twin))
        });
        Ok(twin.ok().and_then(|(theirs, twin)| (theirs == ours).then_some(twin)))
    }
}

/// The finding records of the rows whose rowid is in `from..=to`, of the `wanted` scopes only.
fn scan_records(
    conn: &Connection,
    from: i64,
    to: i64,
    wanted: Option<&HashSet<(&str, &str)>>,
) -> Result<Vec<FindingRecord>, StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM findings f NOT INDEXED WHERE f.rowid BETWEEN ?1 AND ?2"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query([from, to])?;
    let mut reader = RecordReader::default();
    let mut records = Vec::new();
    // Whether the last row's scope was wanted: rows come in runs of one scope.
    let mut last: Option<(String, String, bool)> = None;
    while let Some(row) = rows.next()? {
        if let Some(wanted) = wanted {
            let app = row.get_ref(0)?.as_str().unwrap_or_default();
            let environment = row.get_ref(1)?.as_str().unwrap_or_default();
            let keep = match &last {
                Some((a, e, keep)) if a == app && e == environment => *keep,
                _ => {
                    let keep = wanted.contains(&(app, environment));
                    last = Some((app.to_owned(), environment.to_owned(), keep));
                    keep
                }
            };
            if !keep {
                continue;
            }
        }
        records.push(reader.record(row)?);
    }
    Ok(records)
}

/// `records` sorted by app, environment, tool and id. Comparing those four texts for every pair
/// a sort compares was a sixth of `measure` at enterprise scale (issue 12), and hashing them
/// for every record a tenth: most records share their app, environment and tool with their
/// neighbours (the table keeps a scan's findings together), so here the runs of records of one
/// (app, environment, tool) are found by comparing each record with the one before, the runs
/// are ranked by those three texts, the records ordered by their run's rank, and only records
/// of one rank are compared, by id.
fn sorted_by_place(records: Vec<FindingRecord>) -> Vec<FindingRecord> {
    fn place(r: &FindingRecord) -> (&str, &str, &str) {
        (&r.app, &r.environment, &r.tool)
    }
    // The reader hands equal texts out as one shared copy: the same pointer is the same text.
    fn same_place(a: &FindingRecord, b: &FindingRecord) -> bool {
        let same = |x: &Arc<str>, y: &Arc<str>| Arc::ptr_eq(x, y) || x == y;
        same(&a.app, &b.app) && same(&a.environment, &b.environment) && same(&a.tool, &b.tool)
    }
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, record) in records.iter().enumerate() {
        match runs.last_mut() {
            Some(run) if same_place(&records[run.start], record) => run.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    runs.sort_unstable_by(|a, b| place(&records[a.start]).cmp(&place(&records[b.start])));
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(records.len());
    let mut rank = 0;
    for (n, run) in runs.iter().enumerate() {
        if n > 0 && !same_place(&records[runs[n - 1].start], &records[run.start]) {
            rank += 1;
        }
        order.extend(run.clone().map(|i| (rank, i)));
    }
    drop(runs);
    // The records of one rank are together already: each such chunk is sorted by id.
    for chunk in order.chunk_by_mut(|a, b| a.0 == b.0) {
        chunk.sort_unstable_by(|a, b| records[a.1].id.cmp(&records[b.1].id));
    }
    let mut slots: Vec<Option<FindingRecord>> = records.into_iter().map(Some).collect();
    order.into_iter().filter_map(|(_, i)| slots[i].take()).collect()
}

/// The tools that have findings, sorted: found by seeking `findings_by_scope` from one tool to the
/// next, a few index pages each, however many findings they have.
fn finding_tools(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut first = conn.prepare_cached("SELECT min(tool) FROM findings")?;
    let mut next = conn.prepare_cached("SELECT min(tool) FROM findings WHERE tool > ?1")?;
    let mut tools = Vec::new();
    let mut tool: Option<String> = first.query_row([], |row| row.get(0))?;
    while let Some(found) = tool {
        tool = next.query_row(params![found], |row| row.get(0))?;
        tools.push(found);
    }
    Ok(tools)
}

/// The findings in one ingest from which it turns the triggers off (see `ingest_scans`).
const TRIGGERS_OFF_FROM: usize = 1_000;

/// What the triggers on `findings` and `scans` do for each row, done once for a scan: its scope
/// changed. Once is enough, since the generation is only read after the commit (and with the
/// triggers on, one more move changes nothing that matters: only that it moves).
fn bump_generation(tx: &Transaction<'_>, scan: &ScanInput) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO finding_scopes (app, environment, generation) VALUES (?1, ?2, 1)
         ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1",
    )?
    .execute(params![scan.app, scan.environment])?;
    Ok(())
}

/// The scans each of which is the only one of this ingest in a scope the store has never seen
/// (no finding or scan of it), before any is ingested: such a scope's rows will hold that scan's
/// findings and nothing else.
fn first_scans<'s>(
    tx: &Transaction<'_>,
    scans: &'s [ScanInput],
) -> Result<Vec<&'s ScanInput>, StoreError> {
    let mut known =
        tx.prepare_cached("SELECT 1 FROM finding_scopes WHERE app = ?1 AND environment = ?2")?;
    let mut first = Vec::new();
    for scan in scans {
        let same_scope =
            |other: &ScanInput| (&other.app, &other.environment) == (&scan.app, &scan.environment);
        if scans.iter().filter(|other| same_scope(other)).count() == 1
            && !known.exists(params![scan.app, scan.environment])?
        {
            first.push(scan);
        }
    }
    Ok(first)
}

/// The snapshot of each of `scans` (see [`first_scans`]), with its scope.
fn first_scan_snapshots<'s>(scans: &[&'s ScanInput]) -> Vec<((&'s str, &'s str), Vec<u8>)> {
    let mut texts = SharedTexts::new();
    scans
        .iter()
        .map(|scan| {
            let records = records_of_first_scan(scan, &mut texts);
            ((scan.app.as_str(), scan.environment.as_str()), snapshots::encode(&records))
        })
        .collect()
}

/// The snapshot of every scope `scans` wrote, at its generation now: inside the ingest's
/// transaction, after its last write to the scope. `made` holds those made from a first scan
/// (`first_scan_snapshots`); the others are read from their rows.
fn write_snapshots(
    tx: &Transaction<'_>,
    scans: &[ScanInput],
    made: &[((&str, &str), Vec<u8>)],
) -> Result<(), StoreError> {
    let mut scopes: Vec<(&str, &str)> =
        scans.iter().map(|scan| (scan.app.as_str(), scan.environment.as_str())).collect();
    scopes.sort_unstable();
    scopes.dedup();
    write_scope_snapshots(tx, scopes, made)
}

/// The snapshot of every scope with findings, made from its rows: what a store upgraded from a
/// schema before `0016_finding_snapshots` gets once, inside the upgrade's transaction, so that
/// its scopes are not read from their rows until each is ingested again (issue 12: reading rows
/// took the enterprise portfolio's measure three times as long as decoding snapshots).
pub(crate) fn snapshot_every_scope(tx: &Transaction<'_>) -> Result<usize, StoreError> {
    let scopes: Vec<(String, String)> = tx
        .prepare("SELECT app, environment FROM finding_scopes ORDER BY app, environment")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let count = scopes.len();
    write_scope_snapshots(tx, scopes.iter().map(|(a, e)| (a.as_str(), e.as_str())).collect(), &[])?;
    Ok(count)
}

/// The snapshot of each of `scopes`: the one in `made`, else made from its rows.
fn write_scope_snapshots(
    tx: &Transaction<'_>,
    scopes: Vec<(&str, &str)>,
    made: &[((&str, &str), Vec<u8>)],
) -> Result<(), StoreError> {
    let mut tools = None;
    let mut reader = RecordReader::default();
    let mut records = Vec::new();
    for (app, environment) in scopes {
        if let Some((_, blob)) = made.iter().find(|(scope, _)| *scope == (app, environment)) {
            snapshots::write_snapshot(tx, app, environment, blob)?;
            continue;
        }
        let tools = match &mut tools {
            Some(tools) => tools,
            None => tools.insert(finding_tools(tx)?),
        };
        records.clear();
        scope_records(tx, tools, app, environment, &mut reader, &mut records)?;
        snapshots::write_snapshot(tx, app, environment, &snapshots::encode(&records))?;
    }
    Ok(())
}

/// The records the rows of a scope's first scan hold once it is ingested, sorted by id: each
/// fingerprint's first finding (as `ingest_scan` keeps it), new on the scan's date. What
/// `RecordReader` reads of a row, made from what the ingest writes to it (the store's tests
/// check them against the rows).
fn records_of_first_scan(scan: &ScanInput, texts: &mut SharedTexts) -> Vec<FindingRecord> {
    let (app, environment, tool) =
        (texts.get(&scan.app), texts.get(&scan.environment), texts.get(&scan.tool));
    let mut seen: HashSet<&str> = HashSet::with_capacity(scan.findings.len());
    let mut records = Vec::with_capacity(scan.findings.len());
    for finding in &scan.findings {
        if !seen.insert(finding.fingerprint.as_str()) {
            continue;
        }
        let mut cwes = finding.cwes.clone();
        cwes.sort_unstable();
        cwes.dedup();
        records.push(FindingRecord {
            app: Arc::clone(&app),
            environment: Arc::clone(&environment),
            tool: Arc::clone(&tool),
            id: Arc::from(finding.fingerprint.as_str()),
            rule_id: Arc::clone(&finding.rule_id),
            severity: finding.severity.parse().unwrap_or(Severity::Unknown),
            score: finding.score,
            class: finding.class,
            cwes,
            first_seen: scan.at,
            fixed_at: None,
            file: finding.file.as_deref().map(|file| texts.get(file)),
            line: finding.line,
        });
    }
    records.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    records
}

/// One scan inside the caller's transaction.
fn ingest_scan(tx: &Transaction<'_>, scan: &ScanInput) -> Result<IngestSummary, StoreError> {
    let newest: Option<Date> = tx
        .prepare_cached(
            "SELECT max(at) FROM scans WHERE tool = ?1 AND app = ?2 AND environment = ?3",
        )?
        .query_row(params![scan.tool, scan.app, scan.environment], |row| {
            optional_date_column(row, 0)
        })?;
    if let Some(newest) = newest
        && newest > scan.at
    {
        return Err(StoreError::OutOfOrder {
            subject: format!("scan of {} for {}/{}", scan.tool, scan.app, scan.environment),
            at: scan.at,
            newest,
        });
    }
    let complete = scan.outcome == ScanOutcome::Complete;
    // Several ingests on one date are one scan, complete when any of them was.
    tx.prepare_cached(
        "INSERT INTO scans (tool, app, environment, at, complete) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (tool, app, environment, at) DO UPDATE SET complete = max(complete, excluded.complete)",
    )?
    .execute(params![scan.tool, scan.app, scan.environment, SqlDate(scan.at), complete])?;

    // Checked one by one inside the transaction, in file order: a bad finding rolls back the
    // ones before it. A fingerprint given twice counts once, the first occurrence winning.
    let mut seen: HashSet<&str> = HashSet::with_capacity(scan.findings.len());
    let mut findings: Vec<&FindingInput> = Vec::with_capacity(scan.findings.len());
    for finding in &scan.findings {
        if seen.insert(finding.fingerprint.as_str()) {
            check_finding(finding)?;
            findings.push(finding);
        }
    }
    drop(seen);
    // In fingerprint order, the indexes over fingerprints are filled page after page instead of
    // at random places, and the scope's findings are read in one pass over its index (issue 12).
    findings.sort_unstable_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    let known = known_findings(tx, scan)?;
    let mut known = known.iter().peekable();
    let mut writes = FindingWrites::prepare(tx, scan)?;
    let mut summary = IngestSummary::default();
    let mut new: Vec<&FindingInput> = Vec::with_capacity(INSERT_BATCH);
    for finding in findings {
        // Both in fingerprint order: the known ones before this finding are not in the scan.
        let fingerprint = finding.fingerprint.as_str();
        while known.next_if(|(held, _)| held.as_str() < fingerprint).is_some() {}
        match known.next_if(|(held, _)| held == fingerprint) {
            Some(&(_, existing)) => writes.update(finding, existing, &mut summary)?,
            None => {
                new.push(finding);
                if new.len() == INSERT_BATCH {
                    writes.insert(&new)?;
                    summary.new += new.len();
                    new.clear();
                }
            }
        }
    }
    writes.insert(&new)?;
    summary.new += new.len();
    writes.update_seen()?;
    writes.open_inserted(summary.new)?;
    if !complete {
        return Ok(summary);
    }

    // Open findings of this scope that no ingest of this date has seen are fixed now.
    tx.prepare_cached(
        "INSERT INTO finding_events (finding_id, at, kind)
         SELECT id, ?4, 'fixed' FROM findings
         WHERE tool = ?1 AND app = ?2 AND environment = ?3 AND fixed_at IS NULL AND last_seen < ?4",
    )?
    .execute(params![scan.tool, scan.app, scan.environment, SqlDate(scan.at)])?;
    summary.fixed = tx
        .prepare_cached(
            "UPDATE findings SET fixed_at = ?4
             WHERE tool = ?1 AND app = ?2 AND environment = ?3 AND fixed_at IS NULL AND last_seen < ?4",
        )?
        .execute(params![scan.tool, scan.app, scan.environment, SqlDate(scan.at)])?;
    Ok(summary)
}

/// A finding the store holds: its id and fixed date.
type KnownFinding = (i64, Option<Date>);

/// The findings of a scan's tool, app and environment: fingerprint, id and fixed date, in
/// fingerprint order, read in one pass over the index rather than looked up one by one (and
/// matched to the scan's by a merge of the two sorted lists, not a hash map, issue 12).
fn known_findings(
    tx: &Transaction<'_>,
    scan: &ScanInput,
) -> Result<Vec<(String, KnownFinding)>, StoreError> {
    let mut statement = tx.prepare_cached(
        "SELECT fingerprint, id, fixed_at FROM findings INDEXED BY findings_by_scope
         WHERE app = ?1 AND environment = ?2 AND tool = ?3",
    )?;
    let rows = statement.query_map(params![scan.app, scan.environment, scan.tool], |row| {
        Ok((row.get(0)?, (row.get(1)?, optional_date_column(row, 2)?)))
    })?;
    let mut known: Vec<(String, KnownFinding)> = rows.collect::<Result<_, _>>()?;
    // SQLite compares text byte by byte, as `str` does; the unique key holds one of each.
    known.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(known)
}

/// Which other apps (`?2` the asking one) hold which of `entries` fingerprints (`?3`…) of a tool
/// (`?1`): per app, how many of the numbered entries.
fn fingerprints_elsewhere_sql(entries: usize) -> String {
    let values: Vec<String> =
        (0..entries).map(|entry| format!("(?{}, {entry})", 3 + entry)).collect();
    format!(
        "SELECT f.app, count(DISTINCT asked.column2)
         FROM (VALUES {}) AS asked CROSS JOIN findings f
         WHERE f.fingerprint = asked.column1 AND f.tool = ?1 AND f.app <> ?2
         GROUP BY f.app",
        values.join(", ")
    )
}

/// New findings are inserted this many to a statement: a statement's execution has a cost of its
/// own (cursors opened and closed, the page cache looked up again) that was most of a row's.
const INSERT_BATCH: usize = 64;

/// The statements of a full batch, written once: the statement cache finds a statement by its
/// text, and writing it again for every batch was about 1% of a stored ingest (issue 12).
static INSERT_SQL: LazyLock<String> = LazyLock::new(|| insert_findings_sql(INSERT_BATCH));
static UPDATE_SQL: LazyLock<String> = LazyLock::new(|| update_findings_sql(INSERT_BATCH));
static ELSEWHERE_SQL: LazyLock<String> = LazyLock::new(|| fingerprints_elsewhere_sql(INSERT_BATCH));

/// The text of a batch of `rows`: `full`'s for a full batch, written by `write` for a shorter one.
fn batch_sql(
    rows: usize,
    full: &'static LazyLock<String>,
    write: fn(usize) -> String,
) -> Cow<'static, str> {
    if rows == INSERT_BATCH { Cow::Borrowed(full.as_str()) } else { Cow::Owned(write(rows)) }
}

/// `INSERT INTO findings` of `rows` rows: `?1`..`?4` are the scan's tool, app, environment and
/// date, then nine parameters per row.
fn insert_findings_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO findings (fingerprint, tool, app, environment, rule_id, severity, score, cwes, file, line, message, first_seen, last_seen, class) VALUES ",
    );
    for row in 0..rows {
        let p = 5 + row * INSERT_PARAMETERS;
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(?{p}, ?1, ?2, ?3, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?4, ?4, ?{})",
            p + 1,
            p + 2,
            p + 3,
            p + 4,
            p + 5,
            p + 6,
            p + 7,
            p + 8
        ));
    }
    sql
}

/// The parameters of one row of `insert_findings_sql`.
const INSERT_PARAMETERS: usize = 9;

/// `UPDATE findings` of `rows` findings seen again, in one statement over a list of values: `?1`
/// is the scan's date, then per row the finding's id and what the scan says of it now.
fn update_findings_sql(rows: usize) -> String {
    let mut sql = String::from(
        "UPDATE findings SET rule_id = seen.column2, severity = seen.column3, score = seen.column4,
             cwes = seen.column5, file = seen.column6, line = seen.column7, message = seen.column8,
             last_seen = ?1, class = seen.column9
         FROM (VALUES ",
    );
    for row in 0..rows {
        let p = 2 + row * UPDATE_PARAMETERS;
        if row > 0 {
            sql.push_str(", ");
        }
        let parameters: Vec<String> = (p..p + UPDATE_PARAMETERS).map(|n| format!("?{n}")).collect();
        sql.push('(');
        sql.push_str(&parameters.join(", "));
        sql.push(')');
    }
    sql.push_str(") AS seen WHERE findings.id = seen.column1");
    sql
}

/// The parameters of one row of `update_findings_sql`.
const UPDATE_PARAMETERS: usize = 9;

/// Binds what a scan says of a finding (rule, severity, score, CWEs, location, message, class) to
/// eight parameters from `first`: the same columns of a row inserted and of a row seen again.
fn bind_what_the_scan_says(
    statement: &mut rusqlite::CachedStatement<'_>,
    first: usize,
    finding: &FindingInput,
) -> rusqlite::Result<()> {
    statement.raw_bind_parameter(first, finding.rule_id.as_ref())?;
    statement.raw_bind_parameter(first + 1, finding.severity.as_ref())?;
    statement.raw_bind_parameter(first + 2, finding.score)?;
    statement.raw_bind_parameter(first + 3, cwes_json(&finding.cwes))?;
    statement.raw_bind_parameter(first + 4, &finding.file)?;
    statement.raw_bind_parameter(first + 5, finding.line)?;
    statement.raw_bind_parameter(first + 6, &finding.message)?;
    statement.raw_bind_parameter(first + 7, finding.class.as_str())
}

/// The statements of a scan's finding writes, prepared once for the whole scan.
struct FindingWrites<'t> {
    scan: &'t ScanInput,
    /// The largest finding id before the scan's inserts: the new findings are those above it.
    inserted_after: i64,
    event: rusqlite::CachedStatement<'t>,
    /// Findings seen again (with their ids) not yet written, up to `INSERT_BATCH`.
    seen: Vec<(&'t FindingInput, i64)>,
    tx: &'t Transaction<'t>,
}

impl<'t> FindingWrites<'t> {
    fn prepare(tx: &'t Transaction<'t>, scan: &'t ScanInput) -> Result<Self, StoreError> {
        let inserted_after: Option<i64> =
            tx.prepare_cached("SELECT max(id) FROM findings")?.query_row([], |row| row.get(0))?;
        Ok(Self {
            scan,
            inserted_after: inserted_after.unwrap_or(0),
            event: tx.prepare_cached(
                "INSERT INTO finding_events (finding_id, at, kind) VALUES (?1, ?2, ?3)",
            )?,
            seen: Vec::with_capacity(INSERT_BATCH),
            tx,
        })
    }

    /// Inserts new findings, in one statement.
    fn insert(&mut self, findings: &[&FindingInput]) -> Result<(), StoreError> {
        if findings.is_empty() {
            return Ok(());
        }
        let scan = self.scan;
        let mut statement =
            self.tx.prepare_cached(&batch_sql(findings.len(), &INSERT_SQL, insert_findings_sql))?;
        statement.raw_bind_parameter(1, &scan.tool)?;
        statement.raw_bind_parameter(2, &scan.app)?;
        statement.raw_bind_parameter(3, &scan.environment)?;
        statement.raw_bind_parameter(4, SqlDate(scan.at))?;
        for (row, finding) in findings.iter().enumerate() {
            let p = 5 + row * INSERT_PARAMETERS;
            statement.raw_bind_parameter(p, &finding.fingerprint)?;
            bind_what_the_scan_says(&mut statement, p + 1, finding)?;
        }
        statement.raw_execute()?;
        Ok(())
    }

    /// Writes the findings seen again that `update` gathered: their rule, severity, score,
    /// CWEs, location, message and class as the scan gives them, and the scan's date as their
    /// last sighting, in one statement (one per finding was most of the cost of a scan seen
    /// again: each execution opens and closes its cursors, issue 12).
    fn update_seen(&mut self) -> Result<(), StoreError> {
        if self.seen.is_empty() {
            return Ok(());
        }
        let mut statement = self.tx.prepare_cached(&batch_sql(
            self.seen.len(),
            &UPDATE_SQL,
            update_findings_sql,
        ))?;
        statement.raw_bind_parameter(1, SqlDate(self.scan.at))?;
        for (row, (finding, id)) in self.seen.iter().enumerate() {
            let p = 2 + row * UPDATE_PARAMETERS;
            statement.raw_bind_parameter(p, id)?;
            bind_what_the_scan_says(&mut statement, p + 1, finding)?;
        }
        statement.raw_execute()?;
        self.seen.clear();
        Ok(())
    }

    /// Gives the `inserted` new findings their `opened` event, in one statement: they are the
    /// rows above the largest id before the scan (SQLite gives a new row the largest id plus
    /// one). Should ids ever be given otherwise (after the largest possible id), the findings
    /// without any event are found by a search of the scope.
    fn open_inserted(&mut self, inserted: usize) -> Result<(), StoreError> {
        let scan = self.scan;
        let opened = self
            .tx
            .prepare_cached(
                "INSERT INTO finding_events (finding_id, at, kind) SELECT id, ?2, 'opened' FROM findings WHERE id > ?1",
            )?
            .execute(params![self.inserted_after, SqlDate(scan.at)])?;
        if opened != inserted {
            self.tx
                .prepare_cached(
                    "INSERT INTO finding_events (finding_id, at, kind)
                     SELECT f.id, ?4, 'opened' FROM findings f
                     WHERE f.tool = ?1 AND f.app = ?2 AND f.environment = ?3
                       AND NOT EXISTS (SELECT 1 FROM finding_events e WHERE e.finding_id = f.id)",
                )?
                .execute(params![scan.tool, scan.app, scan.environment, SqlDate(scan.at)])?;
        }
        Ok(())
    }

    /// Records a finding the store holds (`existing`: its id and fixed date) as seen again:
    /// still open, or reopened. Its new values are written with those of the findings seen
    /// again after it, `INSERT_BATCH` to a statement, by `update_seen`.
    fn update(
        &mut self,
        finding: &'t FindingInput,
        existing: (i64, Option<Date>),
        summary: &mut IngestSummary,
    ) -> Result<(), StoreError> {
        let scan = self.scan;
        let (id, fixed_at) = existing;
        self.seen.push((finding, id));
        if self.seen.len() == INSERT_BATCH {
            self.update_seen()?;
        }
        let tx = self.tx;
        match fixed_at {
            None => summary.still_open += 1,
            Some(fixed) if fixed == scan.at => {
                // An earlier ingest of this same date missed it; the date's scans are one scan, so
                // it was never fixed.
                tx.prepare_cached("UPDATE findings SET fixed_at = NULL WHERE id = ?1")?
                    .execute(params![id])?;
                tx.prepare_cached(
                    "DELETE FROM finding_events WHERE finding_id = ?1 AND at = ?2 AND kind = 'fixed'",
                )?
                .execute(params![id, SqlDate(scan.at)])?;
                summary.still_open += 1;
            }
            Some(_) => {
                tx.prepare_cached(
                    "UPDATE findings SET fixed_at = NULL, reopened = reopened + 1 WHERE id = ?1",
                )?
                .execute(params![id])?;
                self.event.execute(params![id, SqlDate(scan.at), "reopened"])?;
                summary.reopened += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_sorted_by_place_are_in_the_order_of_their_four_texts() {
        // Scrambled records of interleaved scopes and tools, prefixes of one another included.
        let mut seed = 12_345_u64;
        let mut pick = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let records: Vec<FindingRecord> = (0..3_000)
            .map(|_| FindingRecord {
                app: ["shop", "shop-api", "api", "a"][pick(4) as usize].into(),
                environment: ["prod", "dev", "prod2"][pick(3) as usize].into(),
                tool: ["CodeQL", "Semgrep", "Code"][pick(3) as usize].into(),
                id: format!("f{}", pick(500)).into(),
                rule_id: "".into(),
                severity: Severity::High,
                score: None,
                cwes: Vec::new(),
                class: FindingClass::Security,
                first_seen: jiff::civil::date(2027, 1, 1),
                fixed_at: None,
                file: None,
                line: None,
            })
            .collect();
        let key = |r: &FindingRecord| {
            (r.app.clone(), r.environment.clone(), r.tool.clone(), r.id.clone())
        };
        let mut expected: Vec<_> = records.iter().map(key).collect();
        expected.sort();
        // Also in long runs of one place, as the table keeps them, one place in several runs.
        let mut runs = records.clone();
        runs.sort_by_key(|r| (r.tool.clone(), r.environment.clone()));
        let sorted: Vec<_> = sorted_by_place(runs).iter().map(key).collect();
        assert_eq!(sorted, expected);
        let sorted: Vec<_> = sorted_by_place(records).iter().map(key).collect();
        assert_eq!(sorted, expected);
        assert!(sorted_by_place(Vec::new()).is_empty());
    }
}
