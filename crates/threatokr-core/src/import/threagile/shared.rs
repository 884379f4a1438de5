//! Helpers that the foreign importers of this crate share (Threagile, pytm, TM-BOM, tm7):
//! unique ids, spans of mapping entries and lenient reads of fields.
//!
//! Foreign files are read leniently: a missing or odd field is skipped (with a diagnostic where
//! it matters), never a reason to stop.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use crate::diag::Span;
use crate::syntax::{Key, Node};

/// Hands out ids that are unique within one kind (threats, elements, ...) of one model.
#[derive(Debug, Default)]
pub(in crate::import) struct UniqueIds {
    taken: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl UniqueIds {
    /// Claims `wanted`; when it is taken, the first free of `wanted#2`, `wanted#3`, ... (in the
    /// order of the calls, so the result is deterministic). Says whether the id was changed.
    pub(in crate::import) fn claim(&mut self, wanted: &str) -> (String, bool) {
        if self.taken.insert(wanted.to_owned()) {
            return (wanted.to_owned(), false);
        }
        let next = self.next_suffix.entry(wanted.to_owned()).or_insert(2);
        loop {
            let candidate = format!("{wanted}#{next}");
            *next += 1;
            if self.taken.insert(candidate.clone()) {
                return (candidate, true);
            }
        }
    }
}

/// Turns foreign text into id text: control characters become spaces, the ends are trimmed, and
/// very long text is cut (ids are at most 200 bytes; room is left for a `#n` suffix).
/// Returns `None` when nothing is left.
pub(in crate::import) fn id_text(raw: &str) -> Option<String> {
    let cleaned: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let mut text = cleaned.trim();
    if text.len() > 180 {
        let mut end = 180;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text = text[..end].trim_end();
    }
    (!text.is_empty()).then(|| text.to_owned())
}

/// Claims a unique id of type `T` for foreign text. `None` when the text cannot be an id at all.
/// The flag says whether the id had to be changed to stay unique.
pub(in crate::import) fn claim_id<T: FromStr>(ids: &mut UniqueIds, raw: &str) -> Option<(T, bool)> {
    let text = id_text(raw)?;
    let (claimed, renamed) = ids.claim(&text);
    claimed.parse().ok().map(|id| (id, renamed))
}

/// Parses foreign text as an id of type `T` without claiming it (for references).
pub(in crate::import) fn parse_ref<T: FromStr>(raw: &str) -> Option<T> {
    id_text(raw)?.parse().ok()
}

/// The span of a mapping entry, key included.
pub(in crate::import) fn entry_span(key: &Key, value: &Node) -> Span {
    Span { start: key.span.start, end: value.span.end.max(key.span.end) }
}

/// A scalar field as trimmed text; `None` when absent, null, not a scalar, or blank.
pub(in crate::import) fn text<'n>(node: &'n Node, key: &str) -> Option<&'n str> {
    node.get(key).and_then(Node::scalar_text).map(str::trim).filter(|s| !s.is_empty())
}

/// The entries of a mapping field; empty when absent or not a mapping.
pub(in crate::import) fn entries<'n>(node: &'n Node, key: &str) -> &'n [(Key, Node)] {
    node.get(key).and_then(Node::as_map).unwrap_or(&[])
}

/// The items of a list field; empty when absent or not a list.
pub(in crate::import) fn items<'n>(node: &'n Node, key: &str) -> &'n [Node] {
    node.get(key).and_then(Node::as_seq).unwrap_or(&[])
}

/// The scalar items of a list field, trimmed, blanks left out.
pub(in crate::import) fn texts<'n>(node: &'n Node, key: &str) -> Vec<&'n str> {
    items(node, key)
        .iter()
        .filter_map(Node::scalar_text)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Removes HTML tags (`<b>...</b>`), which Threagile puts into risk titles.
pub(in crate::import) fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_get_deterministic_suffixes() {
        let mut ids = UniqueIds::default();
        assert_eq!(ids.claim("a"), ("a".to_owned(), false));
        assert_eq!(ids.claim("a#2"), ("a#2".to_owned(), false));
        assert_eq!(ids.claim("a"), ("a#3".to_owned(), true));
        assert_eq!(ids.claim("a"), ("a#4".to_owned(), true));
    }

    #[test]
    fn id_text_cleans_control_characters_and_blank_text() {
        assert_eq!(id_text(" x\ty "), Some("x y".to_owned()));
        assert_eq!(id_text(" \n "), None);
        assert!(id_text(&"é".repeat(200)).is_some_and(|s| s.len() <= 180));
    }

    #[test]
    fn strips_html_tags_from_titles() {
        assert_eq!(
            strip_tags("<b>Example Individual Risk</b> at <b>Database</b>"),
            "Example Individual Risk at Database"
        );
    }
}

/// Proptest strategies shared by the importers' tests: documents of the right overall shape
/// with arbitrary values in every place, which reach much deeper into an importer than
/// arbitrary text (which mostly stops at the parser).
#[cfg(test)]
pub(in crate::import) mod strategies {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// Any JSON value whose object keys are mostly taken from `keys`.
    pub(in crate::import) fn json_value(
        keys: &'static [&'static str],
    ) -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            (-1.0e3f64..1.0e3).prop_map(Value::from),
            prop::sample::select(keys).prop_map(|k| Value::String(k.to_owned())),
            "[a-zA-Z0-9 @>*#._:-]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(keys), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    /// A top-level object: each of `top` keys (or not) with an arbitrary value.
    pub(in crate::import) fn json_document(
        top: &'static [&'static str],
        keys: &'static [&'static str],
    ) -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(top), json_value(keys)), 0..10).prop_map(
            |entries| {
                Value::Object(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                    .to_string()
            },
        )
    }

    fn key(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop_oneof![4 => prop::sample::select(keys).prop_map(str::to_owned), 1 => "[a-z_]{1,8}"]
    }
}
