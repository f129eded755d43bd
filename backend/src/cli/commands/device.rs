//! `twofold-server device ...`: a user's devices, and revoking one.

use twofold_core::proto::admin::Device;

use crate::cli::args::DeviceCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, table};
use crate::cli::time;

pub async fn run(client: &AdminClient, command: DeviceCommand) -> Result<(), CliError> {
    match command {
        DeviceCommand::List {
            username,
            json: as_json,
        } => {
            let devices: Vec<Device> = client
                .get(&format!("/v1/admin/users/{}/devices", segment(&username)))
                .await?;
            if as_json {
                return json(&devices);
            }
            table_of(&devices);
            Ok(())
        }
        DeviceCommand::Revoke { device_id } => {
            client
                .delete(&format!("/v1/admin/devices/{}", segment(&device_id)))
                .await?;
            println!("Revoked {device_id}.");
            Ok(())
        }
    }
}

/// The device table, also printed under `user show`.
pub fn table_of(devices: &[Device]) {
    let rows: Vec<Vec<String>> = devices
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                d.name.clone(),
                d.platform.clone(),
                d.status.clone(),
                d.epoch.to_string(),
                time::format(d.created_at),
                d.last_seen_at.map(time::format).unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "DEVICE",
            "NAME",
            "PLATFORM",
            "STATUS",
            "EPOCH",
            "ACTIVATED",
            "LAST SEEN",
        ],
        &rows,
    );
}
