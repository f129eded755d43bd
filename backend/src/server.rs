//! Start-up: data directory, keys, store, first admin token; then listening, with TLS when
//! configured, until a shutdown signal.

use std::future::Future;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::RwLock;

use crate::auth::admin;
use crate::channel::connected::ConnectedDevices;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::{write_private_file, MasterKey};
use crate::error::Error;
use crate::identity::ServerIdentity;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::state::AppState;
use crate::store::Store;

/// What start-up created that the operator must see once.
pub struct FirstStart {
    /// The first admin token, when it was created now.
    pub admin_token: Option<String>,
}

/// Opens everything the server needs; `bound` is the address actually listened on.
pub async fn build_state(
    config: Config,
    clock: Arc<dyn Clock>,
    bound: SocketAddr,
) -> Result<(AppState, FirstStart), Error> {
    create_private_dir(&config.data_dir)?;
    let (master_key, _created) = MasterKey::load_or_create(&config.master_key_path())?;
    let store = Store::connect_with(&config.database_url(), &config.store).await?;
    let identity = ServerIdentity::load_or_create(&store, &master_key).await?;
    let admin_token =
        if let Some(token) = admin::create_first_token(&store, &master_key, clock.now()).await? {
            write_private_file(&config.admin_token_path(), &format!("{token}\n")).map_err(|e| {
                Error::Internal(format!(
                    "cannot write {}: {e}",
                    config.admin_token_path().display()
                ))
            })?;
            Some(token)
        } else {
            None
        };
    let directory = crate::directory::from_state_config(&config)?;
    let state = AppState {
        public_url: config.public_url_for(bound).into(),
        server_name: config.server_name().into(),
        // Bound to every address (`0.0.0.0`, `::`), the node has no one address: records
        // written outside a connection then name none (inside one, the accept loop gives
        // the connection's real local address).
        server_ip: (!bound.ip().is_unspecified()).then(|| bound.ip().to_string().into()),
        gateways: Arc::new(crate::gateway::Gateways::new(&config.sms, &config.voice)?),
        activation_limiter: Arc::new(RateLimiter::new(
            config.policy.activation_attempts_per_minute,
            60,
        )),
        caches: Arc::new(crate::cache::Caches::new(&config.cache, store.backend())),
        config: Arc::new(config),
        store,
        clock,
        master_key: Arc::new(master_key),
        identity: Arc::new(RwLock::new(identity)),
        metrics: Arc::new(Metrics::default()),
        connected: Arc::new(ConnectedDevices::default()),
        directory,
    };
    crate::channel::events::spawn_listener(state.clone(), state.config.database_url());
    crate::signin::push::spawn_sweeper(state.clone());
    crate::directory::periodic::spawn(state.clone());
    crate::nodes::spawn_heartbeat(state.clone());
    Ok((state, FirstStart { admin_token }))
}

fn create_private_dir(dir: &Path) -> Result<(), Error> {
    let err = |e: std::io::Error| {
        Error::Internal(format!(
            "cannot create data directory {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

/// Listens until `shutdown` completes. Prints where it listens (and, on first start, the
/// admin token) on standard output.
pub async fn serve(
    config: Config,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|e| Error::Internal(format!("cannot listen on {}: {e}", config.listen)))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let admin_listener = match config.web.admin_listen.filter(|_| config.web.admin_enabled) {
        Some(addr) => Some(bind_admin(addr)?),
        None => None,
    };
    let tls = config.tls_enabled().then(|| config.tls.clone());
    let database = if config.database_url.is_empty() {
        "SQLite in the data directory"
    } else {
        "PostgreSQL"
    };
    let data_dir = config.data_dir.clone();
    let token_path = config.admin_token_path();
    let (state, first) = build_state(config, clock, bound).await?;
    let radius = crate::radius::start(&state).await?;
    let public_url = state.public_url.clone();
    let limits = state.config.server.clone();
    let console = admin_listener.as_ref().map(|(_, addr)| {
        (
            console_url(&public_url, *addr),
            crate::web::admin_router(state.clone()),
        )
    });
    let app = crate::router(state);

    println!(
        "Twofold server {} listening on {public_url}",
        env!("CARGO_PKG_VERSION")
    );
    println!("  data directory: {} ({database})", data_dir.display());
    if let Some(radius) = radius {
        println!("  RADIUS: listening on {radius} (UDP)");
    }
    if let Some((url, _)) = &console {
        println!("  console: listening on {url}/admin/ (not on the main listener)");
    }
    if let Some(token) = &first.admin_token {
        // Standard output of a service ends up in its journal, readable by more people than
        // the 0600 file (issue 13, item 13): the token itself goes only to a terminal.
        if std::io::stdout().is_terminal() {
            println!(
                "  admin token (shown once; a copy is in {}): {token}",
                token_path.display()
            );
        } else {
            println!(
                "  admin token: written to {} (not printed: standard output is not a terminal)",
                token_path.display()
            );
        }
        tracing::info!(path = %token_path.display(), "first admin token created; only this file holds it");
        println!();
        println!("Add and activate a first user:");
        println!("  twofold-server user add alice --email alice@example.com");
        println!(
            "  twofold-server activation create alice      # shows a QR code for the Twofold app"
        );
        println!(
            "  twofold-server app add \"VPN\"               # credentials for a relying party"
        );
    }
    tracing::info!(url = %public_url, "listening");

    let listener =
        tokio::net::TcpListener::from_std(listener).map_err(|e| Error::Internal(e.to_string()))?;
    let tls = match tls {
        None => None,
        Some(tls) => Some(tls_acceptor(&tls).await?),
    };
    match (admin_listener, console) {
        (Some((admin, _)), Some((url, console))) => {
            tracing::info!(url = %url, "console listening");
            let admin = tokio::net::TcpListener::from_std(admin)
                .map_err(|e| Error::Internal(e.to_string()))?;
            // One shutdown signal for both listeners.
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let until = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            tokio::spawn(async move {
                shutdown.await;
                let _ = stop.send(true);
            });
            let main =
                crate::listener::serve(listener, app, tls.clone(), &limits, until(stopped.clone()));
            let second = crate::listener::serve(admin, console, tls, &limits, until(stopped));
            tokio::join!(main, second);
        }
        _ => crate::listener::serve(listener, app, tls, &limits, shutdown).await,
    }
    tracing::info!("stopped");
    Ok(())
}

/// The `[web] admin_listen` socket, bound before anything else starts so a taken address
/// stops start-up with the key's name.
fn bind_admin(addr: SocketAddr) -> Result<(std::net::TcpListener, SocketAddr), Error> {
    let err = |e: std::io::Error| {
        Error::Internal(format!("cannot listen on {addr} ([web] admin_listen): {e}"))
    };
    let listener = std::net::TcpListener::bind(addr).map_err(err)?;
    listener.set_nonblocking(true).map_err(err)?;
    let bound = listener.local_addr().map_err(err)?;
    Ok((listener, bound))
}

/// The console's base URL on its own listener: the public URL's scheme and this address.
fn console_url(public_url: &str, addr: SocketAddr) -> String {
    let scheme = if public_url.starts_with("https://") {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{addr}")
}

/// The TLS side of the listener, from the configured PEM files; HTTP/1.1 only (the server
/// speaks nothing else).
async fn tls_acceptor(tls: &crate::config::TlsConfig) -> Result<tokio_rustls::TlsAcceptor, Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let loaded =
        axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert_file, &tls.key_file)
            .await
            .map_err(|e| Error::Internal(format!("TLS certificate or key: {e}")))?;
    let mut config = (*loaded.get_inner()).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
