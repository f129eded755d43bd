//! Delivering a challenge to a device: signed for that device by the server key. Used when a
//! device connects (everything still pending) and when a new challenge's event reaches this
//! node (to each of the user's devices connected here).

use twofold_core::proto::b64_encode;
use twofold_core::proto::channel::{Challenge, ServerMessage};

use super::connected::Outbound;
use crate::error::Error;
use crate::state::AppState;
use crate::store::challenges::{ChallengeRow, ChallengeState};
use crate::store::{devices, users};

/// The challenge as `device_id` receives it, signed by the server.
pub async fn signed_message(
    state: &AppState,
    row: &ChallengeRow,
    device_id: &str,
) -> Result<ServerMessage, Error> {
    let user = users::by_id(state.store.pool(), &row.user_id)
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
        created_at: row.created_at,
        expires_at: row.expires_at,
        number_required: row.number.is_some(),
    };
    let signature = b64_encode(&identity.sign(&challenge.signed_bytes())?);
    Ok(ServerMessage::Challenge {
        challenge,
        signature,
    })
}

/// Sends a still-pending challenge to every active device of its user connected here;
/// returns how many devices it was queued for.
pub async fn to_connected_devices(state: &AppState, row: &ChallengeRow) -> Result<usize, Error> {
    if row.state != ChallengeState::Pending {
        return Ok(0);
    }
    let epoch = state.epoch().await;
    let mut queued = 0;
    for device in devices::active_for_user(state.store.pool(), &row.user_id, epoch).await? {
        if state.connected.is_connected(&device.id) {
            let message = signed_message(state, row, &device.id).await?;
            if state.connected.send(&device.id, Outbound::Send(message)) {
                queued += 1;
            }
        }
    }
    Ok(queued)
}
