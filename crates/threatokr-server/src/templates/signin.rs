//! The sign-in page: a token in, a session cookie out.

use super::{PageContext, layout};
use maud::{Markup, html};

pub(crate) fn signin_page(csrf: &str, message: Option<&str>) -> Markup {
    layout(
        "Sign in",
        None,
        &PageContext::default(),
        html! {
            h1 { "Sign in" }
            @if let Some(message) = message { p.error role="alert" { (message) } }
            p { "Paste a token made with " code { "threatokr token create" } "." }
            form action="/signin" method="post" {
                input type="hidden" name="csrf" value=(csrf);
                label { "Token " input type="password" name="token" autocomplete="off" required; }
                button type="submit" { "Sign in" }
            }
        },
    )
}
