//! A JSON deserializer over a byte stream read in large chunks, that says where it is: the
//! stream's visitors read `position` as they read serde_json's counting reader before, so spans
//! are unchanged, but bytes are scanned a chunk at a time instead of handed over one by one, and
//! skipped values are checked by a tight loop without visitors (issue 12).
//!
//! `position` follows serde_json's own reading: the bytes consumed plus the one byte it peeks
//! after a number. Syntax errors carry serde_json's messages; the in-memory reader re-reads a
//! file with an error through serde_json itself, so its diagnostics stay exactly serde_json's.

use std::cell::Cell;
use std::io::{self, Read};

use serde::de::{self, DeserializeSeed, Visitor};
use serde_json::Error;

/// Large enough that refills are rare, small enough to stay in the cache.
const CHUNK: usize = 128 << 10;

/// serde_json's nesting limit for values that are visited (skipped values have none).
const RECURSION_LIMIT: u32 = 128;

/// Where a streamed log's bytes come from, a chunk at a time: any `Read` through [`ReadChunks`],
/// or chunks read ahead on another thread and handed over whole, without a copy.
pub trait Chunks {
    /// Puts the next bytes at the start of `chunk` (whose bytes are used up; it may be replaced)
    /// and says how many there are: 0 at the end of the input.
    fn next_chunk(&mut self, chunk: &mut Vec<u8>) -> io::Result<usize>;
}

/// A `Read` as [`Chunks`]: each chunk is read into the same buffer.
pub struct ReadChunks<R>(pub R);

impl<R: Read> Chunks for ReadChunks<R> {
    fn next_chunk(&mut self, chunk: &mut Vec<u8>) -> io::Result<usize> {
        if chunk.len() < CHUNK {
            chunk.resize(CHUNK, 0);
        }
        loop {
            match self.0.read(chunk) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                read => return read,
            }
        }
    }
}

pub(super) struct Positioned<'p, C> {
    input: C,
    buffer: Vec<u8>,
    /// The next unread byte of `buffer`.
    start: usize,
    /// The end of the bytes read into `buffer`.
    end: usize,
    /// The file offset of `buffer[0]`.
    base: u64,
    eof: bool,
    position: &'p Cell<u64>,
    /// Where the string last handed to a visitor started (its opening quote), so that a visitor
    /// gets its span without measuring how it was written.
    string_start: &'p Cell<Option<u64>>,
    /// Strings that cross a chunk or hold escapes are copied here.
    scratch: Vec<u8>,
    /// Number text, to convert exactly.
    number: Vec<u8>,
    /// The containers open in the value being skipped.
    open: Vec<u8>,
    remaining_depth: u32,
    first_fill: bool,
}

/// A syntax error in serde_json's words.
fn syntax(message: &str) -> Error {
    de::Error::custom(message)
}

impl<'p, C: Chunks> Positioned<'p, C> {
    pub(super) fn new(
        input: C,
        position: &'p Cell<u64>,
        string_start: &'p Cell<Option<u64>>,
    ) -> Self {
        Self {
            input,
            buffer: Vec::new(),
            start: 0,
            end: 0,
            base: 0,
            eof: false,
            position,
            string_start,
            scratch: Vec::new(),
            number: Vec::new(),
            open: Vec::new(),
            remaining_depth: RECURSION_LIMIT,
            first_fill: true,
        }
    }

    /// The file offset of the next unread byte.
    fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Tells the visitors where the stream is: after the last byte consumed.
    fn mark(&self) {
        self.position.set(self.offset());
    }

    /// An error with the position after the byte it is about (serde_json's `peek_error` counts
    /// the peeked byte as read).
    fn error_at_next(&mut self, message: &str) -> Error {
        let peeked = u64::from(self.start < self.end);
        self.position.set(self.offset() + peeked);
        syntax(message)
    }

    /// An error after the bytes consumed so far.
    fn error_here(&self, message: &str) -> Error {
        self.mark();
        syntax(message)
    }

    /// Reads the next chunk once the buffer is used up; false at the end of the input.
    #[cold]
    fn refill(&mut self) -> Result<bool, Error> {
        if self.eof {
            return Ok(false);
        }
        self.base += self.end as u64;
        self.start = 0;
        self.end = 0;
        let read = self.input.next_chunk(&mut self.buffer).map_err(Error::io)?;
        self.end = read;
        if read == 0 {
            self.eof = true;
            return Ok(false);
        }
        if std::mem::take(&mut self.first_fill)
            && self.buffer[..read].starts_with(&[0xEF, 0xBB, 0xBF])
        {
            // Short reads could split the mark; a file that starts with a partial mark is not JSON anyway.
            self.start = 3;
        }
        Ok(true)
    }

    fn peek(&mut self) -> Result<Option<u8>, Error> {
        // A loop: a first read of only a byte order mark leaves nothing to peek at.
        while self.start == self.end {
            if !self.refill()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buffer[self.start]))
    }

    fn eat(&mut self) {
        self.start += 1;
    }

    fn next_byte(&mut self) -> Result<Option<u8>, Error> {
        let byte = self.peek()?;
        if byte.is_some() {
            self.eat();
        }
        Ok(byte)
    }

    /// Skips whitespace and peeks at the next byte. Inlined for the usual case, a byte that is
    /// no whitespace at once (after a key, a value or a bracket): the call alone was a sixth of
    /// skipping whitespace in a large log (issue 12).
    #[inline(always)]
    fn skip_whitespace(&mut self) -> Result<Option<u8>, Error> {
        match self.buffer[self.start..self.end] {
            [byte, ..] if byte > b' ' => Ok(Some(byte)),
            // The one space after a key's colon in a pretty-printed log: a call for it was a
            // tenth of the instructions of reading a Semgrep log.
            [b' ', byte, ..] if byte > b' ' => {
                self.start += 1;
                Ok(Some(byte))
            }
            // A line break and the next line's indentation, when the chunk holds both.
            [b'\n', ref rest @ ..] => {
                let spaces = leading_spaces(rest);
                match rest.get(spaces) {
                    Some(&byte) if byte > b' ' => {
                        self.start += 1 + spaces;
                        Ok(Some(byte))
                    }
                    _ => self.skip_whitespace_run(),
                }
            }
            _ => self.skip_whitespace_run(),
        }
    }

    #[inline(never)]
    fn skip_whitespace_run(&mut self) -> Result<Option<u8>, Error> {
        loop {
            while self.start < self.end {
                match self.buffer[self.start] {
                    b' ' | b'\n' | b'\t' | b'\r' => {
                        self.start += 1;
                        self.start += leading_spaces(&self.buffer[self.start..self.end]);
                    }
                    byte => return Ok(Some(byte)),
                }
            }
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    /// Expects the rest of `null`, `true` or `false`.
    fn literal(&mut self, rest: &[u8]) -> Result<(), Error> {
        for &expected in rest {
            match self.next_byte()? {
                Some(byte) if byte == expected => {}
                Some(_) => return Err(self.error_here("expected ident")),
                None => return Err(self.error_here("EOF while parsing a value")),
            }
        }
        Ok(())
    }

    /// Reads a string after its opening quote. Returns whether it was left in `scratch` (else
    /// it is `buffer[from..to]`, returned as the range).
    fn read_string(&mut self, keep: bool) -> Result<Option<(usize, usize)>, Error> {
        self.scratch.clear();
        let mut copied = false;
        loop {
            let chunk = &self.buffer[self.start..self.end];
            let found = string_special(chunk);
            match found {
                Some(i) if chunk[i] == b'"' => {
                    let from = self.start;
                    self.start += i + 1;
                    if !copied {
                        return Ok(Some((from, from + i)));
                    }
                    if keep {
                        self.scratch.extend_from_slice(&self.buffer[from..from + i]);
                    }
                    return Ok(None);
                }
                Some(i) if chunk[i] == b'\\' => {
                    if keep {
                        self.scratch.extend_from_slice(&chunk[..i]);
                    }
                    copied = true;
                    self.start += i + 1;
                    self.escape(keep)?;
                }
                Some(i) => {
                    self.start += i + 1;
                    return Err(self.error_here(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ));
                }
                None => {
                    if keep {
                        self.scratch.extend_from_slice(chunk);
                    }
                    copied = true;
                    self.start = self.end;
                    if !self.refill()? {
                        return Err(self.error_here("EOF while parsing a string"));
                    }
                }
            }
        }
    }

    /// A string at its opening quote, unescaped: borrowed from the chunk when it has no escape
    /// and does not cross the chunk's end, else copied into `scratch`.
    fn string_bytes(&mut self) -> Result<&[u8], Error> {
        self.string_start.set(Some(self.offset()));
        self.eat();
        let range = self.read_string(true)?;
        self.mark();
        Ok(match range {
            Some((from, to)) => &self.buffer[from..to],
            None => &self.scratch[..],
        })
    }

    /// One escape after its backslash.
    fn escape(&mut self, keep: bool) -> Result<(), Error> {
        let Some(byte) = self.next_byte()? else {
            return Err(self.error_here("EOF while parsing a string"));
        };
        let plain = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => return self.unicode_escape(keep),
            _ => return Err(self.error_here("invalid escape")),
        };
        if keep {
            self.scratch.push(plain);
        }
        Ok(())
    }

    /// `\uXXXX` after its `u`, as serde_json reads it: a string that is kept must pair its
    /// surrogates; a skipped one is only checked for four hex digits.
    fn unicode_escape(&mut self, keep: bool) -> Result<(), Error> {
        let first = self.hex4()?;
        if !keep {
            return Ok(());
        }
        if (0xDC00..0xE000).contains(&first) {
            return Err(self.error_here("lone leading surrogate in hex escape"));
        }
        let code = if (0xD800..0xDC00).contains(&first) {
            for expected in [b'\\', b'u'] {
                match self.next_byte()? {
                    Some(byte) if byte == expected => {}
                    Some(_) => return Err(self.error_here("unexpected end of hex escape")),
                    None => return Err(self.error_here("EOF while parsing a string")),
                }
            }
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error_here("lone leading surrogate in hex escape"));
            }
            0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00)
        } else {
            u32::from(first)
        };
        // Every code outside the surrogates, and every pair, is a character.
        let character = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut utf8 = [0; 4];
        self.scratch.extend_from_slice(character.encode_utf8(&mut utf8).as_bytes());
        Ok(())
    }

    /// Four hex digits: all four are read before they are checked, as serde_json does.
    fn hex4(&mut self) -> Result<u16, Error> {
        let mut digits = [0u8; 4];
        for digit in &mut digits {
            match self.next_byte()? {
                Some(byte) => *digit = byte,
                None => return Err(self.error_here("EOF while parsing a string")),
            }
        }
        let mut value = 0u16;
        for byte in digits {
            let digit = match byte {
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'f' => byte - b'a' + 10,
                b'A'..=b'F' => byte - b'A' + 10,
                _ => return Err(self.error_here("invalid escape")),
            };
            value = value * 16 + u16::from(digit);
        }
        Ok(value)
    }

    /// Reads a number's text into `number`, checking JSON's grammar.
    fn read_number(&mut self) -> Result<(), Error> {
        self.number.clear();
        if self.peek()? == Some(b'-') {
            self.eat();
            self.number.push(b'-');
        }
        match self.next_byte()? {
            Some(b'0') => {
                self.number.push(b'0');
                if matches!(self.peek()?, Some(b'0'..=b'9')) {
                    return Err(self.error_at_next("invalid number"));
                }
            }
            Some(digit @ b'1'..=b'9') => {
                self.number.push(digit);
                self.digits()?;
            }
            Some(_) => return Err(self.error_here("invalid number")),
            None => return Err(self.error_here("EOF while parsing a value")),
        }
        if self.peek()? == Some(b'.') {
            self.eat();
            self.number.push(b'.');
            if self.digits()? == 0 {
                return Err(self.number_end_error());
            }
        }
        if let Some(e @ (b'e' | b'E')) = self.peek()? {
            self.eat();
            self.number.push(e);
            if let Some(sign @ (b'+' | b'-')) = self.peek()? {
                self.eat();
                self.number.push(sign);
            }
            if self.digits()? == 0 {
                return Err(self.number_end_error());
            }
        }
        Ok(())
    }

    fn number_end_error(&mut self) -> Error {
        if self.start == self.end && self.eof {
            self.error_here("EOF while parsing a value")
        } else {
            self.error_at_next("invalid number")
        }
    }

    fn digits(&mut self) -> Result<usize, Error> {
        let mut count = 0;
        while let Some(digit @ b'0'..=b'9') = self.peek()? {
            self.eat();
            self.number.push(digit);
            count += 1;
        }
        Ok(count)
    }

    /// Skips one value, checking it as serde_json's `IgnoredAny` does, without a visitor.
    fn skip_value(&mut self) -> Result<(), Error> {
        // The open containers, innermost last; skipped values have no nesting limit. The
        // list is kept from one skipped value to the next (two or three per result).
        let mut open = std::mem::take(&mut self.open);
        open.clear();
        let skipped = self.skip_value_with(&mut open);
        self.open = open;
        skipped
    }

    fn skip_value_with(&mut self, open: &mut Vec<u8>) -> Result<(), Error> {
        loop {
            // A value.
            match self.skip_whitespace()? {
                None => return Err(self.error_here("EOF while parsing a value")),
                Some(b'"') => {
                    self.eat();
                    self.read_string(false)?;
                }
                Some(b'n') => {
                    self.eat();
                    self.literal(b"ull")?;
                }
                Some(b't') => {
                    self.eat();
                    self.literal(b"rue")?;
                }
                Some(b'f') => {
                    self.eat();
                    self.literal(b"alse")?;
                }
                Some(b'-' | b'0'..=b'9') => self.read_number()?,
                Some(frame @ (b'[' | b'{')) => {
                    self.eat();
                    match self.skip_whitespace()? {
                        Some(b']') if frame == b'[' => self.eat(),
                        Some(b'}') if frame == b'{' => self.eat(),
                        _ => {
                            open.push(frame);
                            if frame == b'{' {
                                self.skip_key()?;
                            }
                            continue;
                        }
                    }
                }
                Some(_) => return Err(self.error_at_next("expected value")),
            }
            // After a value: a comma and the next, or closing brackets.
            loop {
                let Some(&frame) = open.last() else { return Ok(()) };
                match self.skip_whitespace()? {
                    Some(b',') => {
                        self.eat();
                        if frame == b'{' {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(b']') if frame == b'[' => {
                        self.eat();
                        open.pop();
                    }
                    Some(b'}') if frame == b'{' => {
                        self.eat();
                        open.pop();
                    }
                    Some(_) if frame == b'[' => {
                        return Err(self.error_at_next("expected `,` or `]`"));
                    }
                    Some(_) => return Err(self.error_at_next("expected `,` or `}`")),
                    None if frame == b'[' => {
                        return Err(self.error_here("EOF while parsing a list"));
                    }
                    None => return Err(self.error_here("EOF while parsing an object")),
                }
            }
        }
    }

    /// Skips `"key":` inside an object being skipped.
    fn skip_key(&mut self) -> Result<(), Error> {
        match self.skip_whitespace()? {
            Some(b'"') => self.eat(),
            Some(_) => return Err(self.error_at_next("key must be a string")),
            None => return Err(self.error_here("EOF while parsing an object")),
        }
        self.read_string(false)?;
        match self.skip_whitespace()? {
            Some(b':') => {
                self.eat();
                Ok(())
            }
            Some(_) => Err(self.error_at_next("expected `:`")),
            None => Err(self.error_here("EOF while parsing an object")),
        }
    }

    /// After the top-level value: only whitespace may follow.
    pub(super) fn end(&mut self) -> Result<(), Error> {
        match self.skip_whitespace()? {
            Some(_) => Err(self.error_at_next("trailing characters")),
            None => Ok(()),
        }
    }

    fn visit_number<'de, V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        self.read_number()?;
        // serde_json peeks at the byte after a number: it counts as read.
        let peeked = u64::from(self.peek()?.is_some());
        self.position.set(self.offset() + peeked);
        let text = std::str::from_utf8(&self.number).unwrap_or_default();
        let integer = !text.contains(['.', 'e', 'E']);
        if integer {
            if let Ok(value) = text.parse::<u64>() {
                return visitor.visit_u64(value);
            }
            if let Ok(value) = text.parse::<i64>() {
                return visitor.visit_i64(value);
            }
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => visitor.visit_f64(value),
            _ => Err(syntax("number out of range")),
        }
    }

    /// After an error inside a list or object, serde_json still looks for its closing bracket
    /// (and eats it, or a list's comma, when it is next), which moves the error's position on:
    /// the same reading here keeps the position serde_json gives.
    fn close_after_error(&mut self, close: u8) {
        match self.peek_counted() {
            Some(byte) if byte == close => {
                self.eat();
                self.mark();
            }
            Some(b',') if close == b']' => {
                self.eat();
                self.peek_counted();
            }
            _ => {}
        }
    }

    /// Skips whitespace and peeks, counting the peeked byte as serde_json does.
    fn peek_counted(&mut self) -> Option<u8> {
        let byte = self.skip_whitespace().ok().flatten();
        self.position.set(self.offset() + u64::from(byte.is_some()));
        byte
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.remaining_depth -= 1;
        if self.remaining_depth == 0 {
            return Err(self.error_at_next("recursion limit exceeded"));
        }
        self.eat();
        self.mark();
        Ok(())
    }
}

/// How many spaces `bytes` starts with, counted eight at a time (a run that ends inside the
/// last seven bytes is left to the caller's byte loop). Pretty-printed logs indent each line of
/// deeply nested values (code flows) by dozens of spaces: three fifths of a CodeQL log's bytes
/// are indentation, and a loop of one byte per step was a sixth of the time of reading one
/// (issue 12).
#[inline]
fn leading_spaces(bytes: &[u8]) -> usize {
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let mut count = 0;
    while let Some(word) = bytes[count..].first_chunk::<8>() {
        let different = u64::from_le_bytes(*word) ^ SPACES;
        if different != 0 {
            // Little-endian: the first byte that is not a space is the lowest non-zero byte.
            return count + (different.trailing_zeros() / 8) as usize;
        }
        count += 8;
    }
    count
}

/// The first quote, backslash or control character of `bytes`: what ends a string's plain
/// run. Eight bytes are tested at a time (the classic "has a zero byte" bit trick).
pub(super) fn string_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let special = has_zero(word ^ (ONES * u64::from(b'"')))
            | has_zero(word ^ (ONES * u64::from(b'\\')))
            // A byte below 0x20 has none of the bits 0x20, 0x40, 0x80.
            | has_zero(word & (ONES * 0xE0));
        if special != 0 {
            // Little-endian: the first special byte is the lowest flagged one (a borrow can
            // flag a byte only above a byte that is truly special).
            return Some(at + (special.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let is_special = |b: &u8| *b == b'"' || *b == b'\\' || *b < 0x20;
    words.remainder().iter().position(is_special).map(|i| at + i)
}

impl<'de, C: Chunks> de::Deserializer<'de> for &mut Positioned<'_, C> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.skip_whitespace()? {
            None => Err(self.error_here("EOF while parsing a value")),
            Some(b'n') => {
                self.eat();
                self.literal(b"ull")?;
                self.mark();
                visitor.visit_unit()
            }
            Some(b't') => {
                self.eat();
                self.literal(b"rue")?;
                self.mark();
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.eat();
                self.literal(b"alse")?;
                self.mark();
                visitor.visit_bool(false)
            }
            Some(b'-' | b'0'..=b'9') => self.visit_number(visitor),
            Some(b'"') => match std::str::from_utf8(self.string_bytes()?) {
                Ok(text) => visitor.visit_str(text),
                Err(_) => Err(syntax("invalid unicode code point")),
            },
            Some(b'[') => {
                self.enter()?;
                let value = visitor.visit_seq(Items { de: &mut *self, first: true, ended: false });
                self.remaining_depth += 1;
                if value.is_err() {
                    self.close_after_error(b']');
                }
                value
            }
            Some(b'{') => {
                self.enter()?;
                let value = visitor.visit_map(Items { de: &mut *self, first: true, ended: false });
                self.remaining_depth += 1;
                if value.is_err() {
                    self.close_after_error(b'}');
                }
                value
            }
            Some(_) => Err(self.error_at_next("expected value")),
        }
    }

    /// A string's bytes, unchecked, for a visitor that matches them as bytes and checks only
    /// those it keeps (the stream's keys); anything else as `deserialize_any`.
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.skip_whitespace()? != Some(b'"') {
            return self.deserialize_any(visitor);
        }
        visitor.visit_bytes(self.string_bytes()?)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.skip_value()?;
        self.mark();
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum
    }
}

/// The items of a list, or the entries of an object, being visited.
struct Items<'a, 'p, C> {
    de: &'a mut Positioned<'p, C>,
    first: bool,
    ended: bool,
}

impl<C: Chunks> Items<'_, '_, C> {
    /// Moves past the comma to the next item (`close` says whether this is a list or an
    /// object): false at the closing bracket, which is consumed.
    fn advance(&mut self, close: u8) -> Result<bool, Error> {
        if self.ended {
            return Ok(false);
        }
        let list = close == b']';
        match self.de.skip_whitespace()? {
            Some(byte) if byte == close => {
                self.de.eat();
                self.de.mark();
                self.ended = true;
                return Ok(false);
            }
            Some(b',') if !self.first => {
                self.de.eat();
                match self.de.skip_whitespace()? {
                    Some(byte) if byte == close => {
                        return Err(self.de.error_at_next("trailing comma"));
                    }
                    _ if list => {}
                    Some(b'"') => {}
                    Some(_) => return Err(self.de.error_at_next("key must be a string")),
                    None => return Err(self.de.error_here("EOF while parsing a value")),
                }
            }
            Some(b'"') if self.first => {}
            Some(_) if self.first && list => {}
            Some(_) if self.first => return Err(self.de.error_at_next("key must be a string")),
            Some(_) if list => return Err(self.de.error_at_next("expected `,` or `]`")),
            Some(_) => return Err(self.de.error_at_next("expected `,` or `}`")),
            None if list => return Err(self.de.error_here("EOF while parsing a list")),
            None => return Err(self.de.error_here("EOF while parsing an object")),
        }
        self.first = false;
        Ok(true)
    }
}

impl<'de, C: Chunks> de::SeqAccess<'de> for Items<'_, '_, C> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if !self.advance(b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

impl<'de, C: Chunks> de::MapAccess<'de> for Items<'_, '_, C> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if !self.advance(b'}')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.de.skip_whitespace()? {
            Some(b':') => self.de.eat(),
            Some(_) => return Err(self.de.error_at_next("expected `:`")),
            None => return Err(self.de.error_here("EOF while parsing an object")),
        }
        seed.deserialize(&mut *self.de)
    }
}

#[cfg(test)]
mod tests {
    use super::{leading_spaces, string_special};
    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time scans against a byte loop, on bytes drawn mostly from the ones
        /// they look for, so that specials fall at every place of a word.
        #[test]
        fn word_scans_agree_with_a_byte_loop(bytes in proptest::collection::vec(prop_oneof![Just(b' '), Just(b'"'), Just(b'\\'), Just(0x1f), Just(b'a'), Just(0xe9), any::<u8>()], 0..40)) {
            let special = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(string_special(&bytes), special);
            let spaces = bytes.iter().take_while(|&&b| b == b' ').count();
            let counted = leading_spaces(&bytes);
            // Whole words only: a run ending in the last seven bytes is left to the caller.
            prop_assert!(counted <= spaces && spaces - counted < 8 && counted.is_multiple_of(8) || counted == spaces);
        }
    }
}
