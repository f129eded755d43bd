//! The RADIUS front end (RFC 2865, RFC 3579, RFC 5080): VPN concentrators, RD Gateway and
//! Wi-Fi controllers ask Twofold over UDP with PAP. It is not a general RADIUS server: no
//! accounting, no EAP, no CHAP (the code must reach us), no proxying.
//!
//! Start-up ([`start`]) binds `[radius] listen` and serves on every node; the answer to
//! each request is decided by [`modes`] through the one sign-in decision. The codec
//! ([`packet`]) is ours: see docs/ARCHITECTURE.md for why no crate was used.

pub mod attributes;
pub mod clients;
pub mod config;
pub mod duplicate;
pub mod modes;
pub mod packet;
pub mod password;
pub mod primary;
pub mod server;
pub mod state;
pub mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::UdpSocket;

use self::clients::Clients;
use self::config::RadiusMode;
use self::duplicate::DuplicateCache;
use self::primary::Primary;
use self::server::RadiusServer;
use self::upstream::UpstreamRadius;
use crate::error::Error;
use crate::state::AppState;

/// Binds `[radius] listen` and serves it in the background; the bound address, or None
/// when RADIUS is not configured. Errors (an unreadable secret file, a port in use) stop
/// start-up with a message naming the key.
pub async fn start(state: &AppState) -> Result<Option<SocketAddr>, Error> {
    let config = &state.config.radius;
    let Some(listen) = config.listen else {
        return Ok(None);
    };
    let clients = Clients::from_config(config)?;
    let needs = |primary: &str| {
        config
            .clients
            .iter()
            .any(|c| c.mode != RadiusMode::SecondFactor && c.primary == primary)
    };
    let upstream = match (&config.upstream, needs("upstream")) {
        (Some(upstream), true) => Some(Primary::Upstream(Arc::new(
            UpstreamRadius::from_config(upstream).map_err(Error::Internal)?,
        ))),
        _ => None,
    };
    let directory =
        match (&state.directory, needs("directory")) {
            (Some(directory), true) => Some(Primary::Directory(directory.clone())),
            (None, true) => return Err(Error::Internal(
                "radius.clients.primary: a client checks passwords with primary = \"directory\": \
                 configure [directory] url"
                    .into(),
            )),
            _ => None,
        };
    let socket = UdpSocket::bind(listen)
        .await
        .map_err(|e| Error::Internal(format!("radius.listen: cannot listen on {listen}: {e}")))?;
    let bound = socket
        .local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let server = Arc::new(RadiusServer {
        state: state.clone(),
        clients,
        cache: DuplicateCache::new(config.duplicate_cache()),
        upstream,
        directory,
        state_ttl: config.state_ttl(),
    });
    tracing::info!(address = %bound, clients = config.clients.len(), "RADIUS listening");
    tokio::spawn(server::run(server, Arc::new(socket)));
    Ok(Some(bound))
}
