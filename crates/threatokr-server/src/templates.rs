//! Server-rendered pages (maud: every interpolation is escaped unless marked `PreEscaped`).
//!
//! Pages work without JavaScript; the only style sheet is `/assets/style.css`, so the
//! Content-Security-Policy needs no inline script or style. The SVG charts come from the core's
//! report renderers, which escape what they embed.

mod app;
mod cycles;
mod home;
mod objective;
mod org;
mod search;
mod signin;

pub(crate) use app::{
    app_page, citing as citing_key_results, finding_picture as findings_of, threat_page,
};
pub(crate) use cycles::cycles_page;
pub(crate) use home::home_page;
pub(crate) use objective::{children as children_of, objective_page};
pub(crate) use org::{person_page, team_page};
pub(crate) use search::search_page;
pub(crate) use signin::signin_page;

use crate::snapshot::Snapshot;
use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use threatokr_core::model::LinkKind;
use threatokr_core::report::{Status, status_label};

/// What every page needs besides the snapshot: the cycle asked for and who is signed in.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageContext {
    /// The cycle from the query (`None`: the current one); kept in every link.
    pub(crate) cycle: Option<String>,
    /// The signed-in token's name and role.
    pub(crate) signed_in: Option<(String, threatokr_store::Role)>,
    /// The session's CSRF token, for forms.
    pub(crate) csrf: Option<String>,
}

impl PageContext {
    /// A link inside the dashboard that keeps the chosen cycle.
    pub(crate) fn href(&self, path: &str) -> String {
        match &self.cycle {
            Some(cycle) => format!("{path}?cycle={}", url_encode(cycle)),
            None => path.to_owned(),
        }
    }

    /// Whether the check-in form is shown.
    pub(crate) fn can_edit(&self) -> bool {
        self.csrf.is_some()
            && self
                .signed_in
                .as_ref()
                .is_some_and(|(_, role)| *role >= threatokr_store::Role::Editor)
    }
}

/// Percent-encodes a path segment or query value.
pub(crate) fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The frame of every page: header, navigation, cycle switcher, sign-in state.
pub(crate) fn layout(
    title: &str,
    snapshot: Option<&Snapshot>,
    context: &PageContext,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · threatokr" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                header.top {
                    a.brand href=(context.href("/")) {
                        @if let Some(snapshot) = snapshot { (snapshot.report.org) } @else { "threatokr" }
                    }
                    nav {
                        a href=(context.href("/")) { "Home" }
                        a href=(context.href("/cycles")) { "Cycles" }
                        form.search action="/search" method="get" role="search" {
                            @if let Some(cycle) = &context.cycle { input type="hidden" name="cycle" value=(cycle); }
                            label.visually-hidden for="q" { "Search" }
                            input #q type="search" name="q" placeholder="Search objectives, threats, apps…";
                            button type="submit" { "Search" }
                        }
                        @if let Some(snapshot) = snapshot {
                            (cycle_switcher(snapshot))
                        }
                        @match &context.signed_in {
                            Some((name, role)) => {
                                form.inline action="/signout" method="post" {
                                    @if let Some(csrf) = &context.csrf { input type="hidden" name="csrf" value=(csrf); }
                                    span.who { (name) " (" (role.as_str()) ")" }
                                    button type="submit" { "Sign out" }
                                }
                            }
                            None => { a href="/signin" { "Sign in" } }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

fn cycle_switcher(snapshot: &Snapshot) -> Markup {
    html! {
        form.inline action="/" method="get" {
            label for="cycle" { "Cycle" }
            select #cycle name="cycle" {
                @for cycle in snapshot.cycles.iter().filter(|c| c.has_okrs) {
                    option value=(cycle.id) selected[cycle.id == snapshot.cycle_id()] {
                        (cycle.id) @if cycle.closed { " (closed)" }
                    }
                }
            }
            button type="submit" { "Show" }
        }
    }
}

/// A status badge.
pub(crate) fn badge(status: Status) -> Markup {
    html! { span class={ "badge " (status.as_str()) } { (status_label(status)) } }
}

/// Progress as a percentage or "no data".
pub(crate) fn percent(progress: Option<f64>) -> String {
    threatokr_core::report::format_whole_percent(progress)
}

/// A value with its unit, or "no data".
pub(crate) fn value_with_unit(value: Option<f64>, unit: &str) -> String {
    threatokr_core::report::format_value(value, unit)
}

/// The core's progress bar (an SVG with the expected-progress marker).
pub(crate) fn progress_bar(
    id: &str,
    title: &str,
    progress: Option<f64>,
    expected: Option<f64>,
    status: Status,
) -> Markup {
    PreEscaped(threatokr_core::report::progress_bar(id, title, progress, expected, status))
}

/// How a link between objectives is drawn: contributes solid, supports dashed.
pub(crate) fn link_class(link: Option<LinkKind>) -> &'static str {
    match link {
        None => "root",
        Some(LinkKind::Contributes) => "contributes",
        Some(LinkKind::Supports) => "supports",
    }
}

/// A page for an error.
pub(crate) fn error_page(status: StatusCode, message: &str) -> Markup {
    let context = PageContext::default();
    layout(
        status.canonical_reason().unwrap_or("Error"),
        None,
        &context,
        html! {
            h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
            p { (message) }
            @if status == StatusCode::UNAUTHORIZED { p { a href="/signin" { "Sign in with a token" } } }
            p { a href="/" { "Back to the dashboard" } }
        },
    )
}
