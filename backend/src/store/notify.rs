//! PostgreSQL LISTEN/NOTIFY: how nodes of a cluster tell each other about events. The
//! payload is opaque here (the device channel's `events` module gives it meaning).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use super::{Backend, Store};
use crate::error::Error;

/// The one notification channel every node listens on.
const CHANNEL: &str = "twofold_events";

/// Sends `payload` to every node, this one included. PostgreSQL only: with SQLite there is
/// a single node and nothing to tell.
pub async fn publish(store: &Store, payload: &str) -> Result<(), Error> {
    if store.backend() != Backend::Postgres {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// [`publish`] inside the caller's transaction on `conn`: PostgreSQL delivers it when (and
/// only when) that transaction commits. PostgreSQL only, like [`publish`].
pub async fn publish_on(conn: &mut sqlx::AnyConnection, payload: &str) -> Result<(), Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// A dedicated connection listening on the channel (the pool's connections are shared and
/// cannot hold a LISTEN). Its `application_name` is `twofold-listener <server_name>`, so an
/// operator (or a test) finds it in `pg_stat_activity`.
///
/// sqlx re-establishes a lost connection (and its LISTEN) inside `try_recv`, which then
/// answers `Ok(None)`: notifications sent meanwhile are gone, and the caller must read what it
/// may have missed from the tables. `recv` would hide that gap, so callers use `try_recv`.
pub async fn listen(database_url: &str, server_name: &str) -> Result<PgListener, Error> {
    let options = PgConnectOptions::from_str(database_url)?
        .application_name(&listener_application_name(server_name));
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    let mut listener = PgListener::connect_with(&pool).await?;
    // The pool is this listener's alone and never closed.
    listener.ignore_pool_close_event(true);
    listener.eager_reconnect(true);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// The `application_name` of `server_name`'s listener connection.
pub fn listener_application_name(server_name: &str) -> String {
    format!("twofold-listener {server_name}")
}
