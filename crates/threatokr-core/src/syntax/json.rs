//! A small JSON reader that keeps byte spans, reports errors with positions and honours the budget.

use super::{Budget, Key, Node, Value, too_large};
use crate::diag::{Code, Diagnostic, FileId, Files, Span};

/// A key that appears twice in one object; the first value is kept.
pub(crate) fn duplicate_key(file: FileId, key: &Key, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateKey,
        file,
        key.span,
        format!("the key `{}` appears twice in this object", key.text),
    )
    .with_secondary(file, first, "first here")
    .with_help("the first value is kept; remove one of them")
}

/// Parses JSON text into a spanned tree. On a syntax error the tree is `None` and one
/// `json-syntax` diagnostic says where and what was expected.
pub fn parse_json(files: &Files, file: FileId, budget: Budget) -> (Option<Node>, Vec<Diagnostic>) {
    let text = files.text(file);
    if text.len() > budget.max_bytes {
        return (None, vec![too_large(file, text.len(), budget)]);
    }
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        file,
        budget,
        nodes: 0,
        diagnostics: Vec::new(),
    };
    // A UTF-8 byte order mark is common in files written on Windows.
    if text.starts_with('\u{feff}') {
        parser.pos = 3;
    }
    let result = parser.value(0).and_then(|node| {
        parser.skip_ws();
        if parser.pos < parser.bytes.len() {
            Err(parser.error("expected the end of the file after the top-level value"))
        } else {
            Ok(node)
        }
    });
    match result {
        Ok(node) => (Some(node), parser.diagnostics),
        Err(diagnostic) => {
            parser.diagnostics.push(diagnostic);
            (None, parser.diagnostics)
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    budget: Budget,
    nodes: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> Diagnostic {
        let end = (self.pos + 1).min(self.bytes.len());
        let found = match self.bytes.get(self.pos) {
            None => "the end of the file".to_owned(),
            Some(_) => format!("`{}`", self.text[self.pos..].chars().next().unwrap_or(' ')),
        };
        Diagnostic::new(
            Code::JsonSyntax,
            self.file,
            Span::new(self.pos, end),
            format!("{message}, found {found}"),
        )
    }

    fn budget_error(&self, message: String) -> Diagnostic {
        Diagnostic::new(Code::InputBudget, self.file, Span::new(self.pos, self.pos + 1), message)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn count_node(&mut self) -> Result<(), Diagnostic> {
        self.nodes += 1;
        if self.nodes > self.budget.max_nodes {
            return Err(self.budget_error(format!("more than {} values", self.budget.max_nodes)));
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Node, Diagnostic> {
        self.skip_ws();
        self.count_node()?;
        if depth > self.budget.max_depth {
            return Err(
                self.budget_error(format!("nesting deeper than {} levels", self.budget.max_depth))
            );
        }
        let start = self.pos;
        let value = match self.bytes.get(self.pos) {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::Str(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.error("expected a JSON value")),
        };
        Ok(Node { value, span: Span::new(start, self.pos) })
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, Diagnostic> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [-+]? [0-9]+)?` (RFC 8259 §6), as a finite `f64`.
    fn number(&mut self) -> Result<Value, Diagnostic> {
        let start = self.pos;
        self.eat(b'-');
        match self.bytes.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
                    return Err(self.error("a number does not start with `0` unless it is 0"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit")),
        }
        if self.eat(b'.') {
            if !matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit after the decimal point"));
            }
            self.digits();
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'-') {
                self.eat(b'+');
            }
            if !matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit in the exponent"));
            }
            self.digits();
        }
        let text = &self.text[start..self.pos];
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Value::Number { value, text: text.to_owned() }),
            _ => {
                let shown = if text.len() > 24 {
                    format!("{}… ({} characters)", &text[..20], text.len())
                } else {
                    text.to_owned()
                };
                self.pos = start;
                Err(Diagnostic::new(
                    Code::JsonSyntax,
                    self.file,
                    Span::new(start, start + text.len()),
                    format!(
                        "the number `{shown}` is too large: numbers are read as 64-bit floats, at most about 1.8e308"
                    ),
                ))
            }
        }
    }

    /// Skips `byte` when it is next.
    fn eat(&mut self, byte: u8) -> bool {
        let next = self.bytes.get(self.pos) == Some(&byte);
        self.pos += usize::from(next);
        next
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Result<String, Diagnostic> {
        let start = self.pos;
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            // Copy the run of plain characters in one go: most strings have no escapes.
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            if out.len() > self.budget.max_scalar_bytes {
                self.pos = start;
                return Err(self.budget_error(format!(
                    "a string longer than {} bytes",
                    self.budget.max_scalar_bytes
                )));
            }
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match self.bytes.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let escape_start = self.pos - 1;
                            self.pos += 1;
                            let unit = self.hex4()?;
                            let low = if (0xD800..0xDC00).contains(&unit)
                                && self.text[self.pos..].starts_with("\\u")
                            {
                                self.pos += 2;
                                Some(self.hex4()?)
                            } else {
                                None
                            };
                            let code = match low {
                                Some(low @ 0xDC00..0xE000) => {
                                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                                }
                                _ => unit,
                            };
                            // A lone surrogate is no character: refuse it rather than decode
                            // `\uD800\u0041` into something that was never written.
                            let Some(c) = char::from_u32(code) else {
                                let escape = &self.text[escape_start..self.pos];
                                self.pos = escape_start;
                                return Err(Diagnostic::new(
                                    Code::JsonSyntax,
                                    self.file,
                                    Span::new(escape_start, escape_start + escape.len()),
                                    format!("`{escape}` is a lone UTF-16 surrogate, which is no character"),
                                )
                                .with_help("a character above U+FFFF is written as a high surrogate `\\uD800`-`\\uDBFF` followed by a low one `\\uDC00`-`\\uDFFF`"));
                            };
                            out.push(c);
                            continue;
                        }
                        _ => return Err(self.error("expected an escape sequence")),
                    };
                    out.push(escaped);
                    self.pos += 1;
                }
                None => return Err(self.error("unterminated string")),
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Diagnostic> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.error("expected four hex digits")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Diagnostic> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::Seq(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Seq(items));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Diagnostic> {
        self.pos += 1;
        let mut entries: Vec<(Key, Node)> = Vec::new();
        let mut seen = std::collections::HashMap::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value::Map(entries));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error("expected a string key"));
            }
            let key_start = self.pos;
            let text = self.string()?;
            let key = Key { text: text.into(), span: Span::new(key_start, self.pos) };
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.error("expected `:`"));
            }
            self.pos += 1;
            let value = self.value(depth + 1)?;
            if let Some(&first) = seen.get(&key.text) {
                self.diagnostics.push(duplicate_key(self.file, &key, first));
            } else {
                seen.insert(key.text.clone(), key.span);
                entries.push((key, value));
            }
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Map(entries));
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }
}
