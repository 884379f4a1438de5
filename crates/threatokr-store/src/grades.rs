//! Grades frozen at the close of a cycle, so later measurements never change a closed quarter.

use crate::{Store, StoreError, check_finite, check_not_empty, parse_column};
use rusqlite::params;
use threatokr_core::progress::Band;

/// The grade of one key result under one objective at a cycle's close.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeRow {
    /// The key result.
    pub kr_id: String,
    /// The objective it was graded under (a shared key result has one row per objective).
    pub objective_id: String,
    /// The lineage id that follows the key result across cycles.
    pub lineage: Option<String>,
    /// Progress at the close, 0..=1.
    pub score: f64,
    /// 1.0 for committed, 0.7 for aspirational.
    pub expected: f64,
    /// The colour band of the score.
    pub band: Band,
}

/// What freezing does when the cycle already has grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overwrite {
    /// Refuse with `StoreError::AlreadyFrozen` (the default: a closed cycle stays closed).
    #[default]
    Refuse,
    /// Replace the cycle's grades with the new ones.
    Replace,
}

fn check_grade(row: &GradeRow) -> Result<(), StoreError> {
    check_not_empty(&row.kr_id, "grade key result")?;
    check_not_empty(&row.objective_id, "grade objective")?;
    for (value, field) in [(row.score, "grade score"), (row.expected, "grade expectation")] {
        check_finite(Some(value), field)?;
        if !(0.0..=1.0).contains(&value) {
            return Err(StoreError::Invalid {
                field,
                value: value.to_string(),
                expected: "a number from 0 to 1",
            });
        }
    }
    Ok(())
}

impl Store {
    /// Freezes a cycle's grades in one transaction. Returns how many were stored.
    pub fn freeze_grades(
        &mut self,
        cycle: &str,
        rows: &[GradeRow],
        overwrite: Overwrite,
    ) -> Result<usize, StoreError> {
        check_not_empty(cycle, "grade cycle")?;
        let tx = self.write_transaction()?;
        let existing: u32 =
            tx.query_row("SELECT count(*) FROM grades WHERE cycle = ?1", params![cycle], |row| {
                row.get(0)
            })?;
        if existing > 0 {
            match overwrite {
                Overwrite::Refuse => {
                    return Err(StoreError::AlreadyFrozen {
                        cycle: cycle.to_owned(),
                        grades: existing as usize,
                    });
                }
                Overwrite::Replace => {
                    tx.execute("DELETE FROM grades WHERE cycle = ?1", params![cycle])?;
                }
            }
        }
        let mut stored = 0;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO grades (cycle, objective_id, kr_id, lineage, score, expected, band) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for row in rows {
                check_grade(row)?;
                stored += insert.execute(params![
                    cycle,
                    row.objective_id,
                    row.kr_id,
                    row.lineage,
                    row.score,
                    row.expected,
                    row.band.as_str()
                ])?;
            }
        }
        tx.commit()?;
        Ok(stored)
    }

    /// A cycle's frozen grades, by objective then key result; empty when not frozen.
    pub fn grades(&self, cycle: &str) -> Result<Vec<GradeRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT kr_id, objective_id, lineage, score, expected, band FROM grades WHERE cycle = ?1 ORDER BY objective_id, kr_id",
        )?;
        let rows = statement.query_map(params![cycle], |row| {
            Ok(GradeRow {
                kr_id: row.get(0)?,
                objective_id: row.get(1)?,
                lineage: row.get(2)?,
                score: row.get(3)?,
                expected: row.get(4)?,
                band: parse_column(row, 5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
