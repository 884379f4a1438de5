//! Opening the workspace's history store (`.threatokr/store.sqlite`).
//!
//! Every other module reaches the store through these two functions and the concrete `Store`'s
//! methods. A PostgreSQL backend would go behind the same methods (see ARCHITECTURE.md): this
//! module is where the backend would be chosen from the workspace's settings.

use crate::{Error, Result};
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

/// The workspace's history store when it exists; an empty one in memory otherwise, so that
/// reading (planning) never creates `.threatokr/`.
pub fn open_existing_store(root: &Path) -> Result<Store> {
    if root.join(".threatokr/store.sqlite").is_file() {
        open_store(root)
    } else {
        Store::open_in_memory().map_err(Error::store("opening an empty history store"))
    }
}
