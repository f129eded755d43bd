//! Activation: an admin creates a single-use code for a user; the user's device redeems it
//! with its public key and receives its identity and an offline-code secret.

use std::net::IpAddr;

use twofold_core::otp::Totp;
use twofold_core::proto::{
    b64_decode, b64_encode, ActivateRequest, ActivateResponse, ActivationUri,
};
use twofold_core::{Algorithm, OtpAccount, SecretBytes};

use super::admin::Admin;
use super::audit::{self, Event};
use crate::crypto::{random_bytes, random_digits, random_id};
use crate::error::Error;
use crate::state::AppState;
use crate::store::activations::{self as store_activations, Activation};
use crate::store::credentials::{self, Credential, CredentialKind};
use crate::store::devices::{self, Device, DeviceState};
use crate::store::users as store_users;
use crate::store::{audit as store_audit, users::User};

/// Digits in an activation code: 10^12 codes, tried at most a few times a minute per address.
pub const CODE_DIGITS: usize = 12;

/// The offline-code account every activated device gets (RFC 6238 defaults, which every
/// authenticator understands).
const OTP_SECRET_BYTES: usize = 20;
const OTP_DIGITS: u8 = 6;
const OTP_PERIOD: u64 = 30;

pub use twofold_core::proto::admin::IssuedActivation;

/// Ignores the spaces and dashes people type between groups.
fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

fn group(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A new activation code for `user`, made by `admin` (audited with the admin token's id).
pub async fn create(
    state: &AppState,
    admin: &Admin,
    user: &User,
) -> Result<IssuedActivation, Error> {
    let code = random_digits(CODE_DIGITS)?;
    let now = state.now();
    let expires_at = now.saturating_add(state.config.policy.activation_ttl_seconds);
    let activation = Activation {
        id: random_id("act")?,
        user_id: user.id.clone(),
        created_at: now,
        expires_at,
        used_at: None,
    };
    let mut tx = state.store.begin().await?;
    store_activations::replace(&mut tx, &activation, &state.master_key.lookup_hash(&code)).await?;
    let record = audit::record(
        state,
        &Event {
            user: Some(user),
            reason: Some("activation_created"),
            admin_id: Some(&admin.id),
            ..Event::new("admin", "success")
        },
    )?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;

    let uri = ActivationUri {
        server_url: state.public_url.to_string(),
        code: group(&code),
    }
    .to_uri();
    tracing::info!(username = %user.username, "activation code created");
    Ok(IssuedActivation {
        username: user.username.clone(),
        code: group(&code),
        server_url: state.public_url.to_string(),
        qr_png_base64: crate::qr::png_base64(&uri)?,
        uri,
        // The wire keeps the admin API's i64 (the admin types take this over).
        expires_at: crate::store::columns::to_db(expires_at),
    })
}

/// Redeems an activation code for a device.
pub async fn redeem(
    state: &AppState,
    client: Option<IpAddr>,
    req: ActivateRequest,
) -> Result<ActivateResponse, Error> {
    let client_ip = client.map(|ip| ip.to_string());
    let source = client.map(crate::ratelimit::source_of);
    let result = redeem_inner(state, source.as_deref(), client_ip.as_deref(), &req).await;
    match &result {
        Ok(_) => state.metrics.activation("success"),
        Err(err) => {
            let reason = refusal_reason(err);
            state.metrics.activation(reason);
            if reason != "internal" {
                audit_refusal(state, source.as_deref(), client_ip.as_deref(), reason).await?;
            }
        }
    }
    result
}

/// The audit reason of a refused activation.
fn refusal_reason(err: &Error) -> &'static str {
    match err {
        Error::ActivationInvalid => "invalid_code",
        Error::ActivationExpired => "expired",
        Error::ActivationUsed => "already_used",
        Error::ActivationBadSignature => "bad_signature",
        Error::RateLimited => "rate_limited",
        Error::InvalidField { .. } => "invalid_request",
        _ => "internal",
    }
}

/// Audits a refused activation: anyone can send these, so only the first refusal per
/// client network, reason and rate-limit window is recorded; the others are counted in
/// `twofold_audit_suppressed_total{event="activation"}` (issue 13 item 9).
async fn audit_refusal(
    state: &AppState,
    source: Option<&str>,
    client_ip: Option<&str>,
    reason: &'static str,
) -> Result<(), Error> {
    let mut tx = state.store.begin().await?;
    if let Some(source) = source {
        let window = state.activation_limiter.audit_window();
        let key = format!("{source} {reason}");
        if !window.first_refusal(&mut tx, &key, state.now()).await? {
            tx.commit().await?;
            state.metrics.audit_suppressed("activation");
            return Ok(());
        }
    }
    let record = audit::record(
        state,
        &Event {
            reason: Some(reason),
            client_ip,
            ..Event::new("activation", "failure")
        },
    )?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    Ok(())
}

async fn redeem_inner(
    state: &AppState,
    source: Option<&str>,
    client_ip: Option<&str>,
    req: &ActivateRequest,
) -> Result<ActivateResponse, Error> {
    let now = state.now();
    // Counted in the shared store: every node spends the same budget (issue 13 item 8).
    if let Some(source) = source {
        let mut conn = state.store.pool().acquire().await?;
        if !state
            .activation_limiter
            .allow(&mut conn, source, now)
            .await?
        {
            return Err(Error::RateLimited);
        }
    }
    let name = req.name.trim();
    let platform = req.platform.trim();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "must be 1 to 128 characters"));
    }
    if platform.is_empty()
        || platform.len() > 32
        || !platform
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Error::invalid(
            "platform",
            "must be 1 to 32 letters, digits or '-'",
        ));
    }
    let public_key = b64_decode(&req.public_key)
        .filter(|k| k.len() == twofold_core::sign::P256_PUBLIC_KEY_LEN && k[0] == 4)
        .ok_or_else(|| {
            Error::invalid(
                "public_key",
                "must be an uncompressed P-256 key (65 bytes), base64url",
            )
        })?;
    let signature = b64_decode(&req.signature)
        .ok_or_else(|| Error::invalid("signature", "must be base64url"))?;
    let code = normalize_code(&req.code);
    if code.len() != CODE_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::ActivationInvalid);
    }
    let pool = state.store.pool();
    let activation =
        match store_activations::by_code_hash(pool, &state.master_key.lookup_hash(&code)).await? {
            Some(found) => found,
            // Issued before the HKDF key split (issue 13, item 13): stored under the old hash.
            None => {
                store_activations::by_code_hash(pool, &state.master_key.legacy_lookup_hash(&code))
                    .await?
                    .ok_or(Error::ActivationInvalid)?
            }
        };
    if activation.used_at.is_some() {
        return Err(Error::ActivationUsed);
    }
    if activation.expires_at <= now {
        return Err(Error::ActivationExpired);
    }
    // Proof of possession: only the holder of the private key can register it.
    if !twofold_core::sign::verify(
        &public_key,
        &twofold_core::sign::activation_bytes(&req.code, &public_key),
        &signature,
    ) {
        return Err(Error::ActivationBadSignature);
    }
    let user = store_users::by_id(state.store.pool(), &activation.user_id)
        .await?
        .ok_or(Error::ActivationInvalid)?;

    let identity = state.identity.read().await;
    let epoch = identity.epoch;
    let device = Device {
        id: random_id("dev")?,
        user_id: user.id.clone(),
        name: name.to_owned(),
        platform: platform.to_ascii_lowercase(),
        public_key,
        epoch,
        status: DeviceState::Active,
        created_at: now,
        last_seen_at: None,
        revoked_at: None,
    };
    let secret = SecretBytes::new(random_bytes(OTP_SECRET_BYTES)?);
    let credential_id = random_id("crd")?;
    let credential = Credential {
        id: credential_id.clone(),
        user_id: user.id.clone(),
        device_id: Some(device.id.clone()),
        source: "device".into(),
        kind: CredentialKind::Totp,
        serial: None,
        sealed_secret: state.master_key.seal(secret.expose(), &credential_id)?,
        algorithm: Algorithm::Sha1.as_str().into(),
        digits: i64::from(OTP_DIGITS),
        period: OTP_PERIOD as i64,
        counter: 0,
        last_step: -1,
        drift: 0,
        created_at: now,
    };
    // A code generator must exist for these parameters before anything is stored.
    Totp::new(secret.clone(), Algorithm::Sha1, OTP_DIGITS, OTP_PERIOD)
        .map_err(|e| Error::Internal(e.to_string()))?;

    let mut tx = state.store.begin().await?;
    if !store_activations::consume(&mut *tx, &activation.id, now).await? {
        // Redeemed or expired between the read above and now.
        return Err(Error::ActivationUsed);
    }
    devices::insert(&mut *tx, &device).await?;
    credentials::insert(&mut *tx, &credential).await?;
    store_users::set_needs_registration(&mut *tx, &user.id, false, now).await?;
    let record = audit::record(
        state,
        &Event {
            user: Some(&user),
            device_id: Some(&device.id),
            client_ip,
            reason: Some("activated"),
            ..Event::new("activation", "success")
        },
    )?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    tracing::info!(username = %user.username, device_id = %device.id, platform = %device.platform, "device activated");

    let account = OtpAccount {
        issuer: Some("Twofold".into()),
        ..OtpAccount::new_totp(None, user.username.clone(), secret)
    };
    Ok(ActivateResponse {
        device_id: device.id,
        username: user.username,
        server_public_key: b64_encode(identity.public_key()),
        epoch,
        server_time: state.now(),
        otpauth_uri: account.to_uri(),
        server_name: state.server_name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_for_reading_and_normalised_back() {
        assert_eq!(group("123456789012"), "1234 5678 9012");
        assert_eq!(normalize_code("1234 5678-9012"), "123456789012");
    }
}

#[cfg(test)]
mod debug_tests {
    use super::IssuedActivation;
    use crate::auth::applications::ApplicationCredentials;

    #[test]
    fn debug_output_leaves_out_activation_codes_and_application_secrets() {
        let issued = IssuedActivation {
            username: "alice".into(),
            code: "1234 5678 9012".into(),
            server_url: "https://mfa.example.com".into(),
            uri: "twofold://activate?url=x&code=123456789012".into(),
            expires_at: 1,
            qr_png_base64: "iVBORw0KGgo=".into(),
        };
        let text = format!("{issued:?}");
        assert!(text.contains("alice"), "{text}");
        for secret in ["1234", "123456789012", "iVBOR"] {
            assert!(!text.contains(secret), "{text}");
        }
        let credentials = ApplicationCredentials {
            id: "app_1".into(),
            name: "VPN".into(),
            secret: "s3cr3t-value".into(),
        };
        let text = format!("{credentials:?}");
        assert!(text.contains("app_1") && !text.contains("s3cr3t"), "{text}");
    }
}
