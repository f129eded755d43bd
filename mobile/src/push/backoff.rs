//! Reconnect delays: 1 s doubling to 60 s, with jitter (`docs/PROTOCOL.md` § Device channel),
//! so a server restart is not met by every device at the same instant.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    start: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(start: Duration, max: Duration) -> Self {
        Self {
            start,
            max: max.max(start),
            attempt: 0,
        }
    }

    /// The ceiling for the next delay: `start * 2^attempt`, at most `max`.
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32 << self.attempt.min(20);
        self.start.saturating_mul(factor).min(self.max)
    }

    /// The next delay: between half the ceiling and the ceiling ("equal jitter"), where
    /// `jitter` in `[0, 1]` picks the point. Moves the ceiling up for the time after.
    pub fn next_delay(&mut self, jitter: f64) -> Duration {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            1.0
        };
        ceiling.mul_f64(0.5 + jitter / 2.0)
    }

    /// After a connection that got as far as `ready`: start again from the first delay.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// A jitter value in `[0, 1]` from the system's random generator (1.0 if it fails).
pub fn random_jitter() -> f64 {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 4];
    match ring::rand::SystemRandom::new().fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_be_bytes(bytes)) / f64::from(u32::MAX),
        Err(_) => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_one_second_to_a_minute() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let ceilings: Vec<u64> = (0..9)
            .map(|_| {
                let c = b.ceiling().as_secs();
                b.next_delay(1.0);
                c
            })
            .collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn jitter_stays_between_half_and_the_ceiling() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        for _ in 0..6 {
            b.next_delay(0.5);
        }
        assert_eq!(b.ceiling(), Duration::from_secs(60));
        let mut low = b;
        assert_eq!(low.next_delay(0.0), Duration::from_secs(30));
        let mut high = b;
        assert_eq!(high.next_delay(1.0), Duration::from_secs(60));
        let mut odd = b;
        assert_eq!(odd.next_delay(f64::NAN), Duration::from_secs(60));
        for _ in 0..100 {
            let j = random_jitter();
            assert!((0.0..=1.0).contains(&j));
        }
    }

    #[test]
    fn reset_starts_again_and_many_failures_do_not_overflow() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        for _ in 0..1000 {
            b.next_delay(1.0);
        }
        assert_eq!(b.ceiling(), Duration::from_secs(60));
        b.reset();
        assert_eq!(b.next_delay(1.0), Duration::from_secs(1));
    }
}
