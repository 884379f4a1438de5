//! A spanned document tree shared by every text format we read (YAML 1.2 and JSON).
//!
//! Serde stops at the first error; we want every problem at once, with positions. So text is
//! parsed into `Node`s that remember their byte span, under budgets that refuse hostile input
//! (alias bombs, deep nesting, huge scalars) early, and the formats read the tree with `decode`.

mod json;
mod yaml;

use crate::diag::{Code, Diagnostic, FileId, Files, Span};

pub(crate) use json::duplicate_key;
pub use json::parse_json;
pub use yaml::parse_yaml;

/// Limits that keep parsing of untrusted input bounded in time and memory.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes after alias expansion; this is what defeats "billion laughs".
    pub max_nodes: usize,
    /// Longest accepted scalar, in bytes.
    pub max_scalar_bytes: usize,
}

impl Default for Budget {
    fn default() -> Self {
        // Real threat models are at most a few megabytes (pytm's 600-finding JSON is 330 kB);
        // these limits leave two orders of magnitude of room and still bound memory to ~1 GB.
        Self {
            max_bytes: 64 << 20,
            max_depth: 128,
            max_nodes: 4_000_000,
            max_scalar_bytes: 1 << 20,
        }
    }
}

/// A value with the byte span it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it is in the file.
    pub span: Span,
}

/// A mapping key: always text in the formats we read.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key's text: borrowed when it is one of the names a reader looks for (the SARIF
    /// reader keeps only those, and copied each of them for every result), else owned.
    pub text: std::borrow::Cow<'static, str>,
    /// Where the key is.
    pub span: Span,
}

/// The kinds of values.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, with its source text so that `id: 2027` can still be read as the text "2027".
    Number {
        /// The parsed value.
        value: f64,
        /// The text as written.
        text: String,
    },
    /// Text.
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, in file order. Duplicate keys were reported and dropped while parsing.
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// The name used in "expected X, found Y" messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a boolean",
            Self::Number { .. } => "a number",
            Self::Str(_) => "text",
            Self::Seq(_) => "a list",
            Self::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The text of a scalar: strings as they are, numbers and booleans as written.
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            Value::Number { text, .. } => Some(text),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    /// The text of a string value only.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A number, or text that is a number (JSON exports often quote numbers).
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Number { value, .. } => Some(*value),
            Value::Str(s) => s.trim().parse().ok().filter(|v: &f64| v.is_finite()),
            _ => None,
        }
    }

    /// A boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The items of a list.
    pub fn as_seq(&self) -> Option<&[Self]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a mapping.
    pub fn as_map(&self) -> Option<&[(Key, Self)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value under `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Self> {
        self.as_map()?.iter().find(|(k, _)| k.text == key).map(|(_, v)| v)
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
}

/// Parses by file name: `.json` as JSON, everything else as YAML (YAML 1.2 reads JSON too, but
/// our JSON reader gives exact JSON errors and is faster on large exports).
pub fn parse_auto(files: &Files, file: FileId, budget: Budget) -> (Option<Node>, Vec<Diagnostic>) {
    let source = files.get(file);
    let looks_json =
        source.name.ends_with(".json") || source.text.trim_start().starts_with(['{', '[']);
    if looks_json { parse_json(files, file, budget) } else { parse_yaml(files, file, budget) }
}

fn too_large(file: FileId, len: usize, budget: Budget) -> Diagnostic {
    Diagnostic::new(
        Code::InputBudget,
        file,
        Span::new(0, 0),
        format!("the file is {len} bytes; the limit is {} bytes", budget.max_bytes),
    )
    .with_help("split the file, or check that it is the file you meant")
}

#[cfg(test)]
mod tests;
