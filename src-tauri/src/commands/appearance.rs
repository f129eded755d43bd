//! How accounts look and their order: the icon (one of the app's set, the user's own PNG/SVG,
//! or none to match by issuer), the icon's image for the list, and the custom order.

use serde::Deserialize;
use tauri::State;
use twofold_authenticator::{AccountIcon, IconError};

use crate::{AppState, CommandError};

/// What the icon picker sends. The image is base64 (the page read the file the user chose).
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IconChoice {
    /// Back to the icon matched by issuer.
    None,
    Set {
        slug: String,
    },
    Image {
        mime: String,
        data: String,
    },
}

// The image's bytes are the user's own picture: keep them out of logs.
impl std::fmt::Debug for IconChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IconChoice::None => f.write_str("None"),
            IconChoice::Set { slug } => f.debug_struct("Set").field("slug", slug).finish(),
            IconChoice::Image { mime, data } => f
                .debug_struct("Image")
                .field("mime", mime)
                .field("base64_len", &data.len())
                .finish(),
        }
    }
}

impl TryFrom<IconChoice> for Option<AccountIcon> {
    type Error = IconError;

    fn try_from(choice: IconChoice) -> Result<Self, IconError> {
        match choice {
            IconChoice::None => Ok(None),
            IconChoice::Set { slug } => AccountIcon::set(&slug).map(Some),
            IconChoice::Image { mime, data } => AccountIcon::image_base64(&mime, &data).map(Some),
        }
    }
}

impl From<IconError> for CommandError {
    fn from(error: IconError) -> Self {
        CommandError::new(error.kind(), error.to_string())
    }
}

#[tauri::command]
pub async fn set_icon(
    state: State<'_, AppState>,
    id: String,
    icon: IconChoice,
) -> Result<(), CommandError> {
    let icon = Option::<AccountIcon>::try_from(icon)?;
    Ok(state.engine()?.set_icon(&id, icon)?)
}

/// The account's image icon as a `data:` URI (shown only through `<img>`), or null.
#[tauri::command]
pub async fn account_icon(
    state: State<'_, AppState>,
    id: String,
) -> Result<Option<String>, CommandError> {
    Ok(state.engine()?.icon_data_uri(&id)?)
}

/// Moves an account to place `to` (from 0) of the custom order.
#[tauri::command]
pub async fn move_account(
    state: State<'_, AppState>,
    id: String,
    to: usize,
) -> Result<(), CommandError> {
    Ok(state.engine()?.move_account(&id, to)?)
}
