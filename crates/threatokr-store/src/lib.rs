//! threatokr-store: the history store (`.threatokr/store.sqlite`), and the only crate that speaks SQL.
//!
//! Definitions live in text under review (git); what happens over time lives here: findings with
//! the dates they were first seen, last seen and fixed, one measurement per key result per day,
//! check-ins, the status history of threats and controls, and grades frozen at a cycle's close.
//!
//! The schema is a list of numbered migrations (`migrations/NNNN_*.sql`) applied on open, with the
//! version kept in `PRAGMA user_version`. Every write is one transaction: it lands whole or not at
//! all. Every list comes back sorted, so output built on it is deterministic. History is never
//! rewritten: an ingest dated before the newest scan of its tool, app and environment is refused.

#![warn(missing_docs)]

mod access;
mod checkins;
mod error;
mod findings;
mod grades;
mod measurements;
mod statuses;
#[cfg(test)]
mod tests;

pub use access::{Hash, Role, SessionRow, TokenRow};
pub use checkins::{Checkin, CheckinRow, CheckinSource};
pub use error::StoreError;
pub use findings::{FindingFilter, FindingInput, FindingRow, IngestSummary, ScanInput};
pub use grades::{GradeRow, Overwrite};
pub use measurements::{MeasurementRow, SerializedMeasurement};
pub use statuses::{EntityKind, StatusChange, StatusObservation};

use jiff::civil::Date;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use std::path::Path;
use std::time::Duration;

/// The schema, one migration per file; append new files, never edit a released one.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../migrations/0001_init.sql")),
        M::up(include_str!("../migrations/0003_tokens_sessions.sql")),
    ])
}

/// How long a writer waits for another process's lock before giving up (a CI job ingesting while
/// `threatokr serve` reads, say).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open history store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating the file if needed, but not its folder) and migrates the store at `path`,
    /// in WAL mode so readers never block the writer, with a 5 s busy timeout.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Some filesystems (network mounts) refuse WAL and keep the old mode; the store still
        // works then, only with readers and writer taking turns.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        // NORMAL is durable across application crashes in WAL mode and much faster than FULL.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::prepare(conn)
    }

    /// A fresh store in memory, for tests and dry runs.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        migrations().to_latest(&mut conn)?;
        Ok(Self { conn })
    }

    /// The schema version (`PRAGMA user_version`): the number of migrations applied.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// The journal mode in use: `wal` for a file, `memory` in memory.
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        Ok(self.conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?)
    }
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
