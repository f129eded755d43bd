//! Desktop screen capture for "scan the screen for a QR code": `xcap` grabs each monitor
//! (X11 through xcb; Wayland through the desktop portal, which asks the user itself), and the
//! engine's QR decoder reads it. The pictures live only in memory, for this one call.

use std::io::Cursor;
use std::time::Duration;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::RgbaImage;
use tauri::{Runtime, WebviewWindow};
use twofold_authenticator::QrError;

use crate::CommandError;

/// How long the window manager gets to take the window off the screen before the capture.
const STEP_ASIDE: Duration = Duration::from_millis(300);

/// The texts of the QR codes on all screens, the app's window hidden meanwhile.
pub fn qr_texts_on_screen<R: Runtime>(
    window: &WebviewWindow<R>,
) -> Result<Vec<String>, CommandError> {
    let hidden = window.hide().is_ok();
    if hidden {
        std::thread::sleep(STEP_ASIDE);
    }
    let captured = capture_all();
    if hidden {
        let _ = window.show();
        let _ = window.set_focus();
    }
    let mut texts = Vec::new();
    let mut unreadable = false;
    for image in captured? {
        match twofold_authenticator::qr::decode_image(&png(&image)?) {
            Ok(found) => texts.extend(found),
            Err(QrError::Unreadable) => unreadable = true,
            Err(_) => {}
        }
    }
    if texts.is_empty() {
        return Err(if unreadable {
            QrError::Unreadable.into()
        } else {
            CommandError::new(
                "qr.unreadable",
                "no QR code found on the screen; show it larger, or open a screenshot of it",
            )
        });
    }
    Ok(texts)
}

fn capture_all() -> Result<Vec<RgbaImage>, CommandError> {
    let failed = |e: xcap::XCapError| {
        CommandError::new(
            "scan.capture_failed",
            format!("cannot capture the screen: {e}"),
        )
    };
    xcap::Monitor::all()
        .map_err(failed)?
        .iter()
        .map(|monitor| monitor.capture_image().map_err(failed))
        .collect()
}

/// The engine's decoder reads PNG or JPEG; a fast PNG of a full screen takes a few ms.
fn png(image: &RgbaImage) -> Result<Vec<u8>, CommandError> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_with_encoder(PngEncoder::new_with_quality(
            &mut out,
            CompressionType::Fast,
            FilterType::NoFilter,
        ))
        .map_err(|e| CommandError::new("scan.capture_failed", e.to_string()))?;
    Ok(out.into_inner())
}
