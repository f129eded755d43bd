//! The user's devices on the Security verification page, and Remove (through the admin API's
//! revoke, [`crate::auth::devices::revoke`]: sockets closed on every node, pending pushes
//! cancelled, audited as `device_revoked` with admin id [`ACTOR`]).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use super::error::PortalResult;
use super::home::Nothing;
use super::session::{Posted, Session};
use crate::auth::admin::Admin;
use crate::state::AppState;
use crate::store::devices::{self, Device, DeviceState};
use crate::web::error::WebError;
use crate::web::layout::{csrf_field, encode};

/// The admin id of a change a user made to their own account in the portal: the audit
/// record names the user; this says nobody else did it.
pub const ACTOR: &str = "portal";

pub fn actor() -> Admin {
    Admin {
        id: ACTOR.to_owned(),
    }
}

/// `unix` as `YYYY-MM-DD HH:MM UTC`.
pub fn when(unix: u64) -> String {
    crate::cli::time::format(i64::try_from(unix).unwrap_or(i64::MAX))
}

/// The user's active devices, activated under the current epoch or not.
pub async fn active(state: &AppState, user_id: &str) -> Result<Vec<Device>, crate::error::Error> {
    let mut list = devices::for_user(state.store.pool(), user_id).await?;
    list.retain(|d| d.status == DeviceState::Active);
    Ok(list)
}

/// The devices table with a Remove button per device.
pub fn table(list: &[Device], epoch: u64, csrf: &str) -> Markup {
    html! {
        @if list.is_empty() {
            p id="no-devices" { "You have no device yet. Press Configure to add your phone." }
        } @else {
            div class="table-wrap" {
                table id="devices" {
                    caption { "Your devices" }
                    thead { tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Platform" }
                        th scope="col" { "Activated" }
                        th scope="col" { "Last used" }
                        th scope="col" { "Remove" }
                    } }
                    tbody {
                        @for d in list {
                            tr {
                                td { (d.name) @if d.is_stale(epoch) { " " strong { "(needs configuring again)" } } }
                                td { (d.platform) }
                                td { (when(d.created_at)) }
                                td { (d.last_seen_at.map(when).unwrap_or_else(|| "never".to_owned())) }
                                td {
                                    form method="post" action={"/portal/devices/" (encode(&d.id)) "/remove"} {
                                        (csrf_field(csrf))
                                        button type="submit" aria-label={"Remove " (d.name)} { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /portal/devices/{id}/remove`: only the user's own active device.
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<Session, Nothing>,
) -> PortalResult<Response> {
    let user = &posted.session.0.user;
    let device = devices::by_id(state.store.pool(), &id)
        .await?
        .filter(|d| d.user_id == user.id && d.status == DeviceState::Active)
        .ok_or_else(|| WebError::NotFound("You have no such device.".to_owned()))?;
    crate::auth::devices::revoke(&state, &actor(), &device).await?;
    Ok(Redirect::to(super::HOME).into_response())
}
