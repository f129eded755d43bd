//! Getting the user's attention for a sign-in request: the window comes forward and a system
//! notification says who is signing in where. Neither carries anything secret: the
//! application, the user name and the client's address are what the request screen shows.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::Notification;
use twofold_authenticator::PendingChallenge;

/// The notification's text for a request.
pub fn notification_body(challenge: &PendingChallenge) -> String {
    let mut body = format!(
        "{} wants to sign in as {} from {}",
        challenge.application, challenge.username, challenge.client_ip
    );
    if !challenge.location.is_empty() {
        body.push_str(&format!(" ({})", challenge.location));
    }
    body.push_str(". Open Twofold to approve or deny.");
    body
}

/// Brings the main window forward and shows a system notification. Failures (no
/// notification service, a window manager that refuses focus) are logged, not fatal: the
/// request is on screen either way.
pub fn announce<R: Runtime>(app: &AppHandle<R>, challenge: &PendingChallenge) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        #[cfg(desktop)]
        let _ = window.request_user_attention(Some(tauri::UserAttentionType::Critical));
    }
    // Absent only where the plugin is not registered (the shell's tests on the mock runtime).
    let Some(notification) = app.try_state::<Notification<R>>() else {
        return;
    };
    let shown = notification
        .builder()
        .title("Sign-in request")
        .body(notification_body(challenge))
        .show();
    if let Err(error) = shown {
        eprintln!("twofold-app: cannot show a system notification: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(location: &str) -> PendingChallenge {
        PendingChallenge {
            account_id: "a".into(),
            id: "chl_1".into(),
            username: "alice".into(),
            application: "VPN".into(),
            client_ip: "198.51.100.7".into(),
            location: location.into(),
            created_at: 1,
            expires_at: 61,
            expires_at_local: 61,
            number_required: true,
        }
    }

    #[test]
    fn the_notification_names_the_application_user_and_address() {
        assert_eq!(
            notification_body(&challenge("")),
            "VPN wants to sign in as alice from 198.51.100.7. Open Twofold to approve or deny."
        );
        assert_eq!(
            notification_body(&challenge("Lisbon, PT")),
            "VPN wants to sign in as alice from 198.51.100.7 (Lisbon, PT). Open Twofold to \
             approve or deny."
        );
    }
}
