//! Each (app, environment) scope's finding records kept as one compact blob beside the rows, so
//! that a measurement reads a portfolio's findings without decoding half a million rows (issue 12:
//! reading them was a third of a re-measure and of a first `measure`).
//!
//! A snapshot is derived data, never the truth: it is written by the ingest that changed its
//! scope, inside the same transaction, from the rows just written (a scope new to the store, from
//! its first scan, which is all its rows hold), and it is used only while the scope's generation
//! (which every write to the scope's findings or scans moves) is the one it was written at. A
//! scope without a current snapshot, or whose snapshot does not decode, is read from the rows. A
//! migration that rewrites findings must empty `finding_snapshots`.
//!
//! The blob (little-endian): `TFS2`; the texts its records name (tool, rule, severity, class,
//! file), each as a `u32` length and UTF-8; then the records, each: tool, rule, severity and
//! class as `u32` text indexes, the id (how many bytes it shares with the id before, as `u32`,
//! then the rest as a `u32` length and UTF-8), a flags byte (score, file, line, fixed), the
//! score (`f64`), file (text index) and line (`u32`) when flagged, the first seen date (`i16`
//! year, `i8` month, `i8` day), the fixed date when flagged, and the CWEs (`u32` count and
//! numbers).

use crate::StoreError;
use jiff::civil::Date;
use rusqlite::{Connection, params};
use std::collections::HashMap;
use std::sync::Arc;
use threatokr_core::metrics::FindingRecord;
use threatokr_core::model::{FindingClass, Severity};
use threatokr_core::shared_text::SharedTexts;

/// The first bytes of a snapshot of this layout.
const MAGIC: &[u8; 4] = b"TFS2";

const HAS_SCORE: u8 = 1;
const HAS_FILE: u8 = 2;
const HAS_LINE: u8 = 4;
const IS_FIXED: u8 = 8;

/// The snapshot of one scope's records (the app and environment are the row's, not the blob's),
/// written in one buffer of its exact size: the texts are indexed first.
pub(crate) fn encode(records: &[FindingRecord]) -> Vec<u8> {
    let mut texts = TextTable::default();
    let mut previous_id = "";
    let mut size = 0;
    let planned: Vec<Planned> = records
        .iter()
        .map(|record| {
            let named =
                [&*record.tool, &*record.rule_id, record.severity.as_str(), record.class.as_str()]
                    .map(|text| texts.index(text));
            let file = record.file.as_deref().map(|file| texts.index(file));
            let shared = shared_prefix(previous_id, &record.id);
            previous_id = &record.id;
            size += 16 + 8 + (record.id.len() - shared) + 1 + 4 + 4 + 4 * record.cwes.len();
            size += record.score.map_or(0, |_| 8) + file.map_or(0, |_| 4);
            size += record.line.map_or(0, |_| 4) + record.fixed_at.map_or(0, |_| 4);
            Planned { named, file, shared: shared as u32 }
        })
        .collect();
    let mut blob = Vec::with_capacity(MAGIC.len() + 4 + texts.bytes + 4 + size);
    blob.extend_from_slice(MAGIC);
    put_u32(&mut blob, texts.texts.len() as u32);
    for text in &texts.texts {
        put_text(&mut blob, text);
    }
    put_u32(&mut blob, records.len() as u32);
    for (record, planned) in records.iter().zip(&planned) {
        for index in planned.named {
            put_u32(&mut blob, index);
        }
        // Ids in order share long beginnings (`CodeQL:js/rule:src/file.js:…`): each is kept as
        // how much of the one before it shares and the rest.
        put_u32(&mut blob, planned.shared);
        put_text(&mut blob, &record.id[planned.shared as usize..]);
        let flag = |set: bool, bit: u8| if set { bit } else { 0 };
        let flags = flag(record.score.is_some(), HAS_SCORE)
            | flag(record.file.is_some(), HAS_FILE)
            | flag(record.line.is_some(), HAS_LINE)
            | flag(record.fixed_at.is_some(), IS_FIXED);
        blob.push(flags);
        if let Some(score) = record.score {
            blob.extend_from_slice(&score.to_le_bytes());
        }
        if let Some(file) = planned.file {
            put_u32(&mut blob, file);
        }
        if let Some(line) = record.line {
            put_u32(&mut blob, line);
        }
        put_date(&mut blob, record.first_seen);
        if let Some(fixed) = record.fixed_at {
            put_date(&mut blob, fixed);
        }
        put_u32(&mut blob, record.cwes.len() as u32);
        for cwe in &record.cwes {
            put_u32(&mut blob, *cwe);
        }
    }
    debug_assert_eq!(blob.len(), blob.capacity());
    blob
}

/// A record's text indexes (tool, rule, severity, class; file) and how many bytes its id shares
/// with the id before it.
struct Planned {
    named: [u32; 4],
    file: Option<u32>,
    shared: u32,
}

/// How many leading bytes `a` and `b` share, ending on a character boundary.
fn shared_prefix(a: &str, b: &str) -> usize {
    let mut shared = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !b.is_char_boundary(shared) {
        shared -= 1;
    }
    shared
}

/// The distinct texts a snapshot's records name, each with its index.
#[derive(Default)]
struct TextTable<'r> {
    texts: Vec<&'r str>,
    index_of: HashMap<&'r str, u32>,
    /// The bytes the table takes in the blob.
    bytes: usize,
}

impl<'r> TextTable<'r> {
    fn index(&mut self, text: &'r str) -> u32 {
        if let Some(index) = self.index_of.get(text) {
            return *index;
        }
        let index = self.texts.len() as u32;
        self.texts.push(text);
        self.index_of.insert(text, index);
        self.bytes += 4 + text.len();
        index
    }
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_u32(out, text.len() as u32);
    out.extend_from_slice(text.as_bytes());
}

fn put_date(out: &mut Vec<u8>, date: Date) {
    out.extend_from_slice(&date.year().to_le_bytes());
    out.push(date.month() as u8);
    out.push(date.day() as u8);
}

/// [`decode_into`] a list of its own.
#[cfg(test)]
pub(crate) fn decode(
    blob: &[u8],
    app: &Arc<str>,
    environment: &Arc<str>,
    shared: &mut SharedTexts,
) -> Option<Vec<FindingRecord>> {
    let mut records = Vec::new();
    decode_into(blob, app, environment, shared, &mut records).map(|()| records)
}

/// Appends the records of a snapshot of `app` in `environment` to `records`, their texts shared
/// through `shared`; `None`, and `records` left as they were, when the blob is not a snapshot
/// this build wrote (damaged, or of another layout): the caller then reads the scope's rows.
/// One list for many scopes: a list per scope, copied into one list after, touched twice the
/// memory (issue 12: every fresh page is a page fault).
pub(crate) fn decode_into(
    blob: &[u8],
    app: &Arc<str>,
    environment: &Arc<str>,
    shared: &mut SharedTexts,
    records: &mut Vec<FindingRecord>,
) -> Option<()> {
    let before = records.len();
    let mut decode = || -> Option<()> {
        let mut input = Cursor(blob.strip_prefix(MAGIC)?);
        let text_count = input.u32()? as usize;
        // Each text takes four bytes at least: a count larger than the blob allows is damage.
        let mut texts = Vec::with_capacity(text_count.min(input.0.len() / 4));
        for _ in 0..text_count {
            texts.push(shared.get(input.text()?));
        }
        let severities: Vec<Option<Severity>> = texts.iter().map(|t| t.parse().ok()).collect();
        let classes: Vec<Option<FindingClass>> = texts.iter().map(|t| t.parse().ok()).collect();
        let record_count = input.u32()? as usize;
        // A record takes 33 bytes at least.
        records.reserve(record_count.min(input.0.len() / 33));
        // The id before, which the next one begins with some of.
        let mut id = String::new();
        for _ in 0..record_count {
            let [tool, rule, severity, class] =
                [input.u32()?, input.u32()?, input.u32()?, input.u32()?].map(|i| i as usize);
            let shared = input.u32()? as usize;
            if shared > id.len() || !id.is_char_boundary(shared) {
                return None;
            }
            id.truncate(shared);
            id.push_str(input.text()?);
            let id: Arc<str> = Arc::from(id.as_str());
            let flags = input.byte()?;
            let score = match flags & HAS_SCORE {
                0 => None,
                _ => Some(f64::from_le_bytes(input.take(8)?.try_into().ok()?)),
            };
            let file = match flags & HAS_FILE {
                0 => None,
                _ => Some(Arc::clone(texts.get(input.u32()? as usize)?)),
            };
            let line = match flags & HAS_LINE {
                0 => None,
                _ => Some(input.u32()?),
            };
            let first_seen = input.date()?;
            let fixed_at = match flags & IS_FIXED {
                0 => None,
                _ => Some(input.date()?),
            };
            let cwe_count = input.u32()? as usize;
            let mut cwes = Vec::with_capacity(cwe_count.min(input.0.len() / 4));
            for _ in 0..cwe_count {
                cwes.push(input.u32()?);
            }
            records.push(FindingRecord {
                app: Arc::clone(app),
                environment: Arc::clone(environment),
                tool: Arc::clone(texts.get(tool)?),
                id,
                rule_id: Arc::clone(texts.get(rule)?),
                severity: (*severities.get(severity)?)?,
                score,
                class: (*classes.get(class)?)?,
                cwes,
                first_seen,
                fixed_at,
                file,
                line,
            });
        }
        input.0.is_empty().then_some(())
    };
    let decoded = decode();
    if decoded.is_none() {
        records.truncate(before);
    }
    decoded
}

/// The unread rest of a blob.
struct Cursor<'b>(&'b [u8]);

impl<'b> Cursor<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let (taken, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(taken)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn text(&mut self) -> Option<&'b str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.take(len)?).ok()
    }

    fn date(&mut self) -> Option<Date> {
        let year = i16::from_le_bytes(self.take(2)?.try_into().ok()?);
        let [month, day] = [self.byte()?, self.byte()?];
        Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
    }
}

/// Writes `blob`, the snapshot of `app` in `environment` (the [`encode`] of its records as the
/// rows give them, sorted by tool and id), at the scope's current generation, inside the
/// caller's transaction.
pub(crate) fn write_snapshot(
    conn: &Connection,
    app: &str,
    environment: &str,
    blob: &[u8],
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO finding_snapshots (app, environment, generation, records)
         SELECT app, environment, generation, ?3 FROM finding_scopes
         WHERE app = ?1 AND environment = ?2
         ON CONFLICT (app, environment) DO UPDATE
         SET generation = excluded.generation, records = excluded.records",
    )?
    .execute(params![app, environment, blob])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record_strategy() -> impl Strategy<Value = FindingRecord> {
        let texts =
            prop::sample::select(vec!["semgrep", "CodeQL", "js/xss", "src/a.py", "é/ü", ""]);
        let date =
            (1i16..9999, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap());
        (
            (
                texts.clone(),
                texts.clone(),
                "[ -~é]{0,40}",
                prop::sample::select(Severity::ALL.to_vec()),
            ),
            (
                prop::sample::select(FindingClass::ALL.to_vec()),
                any::<Option<f64>>(),
                prop::option::of(texts),
            ),
            (
                any::<Option<u32>>(),
                date.clone(),
                prop::option::of(date),
                prop::collection::vec(any::<u32>(), 0..4),
            ),
        )
            .prop_map(
                |(
                    (tool, rule, id, severity),
                    (class, score, file),
                    (line, first_seen, fixed_at, cwes),
                )| {
                    FindingRecord {
                        app: Arc::from("shop"),
                        environment: Arc::from("prod"),
                        tool: Arc::from(tool),
                        id: Arc::from(id.as_str()),
                        rule_id: Arc::from(rule),
                        severity,
                        score,
                        class,
                        cwes,
                        first_seen,
                        fixed_at,
                        file: file.map(Arc::from),
                        line,
                    }
                },
            )
    }

    /// Records equal field for field, a NaN score equal to a NaN score.
    fn same(a: &[FindingRecord], b: &[FindingRecord]) -> bool {
        let bits = |r: &FindingRecord| r.score.map(f64::to_bits);
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                bits(x) == bits(y)
                    && FindingRecord { score: None, ..x.clone() }
                        == FindingRecord { score: None, ..y.clone() }
            })
    }

    proptest! {
        #[test]
        fn a_snapshot_decodes_to_the_records_it_was_made_of(records in prop::collection::vec(record_strategy(), 0..20)) {
            let (app, environment) = (Arc::from("shop"), Arc::from("prod"));
            let blob = encode(&records);
            let decoded = decode(&blob, &app, &environment, &mut SharedTexts::new()).unwrap();
            prop_assert!(same(&decoded, &records), "{decoded:?} against {records:?}");
        }

        /// Damage of every kind (cut short, a byte changed, bytes added, any bytes at all) gives
        /// `None` or records, never a panic.
        #[test]
        fn a_damaged_snapshot_never_panics(records in prop::collection::vec(record_strategy(), 1..6), cut in any::<prop::sample::Index>(), flip in any::<u8>(), junk in prop::collection::vec(any::<u8>(), 0..64)) {
            let (app, environment) = (Arc::from("shop"), Arc::from("prod"));
            let blob = encode(&records);
            let at = cut.index(blob.len());
            prop_assert!(decode(&blob[..at], &app, &environment, &mut SharedTexts::new()).is_none());
            let mut changed = blob.clone();
            changed[at] ^= flip;
            let _ = decode(&changed, &app, &environment, &mut SharedTexts::new());
            let mut longer = blob.clone();
            longer.push(0);
            prop_assert!(decode(&longer, &app, &environment, &mut SharedTexts::new()).is_none());
            let _ = decode(&junk, &app, &environment, &mut SharedTexts::new());
            let mut framed = MAGIC.to_vec();
            framed.extend_from_slice(&junk);
            let _ = decode(&framed, &app, &environment, &mut SharedTexts::new());
        }
    }

    #[test]
    fn counts_larger_than_the_blob_allocate_nothing_and_give_none() {
        let (app, environment) = (Arc::from("shop"), Arc::from("prod"));
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&blob, &app, &environment, &mut SharedTexts::new()).is_none());
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&0u32.to_le_bytes());
        blob.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&blob, &app, &environment, &mut SharedTexts::new()).is_none());
        assert_eq!(
            decode(b"TFS1\0\0\0\0\0\0\0\0", &app, &environment, &mut SharedTexts::new()),
            None
        );
    }
}
