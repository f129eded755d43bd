//! The configured RADIUS clients, looked up by a packet's source address. A client's
//! shared secret is read once at start-up (inline or from its file) and held zeroized.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use zeroize::Zeroizing;

use super::config::{load_secret, RadiusConfig, RadiusMode};
use crate::error::Error;

pub struct Client {
    pub name: String,
    network: IpNet,
    pub secret: Zeroizing<Vec<u8>>,
    pub mode: RadiusMode,
    pub require_message_authenticator: bool,
    pub digits: usize,
    /// `primary = "directory"`: the directory checks the primary password, not the upstream.
    pub primary_directory: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("name", &self.name)
            .field("network", &self.network)
            .field("secret", &"Secret(***)")
            .field("mode", &self.mode)
            .finish()
    }
}

#[derive(Debug, Default)]
pub struct Clients {
    list: Vec<Arc<Client>>,
}

impl Clients {
    pub fn from_config(config: &RadiusConfig) -> Result<Self, Error> {
        let mut list = Vec::with_capacity(config.clients.len());
        for c in &config.clients {
            let network = c.network().ok_or_else(|| {
                Error::Internal(format!("radius.clients {:?}: bad address", c.name))
            })?;
            let key = format!("radius.clients {:?}", c.name);
            let secret =
                load_secret(&c.secret, c.secret_file.as_ref(), &key).map_err(Error::Internal)?;
            list.push(Arc::new(Client {
                name: c.name.clone(),
                network,
                secret,
                mode: c.mode,
                require_message_authenticator: c.require_message_authenticator,
                digits: c.digits,
                primary_directory: c.primary == "directory",
            }));
        }
        Ok(Self { list })
    }

    /// The client for a source address: the most specific network that holds it.
    pub fn find(&self, source: IpAddr) -> Option<Arc<Client>> {
        let source = match source {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(source, IpAddr::V4),
            v4 => v4,
        };
        self.list
            .iter()
            .filter(|c| c.network.contains(&source))
            .max_by_key(|c| c.network.prefix_len())
            .cloned()
    }
}
