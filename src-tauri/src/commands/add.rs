//! Adding accounts: a pasted URI, an image file, the screen, Google export batches, and
//! Twofold activation codes in any of them ([`crate::activation`]).

use serde::Serialize;
use tauri::ipc::{InvokeBody, Request};
use tauri::{Runtime, State, WebviewWindow};
use twofold_authenticator::AddReport;

use crate::activation::{add_texts, is_activation};
use crate::push::PushService;
use crate::{AppState, CommandError};

/// Adds a pasted `otpauth://` URI, or activates a pasted `twofold://activate?...` code.
#[tauri::command]
pub async fn add_uri(
    state: State<'_, AppState>,
    push: State<'_, PushService>,
    uri: String,
) -> Result<AddReport, CommandError> {
    if is_activation(&uri) {
        return add_texts(&state, &push, vec![uri]).await;
    }
    let now = state.now();
    Ok(state.engine()?.add_uri(uri.trim(), now)?)
}

/// Adds what QR codes read elsewhere hold (or a pasted `otpauth-migration://` link): Google
/// export batches are collected across calls until the engine is locked.
#[tauri::command]
pub async fn add_scanned(
    state: State<'_, AppState>,
    push: State<'_, PushService>,
    texts: Vec<String>,
) -> Result<AddReport, CommandError> {
    add_texts(&state, &push, texts).await
}

/// Adds what the QR codes in a PNG or JPEG hold. The body is the file's bytes (the UI sends a
/// `Uint8Array`, which arrives without a JSON detour).
#[tauri::command]
pub async fn scan_image(
    state: State<'_, AppState>,
    push: State<'_, PushService>,
    request: Request<'_>,
) -> Result<AddReport, CommandError> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::new(
            "app.bad_request",
            "scan_image takes the image's bytes as the request body",
        ));
    };
    let texts = twofold_authenticator::qr::decode_image(bytes)?;
    add_texts(&state, &push, texts).await
}

/// Captures every screen once (the UI asks the user first), reads the QR codes on them with
/// the engine's decoder and adds what they hold. The window steps aside while capturing so it
/// does not hide a code behind it. Nothing captured is kept.
#[tauri::command]
pub async fn scan_screen<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    push: State<'_, PushService>,
) -> Result<AddReport, CommandError> {
    #[cfg(desktop)]
    {
        let texts = crate::screen::qr_texts_on_screen(&window)?;
        add_texts(&state, &push, texts).await
    }
    #[cfg(mobile)]
    {
        let _ = (window, state, push);
        Err(CommandError::new(
            "scan.unsupported",
            "this device cannot capture its screen; open a screenshot instead",
        ))
    }
}

/// Which batches of a Google Authenticator export are still missing, while one is scanned.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct MigrationProgress {
    /// From 1.
    pub missing: Vec<i32>,
    pub size: i32,
}

#[tauri::command]
pub async fn migration_progress(
    state: State<'_, AppState>,
) -> Result<Option<MigrationProgress>, CommandError> {
    Ok(state
        .engine()?
        .missing_migration_batches()
        .map(|(missing, size)| MigrationProgress { missing, size }))
}

/// What this platform offers the add screen.
#[derive(Debug, Serialize)]
pub struct Platform {
    pub screen_scan: bool,
    pub mobile: bool,
}

#[tauri::command]
pub async fn platform() -> Result<Platform, CommandError> {
    Ok(Platform {
        screen_scan: cfg!(desktop),
        mobile: cfg!(mobile),
    })
}
