//! The password-based key derivations of encrypted imports (Ente Auth, Bitwarden), with the
//! costs a file may ask for.
//!
//! The parameters come from the file, so a crafted export could demand gigabytes of memory or
//! hours of work per guess. They are checked before anything is allocated (issue 13, item 18):
//! the same memory ceiling as our own vaults and backups ([`KdfParams::MAX_M_KIB`], 1 GiB), and
//! a ceiling on the work (memory x passes) of 4 GiB-passes, which is libsodium's
//! `crypto_pwhash_*_SENSITIVE` product (1 GiB x 4) that Ente keeps constant whatever memory a
//! device can spare (1 GiB x 4, 512 MiB x 8, 256 MiB x 16, 128 MiB x 32). Bitwarden's
//! defaults (64 MiB x 3, PBKDF2 600 000 rounds) are far below.

use std::num::NonZeroU32;

use zeroize::Zeroizing;

use super::ImportError;
use crate::vault::KdfParams;

/// Most Argon2id memory (KiB) an imported file may ask for: what a vault may.
const MAX_MEMORY_KIB: u32 = KdfParams::MAX_M_KIB;
/// Most Argon2id work (KiB x passes): libsodium's SENSITIVE memory and passes, multiplied.
const MAX_WORK_KIB_PASSES: u64 = 4 * KdfParams::MAX_M_KIB as u64;
/// Bitwarden lets an account choose 1 to 16 lanes. Lanes split the memory, they do not add to
/// it, so allowing its whole range costs nothing.
const MAX_LANES: u32 = 16;
/// Bitwarden's own ceiling for PBKDF2-SHA256 rounds (its clients refuse more).
const MAX_PBKDF2_ROUNDS: u32 = 2_000_000;

/// Argon2id parameters as a file states them: memory in KiB, passes, lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Argon2Cost {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl Argon2Cost {
    /// Why these parameters are refused, if they are. Argon2 itself needs at least one pass,
    /// one lane and 8 KiB per lane (RFC 9106 §3.1).
    pub(crate) fn problem(self) -> Option<String> {
        let Argon2Cost { m_kib, t, p } = self;
        if t == 0 || p == 0 || u64::from(m_kib) < 8 * u64::from(p) {
            return Some(format!(
                "Argon2id memory {m_kib} KiB, {t} passes, {p} lanes are not valid Argon2 \
                 parameters (at least 1 pass, 1 lane and 8 KiB per lane)"
            ));
        }
        if m_kib > MAX_MEMORY_KIB {
            return Some(format!(
                "the file asks for {} MiB of Argon2id memory; this app allows at most {} MiB",
                m_kib / 1024,
                MAX_MEMORY_KIB / 1024
            ));
        }
        if p > MAX_LANES {
            return Some(format!(
                "the file asks for {p} Argon2id lanes; this app allows at most {MAX_LANES}"
            ));
        }
        if u64::from(m_kib) * u64::from(t) > MAX_WORK_KIB_PASSES {
            return Some(format!(
                "the file asks for {t} Argon2id passes over {} MiB; this app allows at most \
                 {} MiB-passes of work",
                m_kib / 1024,
                MAX_WORK_KIB_PASSES / 1024
            ));
        }
        None
    }
}

/// Argon2id version 1.3, 32 bytes out, after [`Argon2Cost::problem`] found nothing wrong.
pub(crate) fn argon2id(
    format: &'static str,
    password: &str,
    salt: &[u8],
    cost: Argon2Cost,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    if let Some(problem) = cost.problem() {
        return Err(ImportError::corrupt(format, problem));
    }
    let params = argon2::Params::new(cost.m_kib, cost.t, cost.p, Some(32))
        .map_err(|e| ImportError::corrupt(format, format!("Argon2id parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), salt, key.as_mut())
        .map_err(|e| ImportError::corrupt(format, format!("Argon2id: {e}")))?;
    Ok(key)
}

/// Why a PBKDF2 round count is refused, if it is.
pub(crate) fn pbkdf2_problem(rounds: u32) -> Option<String> {
    (rounds == 0 || rounds > MAX_PBKDF2_ROUNDS).then(|| {
        format!(
            "the file asks for {rounds} PBKDF2 rounds; this app allows 1 to {MAX_PBKDF2_ROUNDS}"
        )
    })
}

/// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2), 32 bytes out, at most [`MAX_PBKDF2_ROUNDS`] rounds.
pub(crate) fn pbkdf2_sha256(
    format: &'static str,
    password: &str,
    salt: &[u8],
    rounds: u32,
) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    if let Some(problem) = pbkdf2_problem(rounds) {
        return Err(ImportError::corrupt(format, problem));
    }
    let rounds = NonZeroU32::new(rounds).unwrap_or(NonZeroU32::MIN);
    Ok(pbkdf2_sha256_fixed(password, salt, rounds))
}

/// PBKDF2-HMAC-SHA256, 32 bytes out, for a round count the format fixes (2FAS) or that was
/// checked ([`pbkdf2_sha256`]).
pub(crate) fn pbkdf2_sha256_fixed(
    password: &str,
    salt: &[u8],
    rounds: NonZeroU32,
) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        salt,
        password.as_bytes(),
        key.as_mut(),
    );
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u32 = 1024;

    /// Every memory/passes pair Ente's `deriveSensitiveKey` can write, and Bitwarden's
    /// defaults and range, are accepted; what would cost more than that is refused.
    #[test]
    fn item18_real_ente_and_bitwarden_costs_pass_and_hostile_ones_are_refused() {
        for (m_kib, t, p) in [
            (1024 * MIB, 4, 1),
            (512 * MIB, 8, 1),
            (256 * MIB, 16, 1),
            (128 * MIB, 32, 1),
            (64 * MIB, 3, 4),
            (16 * MIB, 2, 16),
            (1024 * MIB, 4, 16),
            (8, 1, 1),
        ] {
            let cost = Argon2Cost { m_kib, t, p };
            assert_eq!(cost.problem(), None, "{cost:?}");
        }
        for (m_kib, t, p) in [
            (4096 * MIB, 1, 1),
            (1024 * MIB + 1, 1, 1),
            (1024 * MIB, 5, 1),
            (256 * MIB, 17, 1),
            (64 * MIB, 3, 17),
            (8 * MIB, u32::MAX, 1),
            (64 * MIB, 0, 1),
            (64 * MIB, 1, 0),
            (7, 1, 1),
            (64, 1, 16),
            (u32::MAX, u32::MAX, u32::MAX),
        ] {
            let cost = Argon2Cost { m_kib, t, p };
            assert!(cost.problem().is_some(), "{cost:?}");
        }
    }

    #[test]
    fn item18_hostile_costs_are_refused_before_deriving() {
        let hostile = Argon2Cost {
            m_kib: 4096 * MIB,
            t: 1,
            p: 1,
        };
        let err = argon2id("Ente Auth", "pw", &[0; 16], hostile).unwrap_err();
        assert!(
            err.to_string().contains("4096 MiB of Argon2id memory"),
            "{err}"
        );
        for rounds in [0, MAX_PBKDF2_ROUNDS + 1, u32::MAX] {
            let err = pbkdf2_sha256("Bitwarden", "pw", b"salt", rounds).unwrap_err();
            assert!(err.to_string().contains("PBKDF2 rounds"), "{err}");
        }
    }

    /// RFC 7914 §11's PBKDF2-HMAC-SHA256 vector (c = 1), and the Argon2id vector of
    /// RFC 9106 §5.3 cannot be used (it needs a secret and associated data), so the Argon2id
    /// derivation is checked against libsodium through the fixtures instead.
    #[test]
    fn pbkdf2_matches_the_rfc_7914_vector() {
        let key = pbkdf2_sha256("test", "passwd", b"salt", 1).unwrap();
        assert_eq!(
            hex::encode(key.as_ref()),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
    }
}
