//! The application layer's errors: why a command could not run at all (as opposed to problems in
//! the input, which are diagnostics).
//!
//! A typed enum rather than `anyhow`: the server has to tell a user's mistake (an unknown cycle,
//! 4xx) from a failure (a disk or store error, 500) without matching on text, and the style guide
//! keeps `anyhow` out of libraries. Each variant's `Display` is the sentence the CLI prints; the
//! cause of an I/O or store failure is given by `source()`, so a printed chain (`{:#}`) does not
//! repeat it.

use jiff::civil::Date;
use std::fmt;
use std::path::PathBuf;
use threatokr_store::StoreError;

/// Why the application layer could not do what was asked.
#[derive(Debug)]
pub enum Error {
    /// The folder has no `threatokr.yaml`.
    NotAWorkspace {
        /// The folder.
        root: PathBuf,
    },
    /// Reading, listing or writing a file or folder failed.
    Io {
        /// What was being done (`reading models/shop.yaml`).
        doing: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The history store failed or refused a write.
    Store(StoreError),
    /// The history store failed while doing something worth naming.
    StoreWhile {
        /// What was being done (`recording the measurements`).
        doing: String,
        /// The cause.
        source: StoreError,
    },
    /// A cycle named by the caller is not in `threatokr.yaml`.
    UnknownCycle {
        /// The id asked for.
        id: String,
        /// The cycles the workspace has.
        known: Vec<String>,
    },
    /// No cycle contains the day, and none was named.
    NoCycleContains {
        /// The day.
        day: Date,
        /// The cycles the workspace has.
        known: Vec<String>,
    },
    /// The cycle has no OKR file, so there is nothing to measure.
    NoOkrFile {
        /// The cycle.
        cycle: String,
    },
    /// A key result named by the caller is in no OKR file.
    UnknownKeyResult {
        /// The id asked for.
        id: String,
    },
    /// A check-in value that is not a finite number.
    NotANumber,
    /// The OKR file a plan would be merged into has errors.
    OkrFileHasErrors {
        /// The file.
        path: PathBuf,
    },
    /// The plan could not be merged into the existing OKR file.
    Merge(String),
    /// The cycle's grades are already frozen and replacing them was not asked for.
    AlreadyGraded {
        /// The cycle.
        cycle: String,
        /// How many grades are frozen.
        grades: usize,
    },
    /// A repository to scan is not a folder.
    NotAFolder {
        /// The path given.
        path: PathBuf,
    },
}

/// The application layer's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A failed file operation, described by what was being done.
    pub(crate) fn io(doing: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let doing = doing.into();
        move |source| Self::Io { doing, source }
    }

    /// A failed store operation, described by what was being done.
    pub(crate) fn store(doing: impl Into<String>) -> impl FnOnce(StoreError) -> Self {
        let doing = doing.into();
        move |source| Self::StoreWhile { doing, source }
    }

    /// Whether the caller asked for something that does not exist or is not allowed (a server
    /// answers 4xx), rather than something failing (5xx).
    pub fn is_user_error(&self) -> bool {
        match self {
            Self::Io { .. } => false,
            Self::Store(error) | Self::StoreWhile { source: error, .. } => {
                !matches!(error, StoreError::Sqlite(_) | StoreError::Migration(_))
            }
            _ => true,
        }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::AlreadyFrozen { cycle, grades } => Self::AlreadyGraded { cycle, grades },
            other => Self::Store(other),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAWorkspace { root } => write!(
                f,
                "{} is not a threatokr workspace: it has no threatokr.yaml (create one with `threatokr init`)",
                root.display()
            ),
            Self::Io { doing, .. } | Self::StoreWhile { doing, .. } => f.write_str(doing),
            Self::Store(error) => error.fmt(f),
            Self::UnknownCycle { id, known } => write!(
                f,
                "there is no cycle `{id}` in threatokr.yaml (cycles: {})",
                known.join(", ")
            ),
            Self::NoCycleContains { day, known } => write!(
                f,
                "no cycle of threatokr.yaml contains {day} (cycles: {}); pass --cycle or --as-of",
                known.join(", ")
            ),
            Self::NoOkrFile { cycle } => write!(
                f,
                "the cycle `{cycle}` has no OKR file in okrs/ (write okrs/{cycle}.yaml or run `threatokr plan`)"
            ),
            Self::UnknownKeyResult { id } => write!(f, "there is no key result `{id}` in okrs/"),
            Self::NotANumber => f.write_str("--value must be a number"),
            Self::OkrFileHasErrors { path } => write!(
                f,
                "{} has errors (run `threatokr validate`); fix them before planning into it",
                path.display()
            ),
            Self::Merge(message) => f.write_str(message),
            Self::AlreadyGraded { cycle, grades } => write!(
                f,
                "the cycle `{cycle}` was graded already ({grades} grades are frozen); pass --force to grade it again"
            ),
            Self::NotAFolder { path } => {
                write!(f, "{} is not a folder (scan-ci takes repository folders)", path.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::StoreWhile { source, .. } => Some(source),
            // Transparent: the store error's own cause comes next in the chain.
            Self::Store(error) => error.source(),
            _ => None,
        }
    }
}
