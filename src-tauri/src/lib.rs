//! twofold-app: the Twofold authenticator's Tauri v2 shell.
//!
//! It holds one [`twofold_authenticator::Engine`] in [`AppState`] and exposes it to the screens
//! in `ui/` as commands (`commands/<area>.rs`) that only translate: arguments in, engine call,
//! views or a [`CommandError`] (`{kind, message}`) out. What the engine does not do and a
//! desktop shell must — copying to the clipboard and clearing it, capturing the screen for a
//! QR code, asking where to save an export (the system's save dialog, opened here: the screens
//! never name a path) — lives here too, and nothing else. It is not the engine: vault, codes,
//! QR decoding, importers and exporters are in `mobile/`.
//!
//! Biometric unlock: [`device_keys`] keeps the vault's device key with the OS behind a
//! biometric prompt (Android Keystore, iOS Keychain), through tauri-plugin-biometry.
//!
//! Twofold accounts: [`activation`] redeems activation codes through the add commands, and
//! [`push`] holds the engine's push fleet (one client per account, in the background),
//! forwarding its events to the window (`push`) and bringing the window forward with a
//! system notification ([`attention`]) when a sign-in request arrives.
//!
//! The vault is `--vault PATH`, else `$TWOFOLD_VAULT`, else the engine's default location
//! (the CLI's), else the platform's app data directory. `$TWOFOLD_KDF` (`m_kib,t,p`) sets the
//! Argon2id cost of new passwords, as for the CLI.

mod activation;
mod attention;
mod commands;
pub mod device_keys;
mod error;
pub mod push;
pub mod save_dialog;
#[cfg(desktop)]
mod screen;
mod state;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{Manager, Runtime};
use twofold_authenticator::{KdfParams, SystemClock};

pub use device_keys::DeviceKeys;
pub use error::CommandError;
pub use push::PushService;
pub use save_dialog::SaveDialog;
pub use state::AppState;

/// Manages a [`PushService`] on `app` and starts reading its clients' events.
pub fn manage_push<R: Runtime>(app: &tauri::AppHandle<R>) {
    let (service, events) = PushService::new(Arc::new(SystemClock));
    app.manage(service);
    tauri::async_runtime::spawn(push::pump(app.clone(), events));
}

/// The app's entry point on every platform.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let builder = tauri::Builder::default();
    // A second launch brings the running window forward instead of opening the vault twice.
    #[cfg(desktop)]
    let builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
    }));
    if let Err(error) = run_app(builder, tauri::generate_context!()) {
        eprintln!("twofold-app: {error}");
        std::process::exit(1);
    }
}

/// Builds and runs the app on any runtime (tests use `tauri::test::mock_builder()`).
pub fn run_app<R: Runtime>(
    builder: tauri::Builder<R>,
    context: tauri::Context<R>,
) -> tauri::Result<()> {
    build_app(builder, context)?.run(|_, _| {});
    Ok(())
}

/// The app, built but not running: plugins, state and commands.
pub fn build_app<R: Runtime>(
    builder: tauri::Builder<R>,
    context: tauri::Context<R>,
) -> tauri::Result<tauri::App<R>> {
    // Phones: QR codes from the camera (`capabilities/mobile.json` grants it to the window).
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_barcode_scanner::init());
    builder
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_biometry::init())
        .setup(|app| {
            if app.try_state::<DeviceKeys>().is_none() {
                app.manage(DeviceKeys::os(app.handle().clone()));
            }
            if app.try_state::<SaveDialog>().is_none() {
                app.manage(SaveDialog::os(app.handle().clone()));
            }
            if app.try_state::<AppState>().is_none() {
                let path = vault_path(app.handle())?;
                app.manage(AppState::new(path, kdf_params()?));
            }
            if app.try_state::<PushService>().is_none() {
                manage_push(app.handle());
            }
            Ok(())
        })
        // Everything the UI may call; `capabilities/main.json` grants each to the main window.
        .invoke_handler(tauri::generate_handler![
            commands::vault::vault_status,
            commands::vault::create_vault,
            commands::vault::unlock,
            commands::vault::lock,
            commands::vault::change_password,
            commands::biometric::biometric_status,
            commands::biometric::enable_biometric,
            commands::biometric::disable_biometric,
            commands::biometric::unlock_with_biometric,
            commands::accounts::list_accounts,
            commands::accounts::account_codes,
            commands::accounts::next_code,
            commands::accounts::edit_account,
            commands::accounts::set_favourite,
            commands::accounts::remove_account,
            commands::accounts::copy_code,
            commands::add::add_uri,
            commands::add::add_scanned,
            commands::add::scan_image,
            commands::add::scan_screen,
            commands::add::migration_progress,
            commands::add::platform,
            commands::backup::import_formats,
            commands::backup::import_file,
            commands::backup::export_backup,
            commands::push::push_status,
            commands::push::answer_push,
            commands::appearance::set_icon,
            commands::appearance::account_icon,
            commands::appearance::move_account,
            commands::notifications::ensure_notification_permission,
        ])
        .build(context)
}

fn vault_path<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<PathBuf, CommandError> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--vault" {
            if let Some(path) = args.next() {
                return Ok(PathBuf::from(path));
            }
        }
    }
    if let Some(path) = std::env::var_os("TWOFOLD_VAULT").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    #[cfg(desktop)]
    if let Some(path) = twofold_authenticator::default_vault_path() {
        return Ok(path);
    }
    app.path()
        .app_data_dir()
        .map(|dir| dir.join("vault.twofold"))
        .map_err(|e| CommandError::new("app.no_data_dir", e.to_string()))
}

fn kdf_params() -> Result<KdfParams, CommandError> {
    match std::env::var("TWOFOLD_KDF") {
        Ok(text) => KdfParams::parse(&text).ok_or_else(|| {
            CommandError::new(
                "app.bad_config",
                format!("TWOFOLD_KDF must be m_kib,t,p (e.g. 65536,3,1), not {text:?}"),
            )
        }),
        Err(_) => Ok(KdfParams::default()),
    }
}
