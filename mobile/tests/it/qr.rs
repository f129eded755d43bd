//! QR images generated here with the `qrcode` crate decode back to what they carry.

use image::{GenericImage, GrayImage, Luma};
use twofold_authenticator::{qr, Engine};
use twofold_core::uri::migration::MigrationBatch;
use twofold_core::OtpAccount;

use crate::common::fast;

fn qr_image(text: &str) -> GrayImage {
    qrcode::QrCode::new(text.as_bytes())
        .unwrap()
        .render::<Luma<u8>>()
        .min_dimensions(200, 200)
        .build()
}

fn png(image: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageLuma8(image.clone())
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn jpeg(image: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageLuma8(image.clone())
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    out
}

const URI: &str =
    "otpauth://totp/ACME%20Co:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&period=30";

#[test]
fn png_and_jpeg_qr_codes_decode_to_the_uri() {
    let image = qr_image(URI);
    assert_eq!(
        qr::decode_image(&png(&image)).unwrap(),
        vec![URI.to_owned()]
    );
    assert_eq!(
        qr::decode_image(&jpeg(&image)).unwrap(),
        vec![URI.to_owned()]
    );
}

#[test]
fn two_codes_in_one_image_are_both_read() {
    let second = "otpauth://hotp/Bank:carol?secret=GEZDGNBVGY3TQOJQ&counter=3";
    let (a, b) = (qr_image(URI), qr_image(second));
    let mut both = GrayImage::from_pixel(
        a.width() + b.width() + 40,
        a.height().max(b.height()) + 40,
        Luma([255]),
    );
    both.copy_from(&a, 20, 20).unwrap();
    both.copy_from(&b, a.width() + 20, 20).unwrap();
    let mut texts = qr::decode_image(&png(&both)).unwrap();
    texts.sort();
    let mut expected = vec![URI.to_owned(), second.to_owned()];
    expected.sort();
    assert_eq!(texts, expected);
}

#[test]
fn scanning_an_image_adds_its_account() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::create(dir.path().join("v"), "pw", fast()).unwrap();
    let report = engine.scan_image(&png(&qr_image(URI)), 0).unwrap();
    assert_eq!(report.added.len(), 1);
    assert_eq!(report.added[0].label, "ACME Co (alice@example.com)");
}

#[test]
fn a_google_export_across_three_qr_images_reports_the_missing_batch() {
    let accounts = [
        "otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
        "otpauth://totp/Proton:bob?secret=GEZDGNBVGY3TQOJQ&issuer=Proton",
        "otpauth://hotp/Bank:carol?secret=MFRGGZDFMZTWQ2LK&issuer=Bank&counter=4",
    ];
    let images: Vec<Vec<u8>> = accounts
        .iter()
        .enumerate()
        .map(|(i, uri)| {
            let batch = MigrationBatch {
                accounts: vec![OtpAccount::from_uri(uri).unwrap()],
                skipped: vec![],
                version: 1,
                batch_size: 3,
                batch_index: i as i32,
                batch_id: 77,
            };
            png(&qr_image(&batch.to_uri().0))
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::create(dir.path().join("v"), "pw", fast()).unwrap();

    let first = engine.scan_image(&images[0], 0).unwrap();
    assert_eq!(first.added.len(), 1);
    assert_eq!(
        first.notes,
        vec!["batches 2 and 3 of 3 still missing: scan those QR codes too"]
    );
    let third = engine.scan_image(&images[2], 0).unwrap();
    assert_eq!(
        third.notes,
        vec!["batch 2 of 3 still missing: scan that QR code too"]
    );
    assert_eq!(engine.missing_migration_batches(), Some((vec![2], 3)));
    // Scanning one twice is harmless.
    let again = engine.scan_image(&images[2], 0).unwrap();
    assert!(again.added.is_empty());
    let second = engine.scan_image(&images[1], 0).unwrap();
    assert_eq!(second.added[0].label, "Proton (bob)");
    assert_eq!(
        second.notes,
        vec!["all 3 batches of the Google Authenticator export scanned"]
    );
    assert_eq!(engine.missing_migration_batches(), None);
    assert_eq!(engine.accounts(0).unwrap().len(), 3);
}

#[test]
fn images_without_a_code_say_so() {
    let blank = GrayImage::from_pixel(100, 100, Luma([255]));
    assert_eq!(qr::decode_image(&png(&blank)), Err(qr::QrError::NoCode));
    assert_eq!(qr::decode_image(b"%PDF-1.4"), Err(qr::QrError::NotAnImage));
}
