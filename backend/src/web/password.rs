//! Console admins' passwords: Argon2id (RFC 9106) with the `argon2` crate's defaults (the
//! RFC's second recommended option scaled to a server: 19 MiB, 2 passes, 1 lane, as OWASP
//! recommends), stored as a PHC string so the parameters can grow without a migration.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use zeroize::Zeroizing;

use crate::crypto::random_bytes;
use crate::error::Error;

/// Shortest password accepted (NIST SP 800-63B §5.1.1.2 asks at least 8; an admin account
/// deserves more).
pub const MIN_LEN: usize = 12;
/// Longest accepted: Argon2 takes any length, but a megabyte password is a denial of service.
pub const MAX_LEN: usize = 1024;

/// Why a new password is refused, in words for the person choosing it.
pub fn check_new(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!("must be at least {MIN_LEN} characters"));
    }
    if password.len() > MAX_LEN {
        return Err(format!("must be at most {MAX_LEN} bytes"));
    }
    Ok(())
}

/// The PHC string of `password` under a fresh 16-byte salt. CPU-bound: call it from
/// `spawn_blocking` ([`hash_blocking`]).
fn hash(password: &[u8]) -> Result<String, Error> {
    let salt = SaltString::encode_b64(&random_bytes(16)?)
        .map_err(|e| Error::Internal(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password, &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hash: {e}")))
}

/// Checks `password` against a stored PHC string (the comparison inside is constant-time).
fn verify(password: &[u8], stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| Argon2::default().verify_password(password, &parsed).is_ok())
        .unwrap_or(false)
}

pub async fn hash_blocking(password: Zeroizing<String>) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || hash(password.as_bytes()))
        .await
        .map_err(|e| Error::Internal(format!("password hashing task: {e}")))?
}

/// [`verify`] off the async threads. `stored` is `None` for an unknown admin: a hash of a
/// random password is checked instead, so an unknown name costs the same time as a wrong
/// password and the answer's timing does not tell which names exist.
pub async fn verify_blocking(
    password: Zeroizing<String>,
    stored: Option<String>,
) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => Ok(verify(password.as_bytes(), &stored)),
        None => {
            let decoy = decoy()?;
            // Whatever it answers, an unknown admin is refused.
            let _ = verify(password.as_bytes(), decoy);
            Ok(false)
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("password check task: {e}")))?
}

/// A hash of a random password with the same parameters as real ones, made once per process
/// (a cache of a value no one knows the password of, not state).
fn decoy() -> Result<&'static str, Error> {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(decoy) = DECOY.get() {
        return Ok(decoy);
    }
    let fresh = hash(&random_bytes(16)?)?;
    Ok(DECOY.get_or_init(|| fresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash(b"correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$"));
        assert!(verify(b"correct horse battery", &stored));
        assert!(!verify(b"correct horse batterz", &stored));
        assert!(!verify(b"correct horse battery", "not a phc string"));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(check_new("short").is_err());
        assert!(check_new(&"x".repeat(MAX_LEN + 1)).is_err());
        assert!(check_new("twelve chars").is_ok());
    }
}
