//! The web pages' forms and queries, through the real router: a server state on SQLite in a
//! temporary folder (made once per process), a signed-in console admin and a signed-in,
//! verified portal user, and the fuzzer's bytes as one request. The input's first line is the
//! request target (`/admin/users/bob/state?x=1`); the rest is the body. A body is posted as a
//! form with the session's CSRF token in front (so the handlers behind the token check are
//! reached), or as multipart when it starts with the boundary line `--fuzz` (the token upload).
//! An empty body is a GET. Whatever the bytes, the answer must not be a server error: hostile
//! form fields are the client's fault, and a 5xx for them is the bug.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use tower::ServiceExt as _;
use twofold_core::proto::admin::{NewConsoleAdmin, NewUser};
use twofold_server::auth::{admin, users};
use twofold_server::clock::SystemClock;
use twofold_server::web::session::Kind;
use twofold_server::web::{admins, portal};
use twofold_server::{build_state, AppState, Config};

/// The user the portal session belongs to, and whom console actions are pointed at by the
/// seeds: made again whenever an input deleted them.
const USER: &str = "bob";
/// Sessions are started again every this many inputs: an input may end one (signing out,
/// deleting the user), which would leave every later input at the sign-in page.
const FRESH_SESSIONS_EVERY: u64 = 512;

struct Harness {
    runtime: tokio::runtime::Runtime,
    state: AppState,
    admin: admin::Admin,
    console_admin_id: String,
    sessions: std::sync::Mutex<Sessions>,
}

#[derive(Default)]
struct Sessions {
    inputs: u64,
    cookies: String,
    console_csrf: String,
    portal_csrf: String,
}

impl Sessions {
    fn csrf_for(&self, target: &str) -> &str {
        if target.starts_with("/portal") {
            &self.portal_csrf
        } else {
            &self.console_csrf
        }
    }
}

static HARNESS: OnceLock<Option<Harness>> = OnceLock::new();

fn harness() -> Option<&'static Harness> {
    HARNESS.get_or_init(|| build().ok()).as_ref()
}

/// Any failure to set up is a harness problem, not a finding: the target then does nothing,
/// and the replay test (which checks that the harness starts) reports it.
fn build() -> Result<Harness, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}", std::process::id()));
    remove_stale_dirs();
    let (state, admin, console_admin_id) = runtime.block_on(async {
        let mut config = Config::load(None, |_| None).map_err(|e| e.to_string())?;
        config.data_dir = dir.join("data");
        // Every page the portal has, app passwords included (off by default).
        config.app_passwords.enabled = true;
        let bound: SocketAddr = ([127, 0, 0, 1], 9).into();
        let (state, first) = build_state(config, Arc::new(SystemClock), bound)
            .await
            .map_err(|e| e.to_string())?;
        let token = first.admin_token.ok_or("the data folder was not new")?;
        let admin = admin::verify_token(&state, &token)
            .await
            .map_err(|e| e.to_string())?;
        let console = admins::add(
            &state,
            &admin,
            NewConsoleAdmin {
                name: "fuzz".into(),
                password: "a long enough password for the fuzzer".into(),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok::<_, String>((state, admin, console.id.clone()))
    })?;
    Ok(Harness {
        runtime,
        state,
        admin,
        console_admin_id,
        sessions: std::sync::Mutex::new(Sessions::default()),
    })
}

/// The harness's data folders: `<temp>/twofold-fuzz-web-<pid>`.
const DIR_PREFIX: &str = "twofold-fuzz-web-";

/// Removes the data folders of harness processes that have ended (a process cannot remove its
/// own at exit: the state lives in a static until then).
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(DIR_PREFIX)) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !std::path::Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// `name=value` of a `Set-Cookie` header.
fn cookie_pair(set_cookie: &axum::http::HeaderValue) -> String {
    let text = set_cookie.to_str().unwrap_or_default();
    text.split(';').next().unwrap_or_default().to_owned()
}

impl Harness {
    /// The user exists, and the sessions are fresh when due.
    async fn prepare(&self, sessions: &mut Sessions) -> Result<(), String> {
        let state = &self.state;
        let user = match users::find(state, USER).await {
            Ok(user) => user,
            Err(_) => {
                let new = NewUser {
                    username: USER.into(),
                    ..NewUser::default()
                };
                users::create(state, &self.admin, new)
                    .await
                    .map_err(|e| e.to_string())?
            }
        };
        if sessions.inputs.is_multiple_of(FRESH_SESSIONS_EVERY) {
            let console = twofold_server::web::session::start(state, &self.console_admin_id)
                .await
                .map_err(|e| e.to_string())?;
            let portal = portal::session::start(state, &user.id, true)
                .await
                .map_err(|e| e.to_string())?;
            let (console, portal) = (cookie_pair(&console), cookie_pair(&portal));
            let value = |pair: &str| pair.split_once('=').map(|(_, v)| v.to_owned());
            sessions.console_csrf =
                Kind::Console.csrf_token(state, &value(&console).unwrap_or_default());
            sessions.portal_csrf =
                Kind::Portal.csrf_token(state, &value(&portal).unwrap_or_default());
            sessions.cookies = format!("{console}; {portal}");
        }
        sessions.inputs += 1;
        Ok(())
    }

    fn request(&self, sessions: &Sessions, target: &str, body: &[u8]) -> Option<Request<Body>> {
        let peer: SocketAddr = ([127, 0, 0, 1], 50_000).into();
        let mut builder = Request::builder()
            .uri(target)
            .header(header::HOST, "127.0.0.1")
            .header(header::COOKIE, &sessions.cookies)
            .extension(ConnectInfo(peer));
        let request = if body.is_empty() {
            builder.method(Method::GET).body(Body::empty())
        } else if body.starts_with(b"--fuzz") {
            let mut multipart = format!(
                "--fuzz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
                sessions.csrf_for(target)
            )
            .into_bytes();
            multipart.extend_from_slice(body);
            builder = builder
                .method(Method::POST)
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=fuzz");
            builder.body(Body::from(multipart))
        } else {
            let csrf = sessions.csrf_for(target);
            let mut form = format!("csrf={csrf}&").into_bytes();
            form.extend_from_slice(body);
            builder
                .method(Method::POST)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
        };
        request.ok()
    }
}

pub fn web_form(data: &[u8]) {
    if let Some((target, status, page)) = web_answer(data) {
        assert!(
            !status.is_server_error(),
            "{target} answered {status}: {page}"
        );
    }
}

/// The request target, status and page of the answer to `data` (`None` when the input is not
/// a request the target sends: no target line, or a sign-out).
pub fn web_answer(data: &[u8]) -> Option<(String, StatusCode, String)> {
    let harness = harness()?;
    let (target, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let target = std::str::from_utf8(target).ok()?;
    // Signing out ends the sessions every later input needs; that path has its own tests.
    if !target.starts_with('/') || target.contains("signout") {
        return None;
    }
    let mut sessions = harness.sessions.lock().ok()?;
    harness.runtime.block_on(async {
        harness.prepare(&mut sessions).await.ok()?;
        let request = harness.request(&sessions, target, body)?;
        let router = twofold_server::router(harness.state.clone());
        let Ok(response) = router.oneshot(request).await;
        let status = response.status();
        let page = axum::body::to_bytes(response.into_body(), 1 << 22)
            .await
            .ok()?;
        Some((
            target.to_owned(),
            status,
            String::from_utf8_lossy(&page).into_owned(),
        ))
    })
}

/// Whether the harness could start (the replay test checks it, so a broken harness does not
/// silently test nothing).
pub fn web_harness_starts() -> bool {
    harness().is_some()
}
