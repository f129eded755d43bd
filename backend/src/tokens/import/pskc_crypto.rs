//! The cryptography of RFC 6030 §6: the transport key (pre-shared or PBKDF2), AES-CBC
//! decryption of `EncryptedValue`s and the `ValueMAC` check.
//!
//! Nothing here is hand-rolled: AES-CBC is RustCrypto's `aes` + `cbc`, HMAC and PBKDF2 are
//! ring's (`hmac::verify` compares in constant time).

use aes::cipher::{
    block_padding::NoPadding, BlockCipher, BlockDecrypt, BlockDecryptMut, KeyInit, KeyIvInit,
};
use base64::Engine as _;
use ring::{hmac, pbkdf2};
use std::num::NonZeroU32;
use zeroize::Zeroizing;

use super::xml::Element;
use super::{ImportError, Unlock};

/// XML Encryption block ciphers (W3C xmlenc-core §5.2). The IV is the first block of the
/// CipherValue (RFC 6030 §6.1).
const AES_CBC: [(&str, usize); 3] = [
    ("http://www.w3.org/2001/04/xmlenc#aes128-cbc", 16),
    ("http://www.w3.org/2001/04/xmlenc#aes192-cbc", 24),
    ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", 32),
];

/// Key transport to an RSA public key (RFC 6030 §6.3): the private key is needed.
const ASYMMETRIC: [&str; 2] = [
    "http://www.w3.org/2001/04/xmlenc#rsa_1_5",
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
];

const PBKDF2: &str = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2";

/// Most PBKDF2 iterations a file may ask for: bounds the work of a hostile file.
const MAX_ITERATIONS: u32 = 10_000_000;

/// The HMACs a `MACMethod` or a PBKDF2 `PRF` may name (RFC 6030 §6.1.1, RFC 6931 §2.2).
fn hmac_algorithm(uri: &str) -> Option<(hmac::Algorithm, pbkdf2::Algorithm)> {
    let name = uri.rsplit_once('#').map_or(uri, |(_, name)| name);
    match name {
        "hmac-sha1" => Some((
            hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            pbkdf2::PBKDF2_HMAC_SHA1,
        )),
        "hmac-sha256" => Some((hmac::HMAC_SHA256, pbkdf2::PBKDF2_HMAC_SHA256)),
        "hmac-sha384" => Some((hmac::HMAC_SHA384, pbkdf2::PBKDF2_HMAC_SHA384)),
        "hmac-sha512" => Some((hmac::HMAC_SHA512, pbkdf2::PBKDF2_HMAC_SHA512)),
        _ => None,
    }
}

/// Whether an `EncryptedValue` is encrypted to an RSA key this server does not hold.
pub(crate) fn is_asymmetric(encrypted: &Element) -> bool {
    encrypted
        .child("EncryptionMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .is_some_and(|uri| ASYMMETRIC.contains(&uri.trim()))
}

/// The HMAC of `MACMethod` and the decrypted `MACKey`.
type MacKey = (hmac::Algorithm, Zeroizing<Vec<u8>>);

/// The keys of one file: the transport key and the MAC key, worked out once.
pub(crate) struct FileKeys {
    transport: Result<Zeroizing<Vec<u8>>, ImportError>,
    mac: Option<Result<MacKey, ImportError>>,
}

impl FileKeys {
    /// Reads `EncryptionKey` and `MACMethod` of the container. Errors are kept until a value
    /// needs the key: a plaintext file must not be refused for a key it never uses.
    pub fn new(container: &Element, unlock: &Unlock) -> Result<FileKeys, ImportError> {
        let transport = transport_key(container.child("EncryptionKey"), unlock);
        let mac = match container.child("MACMethod") {
            None => None,
            Some(method) => {
                let uri = method.attribute("Algorithm").unwrap_or("").trim();
                let (algorithm, _) =
                    hmac_algorithm(uri).ok_or_else(|| ImportError::UnknownMac(uri.to_string()))?;
                Some(mac_key(method, &transport).map(|key| (algorithm, key)))
            }
        };
        Ok(FileKeys { transport, mac })
    }

    /// Checks the ValueMAC of an `EncryptedValue` and decrypts it. `what` names the value in
    /// messages ("the secret of key 2").
    pub fn open(
        &self,
        encrypted: &Element,
        value_mac: Option<&Element>,
        what: &str,
    ) -> Result<Zeroizing<Vec<u8>>, ImportError> {
        let (uri, cipher) = cipher_value(encrypted, what)?;
        let key = self.transport.as_ref().map_err(Clone::clone)?;
        // RFC 6030 §6.1.1: the MAC is over IV || ciphertext, i.e. the whole CipherValue, and
        // is checked before the plaintext is used. CBC alone gives no integrity, so a value
        // without a MAC is refused.
        let tag = value_mac.ok_or(ImportError::MissingMac)?;
        let tag = decode_base64(tag.text(), &format!("the ValueMAC of {what}"))?;
        let (algorithm, mac_key) = match &self.mac {
            None => return Err(ImportError::MissingMacMethod),
            Some(Err(e)) => return Err(e.clone()),
            Some(Ok(pair)) => pair,
        };
        hmac::verify(&hmac::Key::new(*algorithm, mac_key), &cipher, &tag)
            .map_err(|_| ImportError::MacMismatch(what.to_string()))?;
        aes_cbc_decrypt(uri, key, &cipher, what)
    }
}

/// The transport key: `--key` for a pre-shared key (§6.1), PBKDF2 of `--password` (§6.2).
fn transport_key(
    encryption_key: Option<&Element>,
    unlock: &Unlock,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let Some(encryption_key) = encryption_key else {
        // No EncryptionKey: a pre-shared key agreed out of band, if one was given.
        return unlock
            .key
            .clone()
            .ok_or_else(|| ImportError::KeyNeeded("an unnamed pre-shared key".into()));
    };
    if let Some(derived) = encryption_key.child("DerivedKey") {
        return derive(derived, unlock.password.as_ref().map(|p| p.as_str()));
    }
    if encryption_key.child("X509Data").is_some() {
        return Err(ImportError::KeyNeeded(
            "an RSA public key (RFC 6030 §6.3); this server has no private key to use".into(),
        ));
    }
    let name = encryption_key
        .child("KeyName")
        .map(|n| format!("the pre-shared key `{}`", n.text()))
        .unwrap_or_else(|| "a pre-shared key".into());
    unlock.key.clone().ok_or(ImportError::KeyNeeded(name))
}

/// PBKDF2 (RFC 8018 §5.2) with the parameters of RFC 6030 §6.2's `PBKDF2-params`. The
/// parameters are checked before the password is asked for, so an incomplete file is named
/// as such whatever the caller passed.
fn derive(derived: &Element, password: Option<&str>) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let bad = |what: &str| ImportError::BadKeyDerivation(what.to_string());
    let method = derived
        .child("KeyDerivationMethod")
        .ok_or_else(|| bad("no KeyDerivationMethod"))?;
    let uri = method.attribute("Algorithm").unwrap_or("").trim();
    if uri != PBKDF2 {
        return Err(ImportError::BadKeyDerivation(format!(
            "unsupported key derivation `{uri}` (PBKDF2 only)"
        )));
    }
    let params = method
        .child("PBKDF2-params")
        .ok_or_else(|| bad("no PBKDF2-params"))?;
    let salt = params
        .path(&["Salt", "Specified"])
        .ok_or_else(|| bad("no Salt/Specified in PBKDF2-params"))?;
    let salt = decode_base64(salt.text(), "the PBKDF2 salt")?;
    let iterations = params
        .child("IterationCount")
        .ok_or_else(|| bad("no IterationCount in PBKDF2-params"))?;
    let iterations = parse_u32(iterations.text(), "PBKDF2 IterationCount")?;
    let iterations = NonZeroU32::new(iterations)
        .filter(|n| n.get() <= MAX_ITERATIONS)
        .ok_or_else(|| bad("IterationCount must be 1 to 10,000,000"))?;
    let length = params
        .child("KeyLength")
        .ok_or_else(|| bad("no KeyLength in PBKDF2-params"))?;
    let length = parse_u32(length.text(), "PBKDF2 KeyLength")?;
    if !matches!(length, 16 | 24 | 32) {
        return Err(bad("KeyLength must be 16, 24 or 32 (an AES key)"));
    }
    // RFC 8018 Appendix A.2: the PRF defaults to HMAC-SHA1.
    let prf = match params
        .child("PRF")
        .and_then(|p| p.attribute("Algorithm"))
        .map(str::trim)
    {
        None | Some("") => pbkdf2::PBKDF2_HMAC_SHA1,
        Some(uri) => {
            hmac_algorithm(uri)
                .ok_or_else(|| {
                    ImportError::BadKeyDerivation(format!("unsupported PBKDF2 PRF `{uri}`"))
                })?
                .1
        }
    };
    let password = password.ok_or(ImportError::PasswordNeeded)?;
    let mut key = Zeroizing::new(vec![0u8; length as usize]);
    pbkdf2::derive(prf, iterations, &salt, password.as_bytes(), &mut key);
    Ok(key)
}

/// The MAC key of §6.1.1: `MACKey` encrypted with the transport key. Drafts of RFC 6030
/// used the transport key itself when no `MACKey` is given; so does this reader.
fn mac_key(
    method: &Element,
    transport: &Result<Zeroizing<Vec<u8>>, ImportError>,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let key = transport.as_ref().map_err(Clone::clone)?;
    let Some(mac_key) = method.child("MACKey") else {
        return Ok(key.clone());
    };
    let what = "the MACKey";
    let uri = mac_key
        .child("EncryptionMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or_else(|| ImportError::BadMacKey("no EncryptionMethod".into()))?;
    let value = mac_key
        .path(&["CipherData", "CipherValue"])
        .ok_or_else(|| ImportError::BadMacKey("no CipherData/CipherValue".into()))?;
    let cipher = decode_base64(value.text(), what)?;
    aes_cbc_decrypt(uri.trim(), key, &cipher, what)
}

/// The algorithm and the bytes of an `EncryptedValue`.
fn cipher_value<'a>(
    encrypted: &'a Element,
    what: &str,
) -> Result<(&'a str, Zeroizing<Vec<u8>>), ImportError> {
    let uri = encrypted
        .child("EncryptionMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .map(str::trim)
        .filter(|uri| !uri.is_empty())
        .ok_or(ImportError::MissingEncryption)?;
    if !AES_CBC.iter().any(|(known, _)| *known == uri) {
        return Err(ImportError::UnknownEncryption(uri.to_string()));
    }
    let value = encrypted
        .path(&["CipherData", "CipherValue"])
        .ok_or_else(|| ImportError::Decrypt(what.into(), "no CipherData/CipherValue".into()))?;
    Ok((uri, decode_base64(value.text(), what)?))
}

/// AES-CBC with the IV in front and XML Encryption's padding (xmlenc-core §5.2: the last
/// byte gives the number of padding bytes, 1 to the block size).
fn aes_cbc_decrypt(
    uri: &str,
    key: &[u8],
    cipher: &[u8],
    what: &str,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let fail = |reason: String| ImportError::Decrypt(what.to_string(), reason);
    let (_, key_len) = AES_CBC
        .iter()
        .find(|(known, _)| *known == uri)
        .ok_or_else(|| ImportError::UnknownEncryption(uri.to_string()))?;
    if key.len() != *key_len {
        return Err(fail(format!(
            "{} needs a {key_len}-byte key, the key given has {} bytes",
            uri.rsplit_once('#').map_or(uri, |(_, n)| n),
            key.len()
        )));
    }
    if cipher.len() < 32 || !cipher.len().is_multiple_of(16) {
        return Err(fail(format!(
            "the CipherValue is {} bytes, not an IV plus whole AES blocks",
            cipher.len()
        )));
    }
    let (iv, body) = cipher.split_at(16);
    let mut plain = Zeroizing::new(body.to_vec());
    let result = match key_len {
        16 => cbc_decrypt::<aes::Aes128>(key, iv, &mut plain),
        24 => cbc_decrypt::<aes::Aes192>(key, iv, &mut plain),
        _ => cbc_decrypt::<aes::Aes256>(key, iv, &mut plain),
    };
    result.map_err(fail)?;
    let pad = usize::from(plain.last().copied().unwrap_or(0));
    if pad == 0 || pad > 16 || pad > plain.len() {
        return Err(fail(
            "bad padding after decryption: the key or password is wrong".into(),
        ));
    }
    let keep = plain.len() - pad;
    plain.truncate(keep);
    Ok(plain)
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], buffer: &mut [u8]) -> Result<(), String>
where
    C: BlockCipher + BlockDecrypt + KeyInit,
{
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|e| e.to_string())?
        .decrypt_padded_mut::<NoPadding>(buffer)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Base64 as XML Schema's `base64Binary`: white space anywhere is ignored. The text is never
/// quoted in the error: it may be a plaintext secret.
pub(crate) fn decode_base64(text: &str, what: &str) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let compact: Zeroizing<String> =
        Zeroizing::new(text.chars().filter(|c| !c.is_whitespace()).collect());
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| ImportError::BadBase64(what.to_string()))
}

fn parse_u32(text: &str, field: &str) -> Result<u32, ImportError> {
    text.trim().parse().map_err(|_| ImportError::BadValue {
        field: field.to_string(),
        value: abbreviate(text),
        expected: "a whole number",
    })
}

/// A value quoted in a message, cut short so a huge field does not flood the report.
pub(crate) fn abbreviate(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(40) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_string(),
    }
}
