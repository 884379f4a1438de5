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
        /// The closest id some OKR file declares.
        suggestion: Option<String>,
    },
    /// A key result asked for in a cycle whose OKR file does not declare it.
    KeyResultNotInCycle {
        /// The id asked for.
        id: String,
        /// The cycle asked for.
        cycle: String,
        /// The cycles whose OKR files declare it.
        declared_in: Vec<String>,
    },
    /// A check-in value that is not a finite number.
    NotANumber,
    /// A check-in no view would use (a key result measured from evidence, a milestone list, a
    /// day after its cycle's close, an unknown id with a suggestion).
    CheckinRefused(threatokr_core::metrics::CheckinRefusal),
    /// Grading before the cycle's close without `force`.
    GradeBeforeClose {
        /// The cycle.
        cycle: String,
        /// Its last day.
        end: Date,
        /// The day of grading.
        day: Date,
    },
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
    /// An evidence folder to ingest is not a folder.
    NoSuchFolder {
        /// The path given.
        path: PathBuf,
    },
    /// A file to ingest whose app or environment neither the caller nor its path gives.
    NoAppForFile {
        /// The file.
        path: PathBuf,
    },
    /// An app named by the caller (or a file's path) is not in the workspace.
    UnknownApp {
        /// The id asked for.
        id: String,
        /// The apps the workspace has.
        known: Vec<String>,
    },
    /// An environment the app does not list.
    UnknownEnvironment {
        /// The app.
        app: String,
        /// The environment asked for.
        env: String,
        /// The app's environments.
        known: Vec<String>,
    },
    /// A date to record more than a day after today, not forced.
    DateAfterTomorrow {
        /// What the date is (`scan date`, `measurement date`).
        what: &'static str,
        /// The date.
        date: Date,
        /// The latest date accepted.
        latest: Date,
    },
    /// A SARIF file that scanned a repository not listed for its app.
    AnotherAppsRepository {
        /// The file.
        file: String,
        /// The repositories it names.
        scanned: Vec<String>,
        /// The app whose repository it is, when one is.
        owner: Option<String>,
        /// The app it was filed under.
        app: String,
        /// That app's repositories.
        repos: Vec<String>,
    },
    /// A SARIF file most of whose findings are already filed under another app.
    AnotherAppsFindings {
        /// The file.
        file: String,
        /// The tool.
        tool: String,
        /// How many of its findings the other app holds.
        count: usize,
        /// How many it has.
        total: usize,
        /// The other app.
        owner: String,
        /// The app it was filed under.
        app: String,
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
                // A store that is not ours or from a newer version is the server's problem.
                !matches!(
                    error,
                    StoreError::Sqlite(_)
                        | StoreError::NewerSchema { .. }
                        | StoreError::NotAStore { .. }
                        | StoreError::Changed { .. }
                        | StoreError::Damaged { .. }
                )
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

/// At most [`NAMES_LISTED`] of `known`, and how many more there are: an id typed wrong in a
/// workspace of 2,000 apps named every one of them in one line.
fn some_of(known: &[String]) -> String {
    match known.len().checked_sub(NAMES_LISTED) {
        Some(more) if more > 0 => {
            format!("{} and {more} more", known[..NAMES_LISTED].join(", "))
        }
        _ => known.join(", "),
    }
}

/// How many names an error lists.
const NAMES_LISTED: usize = 10;

/// `; did you mean `x`?` when one of `known` is close to `id`, else nothing.
pub fn did_you_mean_suffix(id: &str, known: &[String]) -> String {
    threatokr_core::diag::did_you_mean(id, known.iter().map(String::as_str))
        .map_or_else(String::new, |s| format!("; did you mean `{s}`?"))
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
                "there is no cycle `{id}` in threatokr.yaml (cycles: {}){}",
                known.join(", "),
                did_you_mean_suffix(id, known)
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
            Self::UnknownKeyResult { id, suggestion } => {
                write!(f, "there is no key result `{id}` in okrs/")?;
                match suggestion {
                    Some(suggestion) => write!(f, "; did you mean `{suggestion}`?"),
                    None => Ok(()),
                }
            }
            Self::KeyResultNotInCycle { id, cycle, declared_in } => write!(
                f,
                "the key result `{id}` is not in the OKR file of {cycle}; it is declared in {} (pass --cycle {})",
                declared_in.join(", "),
                declared_in.first().map_or("", String::as_str)
            ),
            Self::NotANumber => f.write_str("--value must be a number"),
            Self::CheckinRefused(refusal) => refusal.fmt(f),
            Self::GradeBeforeClose { cycle, end, day } => write!(
                f,
                "{cycle} closes on {end}; grading on {day} would freeze scores before the close. Pass --force to grade early"
            ),
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
            Self::NoSuchFolder { path } => write!(f, "{} is not a folder", path.display()),
            Self::NoAppForFile { path } => write!(
                f,
                "{}: give --app and --env, or put the file at evidence/sarif/<app>/<env>/<date>.sarif (or --dry-run to only read it)",
                path.display()
            ),
            Self::UnknownApp { id, known } => {
                write!(
                    f,
                    "there is no app `{id}` in threatokr.yaml (apps: {}){}",
                    some_of(known),
                    did_you_mean_suffix(id, known)
                )
            }
            Self::UnknownEnvironment { app, env, known } => write!(
                f,
                "the app `{app}` has no environment `{env}` (environments: {}){}",
                some_of(known),
                did_you_mean_suffix(env, known)
            ),
            Self::DateAfterTomorrow { what, date, latest } => write!(
                f,
                "the {what} {date} is after tomorrow ({latest}): the store refuses anything older than what it holds, so a date typed wrong would block every later one; check it, or pass --force to record it"
            ),
            Self::AnotherAppsRepository { file, scanned, owner, app, repos } => write!(
                f,
                "refusing {file}: it scanned {}{}, not a repository of app `{app}` ({}); check --app, or pass --force to ingest it anyway",
                scanned.join(", "),
                owner.as_ref().map_or_else(String::new, |o| format!(", a repository of app `{o}`")),
                repos.join(", ")
            ),
            Self::AnotherAppsFindings { file, tool, count, total, owner, app } => write!(
                f,
                "refusing {file}: {count} of its {total} {tool} findings are already filed under app `{owner}`, not `{app}`; check --app, or pass --force to ingest it anyway"
            ),
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

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn an_unknown_app_among_thousands_lists_ten_and_suggests_the_closest() {
        let known: Vec<String> = (1..=2000).map(|i| format!("app-{i:04}")).collect();
        let message = Error::UnknownApp { id: "app-1234x".into(), known }.to_string();
        assert_eq!(
            message,
            "there is no app `app-1234x` in threatokr.yaml (apps: app-0001, app-0002, app-0003, app-0004, app-0005, app-0006, app-0007, app-0008, app-0009, app-0010 and 1990 more); did you mean `app-1234`?"
        );
        let few = Error::UnknownApp { id: "shop".into(), known: vec!["api".into(), "ops".into()] };
        assert_eq!(few.to_string(), "there is no app `shop` in threatokr.yaml (apps: api, ops)");
    }
}
