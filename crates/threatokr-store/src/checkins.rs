//! Check-ins: a value, a confidence and a note typed by a person or pushed by a tool. Never edited.

use crate::{
    SqlDate, Store, StoreError, check_date, check_finite, check_not_empty, date_column,
    optional_parsed_column, parse_column, stamp,
};
use jiff::civil::Date;
use rusqlite::params;
use std::fmt;
use std::str::FromStr;

/// Where a check-in came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckinSource {
    /// Typed on the command line.
    Manual,
    /// Posted to the server's API.
    Api,
    /// Sent by a CI job.
    Ci,
}

impl CheckinSource {
    /// Every source.
    pub const ALL: &'static [Self] = &[Self::Manual, Self::Api, Self::Ci];

    /// The lowercase name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Api => "api",
            Self::Ci => "ci",
        }
    }
}

impl fmt::Display for CheckinSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CheckinSource {
    type Err = threatokr_core::model::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|source| source.as_str() == s).ok_or_else(|| {
            threatokr_core::model::UnknownValue {
                value: s.to_owned(),
                expected: Self::ALL.iter().map(|source| source.as_str()).collect(),
            }
        })
    }
}

/// A check-in to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkin {
    /// The key result.
    pub kr_id: String,
    /// The value reported.
    pub value: f64,
    /// How sure the reporter is of reaching the target, 0 to 10; shown apart from progress.
    pub confidence: Option<u8>,
    /// Free text.
    pub note: Option<String>,
    /// Who checked in.
    pub author: Option<String>,
    /// Where it came from.
    pub source: CheckinSource,
    /// The day the value holds for (may be before the day it was recorded).
    pub effective: Date,
}

/// A recorded check-in.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckinRow {
    /// The order it was recorded in, increasing across the store.
    pub order: i64,
    /// The check-in.
    pub checkin: Checkin,
    /// When it was recorded, for check-ins recorded with `add_checkin_at` (the dashboard's).
    pub recorded_at: Option<jiff::Timestamp>,
}

impl Store {
    /// Records a check-in; a confidence above 10 or a value that is not a finite number is
    /// refused with `StoreError::Invalid`.
    pub fn add_checkin(&mut self, checkin: &Checkin) -> Result<CheckinRow, StoreError> {
        self.insert_checkin(checkin, None)
    }

    /// Records a check-in with the moment it was recorded, shown in the key result's history.
    pub fn add_checkin_at(
        &mut self,
        checkin: &Checkin,
        recorded_at: jiff::Timestamp,
    ) -> Result<CheckinRow, StoreError> {
        self.insert_checkin(checkin, Some(recorded_at))
    }

    fn insert_checkin(
        &mut self,
        checkin: &Checkin,
        recorded_at: Option<jiff::Timestamp>,
    ) -> Result<CheckinRow, StoreError> {
        check_not_empty(&checkin.kr_id, "check-in key result")?;
        check_finite(Some(checkin.value), "check-in value")?;
        check_date(checkin.effective, "check-in date")?;
        if let Some(confidence) = checkin.confidence
            && confidence > 10
        {
            return Err(StoreError::Invalid {
                field: "check-in confidence",
                value: confidence.to_string(),
                expected: "a confidence from 0 to 10",
            });
        }
        let tx = self.write_transaction()?;
        tx.prepare_cached("INSERT INTO checkins (kr_id, value, confidence, note, author, source, effective, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?
            .execute(params![checkin.kr_id, checkin.value, checkin.confidence, checkin.note, checkin.author, checkin.source.as_str(), SqlDate(checkin.effective), recorded_at.map(stamp)])?;
        let order = tx.last_insert_rowid();
        tx.commit()?;
        Ok(CheckinRow { order, checkin: checkin.clone(), recorded_at })
    }

    /// A key result's check-ins by effective date, then in the order recorded.
    pub fn checkins(&self, kr_id: &str) -> Result<Vec<CheckinRow>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT id, kr_id, value, confidence, note, author, source, effective, recorded_at FROM checkins WHERE kr_id = ?1 ORDER BY effective, id")?;
        let rows = statement.query_map(params![kr_id], |row| {
            Ok(CheckinRow {
                order: row.get(0)?,
                checkin: Checkin {
                    kr_id: row.get(1)?,
                    value: row.get(2)?,
                    confidence: row.get(3)?,
                    note: row.get(4)?,
                    author: row.get(5)?,
                    source: parse_column(row, 6)?,
                    effective: date_column(row, 7)?,
                },
                recorded_at: optional_parsed_column(row, 8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
