//! The page frame every console page shares: `lang`, a skip link, the main navigation, the
//! sign-out form, one stylesheet. maud escapes every interpolated value, so text from the
//! database cannot become markup.

use axum::response::Html;
use maud::{html, Markup, DOCTYPE};

/// The console's pages, in the order the navigation lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Users,
    Audit,
    Usage,
    Tokens,
    Applications,
    Methods,
    Server,
}

impl Section {
    const ALL: [Section; 7] = [
        Section::Users,
        Section::Audit,
        Section::Usage,
        Section::Tokens,
        Section::Applications,
        Section::Methods,
        Section::Server,
    ];

    fn href(self) -> &'static str {
        match self {
            Section::Users => "/admin/users",
            Section::Audit => "/admin/audit",
            Section::Usage => "/admin/usage",
            Section::Tokens => "/admin/tokens",
            Section::Applications => "/admin/applications",
            Section::Methods => "/admin/methods",
            Section::Server => "/admin/server",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Section::Users => "Users",
            Section::Audit => "Audit",
            Section::Usage => "Usage",
            Section::Tokens => "Tokens",
            Section::Applications => "Applications",
            Section::Methods => "Methods",
            Section::Server => "Server",
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="color-scheme" content="light dark";
            title { (title) " · Twofold console" }
            link rel="stylesheet" href=(super::assets::CSS_PATH);
        }
    }
}

/// `text` percent-encoded for a path segment or a query value of a link.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The hidden CSRF field every form of a signed-in page carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A signed-in page: navigation with `current` marked, the admin's name, sign-out.
pub fn page(title: &str, current: Section, admin: &str, csrf: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                (head(title))
                body {
                    a class="skip" href="#main" { "Skip to content" }
                    header class="bar" {
                        span class="brand" { "Twofold console" }
                        nav aria-label="Main" {
                            ul {
                                @for section in Section::ALL {
                                    li {
                                        a href=(section.href())
                                          aria-current=[(section == current).then_some("page")] {
                                            (section.label())
                                        }
                                    }
                                }
                            }
                        }
                        form class="signout" method="post" action="/admin/signout" {
                            (csrf_field(csrf))
                            span class="who" { "Signed in as " strong { (admin) } }
                            button type="submit" { "Sign out" }
                        }
                    }
                    main id="main" {
                        h1 { (title) }
                        (body)
                    }
                }
            }
        }
        .into_string(),
    )
}

/// [`page`] for `session`'s admin, as a response.
pub fn signed_in(
    session: &super::session::Session,
    title: &str,
    current: Section,
    body: Markup,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    page(title, current, &session.admin.name, &session.csrf, body).into_response()
}

/// A page outside a session (sign-in, errors): no navigation.
pub fn page_bare(title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                (head(title))
                body {
                    a class="skip" href="#main" { "Skip to content" }
                    header class="bar" { span class="brand" { "Twofold console" } }
                    main id="main" class="narrow" {
                        h1 { (title) }
                        (body)
                    }
                }
            }
        }
        .into_string(),
    )
}

/// An error page: what went wrong and a way back.
pub fn bare(title: &str, message: &str) -> Html<String> {
    page_bare(
        title,
        html! {
            p role="alert" { (message) }
            p { a href="/admin/" { "Back to the console" } }
        },
    )
}

/// A notice above a page's content (after an action): `role=status` so screen readers say it.
pub fn notice(text: &str) -> Markup {
    html! { p class="notice" role="status" { (text) } }
}

/// A signed-in page that says why an action was refused, with the admin API's status and
/// words for the same refusal (internal details only logged, as there).
pub fn refused(
    session: &super::session::Session,
    title: &str,
    current: Section,
    error: crate::error::ApiError,
    back: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = html! {
        p role="alert" class="error" { (error.message) }
        p { a href=(back) { "Back" } }
    };
    (
        error.status,
        page(title, current, &session.admin.name, &session.csrf, body),
    )
        .into_response()
}

/// The query of a page that a finished action redirected to: which fixed notice to show
/// (each page maps the word to its own text; nothing from the request is echoed).
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: Option<String>,
}
