//! QR codes for the scannable safety number (feature `qr`): the `qrcode` crate, without its
//! image support.

use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode};

/// The QR code of `payload` at error-correction level M (15 %), byte mode. A 74-byte payload
/// fits a version 5 code (37 × 37 modules). `None` only for payloads larger than any QR code
/// holds, which a safety number never is.
fn code(payload: &[u8]) -> Option<QrCode> {
    QrCode::with_error_correction_level(payload, EcLevel::M).ok()
}

/// Unicode half blocks, two rows of modules per line, with the quiet zone.
pub(crate) fn unicode(payload: &[u8]) -> String {
    code(payload)
        .map(|code| {
            code.render::<unicode::Dense1x2>()
                .dark_color(unicode::Dense1x2::Light)
                .light_color(unicode::Dense1x2::Dark)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// An SVG document, black on white, 8 pixels per module at least.
pub(crate) fn svg(payload: &[u8]) -> String {
    code(payload)
        .map(|code| {
            code.render::<svg::Color<'_>>()
                .min_dimensions(256, 256)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}
