//! The `[server]` and `[metrics]` sections: limits on connections (issue 13 item 11), who
//! may read `/metrics` (item 12), and which proxies may say who the client is (item 8). Part
//! of [`crate::config`]; a file of its own so that one stays small.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize};

/// Limits on each connection, so that slow or idle clients cannot hold every socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// A client must send a request's complete header within this time (slow-loris), or
    /// the connection is closed.
    pub header_timeout_seconds: u64,
    /// A client must send a request's complete body within this time, or the request fails.
    pub body_timeout_seconds: u64,
    /// Open connections (TLS or not) at most; further ones are closed as soon as accepted.
    pub max_connections: usize,
    /// Reverse proxies (addresses or CIDR networks) whose `X-Forwarded-For` header is
    /// believed: the client is the right-most address in it that is not one of these. Empty
    /// (the default): the header is ignored and the client is the connection's peer.
    #[serde(deserialize_with = "proxy_list")]
    pub trusted_proxies: Vec<ProxyNet>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            header_timeout_seconds: 10,
            body_timeout_seconds: 30,
            max_connections: 1024,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Access to the Prometheus endpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// When set, `/metrics` requires `Authorization: Bearer <token>`. Empty: public.
    pub token: String,
}

/// One `trusted_proxies` entry: a CIDR network (`10.0.0.0/8`, `2001:db8::/32`) or a single
/// address (`192.0.2.1`, read as /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProxyNet(pub IpNet);

impl ProxyNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

impl TryFrom<String> for ProxyNet {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(ProxyNet(net.trunc()));
        }
        text.parse::<IpAddr>()
            .map(|ip| ProxyNet(IpNet::from(ip)))
            .map_err(|_| {
                format!("server.trusted_proxies: {text:?} is neither an IP address nor a CIDR network (e.g. 10.0.0.0/8)")
            })
    }
}

impl From<ProxyNet> for String {
    fn from(net: ProxyNet) -> String {
        net.0.to_string()
    }
}

/// `trusted_proxies` as a TOML list, or (from `TWOFOLD_SERVER_TRUSTED_PROXIES`, which is one
/// string) entries separated by commas.
fn proxy_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<ProxyNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Text(String),
    }
    let entries = match Form::deserialize(deserializer)? {
        Form::List(list) => list,
        Form::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    entries
        .into_iter()
        .map(ProxyNet::try_from)
        .collect::<Result<_, _>>()
        .map_err(serde::de::Error::custom)
}
