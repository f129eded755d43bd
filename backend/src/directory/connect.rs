//! Connections to the directory: TLS always (`ldaps://`, or StartTLS on `ldap://`, RFC 4513
//! §3), the certificate verified against `ca_file` or the system's trust store, host name
//! included; plain LDAP only to a loopback test server and only when asked for. Every
//! connection and operation has a deadline.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use super::config::DirectoryConfig;
use super::DirectoryError;

/// How to open a connection; cheap to clone settings from.
pub(super) struct Connector {
    url: String,
    settings: LdapConnSettings,
    connect_timeout: Duration,
    pub(super) op_timeout: Duration,
}

impl Connector {
    pub(super) fn new(cfg: &DirectoryConfig) -> Result<Self, DirectoryError> {
        let parsed = url::Url::parse(&cfg.url).map_err(|e| {
            misconfigured("directory.url", format!("{:?} is not a URL: {e}", cfg.url))
        })?;
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| misconfigured("directory.url", "names no host".into()))?;
        if parsed.path() != "/" && !parsed.path().is_empty() || parsed.query().is_some() {
            return Err(misconfigured(
                "url",
                "must be ldap://host[:port] or ldaps://host[:port]; put the base in base_dn".into(),
            ));
        }
        let connect_timeout = Duration::from_secs(cfg.connect_timeout_seconds);
        let mut settings = LdapConnSettings::new().set_conn_timeout(connect_timeout);
        let tls = match parsed.scheme() {
            "ldaps" => true,
            "ldap" if cfg.starttls => {
                settings = settings.set_starttls(true);
                true
            }
            "ldap" => {
                if !(cfg.allow_insecure && is_loopback(host)) {
                    return Err(misconfigured(
                        "url",
                        format!(
                            "{} is plain LDAP without StartTLS: passwords would cross the network in clear. \
                             Use ldaps://, or starttls = true; allow_insecure = true is accepted only for a \
                             loopback test server",
                            cfg.url
                        ),
                    ));
                }
                false
            }
            other => {
                return Err(misconfigured(
                    "url",
                    format!("scheme {other:?}: must be ldap:// (with StartTLS) or ldaps://"),
                ))
            }
        };
        if tls {
            settings = settings.set_config(Arc::new(client_config(cfg)?));
        }
        Ok(Self {
            url: cfg.url.clone(),
            settings,
            connect_timeout,
            op_timeout: Duration::from_secs(cfg.operation_timeout_seconds),
        })
    }

    /// A fresh connection (TCP, then TLS or StartTLS), not yet bound.
    pub(super) async fn open(&self) -> Result<Ldap, DirectoryError> {
        let connecting = LdapConnAsync::with_settings(self.settings.clone(), &self.url);
        // The connect timeout covers TCP; the TLS handshake and StartTLS get the same again.
        let deadline = self.connect_timeout.saturating_mul(2);
        let (conn, ldap) = tokio::time::timeout(deadline, connecting)
            .await
            .map_err(|_| self.unavailable("no connection within the connect timeout".into()))?
            .map_err(|e| self.unavailable(e.to_string()))?;
        ldap3::drive!(conn);
        Ok(ldap)
    }

    /// Runs one operation with the operation deadline.
    pub(super) async fn timed<T>(
        &self,
        op: impl std::future::Future<Output = Result<T, LdapError>>,
    ) -> Result<T, DirectoryError> {
        tokio::time::timeout(self.op_timeout, op)
            .await
            .map_err(|_| self.unavailable("no answer within the operation timeout".into()))?
            .map_err(|e| self.unavailable(e.to_string()))
    }

    pub(super) fn unavailable(&self, reason: String) -> DirectoryError {
        DirectoryError::Unavailable {
            url: self.url.clone(),
            reason,
        }
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A rustls client (ring, the server's own provider) that trusts the CAs of `ca_file`, or
/// the system's trust store when none is configured.
fn client_config(cfg: &DirectoryConfig) -> Result<ClientConfig, DirectoryError> {
    let path = &cfg.ca_file;
    let mut roots = RootCertStore::empty();
    if path.as_os_str().is_empty() {
        let native = rustls_native_certs::load_native_certs();
        let (added, _ignored) = roots.add_parsable_certificates(native.certs);
        if added == 0 {
            return Err(misconfigured(
                "directory.ca_file",
                "the system trust store holds no usable certificate; set ca_file".into(),
            ));
        }
    } else {
        let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
            misconfigured(
                "directory.ca_file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        for cert in certs {
            let cert = cert.map_err(|e| {
                misconfigured(
                    "directory.ca_file",
                    format!("{}: not PEM certificates: {e}", path.display()),
                )
            })?;
            roots.add(cert).map_err(|e| {
                misconfigured(
                    "directory.ca_file",
                    format!("{}: unusable certificate: {e}", path.display()),
                )
            })?;
        }
        if roots.is_empty() {
            return Err(misconfigured(
                "directory.ca_file",
                format!("{} holds no certificate", path.display()),
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| misconfigured("directory.ca_file", e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn misconfigured(key: &'static str, message: String) -> DirectoryError {
    DirectoryError::Misconfigured { key, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str, starttls: bool, allow_insecure: bool) -> DirectoryConfig {
        DirectoryConfig {
            url: url.into(),
            starttls,
            allow_insecure,
            ..DirectoryConfig::default()
        }
    }

    fn refusal(c: &DirectoryConfig) -> String {
        match Connector::new(c) {
            Err(e) => e.to_string(),
            Ok(_) => "accepted".into(),
        }
    }

    #[test]
    fn plain_ldap_is_refused_unless_asked_for_and_to_loopback() {
        assert!(refusal(&cfg("ldap://dc1.corp.example", false, false)).contains("in clear"));
        assert!(refusal(&cfg("ldap://dc1.corp.example", false, true)).contains("loopback"));
        assert!(refusal(&cfg("ldap://127.0.0.1:3890", false, false)).contains("in clear"));
        assert_eq!(
            refusal(&cfg("ldap://127.0.0.1:3890", false, true)),
            "accepted"
        );
        assert_eq!(refusal(&cfg("ldap://[::1]:3890", false, true)), "accepted");
        assert_eq!(refusal(&cfg("ldap://localhost", false, true)), "accepted");
    }

    #[test]
    fn tls_urls_and_starttls_are_accepted_and_other_schemes_refused() {
        assert_eq!(
            refusal(&cfg("ldaps://dc1.corp.example", true, false)),
            "accepted"
        );
        assert_eq!(
            refusal(&cfg("ldap://dc1.corp.example", true, false)),
            "accepted"
        );
        assert!(refusal(&cfg("http://dc1.corp.example", true, false)).contains("scheme"));
        assert!(refusal(&cfg("ldap://dc1/dc=corp", true, false)).contains("base_dn"));
        assert!(refusal(&cfg("not a url", true, false)).contains("directory.url"));
    }

    #[test]
    fn a_missing_ca_file_names_the_key() {
        let c = DirectoryConfig {
            ca_file: "/nonexistent/ca.pem".into(),
            ..cfg("ldaps://dc1.corp.example", true, false)
        };
        assert!(refusal(&c).contains("directory.ca_file"));
    }
}
