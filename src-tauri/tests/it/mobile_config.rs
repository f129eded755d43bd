//! Mobile readiness, checked on the files (issue 19): the phones' builds cannot be made on
//! these machines (no Android NDK/SDK, no macOS), so what they need is read here: Face ID's
//! usage string (iOS ends an app that uses Face ID without one), the Android 13+
//! notification permission in the manifest the app is built with and asked for by the
//! screens before a sign-in request can arrive, and the crate-type switch for mobile builds.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::workspace;

/// The `<string>` after `<key>KEY</key>` in a property list.
fn plist_string(plist: &str, key: &str) -> Option<String> {
    let after = plist.split(&format!("<key>{key}</key>")).nth(1)?;
    let value = after.trim_start().strip_prefix("<string>")?;
    Some(value.split("</string>").next()?.trim().to_owned())
}

#[test]
fn ios_plist_explains_face_id_and_the_camera() {
    let plist = std::fs::read_to_string(workspace().join("src-tauri/Info.ios.plist")).unwrap();
    for key in ["NSFaceIDUsageDescription", "NSCameraUsageDescription"] {
        let text = plist_string(&plist, key).unwrap_or_default();
        assert!(
            text.len() > 20,
            "{key} needs a sentence for the user, found {text:?}"
        );
    }
}

/// The notification plugin's Android manifest, as cargo unpacked the version in Cargo.lock.
fn plugin_manifest() -> PathBuf {
    let lock = std::fs::read_to_string(workspace().join("Cargo.lock")).unwrap();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"tauri-plugin-notification\""))
        .and_then(|p| p.split("version = \"").nth(1))
        .and_then(|v| v.split('"').next())
        .expect("tauri-plugin-notification in Cargo.lock")
        .to_owned();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let registry = cargo_home.join("registry/src");
    std::fs::read_dir(&registry)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .join(format!("tauri-plugin-notification-{version}"))
                .join("android/src/main/AndroidManifest.xml")
        })
        .find(|p| p.is_file())
        .expect("the plugin's sources in the cargo registry")
}

#[test]
fn android_13_notification_permission_is_declared_and_asked_for() {
    const PERMISSION: &str = "android.permission.POST_NOTIFICATIONS";
    // `tauri android init` makes gen/android; its manifest merges the plugin's library one.
    let generated = workspace().join("src-tauri/gen/android/app/src/main/AndroidManifest.xml");
    let manifest = if generated.is_file() {
        generated
    } else {
        plugin_manifest()
    };
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(
        text.contains(PERMISSION),
        "{} lacks {PERMISSION}",
        manifest.display()
    );

    // The screens ask (through the shell's command, granted to the window) once the vault
    // holds a Twofold account, i.e. before its first sign-in request.
    let capability =
        std::fs::read_to_string(workspace().join("src-tauri/capabilities/main.json")).unwrap();
    assert!(capability.contains("\"allow-ensure-notification-permission\""));
    let accounts =
        std::fs::read_to_string(workspace().join("ui/src/screens/Accounts.tsx")).unwrap();
    assert!(accounts.contains("api.ensureNotificationPermission()"));
}

fn crate_type_line(manifest: &Path) -> String {
    std::fs::read_to_string(manifest)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("crate-type"))
        .unwrap()
        .to_owned()
}

#[test]
fn the_crate_type_switch_script_turns_mobile_on_and_back_off() {
    let root = workspace();
    // Committed for desktop work: rlib only.
    assert_eq!(
        crate_type_line(&root.join("src-tauri/Cargo.toml")),
        r#"crate-type = ["rlib"]"#
    );
    // The script, run on a copy of the tree's two files it touches.
    let copy = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(copy.path().join("scripts")).unwrap();
    std::fs::create_dir_all(copy.path().join("src-tauri")).unwrap();
    let script = copy.path().join("scripts/mobile-crate-type.sh");
    std::fs::copy(root.join("scripts/mobile-crate-type.sh"), &script).unwrap();
    let manifest = copy.path().join("src-tauri/Cargo.toml");
    std::fs::copy(root.join("src-tauri/Cargo.toml"), &manifest).unwrap();
    let original = std::fs::read_to_string(&manifest).unwrap();
    let run = |arg: &str| {
        let out = Command::new("bash").arg(&script).arg(arg).output().unwrap();
        assert!(out.status.success(), "{arg}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run("status").trim(), "desktop");
    run("mobile");
    assert_eq!(
        crate_type_line(&manifest),
        r#"crate-type = ["staticlib", "cdylib", "rlib"]"#
    );
    run("mobile");
    assert_eq!(
        run("status").trim(),
        "mobile",
        "switching twice is harmless"
    );
    run("desktop");
    assert_eq!(
        std::fs::read_to_string(&manifest).unwrap(),
        original,
        "nothing else changed"
    );
    let bad = Command::new("bash")
        .arg(&script)
        .arg("phone")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "an unknown argument is refused");
}
