//! `twofold-server user import FILE`: adds users from a CSV file, sent in chunks so a large
//! file shows steady progress and stays under the server's body limit.

use indicatif::{ProgressBar, ProgressStyle};
use twofold_core::proto::admin::ImportReport;

use crate::auth::users_csv;
use crate::cli::client::AdminClient;
use crate::cli::error::CliError;
use crate::cli::output::{json, table};

/// Rows per request: small enough for a steady progress bar, large enough to be quick.
pub const IMPORT_CHUNK: usize = 200;

pub async fn run(
    client: &AdminClient,
    file: &std::path::Path,
    as_json: bool,
) -> Result<(), CliError> {
    let text = std::fs::read_to_string(file).map_err(|source| CliError::ReadFile {
        path: file.to_owned(),
        source,
    })?;
    let (header, chunks) = users_csv::chunks(&text, IMPORT_CHUNK)
        .ok_or_else(|| CliError::EmptyFile(file.to_owned()))?;
    let rows: usize = chunks.iter().map(|c| c.rows).sum();
    if rows == 0 {
        return Err(CliError::NoRows(file.to_owned()));
    }
    let bar = if as_json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(rows as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut report = ImportReport::default();
    for chunk in &chunks {
        let body = format!("{header}{}", chunk.text);
        let part: ImportReport = client
            .post_csv(
                &format!("/v1/admin/users/import?first_line={}", chunk.first_line),
                &body,
            )
            .await?;
        report.added += part.added;
        report.refused += part.refused;
        report.rows.extend(part.rows);
        bar.inc(chunk.rows as u64);
    }
    bar.finish_and_clear();
    if as_json {
        json(&report)?;
        return nothing_added(&report);
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
    nothing_added(&report)
}

/// Exit status 1 when every row was refused: the command did nothing of what it was asked.
/// (Rows are added one by one, so a partly refused file did part of it and succeeds.)
fn nothing_added(report: &ImportReport) -> Result<(), CliError> {
    if report.added == 0 && report.refused > 0 {
        return Err(CliError::NothingImported(format!(
            "all {} rows were refused, each with its reason above",
            report.refused
        )));
    }
    Ok(())
}
