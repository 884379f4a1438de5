//! The store's errors: SQLite and migration failures, refused writes and invalid values.

use jiff::civil::Date;
use std::fmt;

/// Why the store could not do what was asked. Refused writes leave the store unchanged.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite failed (file unreadable, locked beyond the busy timeout, constraint violated, ...).
    Sqlite(rusqlite::Error),
    /// The store was written by a newer threatokr, whose schema this one does not know.
    NewerSchema {
        /// The file's schema version.
        found: u32,
        /// The newest version this threatokr knows.
        known: u32,
    },
    /// The file is not a threatokr store (another application's SQLite database, or not SQLite);
    /// it was left as it was.
    NotAStore {
        /// What it is instead.
        reason: String,
    },
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
    /// Another process changed what this one read from the store before writing: nothing was
    /// written, and running the command again reads the store as it is now.
    Changed {
        /// What changed.
        what: String,
    },
    /// The store holds something no threatokr writes (a row edited or deleted by hand, a
    /// damaged file): what was read is refused rather than shown wrong.
    Damaged {
        /// What is wrong.
        what: String,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The SQLite cause is given by `source()`, so that a printed chain (`{:#}` with
            // anyhow) does not repeat it.
            Self::Sqlite(e) if is_busy(e) => f.write_str(
                "the history store stayed locked by another writer for longer than the busy timeout; run the command again when that writer is done",
            ),
            Self::Sqlite(_) => f.write_str("the history store failed"),
            Self::NewerSchema { found, known } => write!(
                f,
                "the history store comes from a newer version of threatokr (schema {found}; this version knows up to {known}): upgrade threatokr to read and write it"
            ),
            Self::NotAStore { reason } => write!(
                f,
                "this file is not a threatokr history store ({reason}); threatokr leaves it untouched: move it away or use another workspace"
            ),
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
            Self::Changed { what } => write!(
                f,
                "the history store changed while this command ran ({what}); nothing was written: run it again"
            ),
            Self::Damaged { what } => write!(
                f,
                "the history store is damaged: {what}; restore it from a backup, or measure again to write what is missing"
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // "database is locked" would only repeat what the message says.
            Self::Sqlite(e) if is_busy(e) => None,
            Self::Sqlite(e) => Some(e),
            Self::NewerSchema { .. }
            | Self::NotAStore { .. }
            | Self::OutOfOrder { .. }
            | Self::AlreadyFrozen { .. }
            | Self::Invalid { .. }
            | Self::Changed { .. }
            | Self::Damaged { .. } => None,
        }
    }
}

/// Whether SQLite gave up waiting for another connection's lock.
pub(crate) fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}
