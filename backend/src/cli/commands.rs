//! What each admin command does: one request (or a few), then a table or JSON.

use std::io::{BufRead, Write};

use base64::Engine;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{
    ActivationCommand, AppCommand, AuditArgs, Command, Connection, DeviceCommand, MethodCommand,
    ReportCommand, ServerCommand, UserCommand, UserFields,
};
use super::client::{segment, AdminClient};
use super::output::{json, opt, table};
use super::time;
use crate::api::admin::{DeviceView, UserDetail};
use crate::auth::activation::IssuedActivation;
use crate::auth::applications::{ApplicationCredentials, NewApplication};
use crate::auth::methods::MethodState;
use crate::auth::registration::{Reactivation, ResetReport};
use crate::auth::users::{ImportReport, NewUser, UserPatch};
use crate::config::Config;
use crate::store::applications::Application;
use crate::store::audit::AuditRecord;
use crate::store::reports::UsageReport;
use crate::store::users::User;

pub async fn run(conn: &Connection, config: &Config, command: Command) -> Result<(), String> {
    let client = AdminClient::new(conn, config)?;
    match command {
        Command::Serve => Ok(()),
        Command::User(c) => user(&client, c).await,
        Command::Activation(c) => activation(&client, c).await,
        Command::Device(c) => device(&client, c).await,
        Command::App(c) => app(&client, c).await,
        Command::Audit(a) => audit(&client, a).await,
        Command::Report(c) => report(&client, c).await,
        Command::Method(c) => method(&client, c).await,
        Command::Server(ServerCommand::Reactivate { yes }) => {
            if !yes && !confirm("Reactivate the server? Every device must then activate again.")? {
                return Err("not reactivated".into());
            }
            let r: Reactivation = client.post("/v1/admin/server/reactivate", &()).await?;
            println!(
                "Reactivated: activation epoch {}. Every device must activate again",
                r.epoch
            );
            println!("(twofold-server activation create USER); hardware tokens keep working.");
            Ok(())
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn user_rows(users: &[User]) -> Vec<Vec<String>> {
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
                flags.join(", "),
            ]
        })
        .collect()
}

const USER_HEADER: &[&str] = &["USERNAME", "NAME", "EMAIL", "PHONE", "MFA", "STATE"];

async fn user(client: &AdminClient, command: UserCommand) -> Result<(), String> {
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
        } => import(client, &file, as_json).await,
        UserCommand::List { json: as_json } => {
            let users: Vec<User> = client.get("/v1/admin/users").await?;
            if as_json {
                return json(&users);
            }
            table(USER_HEADER, &user_rows(&users));
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
            table(USER_HEADER, &user_rows(std::slice::from_ref(&detail.user)));
            println!();
            device_table(&detail.devices);
            Ok(())
        }
        UserCommand::Update {
            username,
            fields,
            block,
            unblock,
            unlock,
            json: as_json,
        } => {
            let patch = UserPatch {
                unlock,
                ..patch_from(fields, block, unblock)
            };
            let user: User = client
                .patch(&format!("/v1/admin/users/{}", segment(&username)), &patch)
                .await?;
            if as_json {
                return json(&user);
            }
            table(USER_HEADER, &user_rows(std::slice::from_ref(&user)));
            Ok(())
        }
        UserCommand::Reset {
            username,
            yes,
            json: as_json,
        } => {
            if !yes
                && !confirm(&format!(
                    "Revoke all devices of {username} and require them to register again?"
                ))?
            {
                return Err("not reset".into());
            }
            let report: ResetReport = client
                .post(
                    &format!("/v1/admin/users/{}/reset", segment(&username)),
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
            Ok(())
        }
        UserCommand::Delete { username, yes } => {
            if !yes && !confirm(&format!("Delete {username}, their devices and tokens?"))? {
                return Err("not deleted".into());
            }
            client
                .delete(&format!("/v1/admin/users/{}", segment(&username)))
                .await?;
            println!("Deleted {username}.");
            Ok(())
        }
    }
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
    }
}

fn confirm(question: &str) -> Result<bool, String> {
    print!("{question} [y/N] ");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Rows per request: small enough for a steady progress bar, large enough to be quick.
const IMPORT_CHUNK: usize = 200;

async fn import(client: &AdminClient, file: &std::path::Path, as_json: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut lines = text.lines();
    let header = lines
        .next()
        .filter(|h| !h.trim().is_empty())
        .ok_or_else(|| format!("{} is empty", file.display()))?;
    let rows: Vec<&str> = lines.collect();
    let bar = if as_json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(rows.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut report = ImportReport {
        added: 0,
        refused: 0,
        rows: Vec::new(),
    };
    for (index, chunk) in rows.chunks(IMPORT_CHUNK).enumerate() {
        // The header sits just before this chunk's first row in the file's numbering.
        let first_line = 1 + (index * IMPORT_CHUNK) as u64;
        let body = format!("{header}\n{}\n", chunk.join("\n"));
        let part: ImportReport = client
            .post_csv(
                &format!("/v1/admin/users/import?first_line={first_line}"),
                &body,
            )
            .await?;
        report.added += part.added;
        report.refused += part.refused;
        report.rows.extend(part.rows);
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    if as_json {
        return json(&report);
    }
    let refused: Vec<Vec<String>> = report
        .rows
        .iter()
        .filter(|r| r.status != "added")
        .map(|r| {
            vec![
                r.line.to_string(),
                r.username.clone(),
                r.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    println!("Added {} users, refused {}.", report.added, report.refused);
    if !refused.is_empty() {
        println!();
        table(&["LINE", "USERNAME", "WHY REFUSED"], &refused);
    }
    Ok(())
}

async fn activation(client: &AdminClient, command: ActivationCommand) -> Result<(), String> {
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
            .map_err(|e| format!("QR image: {e}"))?;
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if as_json {
        return json(&issued);
    }
    println!(
        "{}",
        crate::qr::terminal(&issued.uri).map_err(|e| e.to_string())?
    );
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

fn device_table(devices: &[DeviceView]) {
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

async fn device(client: &AdminClient, command: DeviceCommand) -> Result<(), String> {
    match command {
        DeviceCommand::List {
            username,
            json: as_json,
        } => {
            let devices: Vec<DeviceView> = client
                .get(&format!("/v1/admin/users/{}/devices", segment(&username)))
                .await?;
            if as_json {
                return json(&devices);
            }
            device_table(&devices);
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

async fn app(client: &AdminClient, command: AppCommand) -> Result<(), String> {
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
                .map(|a| {
                    vec![
                        a.id.clone(),
                        a.name.clone(),
                        time::format(crate::store::columns::to_db(a.created_at)),
                    ]
                })
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

async fn audit(client: &AdminClient, args: AuditArgs) -> Result<(), String> {
    let now = now();
    let mut query = vec![format!("limit={}", args.limit)];
    let mut push = |key: &str, value: Option<String>| {
        if let Some(v) = value {
            query.push(format!("{key}={}", segment(&v)));
        }
    };
    push("username", args.user);
    push("result", args.result);
    push("event", args.event);
    push(
        "since",
        args.since
            .map(|s| time::parse(&s, now))
            .transpose()?
            .map(|t| t.to_string()),
    );
    push(
        "until",
        args.until
            .map(|s| time::parse(&s, now))
            .transpose()?
            .map(|t| t.to_string()),
    );
    if args.csv {
        query.push("format=csv".into());
        print!(
            "{}",
            client
                .get_text(&format!("/v1/admin/audit?{}", query.join("&")))
                .await?
        );
        return Ok(());
    }
    let records: Vec<AuditRecord> = client
        .get(&format!("/v1/admin/audit?{}", query.join("&")))
        .await?;
    if args.json {
        return json(&records);
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                time::format(r.at),
                r.event.clone(),
                opt(&r.username),
                opt(&r.factor),
                r.result.clone(),
                opt(&r.reason),
                opt(&r.application),
                opt(&r.client_ip),
                opt(&r.device_id),
            ]
        })
        .collect();
    table(
        &[
            "TIME",
            "EVENT",
            "USER",
            "FACTOR",
            "RESULT",
            "REASON",
            "APPLICATION",
            "CLIENT IP",
            "DEVICE",
        ],
        &rows,
    );
    Ok(())
}

async fn report(client: &AdminClient, command: ReportCommand) -> Result<(), String> {
    let ReportCommand::Usage {
        since,
        until,
        period,
        json: as_json,
    } = command;
    let now = now();
    let mut query = vec![format!("period={}", segment(&period))];
    if let Some(s) = since {
        query.push(format!("since={}", time::parse(&s, now)?));
    }
    if let Some(u) = until {
        query.push(format!("until={}", time::parse(&u, now)?));
    }
    let r: UsageReport = client
        .get(&format!("/v1/admin/reports/usage?{}", query.join("&")))
        .await?;
    if as_json {
        return json(&r);
    }
    println!(
        "Usage from {} to {}",
        time::format(r.since),
        time::format(r.until)
    );
    println!(
        "  users with MFA:        {} of {}",
        r.users_enabled, r.users_total
    );
    println!("  devices active:        {}", r.devices_active);
    println!(
        "  authentications:       {} ({} allowed, {} denied)",
        r.authentications, r.allowed, r.denied
    );
    println!("  users who signed in:   {}", r.distinct_users);
    println!();
    let app_rows: Vec<Vec<String>> = r
        .by_application
        .iter()
        .map(|b| {
            vec![
                b.key.clone(),
                b.authentications.to_string(),
                b.allowed.to_string(),
                b.denied.to_string(),
            ]
        })
        .collect();
    table(
        &["APPLICATION", "AUTHENTICATIONS", "ALLOWED", "DENIED"],
        &app_rows,
    );
    println!();
    let period_rows: Vec<Vec<String>> = r
        .by_period
        .iter()
        .map(|b| {
            let start = b
                .key
                .parse::<i64>()
                .map(time::format)
                .unwrap_or_else(|_| b.key.clone());
            vec![
                start,
                b.authentications.to_string(),
                b.allowed.to_string(),
                b.denied.to_string(),
            ]
        })
        .collect();
    table(
        &["PERIOD START", "AUTHENTICATIONS", "ALLOWED", "DENIED"],
        &period_rows,
    );
    Ok(())
}

async fn method(client: &AdminClient, command: MethodCommand) -> Result<(), String> {
    let states: Vec<MethodState> = match command {
        MethodCommand::List { json: true } => {
            return json(&client.get::<Vec<MethodState>>("/v1/admin/methods").await?)
        }
        MethodCommand::List { json: false } => client.get("/v1/admin/methods").await?,
        MethodCommand::Enable { method } => {
            client
                .put(
                    &format!("/v1/admin/methods/{}", segment(&method)),
                    &serde_json::json!({"enabled": true}),
                )
                .await?
        }
        MethodCommand::Disable { method } => {
            client
                .put(
                    &format!("/v1/admin/methods/{}", segment(&method)),
                    &serde_json::json!({"enabled": false}),
                )
                .await?
        }
    };
    let rows: Vec<Vec<String>> = states
        .iter()
        .map(|m| {
            vec![
                m.method.as_str().to_owned(),
                if m.enabled { "enabled" } else { "disabled" }.to_owned(),
            ]
        })
        .collect();
    table(&["METHOD", "STATE"], &rows);
    Ok(())
}
