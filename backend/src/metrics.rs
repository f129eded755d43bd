//! Counters exposed at `/metrics` in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

#[derive(Default)]
pub struct Metrics {
    /// (method+route, status) → count.
    http: Mutex<BTreeMap<(String, u16), u64>>,
    /// (factor, result, reason) → count.
    auth: Mutex<BTreeMap<(String, String, String), u64>>,
    /// result → count.
    activations: Mutex<BTreeMap<String, u64>>,
    /// event → refusals counted here instead of audited (all but a window's first).
    audit_suppressed: Mutex<BTreeMap<&'static str, u64>>,
    /// reason → device channels this node closed for misbehaving.
    channel_closed: Mutex<BTreeMap<&'static str, u64>>,
    /// reason → RADIUS datagrams dropped without an answer.
    radius_dropped: Mutex<BTreeMap<&'static str, u64>>,
    /// result → RADIUS Access-Requests answered.
    radius_requests: Mutex<BTreeMap<&'static str, u64>>,
    /// event → what happened to this node's cluster event listener (PostgreSQL LISTEN).
    cluster_listener: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    pub fn http_request(&self, route: &str, status: u16) {
        if let Ok(mut m) = self.http.lock() {
            *m.entry((route.to_owned(), status)).or_default() += 1;
        }
    }

    pub fn authentication(&self, factor: &str, result: &str, reason: &str) {
        if let Ok(mut m) = self.auth.lock() {
            *m.entry((factor.to_owned(), result.to_owned(), reason.to_owned()))
                .or_default() += 1;
        }
    }

    pub fn activation(&self, result: &str) {
        if let Ok(mut m) = self.activations.lock() {
            *m.entry(result.to_owned()).or_default() += 1;
        }
    }

    /// A refusal of `event` that was not audited: its window's first one was.
    pub fn audit_suppressed(&self, event: &'static str) {
        if let Ok(mut m) = self.audit_suppressed.lock() {
            *m.entry(event).or_default() += 1;
        }
    }

    /// A device channel closed by this node because of `reason`.
    pub fn channel_closed(&self, reason: &'static str) {
        if let Ok(mut m) = self.channel_closed.lock() {
            *m.entry(reason).or_default() += 1;
        }
    }

    /// A RADIUS datagram dropped without an answer because of `reason`.
    pub fn radius_dropped(&self, reason: &'static str) {
        if let Ok(mut m) = self.radius_dropped.lock() {
            *m.entry(reason).or_default() += 1;
        }
    }

    /// A RADIUS Access-Request answered with `result` (accept, reject, challenge).
    pub fn radius_request(&self, result: &'static str) {
        if let Ok(mut m) = self.radius_requests.lock() {
            *m.entry(result).or_default() += 1;
        }
    }

    /// Something happened to the cluster event listener: `lost` (its connection broke),
    /// `reconnected` (listening again and caught up from the store), `catch_up_failed`.
    pub fn cluster_listener(&self, event: &'static str) {
        if let Ok(mut m) = self.cluster_listener.lock() {
            *m.entry(event).or_default() += 1;
        }
    }

    /// The exposition text; `gauges` are (name, help, value) read at scrape time.
    pub fn render(&self, gauges: &[(&str, &str, i64)]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP twofold_http_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE twofold_http_requests_total counter");
        if let Ok(m) = self.http.lock() {
            for ((route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "twofold_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        let _ = writeln!(out, "# HELP twofold_authentications_total Authentication attempts by factor, result and reason.");
        let _ = writeln!(out, "# TYPE twofold_authentications_total counter");
        if let Ok(m) = self.auth.lock() {
            for ((factor, result, reason), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "twofold_authentications_total{{factor=\"{}\",result=\"{}\",reason=\"{}\"}} {n}",
                    escape(factor),
                    escape(result),
                    escape(reason)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP twofold_activations_total Device activation attempts by result."
        );
        let _ = writeln!(out, "# TYPE twofold_activations_total counter");
        if let Ok(m) = self.activations.lock() {
            for (result, n) in m.iter() {
                let _ = writeln!(
                    out,
                    "twofold_activations_total{{result=\"{}\"}} {n}",
                    escape(result)
                );
            }
        }
        labelled(
            &mut out,
            "twofold_audit_suppressed_total",
            "Refusals counted instead of audited (a window's first one is audited).",
            "event",
            &self.audit_suppressed,
        );
        labelled(
            &mut out,
            "twofold_channel_closed_total",
            "Device channels closed by the server, by reason.",
            "reason",
            &self.channel_closed,
        );
        labelled(
            &mut out,
            "twofold_radius_dropped_total",
            "RADIUS datagrams dropped without an answer, by reason.",
            "reason",
            &self.radius_dropped,
        );
        labelled(
            &mut out,
            "twofold_radius_requests_total",
            "RADIUS Access-Requests answered, by result.",
            "result",
            &self.radius_requests,
        );
        labelled(
            &mut out,
            "twofold_cluster_listener_events_total",
            "The cluster event listener (PostgreSQL LISTEN) losing its connection and reconnecting.",
            "event",
            &self.cluster_listener,
        );
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }
}

/// A counter with one label whose values are fixed in the code (no escaping needed).
fn labelled(
    out: &mut String,
    name: &str,
    help: &str,
    label: &str,
    counts: &Mutex<BTreeMap<&'static str, u64>>,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    if let Ok(m) = counts.lock() {
        for (value, n) in m.iter() {
            let _ = writeln!(out, "{name}{{{label}=\"{value}\"}} {n}");
        }
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
