//! What a sign-in reads about one user, in one call into the database (issue 17).
//!
//! A sign-in needs the user, the credentials that may verify a code, the enabled hardware
//! tokens, the devices, the live one-time code kinds, whether an app password exists and the
//! methods an administrator disabled. Read one statement at a time, that was seven requests
//! to sqlx's SQLite worker thread and seven wake-ups back, most of a sign-in's CPU (the
//! profile in the README). On SQLite the seven statements here go to the worker as one
//! multi-statement query: one request, the rows of all seven streamed back, each tagged with
//! the part it belongs to. On PostgreSQL a query takes one statement; the same reads run one
//! after the other on one connection (one pool checkout instead of seven).
//!
//! sqlx's SQLite driver runs every statement of a query's text in turn and streams their rows
//! (its `fetch_many` says so; see sqlx issue 3108 for that behaviour's future): `fetch` takes
//! the rows of all of them.
//!
//! The rows are what the separate functions of each table's file return (same filters, same
//! order): `tests/it/sign_in_rows.rs` compares both on each engine.

use futures_util::TryStreamExt;
use sqlx::Row;

use super::columns::to_db;
use super::credentials::{self, Credential};
use super::devices::{self, Device, DeviceState};
use super::hardware_tokens::{self, HardwareToken};
use super::one_time_codes::{self, CodeKind};
use super::users::{self, User};
use super::{app_passwords, state, Backend, Store};
use crate::error::Error;

/// Everything [`crate::signin::options`] gathers from the store for one user.
#[derive(Debug, Clone)]
pub struct SignInRows {
    pub user: User,
    /// As [`credentials::usable_for_user`]: tokens of the app's offline accounts (active
    /// devices on the epoch) and credentials without a device, oldest first.
    pub credentials: Vec<Credential>,
    /// As [`hardware_tokens::usable_for_user`]: enabled tokens assigned to the user.
    pub tokens: Vec<HardwareToken>,
    /// As [`devices::for_user`]: every device of the user, newest first.
    pub devices: Vec<Device>,
    /// As [`one_time_codes::live_kinds`]: kinds of the user's codes still usable at `now`.
    pub code_kinds: Vec<CodeKind>,
    /// As [`app_passwords::exists_for_user`].
    pub app_password: bool,
    /// The stored [`state::DISABLED_METHODS`] value.
    pub disabled_methods: Option<String>,
}

/// The user's id, looked up by name inside each statement of the SQLite batch.
const USER_ID: &str = "(SELECT id FROM users WHERE username = $1)";

/// The SQLite batch: one statement per part, each row's first column naming its part.
/// Parameters: $1 username, $2 the active device state, $3 epoch, $4 now, $5 the
/// disabled-methods key.
fn batch() -> String {
    format!(
        "SELECT 'user' AS part, {user} FROM users WHERE username = $1;\n\
         SELECT 'credential' AS part, {credential} FROM credentials c \
         LEFT JOIN devices d ON d.id = c.device_id \
         WHERE c.user_id = {USER_ID} AND (c.device_id IS NULL OR (d.status = $2 AND d.epoch = $3)) \
         ORDER BY c.created_at, c.id;\n\
         SELECT 'token' AS part, {token} {token_from} \
         WHERE t.user_id = {USER_ID} AND t.enabled = 1 ORDER BY t.created_at, t.id;\n\
         SELECT 'device' AS part, {device} FROM devices WHERE user_id = {USER_ID} \
         ORDER BY created_at DESC, id;\n\
         SELECT DISTINCT 'code_kind' AS part, kind FROM one_time_codes \
         WHERE user_id = {USER_ID} AND uses_left > 0 AND (expires_at IS NULL OR expires_at > $4);\n\
         SELECT 'app_password' AS part, id FROM app_passwords WHERE user_id = {USER_ID} LIMIT 1;\n\
         SELECT 'disabled' AS part, value FROM server_state WHERE key = $5;",
        user = users::COLUMNS,
        credential = credentials::COLUMNS,
        token = hardware_tokens::COLUMNS,
        token_from = hardware_tokens::FROM,
        device = devices::COLUMNS,
    )
}

/// Reads what a sign-in of `username` (already normalised) needs; None for an unknown user.
pub async fn for_user(
    store: &Store,
    username: &str,
    epoch: u64,
    now: u64,
) -> Result<Option<SignInRows>, Error> {
    for_user_knowing(store, username, epoch, now, None).await
}

/// [`for_user`] when the caller already knows the stored disabled-methods value
/// (`known_disabled`, from [`crate::cache`]): on PostgreSQL that statement is then not run
/// and the value given is returned. SQLite's batch reads it anyway (one statement of the one
/// call) and returns what it read.
pub async fn for_user_knowing(
    store: &Store,
    username: &str,
    epoch: u64,
    now: u64,
    known_disabled: Option<Option<String>>,
) -> Result<Option<SignInRows>, Error> {
    match store.backend() {
        Backend::Sqlite => sqlite(store, username, epoch, now).await,
        Backend::Postgres => one_by_one(store, username, epoch, now, known_disabled).await,
    }
}

async fn sqlite(
    store: &Store,
    username: &str,
    epoch: u64,
    now: u64,
) -> Result<Option<SignInRows>, Error> {
    let sql = batch();
    let mut rows = sqlx::query(&sql)
        .bind(username)
        .bind(DeviceState::Active.as_str())
        .bind(to_db(epoch))
        .bind(to_db(now))
        .bind(state::DISABLED_METHODS)
        .fetch(store.pool());
    let mut user: Option<User> = None;
    let (mut credentials, mut tokens, mut devices, mut code_kinds) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut app_password, mut disabled_methods) = (false, None);
    while let Some(row) = rows.try_next().await? {
        let part: String = row.try_get("part")?;
        match part.as_str() {
            "user" => user = Some(sqlx::FromRow::from_row(&row)?),
            "credential" => credentials.push(sqlx::FromRow::from_row(&row)?),
            "token" => tokens.push(sqlx::FromRow::from_row(&row)?),
            "device" => devices.push(sqlx::FromRow::from_row(&row)?),
            "code_kind" => {
                let kind: String = row.try_get("kind")?;
                code_kinds.push(
                    kind.parse().map_err(|e: super::columns::UnknownValue| {
                        Error::Internal(e.to_string())
                    })?,
                );
            }
            "app_password" => app_password = true,
            "disabled" => disabled_methods = row.try_get("value")?,
            other => {
                return Err(Error::Internal(format!(
                    "sign-in batch: unknown part {other:?}"
                )))
            }
        }
    }
    Ok(user.map(|user| SignInRows {
        user,
        credentials,
        tokens,
        devices,
        code_kinds,
        app_password,
        disabled_methods,
    }))
}

async fn one_by_one(
    store: &Store,
    username: &str,
    epoch: u64,
    now: u64,
    known_disabled: Option<Option<String>>,
) -> Result<Option<SignInRows>, Error> {
    let mut conn = store.pool().acquire().await?;
    let Some(user) = users::by_name(&mut *conn, username).await? else {
        return Ok(None);
    };
    let credentials = credentials::usable_for_user(&mut *conn, &user.id, epoch).await?;
    let tokens = hardware_tokens::usable_for_user(&mut *conn, &user.id).await?;
    let devices = devices::for_user(&mut *conn, &user.id).await?;
    let code_kinds = one_time_codes::live_kinds(&mut *conn, &user.id, now).await?;
    let app_password = app_passwords::exists_for_user(&mut *conn, &user.id).await?;
    let disabled_methods = match known_disabled {
        Some(known) => known,
        None => state::get(&mut *conn, state::DISABLED_METHODS).await?,
    };
    Ok(Some(SignInRows {
        user,
        credentials,
        tokens,
        devices,
        code_kinds,
        app_password,
        disabled_methods,
    }))
}
