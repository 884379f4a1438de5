//! Opening the workspace's history store (`.threatokr/store.sqlite`) and reading "today".

use anyhow::{Context, Result, bail};
use std::path::Path;
use threatokr_store::Store;

/// The store of a workspace, created on first use.
pub(crate) fn open_store(root: &Path) -> Result<Store> {
    let dir = root.join(".threatokr");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("store.sqlite");
    Store::open(&path).with_context(|| format!("opening the history store {}", path.display()))
}

/// The store of a workspace for commands that only read it: opened read-only, so they work on a
/// read-only workspace; a workspace without a store reads as an empty one, and nothing is created.
pub(crate) fn open_store_for_reading(root: &Path) -> Result<Store> {
    let path = root.join(".threatokr").join("store.sqlite");
    Store::open_read_only(&path)
        .with_context(|| format!("opening the history store {}", path.display()))
}

/// Refuses a date to record that lies more than a day after today, unless forced. The store keeps
/// history in date order and refuses anything older than what it holds, so one mistyped year
/// (`2072` for `2027`) recorded would block every real change until then. A day of slack covers
/// time zones: a scan run in Tokyo is dated tomorrow in California.
pub(crate) fn check_not_in_future(
    date: jiff::civil::Date,
    today: jiff::civil::Date,
    what: &str,
    force: bool,
) -> Result<()> {
    let latest = today.tomorrow().unwrap_or(today);
    if date > latest && !force {
        bail!(
            "the {what} {date} is after tomorrow ({latest}): the store refuses anything older than what it holds, so a date typed wrong would block every later one; check it, or pass --force to record it"
        );
    }
    Ok(())
}

/// Today's date in the local time zone: the one place the binary reads the clock for commands
/// whose `--at`/`--as-of` was not given.
pub(crate) fn today() -> jiff::civil::Date {
    #[allow(clippy::disallowed_methods, reason = "the one place the binary reads the clock")]
    jiff::ZonedDateTime::now().date()
}
