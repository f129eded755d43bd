//! Icons, use counts and the custom order (issue 19): icons that come with an Aegis import are
//! kept and go back out with an Aegis export (bytes and `icon_hash`), images are size-limited
//! and checked, SVG is sanitised on an allow-list, 2FAS's icon references carry no image,
//! vaults written before icons existed still open, copying counts uses, and accounts move.

use base64::Engine as _;
use serde_json::{json, Value};
use twofold_authenticator::icon::svg::sanitise;
use twofold_authenticator::{
    Account, AccountIcon, Engine, Error, IconError, IconView, ImageType, ImportFormat,
    MAX_ICON_BYTES,
};

use crate::common::fast;

const NOW: u64 = 1_700_000_000;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A real 3×2 PNG (encoded by the `image` crate).
fn png() -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(3, 2, image::Rgba([10, 20, 30, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::create(dir.path().join("vault.twofold"), "pw", fast()).unwrap();
    (dir, engine)
}

/// A plain Aegis vault (database version 3) with the entries given.
fn aegis_file(entries: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "version": 1,
        "header": {"slots": null, "params": null},
        "db": {"version": 3, "entries": entries, "groups": [], "icons_optimized": true}
    }))
    .unwrap()
}

/// A distinct secret per issuer (the engine refuses a second account with the same secret).
fn secret_for(issuer: &str) -> String {
    let mut secret = base32::encode(
        base32::Alphabet::Rfc4648 { padding: false },
        issuer.as_bytes(),
    );
    secret.push_str("JBSWY3DPEHPK3PXP");
    secret
}

fn aegis_entry(issuer: &str, icon: Option<(&str, &str)>) -> Value {
    json!({
        "type": "totp", "uuid": "0c5a8a0e-0000-4000-8000-000000000001", "name": "alice",
        "issuer": issuer, "note": "", "favorite": false,
        "icon": icon.map(|(data, _)| data), "icon_mime": icon.map(|(_, mime)| mime),
        "info": {"secret": secret_for(issuer), "algo": "SHA1", "digits": 6, "period": 30},
        "groups": []
    })
}

fn id_of(engine: &Engine, issuer: &str) -> String {
    engine
        .accounts(NOW)
        .unwrap()
        .into_iter()
        .find(|a| a.issuer.as_deref() == Some(issuer))
        .unwrap()
        .id
}

#[test]
fn aegis_icons_are_kept_on_import_and_written_back_on_export() {
    let png = png();
    let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M0 0h24v24H0z" fill="#f00"/></svg>"##;
    let file = aegis_file(vec![
        aegis_entry("PngCo", Some((&B64.encode(&png), "image/png"))),
        aegis_entry("SvgCo", Some((&B64.encode(svg), "image/svg+xml"))),
        aegis_entry("Plain", None),
    ]);
    let (_dir, mut engine) = engine();
    let report = engine
        .import(ImportFormat::Aegis, &file, None, NOW)
        .unwrap();
    assert_eq!(report.added.len(), 3, "{report:?}");
    assert!(report.notes.is_empty(), "{:?}", report.notes);

    let png_id = id_of(&engine, "PngCo");
    let uri = engine.icon_data_uri(&png_id).unwrap().unwrap();
    assert_eq!(uri, format!("data:image/png;base64,{}", B64.encode(&png)));
    let views = engine.accounts(NOW).unwrap();
    let plain = views
        .iter()
        .find(|v| v.issuer.as_deref() == Some("Plain"))
        .unwrap();
    assert_eq!(plain.icon, None, "no icon: matched by issuer in the app");
    assert!(matches!(
        views.iter().find(|v| v.id == png_id).unwrap().icon,
        Some(IconView::Image { .. })
    ));

    // Out to Aegis: the same bytes, the MIME type and the SHA-256 Aegis checks.
    let exported: Value = serde_json::from_slice(&engine.export_aegis(None).unwrap()).unwrap();
    let entries = exported["db"]["entries"].as_array().unwrap();
    let entry = entries.iter().find(|e| e["issuer"] == "PngCo").unwrap();
    assert_eq!(entry["icon"], B64.encode(&png));
    assert_eq!(entry["icon_mime"], "image/png");
    let hash = ring::digest::digest(&ring::digest::SHA256, &png);
    assert_eq!(entry["icon_hash"], hex::encode(hash.as_ref()));
    let svg_entry = entries.iter().find(|e| e["issuer"] == "SvgCo").unwrap();
    assert_eq!(svg_entry["icon_mime"], "image/svg+xml");
    let plain_entry = entries.iter().find(|e| e["issuer"] == "Plain").unwrap();
    assert_eq!(plain_entry["icon"], Value::Null);

    // And back into a second vault: the icon is the same image.
    let bytes = engine.export_aegis(None).unwrap();
    let (_dir2, mut again) = self::engine();
    again
        .import(ImportFormat::Aegis, &bytes, None, NOW)
        .unwrap();
    let id = id_of(&again, "PngCo");
    assert_eq!(again.icon_data_uri(&id).unwrap().unwrap(), uri);
}

#[test]
fn a_bad_icon_in_an_aegis_file_leaves_the_icon_out_with_a_note_and_keeps_the_account() {
    let too_big = B64.encode(vec![0x89; MAX_ICON_BYTES + 1]);
    let file = aegis_file(vec![
        aegis_entry("Big", Some((&too_big, "image/png"))),
        aegis_entry("Gif", Some((&B64.encode(b"GIF89a...."), "image/gif"))),
        aegis_entry(
            "Liar",
            Some((&B64.encode(b"not a png at all"), "image/png")),
        ),
    ]);
    let (_dir, mut engine) = engine();
    let report = engine
        .import(ImportFormat::Aegis, &file, None, NOW)
        .unwrap();
    assert_eq!(report.added.len(), 3, "{report:?}");
    assert_eq!(report.notes.len(), 3, "{:?}", report.notes);
    assert!(
        report.notes[0].contains("Big (alice): icon not kept")
            && report.notes[0].contains("64 KiB"),
        "{:?}",
        report.notes
    );
    assert!(
        report.notes[1].contains("PNG, JPEG or SVG"),
        "{:?}",
        report.notes
    );
    assert!(
        report.notes[2].contains("not a PNG image"),
        "{:?}",
        report.notes
    );
    assert!(engine
        .accounts(NOW)
        .unwrap()
        .iter()
        .all(|a| a.icon.is_none()));
}

#[test]
fn twofas_icon_references_hold_no_image_and_the_accounts_still_import() {
    let file = json!({
        "schemaVersion": 4, "groups": [],
        "services": [{
            "name": "GitHub", "secret": "JBSWY3DPEHPK3PXP",
            "otp": {"account": "alice", "tokenType": "TOTP", "digits": 6, "period": 30},
            "icon": {"selected": "IconCollection", "label": {"text": "GI", "backgroundColor": "Orange"},
                     "iconCollection": {"id": "a5b3fb65-4ec5-43e6-8ec1-49e24ca9e7ad"}}
        }]
    });
    let (_dir, mut engine) = engine();
    let report = engine
        .import(
            ImportFormat::TwoFas,
            &serde_json::to_vec(&file).unwrap(),
            None,
            NOW,
        )
        .unwrap();
    assert_eq!(report.added.len(), 1);
    assert_eq!(engine.accounts(NOW).unwrap()[0].icon, None);
}

#[test]
fn image_icons_are_size_limited_and_checked_by_signature() {
    let png = png();
    assert!(AccountIcon::image(ImageType::Png, &png).is_ok());
    let mut big = png.clone();
    big.resize(MAX_ICON_BYTES + 1, 0);
    let error = AccountIcon::image(ImageType::Png, &big).unwrap_err();
    assert_eq!(
        error,
        IconError::TooLarge {
            size: MAX_ICON_BYTES + 1,
            limit: MAX_ICON_BYTES
        }
    );
    assert!(
        error.to_string().contains("at most 65536 bytes (64 KiB)"),
        "{error}"
    );
    assert_eq!(
        AccountIcon::image(ImageType::Jpeg, &png).unwrap_err(),
        IconError::WrongSignature("JPEG")
    );
    assert_eq!(
        AccountIcon::image(ImageType::Png, &[]).unwrap_err(),
        IconError::Empty
    );
    assert_eq!(
        AccountIcon::image_base64("image/png", "***").unwrap_err(),
        IconError::BadBase64
    );
    assert!(AccountIcon::image(ImageType::Jpeg, b"\xff\xd8\xff\xe0JFIF").is_ok());
    assert!(AccountIcon::set("github").is_ok());
    for slug in ["", "GitHub", "../x", "a b", "x\"y"] {
        assert!(
            matches!(AccountIcon::set(slug), Err(IconError::BadSlug(_))),
            "{slug:?}"
        );
    }
}

fn clean(svg: &str) -> String {
    String::from_utf8(sanitise(svg.as_bytes()).unwrap()).unwrap()
}

#[test]
fn svg_sanitiser_drops_scripts_handlers_external_references_and_foreign_objects() {
    let hostile = r##"<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY x "boom">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 24 24" onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(https://evil.example/x.css);</style>
  <foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml" onclick="alert(3)">hi</div></foreignObject>
  <image href="https://evil.example/track.png" width="1" height="1"/>
  <a href="javascript:alert(4)"><path d="M1 1h2"/></a>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
  <path d="M0 0h24v24H0z" fill="url(#g)" onclick="alert(5)" style="fill:#000"/>
  <rect width="4" height="4" fill="url(https://evil.example/p)" style="background:url(//evil.example/q)"/>
  <use xlink:href="https://evil.example/s.svg#a"/>
  <use href="#g"/>
  <!-- comment -->
</svg>"##;
    let out = clean(hostile);
    for banned in [
        "script",
        "onload",
        "onclick",
        "alert",
        "foreignObject",
        "image",
        "evil",
        "javascript",
        "@import",
        "<a",
        "DOCTYPE",
        "ENTITY",
        "comment",
        "style=\"background",
    ] {
        assert!(!out.contains(banned), "{banned:?} left in {out}");
    }
    for kept in [
        r##"<path d="M0 0h24v24H0z" fill="url(#g)" style="fill:#000"/>"##,
        r##"<stop offset="0" stop-color="#fff"/>"##,
        r##"<use href="#g"/>"##,
        r#"viewBox="0 0 24 24""#,
        r#"xmlns="http://www.w3.org/2000/svg""#,
    ] {
        assert!(out.contains(kept), "{kept} missing from {out}");
    }
    // The dropped <a> took its child path with it; the rect stays without its bad paint.
    assert!(!out.contains("M1 1h2"), "{out}");
    assert!(out.contains(r#"<rect width="4" height="4"/>"#), "{out}");
}

#[test]
fn svg_sanitiser_refuses_what_is_not_an_svg_document() {
    for (input, part) in [
        ("<html><body/></html>", "root element is not <svg>"),
        ("<svg><path></svg>", "not well-formed"),
        ("just text", "no <svg> element"),
        ("<svg/><svg/>", "more than one root"),
        ("<svg><path d=\"&x;\"/></svg>", "cannot be read"),
    ] {
        let error = sanitise(input.as_bytes()).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains(part) || part == "cannot be read" && text.contains("SVG"),
            "{input}: {text}"
        );
    }
    assert!(matches!(sanitise(&[0xff, 0xfe]), Err(IconError::BadSvg(_))));
    let deep = format!("<svg>{}{}</svg>", "<g>".repeat(70), "</g>".repeat(70));
    assert!(sanitise(deep.as_bytes())
        .unwrap_err()
        .to_string()
        .contains("nested too deeply"));
}

#[test]
fn vault_accounts_written_before_icons_existed_still_open() {
    // An account as the vault stored it before icons and use counts (no such fields).
    let old = r#"{"id":"0123456789abcdef","issuer":"ACME","name":"alice",
        "secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","algorithm":"SHA1","digits":6,
        "kind":{"type":"totp","period":30},"created":5}"#;
    let account: Account = serde_json::from_str(old).unwrap();
    assert_eq!(account.icon, None);
    assert_eq!(account.use_count, 0);
    // And an account without an icon is stored as before (no new key in its JSON).
    assert!(!serde_json::to_string(&account)
        .unwrap()
        .contains("\"icon\""));
}

#[test]
fn icons_are_set_and_cleared_in_the_vault_and_survive_a_reopen() {
    let (dir, mut engine) = engine();
    engine
        .add_uri(
            "otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub",
            NOW,
        )
        .unwrap();
    let id = id_of(&engine, "GitHub");
    engine
        .set_icon(&id, Some(AccountIcon::set("gitlab").unwrap()))
        .unwrap();
    drop(engine);
    let mut engine = Engine::open(dir.path().join("vault.twofold"), "pw").unwrap();
    assert_eq!(
        engine.accounts(NOW).unwrap()[0].icon,
        Some(IconView::Set {
            slug: "gitlab".into()
        })
    );
    assert_eq!(
        engine.icon_data_uri(&id).unwrap(),
        None,
        "a set icon has no image"
    );
    let svg =
        AccountIcon::image(ImageType::Svg, br#"<svg viewBox="0 0 1 1" onload="x()"/>"#).unwrap();
    engine.set_icon(&id, Some(svg)).unwrap();
    let uri = engine.icon_data_uri(&id).unwrap().unwrap();
    let stored = B64
        .decode(uri.trim_start_matches("data:image/svg+xml;base64,"))
        .unwrap();
    assert_eq!(
        stored, br#"<svg viewBox="0 0 1 1"/>"#,
        "the sanitised SVG is what is stored"
    );
    engine.set_icon(&id, None).unwrap();
    assert_eq!(engine.accounts(NOW).unwrap()[0].icon, None);
}

#[test]
fn copying_counts_uses_and_accounts_move_in_the_custom_order() {
    let (_dir, mut engine) = engine();
    for issuer in ["A", "B", "C", "D"] {
        engine
            .add_uri(
                &format!(
                    "otpauth://totp/{issuer}:x?secret={}&issuer={issuer}",
                    secret_for(issuer)
                ),
                NOW,
            )
            .unwrap();
    }
    let order = |engine: &Engine| {
        let mut views = engine.accounts(NOW).unwrap();
        views.sort_by_key(|v| v.position);
        views
            .into_iter()
            .map(|v| v.issuer.unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&engine), ["A", "B", "C", "D"]);
    let d = id_of(&engine, "D");
    engine.move_account(&d, 0).unwrap();
    assert_eq!(order(&engine), ["D", "A", "B", "C"]);
    let a = id_of(&engine, "A");
    engine.move_account(&a, 3).unwrap();
    assert_eq!(order(&engine), ["D", "B", "C", "A"]);
    let error = engine.move_account(&a, 4).unwrap_err();
    assert!(
        matches!(error, Error::BadPosition { to: 4, count: 4 }),
        "{error}"
    );
    assert_eq!(error.kind(), "account.bad_position");
    assert_eq!(
        order(&engine),
        ["D", "B", "C", "A"],
        "a refused move changes nothing"
    );

    let b = id_of(&engine, "B");
    engine.mark_used(&b, NOW).unwrap();
    engine.mark_used(&b, NOW + 1).unwrap();
    let view = engine.account(&b, NOW).unwrap();
    assert_eq!(
        (view.use_count, view.last_used, view.position),
        (2, Some(NOW + 1), 1)
    );
}
