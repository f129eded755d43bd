//! User-Password hiding (RFC 2865 §5.2): the password padded with NULs to a multiple of 16
//! octets, each block XORed with MD5(secret + the previous cipher block), the first with the
//! Request Authenticator. Part of [`super::packet`], which re-exports both functions.

use md5::{Digest, Md5};
use zeroize::Zeroizing;

use super::packet::{PacketError, MAX_PASSWORD};

/// RFC 2865 §5.2: the keystream block MD5(S + previous), previous = RA then each c(i).
fn keystream(secret: &[u8], previous: &[u8]) -> Zeroizing<[u8; 16]> {
    let mut md5 = Md5::new();
    md5.update(secret);
    md5.update(previous);
    Zeroizing::new(md5.finalize().into())
}

/// Hides a User-Password (RFC 2865 §5.2): padded with NULs to a multiple of 16, each block
/// XORed with MD5(secret + previous cipher block), the first with the Request Authenticator.
pub fn hide_password(
    password: &[u8],
    secret: &[u8],
    authenticator: &[u8; 16],
) -> Result<Vec<u8>, PacketError> {
    if password.len() > MAX_PASSWORD {
        return Err(PacketError::PasswordTooLong(password.len()));
    }
    let padded_len = password.len().div_ceil(16).max(1) * 16;
    let mut out = Zeroizing::new(vec![0u8; padded_len]);
    out[..password.len()].copy_from_slice(password);
    let mut previous: Vec<u8> = authenticator.to_vec();
    for chunk in out.chunks_mut(16) {
        let b = keystream(secret, &previous);
        for (c, k) in chunk.iter_mut().zip(b.iter()) {
            *c ^= k;
        }
        previous = chunk.to_vec();
    }
    Ok(out.to_vec())
}

/// Recovers a hidden User-Password (RFC 2865 §5.2), without the NUL padding.
pub fn unhide_password(
    hidden: &[u8],
    secret: &[u8],
    authenticator: &[u8; 16],
) -> Result<Zeroizing<Vec<u8>>, PacketError> {
    if hidden.is_empty() || !hidden.len().is_multiple_of(16) {
        return Err(PacketError::BadPassword);
    }
    if hidden.len() > MAX_PASSWORD {
        return Err(PacketError::PasswordTooLong(hidden.len()));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(hidden.len()));
    let mut previous: &[u8] = authenticator;
    for chunk in hidden.chunks(16) {
        let b = keystream(secret, previous);
        out.extend(chunk.iter().zip(b.iter()).map(|(c, k)| c ^ k));
        previous = chunk;
    }
    let end = out.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    out.truncate(end);
    Ok(out)
}
