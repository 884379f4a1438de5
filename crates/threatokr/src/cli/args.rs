//! Argument types every subcommand shares: the output formats and the date parser.
//!
//! One `Format` for the whole command line, so a format is spelled one way everywhere; each
//! command lists the formats it writes with [`formats`], and clap then accepts, completes and
//! lists only those (`[possible values: table, json]`), as the per-command enums did.

use clap::ValueEnum;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use jiff::civil::Date;
use std::ffi::OsStr;

/// An output format of some command. The variants have no doc comments on purpose: clap would
/// show them in `--help`, where each command's own `--format` help already says what it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    // Diagnostics as a person reads them (`validate`).
    Human,
    // Aligned columns for a terminal.
    Table,
    // Prose for a terminal (`explain`).
    Text,
    // The command's JSON contract.
    Json,
    // Markdown.
    Markdown,
    // One self-contained HTML file.
    Html,
    // The native YAML format.
    Yaml,
    // Comma-separated values.
    Csv,
    // Open Threat Model JSON.
    Otm,
    // SARIF 2.1.0.
    Sarif,
}

impl Format {
    /// The error for a format the command's parser accepted but the command does not write;
    /// only reachable if a command's list and its `match` disagree.
    pub(crate) fn unsupported(self) -> anyhow::Error {
        let name = self.to_possible_value().map_or_else(String::new, |v| v.get_name().to_owned());
        anyhow::anyhow!("this command does not write --format {name}")
    }
}

/// A parser of `--format` that accepts only `allowed`, for `#[arg(value_parser = formats(…))]`.
pub(crate) fn formats(allowed: &'static [Format]) -> FormatParser {
    FormatParser(allowed)
}

/// See [`formats`].
#[derive(Clone)]
pub(crate) struct FormatParser(&'static [Format]);

impl FormatParser {
    fn values(&self) -> impl Iterator<Item = PossibleValue> + '_ {
        self.0.iter().filter_map(ValueEnum::to_possible_value)
    }
}

impl TypedValueParser for FormatParser {
    type Value = Format;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Format, clap::Error> {
        let name = PossibleValuesParser::new(self.values()).parse_ref(cmd, arg, value)?;
        self.0
            .iter()
            .copied()
            .find(|f| f.to_possible_value().is_some_and(|v| v.matches(&name, false)))
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values()))
    }
}

/// The message for a date that does not parse, with the form expected.
pub(crate) fn not_a_date(text: &str) -> String {
    format!("`{text}` is not a date: write YYYY-MM-DD, e.g. 2027-02-20")
}

/// Parses a date argument (`--as-of`, `--at`): `YYYY-MM-DD`, or a plain-words error.
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    text.parse::<Date>().map_err(|_| not_a_date(text))
}
