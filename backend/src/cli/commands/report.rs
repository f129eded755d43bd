//! `twofold-server report usage`: figures for billing, per application and per period.

use twofold_core::proto::admin::{Bucket, UsageReport};

use crate::cli::args::ReportCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, table};
use crate::cli::time;

/// `now` (unix seconds) resolves relative times such as `--since 7d`.
pub async fn run(client: &AdminClient, command: ReportCommand, now: i64) -> Result<(), CliError> {
    let ReportCommand::Usage {
        since,
        until,
        period,
        json: as_json,
    } = command;
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
    table(
        &["APPLICATION", "AUTHENTICATIONS", "ALLOWED", "DENIED"],
        &bucket_rows(&r.by_application, |key| key.to_owned()),
    );
    println!();
    // Period keys are unix seconds; shown as dates.
    table(
        &["PERIOD START", "AUTHENTICATIONS", "ALLOWED", "DENIED"],
        &bucket_rows(&r.by_period, |key| {
            key.parse::<i64>()
                .map(time::format)
                .unwrap_or_else(|_| key.to_owned())
        }),
    );
    Ok(())
}

fn bucket_rows(buckets: &[Bucket], key: impl Fn(&str) -> String) -> Vec<Vec<String>> {
    buckets
        .iter()
        .map(|b| {
            vec![
                key(&b.key),
                b.authentications.to_string(),
                b.allowed.to_string(),
                b.denied.to_string(),
            ]
        })
        .collect()
}
