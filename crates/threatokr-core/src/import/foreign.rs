//! What the seven foreign importers share: one reader of a foreign file's fields that reports
//! as it goes, one pool of unique ids with its diagnostics, and the small translations every
//! format needs (one-line names, STRIDE names, a threat with nothing known yet).
//!
//! Foreign files are read leniently: absent and `null` values are skipped (foreign tools write
//! both), and a wrong kind is either skipped (the free functions) or reported (the `Reader`
//! methods); it is never a reason to stop.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use super::ImportInput;
use crate::diag::{Code, Diagnostic, FileId, Span};
use crate::model::{
    ElementId, Origin, SourceFormat, Stride, Threat, ThreatId, ThreatModel, TrustBoundary,
};
use crate::syntax::{Key, Node, Value};

/// What an importer of a JSON or YAML format returns when it is given no parsed tree (an XML
/// file forced to its format): the empty model, with `refusal` as the one diagnostic when the
/// format says why.
pub(in crate::import) fn without_tree(
    input: &ImportInput<'_>,
    format: SourceFormat,
    refusal: Option<&str>,
) -> (ThreatModel, Vec<Diagnostic>) {
    let diagnostics = refusal
        .map(|why| Diagnostic::new(Code::UnrecognizedFormat, input.file, Span::new(0, 0), why))
        .into_iter()
        .collect();
    (super::empty_model(input, format), diagnostics)
}

/// Collects what went wrong in one file, and reads fields reporting values of the wrong kind.
pub(in crate::import) struct Reader {
    /// The file being read.
    pub(in crate::import) file: FileId,
    /// What went wrong so far.
    pub(in crate::import) diagnostics: Vec<Diagnostic>,
}

impl Reader {
    /// A reader of `file` with nothing reported yet.
    pub(in crate::import) fn new(file: FileId) -> Self {
        Self { file, diagnostics: Vec::new() }
    }

    /// Reports a problem at `span`.
    pub(in crate::import) fn push(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(code, self.file, span, message));
    }

    /// Reports a problem at `span` with a hint on what the format allows.
    pub(in crate::import) fn push_with_help(
        &mut self,
        code: Code,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics.push(Diagnostic::new(code, self.file, span, message).with_help(help));
    }

    /// Where something was read in this file.
    pub(in crate::import) fn origin(&self, span: Span) -> Origin {
        Origin { file: self.file, span }
    }

    /// The list under `key`; absent or `null` is an empty list, another kind is reported.
    pub(in crate::import) fn list<'n>(&mut self, parent: &'n Node, key: &str) -> &'n [Node] {
        let Some(node) = present(parent, key) else { return &[] };
        match &node.value {
            Value::Seq(items) => items,
            other => {
                let message = format!("`{key}` should be a list, found {}", other.kind_name());
                self.push(Code::WrongType, node.span, message);
                &[]
            }
        }
    }

    /// The text of the scalar under `key` (numbers as written); absent, `null` and empty text
    /// are `None`, a list or mapping is reported.
    pub(in crate::import) fn text(&mut self, parent: &Node, key: &str) -> Option<String> {
        let node = present(parent, key)?;
        if let Value::Seq(_) | Value::Map(_) = &node.value {
            let message = format!("`{key}` should be text, found {}", node.value.kind_name());
            self.push(Code::WrongType, node.span, message);
            return None;
        }
        trimmed(node).map(str::to_owned)
    }

    /// The mapping under `key`, or `None` (a non-mapping value is reported).
    pub(in crate::import) fn map<'n>(&mut self, parent: &'n Node, key: &str) -> Option<&'n Node> {
        let node = present(parent, key)?;
        match &node.value {
            Value::Map(_) => Some(node),
            other => {
                let message = format!("`{key}` should be a mapping, found {}", other.kind_name());
                self.push(Code::WrongType, node.span, message);
                None
            }
        }
    }

    /// Whether `item` (one item of a list) is a mapping; another kind is reported, naming the
    /// item `what` ("a threat should be a mapping, found a list").
    pub(in crate::import) fn is_mapping(&mut self, item: &Node, what: &str) -> bool {
        let is_mapping = item.as_map().is_some();
        if !is_mapping {
            let message = format!("a {what} should be a mapping, found {}", item.value.kind_name());
            self.push(Code::WrongType, item.span, message);
        }
        is_mapping
    }

    /// The text under `key`, or `None` with a `missing-field` diagnostic on the whole `item`
    /// (worded by `message`) when it is absent or blank.
    pub(in crate::import) fn required<'n>(
        &mut self,
        item: &'n Node,
        key: &str,
        message: impl FnOnce() -> String,
    ) -> Option<&'n str> {
        let found = text(item, key);
        if found.is_none() {
            self.push(Code::MissingField, item.span, message());
        }
        found
    }
}

/// The value under `key` unless it is absent or `null`.
fn present<'n>(parent: &'n Node, key: &str) -> Option<&'n Node> {
    parent.get(key).filter(|node| !node.is_null())
}

/// A scalar's text (numbers as written), trimmed; `None` for other kinds and blank text.
fn trimmed(node: &Node) -> Option<&str> {
    node.scalar_text().map(str::trim).filter(|s| !s.is_empty())
}

/// A scalar field as trimmed text; `None` when absent, null, not a scalar, or blank.
pub(in crate::import) fn text<'n>(node: &'n Node, key: &str) -> Option<&'n str> {
    node.get(key).and_then(trimmed)
}

/// A string field (not a number or a boolean) as trimmed text; `None` when absent, of another
/// kind, or blank.
pub(in crate::import) fn string<'n>(node: &'n Node, key: &str) -> Option<&'n str> {
    node.get(key).and_then(Node::as_str).map(str::trim).filter(|s| !s.is_empty())
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
    items(node, key).iter().filter_map(trimmed).collect()
}

/// The span of the value under `key`, or of `node` itself when there is none (for diagnostics
/// about a field that may be missing).
pub(in crate::import) fn field_span(node: &Node, key: &str) -> Span {
    node.get(key).map_or(node.span, |value| value.span)
}

/// The span of a mapping entry, key included.
pub(in crate::import) fn entry_span(key: &Key, value: &Node) -> Span {
    Span { start: key.span.start, end: value.span.end.max(key.span.end) }
}

/// Hands out ids that are unique within one namespace (threats, controls, elements, ...) of one
/// model, keeping the source's id whenever it is usable. A repeated id gets the first free of
/// `<id><separator>2`, `<id><separator>3`, ... in the order of the calls, so the result is
/// deterministic; finding it takes constant time per claim however often an id repeats.
#[derive(Debug)]
pub(in crate::import) struct IdPool {
    taken: HashSet<String>,
    next_suffix: HashMap<String, usize>,
    separator: char,
}

impl IdPool {
    /// A pool whose suffixes read `#2`, `#3`, ... (Threagile, pytm, TM-BOM and tm7).
    pub(in crate::import) fn hash_suffixed() -> Self {
        Self::with_separator('#')
    }

    /// A pool whose suffixes read `~2`, `~3`, ... (Threat Dragon, whose v1 threat ids already
    /// use `#`, OTM and Threat Composer).
    pub(in crate::import) fn tilde_suffixed() -> Self {
        Self::with_separator('~')
    }

    fn with_separator(separator: char) -> Self {
        Self { taken: HashSet::new(), next_suffix: HashMap::new(), separator }
    }

    /// Claims `wanted` as it is, or with the first free suffix when it is taken. Says whether
    /// the id had to be changed.
    pub(in crate::import) fn claim(&mut self, wanted: &str) -> (String, bool) {
        if self.taken.insert(wanted.to_owned()) {
            return (wanted.to_owned(), false);
        }
        // Every suffix below `next` was handed out before and stays taken, so starting there
        // finds the same first free suffix as starting from 2 would.
        let next = self.next_suffix.entry(wanted.to_owned()).or_insert(2);
        loop {
            let candidate = format!("{wanted}{}{next}", self.separator);
            *next += 1;
            if self.taken.insert(candidate.clone()) {
                return (candidate, true);
            }
        }
    }

    /// Claims a unique id of type `T` for foreign text (cleaned by [`id_text`]), reporting at
    /// `span` text that cannot be an id at all as `invalid-id` (worded by `unusable`; `None`
    /// leaves it out silently) and a repeated id as `duplicate-foreign-id` (worded by `renamed`,
    /// which gets the id given instead).
    pub(in crate::import) fn claim_reported<T: FromStr>(
        &mut self,
        reader: &mut Reader,
        raw: &str,
        span: Span,
        unusable: impl FnOnce() -> Option<String>,
        renamed: impl FnOnce(&str) -> String,
    ) -> Option<T> {
        let claimed = id_text(raw).map(|text| self.claim(&text));
        let Some((id, text, changed)) =
            claimed.and_then(|(text, changed)| Some((text.parse::<T>().ok()?, text, changed)))
        else {
            if let Some(message) = unusable() {
                reader.push(Code::InvalidId, span, message);
            }
            return None;
        };
        if changed {
            reader.push(Code::DuplicateForeignId, span, renamed(&text));
        }
        Some(id)
    }

    /// Claims `wanted`, never refusing it: an invalid id is cleaned (trimmed, control characters
    /// replaced, cut to 190 bytes) and a used one gets a suffix; both are reported as
    /// `replaced-id`. The result always satisfies the id rule.
    pub(in crate::import) fn claim_or_replace(
        &mut self,
        wanted: &str,
        span: Span,
        what: &str,
        reader: &mut Reader,
    ) -> String {
        let usable = if ThreatId::from_str_checked(wanted).is_ok() {
            wanted.to_owned()
        } else {
            replacement_id(wanted)
        };
        let (id, _) = self.claim(&usable);
        if id != wanted {
            reader.push(
                Code::ReplacedId,
                span,
                format!(
                    "the {what} id `{}` is invalid or used twice; it is imported as `{id}`",
                    wanted.escape_debug()
                ),
            );
        }
        id
    }
}

/// Turns foreign text into id text: control characters become spaces, the ends are trimmed, and
/// very long text is cut (ids are at most 200 bytes; room is left for a `#n` suffix).
/// Returns `None` when nothing is left.
pub(in crate::import) fn id_text(raw: &str) -> Option<String> {
    let cleaned: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let text = cut_at_char_boundary(cleaned.trim(), 180).trim_end();
    (!text.is_empty()).then(|| text.to_owned())
}

/// An id for text that is not one, for [`IdPool::claim_or_replace`]: control characters become
/// `_`, and text that is empty after trimming becomes `id`.
fn replacement_id(text: &str) -> String {
    let id: String = text.trim().chars().map(|c| if c.is_control() { '_' } else { c }).collect();
    let id = if id.len() > 190 { cut_at_char_boundary(&id, 190).trim_end() } else { &id };
    if id.is_empty() { "id".to_owned() } else { id.to_owned() }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn cut_at_char_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Parses foreign text as an id of type `T` without claiming it (for references).
pub(in crate::import) fn parse_ref<T: FromStr>(raw: &str) -> Option<T> {
    id_text(raw)?.parse().ok()
}

/// Puts each member `(boundary key, element, span)` into the boundary that `index` finds for
/// its key; a key that finds none is reported at the member's span as a dangling reference,
/// worded by `dangling(element, key)`.
pub(in crate::import) fn place_in_boundaries(
    boundaries: &mut [TrustBoundary],
    index: &HashMap<String, usize>,
    members: Vec<(String, ElementId, Span)>,
    reader: &mut Reader,
    dangling: impl Fn(&ElementId, &str) -> String,
) {
    for (key, element, span) in members {
        match index.get(&key) {
            Some(&at) => boundaries[at].elements.push(element),
            None => reader.push(Code::ForeignDanglingReference, span, dangling(&element, &key)),
        }
    }
}

/// A threat with only its id, title and origin (see `Threat::new`).
pub(in crate::import) fn threat(id: ThreatId, title: String, origin: Origin) -> Threat {
    Threat::new(id, title, origin)
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
    one_line(&out)
}

/// Display names from diagram tools carry the line breaks of their boxes ("Web\nApplication");
/// one line with single spaces reads better in reviews, CSV cells and reports.
pub(in crate::import) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A STRIDE category from its English name as the tools spell it ("Information disclosure",
/// "Denial of Service", "elevation_of_privilege"), or `None` for other categories.
pub(in crate::import) fn stride_from_name(name: &str) -> Option<Stride> {
    let normalized: String = name
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect();
    match one_line(&normalized).as_str() {
        "spoofing" => Some(Stride::Spoofing),
        "tampering" => Some(Stride::Tampering),
        "repudiation" => Some(Stride::Repudiation),
        "information disclosure" => Some(Stride::InformationDisclosure),
        "denial of service" => Some(Stride::DenialOfService),
        "elevation of privilege" | "elevation of privileges" => Some(Stride::ElevationOfPrivilege),
        _ => None,
    }
}

/// Why a parsed file is not a mapping, for detection messages; `None` when it is one.
pub(in crate::import) fn not_a_mapping(node: &Node) -> Option<String> {
    match &node.value {
        Value::Map(_) => None,
        other => Some(format!("the top level is {}, not a mapping", other.kind_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_get_deterministic_suffixes() {
        let mut ids = IdPool::hash_suffixed();
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
