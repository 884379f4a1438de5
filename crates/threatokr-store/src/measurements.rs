//! Measurements of key results: one row per key result per day, replaced when measured again
//! that day, so measuring twice on the same evidence changes nothing.

use crate::evidence::{
    EvidenceKept, EvidenceText, Kept, Runs, evidence_prefix, evidence_text, forget_evidence,
    keep_evidence, kept_runs, runs_dropped_with,
};
use crate::{
    SqlDate, Store, StoreError, check_date, check_finite, check_not_empty, date_column,
    parse_column,
};
use jiff::civil::Date;
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;
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

/// The columns of a measurement `m` before those that say where its evidence is
/// ([`EvidenceKept::columns`]).
const MEASUREMENT_COLUMNS: &str =
    "m.kr_id, m.cycle, m.as_of, m.value, m.numerator, m.denominator, m.progress, m.status";

/// A measurement row as read: its evidence is composed after ([`evidence_text`]), by other
/// queries than the one reading the rows.
fn measurement_from_row(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(MeasurementRow, String, Option<String>)> {
    let measurement = MeasurementRow {
        kr_id: row.get(0)?,
        cycle: row.get(1)?,
        as_of: date_column(row, 2)?,
        value: row.get(3)?,
        numerator: row.get(4)?,
        denominator: row.get(5)?,
        progress: row.get(6)?,
        status: parse_column(row, 7)?,
        evidence: serde_json::Value::Null,
    };
    Ok((measurement, row.get(8)?, row.get(9)?))
}

/// The rows read by [`measurement_from_row`], each with its evidence.
fn with_evidence(
    conn: &rusqlite::Connection,
    kept: EvidenceKept,
    rows: Vec<(MeasurementRow, String, Option<String>)>,
) -> Result<Vec<MeasurementRow>, StoreError> {
    rows.into_iter()
        .map(|(mut row, inline, hash)| {
            let text = evidence_text(conn, kept, inline, hash)?;
            row.evidence = serde_json::from_str(&text).map_err(|error| StoreError::Damaged {
                what: format!(
                    "the evidence of {} on {} is not JSON ({error})",
                    row.kr_id, row.as_of
                ),
            })?;
            Ok(row)
        })
        .collect()
}

/// A measurement to record whose evidence is already JSON text, so that a caller with a large
/// evidence list can serialize it straight from its own types, one key result at a time, instead
/// of building a `serde_json::Value` per key result.
#[derive(Debug, Clone, PartialEq)]
pub struct SerializedMeasurement<'a> {
    /// The key result.
    pub kr_id: &'a str,
    /// The cycle it was measured in.
    pub cycle: &'a str,
    /// The day measured.
    pub as_of: Date,
    /// The metric's value; `None` when there was nothing to measure.
    pub value: Option<f64>,
    /// What was counted, when the metric is a ratio or a count.
    pub numerator: Option<f64>,
    /// Out of how many.
    pub denominator: Option<f64>,
    /// Progress in 0..=1; `None` is no data.
    pub progress: Option<f64>,
    /// Status against the plan.
    pub status: Status,
    /// The evidence as compact JSON text (what `serde_json::to_string` writes), stored as given:
    /// the same text `MeasurementRow::evidence` stores for the same evidence.
    pub evidence: EvidenceText,
    /// The target the value was scored against, as JSON text (`progress::target_record`);
    /// `None` for key results read from their file.
    pub scored_against: Option<String>,
    /// The fingerprint of the inputs the value was computed from; `None` never reuses it.
    pub fingerprint: Option<String>,
    /// The parts of the value the other fields do not hold, as JSON text (notes, coverage, ...).
    pub details: Option<String>,
    /// How many items of `evidence` were counted, for [`Store::stored_listing`]; `None` when
    /// unknown (then a listing reads the whole evidence to count it).
    pub evidence_counted: Option<u32>,
    /// What each scope gave the value, as the application writes it (see
    /// [`Store::stored_scope_parts`]); kept for the key result's newest day only.
    pub scope_parts: Option<String>,
}

/// A measurement's value as recorded with the fingerprint of its inputs: what an incremental
/// measurement reuses when the inputs of a key result are unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredValue {
    /// The metric's value.
    pub value: Option<f64>,
    /// What was counted.
    pub numerator: Option<f64>,
    /// Out of how many.
    pub denominator: Option<f64>,
    /// The evidence as the JSON text recorded.
    pub evidence_json: String,
    /// The rest of the value as the JSON text recorded.
    pub details: String,
}

/// A key result whose value was taken from the measurement recorded with the same fingerprint
/// that day: its value, numerator, denominator, evidence and details are that row's already, so
/// only what is scored against the other days (progress, status, the target) may need writing.
#[derive(Debug, Clone, PartialEq)]
pub struct RescoredMeasurement<'a> {
    /// The key result.
    pub kr_id: &'a str,
    /// The day measured.
    pub as_of: Date,
    /// The fingerprint of the row whose value was reused: a row recorded since with another
    /// fingerprint (another value) is left alone.
    pub fingerprint: &'a str,
    /// Progress in 0..=1; `None` is no data.
    pub progress: Option<f64>,
    /// Status against the plan.
    pub status: Status,
    /// The target the value was scored against, as JSON text (`progress::target_record`).
    pub scored_against: Option<String>,
}

impl<'a> SerializedMeasurement<'a> {
    /// A row with its evidence written as compact JSON text.
    fn of(row: &'a MeasurementRow) -> Self {
        Self {
            kr_id: &row.kr_id,
            cycle: &row.cycle,
            as_of: row.as_of,
            value: row.value,
            numerator: row.numerator,
            denominator: row.denominator,
            progress: row.progress,
            status: row.status,
            evidence: EvidenceText::Whole(row.evidence.to_string()),
            scored_against: None,
            fingerprint: None,
            details: None,
            evidence_counted: None,
            scope_parts: None,
        }
    }
}

/// A stored row as [`Store::stored_value`] finds it, before its evidence is composed.
struct StoredRow {
    value: StoredValue,
    /// The evidence kept in the row, or `null` when kept under `hash`.
    inline: String,
    hash: Option<String>,
    /// How many items the evidence counted, when the row says.
    counted: Option<usize>,
    kept: EvidenceKept,
}

/// `value` with its composed evidence text; `None` when its evidence is not all kept (a damaged
/// store): such a value is not reused but computed again, and recording it keeps its evidence
/// again.
fn with_evidence_text(
    mut value: StoredValue,
    text: Result<String, StoreError>,
) -> Result<Option<StoredValue>, StoreError> {
    match text {
        Ok(text) => value.evidence_json = text,
        Err(StoreError::Damaged { .. }) => return Ok(None),
        Err(error) => return Err(error),
    }
    Ok(Some(value))
}

fn check_measurement(row: &SerializedMeasurement<'_>) -> Result<(), StoreError> {
    check_not_empty(row.kr_id, "measurement key result")?;
    check_not_empty(row.cycle, "measurement cycle")?;
    check_date(row.as_of, "measurement date")?;
    check_finite(row.value, "measurement value")?;
    check_finite(row.numerator, "measurement numerator")?;
    check_finite(row.denominator, "measurement denominator")?;
    check_progress(row.progress)
}

fn check_progress(progress: Option<f64>) -> Result<(), StoreError> {
    if let Some(progress) = progress
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
        self.record_serialized_measurements(rows.iter().map(SerializedMeasurement::of))
    }

    /// [`Store::record_measurements`] for measurements whose evidence is already JSON text,
    /// taken one at a time from `rows` (so only one evidence text need exist at once). Nothing
    /// is recorded when any row is invalid.
    pub fn record_serialized_measurements<'a>(
        &mut self,
        rows: impl IntoIterator<Item = SerializedMeasurement<'a>>,
    ) -> Result<usize, StoreError> {
        let tx = self.write_transaction()?;
        let mut changed = 0;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO measurements (kr_id, cycle, as_of, value, numerator, denominator, progress, status, evidence, evidence_hash, scored_against, fingerprint, details, evidence_counted)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (kr_id, as_of) DO UPDATE SET
                     cycle = excluded.cycle, value = excluded.value, numerator = excluded.numerator,
                     denominator = excluded.denominator, progress = excluded.progress,
                     status = excluded.status, evidence = excluded.evidence,
                     evidence_hash = excluded.evidence_hash, scored_against = excluded.scored_against,
                     fingerprint = excluded.fingerprint, details = excluded.details,
                     evidence_counted = excluded.evidence_counted
                 WHERE cycle IS NOT excluded.cycle OR value IS NOT excluded.value
                    OR numerator IS NOT excluded.numerator OR denominator IS NOT excluded.denominator
                    OR progress IS NOT excluded.progress OR status IS NOT excluded.status
                    OR evidence IS NOT excluded.evidence OR evidence_hash IS NOT excluded.evidence_hash
                    OR scored_against IS NOT excluded.scored_against",
            )?;
            // What the value was computed from is not a change of the measurement: a row whose
            // numbers are unchanged takes the new fingerprint without counting as changed.
            let mut fingerprint = tx.prepare_cached(
                "UPDATE measurements
                 SET fingerprint = ?3, details = ?4, evidence_prints = ?5, evidence_counted = ?6,
                     scope_parts = ?7
                 WHERE kr_id = ?1 AND as_of = ?2
                   AND (fingerprint IS NOT ?3 OR details IS NOT ?4 OR evidence_prints IS NOT ?5
                        OR evidence_counted IS NOT ?6 OR scope_parts IS NOT ?7)",
            )?;
            let mut earlier = tx.prepare_cached(
                "SELECT evidence_hash FROM measurements WHERE kr_id = ?1 AND as_of = ?2",
            )?;
            let mut forget_prints = tx.prepare_cached(
                "UPDATE measurements SET evidence_prints = NULL, scope_parts = NULL
                 WHERE kr_id = ?1 AND as_of < ?2
                   AND (evidence_prints IS NOT NULL OR scope_parts IS NOT NULL)",
            )?;
            for row in rows {
                check_measurement(&row)?;
                let replaced: Option<String> = earlier
                    .query_row(params![row.kr_id, SqlDate(row.as_of)], |r| r.get(0))
                    .optional()?
                    .flatten();
                // The runs of the list this one replaces, when it is about to be dropped: those
                // the new list lists again are carried over, not counted up and down again.
                let dropping = match &replaced {
                    Some(replaced) => {
                        runs_dropped_with(&tx, replaced, row.kr_id, &SqlDate(row.as_of))?
                    }
                    None => Runs::default(),
                };
                let (kept, carried) = keep_evidence(&tx, &row.evidence, dropping)?;
                let (inline, hash, prints) = match &kept {
                    Kept::Under { key, prints } => ("null", Some(key), prints.as_deref()),
                    Kept::Inline(text) => (text.as_str(), None, None),
                };
                changed += upsert.execute(params![
                    row.kr_id,
                    row.cycle,
                    SqlDate(row.as_of),
                    row.value,
                    row.numerator,
                    row.denominator,
                    row.progress,
                    row.status.as_str(),
                    inline,
                    hash,
                    row.scored_against,
                    row.fingerprint,
                    row.details,
                    row.evidence_counted
                ])?;
                fingerprint.execute(params![
                    row.kr_id,
                    SqlDate(row.as_of),
                    row.fingerprint,
                    row.details,
                    prints,
                    row.evidence_counted,
                    row.scope_parts
                ])?;
                // The prints and scope parts of the key result's earlier days are dropped: only
                // measuring the newest day again names runs and adds parts (a day's prints are a
                // quarter of a megabyte at enterprise scale, kept otherwise for every day of the
                // history).
                forget_prints.execute(params![row.kr_id, SqlDate(row.as_of)])?;
                if let Some(replaced) = replaced.filter(|replaced| Some(replaced) != hash) {
                    // The evidence a day's measurement replaced is dropped when no measurement
                    // points at it any more (measuring a day again after each push kept every
                    // earlier evidence of that day, tens of megabytes for a portfolio).
                    forget_evidence(&tx, &replaced, carried)?;
                }
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Records the progress, status and target of key results whose stored value was reused
    /// (see [`RescoredMeasurement`]) in one transaction, without reading or writing their
    /// evidence: measuring again after one ingest must not serialize, hash and compare the
    /// evidence of every unchanged key result. Returns how many rows changed (0 when nothing
    /// was scored differently, the usual case: only a day measured earlier in between changes
    /// the history a threshold key result is scored on).
    pub fn record_rescored_measurements<'a>(
        &mut self,
        rows: impl IntoIterator<Item = RescoredMeasurement<'a>>,
    ) -> Result<usize, StoreError> {
        let tx = self.write_transaction()?;
        let mut changed = 0;
        {
            let mut update = tx.prepare_cached(
                "UPDATE measurements SET progress = ?4, status = ?5, scored_against = ?6
                 WHERE kr_id = ?1 AND as_of = ?2 AND fingerprint = ?3
                   AND (progress IS NOT ?4 OR status IS NOT ?5 OR scored_against IS NOT ?6)",
            )?;
            for row in rows {
                check_not_empty(row.kr_id, "measurement key result")?;
                check_date(row.as_of, "measurement date")?;
                check_progress(row.progress)?;
                changed += update.execute(params![
                    row.kr_id,
                    SqlDate(row.as_of),
                    row.fingerprint,
                    row.progress,
                    row.status.as_str(),
                    row.scored_against
                ])?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// How the store keeps evidence, by its schema.
    fn evidence_kept(&self) -> Result<EvidenceKept, StoreError> {
        Ok(if self.has_column("evidence", "parts")? {
            EvidenceKept::InParts
        } else if self.has_column("measurements", "evidence_hash")? {
            EvidenceKept::Whole
        } else {
            EvidenceKept::Inline
        })
    }

    /// Every measurement of a key result, oldest first.
    pub fn measurements(&self, kr_id: &str) -> Result<Vec<MeasurementRow>, StoreError> {
        let kept = self.evidence_kept()?;
        let sql = format!(
            "SELECT {MEASUREMENT_COLUMNS}, {} FROM measurements m WHERE m.kr_id = ?1 ORDER BY m.as_of",
            kept.columns()
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params![kr_id], measurement_from_row)?;
        with_evidence(&self.conn, kept, rows.collect::<Result<_, _>>()?)
    }

    /// The values of every measurement of a key result in `cycle`, oldest first, as
    /// `(day, value)`: what [`Store::measurements`] gives filtered to the cycle, without reading
    /// or parsing the evidence.
    pub fn measurement_values(
        &self,
        kr_id: &str,
        cycle: &str,
    ) -> Result<Vec<(Date, Option<f64>)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT m.as_of, m.value FROM measurements m
             WHERE m.kr_id = ?1 AND m.cycle = ?2 ORDER BY m.as_of",
        )?;
        let rows = statement
            .query_map(params![kr_id, cycle], |row| Ok((date_column(row, 0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The target each measurement of a key result in `cycle` was scored against, oldest first,
    /// as `(day, JSON text)`; days recorded without one are left out.
    pub fn measurement_targets(
        &self,
        kr_id: &str,
        cycle: &str,
    ) -> Result<Vec<(Date, String)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT m.as_of, m.scored_against FROM measurements m
             WHERE m.kr_id = ?1 AND m.cycle = ?2 AND m.scored_against IS NOT NULL ORDER BY m.as_of",
        )?;
        let rows = statement
            .query_map(params![kr_id, cycle], |row| Ok((date_column(row, 0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// For each key result measured in `cycle`, its newest measurement on or before `as_of`,
    /// sorted by key result.
    pub fn latest_measurements(
        &self,
        cycle: &str,
        as_of: Date,
    ) -> Result<Vec<MeasurementRow>, StoreError> {
        let kept = self.evidence_kept()?;
        let sql = format!(
            "SELECT {MEASUREMENT_COLUMNS}, {} FROM measurements m
             WHERE m.cycle = ?1 AND m.as_of = (
                 SELECT max(n.as_of) FROM measurements n WHERE n.cycle = ?1 AND n.kr_id = m.kr_id AND n.as_of <= ?2)
             ORDER BY m.kr_id",
            kept.columns()
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params![cycle, SqlDate(as_of)], measurement_from_row)?;
        with_evidence(&self.conn, kept, rows.collect::<Result<_, _>>()?)
    }

    /// The fingerprints recorded with the measurements of `cycle` on `as_of`, by key result
    /// (those recorded without one, and every one of a store older than fingerprints, left out).
    pub fn measurement_fingerprints(
        &self,
        cycle: &str,
        as_of: Date,
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        if !self.has_column("measurements", "fingerprint")? {
            return Ok(std::collections::BTreeMap::new());
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT kr_id, fingerprint FROM measurements
             WHERE cycle = ?1 AND as_of = ?2 AND fingerprint IS NOT NULL AND details IS NOT NULL",
        )?;
        let rows = statement
            .query_map(params![cycle, SqlDate(as_of)], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The runs of the evidence recorded for `kr_id` on `as_of`, by the print each was computed
    /// from ([`crate::EvidencePart::print`]): measuring that day again names those whose print is
    /// unchanged ([`crate::PartText::Kept`]) instead of writing them. Empty when the evidence is
    /// not kept in parts, or the store predates prints.
    pub fn kept_runs(
        &self,
        kr_id: &str,
        as_of: Date,
    ) -> Result<HashMap<String, String>, StoreError> {
        if !self.has_column("measurements", "evidence_prints")? {
            return Ok(HashMap::new());
        }
        kept_runs(&self.conn, kr_id, &as_of.to_string())
    }

    /// What each scope gave the value recorded for `kr_id` on `as_of`, as recorded with it
    /// ([`SerializedMeasurement::scope_parts`]), whatever its fingerprint: measuring that day
    /// again after a change to some scopes takes the parts of the others. `None` when none were
    /// kept, or the store predates them.
    pub fn stored_scope_parts(
        &self,
        kr_id: &str,
        as_of: Date,
    ) -> Result<Option<String>, StoreError> {
        if !self.has_column("measurements", "scope_parts")? {
            return Ok(None);
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT scope_parts FROM measurements WHERE kr_id = ?1 AND as_of = ?2",
        )?;
        let parts = statement.query_row(params![kr_id, SqlDate(as_of)], |r| r.get(0)).optional()?;
        Ok(parts.flatten())
    }

    /// The text of a run of evidence kept under `key` ([`crate::PartText::Kept`]): its items as
    /// a list writes them, without brackets. `None` when no run is kept under it.
    pub fn kept_run(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut statement =
            self.conn.prepare_cached("SELECT json FROM evidence_parts WHERE hash = ?1")?;
        Ok(statement.query_row(params![key], |row| row.get(0)).optional()?)
    }

    /// The value recorded for a key result on `as_of` with the fingerprint `fingerprint`, if any.
    pub fn stored_value(
        &self,
        kr_id: &str,
        as_of: Date,
        fingerprint: &str,
    ) -> Result<Option<StoredValue>, StoreError> {
        let Some(row) = self.stored_row(kr_id, as_of, fingerprint)? else { return Ok(None) };
        let text = evidence_text(&self.conn, row.kept, row.inline, row.hash);
        with_evidence_text(row.value, text)
    }

    /// [`Store::stored_value`] for a listing of the first items counted: when the row says how
    /// many items its evidence counted, its `evidence_json` holds only the first runs of the
    /// evidence, those `take` was given (each run's items as the list writes them, without
    /// brackets, in order) until it said it had enough, as a list; with that count. Without a
    /// count (a row recorded before the store kept them), the whole evidence and `None`.
    pub fn stored_listing(
        &self,
        kr_id: &str,
        as_of: Date,
        fingerprint: &str,
        take: impl FnMut(&str) -> bool,
    ) -> Result<Option<(StoredValue, Option<usize>)>, StoreError> {
        let Some(row) = self.stored_row(kr_id, as_of, fingerprint)? else { return Ok(None) };
        let text = match row.counted {
            Some(_) => evidence_prefix(&self.conn, row.kept, row.inline, row.hash, take),
            None => evidence_text(&self.conn, row.kept, row.inline, row.hash),
        };
        Ok(with_evidence_text(row.value, text)?.map(|value| (value, row.counted)))
    }

    /// [`Store::stored_listing`] listing nothing: the row's numbers and details with how many
    /// items its evidence counted, its evidence not read (`measure`'s table shows none); the
    /// value's `evidence_json` is empty.
    pub fn stored_counts(
        &self,
        kr_id: &str,
        as_of: Date,
        fingerprint: &str,
    ) -> Result<Option<(StoredValue, Option<usize>)>, StoreError> {
        Ok(self.stored_row(kr_id, as_of, fingerprint)?.map(|row| (row.value, row.counted)))
    }

    /// The row recorded for a key result on `as_of` with the fingerprint `fingerprint`, its
    /// evidence not composed yet.
    fn stored_row(
        &self,
        kr_id: &str,
        as_of: Date,
        fingerprint: &str,
    ) -> Result<Option<StoredRow>, StoreError> {
        if !self.has_column("measurements", "fingerprint")? {
            return Ok(None);
        }
        let kept = self.evidence_kept()?;
        // A store read at a schema before the count was kept counts nothing.
        let counted = match self.has_column("measurements", "evidence_counted")? {
            true => "m.evidence_counted",
            false => "NULL",
        };
        let sql = format!(
            "SELECT m.value, m.numerator, m.denominator, {}, m.details, {counted}
             FROM measurements m WHERE m.kr_id = ?1 AND m.as_of = ?2 AND m.fingerprint = ?3
               AND m.details IS NOT NULL",
            kept.columns()
        );
        let mut statement = self.conn.prepare_cached(&sql)?;
        let row = statement
            .query_row(params![kr_id, SqlDate(as_of), fingerprint], |row| {
                let value = StoredValue {
                    value: row.get(0)?,
                    numerator: row.get(1)?,
                    denominator: row.get(2)?,
                    evidence_json: String::new(),
                    details: row.get(5)?,
                };
                let counted: Option<u32> = row.get(6)?;
                Ok(StoredRow {
                    value,
                    inline: row.get(3)?,
                    hash: row.get(4)?,
                    counted: counted.map(|n| n as usize),
                    kept,
                })
            })
            .optional()?;
        Ok(row)
    }
}
