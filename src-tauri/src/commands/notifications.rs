//! The system's permission to show notifications, asked for before the first sign-in request
//! can arrive. Android 13+ (API 33) shows no notification without the runtime permission
//! `POST_NOTIFICATIONS` (the notification plugin's Android library declares it in its
//! manifest, merged into the app's); iOS asks once too. The screens call this when the vault
//! holds a Twofold account, so the prompt comes up while the user is looking, not when a
//! request is already waiting. On desktops the plugin answers "granted" without a prompt.

use tauri::plugin::PermissionState;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::Notification;

use crate::CommandError;

fn name(state: PermissionState) -> &'static str {
    match state {
        PermissionState::Granted => "granted",
        PermissionState::Denied => "denied",
        PermissionState::Prompt | PermissionState::PromptWithRationale => "prompt",
    }
}

/// Asks for the permission if the system has not been asked yet; returns `granted`,
/// `denied` or `prompt` (the user dismissed the question).
#[tauri::command]
pub async fn ensure_notification_permission<R: Runtime>(
    app: AppHandle<R>,
) -> Result<&'static str, CommandError> {
    // The plugin's calls wait for the user on phones: off the async workers.
    tauri::async_runtime::spawn_blocking(move || {
        let Some(notification) = app.try_state::<Notification<R>>() else {
            return Ok("granted");
        };
        let error = |e: tauri_plugin_notification::Error| {
            CommandError::new(
                "app.notifications",
                format!("cannot ask to show notifications: {e}"),
            )
        };
        let state = notification.permission_state().map_err(error)?;
        let state = match state {
            PermissionState::Prompt | PermissionState::PromptWithRationale => {
                notification.request_permission().map_err(error)?
            }
            other => other,
        };
        Ok(name(state))
    })
    .await
    .map_err(|e| CommandError::new("app.internal", e.to_string()))?
}
