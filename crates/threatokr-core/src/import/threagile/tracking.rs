//! Threagile's `risk_tracking`: statuses, tickets and dates keyed by synthetic risk id or by a
//! pattern in which `*` stands for exactly one `@`-separated segment (a pattern matches only ids
//! with as many segments as it has). A `*` inside a segment (`erp-*`) stands for one or more
//! characters of that segment, as in Threagile's own `[^@]+` expansion.
//!
//! Precedence: an explicit id beats every pattern; among patterns, the one with fewer `*`
//! segments wins, then the one written first (Threagile leaves this to Go's random map order,
//! so we pick a deterministic rule). Matching is indexed by segment count and first segment, so
//! applying the table is linear in the number of risks for the usual patterns (`category@*`).

use std::collections::HashMap;

use crate::decode::parse_date;
use crate::diag::{Code, Span};
use crate::import::foreign::{Reader, entry_span, text};
use crate::model::{Threat, ThreatStatus};
use crate::syntax::Node;

/// One `risk_tracking` entry.
#[derive(Debug, Clone)]
struct Entry {
    pattern: String,
    segments: Vec<String>,
    wildcards: usize,
    status: ThreatStatus,
    status_raw: String,
    ticket: Option<String>,
    date: Option<jiff::civil::Date>,
    span: Span,
}

/// The model's `risk_tracking`, indexed for matching.
#[derive(Debug, Default)]
pub(super) struct TrackingTable {
    entries: Vec<Entry>,
    exact: HashMap<String, usize>,
    /// Patterns by (segment count, first segment when it is literal).
    patterns: HashMap<(usize, Option<String>), Vec<usize>>,
    used: Vec<bool>,
}

/// Maps a Threagile risk status; `None` for values Threagile does not define.
pub(super) fn map_status(raw: &str) -> Option<ThreatStatus> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "unchecked" => ThreatStatus::Identified,
        "in-discussion" => ThreatStatus::InReview,
        "in-progress" => ThreatStatus::InProgress,
        "mitigated" => ThreatStatus::Mitigated,
        "accepted" => ThreatStatus::Accepted,
        "false-positive" => ThreatStatus::FalsePositive,
        _ => return None,
    })
}

/// The hint given with a status that Threagile does not define.
pub(super) const STATUSES_HELP: &str = "Threagile statuses: unchecked, in-discussion, accepted, in-progress, mitigated, false-positive";

/// Reads `risk_tracking` (a mapping of id or pattern to tracking data).
pub(super) fn read_tracking(root: &Node, reader: &mut Reader) -> TrackingTable {
    let mut table = TrackingTable::default();
    let Some(map) = reader.map(root, "risk_tracking").and_then(Node::as_map) else {
        return table;
    };
    for (key, value) in map {
        let pattern = key.text.trim().to_owned();
        if pattern.is_empty() {
            continue;
        }
        let status_raw = text(value, "status").unwrap_or("unchecked").to_owned();
        let status = map_status(&status_raw).unwrap_or_else(|| {
            let span = value.get("status").map_or(key.span, |n| n.span);
            reader.push_with_help(
                Code::UnknownStatus,
                span,
                format!("`{status_raw}` is not a Threagile risk status; the tracked risks get status `unknown`"),
                STATUSES_HELP,
            );
            ThreatStatus::Unknown
        });
        let date = text(value, "date").and_then(|raw| {
            let parsed = parse_date(raw);
            if parsed.is_none() {
                let span = value.get("date").map_or(key.span, |n| n.span);
                reader.push(Code::InvalidDate, span, format!("`{raw}` is not a date in the form YYYY-MM-DD; the tracking date is left out"));
            }
            parsed
        });
        let segments: Vec<String> = pattern.split('@').map(str::to_owned).collect();
        let wildcards = segments.iter().filter(|s| s.contains('*')).count();
        let index = table.entries.len();
        if wildcards == 0 {
            if table.exact.insert(pattern.clone(), index).is_some() {
                reader.push(
                    Code::DuplicateForeignId,
                    key.span,
                    format!("`{pattern}` is tracked twice; the later entry wins"),
                );
            }
        } else {
            let first = segments.first().filter(|s| !s.contains('*')).cloned();
            table.patterns.entry((segments.len(), first)).or_default().push(index);
        }
        table.entries.push(Entry {
            pattern,
            segments,
            wildcards,
            status,
            status_raw,
            ticket: text(value, "ticket").map(str::to_owned),
            date,
            span: entry_span(key, value),
        });
        table.used.push(false);
    }
    table
}

impl TrackingTable {
    /// The entry that tracks a synthetic risk id, if any.
    fn find(&self, synthetic_id: &str) -> Option<usize> {
        if let Some(&index) = self.exact.get(synthetic_id) {
            return Some(index);
        }
        let segments: Vec<&str> = synthetic_id.split('@').collect();
        let literal =
            self.patterns.get(&(segments.len(), segments.first().map(|s| (*s).to_owned())));
        let open = self.patterns.get(&(segments.len(), None));
        literal
            .into_iter()
            .chain(open)
            .flatten()
            .copied()
            .filter(|&index| {
                self.entries[index]
                    .segments
                    .iter()
                    .zip(&segments)
                    .all(|(pattern, text)| segment_matches(pattern, text))
            })
            .min_by_key(|&index| (self.entries[index].wildcards, index))
    }

    /// Applies the tracking of `synthetic_id` to a threat: status, raw status, ticket and date.
    pub(super) fn apply(&mut self, synthetic_id: &str, threat: &mut Threat) {
        let Some(index) = self.find(synthetic_id) else {
            return;
        };
        self.used[index] = true;
        let entry = &self.entries[index];
        threat.status = entry.status;
        threat.status_raw.clone_from(&entry.status_raw);
        threat.ticket.clone_from(&entry.ticket);
        threat.updated = entry.date;
    }

    /// Reports the entries that matched no risk (only meaningful when every risk is known,
    /// that is with `risks.json`).
    pub(super) fn report_orphans(&self, reader: &mut Reader) {
        for (entry, _) in self.entries.iter().zip(&self.used).filter(|(_, used)| !**used) {
            reader.push_with_help(
                Code::OrphanedRiskTracking,
                entry.span,
                format!("the risk tracking `{}` matches no risk in risks.json", entry.pattern),
                "remove the entry, or check the synthetic id against risks.json",
            );
        }
    }

    /// Whether nothing is tracked.
    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Matches one `@`-separated segment: `*` stands for one or more characters (never `@`).
fn segment_matches(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    let stars = parts.len() - 1;
    let fixed: usize = parts.iter().map(|p| p.len()).sum();
    if text.len() < fixed + stars || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    // Place the middle parts leftmost, each after at least one character for its star; the last
    // part must then still fit after one more character.
    let mut position = first.len();
    for part in &parts[1..parts.len() - 1] {
        let from = next_boundary(text, position);
        let Some(found) = text.get(from..).and_then(|rest| rest.find(part)) else {
            return false;
        };
        position = from + found + part.len();
    }
    next_boundary(text, position) + last.len() <= text.len()
}

fn next_boundary(text: &str, position: usize) -> usize {
    let mut next = position + 1;
    while next < text.len() && !text.is_char_boundary(next) {
        next += 1;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_matches_exactly_one_segment() {
        assert!(segment_matches("*", "erp-system"));
        assert!(!segment_matches("*", ""));
        assert!(segment_matches("erp-*", "erp-system"));
        assert!(!segment_matches("erp-*", "erp-"));
        assert!(segment_matches("a*b*c", "axbyc"));
        assert!(!segment_matches("a*b*c", "abc"));
    }
}
