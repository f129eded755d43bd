//! The account list: codes, HOTP next, edit, favourite, remove, copy.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use twofold_authenticator::{AccountEdit, AccountView, TimeCode};
use zeroize::Zeroizing;

use crate::push::PushService;
use crate::{AppState, CommandError};

/// Every account's codes at one instant. `now` lets the UI count down without asking again
/// until the first code changes; while `revision` stays the same, only the codes changed, so
/// the UI skips comparing the accounts (1,000 of them cost a refresh most of its time).
#[derive(Debug, Serialize)]
pub struct Codes {
    pub now: u64,
    pub revision: u64,
    pub accounts: Vec<AccountView>,
}

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<Codes, CommandError> {
    let now = state.now();
    let engine = state.engine()?;
    Ok(Codes {
        now,
        revision: engine.revision(),
        accounts: engine.accounts(now)?,
    })
}

/// The time-based accounts' codes at one instant, and nothing else: what the list's refresh
/// at each time step asks for (`twofold_authenticator::codes`). With 1,000 accounts this is
/// a tenth of [`Codes`]' bytes and none of its per-account fields to build, send and parse.
/// `revision` is read with the codes: when it is not the one the UI's accounts came with,
/// something besides the codes changed (an account added, edited, removed, moved, a HOTP
/// counter, a push state) and the UI fetches [`list_accounts`] instead of using these.
#[derive(Debug, Serialize)]
pub struct TimeCodes {
    pub now: u64,
    pub revision: u64,
    /// In vault order; `[id, code, next_code, seconds_left]` each.
    pub codes: Vec<TimeCode>,
}

#[tauri::command]
pub async fn account_codes(state: State<'_, AppState>) -> Result<TimeCodes, CommandError> {
    let now = state.now();
    let engine = state.engine()?;
    Ok(TimeCodes {
        now,
        revision: engine.revision(),
        codes: engine.time_codes(now)?,
    })
}

/// HOTP: moves to the next counter (saved) and returns the account's new view.
#[tauri::command]
pub async fn next_code(
    state: State<'_, AppState>,
    id: String,
) -> Result<AccountView, CommandError> {
    let now = state.now();
    Ok(state.engine()?.next_code(&id, now)?)
}

/// The edit form's fields; the UI sends all of them. Blank optional fields are cleared.
#[derive(Debug, Deserialize)]
pub struct EditFields {
    pub issuer: String,
    pub name: String,
    pub group: String,
    pub note: String,
    pub favourite: bool,
}

fn optional(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

impl From<EditFields> for AccountEdit {
    fn from(fields: EditFields) -> Self {
        AccountEdit {
            issuer: Some(optional(fields.issuer)),
            name: Some(fields.name.trim().to_owned()),
            group: Some(optional(fields.group)),
            note: Some(optional(fields.note)),
            favourite: Some(fields.favourite),
        }
    }
}

#[tauri::command]
pub async fn edit_account(
    state: State<'_, AppState>,
    id: String,
    fields: EditFields,
) -> Result<(), CommandError> {
    if fields.name.trim().is_empty() {
        return Err(CommandError::new(
            "account.name_required",
            "an account needs a name",
        ));
    }
    Ok(state.engine()?.edit(&id, fields.into())?)
}

#[tauri::command]
pub async fn set_favourite(
    state: State<'_, AppState>,
    id: String,
    favourite: bool,
) -> Result<(), CommandError> {
    let edit = AccountEdit {
        favourite: Some(favourite),
        ..AccountEdit::default()
    };
    Ok(state.engine()?.edit(&id, edit)?)
}

/// Removes an account; returns its label. The UI asks for confirmation first. A Twofold
/// account's push client stops with it.
#[tauri::command]
pub async fn remove_account(
    state: State<'_, AppState>,
    push: State<'_, PushService>,
    id: String,
) -> Result<String, CommandError> {
    let mut engine = state.engine()?;
    let label = engine.remove(&id)?;
    push.sync(&mut engine)?;
    Ok(label)
}

/// Copies an account's current code to the clipboard and clears the clipboard after
/// `clear_after_secs` (0: never) unless something else was copied meanwhile. Returns the code
/// copied, so the UI can say which.
#[tauri::command]
pub async fn copy_code<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    clear_after_secs: u64,
) -> Result<String, CommandError> {
    let now = state.now();
    let code = {
        let mut engine = state.engine()?;
        let code = Zeroizing::new(engine.account(&id, now)?.code);
        engine.mark_used(&id, now)?;
        code
    };
    app.clipboard()
        .write_text(code.as_str())
        .map_err(|e| CommandError::new("app.clipboard", e.to_string()))?;
    if clear_after_secs > 0 {
        let copied = code.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(clear_after_secs));
            let still_ours = app
                .clipboard()
                .read_text()
                .is_ok_and(|text| text.as_str() == copied.as_str());
            if still_ours {
                let _ = app.clipboard().clear();
            }
        });
    }
    Ok(code.to_string())
}
