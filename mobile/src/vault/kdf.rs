//! Argon2id, the key-derivation function of password slots.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::VaultError;

/// Argon2id cost parameters. They are stored in each password slot, so a vault opens with the
/// parameters it was sealed with whatever the defaults are today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for KdfParams {
    /// 64 MiB, 3 passes, 1 lane: about half a second on a current phone (RFC 9106 §4's
    /// second recommended option, with more passes for its smaller memory).
    fn default() -> Self {
        Self {
            m_kib: 64 * 1024,
            t: 3,
            p: 1,
        }
    }
}

impl KdfParams {
    /// Cheap parameters for tests only: a vault sealed with them falls to a guessing attack.
    pub fn insecure_for_tests() -> Self {
        Self {
            m_kib: 8,
            t: 1,
            p: 1,
        }
    }

    /// Most memory a vault or backup may ask for: 16 times what our own vaults use (64 MiB),
    /// and at most 10 passes and 8 lanes. A file asking for more is refused before anything is
    /// allocated: a crafted backup must not make the device spend gigabytes or minutes on a
    /// guess (issue 13, item 18).
    pub(crate) const MAX_M_KIB: u32 = 16 * 64 * 1024;
    const MAX_T: u32 = 10;
    const MAX_P: u32 = 8;

    /// Reads `m,t,p` (e.g. `8,1,1`; memory in KiB), the form of `TWOFOLD_KDF`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(',').map(|p| p.trim().parse::<u32>().ok());
        let params = Self {
            m_kib: parts.next()??,
            t: parts.next()??,
            p: parts.next()??,
        };
        (parts.next().is_none() && params.check().is_ok()).then_some(params)
    }

    pub(crate) fn check(&self) -> Result<argon2::Params, VaultError> {
        if self.m_kib > Self::MAX_M_KIB || self.t > Self::MAX_T || self.p > Self::MAX_P {
            return Err(VaultError::BadKdfParams(format!(
                "m={} KiB t={} p={} is beyond what this app allows",
                self.m_kib, self.t, self.p
            )));
        }
        argon2::Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|e| VaultError::BadKdfParams(e.to_string()))
    }

    /// The 256-bit key-encryption key for `password` and `salt`.
    pub(crate) fn derive(
        &self,
        password: &str,
        salt: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, VaultError> {
        let argon = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            self.check()?,
        );
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(password.as_bytes(), salt, key.as_mut())
            .map_err(|e| VaultError::BadKdfParams(e.to_string()))?;
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_inputs_give_the_same_key_and_each_parameter_matters() {
        // Same input, same parameters: same key; any parameter change: another key.
        let base = KdfParams {
            m_kib: 16,
            t: 1,
            p: 1,
        };
        let salt = [7u8; 16];
        let a = base.derive("pw", &salt).unwrap();
        assert_eq!(*a, *base.derive("pw", &salt).unwrap());
        for other in [
            KdfParams { m_kib: 32, ..base },
            KdfParams { t: 2, ..base },
            KdfParams { p: 2, ..base },
        ] {
            assert_ne!(*a, *other.derive("pw", &salt).unwrap(), "{other:?}");
        }
        assert_ne!(*a, *base.derive("pw", &[8u8; 16]).unwrap());
    }

    #[test]
    fn parameters_parse_from_the_env_form() {
        assert_eq!(
            KdfParams::parse("8,1,1"),
            Some(KdfParams::insecure_for_tests())
        );
        assert_eq!(KdfParams::parse("8,1"), None);
        assert_eq!(KdfParams::parse("8,1,1,1"), None);
        assert_eq!(KdfParams::parse("x,1,1"), None);
        // Argon2 needs at least 8 KiB per lane.
        assert_eq!(KdfParams::parse("1,1,1"), None);
    }

    /// Issue 13, item 18: a Twofold backup asking for 4 GiB of Argon2 memory (the old ceiling)
    /// or 64 passes is refused; our own parameters still derive.
    #[test]
    fn item18_hostile_backup_kdf_parameters_are_refused() {
        for hostile in [
            KdfParams {
                m_kib: 4 * 1024 * 1024,
                t: 1,
                p: 1,
            },
            KdfParams {
                m_kib: 8,
                t: 64,
                p: 1,
            },
            KdfParams {
                m_kib: 8,
                t: 1,
                p: 16,
            },
        ] {
            assert!(
                matches!(hostile.check(), Err(VaultError::BadKdfParams(_))),
                "{hostile:?}"
            );
        }
        assert!(KdfParams::default().check().is_ok());
        assert!(KdfParams {
            m_kib: 1024 * 1024,
            t: 10,
            p: 8
        }
        .check()
        .is_ok());
    }

    #[test]
    fn absurd_parameters_are_refused_before_allocating() {
        let huge = KdfParams {
            m_kib: u32::MAX,
            t: 1,
            p: 1,
        };
        assert!(matches!(
            huge.derive("pw", &[0; 16]),
            Err(VaultError::BadKdfParams(_))
        ));
    }
}
