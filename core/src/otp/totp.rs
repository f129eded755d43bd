//! TOTP, RFC 6238: HOTP over the number of time steps since T0.

use super::verify::{constant_time_eq, normalise_code, Accepted, VerifyError, Window};
use super::{hmac_key, truncated_value, Algorithm, Encoding, OtpError};
use crate::SecretBytes;

/// A time-based code generator. Time is always the caller's `now`, in unix seconds.
#[derive(Clone, Debug)]
pub struct Totp {
    secret: SecretBytes,
    algorithm: Algorithm,
    encoding: Encoding,
    period: u64,
    t0: u64,
}

impl Totp {
    /// ```
    /// use twofold_core::otp::Totp;
    /// use twofold_core::{Algorithm, SecretBytes};
    /// let totp = Totp::new(SecretBytes::from(b"12345678901234567890".as_slice()), Algorithm::Sha1, 8, 30)?;
    /// assert_eq!(totp.generate(59), "94287082"); // RFC 6238 appendix B
    /// # Ok::<(), twofold_core::OtpError>(())
    /// ```
    pub fn new(
        secret: SecretBytes,
        algorithm: Algorithm,
        digits: u8,
        period: u64,
    ) -> Result<Self, OtpError> {
        Self::build(secret, algorithm, Encoding::decimal(digits)?, period)
    }

    /// Steam Guard: HMAC-SHA1, 30-second steps, five characters of Steam's alphabet.
    ///
    /// ```
    /// use twofold_core::otp::Totp;
    /// use twofold_core::SecretBytes;
    /// let steam = Totp::steam(SecretBytes::from(b"12345678901234567890".as_slice()))?;
    /// assert_eq!(steam.generate(59).len(), 5);
    /// # Ok::<(), twofold_core::OtpError>(())
    /// ```
    pub fn steam(secret: SecretBytes) -> Result<Self, OtpError> {
        Self::build(secret, Algorithm::Sha1, Encoding::Steam, 30)
    }

    fn build(
        secret: SecretBytes,
        algorithm: Algorithm,
        encoding: Encoding,
        period: u64,
    ) -> Result<Self, OtpError> {
        if period == 0 {
            return Err(OtpError::BadPeriod);
        }
        hmac_key(algorithm, secret.expose())?;
        Ok(Self {
            secret,
            algorithm,
            encoding,
            period,
            t0: 0,
        })
    }

    /// RFC 6238 §4.1: T0, the unix time at which step 0 begins (default 0).
    pub fn with_t0(mut self, t0: u64) -> Self {
        self.t0 = t0;
        self
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    pub fn period(&self) -> u64 {
        self.period
    }

    /// RFC 6238 §4.2: T = floor((now - T0) / X). Times before T0 count as step 0.
    pub fn step(&self, now: u64) -> u64 {
        now.saturating_sub(self.t0) / self.period
    }

    /// Seconds until the code shown at `now` is replaced.
    pub fn seconds_left(&self, now: u64) -> u64 {
        self.period - now.saturating_sub(self.t0) % self.period
    }

    /// The code at `now`.
    pub fn generate(&self, now: u64) -> String {
        self.generate_at_step(self.step(now))
    }

    pub fn generate_at_step(&self, step: u64) -> String {
        match hmac_key(self.algorithm, self.secret.expose()) {
            Ok(key) => self.encoding.render(truncated_value(&key, step)),
            // `build` refused empty secrets, so this arm is never taken.
            Err(_) => String::new(),
        }
    }

    /// Checks `code` against the steps around `now`, shifted by the `drift` (in steps) learned
    /// from earlier codes of this credential.
    ///
    /// `last_step` is the step of the last code accepted for this credential: a code from that
    /// step or an earlier one is [`VerifyError::Replayed`] (RFC 6238 §5.2). Of several
    /// matching steps the one closest to the verifier's clock wins.
    pub fn verify(
        &self,
        code: &str,
        now: u64,
        window: Window,
        drift: i64,
        last_step: Option<u64>,
    ) -> Result<Accepted, VerifyError> {
        self.verify_bounded(code, now, window, drift, last_step, u64::MAX)
    }

    /// [`verify`](Self::verify) with the learned drift bounded to `max_drift` steps either
    /// way. RFC 6238 §6 lets a verifier follow a generator's clock, but without a bound a
    /// clock that runs ever faster drags the window anywhere. The drift used is clamped to
    /// the bound, and a code from a step beyond it is [`VerifyError::BeyondDrift`]: a
    /// generator whose clock is badly off, which the caller need not count as a guess.
    pub fn verify_bounded(
        &self,
        code: &str,
        now: u64,
        window: Window,
        drift: i64,
        last_step: Option<u64>,
        max_drift: u64,
    ) -> Result<Accepted, VerifyError> {
        let code = normalise_code(code, self.encoding)?;
        let key =
            hmac_key(self.algorithm, self.secret.expose()).map_err(|_| VerifyError::Invalid)?;
        let current = self.step(now);
        let bound = i64::try_from(max_drift).unwrap_or(i64::MAX);
        let centre = current.saturating_add_signed(drift.clamp(-bound, bound));
        let first = centre.saturating_sub(window.behind);
        let last = centre.saturating_add(window.ahead);

        let mut best: Option<u64> = None;
        let mut replayed = false;
        let mut beyond = false;
        for step in first..=last {
            let candidate = self.encoding.render(truncated_value(&key, step));
            if !constant_time_eq(candidate.as_bytes(), code.as_bytes()) {
                continue;
            }
            if step.abs_diff(current) > max_drift {
                beyond = true;
            } else if last_step.is_some_and(|used| step <= used) {
                replayed = true;
            } else if best.is_none_or(|b| step.abs_diff(current) < b.abs_diff(current)) {
                best = Some(step);
            }
        }
        match best {
            Some(step) => Ok(Accepted {
                step,
                drift: signed_difference(step, current),
            }),
            None if replayed => Err(VerifyError::Replayed),
            None if beyond => Err(VerifyError::BeyondDrift),
            None => Err(VerifyError::Invalid),
        }
    }
}

fn signed_difference(a: u64, b: u64) -> i64 {
    let magnitude = i64::try_from(a.abs_diff(b)).unwrap_or(i64::MAX);
    if a >= b {
        magnitude
    } else {
        -magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA1_SEED: &[u8] = b"12345678901234567890";
    const SHA256_SEED: &[u8] = b"12345678901234567890123456789012";
    const SHA512_SEED: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    fn totp(seed: &[u8], algorithm: Algorithm, digits: u8) -> Totp {
        Totp::new(SecretBytes::from(seed), algorithm, digits, 30).unwrap()
    }

    #[test]
    fn rfc6238_appendix_b_vectors_for_all_three_hashes() {
        let table: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ];
        let sha1 = totp(SHA1_SEED, Algorithm::Sha1, 8);
        let sha256 = totp(SHA256_SEED, Algorithm::Sha256, 8);
        let sha512 = totp(SHA512_SEED, Algorithm::Sha512, 8);
        for (time, c1, c256, c512) in table {
            assert_eq!(sha1.generate(time), c1, "SHA1 at {time}");
            assert_eq!(sha256.generate(time), c256, "SHA256 at {time}");
            assert_eq!(sha512.generate(time), c512, "SHA512 at {time}");
        }
    }

    #[test]
    fn steam_codes_match_an_independent_implementation() {
        // Computed with Python's hmac module and Steam's published alphabet.
        let steam = Totp::steam(SecretBytes::from(SHA1_SEED)).unwrap();
        assert_eq!(steam.generate(59), "PV9M4");
        assert_eq!(steam.generate(1_111_111_109), "PY4YB");
        assert_eq!(steam.generate(1_234_567_890), "VHHQY");
        assert_eq!(steam.generate(2_000_000_000), "9N776");
        assert_eq!(
            steam
                .verify("pv9m4", 59, Window::default(), 0, None)
                .unwrap()
                .step,
            1
        );
    }

    #[test]
    fn custom_t0_shifts_the_steps() {
        let plain = totp(SHA1_SEED, Algorithm::Sha1, 8);
        let shifted = totp(SHA1_SEED, Algorithm::Sha1, 8).with_t0(1000);
        assert_eq!(shifted.generate(1059), plain.generate(59));
        assert_eq!(shifted.step(999), 0);
    }

    #[test]
    fn seconds_left_counts_down_to_the_next_step() {
        let t = totp(SHA1_SEED, Algorithm::Sha1, 6);
        assert_eq!(t.seconds_left(0), 30);
        assert_eq!(t.seconds_left(29), 1);
        assert_eq!(t.seconds_left(30), 30);
    }

    #[test]
    fn zero_period_is_refused() {
        let err = Totp::new(SecretBytes::from(SHA1_SEED), Algorithm::Sha1, 6, 0).unwrap_err();
        assert_eq!(err, OtpError::BadPeriod);
    }

    #[test]
    fn verify_accepts_one_step_each_side_and_reports_drift() {
        let t = totp(SHA1_SEED, Algorithm::Sha1, 6);
        let now = 1_000_000;
        let step = t.step(now);
        let w = Window::default();
        assert_eq!(
            t.verify(&t.generate_at_step(step), now, w, 0, None),
            Ok(Accepted { step, drift: 0 })
        );
        assert_eq!(
            t.verify(&t.generate_at_step(step - 1), now, w, 0, None),
            Ok(Accepted {
                step: step - 1,
                drift: -1
            })
        );
        assert_eq!(
            t.verify(&t.generate_at_step(step + 1), now, w, 0, None),
            Ok(Accepted {
                step: step + 1,
                drift: 1
            })
        );
        assert_eq!(
            t.verify(&t.generate_at_step(step + 2), now, w, 0, None),
            Err(VerifyError::Invalid)
        );
    }

    #[test]
    fn learned_drift_moves_the_window() {
        let t = totp(SHA1_SEED, Algorithm::Sha1, 6);
        let now = 1_000_000;
        let step = t.step(now);
        let code = t.generate_at_step(step + 3);
        assert_eq!(
            t.verify(&code, now, Window::default(), 0, None),
            Err(VerifyError::Invalid)
        );
        assert_eq!(
            t.verify(&code, now, Window::default(), 3, None),
            Ok(Accepted {
                step: step + 3,
                drift: 3
            })
        );
    }

    #[test]
    fn learned_drift_is_bounded_and_codes_beyond_the_bound_are_told_apart() {
        let t = totp(SHA1_SEED, Algorithm::Sha1, 6);
        let now = 1_000_000;
        let step = t.step(now);
        let w = Window::default();
        // At the bound: accepted.
        assert_eq!(
            t.verify_bounded(&t.generate_at_step(step + 10), now, w, 10, None, 10),
            Ok(Accepted {
                step: step + 10,
                drift: 10
            })
        );
        // One step beyond: refused as such, not as a wrong code.
        assert_eq!(
            t.verify_bounded(&t.generate_at_step(step + 11), now, w, 10, None, 10),
            Err(VerifyError::BeyondDrift)
        );
        // A stored drift past the bound (learned before there was one) is clamped.
        assert_eq!(
            t.verify_bounded(&t.generate_at_step(step + 30), now, w, 30, None, 10),
            Err(VerifyError::Invalid)
        );
        assert!(t
            .verify_bounded(&t.generate_at_step(step - 10), now, w, -30, None, 10)
            .is_ok());
    }

    #[test]
    fn a_code_from_the_last_accepted_step_or_before_is_a_replay() {
        let t = totp(SHA1_SEED, Algorithm::Sha1, 6);
        let now = 1_000_000;
        let step = t.step(now);
        let code = t.generate_at_step(step);
        let w = Window::default();
        assert_eq!(
            t.verify(&code, now, w, 0, Some(step)),
            Err(VerifyError::Replayed)
        );
        assert_eq!(
            t.verify(&code, now, w, 0, Some(step + 1)),
            Err(VerifyError::Replayed)
        );
        assert!(t.verify(&code, now, w, 0, Some(step - 1)).is_ok());
    }

    #[test]
    fn malformed_codes_are_refused_before_any_hmac() {
        let t = totp(SHA1_SEED, Algorithm::Sha1, 6);
        let w = Window::default();
        for code in ["", "12345", "1234567", "12a456", "١٢٣٤٥٦"] {
            assert_eq!(
                t.verify(code, 59, w, 0, None),
                Err(VerifyError::Malformed),
                "{code:?}"
            );
        }
        let code = t.generate(59);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(t.verify(&spaced, 59, w, 0, None).is_ok());
    }
}
