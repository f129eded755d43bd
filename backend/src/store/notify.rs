//! PostgreSQL LISTEN/NOTIFY: how nodes of a cluster tell each other about events. The
//! payload is opaque here (the device channel's `events` module gives it meaning).

use sqlx::postgres::PgListener;

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

/// A dedicated connection listening on the channel (the pool's connections are shared and
/// cannot hold a LISTEN).
pub async fn listen(database_url: &str) -> Result<PgListener, Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
