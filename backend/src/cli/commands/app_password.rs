//! `twofold-server app-password ...`: app passwords for clients that cannot do MFA.

use twofold_core::proto::admin::{AppPassword, IssuedAppPassword, NewAppPassword};

use crate::cli::args::AppPasswordCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, table};
use crate::cli::time;

pub async fn run(client: &AdminClient, command: AppPasswordCommand) -> Result<(), CliError> {
    match command {
        AppPasswordCommand::Create {
            username,
            name,
            json: as_json,
        } => {
            let issued: IssuedAppPassword = client
                .post(
                    &format!("/v1/admin/users/{}/app-passwords", segment(&username)),
                    &NewAppPassword { name },
                )
                .await?;
            if as_json {
                return json(&issued);
            }
            println!("App password {:?} for {}:", issued.name, issued.username);
            println!("  {}", issued.password);
            println!(
                "It is shown only now. Enter it in that client instead of the usual password."
            );
            Ok(())
        }
        AppPasswordCommand::List {
            username,
            json: as_json,
        } => {
            let list: Vec<AppPassword> = client
                .get(&format!(
                    "/v1/admin/users/{}/app-passwords",
                    segment(&username)
                ))
                .await?;
            if as_json {
                return json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        time::format(p.created_at),
                        p.last_used_at
                            .map(time::format)
                            .unwrap_or_else(|| "never".into()),
                    ]
                })
                .collect();
            table(&["NAME", "CREATED", "LAST USED"], &rows);
            Ok(())
        }
        AppPasswordCommand::Delete {
            username,
            name,
            all,
        } => {
            let base = format!("/v1/admin/users/{}/app-passwords", segment(&username));
            match name {
                Some(name) if !all => {
                    client.delete(&format!("{base}/{}", segment(&name))).await?;
                    println!("Deleted app password {name:?} of {username}.");
                }
                _ => {
                    client.delete(&base).await?;
                    println!("Deleted every app password of {username}.");
                }
            }
            Ok(())
        }
    }
}
