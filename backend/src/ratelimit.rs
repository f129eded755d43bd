//! A fixed-window limiter per client address (activation attempts). Per node: an attacker
//! spreading guesses over N nodes gets N times the budget, which the code space (10^12) and
//! the short code lifetime absorb.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

pub struct RateLimiter {
    per_window: u32,
    window_seconds: u64,
    windows: Mutex<HashMap<IpAddr, (u64, u32)>>,
}

impl RateLimiter {
    pub fn new(per_window: u32, window_seconds: u64) -> Self {
        Self {
            per_window,
            window_seconds: window_seconds.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt from `addr` at `now`; false when over the limit.
    pub fn allow(&self, addr: IpAddr, now: u64) -> bool {
        let window = now / self.window_seconds;
        let Ok(mut windows) = self.windows.lock() else {
            return false;
        };
        if windows.len() > 100_000 {
            windows.retain(|_, (w, _)| *w == window);
        }
        let entry = windows.entry(addr).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.per_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_window() {
        let limiter = RateLimiter::new(2, 60);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert!(limiter.allow(a, 0));
        assert!(limiter.allow(a, 1));
        assert!(!limiter.allow(a, 2));
        assert!(limiter.allow(b, 2));
        assert!(limiter.allow(a, 60));
    }
}
