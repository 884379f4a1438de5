//! The `status --format json` contract of a cycle as the server keeps it: its compact text,
//! escaped once as the API writes JSON, with where each objective's entry and each key result's
//! evidence items are in it. At enterprise scale the same contract as a tree of values was over
//! a gigabyte (the evidence of the key results that count every finding) and the API cloned it
//! for every request; the text is served as it is, and a page parses only the items it shows.

use axum::body::Bytes;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

/// A cycle's measurement contract as text, indexed.
#[derive(Debug, Clone, Default)]
pub struct MeasurementText {
    /// The contract, compact, with `<`, `>` and `&` written as the API writes them.
    text: Bytes,
    /// Each objective's entry in `text`, by objective id.
    objectives: HashMap<String, Range<usize>>,
    /// Each evidence item of a key result in `text`, by key result id.
    evidence: HashMap<String, Vec<Range<usize>>>,
}

/// The parts of the contract the index needs; the rest is skipped.
#[derive(Deserialize)]
struct Contract<'t> {
    #[serde(borrow)]
    objectives: Vec<&'t RawValue>,
}

#[derive(Deserialize)]
struct ObjectiveEntry<'t> {
    #[serde(borrow)]
    id: Cow<'t, str>,
    #[serde(borrow)]
    key_results: Vec<KeyResultEntry<'t>>,
}

#[derive(Deserialize)]
struct KeyResultEntry<'t> {
    #[serde(borrow)]
    id: Cow<'t, str>,
    #[serde(borrow)]
    evidence: Vec<&'t RawValue>,
}

impl MeasurementText {
    /// Indexes `contract`, the text `threatokr_core::metrics::write_measurement_json` writes
    /// (compact, as the server writes it for this: pretty text is a third indentation); fails
    /// when it is not that contract.
    pub fn new(contract: &[u8]) -> serde_json::Result<Self> {
        let text = escape_markup(contract);
        let base = text.as_ptr() as usize;
        // A sub-slice of `text`, as a range of it (the parser borrows from `text`).
        let range_of = |part: &str| {
            let start = part.as_ptr() as usize - base;
            start..start + part.len()
        };
        let mut objectives = HashMap::new();
        let mut evidence = HashMap::new();
        for raw in serde_json::from_slice::<Contract<'_>>(&text)?.objectives {
            let entry: ObjectiveEntry<'_> = serde_json::from_str(raw.get())?;
            objectives.entry(entry.id.into_owned()).or_insert_with(|| range_of(raw.get()));
            for kr in entry.key_results {
                evidence.entry(kr.id.into_owned()).or_insert_with(|| {
                    kr.evidence.iter().map(|item| range_of(item.get())).collect()
                });
            }
        }
        Ok(Self { text: Bytes::from(text), objectives, evidence })
    }

    /// The whole contract, to serve (a shared buffer: no copy).
    pub fn text(&self) -> Bytes {
        self.text.clone()
    }

    /// An objective's entry, as text (`None` when the contract has no such objective).
    pub fn objective(&self, id: &str) -> Option<Bytes> {
        self.objectives.get(id).map(|range| self.text.slice(range.clone()))
    }

    /// How many evidence items a key result's entry lists.
    pub fn evidence_len(&self, kr_id: &str) -> usize {
        self.evidence.get(kr_id).map_or(0, Vec::len)
    }

    /// Items `skip..skip + take` of a key result's evidence, as values.
    pub fn evidence(&self, kr_id: &str, skip: usize, take: usize) -> Vec<Value> {
        let ranges = self.evidence.get(kr_id).map(Vec::as_slice).unwrap_or_default();
        ranges
            .iter()
            .skip(skip)
            .take(take)
            // Each range is a value the index parsed: it parses again.
            .filter_map(|range| serde_json::from_slice(&self.text[range.clone()]).ok())
            .collect()
    }
}

/// JSON text with `<`, `>` and `&` written as `\u003c`, `\u003e` and `\u0026`: the same value
/// to any JSON reader (these bytes only ever occur inside strings, where the escapes mean the
/// same), and never markup if a page or a sniffing browser embeds it.
pub(crate) fn escape_markup(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + json.len() / 64);
    for &byte in json {
        match byte {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            byte => out.push(byte),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: &str = r#"{
  "as_of": "2027-02-10",
  "cycle": "2027-Q1",
  "objectives": [
    {
      "id": "O-1",
      "progress": 0.5,
      "status": "on-track",
      "key_results": [
        { "id": "KR-1", "metric": "m", "evidence": [ { "kind": "app", "id": "a<b>&c" }, { "kind": "app", "id": "d" }, { "kind": "threat", "id": "T\u00e9" } ] },
        { "id": "KR-2", "metric": "m", "evidence": [] }
      ]
    },
    { "id": "O-\u0032", "progress": null, "status": "no-data", "key_results": [ { "id": "KR-1", "metric": "m", "evidence": [ { "kind": "other" } ] } ] }
  ]
}"#;

    #[test]
    fn the_text_is_the_same_contract_escaped() {
        let measurement = MeasurementText::new(CONTRACT.as_bytes()).unwrap();
        let text = std::str::from_utf8(&measurement.text()).unwrap().to_owned();
        assert!(!text.contains(['<', '>', '&']), "{text}");
        assert!(text.contains(r"a\u003cb\u003e\u0026c"));
        let original: Value = serde_json::from_str(CONTRACT).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), original);
        // Each objective's entry is the contract's entry, ids with escapes included.
        let second: Value = serde_json::from_slice(&measurement.objective("O-2").unwrap()).unwrap();
        assert_eq!(second, original["objectives"][1]);
        assert!(measurement.objective("O-3").is_none());
    }

    #[test]
    fn a_key_results_evidence_is_read_a_page_at_a_time() {
        let measurement = MeasurementText::new(CONTRACT.as_bytes()).unwrap();
        assert_eq!(measurement.evidence_len("KR-1"), 3);
        assert_eq!(measurement.evidence_len("KR-2"), 0);
        assert_eq!(measurement.evidence_len("KR-9"), 0);
        let all = measurement.evidence("KR-1", 0, 10);
        assert_eq!(all[0]["id"], "a<b>&c");
        assert_eq!(all[2]["id"], "Té");
        assert_eq!(measurement.evidence("KR-1", 1, 1), [all[1].clone()]);
        assert!(measurement.evidence("KR-1", 3, 10).is_empty());
    }

    #[test]
    fn text_that_is_not_the_contract_is_refused() {
        for text in [
            "",
            "[]",
            "{\"objectives\": {}}",
            "{\"objectives\": [{\"id\": 1}]}",
            "{\"objectives\": [ }",
        ] {
            assert!(MeasurementText::new(text.as_bytes()).is_err(), "{text}");
        }
    }
}
