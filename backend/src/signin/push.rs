//! Sign-in by push: the challenge's state machine. A challenge is created for a relying
//! party, delivered to the user's devices (by the device channel, through an event), answered
//! once (compare-and-set from pending), audited once, and waited on by the relying party.
//! Every move out of `pending` goes through [`finalize`].

use std::time::Duration;

use sqlx::AnyConnection;
use twofold_core::proto::channel::{AnswerOutcome, Decision};
use twofold_core::proto::{b64_decode, AuthContext, AuthResponse, AuthResult, Factor, Reason};

use super::outcome;
use crate::auth::audit::{self, Event as AuditEvent};
use crate::channel::events::{self, Event};
use crate::config::NumberMatching;
use crate::crypto::{random_digits, random_id};
use crate::error::Error;
use crate::state::AppState;
use crate::store::applications::Application;
use crate::store::challenges::{self, ChallengeRow, ChallengeState};
use crate::store::devices::Device;
use crate::store::users::User;
use crate::store::{audit as store_audit, users as store_users};

/// Longest a single poll of `GET /v1/auth/{txid}` waits.
pub const MAX_POLL_WAIT: u64 = 30;

#[path = "push_cap.rs"]
mod cap;
use cap::{over_cap, refuse_over_cap};

#[path = "push_fraud.rs"]
mod fraud;
use fraud::report_fraud;

/// Starts a push for `user`, who has at least one active device. Asynchronous: answers at
/// once with the transaction id (and the number to show). Synchronous: waits for the outcome.
pub async fn start(
    state: &AppState,
    app: &Application,
    user: &User,
    context: &AuthContext,
    asynchronous: bool,
) -> Result<AuthResponse, Error> {
    let now = state.now();
    let push = &state.config.push;
    let number_required = push.number_matching == NumberMatching::Always;
    if number_required && !asynchronous {
        return Err(Error::invalid(
            "async",
            "number matching is on: the sign-in page must show the number, so start the push with \"async\": true \
             and poll GET /v1/auth/{txid}",
        ));
    }
    let row = ChallengeRow {
        id: random_id("chl")?,
        user_id: user.id.clone(),
        application_id: app.id.clone(),
        // Never the relying party's `context.application` (issue 13, item 4).
        application: app.name.clone(),
        client_ip: context.client_ip.clone().unwrap_or_default(),
        location: context.location.clone().unwrap_or_default(),
        user_agent: context.user_agent.clone(),
        number: if number_required {
            Some(random_digits(2)?)
        } else {
            None
        },
        created_at: now,
        expires_at: now.saturating_add(push.challenge_ttl_seconds),
        state: ChallengeState::Pending,
        reason: None,
        device_id: None,
        answered_at: None,
    };
    // Counted, then inserted, under the user's lock in one write transaction: of any number
    // of concurrent pushes on any node, at most the cap are committed. The transaction is
    // the store's write path ([`crate::store::Store::write`]; on SQLite the group-commit
    // writer): a push that opened its own `BEGIN IMMEDIATE` on a pool connection slept in
    // SQLite's busy handler while another held the write lock (issue 17).
    let (state_w, user_w, insert) = (state.clone(), user.clone(), row.clone());
    let over = state
        .store
        .write(move |conn| {
            Box::pin(async move {
                challenges::lock_user_pushes(conn, state_w.store.backend(), &user_w.id).await?;
                let over = over_cap(&state_w, conn, &user_w, now).await?;
                if over.is_none() {
                    challenges::insert(&mut *conn, &insert).await?;
                }
                Ok(over)
            })
        })
        .await?;
    if let Some(reason) = over {
        return refuse_over_cap(state, user, context, reason).await;
    }
    tracing::info!(challenge_id = %row.id, username = %user.username, application = %row.application, "push sent");
    events::publish(state, Event::Challenge { id: row.id.clone() }).await?;
    if asynchronous {
        let mut response = AuthResponse::new(AuthResult::Waiting, Reason::Pending);
        response.txid = Some(row.id.clone());
        response.number = row.number.clone();
        return Ok(response);
    }
    let row = wait(state, &row.id, row.expires_at).await?;
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
    let row = if row.state == ChallengeState::Pending {
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
    finalize(
        state,
        &row,
        ChallengeState::Cancelled,
        Reason::Cancelled,
        None,
    )
    .await?;
    let row = reload(state, &row.id).await?;
    Ok(response_for(&row))
}

async fn reload(state: &AppState, id: &str) -> Result<ChallengeRow, Error> {
    challenges::by_id(state.store.pool(), id)
        .await?
        .ok_or(Error::ChallengeNotFound)
}

async fn own_challenge(
    state: &AppState,
    app: &Application,
    txid: &str,
) -> Result<ChallengeRow, Error> {
    let row = reload(state, txid).await?;
    // A relying party sees only its own transactions.
    if row.application_id != app.id {
        return Err(Error::ChallengeNotFound);
    }
    expire_if_due(state, row).await
}

/// Waits until the challenge is no longer pending or `deadline` (unix seconds) passes; at
/// the challenge's own expiry it is marked expired.
///
/// Woken only for this challenge ([`crate::channel::connected::ConnectedDevices::on_finished`]):
/// the waiter is registered before the row is read, so a finish committed after the read
/// wakes it; one committed before is in the row. The timer is the fallback for events
/// missed during a listener reconnect, and for the deadline.
async fn wait(state: &AppState, id: &str, deadline: u64) -> Result<ChallengeRow, Error> {
    loop {
        let finished = state.connected.on_finished(id);
        let row = expire_if_due(state, reload(state, id).await?).await?;
        if row.state != ChallengeState::Pending || state.now() >= deadline {
            return Ok(row);
        }
        let _ = tokio::time::timeout(POLL_FALLBACK, finished).await;
    }
}

/// How often a waiting relying party re-reads its challenge when no wake-up came.
const POLL_FALLBACK: Duration = Duration::from_millis(500);

async fn expire_if_due(state: &AppState, row: ChallengeRow) -> Result<ChallengeRow, Error> {
    if row.state == ChallengeState::Pending && row.expires_at <= state.now() {
        finalize(state, &row, ChallengeState::Expired, Reason::Expired, None).await?;
        return reload(state, &row.id).await;
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
            let Ok(ids) = challenges::expired_pending(state.store.pool(), state.now()).await else {
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
    let (result, reason) = row.outcome();
    let mut response = AuthResponse::new(result, reason);
    response.txid = Some(row.id.clone());
    response.number = row.number.clone();
    response
}

/// The application id of a push a RADIUS client asked for: `radius:<client name>`.
pub const RADIUS_APPLICATION_PREFIX: &str = "radius:";

/// pending → `new_state` with its audit record, in one transaction (the store's write path:
/// on SQLite the group-commit writer, so concurrent answers never wait in SQLite's busy
/// handler); then, once committed, tells every node. False when someone else finished it
/// first.
async fn finalize(
    state: &AppState,
    row: &ChallengeRow,
    new_state: ChallengeState,
    reason: Reason,
    device_id: Option<&str>,
) -> Result<bool, Error> {
    let user = store_users::by_id(state.store.pool(), &row.user_id).await?;
    let (state_w, row_w, device_w) = (state.clone(), row.clone(), device_id.map(str::to_owned));
    let origin = audit::Origin::capture();
    let finished = state
        .store
        .write(move |conn| {
            Box::pin(origin.scope(async move {
                let device_id = device_w.as_deref();
                finish_in(
                    &state_w,
                    conn,
                    &row_w,
                    user.as_ref(),
                    new_state,
                    reason,
                    device_id,
                )
                .await
            }))
        })
        .await?;
    if !finished {
        return Ok(false);
    }
    let (result, _) = new_state.outcome(Some(reason));
    outcome::count(state, Factor::Push, result, reason);
    events::publish(
        state,
        Event::Finished {
            id: row.id.clone(),
            user_id: row.user_id.clone(),
            reason,
        },
    )
    .await?;
    Ok(true)
}

/// [`finalize`]'s writes on `conn`: the compare-and-set, then (only when it won) the audit
/// record and a fraud report's consequences.
async fn finish_in(
    state: &AppState,
    conn: &mut AnyConnection,
    row: &ChallengeRow,
    user: Option<&User>,
    new_state: ChallengeState,
    reason: Reason,
    device_id: Option<&str>,
) -> Result<bool, Error> {
    if !challenges::finish(
        &mut *conn,
        &row.id,
        new_state,
        reason,
        device_id,
        state.now(),
    )
    .await?
    {
        return Ok(false);
    }
    let Some(user) = user else {
        return Ok(true);
    };
    let (result, _) = new_state.outcome(Some(reason));
    let context = AuthContext {
        application: Some(row.application.clone()),
        client_ip: Some(row.client_ip.clone()).filter(|ip| !ip.is_empty()),
        location: None,
        user_agent: None,
    };
    let mut record = outcome::audit_record(
        state,
        user,
        &context,
        result,
        reason,
        Factor::Push,
        device_id,
    )?;
    // The answer comes on the device's connection, not in the RADIUS request's task, so the
    // request's source detail is not in scope here: the challenge's application says which
    // RADIUS client asked (its NAS and station are in the push's own record).
    if let Some(client) = row.application_id.strip_prefix(RADIUS_APPLICATION_PREFIX) {
        record
            .detail
            .get_or_insert_with(|| format!("mode=radius client={client}"));
    }
    store_audit::insert(&mut *conn, &record).await?;
    if reason == Reason::FraudReported {
        report_fraud(state, conn, user, row, device_id).await?;
    }
    Ok(true)
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
    match row.state {
        ChallengeState::Pending => {}
        ChallengeState::Expired => return Ok(AnswerOutcome::Expired),
        ChallengeState::Cancelled => return Ok(AnswerOutcome::Cancelled),
        ChallengeState::Approved | ChallengeState::Denied => {
            return Ok(AnswerOutcome::AnsweredElsewhere)
        }
    }
    let (new_state, reason, outcome) = match (approve, &row.number) {
        (false, _) if report => (
            ChallengeState::Denied,
            Reason::FraudReported,
            AnswerOutcome::Accepted,
        ),
        (false, _) => (
            ChallengeState::Denied,
            Reason::Denied,
            AnswerOutcome::Accepted,
        ),
        (true, Some(expected)) if !subtle_eq(expected, typed) => (
            ChallengeState::Denied,
            Reason::WrongNumber,
            AnswerOutcome::WrongNumber,
        ),
        (true, _) => (
            ChallengeState::Approved,
            Reason::Approved,
            AnswerOutcome::Accepted,
        ),
    };
    if finalize(state, &row, new_state, reason, Some(&device.id)).await? {
        if reason == Reason::FraudReported {
            // The attacker may have sent more than one: none of them stays approvable.
            cancel_pending_for_user(state, &row.user_id).await?;
        }
        return Ok(outcome);
    }
    if reload(state, &row.id).await?.state == ChallengeState::Pending {
        // Still pending, so the compare-and-set refused the device itself: revoked (or
        // reactivated away) since it connected.
        refuse_inactive_device(state, device, &row).await?;
        return Ok(AnswerOutcome::Refused);
    }
    Ok(AnswerOutcome::AnsweredElsewhere)
}

/// Audits an answer from a device that is no longer active on the current epoch (a lost
/// phone that stayed online after its revocation).
async fn refuse_inactive_device(
    state: &AppState,
    device: &Device,
    row: &ChallengeRow,
) -> Result<(), Error> {
    tracing::warn!(device_id = %device.id, challenge_id = %row.id, "refused an answer from a device that is no longer active");
    let user = store_users::by_id(state.store.pool(), &row.user_id).await?;
    let record = audit::record(
        state,
        &AuditEvent {
            user: user.as_ref(),
            device_id: Some(&device.id),
            factor: Some(Factor::Push.as_str()),
            reason: Some("device_not_active"),
            client_ip: Some(row.client_ip.as_str()).filter(|ip| !ip.is_empty()),
            application: Some(&row.application),
            ..AuditEvent::new("alert", "answer_refused")
        },
    )?;
    store_audit::insert(state.store.pool(), &record).await
}

fn subtle_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Cancels every challenge still waiting for the user (their devices were revoked, or they
/// reported one as fraud); each cancellation is audited.
pub async fn cancel_pending_for_user(state: &AppState, user_id: &str) -> Result<usize, Error> {
    let mut cancelled = 0;
    for row in challenges::pending_for_user(state.store.pool(), user_id, state.now()).await? {
        if finalize(
            state,
            &row,
            ChallengeState::Cancelled,
            Reason::Cancelled,
            None,
        )
        .await?
        {
            cancelled += 1;
        }
    }
    Ok(cancelled)
}
