//! Sign-in requests: the Twofold accounts' connections and answering a request.

use serde::Deserialize;
use tauri::State;
use twofold_authenticator::{Answer, Error};

use crate::push::{PushService, PushStatus};
use crate::{AppState, CommandError};

/// Every Twofold account's connection and the requests waiting for an answer. Events named
/// `push` keep the screens current afterwards.
#[tauri::command]
pub async fn push_status(
    state: State<'_, AppState>,
    push: State<'_, PushService>,
) -> Result<PushStatus, CommandError> {
    let engine = state.engine()?;
    push.status(&engine)
}

/// The user's decision; `report` is "deny and report": this was not me.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Deny,
    Report,
}

/// Sends the answer to a sign-in request. Only with the vault unlocked: whoever finds the
/// machine locked must not approve a sign-in. `Ok` means sent; the verdict comes as an
/// `answer_result` event.
#[tauri::command]
pub async fn answer_push(
    state: State<'_, AppState>,
    push: State<'_, PushService>,
    account_id: String,
    challenge_id: String,
    decision: Decision,
    number: Option<String>,
) -> Result<(), CommandError> {
    if state.engine()?.is_locked() {
        return Err(Error::Locked.into());
    }
    let answer = match decision {
        Decision::Approve => Answer::Approve {
            number: number
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
        },
        Decision::Deny => Answer::Deny { report: false },
        Decision::Report => Answer::Deny { report: true },
    };
    push.answer(&account_id, &challenge_id, answer).await
}
