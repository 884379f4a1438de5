//! The scope parameters every metric accepts: apps (ids or `tag:<tag>`), teams, themes,
//! environments and the window.

use super::measure::{Coverage, list_param, text_param};
use crate::model::{App, Cycle, Measure, Theme, Threat, ThreatModel, Workspace};
use crate::taxonomy::{cwe, theme_of};
use jiff::ToSpan;
use jiff::civil::Date;
use std::collections::BTreeSet;

/// What a key result's `measure:` selects.
#[derive(Debug, Clone)]
pub(crate) struct Scope<'w> {
    /// The in-scope apps in file order: selected by `apps` (ids or `tag:<tag>`, any matches),
    /// then by `teams` (the app's owning team); every app when neither is given.
    pub(crate) apps: Vec<&'w App>,
    /// Ids of `apps`.
    pub(crate) app_ids: BTreeSet<&'w str>,
    /// Whether `apps` or `teams` narrowed the apps.
    pub(crate) apps_filtered: bool,
    /// `teams`, when given.
    pub(crate) teams: Option<BTreeSet<String>>,
    /// `themes` and `theme`, when given.
    pub(crate) themes: Option<BTreeSet<Theme>>,
    /// `env` and `environments`, when given.
    pub(crate) environments: Option<BTreeSet<String>>,
    /// First day of the window: the cycle's start (`window: cycle`, the default) or `as_of − N`
    /// days (`window: <N>d`); never after `as_of`.
    pub(crate) window_start: Date,
    /// Whether `window` was written (metrics whose default is not the cycle read it).
    pub(crate) window_given: bool,
    /// Parameters that could not be understood, for the reader.
    pub(crate) notes: Vec<String>,
}

impl<'w> Scope<'w> {
    /// Reads the scope parameters of `measure`.
    pub(crate) fn new(
        workspace: &'w Workspace,
        measure: &Measure,
        cycle: &Cycle,
        as_of: Date,
    ) -> Self {
        let mut notes = Vec::new();
        let selectors = list_param(measure, "apps");
        let teams: Option<BTreeSet<String>> = measure
            .params
            .contains_key("teams")
            .then(|| list_param(measure, "teams").into_iter().collect());
        for selector in &selectors {
            let known = match selector.strip_prefix("tag:") {
                Some(tag) => {
                    workspace.config.apps.iter().any(|a| a.tags.iter().any(|t| t == tag.trim()))
                }
                None => workspace.config.app(selector).is_some(),
            };
            if !known {
                notes.push(format!("`apps`: `{selector}` matches no app"));
            }
        }
        let apps: Vec<&App> = workspace
            .config
            .apps
            .iter()
            .filter(|app| selectors.is_empty() || selectors.iter().any(|s| selects(s, app)))
            .filter(|app| {
                teams.as_ref().is_none_or(|teams| {
                    app.team.as_ref().is_some_and(|t| teams.contains(t.as_str()))
                })
            })
            .collect();
        let app_ids = apps.iter().map(|a| a.id.as_str()).collect();

        let mut theme_names = list_param(measure, "themes");
        theme_names.extend(list_param(measure, "theme"));
        let themes = (!theme_names.is_empty()).then(|| {
            theme_names
                .iter()
                .filter_map(|name| match name.trim().parse::<Theme>() {
                    Ok(theme) => Some(theme),
                    Err(error) => {
                        notes.push(format!("`theme`: {error}"));
                        None
                    }
                })
                .collect()
        });

        let mut environments = list_param(measure, "environments");
        environments.extend(list_param(measure, "env"));
        let environments = (!environments.is_empty()).then(|| environments.into_iter().collect());

        let cycle_start = cycle.start.min(as_of);
        // Only a metric that takes a window reads one (lowering refuses it on the others).
        let uses_window = crate::metrics::metric(&measure.metric).is_none_or(|m| m.uses_window);
        let window = uses_window.then(|| text_param(measure, "window")).flatten();
        let window_start = match window.map(str::trim) {
            None | Some("cycle") => cycle_start,
            Some("all") => Date::MIN,
            Some(text) => match text.strip_suffix('d').and_then(|n| n.trim().parse::<i64>().ok()) {
                Some(days) if (0..=36_500).contains(&days) => {
                    as_of.checked_sub(days.days()).unwrap_or(cycle_start)
                }
                _ => {
                    notes.push(format!(
                        "`window: {text}` is not `cycle`, `all` or `<N>d`; the cycle is used"
                    ));
                    cycle_start
                }
            },
        };
        Self {
            apps,
            app_ids,
            apps_filtered: !selectors.is_empty() || teams.is_some(),
            teams,
            themes,
            environments,
            window_start,
            window_given: window.is_some(),
            notes,
        }
    }

    /// Whether a day falls in the window `[window_start, as_of]`.
    pub(crate) fn in_window(&self, day: Date, as_of: Date) -> bool {
        self.window_start <= day && day <= as_of
    }

    /// Whether an app is in scope.
    pub(crate) fn has_app(&self, app: &str) -> bool {
        self.app_ids.contains(app)
    }

    /// The models of in-scope apps, in workspace order.
    pub(crate) fn models(
        &self,
        workspace: &'w Workspace,
    ) -> impl Iterator<Item = (&'w str, &'w ThreatModel)> + '_ {
        workspace.models.iter().filter_map(move |model| {
            let app = model.app.as_ref()?.as_str();
            self.has_app(app).then_some((app, model))
        })
    }

    /// Which in-scope apps have a threat model: an app without one has threats and controls
    /// nobody has written down, not none.
    pub(crate) fn model_coverage(&self, workspace: &Workspace) -> Coverage {
        let modeled: BTreeSet<&str> = self.models(workspace).map(|(app, _)| app).collect();
        let mut missing: Vec<String> = self
            .apps
            .iter()
            .filter(|app| !modeled.contains(app.id.as_str()))
            .map(|app| app.id.to_string())
            .collect();
        missing.sort();
        Coverage {
            covered: modeled.len() as u32,
            total: self.apps.len() as u32,
            of: "apps with a threat model",
            missing,
        }
    }

    /// Whether a threat is about one of the themes (always, when no theme is given).
    pub(crate) fn has_threat(&self, threat: &Threat) -> bool {
        self.themes.as_ref().is_none_or(|themes| themes.contains(&theme_of(threat)))
    }

    /// Whether a finding's CWEs put it in one of the themes (always, when no theme is given).
    pub(crate) fn has_cwes(&self, cwes: &[u32]) -> bool {
        self.themes.as_ref().is_none_or(|themes| {
            cwe::most_specific(cwes).is_some_and(|(_, theme)| themes.contains(&theme))
        })
    }

    /// Whether an environment is in scope (always, when none is given).
    pub(crate) fn has_environment(&self, environment: &str) -> bool {
        self.environments.as_ref().is_none_or(|envs| envs.contains(environment))
    }
}

fn selects(selector: &str, app: &App) -> bool {
    match selector.strip_prefix("tag:") {
        Some(tag) => app.tags.iter().any(|t| t == tag.trim()),
        None => app.id.as_str() == selector.trim(),
    }
}
