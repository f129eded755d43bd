//! `twofold-server portal link NAME`: a single-use, expiring sign-in link to the users'
//! self-service portal, printed once (the server keeps only a keyed hash of it).

use twofold_core::proto::admin::{NewPortalLink, PortalLink};

use crate::cli::args::PortalCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::json;
use crate::cli::time;

pub async fn run(client: &AdminClient, command: PortalCommand) -> Result<(), CliError> {
    match command {
        PortalCommand::Link {
            username,
            minutes,
            json: as_json,
        } => {
            let path = format!("/v1/admin/users/{}/portal-link", segment(&username));
            let body = NewPortalLink {
                minutes: Some(minutes),
            };
            let link: PortalLink = client.post(&path, &body).await?;
            if as_json {
                return json(&link);
            }
            println!(
                "Portal sign-in link for {} (works once, until {}):",
                link.username,
                time::format(i64::try_from(link.expires_at).unwrap_or(i64::MAX))
            );
            println!("  {}", link.url);
            Ok(())
        }
    }
}
