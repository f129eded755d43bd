//! Import from other apps' exports, and the encrypted backup.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tauri::State;
use twofold_authenticator::importers::detect;
use twofold_authenticator::{AddReport, Existing, ExportError, ExportFormat, ImportFormat};
use zeroize::Zeroizing;

use crate::save_dialog::{SaveDialog, SaveRequest};
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

/// What to export: `format` is `twofold` (the encrypted backup) or `aegis` (an Aegis vault,
/// encrypted when `encrypt` is set, otherwise every secret in plain text).
#[derive(Deserialize)]
pub struct ExportRequest {
    pub format: String,
    #[serde(default)]
    pub encrypt: bool,
    /// The export's own password (not the vault's); unused for a plain Aegis vault.
    #[serde(default)]
    pub password: Zeroizing<String>,
}

/// What an export needs, checked before the dialog opens.
enum Plan {
    Twofold,
    Aegis { encrypt: bool },
}

impl Plan {
    fn of(request: &ExportRequest) -> Result<Self, CommandError> {
        let plan = match ExportFormat::parse(&request.format) {
            Some(ExportFormat::Twofold) => Plan::Twofold,
            Some(ExportFormat::Aegis) => Plan::Aegis {
                encrypt: request.encrypt,
            },
            None => {
                return Err(CommandError::new(
                    "export.unknown_format",
                    format!(
                        "unknown export format {:?}; use twofold or aegis",
                        request.format
                    ),
                ))
            }
        };
        let needs_password = !matches!(plan, Plan::Aegis { encrypt: false });
        if needs_password && request.password.is_empty() {
            return Err(ExportError::EmptyPassword.into());
        }
        Ok(plan)
    }

    fn dialog(&self) -> SaveRequest {
        match self {
            Plan::Twofold => SaveRequest {
                title: "Save the encrypted backup",
                file_name: "twofold-backup.twofold".into(),
                filter_name: "Twofold backup",
                extensions: &["twofold"],
            },
            Plan::Aegis { encrypt } => SaveRequest {
                title: if *encrypt {
                    "Save the encrypted Aegis export"
                } else {
                    "Save the UNENCRYPTED Aegis export"
                },
                file_name: if *encrypt {
                    "aegis-export.json"
                } else {
                    "aegis-export-plain.json"
                }
                .into(),
                filter_name: "Aegis vault",
                extensions: &["json"],
            },
        }
    }
}

/// Exports every account to the file the user chooses in the system's save dialog, opened
/// here on the Rust side: the webview gives no path (issue 13, item 19). The file is written
/// by the engine's export writer, as the CLI's: 0600, atomically, never through a symbolic
/// link. Answers the path written, or `None` when the dialog was cancelled (nothing written).
#[tauri::command]
pub async fn export_backup(
    state: State<'_, AppState>,
    dialog: State<'_, SaveDialog>,
    request: ExportRequest,
) -> Result<Option<String>, CommandError> {
    let plan = Plan::of(&request)?;
    // The engine is not held while the dialog is open: push answers and codes go on.
    let Some(path) = dialog.ask(plan.dialog()).await? else {
        return Ok(None);
    };
    let mut engine = state.engine()?;
    let bytes = match plan {
        Plan::Twofold => Zeroizing::new(engine.export_backup(&request.password)?),
        Plan::Aegis { encrypt } => {
            engine.export_aegis(Some(request.password.as_str()).filter(|_| encrypt))?
        }
    };
    engine.write_export(&path, &bytes, Existing::Replace)?;
    Ok(Some(path.display().to_string()))
}
