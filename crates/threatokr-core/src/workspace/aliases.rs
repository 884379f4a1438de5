//! Short, stable aliases for threats: `<app>:T-<n>` (`checkout:T-4821`), so that threats whose
//! source gives them unusable ids (`26@5d15323e-…` from Threat Dragon, UUIDs, Threagile's long
//! synthetic ids) can be named in OKR files, test names and searches.
//!
//! The rule (documented in `docs/threat-aliases.md`):
//! - `n` is a four-digit number, 1000–9999, taken from a hash (64-bit FNV-1a) of the threat's
//!   original id. It depends on nothing else, so it is the same on every load and re-import, and
//!   adding, removing or reordering other threats leaves it alone.
//! - Numbers are unique within an app. When two threats of one app hash to the same number, they
//!   are taken in the order of their original ids (then file names): the first keeps it, the
//!   next hashes its id again with `#1`, `#2`, … until a free number comes. So an alias changes
//!   only when a new threat of the same app collides with it and sorts before it.
//! - The app is the one the model belongs to (see the workspace's model assignment): aliases
//!   of one app are untouched by threats added to another.

use crate::model::{AppId, ThreatAliases, ThreatId, ThreatModel};
use std::collections::BTreeSet;

/// The lowest alias number.
const FIRST: u64 = 1000;
/// How many alias numbers there are per app (1000–9999).
const SPAN: u64 = 9000;

/// 64-bit FNV-1a: small, fixed and the same on every platform, which is all an alias needs.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The alias number of `id` at its `attempt`-th try (0 first).
fn number(id: &str, attempt: u32) -> u64 {
    let hash = if attempt == 0 { fnv1a(id) } else { fnv1a(&format!("{id}#{attempt}")) };
    FIRST + hash % SPAN
}

/// The aliases of every threat of `models` (each model's `app` assigned).
pub fn assign(models: &[ThreatModel], file_name: impl Fn(&ThreatModel) -> String) -> ThreatAliases {
    let mut threats: Vec<(&AppId, &ThreatId, String)> = Vec::new();
    for model in models {
        let Some(app) = &model.app else { continue };
        let name = file_name(model);
        threats.extend(model.threats.iter().map(|t| (app, &t.id, name.clone())));
    }
    threats.sort();
    let mut aliases = ThreatAliases::default();
    let mut taken: BTreeSet<(&AppId, u64)> = BTreeSet::new();
    let mut done: BTreeSet<(&AppId, &ThreatId)> = BTreeSet::new();
    for (app, id, _) in threats {
        if !done.insert((app, id)) {
            // The same id twice in one app (two models of it): one alias, the first.
            continue;
        }
        let n = (0..)
            .map(|attempt| number(id.as_str(), attempt))
            .find(|n| taken.insert((app, *n)))
            .expect("an app has fewer threats than alias numbers");
        aliases.insert(format!("{app}:T-{n}"), id.clone());
    }
    aliases
}

/// Whether `text` has the shape of an alias: `<app>:T-<digits>`.
pub fn is_alias(text: &str) -> bool {
    text.split_once(":T-").is_some_and(|(app, n)| {
        !app.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests;
