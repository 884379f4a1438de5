//! Measurements of key results: one row per key result per day, replaced when measured again
//! that day, so measuring twice on the same evidence changes nothing.

use crate::{
    SqlDate, Store, StoreError, check_date, check_finite, check_not_empty, date_column,
    json_column, parse_column,
};
use jiff::civil::Date;
use rusqlite::params;
use threatokr_core::progress::Status;

/// One measurement of a key result.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasurementRow {
    /// The key result.
    pub kr_id: String,
    /// The cycle it was measured in.
    pub cycle: String,
    /// The day measured.
    pub as_of: Date,
    /// The metric's value; `None` when there was nothing to measure.
    pub value: Option<f64>,
    /// What was counted (passed requirements, trained developers, ...), when the metric is a ratio or a count.
    pub numerator: Option<f64>,
    /// Out of how many.
    pub denominator: Option<f64>,
    /// Progress in 0..=1; `None` is no data.
    pub progress: Option<f64>,
    /// Status against the plan.
    pub status: Status,
    /// The evidence the value came from, as JSON (kept as given, key order included).
    pub evidence: serde_json::Value,
}

const MEASUREMENT_COLUMNS: &str = "m.kr_id, m.cycle, m.as_of, m.value, m.numerator, m.denominator, m.progress, m.status, m.evidence";

fn measurement_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<MeasurementRow> {
    Ok(MeasurementRow {
        kr_id: row.get(0)?,
        cycle: row.get(1)?,
        as_of: date_column(row, 2)?,
        value: row.get(3)?,
        numerator: row.get(4)?,
        denominator: row.get(5)?,
        progress: row.get(6)?,
        status: parse_column(row, 7)?,
        evidence: json_column(row, 8)?,
    })
}

fn check_measurement(row: &MeasurementRow) -> Result<(), StoreError> {
    check_not_empty(&row.kr_id, "measurement key result")?;
    check_not_empty(&row.cycle, "measurement cycle")?;
    check_date(row.as_of, "measurement date")?;
    check_finite(row.value, "measurement value")?;
    check_finite(row.numerator, "measurement numerator")?;
    check_finite(row.denominator, "measurement denominator")?;
    if let Some(progress) = row.progress
        && !(0.0..=1.0).contains(&progress)
    {
        return Err(StoreError::Invalid {
            field: "measurement progress",
            value: progress.to_string(),
            expected: "a number from 0 to 1",
        });
    }
    Ok(())
}

impl Store {
    /// Records measurements in one transaction, replacing any row of the same key result and
    /// day. Returns how many rows were added or actually changed (0 when measuring again on the
    /// same evidence).
    pub fn record_measurements(&mut self, rows: &[MeasurementRow]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut changed = 0;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO measurements (kr_id, cycle, as_of, value, numerator, denominator, progress, status, evidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (kr_id, as_of) DO UPDATE SET
                     cycle = excluded.cycle, value = excluded.value, numerator = excluded.numerator,
                     denominator = excluded.denominator, progress = excluded.progress,
                     status = excluded.status, evidence = excluded.evidence
                 WHERE cycle IS NOT excluded.cycle OR value IS NOT excluded.value
                    OR numerator IS NOT excluded.numerator OR denominator IS NOT excluded.denominator
                    OR progress IS NOT excluded.progress OR status IS NOT excluded.status
                    OR evidence IS NOT excluded.evidence",
            )?;
            for row in rows {
                check_measurement(row)?;
                changed += upsert.execute(params![
                    row.kr_id,
                    row.cycle,
                    SqlDate(row.as_of),
                    row.value,
                    row.numerator,
                    row.denominator,
                    row.progress,
                    row.status.as_str(),
                    row.evidence.to_string()
                ])?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Every measurement of a key result, oldest first.
    pub fn measurements(&self, kr_id: &str) -> Result<Vec<MeasurementRow>, StoreError> {
        let sql = format!(
            "SELECT {MEASUREMENT_COLUMNS} FROM measurements m WHERE m.kr_id = ?1 ORDER BY m.as_of"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params![kr_id], measurement_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// For each key result measured in `cycle`, its newest measurement on or before `as_of`,
    /// sorted by key result.
    pub fn latest_measurements(
        &self,
        cycle: &str,
        as_of: Date,
    ) -> Result<Vec<MeasurementRow>, StoreError> {
        let sql = format!(
            "SELECT {MEASUREMENT_COLUMNS} FROM measurements m
             WHERE m.cycle = ?1 AND m.as_of = (
                 SELECT max(n.as_of) FROM measurements n WHERE n.cycle = ?1 AND n.kr_id = m.kr_id AND n.as_of <= ?2)
             ORDER BY m.kr_id"
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params![cycle, SqlDate(as_of)], measurement_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
