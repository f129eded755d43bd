//! `twofold-server user bypass` and `user recovery-codes`: one-time codes an administrator
//! hands to a user.

use twofold_core::proto::admin::{IssuedBypass, IssuedRecoveryCodes, NewBypass};

use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::json;
use crate::cli::time;

pub async fn bypass(
    client: &AdminClient,
    username: &str,
    minutes: u32,
    uses: u32,
    as_json: bool,
) -> Result<(), CliError> {
    let issued: IssuedBypass = client
        .post(
            &format!("/v1/admin/users/{}/bypass", segment(username)),
            &NewBypass { minutes, uses },
        )
        .await?;
    if as_json {
        return json(&issued);
    }
    println!("Bypass code for {}: {}", issued.username, issued.code);
    println!(
        "Valid until {} for {} sign-in(s), instead of the second factor.",
        time::format(issued.expires_at),
        issued.uses
    );
    Ok(())
}

pub async fn recovery(client: &AdminClient, username: &str, as_json: bool) -> Result<(), CliError> {
    let issued: IssuedRecoveryCodes = client
        .post(
            &format!("/v1/admin/users/{}/recovery-codes", segment(username)),
            &(),
        )
        .await?;
    if as_json {
        return json(&issued);
    }
    println!(
        "Recovery codes for {} (each works once; earlier ones no longer work):",
        issued.username
    );
    for code in &issued.codes {
        println!("  {code}");
    }
    println!("They are shown only now.");
    Ok(())
}
