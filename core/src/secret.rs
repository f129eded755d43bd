//! Secret bytes: zeroized when dropped, never shown by `Debug`, compared in constant time.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Key material (an OATH secret, a master key, a private key).
///
/// `Debug` prints `Secret(***)`, so a secret inside a logged struct stays hidden; the bytes are
/// overwritten when the value is dropped; `==` takes the same time wherever the inputs differ.
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// RFC 4648 base32 without padding, upper case: the form `otpauth://` URIs carry.
    pub fn to_base32(&self) -> String {
        base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &self.0)
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for SecretBytes {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SecretBytes {}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_bytes() {
        let secret = SecretBytes::from(b"12345678901234567890".as_slice());
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(Secret(***))");
    }

    #[test]
    fn equality_compares_content() {
        let a = SecretBytes::from(b"abc".as_slice());
        assert_eq!(a, SecretBytes::from(b"abc".as_slice()));
        assert_ne!(a, SecretBytes::from(b"abd".as_slice()));
        assert_ne!(a, SecretBytes::from(b"ab".as_slice()));
    }

    #[test]
    fn base32_has_no_padding() {
        let secret = SecretBytes::from(b"12345678901234567890".as_slice());
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(SecretBytes::from(b"a".as_slice()).to_base32(), "ME");
    }
}
