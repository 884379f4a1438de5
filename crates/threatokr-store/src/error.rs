//! The store's errors: SQLite and migration failures, refused writes and invalid values.

use jiff::civil::Date;
use std::fmt;

/// Why the store could not do what was asked. Refused writes leave the store unchanged.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite failed (file unreadable, locked beyond the busy timeout, constraint violated, ...).
    Sqlite(rusqlite::Error),
    /// The schema could not be brought up to date (for example, the file comes from a newer threatokr).
    Migration(rusqlite_migration::Error),
    /// A write dated before what the store already holds for the same subject; history is never rewritten.
    OutOfOrder {
        /// What was being written (`scan of semgrep for shop/prod`).
        subject: String,
        /// The refused date.
        at: Date,
        /// The newest date already recorded for the subject.
        newest: Date,
    },
    /// Grades for the cycle are already frozen and overwriting was not asked for.
    AlreadyFrozen {
        /// The cycle.
        cycle: String,
        /// How many grades it holds.
        grades: usize,
    },
    /// A value the store does not accept; nothing was written.
    Invalid {
        /// The field.
        field: &'static str,
        /// The value, as text.
        value: String,
        /// What was expected instead.
        expected: &'static str,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The SQLite and migration causes are given by `source()`, so that a printed chain
            // (`{:#}` with anyhow) does not repeat them.
            Self::Sqlite(_) => f.write_str("the history store failed"),
            Self::Migration(_) => {
                f.write_str("the history store's schema could not be brought up to date")
            }
            Self::OutOfOrder { subject, at, newest } => {
                write!(
                    f,
                    "refusing the {subject} dated {at}: the store already has one dated {newest}, and history is never rewritten"
                )
            }
            Self::AlreadyFrozen { cycle, grades } => {
                write!(
                    f,
                    "the grades of cycle {cycle} are already frozen ({grades} key results); ask to overwrite them to freeze again"
                )
            }
            Self::Invalid { field, value, expected } => {
                write!(f, "invalid {field} `{value}`: expected {expected}")
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Sqlite(e) => Some(e),
            Self::Migration(e) => Some(e),
            Self::OutOfOrder { .. } | Self::AlreadyFrozen { .. } | Self::Invalid { .. } => None,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> Self {
        Self::Migration(e)
    }
}
