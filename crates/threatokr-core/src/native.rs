//! threatokr's own YAML formats: `threatokr.yaml`, `models/*.tm.yaml` and `okrs/<cycle>.yaml`.
//!
//! Reading is parse (spanned tree) → check against the declared shape → lower into the model.
//! Every problem becomes a diagnostic; whatever is sound is kept.

mod okrs;
pub mod shapes;
mod threat_model;
mod workspace_file;

pub use okrs::{lower_okrs, parse_score_condition};
pub use threat_model::lower_threat_model;
pub use workspace_file::lower_workspace_config;

use crate::decode::{Decoder, MapReader, Shape};
use crate::diag::{Code, Span};
use crate::model::Origin;
use crate::syntax::Node;

/// Reads a required id field, reporting an invalid one. `None` when absent or invalid.
fn id_field<T: std::str::FromStr>(reader: &MapReader<'_>, key: &str) -> Option<T> {
    reader.text(key).and_then(|text| text.parse().ok())
}

fn origin(decoder: &Decoder, node: &Node) -> Origin {
    Origin { file: decoder.file, span: node.span }
}

/// Reports duplicate ids in a list of `(id, span)` pairs, keeping the first of each.
fn report_duplicates<'a>(
    decoder: &mut Decoder,
    what: &str,
    ids: impl IntoIterator<Item = (&'a str, Span)>,
) -> std::collections::HashSet<usize> {
    let mut first: std::collections::HashMap<&str, Span> = std::collections::HashMap::new();
    let mut duplicates = std::collections::HashSet::new();
    for (index, (id, span)) in ids.into_iter().enumerate() {
        if let Some(&first_span) = first.get(id) {
            let file = decoder.file;
            decoder
                .report(Code::DuplicateId, span, format!("the {what} id `{id}` is defined twice"))
                .secondary
                .push(crate::diag::Label {
                    file,
                    span: first_span,
                    message: "first defined here".into(),
                });
            duplicates.insert(index);
        } else {
            first.insert(id, span);
        }
    }
    duplicates
}

/// Lowers each item of a list-of-objects field, skipping the items that are broken.
fn objects<T>(
    decoder: &mut Decoder,
    reader: &MapReader<'_>,
    key: &str,
    shape: &'static Shape,
    mut lower_one: impl FnMut(&mut Decoder, &MapReader<'_>) -> Option<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    for item in reader.items(key) {
        if let Some(item_reader) = decoder.object(item, shape)
            && let Some(value) = lower_one(decoder, &item_reader)
        {
            out.push(value);
        }
    }
    out
}

/// Reports duplicate ids among `items` and keeps the first of each.
fn dedupe<T>(
    decoder: &mut Decoder,
    what: &str,
    items: Vec<T>,
    key: impl Fn(&T) -> (String, Span),
) -> Vec<T> {
    let keys: Vec<(String, Span)> = items.iter().map(&key).collect();
    let duplicates =
        report_duplicates(decoder, what, keys.iter().map(|(id, span)| (id.as_str(), *span)));
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !duplicates.contains(i))
        .map(|(_, item)| item)
        .collect()
}

#[cfg(test)]
mod tests;
