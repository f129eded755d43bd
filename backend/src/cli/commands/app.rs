//! `twofold-server app ...`: relying-party applications and their credentials.

use twofold_core::proto::admin::{Application, ApplicationCredentials, NewApplication};

use crate::cli::args::AppCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, table};
use crate::cli::time;

pub async fn run(client: &AdminClient, command: AppCommand) -> Result<(), CliError> {
    match command {
        AppCommand::Add {
            name,
            json: as_json,
        } => {
            let creds: ApplicationCredentials = client
                .post("/v1/admin/applications", &NewApplication { name })
                .await?;
            if as_json {
                return json(&creds);
            }
            println!("Registered {}.", creds.name);
            println!("  application id: {}", creds.id);
            println!("  secret:         {}", creds.secret);
            println!("The secret is shown only now. Relying parties send HTTP Basic id:secret to /v1/preauth and /v1/auth.");
            Ok(())
        }
        AppCommand::List { json: as_json } => {
            let apps: Vec<Application> = client.get("/v1/admin/applications").await?;
            if as_json {
                return json(&apps);
            }
            let rows: Vec<Vec<String>> = apps
                .iter()
                .map(|a| vec![a.id.clone(), a.name.clone(), time::format(a.created_at)])
                .collect();
            table(&["ID", "NAME", "CREATED"], &rows);
            Ok(())
        }
        AppCommand::Delete { id } => {
            client
                .delete(&format!("/v1/admin/applications/{}", segment(&id)))
                .await?;
            println!("Deleted {id}.");
            Ok(())
        }
    }
}
