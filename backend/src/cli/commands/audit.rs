//! `twofold-server audit`: the audit log, filtered, as a table, JSON or CSV.

use twofold_core::proto::admin::AuditRecord;

use crate::cli::args::AuditArgs;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, opt, table};
use crate::cli::time;

/// `now` (unix seconds) resolves relative times such as `--since 24h`.
pub async fn run(client: &AdminClient, args: AuditArgs, now: i64) -> Result<(), CliError> {
    let mut query = vec![format!("limit={}", args.limit)];
    let mut push = |key: &str, value: Option<String>| {
        if let Some(v) = value {
            query.push(format!("{key}={}", segment(&v)));
        }
    };
    push("username", args.user);
    push("result", args.result);
    push("event", args.event);
    push("admin_id", args.admin);
    let when = |text: Option<String>| -> Result<Option<String>, CliError> {
        Ok(text
            .map(|t| time::parse(&t, now))
            .transpose()?
            .map(|t| t.to_string()))
    };
    push("since", when(args.since)?);
    push("until", when(args.until)?);
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
                opt(&r.admin_id),
                opt(&r.detail),
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
            "ADMIN",
            "DETAIL",
        ],
        &rows,
    );
    Ok(())
}
