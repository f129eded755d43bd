//! Tauri's build step: the app's commands become permissions (`allow-<command>`) that
//! `capabilities/main.json` grants, and the screens in `../ui/dist` are embedded.

use std::path::Path;

/// Every command the shell offers; the capability grants each one by name.
const COMMANDS: &[&str] = &[
    "vault_status",
    "create_vault",
    "unlock",
    "lock",
    "change_password",
    "biometric_status",
    "enable_biometric",
    "disable_biometric",
    "unlock_with_biometric",
    "list_accounts",
    "account_codes",
    "next_code",
    "edit_account",
    "set_favourite",
    "remove_account",
    "copy_code",
    "add_uri",
    "add_scanned",
    "scan_image",
    "scan_screen",
    "migration_progress",
    "platform",
    "import_formats",
    "import_file",
    "export_backup",
    "push_status",
    "answer_push",
    "set_icon",
    "account_icon",
    "move_account",
    "ensure_notification_permission",
];

fn main() {
    // The screens are built by Vite (`npm run build` in ui/). Without them, say how to build
    // them in a page of their own, so that `cargo check`/`clippy` of the workspace still work.
    let dist = Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        println!("cargo:warning=ui/dist is missing: run `npm ci && npm run build` in ui/ (scripts/setup.sh does npm ci)");
        let page = "<!doctype html><meta charset=utf-8><title>Twofold</title>\
                    <p>The screens are not built: run <code>npm ci &amp;&amp; npm run build</code> \
                    in <code>ui/</code>, then build the app again.</p>";
        if std::fs::create_dir_all(dist)
            .and_then(|()| std::fs::write(dist.join("index.html"), page))
            .is_err()
        {
            println!("cargo:warning=cannot write ui/dist/index.html");
        }
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        println!("cargo:warning=tauri build step failed: {error:#}");
        std::process::exit(1);
    }
}
