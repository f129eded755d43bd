//! `twofold-server activation create USER`: a single-use activation code, shown as a QR code
//! in the terminal (and optionally saved as a PNG).

use base64::Engine;
use twofold_core::proto::admin::IssuedActivation;

use crate::cli::args::ActivationCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::json;
use crate::cli::time;

pub async fn run(client: &AdminClient, command: ActivationCommand) -> Result<(), CliError> {
    let ActivationCommand::Create {
        username,
        png,
        json: as_json,
    } = command;
    let issued: IssuedActivation = client
        .post(
            &format!("/v1/admin/users/{}/activation", segment(&username)),
            &(),
        )
        .await?;
    if let Some(path) = &png {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&issued.qr_png_base64)
            .map_err(CliError::QrImage)?;
        std::fs::write(path, bytes).map_err(|source| CliError::WriteFile {
            path: path.clone(),
            source,
        })?;
    }
    if as_json {
        return json(&issued);
    }
    println!("{}", crate::qr::terminal(&issued.uri)?);
    println!(
        "Activation for {}: scan the QR code with the Twofold app, or enter",
        issued.username
    );
    println!("  server: {}", issued.server_url);
    println!("  code:   {}", issued.code);
    println!(
        "Valid until {} (single use; a new code voids this one).",
        time::format(issued.expires_at)
    );
    if let Some(path) = png {
        println!("QR code saved to {}.", path.display());
    }
    Ok(())
}
