//! Measurements of key results: one row per key result per day, replaced when measured again
//! that day, so measuring twice on the same evidence changes nothing.

use crate::{
    SqlDate, Store, StoreError, check_date, check_finite, check_not_empty, date_column,
    parse_column,
};
use jiff::civil::Date;
use rusqlite::{OptionalExtension, params};
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

/// How the store keeps evidence, by its schema (read-only stores are read at their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EvidenceKept {
    /// In the measurement's row (before `0008_evidence_by_content`).
    Inline,
    /// In `evidence`, each text whole (before `0018_evidence_parts`).
    Whole,
    /// In `evidence`, a long list in parts.
    InParts,
}

impl EvidenceKept {
    /// The two columns of a measurement `m` that say where its evidence is: its inline text, and
    /// the key of the evidence kept for it.
    fn columns(self) -> &'static str {
        match self {
            Self::Inline => "m.evidence, NULL",
            Self::Whole | Self::InParts => "m.evidence, m.evidence_hash",
        }
    }
}

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

/// The evidence text of a measurement whose row holds `inline` and points at `hash`.
fn evidence_text(
    conn: &rusqlite::Connection,
    kept: EvidenceKept,
    inline: String,
    hash: Option<String>,
) -> Result<String, StoreError> {
    let Some(hash) = hash else { return Ok(inline) };
    kept_text(conn, kept, &hash)?.ok_or_else(|| StoreError::Damaged {
        what: format!("a measurement points at the evidence `{hash}`, which is not kept"),
    })
}

/// At most this much is reserved at once for composing evidence, whatever its key says.
const RESERVED_AT_MOST: usize = 256 << 20;

/// The text kept under `hash` in `evidence`, whole or composed of its parts; `None` when nothing
/// is kept under it. The one place evidence in parts is put together.
fn kept_text(
    conn: &rusqlite::Connection,
    kept: EvidenceKept,
    hash: &str,
) -> Result<Option<String>, StoreError> {
    let sql = match kept {
        EvidenceKept::InParts => "SELECT parts, json FROM evidence WHERE hash = ?1",
        EvidenceKept::Whole | EvidenceKept::Inline => {
            "SELECT 0, json FROM evidence WHERE hash = ?1"
        }
    };
    let row: Option<(i64, String)> = conn
        .prepare_cached(sql)?
        .query_row(params![hash], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((parts, json)) = row else { return Ok(None) };
    if parts == 0 {
        return Ok(Some(json));
    }
    let damaged = |what: String| StoreError::Damaged { what };
    let keys: Vec<String> = serde_json::from_str(&json)
        .map_err(|_| damaged(format!("the evidence `{hash}` does not list its parts")))?;
    // The key begins with the text's length in bytes: the text is written at its size.
    let length = hash.split(':').next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
    let mut text = String::with_capacity(length.min(RESERVED_AT_MOST));
    text.push('[');
    let mut part = conn.prepare_cached("SELECT json FROM evidence_parts WHERE hash = ?1")?;
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        let mut rows = part.query(params![key])?;
        let Some(row) = rows.next()? else {
            return Err(damaged(format!(
                "the evidence `{hash}` lists the part `{key}`, which is not kept"
            )));
        };
        text.push_str(row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
    }
    text.push(']');
    Ok(Some(text))
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
}

/// A measurement's evidence as JSON text: whole, or a JSON array in parts.
#[derive(Debug, Clone, PartialEq)]
pub enum EvidenceText {
    /// The whole text.
    Whole(String),
    /// The items of a JSON array in runs, each run's items written as in the array and joined by
    /// commas, without brackets: the text is `[` + the runs joined by `,` + `]`. Each run is kept
    /// once by content and shared by every measurement listing it, so a list that changed in one
    /// run (a portfolio's findings after one app's scan) writes only that run. An empty run, or
    /// no run at all, is the empty list.
    Parts(Vec<String>),
}

impl EvidenceText {
    /// The whole text, the parts joined.
    pub fn joined(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Whole(text) => std::borrow::Cow::Borrowed(text),
            Self::Parts(parts) => {
                let runs = parts.iter().filter(|part| !part.is_empty());
                let mut text =
                    String::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + 2);
                text.push('[');
                for (i, part) in runs.enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    text.push_str(part);
                }
                text.push(']');
                std::borrow::Cow::Owned(text)
            }
        }
    }
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
        }
    }
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

/// The key of evidence text in the `evidence` table: its length and `ContentHash`, which takes
/// 32 bytes a step (FNV-1a, a byte a step, was 3% of `measure` at enterprise scale, whose
/// evidence is some 170 MB a day). Keys written before by FNV-1a (`LENGTH-FNV`) never equal these
/// (`LENGTH:HASH`): their rows stay as they are, and evidence recorded under one again is kept
/// once more under its new key.
/// A list in parts has the key of its whole text, hashed part by part without writing it whole.
fn evidence_hash(evidence: &EvidenceText) -> String {
    let mut hash = threatokr_core::evidence::sarif::ContentHash::new();
    match evidence {
        EvidenceText::Whole(text) => hash.update(text.as_bytes()),
        EvidenceText::Parts(parts) => {
            hash.update(b"[");
            for (i, part) in parts.iter().filter(|part| !part.is_empty()).enumerate() {
                if i > 0 {
                    hash.update(b",");
                }
                hash.update(part.as_bytes());
            }
            hash.update(b"]");
        }
    }
    hash.key()
}

/// The key of a part's text in `evidence_parts`.
pub(crate) fn part_hash(part: &str) -> String {
    let mut hash = threatokr_core::evidence::sarif::ContentHash::new();
    hash.update(part.as_bytes());
    hash.key()
}

/// What [`kept_text`] gives, with a damaged kept text (a part missing) as `Some(None)`: it is
/// not the text being recorded, which is then kept inline.
fn kept_or_damaged(
    conn: &rusqlite::Connection,
    hash: &str,
) -> Result<Option<Option<String>>, StoreError> {
    match kept_text(conn, EvidenceKept::InParts, hash) {
        Ok(kept) => Ok(kept.map(Some)),
        Err(StoreError::Damaged { .. }) => Ok(Some(None)),
        Err(error) => Err(error),
    }
}

/// Keeps `evidence` under `hash` unless it is kept already. Returns whether `hash` now stands
/// for it: not when another text is kept under the same key (never seen, but possible), which
/// the caller then keeps inline.
fn keep_evidence(
    conn: &rusqlite::Connection,
    hash: &str,
    evidence: &EvidenceText,
) -> Result<bool, StoreError> {
    let parts: Vec<&str> = match evidence {
        EvidenceText::Parts(parts) => {
            parts.iter().map(String::as_str).filter(|p| !p.is_empty()).collect()
        }
        EvidenceText::Whole(_) => Vec::new(),
    };
    // A list of one run or none is as well kept whole: no other list shares its run.
    if parts.len() < 2 {
        let text = evidence.joined();
        // Looked up before inserting: evidence kept already (the usual case when measuring
        // again) is not checked as JSON again, which for a key result counting every
        // production finding is tens of megabytes.
        return Ok(match kept_or_damaged(conn, hash)? {
            Some(Some(kept)) => kept == text,
            Some(None) => false,
            None => {
                let mut keep = conn.prepare_cached(
                    "INSERT INTO evidence (hash, json) VALUES (?1, ?2) ON CONFLICT (hash) DO NOTHING",
                )?;
                keep.execute(params![hash, text])? == 1
            }
        });
    }
    let keys: Vec<String> = parts.iter().map(|part| part_hash(part)).collect();
    // Each run is kept already with the same text, or is new; a run whose key another text
    // holds makes the whole list inline.
    let mut new = Vec::new();
    {
        let mut kept_part =
            conn.prepare_cached("SELECT json FROM evidence_parts WHERE hash = ?1")?;
        for (i, (key, part)) in keys.iter().zip(&parts).enumerate() {
            // Compared where SQLite holds it, not copied out.
            let mut rows = kept_part.query(params![key])?;
            let kept = match rows.next()? {
                Some(row) => {
                    Some(row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)? == *part)
                }
                None => None,
            };
            match kept {
                Some(true) => {}
                Some(false) => return Ok(false),
                None => new.push(i),
            }
        }
    }
    let layout = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".to_owned());
    let kept: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT parts, CASE parts WHEN 1 THEN json END FROM evidence WHERE hash = ?1",
        )?
        .query_row(params![hash], |r| {
            Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default()))
        })
        .optional()?;
    match kept {
        // The same runs under the same keys, each run's text checked above. A run it lists that
        // is not kept (a damaged store) is kept again, listed by as many kept lists as list it.
        Some((1, kept)) if kept == layout => {
            let mut keep_again = conn.prepare_cached(
                "INSERT INTO evidence_parts (hash, json, uses) VALUES (?1, ?2,
                     (SELECT count(*) FROM evidence e, json_each(e.json) j
                      WHERE e.parts = 1 AND j.value = ?1))
                 ON CONFLICT (hash) DO NOTHING",
            )?;
            for i in new {
                keep_again.execute(params![keys[i], parts[i]])?;
            }
            return Ok(true);
        }
        Some((1, _)) => return Ok(false),
        // Kept whole by a build that did not split it: compared whole (rare).
        Some(_) => {
            let whole = kept_or_damaged(conn, hash)?.flatten();
            return Ok(whole.as_deref() == Some(&*evidence.joined()));
        }
        None => {}
    }
    let mut keep_part = conn.prepare_cached(
        "INSERT INTO evidence_parts (hash, json, uses) VALUES (?1, ?2, 0) ON CONFLICT (hash) DO NOTHING",
    )?;
    for i in new {
        keep_part.execute(params![keys[i], parts[i]])?;
    }
    conn.prepare_cached("INSERT INTO evidence (hash, json, parts) VALUES (?1, ?2, 1)")?
        .execute(params![hash, layout])?;
    let mut used =
        conn.prepare_cached("UPDATE evidence_parts SET uses = uses + 1 WHERE hash = ?1")?;
    for key in &keys {
        used.execute(params![key])?;
    }
    Ok(true)
}

/// Drops the evidence kept under `hash` when no measurement points at it any more, and the parts
/// it was the last to list.
fn forget_evidence(conn: &rusqlite::Connection, hash: &str) -> Result<(), StoreError> {
    let dropped: Option<Option<String>> = conn
        .prepare_cached(
            "DELETE FROM evidence WHERE hash = ?1
             AND NOT EXISTS (SELECT 1 FROM measurements WHERE evidence_hash = ?1)
             RETURNING CASE parts WHEN 1 THEN json END",
        )?
        .query_row(params![hash], |r| r.get(0))
        .optional()?;
    let Some(Some(layout)) = dropped else { return Ok(()) };
    let keys: Vec<String> = serde_json::from_str(&layout).map_err(|_| StoreError::Damaged {
        what: format!("the evidence `{hash}` does not list its parts"),
    })?;
    let mut unused =
        conn.prepare_cached("UPDATE evidence_parts SET uses = uses - 1 WHERE hash = ?1")?;
    let mut drop_unused =
        conn.prepare_cached("DELETE FROM evidence_parts WHERE hash = ?1 AND uses = 0")?;
    for key in &keys {
        unused.execute(params![key])?;
        drop_unused.execute(params![key])?;
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
                "INSERT INTO measurements (kr_id, cycle, as_of, value, numerator, denominator, progress, status, evidence, evidence_hash, scored_against, fingerprint, details)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (kr_id, as_of) DO UPDATE SET
                     cycle = excluded.cycle, value = excluded.value, numerator = excluded.numerator,
                     denominator = excluded.denominator, progress = excluded.progress,
                     status = excluded.status, evidence = excluded.evidence,
                     evidence_hash = excluded.evidence_hash, scored_against = excluded.scored_against,
                     fingerprint = excluded.fingerprint, details = excluded.details
                 WHERE cycle IS NOT excluded.cycle OR value IS NOT excluded.value
                    OR numerator IS NOT excluded.numerator OR denominator IS NOT excluded.denominator
                    OR progress IS NOT excluded.progress OR status IS NOT excluded.status
                    OR evidence IS NOT excluded.evidence OR evidence_hash IS NOT excluded.evidence_hash
                    OR scored_against IS NOT excluded.scored_against",
            )?;
            // What the value was computed from is not a change of the measurement: a row whose
            // numbers are unchanged takes the new fingerprint without counting as changed.
            let mut fingerprint = tx.prepare_cached(
                "UPDATE measurements SET fingerprint = ?3, details = ?4
                 WHERE kr_id = ?1 AND as_of = ?2
                   AND (fingerprint IS NOT ?3 OR details IS NOT ?4)",
            )?;
            let mut earlier = tx.prepare_cached(
                "SELECT evidence_hash FROM measurements WHERE kr_id = ?1 AND as_of = ?2",
            )?;
            for row in rows {
                check_measurement(&row)?;
                let replaced: Option<String> = earlier
                    .query_row(params![row.kr_id, SqlDate(row.as_of)], |r| r.get(0))
                    .optional()?
                    .flatten();
                let hash = evidence_hash(&row.evidence);
                let inline = match keep_evidence(&tx, &hash, &row.evidence)? {
                    true => None,
                    false => Some(row.evidence.joined()),
                };
                let (inline, hash) = match &inline {
                    None => ("null", Some(hash)),
                    Some(text) => (text.as_ref(), None),
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
                    row.details
                ])?;
                fingerprint.execute(params![
                    row.kr_id,
                    SqlDate(row.as_of),
                    row.fingerprint,
                    row.details
                ])?;
                if let Some(replaced) = replaced.filter(|replaced| Some(replaced) != hash.as_ref())
                {
                    // The evidence a day's measurement replaced is dropped when no measurement
                    // points at it any more (measuring a day again after each push kept every
                    // earlier evidence of that day, tens of megabytes for a portfolio).
                    forget_evidence(&tx, &replaced)?;
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

    /// The value recorded for a key result on `as_of` with the fingerprint `fingerprint`, if any.
    pub fn stored_value(
        &self,
        kr_id: &str,
        as_of: Date,
        fingerprint: &str,
    ) -> Result<Option<StoredValue>, StoreError> {
        if !self.has_column("measurements", "fingerprint")? {
            return Ok(None);
        }
        let kept = self.evidence_kept()?;
        let sql = format!(
            "SELECT m.value, m.numerator, m.denominator, {}, m.details
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
                Ok((value, row.get(3)?, row.get(4)?))
            })
            .optional()?;
        let Some((mut value, inline, hash)) = row else { return Ok(None) };
        // A value whose evidence is not all kept (a damaged store) is not reused: it is
        // computed again, and recording it keeps its evidence again.
        match evidence_text(&self.conn, kept, inline, hash) {
            Ok(text) => value.evidence_json = text,
            Err(StoreError::Damaged { .. }) => return Ok(None),
            Err(error) => return Err(error),
        }
        Ok(Some(value))
    }
}
