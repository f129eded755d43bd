//! QR codes of activation URIs: a PNG for the admin API and web pages, text for terminals.

use std::io::Cursor;

use base64::Engine;
use image::Luma;
use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};

use crate::error::Error;

fn code(text: &str) -> Result<QrCode, Error> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::Internal(format!("QR code: {e}")))
}

pub fn png(text: &str) -> Result<Vec<u8>, Error> {
    let image = code(text)?
        .render::<Luma<u8>>()
        .min_dimensions(256, 256)
        .build();
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .map_err(|e| Error::Internal(format!("PNG encoding: {e}")))?;
    Ok(bytes)
}

pub fn png_base64(text: &str) -> Result<String, Error> {
    Ok(base64::engine::general_purpose::STANDARD.encode(png(text)?))
}

/// Two QR modules per character cell, dark on light, with the quiet zone: scannable from a
/// terminal window.
pub fn terminal(text: &str) -> Result<String, Error> {
    Ok(code(text)?
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}
