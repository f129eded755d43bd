//! Reading QR codes from a photo or screenshot (PNG or JPEG), with `rqrr`.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum QrError {
    #[error("the file is not a PNG or JPEG image this app can read")]
    NotAnImage,
    #[error("no QR code found in the image; try a sharper, closer, well-lit picture")]
    NoCode,
    #[error("a QR code was found but could not be read; try a sharper picture")]
    Unreadable,
}

/// The text of every QR code in the image, in the order found. Codes that cannot be read are
/// left out when at least one can; if none can, [`QrError::Unreadable`].
pub fn decode_image(bytes: &[u8]) -> Result<Vec<String>, QrError> {
    let format = image::guess_format(bytes).map_err(|_| QrError::NotAnImage)?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err(QrError::NotAnImage);
    }
    let image = image::load_from_memory_with_format(bytes, format)
        .map_err(|_| QrError::NotAnImage)?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(QrError::NoCode);
    }
    let texts: Vec<String> = grids
        .iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect();
    if texts.is_empty() {
        return Err(QrError::Unreadable);
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_bytes_are_not_an_image() {
        assert_eq!(decode_image(b"hello"), Err(QrError::NotAnImage));
        assert_eq!(decode_image(b"GIF89a....."), Err(QrError::NotAnImage));
    }

    #[test]
    fn a_blank_image_has_no_code() {
        let blank = image::GrayImage::from_pixel(64, 64, image::Luma([255]));
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(blank)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(decode_image(&png), Err(QrError::NoCode));
    }
}
