//! An account's icon: one of the app's bundled set (by slug), or an image of the user's own or
//! one that came with an import (Aegis entries carry `icon` + `icon_mime`).
//!
//! Images are kept in the vault, so they are size-limited ([`MAX_ICON_BYTES`]) and checked
//! before they are stored: PNG and JPEG by their signatures, SVG rewritten through an
//! allow-list sanitiser ([`svg::sanitise`]) on a real XML parser, so what is stored (and
//! exported to Aegis, whose readers render it) holds no script, event handler, external
//! reference or `foreignObject`. The app shows images only through `<img>` from a `data:` URI,
//! which never runs scripts or fetches anything either; the sanitiser is the second wall, and
//! the one that protects other programs that read an exported file.

pub mod svg;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::serde_helpers::bytes_b64;

/// The largest image an account may carry: 64 KiB (Aegis's own icons are a few KiB).
pub const MAX_ICON_BYTES: usize = 64 * 1024;
/// The longest slug of the bundled set (simple-icons slugs are short, lowercase ASCII).
const MAX_SLUG_LEN: usize = 64;

/// The image types an icon may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageType {
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/svg+xml")]
    Svg,
}

impl ImageType {
    /// The MIME type, as Aegis's `icon_mime` and a `data:` URI write it.
    pub fn as_mime(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Svg => "image/svg+xml",
        }
    }

    /// The type of a MIME name (any case; `image/jpg` is how some exporters spell JPEG).
    pub fn from_mime(mime: &str) -> Result<Self, IconError> {
        match mime.trim().to_ascii_lowercase().as_str() {
            "image/png" => Ok(ImageType::Png),
            "image/jpeg" | "image/jpg" => Ok(ImageType::Jpeg),
            "image/svg+xml" => Ok(ImageType::Svg),
            _ => Err(IconError::UnsupportedType(mime.to_owned())),
        }
    }
}

/// An account's icon as the vault keeps it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AccountIcon {
    /// One of the app's bundled icons (simple-icons), chosen by the user instead of the one
    /// matched from the issuer.
    Set { slug: String },
    /// An image: the user's own, or one that came with an import. Checked by [`Self::image`].
    Image {
        mime: ImageType,
        #[serde(with = "bytes_b64")]
        data: Vec<u8>,
    },
}

impl std::fmt::Debug for AccountIcon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccountIcon::Set { slug } => f.debug_struct("Set").field("slug", slug).finish(),
            AccountIcon::Image { mime, data } => f
                .debug_struct("Image")
                .field("mime", mime)
                .field("bytes", &data.len())
                .finish(),
        }
    }
}

/// Why an icon was not accepted. Each message names what is wrong.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IconError {
    #[error("the icon is {size} bytes; an icon may be at most {limit} bytes (64 KiB)")]
    TooLarge { size: usize, limit: usize },
    #[error("the icon is empty")]
    Empty,
    #[error("icons must be PNG, JPEG or SVG, not {0:?}")]
    UnsupportedType(String),
    #[error("the file is not a {0} image (its first bytes are not a {0} signature)")]
    WrongSignature(&'static str),
    #[error("the SVG icon cannot be read: {0}")]
    BadSvg(String),
    #[error("{0:?} is not an icon of the app's set")]
    BadSlug(String),
    #[error("the icon's data is not valid base64")]
    BadBase64,
}

impl IconError {
    /// A stable code for the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            IconError::TooLarge { .. } => "icon.too_large",
            IconError::Empty => "icon.empty",
            IconError::UnsupportedType(_) => "icon.unsupported_type",
            IconError::WrongSignature(_) => "icon.wrong_signature",
            IconError::BadSvg(_) => "icon.bad_svg",
            IconError::BadSlug(_) => "icon.bad_slug",
            IconError::BadBase64 => "icon.bad_base64",
        }
    }
}

/// PNG's eight-byte signature (RFC 2083 §3.1).
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// JPEG's start-of-image marker followed by the start of the next marker (ITU T.81 B.1.1.3).
const JPEG_SIGNATURE: &[u8] = b"\xff\xd8\xff";

impl AccountIcon {
    /// An image icon, checked: at most [`MAX_ICON_BYTES`], a PNG or JPEG signature, or an SVG
    /// that is rewritten by the allow-list sanitiser (what is stored is the sanitised SVG).
    pub fn image(mime: ImageType, data: &[u8]) -> Result<Self, IconError> {
        if data.is_empty() {
            return Err(IconError::Empty);
        }
        if data.len() > MAX_ICON_BYTES {
            return Err(IconError::TooLarge {
                size: data.len(),
                limit: MAX_ICON_BYTES,
            });
        }
        let data = match mime {
            ImageType::Png if data.starts_with(PNG_SIGNATURE) => data.to_vec(),
            ImageType::Png => return Err(IconError::WrongSignature("PNG")),
            ImageType::Jpeg if data.starts_with(JPEG_SIGNATURE) => data.to_vec(),
            ImageType::Jpeg => return Err(IconError::WrongSignature("JPEG")),
            ImageType::Svg => svg::sanitise(data)?,
        };
        Ok(AccountIcon::Image { mime, data })
    }

    /// An image icon from base64 text (Aegis files, the app's file picker).
    pub fn image_base64(mime: &str, data: &str) -> Result<Self, IconError> {
        let mime = ImageType::from_mime(mime)?;
        // A base64 text four thirds the size of the limit: refuse before decoding.
        if data.len() > MAX_ICON_BYTES.div_ceil(3) * 4 + 4 {
            return Err(IconError::TooLarge {
                size: data.len() / 4 * 3,
                limit: MAX_ICON_BYTES,
            });
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| IconError::BadBase64)?;
        Self::image(mime, &bytes)
    }

    /// An icon of the bundled set, by slug (lowercase letters, digits; simple-icons' form).
    pub fn set(slug: &str) -> Result<Self, IconError> {
        let valid = !slug.is_empty()
            && slug.len() <= MAX_SLUG_LEN
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid {
            return Err(IconError::BadSlug(slug.to_owned()));
        }
        Ok(AccountIcon::Set {
            slug: slug.to_owned(),
        })
    }

    /// What the list shows: the slug, or a short fingerprint of the image (its SHA-256, first
    /// 16 hex digits), so the UI fetches the image only when it changed.
    pub fn view(&self) -> IconView {
        match self {
            AccountIcon::Set { slug } => IconView::Set { slug: slug.clone() },
            AccountIcon::Image { data, .. } => IconView::Image {
                hash: hex::encode(&sha256(data)[..8]),
            },
        }
    }

    /// The image as a `data:` URI (for `<img src>`); `None` for an icon of the set.
    pub fn data_uri(&self) -> Option<String> {
        match self {
            AccountIcon::Set { .. } => None,
            AccountIcon::Image { mime, data } => Some(format!(
                "data:{};base64,{}",
                mime.as_mime(),
                base64::engine::general_purpose::STANDARD.encode(data)
            )),
        }
    }
}

/// An icon as the account list sees it (no image bytes: those come one at a time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IconView {
    Set { slug: String },
    Image { hash: String },
}

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}
