//! Opening the workspace's history store (`.threatokr/store.sqlite`) and reading "today".

use anyhow::{Context, Result};
use std::path::Path;
use threatokr_store::Store;

/// The store of a workspace, created on first use.
pub(crate) fn open_store(root: &Path) -> Result<Store> {
    let dir = root.join(".threatokr");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("store.sqlite");
    Store::open(&path).with_context(|| format!("opening the history store {}", path.display()))
}

/// Today's date in the local time zone: the one place the binary reads the clock for commands
/// whose `--at`/`--as-of` was not given.
pub(crate) fn today() -> jiff::civil::Date {
    #[allow(clippy::disallowed_methods, reason = "the one place the binary reads the clock")]
    jiff::ZonedDateTime::now().date()
}
