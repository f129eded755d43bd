//! Adding a Twofold account: a `twofold://activate?...` code, pasted or read from a QR code,
//! is redeemed with its server, stored in the vault and its push client started by the
//! engine ([`activate_account`]); this file only names the device and writes the report.
//! The screens use the same add commands as for `otpauth://` URIs, so an activation comes
//! back as an [`AddReport`] with one account added.

use twofold_authenticator::push::fleet::activate_account;
use twofold_authenticator::{
    ActivationError, ActivationReport, AddReport, Added, DeviceInfo, Error,
};
use twofold_core::proto::ActivationUri;

use crate::push::PushService;
use crate::{AppState, CommandError};

/// Whether a pasted or scanned text is a Twofold activation code rather than an account.
pub fn is_activation(text: &str) -> bool {
    text.trim().to_ascii_lowercase().starts_with("twofold://")
}

/// The name the administrator sees in the device list: "Twofold on <host>".
fn device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    match host {
        Some(host) => format!("Twofold on {host}"),
        None => "Twofold app".into(),
    }
}

/// Redeems one activation code and stores the account, starting its client. The vault must
/// be unlocked first, so a locked vault never uses up the single-use code.
pub async fn activate_text(
    state: &AppState,
    push: &PushService,
    text: &str,
) -> Result<ActivationReport, CommandError> {
    let uri =
        ActivationUri::parse(text.trim()).map_err(|e| Error::from(ActivationError::from(e)))?;
    let device = DeviceInfo {
        name: device_name(),
        platform: std::env::consts::OS.to_owned(),
        // Plain http:// only to this machine (the engine's rule); anything else needs https.
        allow_insecure_http: false,
    };
    activate_account(state, &uri, &device, || state.now(), Some(push.fleet())).await
}

/// What an activation adds to an add report: the account, and a sentence for the user.
pub fn into_report(activation: ActivationReport, report: &mut AddReport) {
    let server = if activation.server_name.is_empty() {
        activation.server_url.clone()
    } else {
        format!("{} ({})", activation.server_name, activation.server_url)
    };
    report.notes.push(format!(
        "Activated {} with {server}: sign-in requests for {} will appear here, and the account \
         shows offline codes.",
        activation.label, activation.username
    ));
    if let Some(old) = &activation.replaced_device_id {
        report.notes.push(format!(
            "This replaced the account's earlier activation (device {old}); your administrator \
             can remove that device."
        ));
    }
    report.added.push(Added {
        id: activation.id,
        label: activation.label,
    });
}

/// Adds what pasted or scanned texts hold: activation codes are redeemed, everything else
/// goes to the engine. When there is nothing but activation codes and one fails, its error is
/// the answer (the screen shows it as it is); otherwise the failure is a skipped entry.
pub async fn add_texts(
    state: &AppState,
    push: &PushService,
    texts: Vec<String>,
) -> Result<AddReport, CommandError> {
    let (activations, others): (Vec<String>, Vec<String>) =
        texts.into_iter().partition(|t| is_activation(t));
    let mut report = if others.is_empty() {
        AddReport::default()
    } else {
        let now = state.now();
        state.engine()?.add_scanned(&others, now)?
    };
    let only_activations = others.is_empty() && activations.len() == 1;
    for text in &activations {
        match activate_text(state, push, text).await {
            Ok(activation) => into_report(activation, &mut report),
            Err(error) if only_activations => return Err(error),
            Err(error) => report.skipped.push(twofold_authenticator::Skipped {
                entry: "Twofold activation code".into(),
                reason: error.message,
            }),
        }
    }
    Ok(report)
}
