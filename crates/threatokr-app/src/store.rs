//! Opening the workspace's history store (`.threatokr/store.sqlite`).
//!
//! Every other module reaches the store through these two functions and the concrete `Store`'s
//! methods. A PostgreSQL backend would go behind the same methods (see ARCHITECTURE.md): this
//! module is where the backend would be chosen from the workspace's settings.

use crate::{Error, Result};
use jiff::civil::Date;
use std::path::Path;
use threatokr_store::Store;

/// The store of a workspace, created on first use.
pub fn open_store(root: &Path) -> Result<Store> {
    let dir = root.join(".threatokr");
    std::fs::create_dir_all(&dir).map_err(Error::io(format!("creating {}", dir.display())))?;
    let path = dir.join("store.sqlite");
    Store::open(&path)
        .map_err(Error::store(format!("opening the history store {}", path.display())))
}

/// The workspace's history store for reading only: opened read-only, so reading commands
/// (`status`, `report`, `plan`) work on a read-only workspace and never change the file; a
/// workspace without a store reads as an empty one, and nothing is created.
pub fn open_existing_store(root: &Path) -> Result<Store> {
    let path = root.join(".threatokr").join("store.sqlite");
    Store::open_read_only(&path)
        .map_err(Error::store(format!("opening the history store {}", path.display())))
}

/// Refuses a date to record that lies more than a day after today, unless forced. The store keeps
/// history in date order and refuses anything older than what it holds, so one mistyped year
/// (`2072` for `2027`) recorded would block every real change until then. A day of slack covers
/// time zones: a scan run in Tokyo is dated tomorrow in California.
pub fn check_not_in_future(date: Date, today: Date, what: &'static str, force: bool) -> Result<()> {
    let latest = today.tomorrow().unwrap_or(today);
    if date > latest && !force {
        return Err(Error::DateAfterTomorrow { what, date, latest });
    }
    Ok(())
}
