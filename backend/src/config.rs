//! Server configuration: one struct, read from a TOML file, with `TWOFOLD_*` environment
//! overrides. Every key and its default is documented in `backend/twofold.example.toml`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[path = "config_limits.rs"]
mod limits;
pub use limits::{MetricsConfig, ProxyNet, ServerConfig};

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("configuration key `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
}

/// What a relying party hears for a user who has no registered method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoMethodPolicy {
    Enroll,
    Allow,
    Deny,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The URL devices use to reach this server (goes into activation codes).
    /// Empty: derived from `listen` and whether TLS is on.
    pub public_url: String,
    /// Where the SQLite database, keys and the local admin token live.
    pub data_dir: PathBuf,
    /// Empty: SQLite in `data_dir`. `postgres://user:pass@host/db` for many nodes.
    pub database_url: String,
    /// Empty: `<data_dir>/master.key`. Every node of a cluster needs the same file.
    pub master_key_file: PathBuf,
    /// This node's name in audit records. Empty: the host name.
    pub server_name: String,
    /// Allow listening on a non-loopback address without TLS (behind a TLS proxy).
    pub allow_insecure_listen: bool,
    /// "text" or "json".
    pub log_format: String,
    pub tls: TlsConfig,
    pub policy: PolicyConfig,
    pub push: PushConfig,
    pub audit: AuditConfig,
    pub server: ServerConfig,
    pub metrics: MetricsConfig,
    pub app_passwords: AppPasswordsConfig,
    pub radius: crate::radius::config::RadiusConfig,
    pub sms: crate::gateway::config::GatewayConfig,
    pub voice: crate::gateway::config::GatewayConfig,
    pub store: crate::store::config::StoreConfig,
    pub web: crate::web::config::WebConfig,
    pub directory: crate::directory::DirectoryConfig,
    pub cache: crate::cache::config::CacheConfig,
}

/// Number matching: the sign-in page shows a number the user must type in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberMatching {
    Off,
    Always,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PushConfig {
    /// How long a sign-in request waits for an answer.
    pub challenge_ttl_seconds: u64,
    /// "always" (default) or "off".
    pub number_matching: NumberMatching,
    /// Pushes allowed per user per minute (push fatigue).
    pub max_per_minute: u32,
    /// Block the user when they deny a request and report it as fraud.
    pub block_on_fraud: bool,
    /// POSTed a JSON alert on every fraud report. Empty: no webhook.
    pub alert_webhook_url: String,
    /// Seconds between pings on device channels; a channel silent for three is closed.
    pub heartbeat_seconds: u64,
    /// Pushes allowed per user in any 24 hours, on top of the per-minute cap.
    pub max_per_day: u32,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            challenge_ttl_seconds: 60,
            number_matching: NumberMatching::Always,
            max_per_minute: 5,
            block_on_fraud: true,
            alert_webhook_url: String::new(),
            heartbeat_seconds: 20,
            max_per_day: 50,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain. TLS is on when both files are set.
    pub cert_file: PathBuf,
    /// PEM private key.
    pub key_file: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// What a user with no registered method gets: "enroll", "allow" or "deny".
    pub no_method: NoMethodPolicy,
    /// Consecutive failures before a factor locks.
    pub lockout_threshold: u32,
    /// How long the first lock lasts; each further lock (the failures go on counting until
    /// a success) lasts twice as long as the one before.
    pub lockout_seconds: u64,
    /// Consecutive failures after which the factor stays locked until an administrator
    /// unlocks it (NIST SP 800-63B §5.2.2: at most 100). 0: never.
    pub lockout_permanent_after: u32,
    /// TOTP steps accepted on each side of the current one.
    pub totp_window: u64,
    /// HOTP codes accepted ahead of the stored counter.
    pub hotp_look_ahead: u64,
    /// How far (in TOTP steps, either way) a generator's learned clock drift may move the
    /// window; a code from beyond is refused without counting as a failure.
    pub max_drift_steps: u64,
    /// Lifetime of an activation code.
    pub activation_ttl_seconds: u64,
    /// Activation attempts allowed per client address per minute.
    pub activation_attempts_per_minute: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Record users' first and last names in audit records.
    pub record_names: bool,
    /// Record users' email addresses.
    pub record_email: bool,
    /// Record users' phone numbers.
    pub record_phone: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: String::new(),
            data_dir: PathBuf::from("./twofold-data"),
            database_url: String::new(),
            master_key_file: PathBuf::new(),
            server_name: String::new(),
            allow_insecure_listen: false,
            log_format: "text".into(),
            tls: TlsConfig::default(),
            policy: PolicyConfig::default(),
            push: PushConfig::default(),
            audit: AuditConfig::default(),
            server: ServerConfig::default(),
            metrics: MetricsConfig::default(),
            app_passwords: AppPasswordsConfig::default(),
            radius: Default::default(),
            sms: Default::default(),
            voice: Default::default(),
            store: crate::store::config::StoreConfig::default(),
            web: crate::web::config::WebConfig::default(),
            directory: crate::directory::DirectoryConfig::default(),
            cache: crate::cache::config::CacheConfig::default(),
        }
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            no_method: NoMethodPolicy::Enroll,
            lockout_threshold: 10,
            lockout_seconds: 300,
            lockout_permanent_after: 100,
            totp_window: 1,
            hotp_look_ahead: 10,
            max_drift_steps: 10,
            activation_ttl_seconds: 600,
            activation_attempts_per_minute: 10,
        }
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            record_names: true,
            record_email: true,
            record_phone: true,
        }
    }
}

/// `TWOFOLD_*` variables and the key each overrides. Values are TOML values; bare strings
/// need no quotes.
const ENV_KEYS: &[(&str, &[&str])] = &[
    ("TWOFOLD_LISTEN", &["listen"]),
    ("TWOFOLD_PUBLIC_URL", &["public_url"]),
    ("TWOFOLD_DATA_DIR", &["data_dir"]),
    ("TWOFOLD_DATABASE_URL", &["database_url"]),
    ("TWOFOLD_MASTER_KEY_FILE", &["master_key_file"]),
    ("TWOFOLD_SERVER_NAME", &["server_name"]),
    ("TWOFOLD_ALLOW_INSECURE_LISTEN", &["allow_insecure_listen"]),
    ("TWOFOLD_LOG_FORMAT", &["log_format"]),
    ("TWOFOLD_TLS_CERT_FILE", &["tls", "cert_file"]),
    ("TWOFOLD_TLS_KEY_FILE", &["tls", "key_file"]),
    ("TWOFOLD_POLICY_NO_METHOD", &["policy", "no_method"]),
    (
        "TWOFOLD_POLICY_LOCKOUT_THRESHOLD",
        &["policy", "lockout_threshold"],
    ),
    (
        "TWOFOLD_POLICY_LOCKOUT_SECONDS",
        &["policy", "lockout_seconds"],
    ),
    (
        "TWOFOLD_POLICY_LOCKOUT_PERMANENT_AFTER",
        &["policy", "lockout_permanent_after"],
    ),
    ("TWOFOLD_POLICY_TOTP_WINDOW", &["policy", "totp_window"]),
    (
        "TWOFOLD_POLICY_HOTP_LOOK_AHEAD",
        &["policy", "hotp_look_ahead"],
    ),
    (
        "TWOFOLD_POLICY_MAX_DRIFT_STEPS",
        &["policy", "max_drift_steps"],
    ),
    (
        "TWOFOLD_POLICY_ACTIVATION_TTL_SECONDS",
        &["policy", "activation_ttl_seconds"],
    ),
    (
        "TWOFOLD_POLICY_ACTIVATION_ATTEMPTS_PER_MINUTE",
        &["policy", "activation_attempts_per_minute"],
    ),
    (
        "TWOFOLD_PUSH_CHALLENGE_TTL_SECONDS",
        &["push", "challenge_ttl_seconds"],
    ),
    ("TWOFOLD_PUSH_NUMBER_MATCHING", &["push", "number_matching"]),
    ("TWOFOLD_PUSH_MAX_PER_MINUTE", &["push", "max_per_minute"]),
    ("TWOFOLD_PUSH_BLOCK_ON_FRAUD", &["push", "block_on_fraud"]),
    (
        "TWOFOLD_PUSH_ALERT_WEBHOOK_URL",
        &["push", "alert_webhook_url"],
    ),
    (
        "TWOFOLD_PUSH_HEARTBEAT_SECONDS",
        &["push", "heartbeat_seconds"],
    ),
    ("TWOFOLD_AUDIT_RECORD_NAMES", &["audit", "record_names"]),
    ("TWOFOLD_AUDIT_RECORD_EMAIL", &["audit", "record_email"]),
    ("TWOFOLD_AUDIT_RECORD_PHONE", &["audit", "record_phone"]),
    (
        "TWOFOLD_SERVER_HEADER_TIMEOUT_SECONDS",
        &["server", "header_timeout_seconds"],
    ),
    (
        "TWOFOLD_SERVER_BODY_TIMEOUT_SECONDS",
        &["server", "body_timeout_seconds"],
    ),
    (
        "TWOFOLD_SERVER_MAX_CONNECTIONS",
        &["server", "max_connections"],
    ),
    ("TWOFOLD_METRICS_TOKEN", &["metrics", "token"]),
    (
        "TWOFOLD_APP_PASSWORDS_ENABLED",
        &["app_passwords", "enabled"],
    ),
    ("TWOFOLD_PUSH_MAX_PER_DAY", &["push", "max_per_day"]),
    (
        "TWOFOLD_SERVER_TRUSTED_PROXIES",
        &["server", "trusted_proxies"],
    ),
    ("TWOFOLD_RADIUS_LISTEN", &["radius", "listen"]),
    ("TWOFOLD_SMS_GATEWAY_URL", &["sms", "gateway_url"]),
    ("TWOFOLD_SMS_HEADERS_FILE", &["sms", "headers_file"]),
    ("TWOFOLD_VOICE_GATEWAY_URL", &["voice", "gateway_url"]),
    ("TWOFOLD_VOICE_HEADERS_FILE", &["voice", "headers_file"]),
    ("TWOFOLD_STORE_SYNCHRONOUS", &["store", "synchronous"]),
    ("TWOFOLD_WEB_ADMIN_LISTEN", &["web", "admin_listen"]),
    ("TWOFOLD_CACHE_ENABLED", &["cache", "enabled"]),
];

impl Config {
    /// Reads `path` (if given), then applies `TWOFOLD_*` variables from `env`, then checks.
    pub fn load(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut table = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Parse {
                        path: path.to_owned(),
                        message: e.to_string(),
                    })?
            }
            None => toml::Table::new(),
        };
        for (var, key_path) in ENV_KEYS {
            if let Some(raw) = env(var) {
                let value = parse_env_value(&raw);
                set_path(&mut table, key_path, value);
            }
        }
        let config: Config =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| match path {
                    Some(path) => ConfigError::Parse {
                        path: path.to_owned(),
                        message: e.message().to_owned(),
                    },
                    None => ConfigError::Env {
                        var: "TWOFOLD_*".into(),
                        message: e.message().to_owned(),
                    },
                })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let tls_files = [&self.tls.cert_file, &self.tls.key_file];
        let set = tls_files
            .iter()
            .filter(|p| !p.as_os_str().is_empty())
            .count();
        if set == 1 {
            return Err(ConfigError::Invalid {
                key: "tls",
                message: "set both cert_file and key_file, or neither".into(),
            });
        }
        if !self.tls_enabled() && !self.listen.ip().is_loopback() && !self.allow_insecure_listen {
            return Err(ConfigError::Invalid {
                key: "listen",
                message: format!(
                    "{} is not a loopback address and TLS is off; configure [tls] cert_file and key_file, \
                     or set allow_insecure_listen = true if a TLS proxy is in front",
                    self.listen
                ),
            });
        }
        if let Some(admin) = self.web.admin_listen {
            // The console's own listener follows the main one's rule: TLS, or loopback, or a
            // TLS proxy in front.
            if !self.tls_enabled() && !admin.ip().is_loopback() && !self.allow_insecure_listen {
                return Err(ConfigError::Invalid {
                    key: "web.admin_listen",
                    message: format!(
                        "{admin} is not a loopback address and TLS is off; configure [tls] cert_file and key_file, \
                         or set allow_insecure_listen = true if a TLS proxy is in front"
                    ),
                });
            }
            if admin == self.listen && admin.port() != 0 {
                return Err(ConfigError::Invalid {
                    key: "web.admin_listen",
                    message: format!("{admin} is also `listen`; give the console its own address"),
                });
            }
        }
        if self.policy.lockout_threshold == 0 {
            return Err(ConfigError::Invalid {
                key: "policy.lockout_threshold",
                message: "must be at least 1".into(),
            });
        }
        if self.policy.activation_ttl_seconds == 0 {
            return Err(ConfigError::Invalid {
                key: "policy.activation_ttl_seconds",
                message: "must be at least 1".into(),
            });
        }
        if self.policy.activation_attempts_per_minute == 0 {
            return Err(ConfigError::Invalid {
                key: "policy.activation_attempts_per_minute",
                message: "must be at least 1".into(),
            });
        }
        for (key, value) in [
            (
                "push.challenge_ttl_seconds",
                self.push.challenge_ttl_seconds,
            ),
            ("push.max_per_minute", u64::from(self.push.max_per_minute)),
            ("push.heartbeat_seconds", self.push.heartbeat_seconds),
            (
                "server.header_timeout_seconds",
                self.server.header_timeout_seconds,
            ),
            (
                "server.body_timeout_seconds",
                self.server.body_timeout_seconds,
            ),
            (
                "server.max_connections",
                u64::try_from(self.server.max_connections).unwrap_or(u64::MAX),
            ),
            ("push.max_per_day", u64::from(self.push.max_per_day)),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    key,
                    message: "must be at least 1".into(),
                });
            }
        }
        use crate::gateway::config::Section;
        self.sms.validate(Section::Sms)?;
        self.voice.validate(Section::Voice)?;
        let hook = self.push.alert_webhook_url.to_ascii_lowercase();
        if !(hook.is_empty() || hook.starts_with("http://") || hook.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                key: "push.alert_webhook_url",
                message: "must be an http(s) URL or empty".into(),
            });
        }
        if !["text", "json"].contains(&self.log_format.as_str()) {
            return Err(ConfigError::Invalid {
                key: "log_format",
                message: "must be \"text\" or \"json\"".into(),
            });
        }
        let url = &self.database_url;
        if !(url.is_empty()
            || url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid {
                key: "database_url",
                message: "must be empty (SQLite in data_dir), sqlite:PATH or postgres://...".into(),
            });
        }
        let public = self.public_url.to_ascii_lowercase();
        if !(public.is_empty() || public.starts_with("http://") || public.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                key: "public_url",
                message: "must start with https:// or http://".into(),
            });
        }
        self.radius.validate()?;
        Ok(())
    }

    pub fn tls_enabled(&self) -> bool {
        !self.tls.cert_file.as_os_str().is_empty() && !self.tls.key_file.as_os_str().is_empty()
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("twofold.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }

    pub fn master_key_path(&self) -> PathBuf {
        if self.master_key_file.as_os_str().is_empty() {
            self.data_dir.join("master.key")
        } else {
            self.master_key_file.clone()
        }
    }

    /// Where the local CLI finds the admin token.
    pub fn admin_token_path(&self) -> PathBuf {
        self.data_dir.join("admin.token")
    }

    /// The URL put into activation codes, given the address actually bound.
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        if !self.public_url.is_empty() {
            return self.public_url.trim_end_matches('/').to_owned();
        }
        let scheme = if self.tls_enabled() { "https" } else { "http" };
        format!("{scheme}://{bound}")
    }

    pub fn server_name(&self) -> String {
        if !self.server_name.is_empty() {
            return self.server_name.clone();
        }
        std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "twofold".into())
    }
}

/// An environment value is read as TOML when it parses as a scalar (numbers, booleans,
/// quoted strings), otherwise as a bare string.
fn parse_env_value(raw: &str) -> toml::Value {
    match format!("v = {raw}").parse::<toml::Table>() {
        Ok(mut t) => match t.remove("v") {
            Some(
                v @ (toml::Value::Integer(_)
                | toml::Value::Boolean(_)
                | toml::Value::String(_)
                | toml::Value::Float(_)),
            ) => v,
            _ => toml::Value::String(raw.to_owned()),
        },
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}

fn set_path(table: &mut toml::Table, path: &[&str], value: toml::Value) {
    match path {
        [] => {}
        [last] => {
            table.insert((*last).to_owned(), value);
        }
        [first, rest @ ..] => {
            let entry = table
                .entry((*first).to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(inner) = entry {
                set_path(inner, rest, value);
            }
        }
    }
}

/// App passwords: a long random password per client that cannot do MFA (old mail clients,
/// VPN and RDP clients through RADIUS), used instead of a second factor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppPasswordsConfig {
    /// Off by default: an app password is a way in without a second factor, so allow them
    /// only where such legacy clients exist.
    pub enabled: bool,
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
