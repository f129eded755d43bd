//! Google Authenticator exports: a file with one or more `otpauth-migration://` lines (the
//! text of the export's QR codes). Batches may come in any order; missing ones are reported.

use twofold_core::uri::migration::{MigrationBatch, MigrationSet};

use super::{content_lines, ImportError, ImportReport, Importer};
use crate::account::AccountDraft;

const FORMAT: &str = "Google Authenticator";

pub struct Google;

/// "batch 2 of 3 still missing", "batches 1 and 3 of 3 still missing"; `None` when complete.
pub fn missing_batches_message(set: &MigrationSet) -> Option<String> {
    let missing: Vec<String> = set.missing().iter().map(|i| (i + 1).to_string()).collect();
    let size = set.batch_size();
    match missing.as_slice() {
        [] => None,
        [one] => Some(format!(
            "batch {one} of {size} still missing: scan that QR code too"
        )),
        [rest @ .., last] => Some(format!(
            "batches {} and {last} of {size} still missing: scan those QR codes too",
            rest.join(", ")
        )),
    }
}

/// Adds one migration line to `set`, or notes in `report` why it cannot be used.
pub(crate) fn add_line(
    set: &mut MigrationSet,
    line_no: usize,
    line: &str,
    report: &mut ImportReport,
) {
    let result = MigrationBatch::from_uri(line).and_then(|batch| set.add(batch));
    if let Err(e) = result {
        report.skip(format!("line {line_no}"), e.to_string());
    }
}

/// Moves what `set` holds into `report`.
pub(crate) fn finish(set: &MigrationSet, report: &mut ImportReport) {
    report
        .accounts
        .extend(set.accounts().cloned().map(AccountDraft::new));
    for (batch, entry) in set.skipped() {
        let name = if entry.name.is_empty() {
            format!("entry {}", entry.position + 1)
        } else {
            entry.name.clone()
        };
        report.skip(
            format!("{name} (batch {} of {})", batch + 1, set.batch_size()),
            entry.reason.clone(),
        );
    }
    if let Some(note) = missing_batches_message(set) {
        report.notes.push(note);
    }
}

impl Importer for Google {
    fn import(&self, bytes: &[u8], _password: Option<&str>) -> Result<ImportReport, ImportError> {
        let text =
            std::str::from_utf8(bytes).map_err(|_| ImportError::wrong_format(FORMAT, bytes))?;
        let mut report = ImportReport::default();
        let mut set = MigrationSet::new();
        let mut seen = false;
        for (line_no, line) in content_lines(text) {
            if line
                .to_ascii_lowercase()
                .starts_with("otpauth-migration://")
            {
                seen = true;
                add_line(&mut set, line_no, line, &mut report);
            } else {
                report.skip(format!("line {line_no}"), "not an otpauth-migration:// URI");
            }
        }
        if !seen {
            return Err(ImportError::wrong_format(FORMAT, bytes));
        }
        finish(&set, &mut report);
        Ok(report)
    }
}
