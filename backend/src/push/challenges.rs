//! The push challenge: created for a relying party, signed and delivered to the user's
//! devices, answered once (compare-and-set), audited once, waited on by the relying party.

use std::time::Duration;

use twofold_core::proto::channel::{AnswerOutcome, Challenge, Decision, ServerMessage};
use twofold_core::proto::{
    b64_decode, b64_encode, AuthContext, AuthResponse, AuthResult, Factor, Reason,
};

use super::events::{self, Event};
use crate::auth::audit::{self, Event as AuditEvent};
use crate::auth::passcode::{audit_record, result_str};
use crate::config::NumberMatching;
use crate::crypto::{random_digits, random_id};
use crate::error::Error;
use crate::state::AppState;
use crate::store::applications::Application;
use crate::store::challenges::{self, ChallengeRow};
use crate::store::devices::Device;
use crate::store::users::User;
use crate::store::{audit as store_audit, users as store_users};

/// Longest a single poll of `GET /v1/auth/{txid}` waits.
pub const MAX_POLL_WAIT: u64 = 30;

/// Starts a push for `user`, who has at least one active device. Asynchronous: answers at
/// once with the transaction id (and the number to show). Synchronous: waits for the outcome.
pub async fn start(
    state: &AppState,
    app: &Application,
    user: &User,
    context: &AuthContext,
    asynchronous: bool,
) -> Result<AuthResponse, Error> {
    let now = state.now_i64();
    let push = &state.config.push;
    let number_required = push.number_matching == NumberMatching::Always;
    if number_required && !asynchronous {
        return Err(Error::invalid(
            "async",
            "number matching is on: the sign-in page must show the number, so start the push with \"async\": true \
             and poll GET /v1/auth/{txid}",
        ));
    }
    if challenges::count_since(state.store.pool(), &user.id, now - 60).await?
        >= i64::from(push.max_per_minute)
    {
        return crate::auth::passcode::finish(
            state,
            user,
            context,
            AuthResult::Deny,
            Reason::PushLimit,
            Some(Factor::Push),
        )
        .await;
    }
    let row = ChallengeRow {
        id: random_id("chl")?,
        user_id: user.id.clone(),
        application_id: app.id.clone(),
        application: context
            .application
            .clone()
            .unwrap_or_else(|| app.name.clone()),
        client_ip: context.client_ip.clone().unwrap_or_default(),
        location: context.location.clone().unwrap_or_default(),
        user_agent: context.user_agent.clone(),
        number: if number_required {
            Some(random_digits(2)?)
        } else {
            None
        },
        created_at: now,
        expires_at: now + i64::try_from(push.challenge_ttl_seconds).unwrap_or(60),
        state: challenges::PENDING.into(),
        reason: None,
        device_id: None,
        answered_at: None,
    };
    challenges::insert(state.store.pool(), &row).await?;
    tracing::info!(challenge_id = %row.id, username = %user.username, application = %row.application, "push sent");
    events::publish(state, Event::Challenge { id: row.id.clone() }).await?;
    if asynchronous {
        let mut response = AuthResponse::new(AuthResult::Waiting, Reason::Pending);
        response.txid = Some(row.id.clone());
        response.number = row.number.clone();
        return Ok(response);
    }
    let deadline = u64::try_from(row.expires_at).unwrap_or(0);
    let row = wait(state, &row.id, deadline).await?;
    Ok(response_for(&row))
}

/// A relying party's poll: waits up to `wait_seconds` for an answer.
pub async fn poll(
    state: &AppState,
    app: &Application,
    txid: &str,
    wait_seconds: u64,
) -> Result<AuthResponse, Error> {
    let row = own_challenge(state, app, txid).await?;
    let deadline = state.now() + wait_seconds.min(MAX_POLL_WAIT);
    let row = if row.state == challenges::PENDING {
        wait(state, &row.id, deadline).await?
    } else {
        row
    };
    Ok(response_for(&row))
}

/// The relying party gives up: pending → cancelled.
pub async fn cancel(
    state: &AppState,
    app: &Application,
    txid: &str,
) -> Result<AuthResponse, Error> {
    let row = own_challenge(state, app, txid).await?;
    finalize(state, &row, challenges::CANCELLED, Reason::Cancelled, None).await?;
    let row = challenges::by_id(state.store.pool(), &row.id)
        .await?
        .ok_or(Error::ChallengeNotFound)?;
    Ok(response_for(&row))
}

async fn own_challenge(
    state: &AppState,
    app: &Application,
    txid: &str,
) -> Result<ChallengeRow, Error> {
    let row = challenges::by_id(state.store.pool(), txid)
        .await?
        .ok_or(Error::ChallengeNotFound)?;
    // A relying party sees only its own transactions.
    if row.application_id != app.id {
        return Err(Error::ChallengeNotFound);
    }
    expire_if_due(state, row).await
}

/// Waits until the challenge is no longer pending or `deadline` (unix seconds) passes; at
/// the challenge's own expiry it is marked expired.
async fn wait(state: &AppState, id: &str, deadline: u64) -> Result<ChallengeRow, Error> {
    let mut finished = state.hub.subscribe_finished();
    loop {
        let row = challenges::by_id(state.store.pool(), id)
            .await?
            .ok_or(Error::ChallengeNotFound)?;
        let row = expire_if_due(state, row).await?;
        if row.state != challenges::PENDING || state.now() >= deadline {
            return Ok(row);
        }
        // Woken by this node's broadcast; the timer is the fallback for events missed
        // during a listener reconnect, and for the deadline.
        let tick = tokio::time::sleep(Duration::from_millis(500));
        tokio::select! {
            _ = tick => {}
            received = finished.recv() => {
                if let Ok(done) = received {
                    if done != id {
                        continue;
                    }
                }
            }
        }
    }
}

async fn expire_if_due(state: &AppState, row: ChallengeRow) -> Result<ChallengeRow, Error> {
    if row.state == challenges::PENDING && row.expires_at <= state.now_i64() {
        finalize(state, &row, challenges::EXPIRED, Reason::Expired, None).await?;
        return challenges::by_id(state.store.pool(), &row.id)
            .await?
            .ok_or(Error::ChallengeNotFound);
    }
    Ok(row)
}

/// Marks every overdue challenge expired, once a second, so devices drop them and the audit
/// log records them even when no relying party is polling.
pub fn spawn_sweeper(state: AppState) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        loop {
            interval.tick().await;
            let Ok(ids) = challenges::expired_pending(state.store.pool(), state.now_i64()).await
            else {
                continue;
            };
            for id in ids {
                if let Ok(Some(row)) = challenges::by_id(state.store.pool(), &id).await {
                    if let Err(e) = expire_if_due(&state, row).await {
                        tracing::warn!(error = %e, "expiring a challenge failed");
                    }
                }
            }
        }
    });
}

fn response_for(row: &ChallengeRow) -> AuthResponse {
    let reason = row.reason.as_deref().and_then(parse_reason);
    let (result, reason) = match row.state.as_str() {
        challenges::APPROVED => (AuthResult::Allow, Reason::Approved),
        challenges::DENIED => (AuthResult::Deny, reason.unwrap_or(Reason::Denied)),
        challenges::EXPIRED => (AuthResult::Timeout, Reason::Expired),
        challenges::CANCELLED => (AuthResult::Deny, Reason::Cancelled),
        _ => (AuthResult::Waiting, Reason::Pending),
    };
    let mut response = AuthResponse::new(result, reason);
    response.txid = Some(row.id.clone());
    response.number = row.number.clone();
    response
}

fn parse_reason(text: &str) -> Option<Reason> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// pending → `new_state` with its audit record, in one transaction; then tells every node.
/// False when someone else finished it first.
async fn finalize(
    state: &AppState,
    row: &ChallengeRow,
    new_state: &str,
    reason: Reason,
    device_id: Option<&str>,
) -> Result<bool, Error> {
    let user = store_users::by_id(state.store.pool(), &row.user_id).await?;
    let mut tx = state.store.pool().begin().await?;
    if !challenges::finish(
        &mut *tx,
        &row.id,
        new_state,
        reason.as_str(),
        device_id,
        state.now_i64(),
    )
    .await?
    {
        return Ok(false);
    }
    let result = response_for(&ChallengeRow {
        state: new_state.into(),
        reason: Some(reason.as_str().into()),
        ..row.clone()
    })
    .result;
    let context = AuthContext {
        application: Some(row.application.clone()),
        client_ip: Some(row.client_ip.clone()).filter(|ip| !ip.is_empty()),
        location: None,
        user_agent: None,
    };
    if let Some(user) = &user {
        let record = audit_record(
            state,
            user,
            &context,
            result,
            reason,
            Factor::Push,
            device_id,
        )?;
        store_audit::insert(&mut *tx, &record).await?;
        if reason == Reason::FraudReported {
            report_fraud(state, &mut tx, user, row, device_id).await?;
        }
    }
    tx.commit().await?;
    state
        .metrics
        .authentication(Factor::Push.as_str(), result_str(result), reason.as_str());
    events::publish(
        state,
        Event::Finished {
            id: row.id.clone(),
            user_id: row.user_id.clone(),
            reason: reason.as_str().into(),
        },
    )
    .await?;
    Ok(true)
}

async fn report_fraud(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &User,
    row: &ChallengeRow,
    device_id: Option<&str>,
) -> Result<(), Error> {
    let block = state.config.push.block_on_fraud;
    if block {
        let blocked = User {
            blocked: true,
            updated_at: state.now_i64(),
            ..user.clone()
        };
        store_users::update(&mut **tx, &blocked).await?;
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
    store_audit::insert(&mut **tx, &record).await?;
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

/// The challenge as `device_id` receives it, signed by the server.
pub async fn signed_message(
    state: &AppState,
    row: &ChallengeRow,
    device_id: &str,
) -> Result<ServerMessage, Error> {
    let user = store_users::by_id(state.store.pool(), &row.user_id)
        .await?
        .ok_or(Error::ChallengeNotFound)?;
    let identity = state.identity.read().await;
    let challenge = Challenge {
        id: row.id.clone(),
        device_id: device_id.to_owned(),
        epoch: identity.epoch,
        username: user.username,
        application: row.application.clone(),
        client_ip: row.client_ip.clone(),
        location: row.location.clone(),
        created_at: u64::try_from(row.created_at).unwrap_or(0),
        expires_at: u64::try_from(row.expires_at).unwrap_or(0),
        number_required: row.number.is_some(),
    };
    let signature = b64_encode(&identity.sign(&challenge.signed_bytes())?);
    Ok(ServerMessage::Challenge {
        challenge,
        signature,
    })
}

/// A device's answer. The device is already authenticated on its channel.
pub async fn answer(
    state: &AppState,
    device: &Device,
    challenge_id: &str,
    decision: Decision,
    number: Option<&str>,
    report: bool,
    signature: &str,
) -> Result<AnswerOutcome, Error> {
    let approve = decision == Decision::Approve;
    let typed = number.unwrap_or("");
    let signed = twofold_core::sign::answer_bytes(challenge_id, &device.id, approve, typed, report);
    let valid = b64_decode(signature)
        .is_some_and(|sig| twofold_core::sign::verify(&device.public_key, &signed, &sig));
    let Some(row) = challenges::by_id(state.store.pool(), challenge_id).await? else {
        return Ok(AnswerOutcome::Refused);
    };
    if !valid || row.user_id != device.user_id {
        tracing::warn!(device_id = %device.id, challenge_id, "refused an answer: bad signature or foreign challenge");
        return Ok(AnswerOutcome::Refused);
    }
    let row = expire_if_due(state, row).await?;
    if row.state != challenges::PENDING {
        return Ok(match row.state.as_str() {
            challenges::EXPIRED => AnswerOutcome::Expired,
            challenges::CANCELLED => AnswerOutcome::Cancelled,
            _ => AnswerOutcome::AnsweredElsewhere,
        });
    }
    let (new_state, reason, outcome) = match (approve, &row.number) {
        (false, _) if report => (
            challenges::DENIED,
            Reason::FraudReported,
            AnswerOutcome::Accepted,
        ),
        (false, _) => (challenges::DENIED, Reason::Denied, AnswerOutcome::Accepted),
        (true, Some(expected)) if !subtle_eq(expected, typed) => (
            challenges::DENIED,
            Reason::WrongNumber,
            AnswerOutcome::WrongNumber,
        ),
        (true, _) => (
            challenges::APPROVED,
            Reason::Approved,
            AnswerOutcome::Accepted,
        ),
    };
    if finalize(state, &row, new_state, reason, Some(&device.id)).await? {
        Ok(outcome)
    } else {
        Ok(AnswerOutcome::AnsweredElsewhere)
    }
}

fn subtle_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Cancels every challenge still waiting for the user (their devices were revoked).
pub async fn cancel_pending_for_user(state: &AppState, user_id: &str) -> Result<usize, Error> {
    let mut cancelled = 0;
    for row in challenges::pending_for_user(state.store.pool(), user_id, state.now_i64()).await? {
        if finalize(state, &row, challenges::CANCELLED, Reason::Cancelled, None).await? {
            cancelled += 1;
        }
    }
    Ok(cancelled)
}
