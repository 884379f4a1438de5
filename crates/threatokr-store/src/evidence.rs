//! Measurement evidence kept by content (`0008_evidence_by_content`): each text once, under a key
//! of its content; a long list in runs of one app and environment that lists share
//! (`0018_evidence_parts`), each measurement noting what its runs were computed from
//! (`0019_evidence_run_prints`); composed back into the list's text when read.

use crate::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use threatokr_core::evidence::sarif::ContentHash;

/// A measurement's evidence as JSON text: whole, or a JSON array in parts.
#[derive(Debug, Clone, PartialEq)]
pub enum EvidenceText {
    /// The whole text.
    Whole(String),
    /// The items of a JSON array in runs: the text is `[` + the runs joined by `,` + `]`. Each
    /// run is kept once by content and shared by every list naming it, so a list that changed in
    /// one run (a portfolio's findings after one app's scan) writes only that run. An empty run,
    /// or no run at all, is the empty list.
    Parts(Vec<EvidencePart>),
}

/// One run of a list kept in parts.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidencePart {
    /// What the run was computed from, hashed: measuring the same key result on the same day
    /// again, a run with the same print is the run kept for it ([`Store::kept_runs`]), named
    /// rather than written again. `None`: never named so.
    ///
    /// [`Store::kept_runs`]: crate::Store::kept_runs
    pub print: Option<String>,
    /// The run.
    pub text: PartText,
}

/// A run's items, or the run kept already.
#[derive(Debug, Clone, PartialEq)]
pub enum PartText {
    /// The items written as the list writes them, comma-separated, without brackets.
    Written(String),
    /// The key of a run kept already, as [`Store::kept_runs`] gave it.
    ///
    /// [`Store::kept_runs`]: crate::Store::kept_runs
    Kept(String),
}

impl EvidencePart {
    /// A run written, with no print.
    pub fn written(text: impl Into<String>) -> Self {
        Self { print: None, text: PartText::Written(text.into()) }
    }
}

/// How the store keeps evidence, by its schema (read-only stores are read at their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EvidenceKept {
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
    pub(crate) fn columns(self) -> &'static str {
        match self {
            Self::Inline => "m.evidence, NULL",
            Self::Whole | Self::InParts => "m.evidence, m.evidence_hash",
        }
    }
}

/// Where a measurement's evidence went: under a key, or inline in its row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kept {
    /// Kept under `key`; a list in parts notes its runs' prints (a JSON list) in the row.
    Under { key: String, prints: Option<String> },
    /// Another text is kept under its key (never seen, but possible): the text stays in the row.
    Inline(String),
}

/// The evidence text of a measurement whose row holds `inline` and points at `key`.
pub(crate) fn evidence_text(
    conn: &Connection,
    kept: EvidenceKept,
    inline: String,
    key: Option<String>,
) -> Result<String, StoreError> {
    evidence_prefix(conn, kept, inline, key, |_| true)
}

/// [`evidence_text`] up to where `take` has enough: a list in parts is composed of its first
/// runs only, each given to `take` (its items without brackets) until `take` says it has enough,
/// and closed as a list; a list kept whole is all of it.
pub(crate) fn evidence_prefix(
    conn: &Connection,
    kept: EvidenceKept,
    inline: String,
    key: Option<String>,
    take: impl FnMut(&str) -> bool,
) -> Result<String, StoreError> {
    let Some(key) = key else { return Ok(inline) };
    kept_text(conn, kept, &key, take)?.ok_or_else(|| StoreError::Damaged {
        what: format!("a measurement points at the evidence `{key}`, which is not kept"),
    })
}

/// At most this much is reserved at once for composing evidence, whatever its key says.
const RESERVED_AT_MOST: usize = 256 << 20;

/// The text kept under `key` in `evidence`, whole or composed of its parts; `None` when nothing
/// is kept under it. The one place evidence in parts is put together.
/// A list in parts is composed run by run, each given to `take` (its items without brackets),
/// and closed as a list after the run for which `take` says it has enough.
fn kept_text(
    conn: &Connection,
    kept: EvidenceKept,
    key: &str,
    mut take: impl FnMut(&str) -> bool,
) -> Result<Option<String>, StoreError> {
    let sql = match kept {
        EvidenceKept::InParts => "SELECT parts, json FROM evidence WHERE hash = ?1",
        EvidenceKept::Whole | EvidenceKept::Inline => {
            "SELECT 0, json FROM evidence WHERE hash = ?1"
        }
    };
    let row: Option<(i64, String)> = conn
        .prepare_cached(sql)?
        .query_row(params![key], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((parts, json)) = row else { return Ok(None) };
    if parts == 0 {
        return Ok(Some(json));
    }
    let keys = layout_keys(key, &json)?;
    let mut text = String::with_capacity(key_length(key).min(RESERVED_AT_MOST));
    text.push('[');
    for (i, part) in keys.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        let start = text.len();
        push_kept_part(conn, part, &mut text, || StoreError::Damaged {
            what: format!("the evidence `{key}` lists the part `{part}`, which is not kept"),
        })?;
        if !take(&text[start..]) {
            break;
        }
    }
    text.push(']');
    Ok(Some(text))
}

/// Appends the part kept under `key` to `text`; `missing` is the error when none is.
fn push_kept_part(
    conn: &Connection,
    key: &str,
    text: &mut String,
    missing: impl FnOnce() -> StoreError,
) -> Result<(), StoreError> {
    let mut statement = conn.prepare_cached("SELECT json FROM evidence_parts WHERE hash = ?1")?;
    let mut rows = statement.query(params![key])?;
    let Some(row) = rows.next()? else { return Err(missing()) };
    text.push_str(row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
    Ok(())
}

/// The part keys a list in parts kept under `key` lists.
fn layout_keys(key: &str, layout: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(layout).map_err(|_| StoreError::Damaged {
        what: format!("the evidence `{key}` does not list its parts"),
    })
}

/// The key of a text: its length and `ContentHash` (`LENGTH:HASH`), which takes 32 bytes a step
/// (FNV-1a, a byte a step, was 3% of `measure` at enterprise scale, whose evidence is some 170 MB
/// a day). Keys written before by FNV-1a (`LENGTH-FNV`) never equal these: their rows stay as
/// they are, and evidence recorded under one again is kept once more under its new key.
pub(crate) fn text_key(text: &str) -> String {
    let mut hash = ContentHash::new();
    hash.update(text.as_bytes());
    hash.key()
}

/// The key of a list in parts: the length of its whole text and the `ContentHash` of its parts'
/// keys, so that a list naming runs kept already gets its key without their texts.
fn parts_key(keys: &[String]) -> String {
    let mut hash = ContentHash::new();
    hash.update(b"parts");
    for key in keys {
        hash.update(b",");
        hash.update(key.as_bytes());
    }
    let items: usize = keys.iter().map(|key| key_length(key)).sum();
    let length = items + keys.len().saturating_sub(1) + 2;
    format!("{length}:{:016x}", hash.finish())
}

/// The length in bytes a key begins with (0 when it does not).
fn key_length(key: &str) -> usize {
    key.split(':').next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// The runs a list in parts lists, each as often as it lists it, when this list is about to be
/// dropped: the list the measurement of `kr_id` on `as_of` replaces, kept under `key`, when no
/// other measurement points at it. Empty otherwise (a whole text, another measurement's too).
pub(crate) fn runs_dropped_with(
    conn: &Connection,
    key: &str,
    kr_id: &str,
    as_of: &dyn rusqlite::ToSql,
) -> Result<Runs, StoreError> {
    let layout: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT CASE parts WHEN 1 THEN json END FROM evidence WHERE hash = ?1
               AND NOT EXISTS (SELECT 1 FROM measurements WHERE evidence_hash = ?1
                               AND NOT (kr_id = ?2 AND as_of = ?3))",
        )?
        .query_row(params![key, kr_id, as_of], |r| r.get(0))
        .optional()?;
    let Some(Some(layout)) = layout else { return Ok(Runs::default()) };
    // A list that does not list its parts (a damaged store) carries none over.
    Ok(layout_keys(key, &layout).map(|keys| Runs::of(&keys)).unwrap_or_default())
}

/// Runs by key, each with how many times a list names it.
#[derive(Debug, Default)]
pub(crate) struct Runs(HashMap<String, i64>);

impl Runs {
    fn of(keys: &[String]) -> Self {
        let mut runs = HashMap::new();
        for key in keys {
            *runs.entry(key.clone()).or_insert(0) += 1;
        }
        Self(runs)
    }

    /// Takes one naming of `key`, if any is left.
    fn take(&mut self, key: &str) -> bool {
        match self.0.get_mut(key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Keeps `evidence` unless it is kept already, and says where it is. A new list in parts counts
/// each run it lists once more, but the runs the list it replaces lists (`dropping`, see
/// [`runs_dropped_with`]): those are carried over, returned for [`forget_evidence`] not to count
/// them once less (measuring again after an ingest into one scope lists the runs of 2,000
/// scopes again, and counting each up and down again was 24,000 statements, issue 12).
pub(crate) fn keep_evidence(
    conn: &Connection,
    evidence: &EvidenceText,
    mut dropping: Runs,
) -> Result<(Kept, Runs), StoreError> {
    let carried = Runs::default();
    let parts: Vec<&EvidencePart> = match evidence {
        EvidenceText::Whole(text) => return Ok((keep_whole(conn, text)?, carried)),
        EvidenceText::Parts(parts) => {
            parts.iter().filter(|p| p.text != PartText::Written(String::new())).collect()
        }
    };
    // A list of one run or none is as well kept whole: no other list shares its run.
    if parts.len() < 2 {
        return Ok((keep_whole(conn, &compose(conn, &parts)?)?, carried));
    }
    // Each run written is kept already with the same text, or is new; a run whose key another
    // text holds makes the whole list inline. A run named must still be kept.
    let mut keys = Vec::with_capacity(parts.len());
    let mut new = Vec::new();
    {
        let mut kept_part =
            conn.prepare_cached("SELECT json FROM evidence_parts WHERE hash = ?1")?;
        // A run named is only looked for: its text is not read (the key's index answers).
        let mut is_kept = conn.prepare_cached("SELECT 1 FROM evidence_parts WHERE hash = ?1")?;
        for (i, part) in parts.iter().enumerate() {
            let key = match &part.text {
                PartText::Written(text) => {
                    let key = text_key(text);
                    // Compared where SQLite holds it, not copied out.
                    let mut rows = kept_part.query(params![key])?;
                    match rows.next()? {
                        Some(row) => {
                            let kept = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
                            if kept != text {
                                return Ok((Kept::Inline(compose(conn, &parts)?), carried));
                            }
                        }
                        None => new.push(i),
                    }
                    key
                }
                PartText::Kept(key) => {
                    if !is_kept.exists(params![key])? {
                        return Err(StoreError::Changed {
                            what: format!("the evidence part `{key}` it named was dropped"),
                        });
                    }
                    key.clone()
                }
            };
            keys.push(key);
        }
    }
    let key = parts_key(&keys);
    let layout = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".to_owned());
    let prints: Vec<Option<&str>> = parts.iter().map(|p| p.print.as_deref()).collect();
    let prints =
        prints.iter().any(Option::is_some).then(|| serde_json::to_string(&prints).ok()).flatten();
    let under = Kept::Under { key: key.clone(), prints };
    let kept: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT parts, CASE parts WHEN 1 THEN json END FROM evidence WHERE hash = ?1",
        )?
        .query_row(params![key], |r| {
            Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default()))
        })
        .optional()?;
    let written = |i: usize| match &parts[i].text {
        PartText::Written(text) => text.as_str(),
        PartText::Kept(_) => "",
    };
    match kept {
        // The same runs under the same keys, each run checked above. A run it lists that is not
        // kept (a damaged store) is kept again, counted for as many kept lists as list it.
        Some((1, kept)) if kept == layout => {
            let mut keep_again = conn.prepare_cached(
                "INSERT INTO evidence_parts (hash, json, uses) VALUES (?1, ?2,
                     (SELECT count(*) FROM evidence e, json_each(e.json) j
                      WHERE e.parts = 1 AND j.value = ?1))
                 ON CONFLICT (hash) DO NOTHING",
            )?;
            for i in new {
                keep_again.execute(params![keys[i], written(i)])?;
            }
            return Ok((under, carried));
        }
        // Another list, or a whole text, under the same key (never seen, but possible).
        Some(_) => return Ok((Kept::Inline(compose(conn, &parts)?), carried)),
        None => {}
    }
    let mut keep_part = conn.prepare_cached(
        "INSERT INTO evidence_parts (hash, json, uses) VALUES (?1, ?2, 0) ON CONFLICT (hash) DO NOTHING",
    )?;
    for i in new {
        keep_part.execute(params![keys[i], written(i)])?;
    }
    conn.prepare_cached("INSERT INTO evidence (hash, json, parts) VALUES (?1, ?2, 1)")?
        .execute(params![key, layout])?;
    let mut used =
        conn.prepare_cached("UPDATE evidence_parts SET uses = uses + 1 WHERE hash = ?1")?;
    let mut carried = carried;
    for key in &keys {
        if dropping.take(key) {
            *carried.0.entry(key.clone()).or_insert(0) += 1;
        } else {
            used.execute(params![key])?;
        }
    }
    Ok((under, carried))
}

/// Keeps `text` whole under its key, unless another text is kept there.
fn keep_whole(conn: &Connection, text: &str) -> Result<Kept, StoreError> {
    let key = text_key(text);
    // Looked up before inserting: evidence kept already (the usual case when measuring again)
    // is not checked as JSON again, which for a key result counting every production finding is
    // tens of megabytes. A kept list missing a part is not this text either.
    let same = match kept_text(conn, EvidenceKept::InParts, &key, |_| true) {
        Ok(Some(kept)) => kept == text,
        Ok(None) => {
            let mut keep = conn.prepare_cached(
                "INSERT INTO evidence (hash, json) VALUES (?1, ?2) ON CONFLICT (hash) DO NOTHING",
            )?;
            keep.execute(params![key, text])? == 1
        }
        Err(StoreError::Damaged { .. }) => false,
        Err(error) => return Err(error),
    };
    Ok(if same { Kept::Under { key, prints: None } } else { Kept::Inline(text.to_owned()) })
}

/// The whole text of a list of `parts`, reading the runs named from the store.
fn compose(conn: &Connection, parts: &[&EvidencePart]) -> Result<String, StoreError> {
    let mut text = String::from("[");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        match &part.text {
            PartText::Written(written) => text.push_str(written),
            PartText::Kept(key) => push_kept_part(conn, key, &mut text, || StoreError::Changed {
                what: format!("the evidence part `{key}` it named was dropped"),
            })?,
        }
    }
    text.push(']');
    Ok(text)
}

/// Drops the evidence kept under `key` when no measurement points at it any more, and the parts
/// it was the last to list; the runs `carried` over to the list replacing it ([`keep_evidence`])
/// are not counted once less (and when it is not dropped after all, they are counted once more
/// for the new list).
pub(crate) fn forget_evidence(
    conn: &Connection,
    key: &str,
    mut carried: Runs,
) -> Result<(), StoreError> {
    let dropped: Option<Option<String>> = conn
        .prepare_cached(
            "DELETE FROM evidence WHERE hash = ?1
             AND NOT EXISTS (SELECT 1 FROM measurements WHERE evidence_hash = ?1)
             RETURNING CASE parts WHEN 1 THEN json END",
        )?
        .query_row(params![key], |r| r.get(0))
        .optional()?;
    let Some(Some(layout)) = dropped else {
        // Kept after all: the runs carried over to the new list are counted for it too.
        let mut used =
            conn.prepare_cached("UPDATE evidence_parts SET uses = uses + ?2 WHERE hash = ?1")?;
        for (run, n) in carried.0.iter().filter(|(_, n)| **n > 0) {
            used.execute(params![run, n])?;
        }
        return Ok(());
    };
    // A list that does not list its parts (a damaged store) drops none: they stay, unnamed.
    let Ok(parts) = layout_keys(key, &layout) else { return Ok(()) };
    let mut unused =
        conn.prepare_cached("UPDATE evidence_parts SET uses = uses - 1 WHERE hash = ?1")?;
    let mut drop_unused =
        conn.prepare_cached("DELETE FROM evidence_parts WHERE hash = ?1 AND uses = 0")?;
    for part in parts {
        // A run the new list carried over is still listed as often.
        if carried.take(&part) {
            continue;
        }
        unused.execute(params![part])?;
        drop_unused.execute(params![part])?;
    }
    Ok(())
}

/// The runs of the evidence recorded for `kr_id` on `as_of`, by the print each was computed
/// from (those without one left out): empty when it is not kept in parts.
pub(crate) fn kept_runs(
    conn: &Connection,
    kr_id: &str,
    as_of: &str,
) -> Result<HashMap<String, String>, StoreError> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT e.json, m.evidence_prints FROM measurements m
             JOIN evidence e ON e.hash = m.evidence_hash
             WHERE m.kr_id = ?1 AND m.as_of = ?2 AND e.parts = 1 AND m.evidence_prints IS NOT NULL",
        )?
        .query_row(params![kr_id, as_of], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((layout, prints)) = row else { return Ok(HashMap::new()) };
    let keys: Vec<String> = serde_json::from_str(&layout).unwrap_or_default();
    let prints: Vec<Option<String>> = serde_json::from_str(&prints).unwrap_or_default();
    if keys.len() != prints.len() {
        return Ok(HashMap::new()); // Not what this build writes: nothing is named.
    }
    Ok(prints.into_iter().zip(keys).filter_map(|(print, key)| Some((print?, key))).collect())
}
