//! Import from other apps' exports, and the encrypted backup.

use std::path::PathBuf;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tauri::State;
use twofold_authenticator::importers::detect;
use twofold_authenticator::{AddReport, ImportFormat};
use zeroize::Zeroizing;

use crate::{AppState, CommandError};

#[derive(Debug, Serialize)]
pub struct FormatInfo {
    pub name: &'static str,
    pub description: &'static str,
}

#[tauri::command]
pub async fn import_formats() -> Result<Vec<FormatInfo>, CommandError> {
    Ok(ImportFormat::ALL
        .iter()
        .map(|f| FormatInfo {
            name: f.name(),
            description: f.describe(),
        })
        .collect())
}

#[derive(Deserialize)]
pub struct ImportRequest {
    /// A format's name (`aegis`, `2fas`, ...) or `auto` to recognise it.
    pub format: String,
    /// The file, base64.
    pub data: String,
    /// For encrypted exports; blank for none.
    #[serde(default)]
    pub password: Zeroizing<String>,
}

/// Imports a file the user picked; the report says entry by entry what was added or skipped.
#[tauri::command]
pub async fn import_file(
    state: State<'_, AppState>,
    request: ImportRequest,
) -> Result<AddReport, CommandError> {
    let bytes = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(request.data.as_bytes())
            .map_err(|_| CommandError::new("app.bad_request", "the file did not arrive intact"))?,
    );
    let format = if request.format == "auto" {
        detect(&bytes).ok_or_else(|| {
            CommandError::new(
                "import.unknown_format",
                "this file is not an export this app recognises; choose its format",
            )
        })?
    } else {
        ImportFormat::parse(&request.format).ok_or_else(|| {
            CommandError::new(
                "import.unknown_format",
                format!("unknown format {:?}", request.format),
            )
        })?
    };
    let password = Some(request.password.as_str()).filter(|p| !p.is_empty());
    let now = state.now();
    Ok(state.engine()?.import(format, &bytes, password, now)?)
}

/// Writes an encrypted backup of every account to `path` (chosen in the save dialog).
/// Import it again with the format `twofold` and the same password.
#[tauri::command]
pub async fn export_backup(
    state: State<'_, AppState>,
    path: PathBuf,
    password: Zeroizing<String>,
) -> Result<(), CommandError> {
    let bytes = state.engine()?.export_backup(&password)?;
    std::fs::write(&path, bytes).map_err(|e| {
        CommandError::new(
            "io",
            format!("cannot write the backup to {}: {e}", path.display()),
        )
    })
}
