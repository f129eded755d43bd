//! The portal's page frame: the console's stylesheet and markup conventions (`lang`, a skip
//! link, one `main`, labelled forms), with the portal's own title and, when signed in, the
//! user's name and a sign-out form. maud escapes every interpolated value.

use axum::response::Html;
use maud::{html, Markup, DOCTYPE};

use crate::web::layout::csrf_field;

/// The stylesheet's path under `/portal/`, so the portal works with the console disabled.
pub const CSS_PATH: &str = "/portal/assets/web.css";

/// Who is signed in, for the header: the username and the CSRF token of the sign-out form.
pub struct SignedIn<'a> {
    pub username: &'a str,
    pub csrf: &'a str,
}

/// A portal page titled `title`; `who` adds the signed-in header.
pub fn page(title: &str, who: Option<SignedIn<'_>>, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="color-scheme" content="light dark";
                    title { (title) " · Twofold security" }
                    link rel="stylesheet" href=(CSS_PATH);
                }
                body {
                    a class="skip" href="#main" { "Skip to content" }
                    header class="bar" {
                        span class="brand" { "Twofold security" }
                        @if let Some(who) = &who {
                            form class="signout" method="post" action="/portal/signout" {
                                (csrf_field(who.csrf))
                                span class="who" { "Signed in as " strong { (who.username) } }
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                    main id="main" class=[who.is_none().then_some("narrow")] {
                        h1 { (title) }
                        (body)
                    }
                }
            }
        }
        .into_string(),
    )
}

/// A page outside a session, with `message` as an alert (refused links, errors).
pub fn message(title: &str, message: &str) -> Html<String> {
    page(title, None, html! { p role="alert" { (message) } })
}
