//! Builds the spanned tree from saphyr-parser's YAML events, resolving plain scalars with the
//! YAML 1.2 core schema, expanding aliases only within the node budget, and applying YAML 1.1
//! merge keys (`<<: *base`), which Go's and Python's YAML libraries write.
//!
//! Linear in the input: markers become byte offsets through a cursor that walks forward from the
//! previous event, and duplicate keys are found through a hash of each mapping's keys.

use super::{Budget, Key, Node, Value, too_large};
use crate::diag::{Code, Diagnostic, FileId, Files, SourceFile, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Parses one YAML document. Syntax errors give `None` and a `yaml-syntax` diagnostic with the
/// position; duplicate keys and extra documents are reported and the rest is kept.
pub fn parse_yaml(files: &Files, file: FileId, budget: Budget) -> (Option<Node>, Vec<Diagnostic>) {
    let source = files.get(file);
    if source.text.len() > budget.max_bytes {
        return (None, vec![too_large(file, source.text.len(), budget)]);
    }
    let mut text = std::borrow::Cow::Borrowed(source.text.as_str());
    let mut relaxed: Vec<Span> = Vec::new();
    loop {
        // A marker's character index is its byte offset in the source's own text when that is
        // ASCII without `\r` (which the scanner may count as a line break where line starts do
        // not); a repaired copy is mapped back through lines and columns.
        let indices = source.text.is_ascii()
            && !source.text.contains('\r')
            && matches!(text, std::borrow::Cow::Borrowed(_));
        let mut builder = Builder::new(source, &text, file, budget, indices);
        let outcome = builder.run();
        // libyaml (PyYAML, Ruby, ...) accepts continuation lines of a quoted scalar that are
        // indented less than YAML 1.2 allows, and real files rely on it (the OTM example does):
        // re-indent those lines, which does not change the scalar's value, and say so.
        if outcome.is_err()
            && let Some((line, column)) = builder.quoted_indent_error
            && relaxed.len() < MAX_RELAXED_SCALARS
            && let Some(repaired) = relax_quoted_indentation(&text, line, column)
        {
            let at = source.offset_of(line, column);
            relaxed.push(Span::new(at, at + 1));
            text = std::borrow::Cow::Owned(repaired);
            continue;
        }
        let mut diagnostics = builder.diagnostics;
        diagnostics.extend(relaxed.iter().map(|span| {
            Diagnostic::new(
                Code::YamlLenient,
                file,
                *span,
                "continuation lines of this quoted text are indented less than YAML 1.2 allows",
            )
            .with_help(
                "it was read as libyaml reads it; indent those lines further to silence this",
            )
        }));
        return match outcome {
            Ok(()) => (
                builder.root.or(Some(Node { value: Value::Null, span: Span::new(0, 0) })),
                diagnostics,
            ),
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                (None, diagnostics)
            }
        };
    }
}

/// The byte offset of every marker of the events of `text` (until the first error), found from
/// the marker's index as [`Builder::offset`] does for ASCII text without `\r`, and from its line
/// and column; the test that the two agree.
#[cfg(test)]
pub(super) fn offsets_both_ways(text: &str) -> Vec<(usize, usize)> {
    let mut files = Files::new();
    let file = files.add("t.yaml", text);
    let builder = Builder::new(files.get(file), text, file, Budget::default(), false);
    let mut offsets = Vec::new();
    for event in Parser::new_from_str(text) {
        let Ok((_, span)) = event else { break };
        for marker in [span.start, span.end] {
            offsets.push((marker.index().min(text.len()), builder.offset_by_line(&marker)));
        }
    }
    offsets
}

/// How many under-indented quoted scalars one file may have before we stop repairing.
const MAX_RELAXED_SCALARS: usize = 64;

/// Indents the continuation lines of the quoted scalar that starts at `line` (1-based) and
/// `column` (0-based, in characters) to the column of its opening quote.
fn relax_quoted_indentation(text: &str, line: usize, column: usize) -> Option<String> {
    let line_start =
        text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>();
    let start = line_start + text[line_start..].char_indices().nth(column)?.0;
    let quote = text[start..].chars().next().filter(|c| *c == '\'' || *c == '"')?;
    // Find the closing quote: '' escapes a single quote, a backslash escapes in double quotes.
    let bytes = text.as_bytes();
    let mut end = None;
    let mut i = start + 1;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            ('"', b'\\') => i += 1,
            ('\'', b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 1,
            (_, b) if b == quote as u8 => {
                end = Some(i);
                break;
            }
            _ => {}
        }
        i += 1;
    }
    let end = end?;
    let mut out = String::with_capacity(text.len() + 256);
    out.push_str(&text[..start]);
    let mut changed = false;
    for (index, piece) in text[start..=end].split_inclusive('\n').enumerate() {
        let indent = piece.len() - piece.trim_start_matches(' ').len();
        if index > 0 && indent < column && !piece.trim().is_empty() {
            out.extend(std::iter::repeat_n(' ', column - indent));
            changed = true;
        }
        out.push_str(piece);
    }
    out.push_str(&text[end + 1..]);
    changed.then_some(out)
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
        nodes_before: usize,
    },
    Map {
        entries: Vec<(Key, Node)>,
        /// Each key's text and span, to find a duplicate without scanning the entries, once the
        /// mapping has [`HASHED_FROM`] entries (empty until then: a look along a few entries
        /// costs less than hashing, and most mappings are small).
        seen: HashMap<String, Span>,
        /// The key waiting for its value, and whether it is a merge key (`<<`, plain).
        pending_key: Option<(Key, bool)>,
        /// The mappings named by merge keys, in order: earlier ones win, the mapping's own keys win over all.
        merges: Vec<Node>,
        start: usize,
        anchor: usize,
        nodes_before: usize,
    },
}

/// Where the last marker was turned into a byte offset, so the next one walks from there.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    /// Line, from 1.
    line: usize,
    /// Column in characters, from 0.
    column: usize,
    /// Byte offset of that line and column in the source.
    byte: usize,
}

struct Builder<'a> {
    source: &'a SourceFile,
    /// The text parsed: the source's, or a copy with under-indented quoted scalars repaired.
    text: &'a str,
    /// Where a quoted scalar with under-indented lines starts (line from 1, column from 0).
    quoted_indent_error: Option<(usize, usize)>,
    file: FileId,
    budget: Budget,
    stack: Vec<Frame>,
    /// Anchored nodes with the number of nodes each one holds, to charge alias expansion.
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    diagnostics: Vec<Diagnostic>,
    root: Option<Node>,
    documents: usize,
    cursor: std::cell::Cell<Cursor>,
    /// A marker's character index is its byte offset (see [`parse_yaml`]).
    offsets_are_indices: bool,
    /// The scalar being pushed is a plain `<<`: a merge key when it is in key position.
    merge_key_next: bool,
}

impl<'a> Builder<'a> {
    fn new(
        source: &'a SourceFile,
        text: &'a str,
        file: FileId,
        budget: Budget,
        offsets_are_indices: bool,
    ) -> Self {
        Self {
            source,
            text,
            file,
            budget,
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            diagnostics: Vec::new(),
            root: None,
            documents: 0,
            quoted_indent_error: None,
            cursor: std::cell::Cell::new(Cursor { line: 1, column: 0, byte: 0 }),
            offsets_are_indices,
            merge_key_next: false,
        }
    }

    /// The byte offset of a parser marker. Events arrive in file order, so walking from the
    /// previous marker keeps this linear even when the whole file is one line (a long flow sequence).
    fn offset(&self, marker: &saphyr_parser::Marker) -> usize {
        if self.offsets_are_indices {
            return marker.index().min(self.source.text.len());
        }
        self.offset_by_line(marker)
    }

    /// [`Builder::offset`] from the marker's line and column.
    fn offset_by_line(&self, marker: &saphyr_parser::Marker) -> usize {
        let (line, column) = (marker.line(), marker.col());
        let text = self.source.text.as_str();
        let cursor = self.cursor.get();
        let byte = if line == cursor.line && column >= cursor.column {
            text[cursor.byte..]
                .char_indices()
                .nth(column - cursor.column)
                .map_or(text.len(), |(i, _)| cursor.byte + i)
        } else if line == cursor.line {
            text[..cursor.byte]
                .char_indices()
                .rev()
                .nth(cursor.column - column - 1)
                .map_or(0, |(i, _)| i)
        } else {
            self.source.offset_of(line, column)
        };
        self.cursor.set(Cursor { line, column, byte });
        byte
    }

    fn budget_error(&self, at: usize, message: String) -> Diagnostic {
        Diagnostic::new(Code::InputBudget, self.file, Span::new(at, at + 1), message)
            .with_help("hostile or generated input is refused before it can exhaust memory")
    }

    fn run(&mut self) -> Result<(), Diagnostic> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(event) = parser.next_event() {
            let (event, span) = event.map_err(|e| {
                let at = self.offset(e.marker());
                // The scanner has its own nesting limit; report it as the budget it is.
                if e.info() == "invalid indentation in quoted scalar" {
                    self.quoted_indent_error = Some((e.marker().line(), e.marker().col()));
                }
                let code = if e.info().contains("recursion limit") {
                    Code::InputBudget
                } else {
                    Code::YamlSyntax
                };
                Diagnostic::new(code, self.file, Span::new(at, at + 1), e.info().to_owned())
            })?;
            let start = self.offset(&span.start);
            let end = self.offset(&span.end).max(start);
            match event {
                Event::DocumentStart(_) => {
                    self.documents += 1;
                    if self.documents == 2 {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::YamlSyntax,
                                self.file,
                                Span::new(start, end.max(start + 1)),
                                "a second YAML document; only the first one is read",
                            )
                            .with_help("put each model or OKR set in its own file"),
                        );
                    }
                }
                Event::Scalar(text, style, anchor, _tag) => {
                    self.charge(start, 1)?;
                    if text.len() > self.budget.max_scalar_bytes {
                        return Err(self.budget_error(
                            start,
                            format!("a scalar longer than {} bytes", self.budget.max_scalar_bytes),
                        ));
                    }
                    let merge_key = style == ScalarStyle::Plain && text == "<<";
                    let value = if style == ScalarStyle::Plain {
                        resolve_plain(text)
                    } else {
                        Value::Str(text.into_owned())
                    };
                    let node = Node { value, span: Span::new(start, end) };
                    if anchor > 0 {
                        self.anchors.insert(anchor, (node.clone(), 1));
                    }
                    self.merge_key_next = merge_key;
                    self.push(node);
                }
                Event::Alias(anchor) => {
                    let Some(count) = self.anchors.get(&anchor).map(|(_, count)| *count) else {
                        return Err(Diagnostic::new(
                            Code::YamlSyntax,
                            self.file,
                            Span::new(start, end.max(start + 1)),
                            "an alias to an unknown anchor",
                        ));
                    };
                    // Charge before cloning, so an alias bomb is refused before it allocates.
                    self.charge(start, count)?;
                    let mut node = self.anchors[&anchor].0.clone();
                    node.span = Span::new(start, end);
                    self.push(node);
                }
                Event::SequenceStart(anchor, _) => {
                    self.charge(start, 1)?;
                    self.enter(start)?;
                    self.stack.push(Frame::Seq {
                        items: Vec::new(),
                        start,
                        anchor,
                        nodes_before: self.nodes,
                    });
                }
                Event::MappingStart(anchor, _) => {
                    self.charge(start, 1)?;
                    self.enter(start)?;
                    self.stack.push(Frame::Map {
                        entries: Vec::new(),
                        seen: HashMap::new(),
                        pending_key: None,
                        merges: Vec::new(),
                        start,
                        anchor,
                        nodes_before: self.nodes,
                    });
                }
                Event::SequenceEnd => {
                    if let Some(Frame::Seq { items, start, anchor, nodes_before }) =
                        self.stack.pop()
                    {
                        let node = Node { value: Value::Seq(items), span: Span::new(start, end) };
                        self.finish(node, anchor, nodes_before);
                    }
                }
                Event::MappingEnd => {
                    if let Some(Frame::Map {
                        mut entries,
                        mut seen,
                        merges,
                        start,
                        anchor,
                        nodes_before,
                        ..
                    }) = self.stack.pop()
                    {
                        merge(&mut entries, &mut seen, merges);
                        let node = Node { value: Value::Map(entries), span: Span::new(start, end) };
                        self.finish(node, anchor, nodes_before);
                    }
                }
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
            }
        }
        Ok(())
    }

    fn charge(&mut self, at: usize, count: usize) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(count);
        if self.nodes > self.budget.max_nodes {
            return Err(self.budget_error(
                at,
                format!("more than {} values after expanding aliases", self.budget.max_nodes),
            ));
        }
        Ok(())
    }

    fn enter(&self, at: usize) -> Result<(), Diagnostic> {
        if self.stack.len() >= self.budget.max_depth {
            return Err(self.budget_error(
                at,
                format!("nesting deeper than {} levels", self.budget.max_depth),
            ));
        }
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize, nodes_before: usize) {
        if anchor > 0 {
            // The collection holds itself plus everything charged since it opened.
            let count = self.nodes - nodes_before + 1;
            self.anchors.insert(anchor, (node.clone(), count));
        }
        self.push(node);
    }

    fn push(&mut self, node: Node) {
        let merge_key = std::mem::take(&mut self.merge_key_next);
        if self.documents > 1 {
            return;
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, seen, pending_key, merges, .. }) => match pending_key.take()
            {
                None => {
                    // The key's text is moved out of its node, which is not kept.
                    let text = match node.value {
                        Value::Str(text) | Value::Number { text, .. } => text,
                        Value::Bool(value) => value.to_string(),
                        other => {
                            self.diagnostics.push(Diagnostic::new(
                                Code::WrongType,
                                self.file,
                                node.span,
                                format!("a mapping key must be text, found {}", other.kind_name()),
                            ));
                            String::new()
                        }
                    };
                    *pending_key = Some((Key { text: text.into(), span: node.span }, merge_key));
                }
                Some((key, true)) => {
                    let sources = match node.value {
                        Value::Seq(items) => items,
                        _ => vec![node],
                    };
                    for source in sources {
                        if matches!(source.value, Value::Map(_)) {
                            merges.push(source);
                        } else {
                            self.diagnostics.push(
                                Diagnostic::new(
                                    Code::WrongType,
                                    self.file,
                                    source.span,
                                    format!(
                                        "a merge key `<<` takes a mapping or a list of mappings, found {}",
                                        source.value.kind_name()
                                    ),
                                )
                                .with_secondary(self.file, key.span, "merge key"),
                            );
                        }
                    }
                }
                Some((key, false)) => {
                    if let Some(first) = key_span(entries, seen, &key.text) {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::DuplicateKey,
                                self.file,
                                key.span,
                                format!("the key `{}` appears twice in this mapping", key.text),
                            )
                            .with_secondary(self.file, first, "first here")
                            .with_help("the first value is kept; remove one of them"),
                        );
                    } else {
                        add_entry(entries, seen, key, node);
                    }
                }
            },
        }
    }
}

/// Applies merge keys: entries of the merged mappings whose keys the mapping does not have yet,
/// in order, so the mapping's own keys win and an earlier merged mapping wins over a later one.
/// The entries keep the spans of the anchored mapping they were written in.
fn merge(entries: &mut Vec<(Key, Node)>, seen: &mut HashMap<String, Span>, merges: Vec<Node>) {
    for source in merges {
        if let Value::Map(merged) = source.value {
            for (key, value) in merged {
                if key_span(entries, seen, &key.text).is_none() {
                    add_entry(entries, seen, key, value);
                }
            }
        }
    }
}

/// How many entries a mapping has before its keys are looked up through a hash.
const HASHED_FROM: usize = 16;

/// Where the mapping being built already has the key `text`, if it has it.
fn key_span(entries: &[(Key, Node)], seen: &mut HashMap<String, Span>, text: &str) -> Option<Span> {
    if entries.len() < HASHED_FROM {
        return entries.iter().find(|(key, _)| key.text == text).map(|(key, _)| key.span);
    }
    if seen.is_empty() {
        seen.extend(entries.iter().map(|(key, _)| (key.text.clone().into_owned(), key.span)));
    }
    seen.get(text).copied()
}

/// Adds an entry whose key the mapping does not have yet.
fn add_entry(
    entries: &mut Vec<(Key, Node)>,
    seen: &mut HashMap<String, Span>,
    key: Key,
    node: Node,
) {
    if !seen.is_empty() {
        seen.insert(key.text.clone().into_owned(), key.span);
    }
    entries.push((key, node));
}

/// The YAML 1.2 core schema for plain scalars: null, booleans, integers (decimal, 0o, 0x),
/// floats (including .inf and .nan, which we read as text since no field takes them).
fn resolve_plain(text: std::borrow::Cow<'_, str>) -> Value {
    match &*text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let number = if let Some(hex) = text.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok().map(|v| v as f64)
    } else if let Some(octal) = text.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok().map(|v| v as f64)
    } else if looks_decimal(&text) {
        text.parse::<f64>().ok().filter(|v| v.is_finite())
    } else {
        None
    };
    match number {
        Some(value) => Value::Number { value, text: text.into_owned() },
        None => Value::Str(text.into_owned()),
    }
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?` from the core schema.
fn looks_decimal(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (digits(int) && (frac.is_empty() || digits(frac))) || (int.is_empty() && digits(frac))
        }
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}
