//! The source files of one run: names relative to the workspace, text, and line starts.

use codespan_reporting::files as cs;

/// Identifies a file inside one `Files` database.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct FileId(u32);

/// A byte range `start..end` inside a file's text.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets; offsets beyond `u32::MAX` are clamped (only a streamed SARIF log
    /// can be that large: a place past its fourth GiB is shown at the fourth GiB). Inlined: the
    /// SARIF reader makes one for every value it keeps.
    #[inline]
    pub fn new(start: usize, end: usize) -> Self {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Self { start: clamp(start), end: clamp(end.max(start)) }
    }

    /// The range for slicing.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// One input text, or an excerpt of one: a few lines of a file too large to hold, starting at
/// byte `base` and line `first_line` of the file, so that spans and line numbers stay the file's.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to users: relative to the workspace, `/` separated.
    pub name: String,
    /// The whole text (or the excerpt).
    pub text: String,
    line_starts: Vec<usize>,
    /// The file offset of the text's first byte: 0 unless this is an excerpt.
    base: usize,
    /// The file line of the text's first line: 1 unless this is an excerpt.
    first_line: usize,
    /// Whether the text is ASCII, so a column is a byte count (a one-line 200 MB file would
    /// otherwise be walked from its start for every position asked for).
    ascii: bool,
}

impl SourceFile {
    fn new(name: String, text: String) -> Self {
        let line_starts =
            std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        let ascii = text.is_ascii();
        Self { name, text, line_starts, base: 0, first_line: 1, ascii }
    }

    /// The file line of the text's first line: 1 unless this is an excerpt.
    pub fn first_line(&self) -> usize {
        self.first_line
    }

    /// The file offset of byte `local` of the text.
    pub fn file_offset(&self, local: usize) -> u32 {
        u32::try_from(local + self.base).unwrap_or(u32::MAX)
    }

    /// A span's byte range inside `text`, clamped to it (an excerpt holds only a span's first lines).
    pub fn local_range(&self, span: Span) -> std::ops::Range<usize> {
        let local = |offset: u32| (offset as usize).saturating_sub(self.base).min(self.text.len());
        local(span.start)..local(span.end)
    }

    /// Line and column of a byte offset; offsets past the end point at the end.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = (offset as usize).saturating_sub(self.base).min(self.text.len());
        let line_index = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line_index];
        let column = if self.ascii {
            offset - line_start
        } else {
            self.text.get(line_start..offset).map_or(offset - line_start, |s| s.chars().count())
        } + 1;
        LineCol { line: line_index + self.first_line, column }
    }

    /// Byte offset of a 1-based line and 0-based character column; used to turn parser markers into spans.
    pub fn offset_of(&self, line: usize, char_column: usize) -> usize {
        let Some(&line_start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[line_start..];
        rest.char_indices().nth(char_column).map_or(self.text.len(), |(i, _)| line_start + i)
    }

    /// The index (from 0) of the line that holds byte `offset`.
    pub(crate) fn line_index(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1)
    }

    /// The bytes of line `index` (from 0) without its line break.
    pub(crate) fn line_content(&self, index: usize) -> std::ops::Range<usize> {
        let start = self.line_starts.get(index).copied().unwrap_or(self.text.len());
        let end = self.line_starts.get(index + 1).copied().unwrap_or(self.text.len());
        let line = &self.text[start..end];
        start..start + line.trim_end_matches(['\n', '\r']).len()
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// All the files read in one run. Parsers take a `FileId` and look the text up here.
#[derive(Debug, Clone, Default)]
pub struct Files {
    files: Vec<SourceFile>,
}

impl Files {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id. `name` should be relative to the workspace.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 4 billion files"));
        self.files.push(SourceFile::new(name.into(), text.into()));
        id
    }

    /// Adds an excerpt of a file that is not held whole: `text` is the file's bytes from offset
    /// `base`, which starts line `first_line`. Diagnostics keep their file spans and point into it.
    pub fn add_excerpt(
        &mut self,
        name: impl Into<String>,
        text: impl Into<String>,
        base: usize,
        first_line: usize,
    ) -> FileId {
        let id = self.add(name, text);
        let file = &mut self.files[id.0 as usize];
        file.base = base;
        file.first_line = first_line.max(1);
        id
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The display name of a file.
    pub fn name(&self, id: FileId) -> &str {
        &self.get(id).name
    }

    /// The text of a file.
    pub fn text(&self, id: FileId) -> &str {
        &self.get(id).text
    }

    /// Every file id, in the order they were added.
    pub fn ids(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.files.len()).map(|i| FileId(i as u32))
    }

    /// Moves every file of `other` to the end of this database, in order, and points
    /// `diagnostics` (about `other`'s files) at them there: files read apart, on other threads,
    /// join the run's files as if they had been read here.
    pub fn append(&mut self, other: Self, diagnostics: &mut [super::Diagnostic]) {
        let offset = u32::try_from(self.files.len()).expect("fewer than 4 billion files");
        self.files.extend(other.files);
        let labels =
            diagnostics.iter_mut().flat_map(|d| d.primary.iter_mut().chain(&mut d.secondary));
        for label in labels {
            label.file = FileId(label.file.0 + offset);
        }
    }
}

impl<'a> cs::Files<'a> for Files {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, cs::Error> {
        self.files.get(id.0 as usize).map(|f| f.name.as_str()).ok_or(cs::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, cs::Error> {
        self.files.get(id.0 as usize).map(|f| f.text.as_str()).ok_or(cs::Error::FileMissing)
    }

    fn line_number(&'a self, id: FileId, line_index: usize) -> Result<usize, cs::Error> {
        let file = self.files.get(id.0 as usize).ok_or(cs::Error::FileMissing)?;
        Ok(line_index + file.first_line)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, cs::Error> {
        let file = self.files.get(id.0 as usize).ok_or(cs::Error::FileMissing)?;
        Ok(file.line_starts.partition_point(|&start| start <= byte_index).saturating_sub(1))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, cs::Error> {
        let file = self.files.get(id.0 as usize).ok_or(cs::Error::FileMissing)?;
        let start = *file.line_starts.get(line_index).ok_or(cs::Error::LineTooLarge {
            given: line_index,
            max: file.line_starts.len() - 1,
        })?;
        let end = file.line_starts.get(line_index + 1).copied().unwrap_or(file.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_keeps_the_file_positions() {
        let mut files = Files::new();
        // The excerpt is line 40 of a file, which starts at byte 1000.
        let id = files.add_excerpt("big.sarif", "  \"level\": \"bogus\",\n", 1000, 40);
        let file = files.get(id);
        assert_eq!(file.line_col(1011), LineCol { line: 40, column: 12 });
        assert_eq!(file.local_range(Span::new(1011, 5000)), 11..20);
    }

    #[test]
    fn line_and_column_count_characters_from_one() {
        let mut files = Files::new();
        let id = files.add("a.yaml", "ab\nçd: x\n");
        let file = files.get(id);
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 1 });
        // 'ç' is two bytes: byte 5 is the second character of line 2.
        assert_eq!(file.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(file.offset_of(2, 1), 5);
        assert_eq!(file.line_col(999), LineCol { line: 3, column: 1 });
    }
}
