//! The CI scans of repositories, kept by the hash of the files they were computed from, so that
//! measuring again scans only the repositories whose CI files changed.

use crate::{Store, StoreError, check_not_empty};
use rusqlite::params;
use std::collections::HashMap;

/// One repository's CI scan as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiScanRow {
    /// The repository, as the apps' `repos` write it.
    pub repo: String,
    /// The hash of what the scan was computed from (the build, every CI file's name and text).
    pub inputs: String,
    /// The scan, as JSON text.
    pub scan: String,
}

impl Store {
    /// Every kept CI scan by repository, as `(inputs, scan)`; none in a store older than them
    /// (opened read-only at its own schema).
    pub fn ci_scans(&self) -> Result<HashMap<String, (String, String)>, StoreError> {
        if !self.has_column("ci_scans", "inputs")? {
            return Ok(HashMap::new());
        }
        let mut statement = self.conn.prepare_cached("SELECT repo, inputs, scan FROM ci_scans")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, (row.get(1)?, row.get(2)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Keeps these scans in one transaction, each replacing the repository's earlier one.
    pub fn record_ci_scans(&mut self, rows: &[CiScanRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let tx = self.write_transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO ci_scans (repo, inputs, scan) VALUES (?1, ?2, ?3)
                 ON CONFLICT (repo) DO UPDATE SET inputs = excluded.inputs, scan = excluded.scan",
            )?;
            for row in rows {
                check_not_empty(&row.repo, "CI scan repository")?;
                upsert.execute(params![row.repo, row.inputs, row.scan])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
