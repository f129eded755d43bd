//! `twofold-server user ...`: add, list, show, update, reset and delete users.

use twofold_core::proto::admin::{NewUser, ResetReport, User, UserDetail, UserPatch};

use super::{codes, confirm, device, user_import};
use crate::cli::args::{UserCommand, UserFields};
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, opt, table};

const USER_HEADER: &[&str] = &[
    "USERNAME", "NAME", "EMAIL", "PHONE", "MFA", "DEFAULT", "STATE",
];

pub async fn run(client: &AdminClient, command: UserCommand) -> Result<(), CliError> {
    match command {
        UserCommand::Add {
            username,
            fields,
            json: as_json,
        } => {
            let new = NewUser {
                username,
                first_name: fields.first_name,
                last_name: fields.last_name,
                email: fields.email,
                phone: fields.phone,
                mfa_state: fields.mfa_state,
            };
            let user: User = client.post("/v1/admin/users", &new).await?;
            if as_json {
                return json(&user);
            }
            println!("Added {} (MFA {}).", user.username, user.mfa_state.as_str());
            println!("Next: twofold-server activation create {}", user.username);
            Ok(())
        }
        UserCommand::Import {
            file,
            json: as_json,
        } => user_import::run(client, &file, as_json).await,
        UserCommand::List { json: as_json } => {
            let users: Vec<User> = client.get("/v1/admin/users").await?;
            if as_json {
                return json(&users);
            }
            table(USER_HEADER, &rows(&users));
            Ok(())
        }
        UserCommand::Show {
            username,
            json: as_json,
        } => {
            let detail: UserDetail = client
                .get(&format!("/v1/admin/users/{}", segment(&username)))
                .await?;
            if as_json {
                return json(&detail);
            }
            table(USER_HEADER, &rows(std::slice::from_ref(&detail.user)));
            println!();
            device::table_of(&detail.devices);
            Ok(())
        }
        UserCommand::Update {
            username,
            fields,
            block,
            unblock,
            unlock,
            default_method,
            clear_default_method,
            json: as_json,
        } => {
            let patch = UserPatch {
                unlock,
                default_method,
                clear_default_method,
                ..patch_from(fields, block, unblock)
            };
            let user: User = client
                .patch(&format!("/v1/admin/users/{}", segment(&username)), &patch)
                .await?;
            if as_json {
                return json(&user);
            }
            table(USER_HEADER, &rows(std::slice::from_ref(&user)));
            Ok(())
        }
        UserCommand::Reset {
            username,
            yes,
            json: as_json,
            keep_app_passwords,
        } => reset(client, &username, yes, as_json, keep_app_passwords).await,
        UserCommand::Bypass {
            username,
            minutes,
            uses,
            json: as_json,
        } => codes::bypass(client, &username, minutes, uses, as_json).await,
        UserCommand::RecoveryCodes {
            username,
            json: as_json,
        } => codes::recovery(client, &username, as_json).await,
        UserCommand::Delete { username, yes } => {
            if !yes && !confirm(&format!("Delete {username}, their devices and tokens?"))? {
                return Err(CliError::NotConfirmed("not deleted"));
            }
            client
                .delete(&format!("/v1/admin/users/{}", segment(&username)))
                .await?;
            println!("Deleted {username}.");
            Ok(())
        }
    }
}

async fn reset(
    client: &AdminClient,
    username: &str,
    yes: bool,
    as_json: bool,
    keep_app_passwords: bool,
) -> Result<(), CliError> {
    if !yes
        && !confirm(&format!(
            "Revoke all devices of {username}{} and require them to register again?",
            if keep_app_passwords {
                ""
            } else {
                ", delete their app passwords,"
            }
        ))?
    {
        return Err(CliError::NotConfirmed("not reset"));
    }
    let report: ResetReport = client
        .post(
            &format!(
                "/v1/admin/users/{}/reset?keep_app_passwords={keep_app_passwords}",
                segment(username)
            ),
            &(),
        )
        .await?;
    if as_json {
        return json(&report);
    }
    println!(
        "Reset {}: {} device(s) revoked, {} waiting request(s) cancelled. They must register again:",
        report.username,
        report.revoked_devices.len(),
        report.cancelled_requests
    );
    println!("  twofold-server activation create {}", report.username);
    if !keep_app_passwords {
        println!("Their app passwords were deleted.");
    }
    Ok(())
}

fn rows(users: &[User]) -> Vec<Vec<String>> {
    users
        .iter()
        .map(|u| {
            let name = [u.first_name.clone(), u.last_name.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let mut flags = Vec::new();
            if u.blocked {
                flags.push("blocked");
            }
            if u.needs_registration {
                flags.push("must register");
            }
            vec![
                u.username.clone(),
                name,
                opt(&u.email),
                opt(&u.phone),
                u.mfa_state.as_str().to_owned(),
                u.default_method
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
                flags.join(", "),
            ]
        })
        .collect()
}

fn patch_from(fields: UserFields, block: bool, unblock: bool) -> UserPatch {
    UserPatch {
        first_name: fields.first_name,
        last_name: fields.last_name,
        email: fields.email,
        phone: fields.phone,
        mfa_state: fields.mfa_state,
        blocked: if block {
            Some(true)
        } else if unblock {
            Some(false)
        } else {
            None
        },
        unlock: false,
        default_method: None,
        clear_default_method: false,
    }
}
