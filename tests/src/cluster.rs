//! A cluster as production runs one: N real `twofold-server` nodes ([`ServerProcess`]) on
//! one PostgreSQL of the cluster's own ([`PrivatePostgres`], so it can be restarted), behind
//! a real HAProxy ([`HaProxy`]). Devices and relying parties talk to [`Cluster::url`] only;
//! faults are injected with [`Cluster::kill`] (`kill -9` a node), [`Cluster::restart`] (the
//! same node again on its port) and the database's `stop`/`start_again`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), twofold_testkit::Error> {
//! let mut cluster = twofold_testkit::cluster::Cluster::start(3, &[]).await?;
//! cluster.kill(1)?;
//! cluster.restart(1)?;
//! # Ok(()) }
//! ```

use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::error::Error;
use crate::haproxy::HaProxy;
use crate::http::RawClient;
use crate::private_postgres::PrivatePostgres;
use crate::server::ServerProcess;
use crate::Result;

/// Settings every node of a test cluster runs with: no lockouts or caps in the way of load
/// (the tests check decisions, not throttling).
const LOAD_SETTINGS: [(&str, &str); 5] = [
    ("TWOFOLD_POLICY_LOCKOUT_THRESHOLD", "1000000000"),
    (
        "TWOFOLD_POLICY_ACTIVATION_ATTEMPTS_PER_MINUTE",
        "1000000000",
    ),
    ("TWOFOLD_PUSH_MAX_PER_MINUTE", "1000000"),
    ("TWOFOLD_PUSH_MAX_PER_DAY", "1000000"),
    ("RUST_LOG", "info,sqlx=warn"),
];

pub struct Cluster {
    /// The load balancer's URL: `http://127.0.0.1:PORT`.
    pub url: String,
    /// The nodes, `node-0` first (it created the installation).
    pub nodes: Vec<ServerProcess>,
    pub proxy: HaProxy,
    pub postgres: PrivatePostgres,
    /// The nodes' database on [`Cluster::postgres`].
    pub database_url: String,
}

impl Cluster {
    /// Starts PostgreSQL, `nodes` nodes (named `node-0`, `node-1`, ...) with `env` on top of
    /// the load settings, and HAProxy in front of them; returns once HAProxy sees every node
    /// healthy.
    pub async fn start(nodes: usize, env: &[(&str, &str)]) -> Result<Self> {
        Self::start_each(nodes, env, &[]).await
    }

    /// [`start`](Self::start) with extra settings for some nodes: `per_node[i]` for node i
    /// (i ≥ 1; `per_node[0]` must be empty).
    pub async fn start_each(
        nodes: usize,
        env: &[(&str, &str)],
        per_node: &[&[(&str, &str)]],
    ) -> Result<Self> {
        let postgres = PrivatePostgres::start()?;
        let database_url = postgres.url.replacen("/postgres", "/twofold", 1);
        let mut admin = sqlx::PgConnection::connect(&postgres.url).await?;
        sqlx::query("CREATE DATABASE twofold")
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        let mut settings: Vec<(&str, &str)> = LOAD_SETTINGS.to_vec();
        settings.extend_from_slice(env);
        settings.push(("TWOFOLD_SERVER_NAME", "node-0"));
        if per_node.first().is_some_and(|e| !e.is_empty()) {
            // The other nodes start from node-0's settings: they would inherit these too.
            return Err(Error::new(
                "per-node settings are for node-1 and later; node-0 runs with `env`",
            ));
        }
        let first = ServerProcess::start_on(Some(database_url.clone()), &settings)?;
        let mut started = vec![first];
        for i in 1..nodes {
            let mut node = started[0].start_node(&format!("node-{i}"))?;
            if let Some(extra) = per_node.get(i).filter(|e| !e.is_empty()) {
                // Restart with the node's own settings (the first start gave it its port).
                node.stop()?;
                for (key, value) in extra.iter() {
                    node.env.retain(|(k, _)| k != key);
                    node.env.push(((*key).to_owned(), (*value).to_owned()));
                }
                node.restart_same_port()?;
            }
            started.push(node);
        }
        let addresses = started
            .iter()
            .map(|n| n.url.trim_start_matches("http://").to_owned())
            .collect::<Vec<_>>();
        let proxy = HaProxy::start(&addresses)?;
        let cluster = Self {
            url: proxy.url.clone(),
            nodes: started,
            proxy,
            postgres,
            database_url,
        };
        cluster.wait_all_up(Duration::from_secs(10)).await?;
        Ok(cluster)
    }

    /// The first admin token (every node accepts it).
    pub fn admin_token(&self) -> &str {
        &self.nodes[0].admin_token
    }

    /// `kill -9` node `i`.
    pub fn kill(&mut self, i: usize) -> Result<()> {
        self.node_mut(i)?.kill()
    }

    /// Starts node `i` again on its port.
    pub fn restart(&mut self, i: usize) -> Result<()> {
        self.node_mut(i)?.restart_same_port()
    }

    fn node_mut(&mut self, i: usize) -> Result<&mut ServerProcess> {
        self.nodes
            .get_mut(i)
            .ok_or_else(|| Error::new(format!("no node {i}")))
    }

    /// Waits until every node answers `/health` with 200 and HAProxy has had time to see it
    /// (its checks run every 200 ms and one success marks a node up).
    pub async fn wait_all_up(&self, wait: Duration) -> Result<()> {
        let deadline = Instant::now() + wait;
        for node in &self.nodes {
            let client = RawClient::new(&node.url, None)?;
            loop {
                if client.get("/health").await.is_ok_and(|r| r.status == 200) {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(Error::new(format!(
                        "{} is not healthy after {wait:?}:\n{}",
                        node.url,
                        node.logs().unwrap_or_default()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(())
    }

    /// A connection to the nodes' database, for what a test reads or does there directly
    /// (`pg_stat_activity`, `pg_terminate_backend`).
    pub async fn database(&self) -> Result<sqlx::PgConnection> {
        Ok(sqlx::PgConnection::connect(&self.database_url).await?)
    }

    /// Every node's log, for a failure message.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            out.push_str(&format!(
                "==== {} ====\n{}\n",
                node.url,
                node.logs().unwrap_or_default()
            ));
        }
        out.push_str(&format!("==== haproxy ====\n{}\n", self.proxy.log()));
        out
    }
}
