//! Fixed-window limits counted in the shared store ([`crate::store::rate_limits`]), so every
//! node of a cluster spends the same budget, and memory is bounded by the table's expiry,
//! not by how many addresses an attacker has.
//!
//! Who is counted is the client's network, not its exact address ([`source_of`]): an IPv6
//! host is normally given a whole /64 (RFC 4291 §2.5.4, RFC 6177), so counting /128s would
//! give one attacker 2^64 budgets; IPv4 addresses are counted one by one.

use std::net::{IpAddr, Ipv6Addr};

use sqlx::AnyConnection;

use crate::error::Error;
use crate::store::rate_limits::{self, Counter};

/// The scope of activation attempts per client network.
pub const ACTIVATION: &str = "activation";
/// The scope of audited activation refusals per client network and reason.
pub const ACTIVATION_AUDIT: &str = "activation_audit";

/// One kind of fixed window: what it counts (`scope`) and how long it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub scope: &'static str,
    pub seconds: u64,
}

impl Window {
    /// The start of the window `now` falls in.
    pub fn start(&self, now: u64) -> u64 {
        let seconds = self.seconds.max(1);
        now - now % seconds
    }

    async fn increment(
        &self,
        conn: &mut AnyConnection,
        source: &str,
        now: u64,
        counter: Counter,
    ) -> Result<rate_limits::Counts, Error> {
        let start = self.start(now);
        // Fixed windows: a past window is never read again.
        rate_limits::increment(conn, self.scope, source, start, counter, start).await
    }

    /// Counts an attempt of `source` at `now`; the attempts of its window so far, this one
    /// included.
    pub async fn hit(
        &self,
        conn: &mut AnyConnection,
        source: &str,
        now: u64,
    ) -> Result<u64, Error> {
        Ok(self.increment(conn, source, now, Counter::Hits).await?.hits)
    }

    /// Counts a refusal of `source` at `now`; true for the window's first one (the one to
    /// audit: the rest are only counted in the metrics, so that refusals cannot flood the
    /// audit log). Call it in the transaction that inserts that audit record.
    pub async fn first_refusal(
        &self,
        conn: &mut AnyConnection,
        source: &str,
        now: u64,
    ) -> Result<bool, Error> {
        Ok(self
            .increment(conn, source, now, Counter::Refusals)
            .await?
            .refusals
            == 1)
    }
}

/// At most `per_window` attempts per source and window.
pub struct RateLimiter {
    per_window: u32,
    window: Window,
}

impl RateLimiter {
    /// The activation limiter: `per_window` attempts per client network per `window_seconds`.
    pub fn new(per_window: u32, window_seconds: u64) -> Self {
        Self {
            per_window,
            window: Window {
                scope: ACTIVATION,
                seconds: window_seconds.max(1),
            },
        }
    }

    pub fn window(&self) -> Window {
        self.window
    }

    /// Which refusals of this limiter's window were already audited, by source and reason:
    /// each kind of refusal is audited once per window, so a typo early in a window does not
    /// hide a later attempt with a code that was already used or signed by another key.
    pub fn audit_window(&self) -> Window {
        Window {
            scope: ACTIVATION_AUDIT,
            seconds: self.window.seconds,
        }
    }

    /// Counts one attempt from `source` at `now`; false when over the limit.
    pub async fn allow(
        &self,
        conn: &mut AnyConnection,
        source: &str,
        now: u64,
    ) -> Result<bool, Error> {
        let hits = self.window.hit(conn, source, now).await?;
        Ok(hits <= u64::from(self.per_window))
    }
}

/// The key a client's attempts are counted under: an IPv4 address as it is (also when it
/// arrives IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address as its /64.
pub fn source_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_of_one_64_share_a_source_and_ipv4_ones_do_not() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(source_of(a), "2001:db8:1:2::/64");
        assert_eq!(source_of(a), source_of(b));
        assert_ne!(source_of(a), source_of(other));
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        let v4_next: IpAddr = "203.0.113.8".parse().unwrap();
        assert_eq!(source_of(v4), "203.0.113.7");
        assert_ne!(source_of(v4), source_of(v4_next));
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(source_of(mapped), "203.0.113.7");
    }

    #[test]
    fn windows_start_on_multiples_of_their_length() {
        let w = Window {
            scope: ACTIVATION,
            seconds: 60,
        };
        assert_eq!(w.start(1_700_000_000), 1_699_999_980);
        assert_eq!(w.start(1_699_999_980), 1_699_999_980);
        assert_eq!(w.start(1_700_000_039), 1_700_000_039 - 59);
    }
}
