//! threatokr-store: the history store (`.threatokr/store.sqlite`), and the only crate that speaks SQL.
//!
//! Definitions live in text under review (git); what happens over time lives here: findings with
//! the dates they were first seen, last seen and fixed, one measurement per key result per day,
//! check-ins, the status history of threats and controls, and grades frozen at a cycle's close.
//!
//! The schema is a list of numbered migrations (`migrations/NNNN_*.sql`) applied on open, with the
//! version kept in `PRAGMA user_version` and the file marked as ours by `PRAGMA application_id`
//! (an SQLite file of another application is refused, never altered). Every write is one
//! `BEGIN IMMEDIATE` transaction: it takes the write lock before reading, so concurrent writers
//! queue on the busy timeout instead of failing, and it lands whole or not at all. Every list comes back sorted, so output built on it is deterministic. History is never
//! rewritten: an ingest dated before the newest scan of its tool, app and environment is refused.

#![warn(missing_docs)]

mod access;
mod checkins;
mod ci_scans;
mod error;
mod evidence;
mod findings;
mod grades;
mod measurements;
mod snapshots;
mod statuses;
#[cfg(test)]
mod tests;

pub use access::{Hash, Role, SessionRow, TokenRow};
pub use checkins::{Checkin, CheckinRow, CheckinSource};
pub use ci_scans::CiScanRow;
pub use error::StoreError;
pub use evidence::{EvidencePart, EvidenceText, PartText};
pub use findings::{
    FindingFilter, FindingInput, FindingRow, IngestSummary, IngestedFile, ScanInput, ScanOutcome,
    ScanRow, ScopeGeneration,
};
pub use grades::{GradeRow, Overwrite};
pub use measurements::{MeasurementRow, RescoredMeasurement, SerializedMeasurement, StoredValue};
pub use statuses::{EntityKind, StatusChange, StatusObservation};

use jiff::civil::Date;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// The schema, one migration per file; append new files, never edit a released one.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_scan_outcome_and_ingested_files.sql"),
    include_str!("../migrations/0003_tokens_sessions.sql"),
    include_str!("../migrations/0004_measurement_target.sql"),
    include_str!("../migrations/0005_finding_class.sql"),
    include_str!("../migrations/0008_evidence_by_content.sql"),
    include_str!("../migrations/0009_measurement_fingerprints.sql"),
    include_str!("../migrations/0010_findings_checks_without_lists.sql"),
    include_str!("../migrations/0011_findings_fewer_btrees.sql"),
    include_str!("../migrations/0014_ci_scans.sql"),
    include_str!("../migrations/0015_status_snapshot.sql"),
    include_str!("../migrations/0016_finding_snapshots.sql"),
    include_str!("../migrations/0017_measurements_by_evidence.sql"),
    include_str!("../migrations/0018_evidence_parts.sql"),
    include_str!("../migrations/0019_evidence_run_prints.sql"),
    include_str!("../migrations/0020_evidence_counted.sql"),
    include_str!("../migrations/0021_scope_parts.sql"),
];

/// The schema version from which a store keeps finding snapshots (`0016_finding_snapshots`):
/// upgrading an older store makes every scope's snapshot.
const SNAPSHOTS_FROM: usize = 12;

/// `PRAGMA application_id` of a threatokr store: "TOKR" in ASCII. It tells our files from other
/// applications' SQLite files, which threatokr must never alter.
const APPLICATION_ID: i32 = 0x544F_4B52;

/// How long a writer waits for another writer's lock before giving up. Writers queue (every write
/// transaction takes the lock up front), so the wait must cover the writes ahead in the queue: a
/// large ingest (a 60 MB SARIF file, tens of thousands of findings) holds the lock for several
/// seconds on a slow disk, and a CI job, a dashboard and a person may all be writing at once. A
/// minute covers that queue with room to spare and still fails a lock that is really stuck.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// An open history store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// The answers of [`Store::has_column`] so far: a schema does not change under an open store
    /// (migrations run when it is opened), and asking SQLite took three statements prepared and
    /// run for every stored value read back (issue 12: 732 in a re-measure).
    columns: RefCell<HashMap<(&'static str, &'static str), bool>>,
}

impl Store {
    /// Opens (creating the file if needed, but not its folder) and migrates the store at `path`,
    /// in WAL mode so readers never block the writer, with a busy timeout of a minute. A file
    /// that is not a threatokr store is refused with `StoreError::NotAStore` and left as it was;
    /// one from a newer threatokr with `StoreError::NewerSchema`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        // Switching a new file to WAL takes an exclusive lock that SQLite does not wait for, so
        // several processes creating the store at once may be told "busy" at once; each tries
        // again, within the same busy timeout as any write.
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match Self::open_once(path) {
                Err(StoreError::Sqlite(e))
                    if error::is_busy(&e) && started.elapsed() < BUSY_TIMEOUT =>
                {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                opened => return opened,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Checked before anything writes to the file (switching to WAL rewrites its header).
        let identity = read_identity(&conn)?;
        identity.check()?;
        let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // Some filesystems (network mounts) refuse WAL and keep the old mode; the store still
            // works then, only with readers and writer taking turns.
            let _mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        }
        // SQLite's 4 KiB pages are kept. 16 KiB pages made the ingest of a 212 MB log into an
        // empty store 7% faster and a portfolio's first `measure` 10% faster, but the ingest of
        // one scan into a large store 8% slower: each new finding dirties an index page at a
        // random place, written whole to the WAL. That is the write CI does on every push
        // (issue 12).
        // NORMAL is durable across application crashes in WAL mode and much faster than FULL.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        use_a_larger_page_cache(&conn)?;
        // A statement that writes many rows keeps a journal of its own, to undo just itself on
        // failure; on disk, it was written as the rows went in (issue 12: a tenth of an ingest
        // of the findings of a large file). It only ever serves the open transaction, so memory
        // loses nothing the commit would keep.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Self::prepare(conn, identity)
    }

    /// Opens the store at `path` for reading only: commands that only read (`status`, `report`)
    /// work on a read-only workspace and never change the file. A missing store reads as an empty
    /// one (in memory), and no file or folder is created.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        if !path.exists() {
            return Self::open_in_memory();
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let identity = match read_identity(&conn) {
            Ok(identity) => identity,
            // A WAL store on a read-only filesystem whose `-shm` file is gone cannot be opened
            // for shared reading; nothing can write to it there, so it is read as immutable.
            Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)))
                if e.code == rusqlite::ErrorCode::CannotOpen =>
            {
                conn = Connection::open_with_flags(
                    format!("file:{}?immutable=1", uri_path(path)),
                    flags | OpenFlags::SQLITE_OPEN_URI,
                )?;
                read_identity(&conn)?
            }
            Err(e) => return Err(e),
        };
        identity.check()?;
        use_a_larger_page_cache(&conn)?;
        // An older schema is read as it is: the tables the readers use are all in the first one.
        Ok(Self { conn, columns: RefCell::default() })
    }

    /// A fresh store in memory, for tests and dry runs.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        let identity = read_identity(&conn)?;
        Self::prepare(conn, identity)
    }

    fn prepare(mut conn: Connection, identity: Identity) -> Result<Self, StoreError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        if !identity.is_current() {
            migrate(&mut conn)?;
        }
        Ok(Self { conn, columns: RefCell::default() })
    }

    /// Starts a write: `BEGIN IMMEDIATE` takes the write lock before the first read, so a writer
    /// waits its turn (up to the busy timeout) instead of failing when another process wrote
    /// between its read and its write, which a deferred transaction cannot recover from.
    fn write_transaction(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Holds one state of the store for every read made until the guard is dropped: the reads of
    /// a measurement (its scans, check-ins, stored values and findings) then see the same store
    /// even while another process ingests, and SQLite takes and releases its read lock once, not
    /// once per statement (10,395 times in a re-measure at enterprise scale, issue 12). Holding
    /// nothing when a transaction is already open. Kept short: a reader holding a state keeps
    /// the WAL from being checkpointed past it.
    pub fn one_state(&self) -> Result<OneState<'_>, StoreError> {
        let held = match self.conn.is_autocommit() {
            true => Some(self.conn.unchecked_transaction()?),
            false => None,
        };
        Ok(OneState { _held: held })
    }

    /// The schema version (`PRAGMA user_version`): the number of migrations applied.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// Whether `table` has the column `column`: a store opened read-only is read at its own
    /// schema, which may predate the column.
    fn has_column(&self, table: &'static str, column: &'static str) -> Result<bool, StoreError> {
        let key = (table, column);
        if let Some(&known) = self.columns.borrow().get(&key) {
            return Ok(known);
        }
        let has: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
            rusqlite::params![table, column],
            |row| row.get(0),
        )?;
        self.columns.borrow_mut().insert(key, has);
        Ok(has)
    }

    /// The journal mode in use: `wal` for a file, `memory` in memory.
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        Ok(self.conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?)
    }
}

/// One state of the store held for reading ([`Store::one_state`]); dropping it ends the read
/// transaction.
#[derive(Debug)]
pub struct OneState<'s> {
    _held: Option<Transaction<'s>>,
}

/// What a database file says about itself before threatokr touches it.
#[derive(Debug, Clone, Copy)]
struct Identity {
    application_id: i32,
    version: u32,
    /// It holds tables, indexes or views.
    has_objects: bool,
    /// It holds the tables of the first schema (a store written before `application_id` was set).
    has_store_tables: bool,
}

impl Identity {
    fn is_current(self) -> bool {
        self.application_id == APPLICATION_ID && self.version as usize == MIGRATIONS.len()
    }

    /// Ours (or empty, or an older store of ours), and not from a newer threatokr.
    fn check(self) -> Result<(), StoreError> {
        let ours = self.application_id == APPLICATION_ID
            || (self.application_id == 0
                && (!self.has_objects || (self.version >= 1 && self.has_store_tables)));
        if !ours {
            return Err(StoreError::NotAStore {
                reason: if self.application_id == 0 {
                    "it is an SQLite database with tables of another application".to_owned()
                } else {
                    format!(
                        "it is the SQLite database of another application (application id {:#010x})",
                        self.application_id
                    )
                },
            });
        }
        if self.version as usize > MIGRATIONS.len() {
            return Err(StoreError::NewerSchema {
                found: self.version,
                known: MIGRATIONS.len() as u32,
            });
        }
        Ok(())
    }
}

fn read_identity(conn: &Connection) -> Result<Identity, StoreError> {
    // One statement, so one snapshot: read piece by piece, another process creating the store
    // in between would show an empty header beside its new tables.
    conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id()),
                (SELECT user_version FROM pragma_user_version()),
                (SELECT count(*) > 0 FROM sqlite_master),
                (SELECT count(*) = 2 FROM sqlite_master
                 WHERE type = 'table' AND name IN ('scans', 'findings'))",
        [],
        |row| {
            Ok(Identity {
                application_id: row.get(0)?,
                version: row.get(1)?,
                has_objects: row.get(2)?,
                has_store_tables: row.get(3)?,
            })
        },
    )
    .map_err(not_a_database)
}

/// A file that is not SQLite at all gets the same clear refusal as another application's database.
fn not_a_database(error: rusqlite::Error) -> StoreError {
    match error {
        rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::NotADatabase => {
            StoreError::NotAStore { reason: "it is not an SQLite database".to_owned() }
        }
        other => StoreError::Sqlite(other),
    }
}

/// Applies the migrations the file lacks, in one immediate transaction, checking again under the
/// lock: several processes may open a new store at once, and only the first migrates it.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let identity = read_identity(&tx)?;
    identity.check()?;
    for migration in &MIGRATIONS[identity.version as usize..] {
        tx.execute_batch(migration)?;
    }
    if (identity.version as usize) < SNAPSHOTS_FROM {
        findings::snapshot_every_scope(&tx)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as u32)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}

/// A path for an SQLite `file:` URI: `%`, `?` and `#` are escaped so they stay part of the name.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            _ => out.push(c),
        }
    }
    out
}

/// Refuses dates whose ISO text would not sort in date order (years before 1).
fn check_date(date: Date, field: &'static str) -> Result<(), StoreError> {
    if date.year() < 1 {
        return Err(StoreError::Invalid {
            field,
            value: date.to_string(),
            expected: "a date from year 1 on",
        });
    }
    Ok(())
}

fn check_not_empty(text: &str, field: &'static str) -> Result<(), StoreError> {
    if text.trim().is_empty() {
        return Err(StoreError::Invalid {
            field,
            value: text.to_owned(),
            expected: "a non-empty text",
        });
    }
    Ok(())
}

fn check_finite(value: Option<f64>, field: &'static str) -> Result<(), StoreError> {
    match value {
        Some(v) if !v.is_finite() => {
            Err(StoreError::Invalid { field, value: v.to_string(), expected: "a finite number" })
        }
        _ => Ok(()),
    }
}

/// Turns a text column into a typed value through `FromStr`, reporting a failure as a column
/// conversion error.
fn parse_column<T>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(index)?;
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Like `parse_column` for a nullable column.
fn optional_parsed_column<T>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<T>>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: Option<String> = row.get(index)?;
    text.map(|text| text.parse()).transpose().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Reads a JSON text column.
fn json_column(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<serde_json::Value> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A civil date in SQL: ISO text (`2027-01-31`), which sorts in date order for years 1 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SqlDate(Date);

impl rusqlite::ToSql for SqlDate {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.0.to_string()))
    }
}

impl rusqlite::types::FromSql for SqlDate {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        value
            .as_str()
            .and_then(|text| text.parse().map(Self).map_err(rusqlite::types::FromSqlError::other))
    }
}

/// A moment as stored: UTC to the second, so that the text sorts in time order.
fn stamp(moment: jiff::Timestamp) -> String {
    moment.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reads a date column.
fn date_column(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Date> {
    Ok(row.get::<_, SqlDate>(index)?.0)
}

/// Reads a nullable date column.
fn optional_date_column(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<Date>> {
    Ok(row.get::<_, Option<SqlDate>>(index)?.map(|date| date.0))
}

/// SQLite's default page cache is 2 MB: once a store of a large portfolio outgrows it, every
/// finding an ingest looks up or indexes is read again from the OS (issue 12: ingest time grew
/// faster than the store). The cache grows only as pages are used, up to 64 MiB.
fn use_a_larger_page_cache(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "cache_size", -65_536)?;
    Ok(())
}
