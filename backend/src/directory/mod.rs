//! The directory (LDAP, Active Directory): where users come from and where their first
//! password is checked. [`Directory::verify_password`] binds as the user (RFC 4513 §5.1.3)
//! for RADIUS and the portal; `sync` adds, updates and disables the users the directory
//! holds; `periodic` runs that sync on one node at a time.
//!
//! What it is not: a writer. Twofold never changes the directory, and a sync never deletes
//! a user or their history from Twofold.

pub mod config;
mod connect;
mod entry;
pub mod filter;
pub mod periodic;
pub mod search;
pub mod sync;
mod verify;

use std::path::Path;

use thiserror::Error;

pub use config::DirectoryConfig;
pub use search::DirectoryUser;
pub use verify::PasswordVerdict;

use config::BindPassword;
use connect::Connector;
use filter::Membership;

#[derive(Debug, Error)]
pub enum DirectoryError {
    #[error("configuration key `{key}`: {message}")]
    Misconfigured { key: &'static str, message: String },
    #[error("no directory is configured; set [directory] url (see twofold.example.toml)")]
    NotConfigured,
    #[error("the directory {url} is unavailable: {reason}")]
    Unavailable { url: String, reason: String },
    #[error("the directory refused the service account {bind_dn:?} (result code {rc}); check directory.bind_dn and its password")]
    ServiceBindRefused { bind_dn: String, rc: u32 },
    #[error("the directory answered a search with result code {rc}: {message}")]
    SearchFailed { rc: u32, message: String },
    #[error("{count} directory entries match the username {username:?}; user_filter must find at most one")]
    Ambiguous { username: String, count: usize },
    #[error("no user {0:?} in the directory (or not in directory.group_dn)")]
    UserNotFound(String),
    #[error("a directory sync is already running (on {holder}); try again when it has finished")]
    SyncRunning { holder: String },
    #[error("the directory answered a bind with result code {rc}: {message}")]
    BindFailed { rc: u32, message: String },
    #[error(transparent)]
    MalformedEntry(#[from] entry::MalformedEntry),
    #[error(transparent)]
    Store(#[from] crate::error::Error),
}

impl DirectoryError {
    /// The stable code on the wire and in audit records.
    pub fn code(&self) -> &'static str {
        match self {
            DirectoryError::Misconfigured { .. } | DirectoryError::ServiceBindRefused { .. } => {
                "directory.misconfigured"
            }
            DirectoryError::NotConfigured => "directory.not_configured",
            DirectoryError::Unavailable { .. } => "directory.unavailable",
            DirectoryError::SearchFailed { .. }
            | DirectoryError::BindFailed { .. }
            | DirectoryError::MalformedEntry(_) => "directory.error",
            DirectoryError::Ambiguous { .. } => "directory.ambiguous_user",
            DirectoryError::UserNotFound(_) => "directory.user_not_found",
            DirectoryError::SyncRunning { .. } => "directory.sync_running",
            DirectoryError::Store(_) => "internal",
        }
    }
}

/// A configured directory: the checked settings and how to connect.
pub struct Directory {
    config: DirectoryConfig,
    connector: Connector,
    bind_password: BindPassword,
    /// The `memberOf` part of every filter, when `group_dn` is set.
    group_filter: Option<String>,
    /// Who this process is in the sync leases (unique per process: two nodes may share a
    /// server name).
    holder: String,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("url", &self.config.url)
            .field("bind_dn", &self.config.bind_dn)
            .field("base_dn", &self.config.base_dn)
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// Checks the `[directory]` section (every refusal names its key) and reads the bind
    /// password file.
    pub fn from_config(cfg: &DirectoryConfig) -> Result<Self, DirectoryError> {
        if !cfg.enabled() {
            return Err(DirectoryError::NotConfigured);
        }
        let connector = Connector::new(cfg)?;
        let invalid = |key: &'static str, message: &str| DirectoryError::Misconfigured {
            key,
            message: message.to_owned(),
        };
        if cfg.base_dn.trim().is_empty() {
            return Err(invalid(
                "directory.base_dn",
                "must be set, e.g. dc=example,dc=com",
            ));
        }
        filter::check_template(&cfg.user_filter).map_err(|m| DirectoryError::Misconfigured {
            key: "directory.user_filter",
            message: m,
        })?;
        for (key, value) in [
            ("directory.username_attribute", &cfg.username_attribute),
            ("directory.id_attribute", &cfg.id_attribute),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(key, "must name an attribute"));
            }
        }
        for (key, value) in [
            (
                "directory.connect_timeout_seconds",
                cfg.connect_timeout_seconds,
            ),
            (
                "directory.operation_timeout_seconds",
                cfg.operation_timeout_seconds,
            ),
            ("directory.page_size", u64::from(cfg.page_size)),
            (
                "directory.lockout_threshold",
                u64::from(cfg.lockout_threshold),
            ),
            (
                "directory.lockout_window_seconds",
                cfg.lockout_window_seconds,
            ),
        ] {
            if value == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        if cfg.page_size > i32::MAX as u32 {
            return Err(invalid("directory.page_size", "is too large"));
        }
        let bind_password = read_bind_password(cfg)?;
        if cfg.bind_dn.is_empty() != bind_password.is_empty() {
            return Err(invalid(
                "directory.bind_dn",
                "set bind_dn together with bind_password or bind_password_file (or neither, for anonymous searches)",
            ));
        }
        let membership = if cfg.nested_groups {
            Membership::Nested
        } else {
            Membership::Direct
        };
        let group_filter =
            (!cfg.group_dn.is_empty()).then(|| filter::member_of(&cfg.group_dn, membership));
        Ok(Self {
            config: cfg.clone(),
            connector,
            bind_password,
            group_filter,
            holder: crate::crypto::random_id("sync").map_err(crate::error::Error::from)?,
        })
    }

    /// The settings it was built from.
    pub fn config(&self) -> &DirectoryConfig {
        &self.config
    }

    /// Takes lease `name` for this process until `until`, or
    /// [`DirectoryError::SyncRunning`] naming the holder that has it.
    async fn take_lease(
        &self,
        state: &crate::state::AppState,
        name: &str,
        now: u64,
        until: u64,
    ) -> Result<(), DirectoryError> {
        let mut conn = connection(state).await?;
        let holder =
            crate::store::directory::take_lease(&mut conn, name, &self.holder, now, until).await?;
        if holder != self.holder {
            return Err(DirectoryError::SyncRunning { holder });
        }
        Ok(())
    }
}

/// A connection of the store's pool.
async fn connection(
    state: &crate::state::AppState,
) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, DirectoryError> {
    Ok(state
        .store
        .pool()
        .acquire()
        .await
        .map_err(crate::error::Error::from)?)
}

fn read_bind_password(cfg: &DirectoryConfig) -> Result<BindPassword, DirectoryError> {
    let path: &Path = &cfg.bind_password_file;
    if path.as_os_str().is_empty() {
        return Ok(cfg.bind_password.clone());
    }
    if !cfg.bind_password.is_empty() {
        return Err(DirectoryError::Misconfigured {
            key: "directory.bind_password_file",
            message: "set bind_password or bind_password_file, not both".into(),
        });
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        DirectoryError::Misconfigured {
            key: "directory.bind_password_file",
            message: format!("cannot read {}: {e}", path.display()),
        }
    })?);
    let line = text.strip_suffix('\n').unwrap_or(&text);
    let line = line.strip_suffix('\r').unwrap_or(line);
    Ok(BindPassword::new(line.to_owned()))
}

/// The directory of `state`'s configuration, or [`DirectoryError::NotConfigured`].
pub fn of(state: &crate::state::AppState) -> Result<&Directory, DirectoryError> {
    state
        .directory
        .as_deref()
        .ok_or(DirectoryError::NotConfigured)
}

/// The directory `config` describes, or None when `[directory] url` is empty; a bad
/// section stops start-up with a message naming the key.
pub fn from_state_config(
    config: &crate::config::Config,
) -> Result<Option<std::sync::Arc<Directory>>, crate::error::Error> {
    if !config.directory.enabled() {
        return Ok(None);
    }
    match Directory::from_config(&config.directory) {
        Ok(directory) => Ok(Some(std::sync::Arc::new(directory))),
        Err(DirectoryError::Misconfigured { key, message }) => {
            Err(crate::error::Error::invalid(key, message))
        }
        Err(DirectoryError::Store(e)) => Err(e),
        Err(e) => Err(crate::error::Error::Internal(e.to_string())),
    }
}
