//! The accept loop, plain or TLS, with the limits of `[server]`: at most `max_connections`
//! open connections (the rest are closed as soon as accepted), and a deadline for each
//! request's header (hyper's header-read timeout only runs with a timer, which
//! `axum::serve` does not set). Written here rather than left to `axum::serve` /
//! `axum-server` so both listeners share one set of limits.
//!
//! What it is not: the body timeout (a tower layer in [`crate::api::router`]).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

use crate::config::ServerConfig;

/// How long open connections may take to finish after the shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);
/// Pause after a failed `accept` (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// for up to [`DRAIN`]. With `tls`, every connection is a TLS one; its handshake counts
/// towards the header timeout.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let header_timeout = Duration::from_secs(limits.header_timeout_seconds);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "connection refused: max_connections reached");
            drop(stream);
            continue;
        };
        // The address this connection arrived on (a node bound to 0.0.0.0 has several),
        // for the audit records its requests write.
        let local = stream.local_addr().ok().map(|a| a.ip().to_canonical());
        let app = app.clone();
        let tls = tls.clone();
        let stop = stop_rx.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let conn = Conn { peer, local };
            match tls {
                None => serve_one(stream, conn, app, header_timeout, stop).await,
                Some(tls) => match tokio::time::timeout(header_timeout, tls.accept(stream)).await {
                    Ok(Ok(stream)) => {
                        serve_one(stream, conn, app, header_timeout, stop).await;
                    }
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                },
            }
        });
        // Reap finished connections so the set stays as small as the open ones.
        while tasks.try_join_next().is_some() {}
    }
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(DRAIN, async { while tasks.join_next().await.is_some() {} }).await;
}

/// The two ends of an accepted connection.
#[derive(Clone, Copy)]
struct Conn {
    peer: SocketAddr,
    local: Option<IpAddr>,
}

/// One HTTP/1.1 connection (with upgrades, for the device WebSocket).
async fn serve_one<S>(
    stream: S,
    conn: Conn,
    app: Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let peer = conn.peer;
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let response = app.clone().oneshot(request.map(axum::body::Body::new));
        crate::auth::audit::on_local_address(conn.local, response)
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = async { let _ = stop.wait_for(|stopped| *stopped).await.is_ok(); } => {
            connection.as_mut().graceful_shutdown();
            connection.as_mut().await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
