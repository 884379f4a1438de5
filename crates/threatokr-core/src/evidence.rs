//! Evidence readers: the files that prove key results (scanner findings, ASVS verifications,
//! training records, threat-scenario test results), each turned into plain records plus diagnostics.
//!
//! Every reader is a pure function of `(&Files, FileId)`. Readers are lenient where the producers
//! are sloppy: a bad row or result becomes a diagnostic with its position and the rest of the file
//! is still read. Outputs are sorted so that the same input always gives the same records.

pub mod asvs;
pub mod formats;
pub mod sarif;
pub mod tests;
pub mod training;
pub mod workflow;

use crate::diag::{Code, Diagnostic, FileId, Files, Span};

/// One row of a CSV file with its position, so that every problem can point at its line.
#[derive(Debug, Clone)]
pub(crate) struct CsvRow {
    /// 1-based line where the row starts.
    pub(crate) line: u64,
    /// The row's span in the file (the whole line).
    pub(crate) span: Span,
    /// The fields, trimmed.
    pub(crate) fields: Vec<String>,
}

/// A CSV file split into its header and rows. Lines whose first field starts with `#` are comments
/// and are returned separately (readers may give them meaning, like ASVS's `# app: x` line).
#[derive(Debug, Clone, Default)]
pub(crate) struct CsvTable {
    /// Lower-cased, trimmed header names with their spans.
    pub(crate) header: Vec<(String, Span)>,
    /// The span of the header line.
    pub(crate) header_span: Span,
    /// Data rows, in file order.
    pub(crate) rows: Vec<CsvRow>,
    /// Comment lines before the header (text after `#`, trimmed), with their spans.
    pub(crate) leading_comments: Vec<(String, Span)>,
}

impl CsvTable {
    /// The index of a header column.
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|(h, _)| h == name)
    }
}

/// Reads CSV text leniently: rows of any width, comment lines, a broken row reported and skipped.
pub(crate) fn read_csv(files: &Files, file: FileId, diagnostics: &mut Vec<Diagnostic>) -> CsvTable {
    let text = files.text(file);
    let mut table = CsvTable::default();
    // Line starts let us turn the csv crate's byte positions into whole-line spans.
    let line_end =
        |start: usize| text[start.min(text.len())..].find('\n').map_or(text.len(), |i| start + i);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut seen_header = false;
    loop {
        let position_before = reader.position().clone();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let mut start = record
                    .position()
                    .map_or(position_before.byte() as usize, |p| p.byte() as usize)
                    .min(text.len());
                // The csv reader's position can sit on blank lines it skipped before the record.
                start += text[start..].len() - text[start..].trim_start_matches(['\n', '\r']).len();
                let line = files.get(file).line_col(Span::new(start, start).start).line as u64;
                let span = Span::new(start, line_end(start));
                let fields: Vec<String> = record.iter().map(|f| f.trim().to_owned()).collect();
                if fields.iter().all(String::is_empty) {
                    continue;
                }
                if let Some(comment) = fields[0].strip_prefix('#') {
                    if !seen_header {
                        // The comment may contain commas (`# app: x, version: y`): take the raw line.
                        let raw = &text[start..span.end as usize];
                        let raw = raw.trim().trim_start_matches('#').trim();
                        table.leading_comments.push((
                            if raw.is_empty() { comment.trim().to_owned() } else { raw.to_owned() },
                            span,
                        ));
                    }
                    continue;
                }
                if seen_header {
                    table.rows.push(CsvRow { line, span, fields });
                } else {
                    seen_header = true;
                    table.header_span = span;
                    let mut offset = start;
                    for field in record.iter() {
                        // A quoted name is not found as written; it then points at the header line's position so far.
                        match text.get(offset..).and_then(|rest| rest.find(field)) {
                            Some(i) => {
                                let at = offset + i;
                                table.header.push((
                                    field.trim().to_ascii_lowercase(),
                                    Span::new(at, at + field.len()),
                                ));
                                offset = at + field.len();
                            }
                            None => table.header.push((
                                field.trim().to_ascii_lowercase(),
                                Span::new(offset, offset),
                            )),
                        }
                    }
                }
            }
            Err(error) => {
                let position = error.position().cloned().unwrap_or(position_before);
                let start = position.byte() as usize;
                diagnostics.push(Diagnostic::new(
                    Code::CsvSyntax,
                    file,
                    Span::new(start, line_end(start)),
                    format!(
                        "line {} cannot be read as CSV: {}",
                        position.line(),
                        csv_error_text(&error)
                    ),
                ));
                // An I/O-kind error would repeat forever; a UTF-8 error moves past the record.
                if !matches!(error.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    table
}

fn csv_error_text(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "it is not valid UTF-8".to_owned(),
        other => format!("{other:?}"),
    }
}

/// The span of field `index` inside a row: found by searching the row's text, else the whole row.
pub(crate) fn field_span(files: &Files, file: FileId, row: &CsvRow, index: usize) -> Span {
    let text = files.text(file);
    let line = &text[row.span.range()];
    let Some(value) = row.fields.get(index).filter(|v| !v.is_empty()) else {
        return row.span;
    };
    // Skip the earlier fields' text so that a value equal to an earlier one is found in its own column.
    let mut offset = 0;
    for earlier in row.fields.iter().take(index) {
        if let Some(i) = line[offset..].find(earlier.as_str()) {
            offset += i + earlier.len();
        }
    }
    match line[offset..].find(value.as_str()) {
        Some(i) => {
            let start = row.span.start as usize + offset + i;
            Span::new(start, start + value.len())
        }
        None => row.span,
    }
}

/// Test helper: each diagnostic as its 1-based line and code, the shape evidence tests compare.
#[cfg(test)]
pub(crate) fn lines_and_codes(
    files: &Files,
    file: FileId,
    diagnostics: &[Diagnostic],
) -> Vec<(usize, &'static str)> {
    diagnostics
        .iter()
        .map(|d| {
            (
                files.get(file).line_col(d.primary.as_ref().map_or(0, |l| l.span.start)).line,
                d.code.as_str(),
            )
        })
        .collect()
}
