//! A finding key result measured again from the parts kept for its unchanged scopes (issue 12):
//! after an ingest into one app's environment, a portfolio's key result computes that scope and
//! adds the kept parts of its thousands of others ([`ScopePart`]), instead of reading and
//! counting every finding again. Its evidence is written as the runs of the scopes computed and
//! the names of the runs kept for the others.

use super::fingerprint::RunPrints;
use crate::Result;
use crate::field_hash::hex;
use std::collections::HashMap;
use threatokr_core::metrics::{EvidenceRef, ScopePart};
use threatokr_store::{EvidencePart, EvidenceText, PartText, ScopeGeneration, Store};

/// What a key result's row keeps of its scopes, as JSON text in the store: the base of its
/// fingerprint (every input but the findings) and each scope's part with the generation its
/// findings and scans had. A part is taken again only under the same base and generation.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptParts {
    base: String,
    scopes: Vec<(i64, ScopePart)>,
}

/// The parts as the store keeps them, with the generation of each scope's findings and scans
/// (`-1` for a scope without one, never taken again).
pub(crate) fn kept_parts_text(
    base: &[u8; 32],
    parts: &[ScopePart],
    generations: &RunPrints,
) -> Option<String> {
    let scopes = parts
        .iter()
        .map(|part| {
            (generations.generation(&part.app, &part.environment).unwrap_or(-1), part.clone())
        })
        .collect();
    serde_json::to_string(&KeptParts { base: hex(base), scopes }).ok()
}

/// The parts kept for `kr` on the day that can be taken again: recorded under the same `base`,
/// of a scope `read` still holds at the same generation. `None` when too few items are kept to
/// be worth it: the evidence of a short list is written whole, so its runs are not kept apart.
pub(crate) fn parts_to_keep<'g>(
    store: &Store,
    kr: &str,
    as_of: jiff::civil::Date,
    base: &[u8; 32],
    read: impl Iterator<Item = &'g ScopeGeneration>,
) -> Result<Option<Vec<ScopePart>>> {
    let Some(text) = store.stored_scope_parts(kr, as_of)? else { return Ok(None) };
    let Ok(stored) = serde_json::from_str::<KeptParts>(&text) else { return Ok(None) };
    if stored.base != hex(base) {
        return Ok(None);
    }
    let now: HashMap<(&str, &str), i64> =
        read.map(|g| ((g.app.as_str(), g.environment.as_str()), g.generation)).collect();
    let kept: Vec<ScopePart> = stored
        .scopes
        .into_iter()
        .filter(|(generation, part)| {
            now.get(&(part.app.as_str(), part.environment.as_str())) == Some(generation)
        })
        .map(|(_, part)| part)
        .collect();
    let items: u64 = kept.iter().map(|p| p.listed).sum();
    Ok((items >= super::PARTS_FROM_ITEMS as u64).then_some(kept))
}

/// A finding key result composed of kept parts and scopes computed again.
#[derive(Debug)]
pub(crate) struct Composed {
    /// The print and the key of the run recorded for each kept scope that lists items.
    pub(crate) kept_runs: HashMap<(String, String), (String, String)>,
    /// The evidence of the scopes computed, in their order.
    pub(crate) fresh: Vec<EvidenceRef>,
    /// How many items the whole evidence counts.
    pub(crate) counted: usize,
}

impl Composed {
    /// A key result whose `parts` are those of the scopes `kept` and those computed, with the
    /// evidence computed (`fresh`): each kept scope that lists items is named by its print
    /// among the runs recorded that day (`recorded`, by print). `None` when one is not among
    /// them (the store lost it, or another process measured the day meanwhile).
    pub(crate) fn new(
        parts: &[ScopePart],
        kept: &[ScopePart],
        fresh: Vec<EvidenceRef>,
        print: impl Fn(&str, &str) -> Option<String>,
        recorded: &HashMap<String, String>,
    ) -> Option<Self> {
        let mut kept_runs = HashMap::new();
        for part in kept.iter().filter(|part| part.listed > 0) {
            let print = print(&part.app, &part.environment)?;
            let key = recorded.get(&print)?.clone();
            kept_runs.insert((part.app.clone(), part.environment.clone()), (print, key));
        }
        let counted = parts.iter().map(|p| p.listed).sum::<u64>();
        Some(Self { kept_runs, fresh, counted: usize::try_from(counted).ok()? })
    }

    /// The print and key of the run kept for `part`'s scope, when it is kept.
    fn kept_run(&self, part: &ScopePart) -> Option<&(String, String)> {
        self.kept_runs.get(&(part.app.clone(), part.environment.clone()))
    }
}

/// The evidence of a composed key result as the store keeps it: in the order of its scopes, the
/// run of each scope computed written (named by `print`), that of each kept scope named by the
/// key it was recorded under. `None` when the evidence computed does not follow its scopes.
pub(crate) fn composed_evidence(
    parts: &[ScopePart],
    composed: &Composed,
    print: impl Fn(&str, &str) -> Option<String>,
    write: impl Fn(&[EvidenceRef]) -> String,
) -> Option<EvidenceText> {
    let mut fresh = composed.fresh.as_slice();
    let mut runs = Vec::new();
    for part in parts.iter().filter(|part| part.listed > 0) {
        let run = match composed.kept_run(part) {
            Some((print, key)) => {
                EvidencePart { print: Some(print.clone()), text: PartText::Kept(key.clone()) }
            }
            None => {
                let (items, rest) = fresh.split_at_checked(usize::try_from(part.listed).ok()?)?;
                let of_scope = |item: &EvidenceRef| {
                    matches!(item, EvidenceRef::Finding { app, environment, .. }
                        if **app == part.app && **environment == part.environment)
                };
                if !items.iter().all(of_scope) {
                    return None;
                }
                fresh = rest;
                let text = PartText::Written(write(items));
                EvidencePart { print: print(&part.app, &part.environment), text }
            }
        };
        runs.push(run);
    }
    fresh.is_empty().then_some(EvidenceText::Parts(runs))
}

/// The first `shown` items of a composed key result's evidence, for a listing: the runs kept
/// for its first scopes read back, and the items computed for the others. `None` when a kept run
/// is gone or does not read back.
pub(crate) fn listing_prefix(
    store: &Store,
    parts: &[ScopePart],
    composed: &Composed,
    shown: usize,
) -> Result<Option<Vec<EvidenceRef>>> {
    let mut listing = Vec::new();
    let mut fresh = composed.fresh.iter();
    for part in parts.iter().filter(|part| part.listed > 0) {
        if listing.len() >= shown {
            break;
        }
        let wanted = usize::try_from(part.listed).unwrap_or(usize::MAX);
        if let Some((_, key)) = composed.kept_run(part) {
            let Some(run) = store.kept_run(key)? else { return Ok(None) };
            let Ok(items) = serde_json::from_str::<Vec<EvidenceRef>>(&format!("[{run}]")) else {
                return Ok(None);
            };
            listing.extend(items);
        } else {
            listing.extend(fresh.by_ref().take(wanted).cloned());
        }
    }
    listing.truncate(shown);
    Ok(Some(listing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::tests::finding;

    fn part(app: &str, environment: &str, listed: u64) -> ScopePart {
        ScopePart {
            app: app.to_owned(),
            environment: environment.to_owned(),
            listed,
            met: 0,
            days: Vec::new(),
            newest_scan: None,
        }
    }

    /// Scopes a and c kept (c listing nothing), b and d counted again; a's run recorded under
    /// `recorded`.
    fn composed_of(
        fresh: Vec<EvidenceRef>,
        recorded: &HashMap<String, String>,
    ) -> (Vec<ScopePart>, Option<Composed>) {
        let parts = vec![
            part("a", "prod", 2),
            part("b", "prod", 1),
            part("c", "prod", 0),
            part("d", "qa", 2),
        ];
        let kept = [parts[0].clone(), parts[2].clone()];
        let composed = Composed::new(&parts, &kept, fresh, print, recorded);
        (parts, composed)
    }

    fn print(app: &str, environment: &str) -> Option<String> {
        Some(format!("print of {app}/{environment}"))
    }

    fn write(items: &[EvidenceRef]) -> String {
        items.iter().map(|item| serde_json::to_string(item).unwrap()).collect::<Vec<_>>().join(",")
    }

    fn recorded() -> HashMap<String, String> {
        HashMap::from([("print of a/prod".to_owned(), "key-a".to_owned())])
    }

    #[test]
    fn issue_12_a_composed_evidence_names_the_kept_runs_and_writes_the_others_in_scope_order() {
        let fresh = vec![finding("b", "prod", 1), finding("d", "qa", 2), finding("d", "qa", 3)];
        let (parts, composed) = composed_of(fresh.clone(), &recorded());
        let composed = composed.expect("a's run is recorded");
        assert_eq!(composed.counted, 5);
        let Some(EvidenceText::Parts(runs)) = composed_evidence(&parts, &composed, print, write)
        else {
            panic!("the evidence is composed in runs")
        };
        let expected = [
            (Some("print of a/prod"), PartText::Kept("key-a".to_owned())),
            (Some("print of b/prod"), PartText::Written(write(&fresh[..1]))),
            (Some("print of d/qa"), PartText::Written(write(&fresh[1..]))),
        ];
        let got: Vec<(Option<&str>, PartText)> =
            runs.iter().map(|run| (run.print.as_deref(), run.text.clone())).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn issue_12_a_kept_run_gone_or_evidence_out_of_its_scopes_composes_nothing() {
        let fresh = vec![finding("b", "prod", 1), finding("d", "qa", 2), finding("d", "qa", 3)];
        // Another process measured the day: a's run is no longer among those recorded.
        assert!(composed_of(fresh, &HashMap::new()).1.is_none());
        // An item of another scope where b's are due, or one item too many.
        let swapped = vec![finding("d", "qa", 2), finding("b", "prod", 1), finding("d", "qa", 3)];
        let (parts, composed) = composed_of(swapped, &recorded());
        assert_eq!(composed_evidence(&parts, &composed.unwrap(), print, write), None);
        let more = vec![
            finding("b", "prod", 1),
            finding("d", "qa", 2),
            finding("d", "qa", 3),
            finding("d", "qa", 4),
        ];
        let (parts, composed) = composed_of(more, &recorded());
        assert_eq!(composed_evidence(&parts, &composed.unwrap(), print, write), None);
    }
}
