//! Open risk by theme over time, rebuilt from the recorded status history of the threats.
//!
//! No threat-modeling tool keeps history, so the store records each threat's status whenever the
//! models are read; this replays those changes day by day with today's risk and theme of each
//! threat (a threat's risk and theme are about what it is, its status about where it is).

use crate::model::{ThreatStatus, Workspace};
use crate::taxonomy;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One recorded status change of a threat: `(model file, threat id, day, status)`.
pub type StatusChange<'a> = (&'a str, &'a str, Date, ThreatStatus);

/// Open risk per theme on each day that has a recorded change, up to `as_of` (at most `max_points`
/// days, the latest ones, and always `as_of` itself). Themes are sorted by name; a threat whose
/// first recorded status is after a day does not count on that day (it was not known yet).
pub fn open_risk_by_theme_over_time(
    workspace: &Workspace,
    file_names: &dyn Fn(crate::diag::FileId) -> String,
    changes: &[StatusChange<'_>],
    as_of: Date,
    max_points: usize,
) -> Vec<(Date, Vec<(String, f64)>)> {
    // The theme and risk of every threat in today's models, keyed by (file, id).
    let mut threats: HashMap<(String, &str), (String, f64)> = HashMap::new();
    for model in &workspace.models {
        let file = file_names(model.origin.file);
        for threat in &model.threats {
            let theme = taxonomy::theme_of(threat).as_str().to_owned();
            threats.insert(
                (file.clone(), threat.id.as_str()),
                (theme, taxonomy::risk_of(threat).score),
            );
        }
    }
    let mut days: BTreeSet<Date> = changes.iter().map(|c| c.2).filter(|d| *d <= as_of).collect();
    days.insert(as_of);
    let days: Vec<Date> = days.into_iter().rev().take(max_points.max(1)).rev().collect();
    // Changes per threat, oldest first, so each day's status is a forward walk (linear overall).
    let mut per_threat: BTreeMap<(&str, &str), Vec<(Date, ThreatStatus)>> = BTreeMap::new();
    for (file, id, at, status) in changes {
        per_threat.entry((file, id)).or_default().push((*at, *status));
    }
    let mut series: Vec<BTreeMap<String, f64>> = vec![BTreeMap::new(); days.len()];
    for ((file, id), mut history) in per_threat {
        let Some((theme, risk)) = threats.get(&(file.to_owned(), id)) else { continue };
        history.sort_by_key(|(at, _)| *at);
        let mut next = 0;
        let mut current: Option<ThreatStatus> = None;
        for (index, day) in days.iter().enumerate() {
            while next < history.len() && history[next].0 <= *day {
                current = Some(history[next].1);
                next += 1;
            }
            if let Some(status) = current {
                let entry = series[index].entry(theme.clone()).or_insert(0.0);
                if status.is_open() {
                    *entry += risk;
                }
            }
        }
    }
    days.into_iter()
        .zip(series)
        .map(|(day, themes)| {
            (
                day,
                themes
                    .into_iter()
                    .map(|(theme, risk)| (theme, (risk * 10.0).round() / 10.0))
                    .collect(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Files;
    use crate::workspace::{WorkspaceFiles, load_workspace};

    #[test]
    fn replays_status_changes_day_by_day() {
        let mut files = Files::new();
        let model = files.add(
            "models/a.tm.yaml",
            "title: A\nthreats:\n  - { id: T-1, title: IDOR, cwe: [639], status: mitigated, severity: high }\n  - { id: T-2, title: XSS, cwe: [79], status: identified, severity: medium }\n",
        );
        let (workspace, _) =
            load_workspace(&files, &WorkspaceFiles { models: vec![model], ..Default::default() });
        let d = |text: &str| text.parse::<Date>().unwrap();
        // T-1 open on 01-10, mitigated on 02-01; T-2 first seen on 02-01, open.
        let changes = [
            ("models/a.tm.yaml", "T-1", d("2027-01-10"), ThreatStatus::Identified),
            ("models/a.tm.yaml", "T-1", d("2027-02-01"), ThreatStatus::Mitigated),
            ("models/a.tm.yaml", "T-2", d("2027-02-01"), ThreatStatus::Identified),
            ("models/gone.tm.yaml", "T-9", d("2027-01-10"), ThreatStatus::Identified),
        ];
        let names = |id| files.name(id).to_owned();
        let series =
            open_risk_by_theme_over_time(&workspace, &names, &changes, d("2027-02-15"), 10);
        // high = 8.0 (access control), medium = 5.5 (XSS); T-9's model is gone and does not count.
        assert_eq!(
            series,
            vec![
                (d("2027-01-10"), vec![("access_control".to_owned(), 8.0)]),
                (
                    d("2027-02-01"),
                    vec![
                        ("access_control".to_owned(), 0.0),
                        ("output_encoding_xss".to_owned(), 5.5)
                    ]
                ),
                (
                    d("2027-02-15"),
                    vec![
                        ("access_control".to_owned(), 0.0),
                        ("output_encoding_xss".to_owned(), 5.5)
                    ]
                ),
            ]
        );
        // Only the latest points are kept.
        assert_eq!(
            open_risk_by_theme_over_time(&workspace, &names, &changes, d("2027-02-15"), 2).len(),
            2
        );
    }
}
