//! A push the user denied and reported as fraud: what [`super::finalize`] writes besides the
//! denial (an alert record, the user blocked when `push.block_on_fraud` is set) and the
//! alert webhook. Part of [`super`]; a file of its own so that one stays small.

use std::time::Duration;

use sqlx::AnyConnection;
use twofold_core::proto::Factor;

use crate::auth::audit::{self, Event as AuditEvent};
use crate::error::Error;
use crate::state::AppState;
use crate::store::challenges::ChallengeRow;
use crate::store::users::User;
use crate::store::{audit as store_audit, users as store_users};

/// The user denied and reported the request: an alert record, the user blocked when
/// configured, and the alert webhook called (in the background).
pub(super) async fn report_fraud(
    state: &AppState,
    conn: &mut AnyConnection,
    user: &User,
    row: &ChallengeRow,
    device_id: Option<&str>,
) -> Result<(), Error> {
    let block = state.config.push.block_on_fraud;
    if block {
        let blocked = User {
            blocked: true,
            updated_at: state.now(),
            ..user.clone()
        };
        store_users::update(&mut *conn, &blocked).await?;
    }
    let record = audit::record(
        state,
        &AuditEvent {
            user: Some(user),
            device_id,
            factor: Some(Factor::Push.as_str()),
            reason: Some(if block {
                "fraud_reported_user_blocked"
            } else {
                "fraud_reported"
            }),
            client_ip: Some(row.client_ip.as_str()).filter(|ip| !ip.is_empty()),
            application: Some(&row.application),
            ..AuditEvent::new("alert", "fraud_reported")
        },
    )?;
    store_audit::insert(&mut *conn, &record).await?;
    tracing::warn!(
        username = %user.username, challenge_id = %row.id, application = %row.application, client_ip = %row.client_ip,
        blocked = block, "FRAUD REPORTED: the user denied a sign-in request and reported it"
    );
    let hook = state.config.push.alert_webhook_url.clone();
    if !hook.is_empty() {
        let alert = serde_json::json!({
            "alert": "fraud_reported", "username": user.username, "challenge_id": row.id,
            "application": row.application, "client_ip": row.client_ip, "user_blocked": block,
            "at": state.now(), "server": state.server_name.to_string(),
        });
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build();
            match client {
                Ok(client) => {
                    if let Err(e) = client.post(&hook).json(&alert).send().await {
                        tracing::warn!(error = %e, "fraud alert webhook failed");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "fraud alert webhook client"),
            }
        });
    }
    Ok(())
}
