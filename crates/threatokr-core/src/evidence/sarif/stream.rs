//! Streaming SARIF: serde visitors over a byte stream that build small spanned trees of only the
//! parts a finding needs (one result at a time, the rules and artifacts of the current run) and
//! hand each result to the reader as it passes, so memory is bounded by the largest result.
//!
//! Positions come from a counting reader: serde_json reads one byte at a time, so the number of
//! bytes handed over when a visitor is called says where the value ends (and, for objects and
//! lists, where they start). Diagnostics keep exact byte spans without the file held in memory.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt::{self, Write as _};
use std::io::{self, Read};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Reader;
use super::positioned::{Chunks, Positioned, string_special};
use crate::diag::{Diagnostic, FileId, Span};
use crate::syntax::{Key, Node, Value, duplicate_key};

/// A reader that counts the bytes it hands over and skips a UTF-8 byte order mark (counted,
/// so positions stay byte offsets in the file).
pub(super) struct Counted<'p, R> {
    inner: R,
    buffer: Box<[u8]>,
    start: usize,
    end: usize,
    position: &'p Cell<u64>,
    first_fill: bool,
}

impl<'p, R: Read> Counted<'p, R> {
    pub(super) fn new(inner: R, position: &'p Cell<u64>) -> Self {
        Self {
            inner,
            buffer: vec![0; 64 << 10].into_boxed_slice(),
            start: 0,
            end: 0,
            position,
            first_fill: true,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        self.start = 0;
        self.end = loop {
            match self.inner.read(&mut self.buffer) {
                Ok(n) => break n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        };
        if std::mem::take(&mut self.first_fill) {
            // Short reads could split the mark; a file that starts with a partial mark is not JSON anyway.
            if self.buffer[..self.end].starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.start = 3;
                self.position.set(3);
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end {
            self.fill()?;
        }
        // serde_json reads one byte at a time: no slice copy (a call to memmove) for that.
        if let ([one], true) = (&mut *out, self.start < self.end) {
            *one = self.buffer[self.start];
            self.start += 1;
            self.position.set(self.position.get() + 1);
            return Ok(1);
        }
        let n = out.len().min(self.end - self.start);
        out[..n].copy_from_slice(&self.buffer[self.start..self.start + n]);
        self.start += n;
        self.position.set(self.position.get() + n as u64);
        Ok(n)
    }
}

/// What the visitors share: where the stream is, the file, and diagnostics met while building trees.
#[derive(Clone, Copy)]
pub(super) struct Stream<'a> {
    pub(super) position: &'a Cell<u64>,
    /// Where the string being visited started, when the deserializer says (`Positioned` does;
    /// serde_json does not, and then its length is measured).
    pub(super) string_start: &'a Cell<Option<u64>>,
    pub(super) file: FileId,
    pub(super) diagnostics: &'a RefCell<Vec<Diagnostic>>,
    /// The lists and texts of results already read, for the next results' trees.
    pub(super) spare: &'a RefCell<Spare>,
}

/// The allocations of results already read, handed to the trees of the next ones: a result's
/// tree is a dozen lists and texts, and allocating and freeing each of them for every result
/// was a tenth of reading a Semgrep log (issue 12). A few are kept, of bounded sizes, so that
/// one large result does not hold its memory to the end of the log.
#[derive(Default)]
pub(super) struct Spare {
    maps: Vec<Vec<(Key, Node)>>,
    seqs: Vec<Vec<Node>>,
    texts: Vec<String>,
}

impl Spare {
    /// How many of each kind are kept (a result's tree has about a dozen lists and texts).
    const KEPT: usize = 64;
    /// The largest list (in items) and text (in bytes) kept.
    const LARGEST: usize = 64;
    const LONGEST: usize = 4 << 10;

    fn map(&mut self) -> Vec<(Key, Node)> {
        self.maps.pop().unwrap_or_default()
    }

    fn seq(&mut self) -> Vec<Node> {
        self.seqs.pop().unwrap_or_default()
    }

    fn text(&mut self, text: &str) -> String {
        match self.texts.pop() {
            Some(mut spare) => {
                spare.push_str(text);
                spare
            }
            None => text.to_owned(),
        }
    }

    /// Takes back the lists and texts of a tree that has been read.
    pub(super) fn give_back(&mut self, node: Node) {
        match node.value {
            Value::Map(mut entries) => {
                for (_, value) in entries.drain(..) {
                    self.give_back(value);
                }
                if self.maps.len() < Self::KEPT && entries.capacity() <= Self::LARGEST {
                    self.maps.push(entries);
                }
            }
            Value::Seq(mut items) => {
                for item in items.drain(..) {
                    self.give_back(item);
                }
                if self.seqs.len() < Self::KEPT && items.capacity() <= Self::LARGEST {
                    self.seqs.push(items);
                }
            }
            Value::Str(mut text) | Value::Number { mut text, .. } => {
                if self.texts.len() < Self::KEPT && text.capacity() <= Self::LONGEST {
                    text.clear();
                    self.texts.push(text);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
}

impl Stream<'_> {
    fn at(&self) -> usize {
        usize::try_from(self.position.get()).unwrap_or(usize::MAX)
    }

    /// The length `text`, a string just visited, has in the file, quotes included, as
    /// `written_len` gives it. When the deserializer says where the string started and it
    /// took no more bytes than its text and quotes, it had no escape: then its text is not
    /// scanned again (a twentieth of reading a Semgrep log). A string with escapes keeps the
    /// length of its shortest escapes, so that both readers give every span alike.
    fn string_len(&self, text: &[u8]) -> usize {
        let unescaped = text.len() + 2;
        match self.string_start.take() {
            Some(start) if self.position.get() - start == unescaped as u64 => unescaped,
            _ => written_len(text),
        }
    }
}

/// Which parts of a value to keep: everything, only some keys of an object (each with its own
/// shape), each item of a list with a shape, or only a list's first item.
#[derive(Clone, Copy)]
pub(super) enum Shape {
    All,
    Keys(&'static [(&'static str, Self)]),
    Each(&'static Self),
    First(&'static Self),
}

/// The parts of a result that the reader reads (see the module docs of `sarif`). The keys every
/// producer writes come first: each key of a result is looked up in this list.
pub(super) const RESULT: Shape = Shape::Keys(&[
    ("ruleId", Shape::All),
    ("message", Shape::All),
    (
        "locations",
        Shape::First(&Shape::Keys(&[(
            "physicalLocation",
            Shape::Keys(&[
                // Not its `uriBaseId`, which every location of some tools repeats.
                ("artifactLocation", Shape::Keys(&[("uri", Shape::All), ("index", Shape::All)])),
                ("region", Shape::Keys(&[("startLine", Shape::All), ("snippet", Shape::All)])),
            ]),
        )])),
    ),
    ("properties", Shape::All),
    ("level", Shape::All),
    ("fingerprints", Shape::All),
    ("partialFingerprints", Shape::All),
    ("ruleIndex", Shape::All),
    ("rule", Shape::All),
    ("kind", Shape::All),
    ("suppressions", Shape::All),
    ("baselineState", Shape::All),
    ("taxa", Shape::All),
]);

/// The parts of a rule the reader reads: not its help text, which is most of a rule's bytes.
const RULE: Shape = Shape::Keys(&[
    ("id", Shape::All),
    ("name", Shape::All),
    ("shortDescription", Shape::All),
    ("defaultConfiguration", Shape::All),
    ("properties", Shape::All),
    ("relationships", Shape::All),
    ("messageStrings", Shape::All),
]);

const COMPONENT: Shape = Shape::Keys(&[("name", Shape::All), ("rules", Shape::Each(&RULE))]);

/// A run's `tool`: the driver and the extensions with their rules.
pub(super) const TOOL: Shape =
    Shape::Keys(&[("driver", COMPONENT), ("extensions", Shape::Each(&COMPONENT))]);

/// A run's `artifacts`: only their URIs.
pub(super) const ARTIFACTS: Shape =
    Shape::Each(&Shape::Keys(&[("location", Shape::Keys(&[("uri", Shape::All)]))]));

/// A seed that is its own visitor: it deserializes whatever value comes.
macro_rules! seed_is_its_visitor {
    ($seed:ident<$($lifetime:lifetime),*>) => {
        impl<'de> DeserializeSeed<'de> for $seed<$($lifetime),*> {
            type Value = <Self as Visitor<'de>>::Value;

            fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
                deserializer.deserialize_any(self)
            }
        }
    };
}

/// A run's `invocations`: whether each ran to the end, and the text of its notifications.
const INVOCATIONS: Shape = Shape::Each(&Shape::Keys(&[
    ("executionSuccessful", Shape::All),
    ("toolExecutionNotifications", Shape::Each(&Shape::Keys(&[("message", Shape::All)]))),
]));

/// A run's `versionControlProvenance`: the repositories.
const PROVENANCE: Shape = Shape::Each(&Shape::Keys(&[("repositoryUri", Shape::All)]));

/// Builds a spanned `Node` of the parts `shape` keeps.
#[derive(Clone, Copy)]
pub(super) struct NodeSeed<'a> {
    pub(super) stream: Stream<'a>,
    pub(super) shape: Shape,
}

seed_is_its_visitor!(NodeSeed<'_>);

/// The length a string had in the file, assuming the shortest escapes (what producers write):
/// its bytes and quotes, one more for each byte written as a two-character escape and five more
/// for each written as `\u00XX`. The bytes that need an escape are the ones `string_special`
/// finds, so only they are looked at (a Semgrep log's snippets end in a line break, and going
/// over each of their bytes was a fortieth of reading it).
fn written_len(text: &[u8]) -> usize {
    let mut len = text.len() + 2;
    let mut rest = text;
    while let Some(at) = string_special(rest) {
        len += match rest[at] {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
            _ => 5,
        };
        rest = &rest[at + 1..];
    }
    len
}

impl NodeSeed<'_> {
    /// A scalar that ended where the stream is now (`peeked` when serde read one byte past it).
    fn scalar(&self, value: Value, written: usize, peeked: bool) -> Node {
        let end = self.stream.at() - usize::from(peeked);
        Node { value, span: Span::new(end.saturating_sub(written), end) }
    }

    /// A number as `write` writes it, in a spare text.
    fn number(&self, value: f64, write: impl FnOnce(&mut String) -> fmt::Result) -> Node {
        let mut text = self.stream.spare.borrow_mut().text("");
        // Writing to a `String` cannot fail.
        let _ = write(&mut text);
        let written = text.len();
        self.scalar(Value::Number { value, text }, written, true)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(self.scalar(Value::Bool(v), if v { 4 } else { 5 }, false))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Node, E> {
        Ok(self.scalar(Value::Null, 4, false))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(self.number(v as f64, |text| write!(text, "{v}")))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(self.number(v as f64, |text| write!(text, "{v}")))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Node, E> {
        // Debug keeps the `.0` of a whole number, as most producers write it.
        Ok(self.number(v, |text| write!(text, "{v:?}")))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Node, E> {
        let text = self.stream.spare.borrow_mut().text(v);
        Ok(self.scalar(Value::Str(text), self.stream.string_len(v.as_bytes()), false))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Node, E> {
        let written = self.stream.string_len(v.as_bytes());
        Ok(self.scalar(Value::Str(v), written, false))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let start = self.stream.at() - 1;
        let mut items = self.stream.spare.borrow_mut().seq();
        match self.shape {
            Shape::First(item) => {
                if let Some(first) = seq.next_element_seed(Self { shape: *item, ..self })? {
                    items.push(first);
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {}
            }
            Shape::Each(item) => {
                while let Some(node) = seq.next_element_seed(Self { shape: *item, ..self })? {
                    items.push(node);
                }
            }
            Shape::All | Shape::Keys(_) => {
                while let Some(node) = seq.next_element_seed(Self { shape: Shape::All, ..self })? {
                    items.push(node);
                }
            }
        }
        Ok(Node { value: Value::Seq(items), span: Span::new(start, self.stream.at()) })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let start = self.stream.at() - 1;
        let wanted = match self.shape {
            Shape::Keys(keys) => Some(keys),
            Shape::All | Shape::Each(_) | Shape::First(_) => None,
        };
        // A spare list, or room for every wanted key at once (a result has most of them): one
        // allocation instead of a growth at the fifth and ninth; none for an empty object.
        let mut entries = self.stream.spare.borrow_mut().map();
        // The wanted keys met so far, by their place in `wanted`: a repeated key is found without
        // comparing texts (comparing each key with those before it was a fiftieth of reading a
        // Semgrep log, issue 12).
        let mut met = 0u64;
        while let Some(key) = map.next_key_seed(KeySeed { stream: self.stream, wanted })? {
            let Some((key, shape, place)) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let value = map.next_value_seed(Self { shape, ..self })?;
            let repeated = match place {
                Some(place) => {
                    let bit = 1 << place;
                    let repeated = met & bit != 0;
                    met |= bit;
                    repeated
                }
                None => entries.iter().any(|(k, _)| k.text == key.text),
            };
            if repeated {
                if let Some((first, _)) = entries.iter().find(|(k, _)| k.text == key.text) {
                    let diagnostic = duplicate_key(self.stream.file, &key, first.span);
                    self.stream.diagnostics.borrow_mut().push(diagnostic);
                }
            } else {
                if entries.capacity() == 0 {
                    entries.reserve_exact(wanted.map_or(4, <[_]>::len));
                }
                entries.push((key, value));
            }
        }
        Ok(Node { value: Value::Map(entries), span: Span::new(start, self.stream.at()) })
    }
}

/// A key of an object: `None` when the shape skips it (then no text is copied), else the key
/// with its span, the shape of its value and, for a wanted key, its place among them. Keys are matched as bytes, so a skipped key is
/// only checked to be UTF-8 (and not even that when it is ASCII), and a key SARIF defines is
/// borrowed from `known_key` rather than copied (issue 12).
#[derive(Clone, Copy)]
struct KeySeed<'a> {
    stream: Stream<'a>,
    wanted: Option<&'static [(&'static str, Shape)]>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = <Self as Visitor<'de>>::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        // `Positioned` hands an identifier's bytes over without checking them (`visit_bytes`);
        // serde_json hands over text.
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<(Key, Shape, Option<u32>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.visit_bytes(v.as_bytes())
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        let (text, shape, place) = match self.wanted {
            None => match known_key(v) {
                Some(name) => (Cow::Borrowed(name), Shape::All, None),
                None => match std::str::from_utf8(v) {
                    Ok(text) => (Cow::Owned(text.to_owned()), Shape::All, None),
                    Err(_) => return Err(E::custom(INVALID_UNICODE)),
                },
            },
            Some(keys) => match keys.iter().position(|(k, _)| same_key(k.as_bytes(), v)) {
                // No shape lists more than 64 keys (`place` is a bit of a `u64`).
                Some(place) => (Cow::Borrowed(keys[place].0), keys[place].1, Some(place as u32)),
                // Skipped, but still checked, as serde_json checks every key it reads.
                None if v.is_ascii() || std::str::from_utf8(v).is_ok() => return Ok(None),
                None => return Err(E::custom(INVALID_UNICODE)),
            },
        };
        let end = self.stream.at();
        Ok(Some((
            Key { span: Span::new(end - self.stream.string_len(v), end), text },
            shape,
            place,
        )))
    }
}

/// Whether two keys are the same bytes, compared in place for keys of up to 16 bytes (a call to
/// `memcmp` for each key matched was a fiftieth of reading a Semgrep log, issue 12).
#[inline]
fn same_key(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // Two overlapping words from each end cover every byte.
    fn ends<const N: usize>(text: &[u8]) -> Option<(&[u8; N], &[u8; N])> {
        Some((text.first_chunk()?, text.last_chunk()?))
    }
    match a.len() {
        0..4 => a == b,
        4..8 => ends::<4>(a) == ends::<4>(b),
        8..=16 => ends::<8>(a) == ends::<8>(b),
        _ => a == b,
    }
}

/// serde_json's message for a string that is not UTF-8.
const INVALID_UNICODE: &str = "invalid unicode code point";

/// The keys SARIF defines inside the parts of a result and a rule that are kept whole (the
/// property names CodeQL, Semgrep, Snyk and Bandit write there too), as `'static` text, so
/// that reading them copies nothing.
fn known_key(key: &[u8]) -> Option<&'static str> {
    // Looked up in order: the keys of every result's message, snippet and fingerprints first.
    const KNOWN: &[&str] = &[
        "text",
        "matchBasedId/v1",
        "primaryLocationLineHash",
        "id",
        "index",
        "markdown",
        "arguments",
        "uri",
        "uriBaseId",
        "startLine",
        "startColumn",
        "endLine",
        "endColumn",
        "charOffset",
        "charLength",
        "snippet",
        "status",
        "kind",
        "guid",
        "justification",
        "location",
        "toolComponent",
        "name",
        "level",
        "enabled",
        "rank",
        "tags",
        "precision",
        "security-severity",
        "problem.severity",
        "sub-severity",
        "cwe",
        "cwes",
        "issue_severity",
        "issue_confidence",
        "target",
        "kinds",
        "properties",
        "primaryLocationStartColumnFingerprint",
    ];
    KNOWN.iter().find(|name| same_key(name.as_bytes(), key)).copied()
}

/// Consumes an object where something else was expected and returns it as an empty mapping with its span.
fn skip_map<'de, A: MapAccess<'de>>(stream: Stream<'_>, mut map: A) -> Result<Node, A::Error> {
    let start = stream.at() - 1;
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(Node { value: Value::Map(Vec::new()), span: Span::new(start, stream.at()) })
}

/// Consumes a list where something else was expected and returns it as an empty list with its span.
fn skip_seq<'de, A: SeqAccess<'de>>(stream: Stream<'_>, mut seq: A) -> Result<Node, A::Error> {
    let start = stream.at() - 1;
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(Node { value: Value::Seq(Vec::new()), span: Span::new(start, stream.at()) })
}

/// The scalar `visit_*` methods of a visitor whose value is `Result<T, Node>`: a scalar is never
/// what it expects, so it comes back as `Err(node)` for the caller to report.
macro_rules! scalars_are_unexpected {
    () => {
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            NodeSeed { stream: self.stream, shape: Shape::All }.visit_bool(v).map(Err)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            NodeSeed { stream: self.stream, shape: Shape::All }.visit_unit().map(Err)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            NodeSeed { stream: self.stream, shape: Shape::All }.visit_u64(v).map(Err)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            NodeSeed { stream: self.stream, shape: Shape::All }.visit_i64(v).map(Err)
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            NodeSeed { stream: self.stream, shape: Shape::All }.visit_f64(v).map(Err)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            NodeSeed { stream: self.stream, shape: Shape::All }.visit_str(v).map(Err)
        }
    };
}

/// What the top level of the log said: the `version` node, whether `runs` was a list (else the
/// node to point at), and the span of the whole log.
pub(super) struct LogOutline {
    pub(super) version: Option<Node>,
    pub(super) runs: Result<(), Option<Node>>,
    pub(super) span: Span,
}

/// The whole log: reads `version`, streams `runs`, skips everything else.
pub(super) struct LogSeed<'a, 'r> {
    pub(super) stream: Stream<'a>,
    pub(super) reader: &'r mut Reader,
}

seed_is_its_visitor!(LogSeed<'_, '_>);

impl<'de> Visitor<'de> for LogSeed<'_, '_> {
    type Value = Result<LogOutline, Node>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SARIF log")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let start = self.stream.at() - 1;
        let mut version = None;
        let mut runs = Err(None);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "version" if version.is_none() => {
                    let seed = NodeSeed { stream: self.stream, shape: Shape::All };
                    version = Some(map.next_value_seed(seed)?);
                }
                "runs" if matches!(runs, Err(None)) => {
                    let seed = RunsSeed { stream: self.stream, reader: &mut *self.reader };
                    runs = map.next_value_seed(seed)?.map_err(Some);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Ok(LogOutline { version, runs, span: Span::new(start, self.stream.at()) }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(self.stream, seq).map(Err)
    }

    scalars_are_unexpected!();
}

/// `runs`: each run as it passes. `Err(node)` when it is not a list.
struct RunsSeed<'a, 'r> {
    stream: Stream<'a>,
    reader: &'r mut Reader,
}

seed_is_its_visitor!(RunsSeed<'_, '_>);

impl<'de> Visitor<'de> for RunsSeed<'_, '_> {
    type Value = Result<(), Node>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of runs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        loop {
            let seed = RunSeed { stream: self.stream, reader: &mut *self.reader };
            match seq.next_element_seed(seed)? {
                None => return Ok(Ok(())),
                Some(Ok(())) => {}
                Some(Err(run)) => self.reader.unreadable(
                    run.span,
                    format!("a run must be an object, found {}", run.value.kind_name()),
                ),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(self.stream, map).map(Err)
    }

    scalars_are_unexpected!();
}

/// One run: its tool and artifacts as small trees, its results streamed through the reader.
struct RunSeed<'a, 'r> {
    stream: Stream<'a>,
    reader: &'r mut Reader,
}

seed_is_its_visitor!(RunSeed<'_, '_>);

impl<'de> Visitor<'de> for RunSeed<'_, '_> {
    type Value = Result<(), Node>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a run")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let start = self.stream.at() - 1;
        let mut run = RunParts::default();
        let first_draft = self.reader.drafts.len();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let shape = match &*key {
                "tool" if !run.tool_seen => TOOL,
                "artifacts" if run.artifacts.is_none() => ARTIFACTS,
                "invocations" if run.invocations.is_none() => INVOCATIONS,
                "versionControlProvenance" if run.provenance.is_none() => PROVENANCE,
                "results" if !run.results_seen => {
                    run.results_seen = true;
                    let seed = ResultsSeed {
                        stream: self.stream,
                        reader: &mut *self.reader,
                        run: &mut run,
                    };
                    let results = map.next_value_seed(seed)?;
                    if let Err(results) = &results
                        && results.is_null()
                    {
                        run.null_results = Some(results.span);
                    } else if let Err(results) = results {
                        self.reader.unreadable(
                            results.span,
                            format!(
                                "`results` must be a list, found {}",
                                results.value.kind_name()
                            ),
                        );
                    }
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let node = map.next_value_seed(NodeSeed { stream: self.stream, shape })?;
            match &*key {
                "tool" => {
                    run.tool = Some(node);
                    run.tool_seen = true;
                }
                "artifacts" => run.artifacts = Some(node),
                "invocations" => run.invocations = Some(node),
                _ => run.provenance = Some(node),
            }
        }
        let span = Span::new(start, self.stream.at());
        super::finish_run(self.reader, run, span, first_draft);
        Ok(Ok(()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(self.stream, seq).map(Err)
    }

    scalars_are_unexpected!();
}

/// What a run has shown so far.
#[derive(Default)]
pub(super) struct RunParts {
    /// The run's `tool` until its rules are indexed into `context`.
    pub(super) tool: Option<Node>,
    pub(super) tool_seen: bool,
    pub(super) artifacts: Option<Node>,
    pub(super) results_seen: bool,
    /// The span of `"results": null`, which SARIF reserves for a tool that computed no results.
    pub(super) null_results: Option<Span>,
    /// `invocations`: whether the tool ran to the end, and its error notifications.
    pub(super) invocations: Option<Node>,
    /// `versionControlProvenance`: the repositories scanned.
    pub(super) provenance: Option<Node>,
    /// Results met before the run's `tool`: they need its rules, so they wait for the run's end.
    pub(super) waiting: Vec<Node>,
    /// The run's tool and rules, once `tool` was seen and a result needed them.
    pub(super) context: Option<super::RunContext>,
    /// What each of the run's rules gives every result of it, worked out once.
    pub(super) rule_facts: super::RuleFacts,
}

impl RunParts {
    /// Results can be read as they pass once the run's tool and its driver are known (a run
    /// without a driver is warned about at its own span, which is known only at its end).
    fn can_read_results(&self) -> bool {
        self.context.is_some() || self.tool.as_ref().is_some_and(|t| t.get("driver").is_some())
    }
}

/// `results`: each result is read as it passes. `Err(node)` when it is not a list.
struct ResultsSeed<'a, 'r> {
    stream: Stream<'a>,
    reader: &'r mut Reader,
    run: &'r mut RunParts,
}

seed_is_its_visitor!(ResultsSeed<'_, '_>);

impl<'de> Visitor<'de> for ResultsSeed<'_, '_> {
    type Value = Result<(), Node>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of results")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while let Some(result) =
            seq.next_element_seed(NodeSeed { stream: self.stream, shape: RESULT })?
        {
            if self.run.can_read_results() {
                super::read_one_result(self.reader, self.run, &result);
                self.stream.spare.borrow_mut().give_back(result);
            } else {
                self.run.waiting.push(result);
            }
        }
        Ok(Ok(()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(self.stream, map).map(Err)
    }

    scalars_are_unexpected!();
}

/// Reads a whole log from `input`: `Ok(outline)`, or a JSON error (syntax, or the input failing).
/// [`Parser::Exact`] reads through serde_json's own reader, whose syntax errors are the
/// reference; [`Parser::Chunked`] through `Positioned`, which is several times faster and gives
/// the same spans.
pub(super) fn read_log<C: Chunks, R: Read>(
    input: Parser<C, R>,
    file: FileId,
    reader: &mut Reader,
    diagnostics: &RefCell<Vec<Diagnostic>>,
) -> Result<LogOutline, (serde_json::Error, u64)> {
    let (position, string_start) = (Cell::new(0), Cell::new(None));
    let spare = RefCell::default();
    let stream = Stream {
        position: &position,
        string_start: &string_start,
        file,
        diagnostics,
        spare: &spare,
    };
    match input {
        Parser::Chunked(chunks) => {
            read_whole(Positioned::new(chunks, &position, &string_start), stream, reader)
        }
        Parser::Exact(bytes) => {
            let counted = Counted::new(bytes, &position);
            read_whole(serde_json::Deserializer::from_reader(counted), stream, reader)
        }
    }
}

/// Which parser reads a log: `Positioned` over chunks, or serde_json's own reader (slower; its
/// syntax error messages are the reference).
pub(super) enum Parser<C, R> {
    Chunked(C),
    Exact(R),
}

/// A deserializer that can say whether only whitespace follows the value it read.
trait WholeInput {
    fn end(&mut self) -> serde_json::Result<()>;
}

impl<C: Chunks> WholeInput for Positioned<'_, C> {
    fn end(&mut self) -> serde_json::Result<()> {
        Positioned::end(self)
    }
}

impl<R: serde_json::de::Read<'static>> WholeInput for serde_json::Deserializer<R> {
    fn end(&mut self) -> serde_json::Result<()> {
        Self::end(self)
    }
}

/// The log `deserializer` reads, which must be the whole input. A log that is not an object has
/// no `runs`: it is reported as not SARIF, at the value.
fn read_whole<D>(
    mut deserializer: D,
    stream: Stream<'_>,
    reader: &mut Reader,
) -> Result<LogOutline, (serde_json::Error, u64)>
where
    D: WholeInput,
    for<'d> &'d mut D: Deserializer<'static, Error = serde_json::Error>,
{
    let outline = LogSeed { stream, reader }
        .deserialize(&mut deserializer)
        .and_then(|outline| deserializer.end().map(|()| outline))
        .map_err(|error| (error, stream.position.get()))?;
    Ok(outline.unwrap_or_else(|node| LogOutline {
        version: None,
        runs: Err(None),
        span: node.span,
    }))
}

#[cfg(test)]
mod tests {
    use super::same_key;
    use proptest::prelude::*;

    proptest! {
        /// The length with the shortest escapes, against a byte-by-byte count, on bytes drawn
        /// mostly from those that need an escape.
        #[test]
        fn written_len_counts_each_escape(text in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), Just(b'\n'), Just(0x01u8), Just(0x0c), Just(b'a'), any::<u8>()], 0..40)) {
            let by_byte = 2 + text
                .iter()
                .map(|b| match b {
                    b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
                    0..0x20 => 6,
                    _ => 1,
                })
                .sum::<usize>();
            prop_assert_eq!(super::written_len(&text), by_byte);
        }

        /// Keys of every length up to past 16 bytes, most pairs of one length and differing in
        /// one byte, where a comparison of the ends alone could be fooled.
        #[test]
        fn same_key_is_byte_equality(a in proptest::collection::vec(any::<u8>(), 0..24), at in any::<prop::sample::Index>(), flip in 1u8..) {
            let mut b = a.clone();
            prop_assert!(same_key(&a, &b));
            if !b.is_empty() {
                let i = at.index(b.len());
                b[i] ^= flip;
                prop_assert!(!same_key(&a, &b), "{a:?} against {b:?}");
            }
            prop_assert_eq!(same_key(&a, &a[..a.len() / 2]), a.is_empty());
        }
    }
}
