//! Adding accounts: from drafts, `otpauth://` URIs, QR code images (Google Authenticator's
//! multi-code exports included) and other apps' exports. Duplicates are skipped and reported.

use serde::Serialize;
use twofold_core::uri::migration::{MigrationBatch, MigrationSet};
use twofold_core::OtpAccount;

use super::{new_id, Engine};
use crate::account::{Account, AccountDraft};
use crate::error::Error;
use crate::importers::{self, ImportFormat, ImportReport, Skipped};

/// An account that was added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Added {
    pub id: String,
    pub label: String,
}

/// What an add, scan or import did, entry by entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AddReport {
    pub added: Vec<Added>,
    pub skipped: Vec<Skipped>,
    /// Things to tell the user, e.g. "batch 2 of 3 still missing: scan that QR code too".
    pub notes: Vec<String>,
    /// How many of `skipped` were skipped because their secret is already in the vault: asked
    /// for and present, so an add of nothing but these did what was asked (see
    /// [`AddReport::did_nothing`]).
    #[serde(skip)]
    pub already_present: usize,
}

impl AddReport {
    /// True when no entry asked for is in the vault afterwards: nothing was added and no
    /// skipped entry's secret was already there (every entry was unreadable or unsupported,
    /// or there were none). A CLI exits non-zero then.
    pub fn did_nothing(&self) -> bool {
        self.added.is_empty() && self.already_present == 0
    }
}

impl Engine {
    /// Adds accounts, skipping any already in the vault (same secret, issuer and name, or
    /// the same secret under another label). One save for all of them.
    pub fn add_drafts(&mut self, drafts: Vec<AccountDraft>, now: u64) -> Result<AddReport, Error> {
        let mut report = AddReport::default();
        if drafts.is_empty() {
            return Ok(report);
        }
        self.change(|content| {
            for draft in drafts {
                let label = draft.label();
                if let Some(existing) = content
                    .accounts
                    .iter()
                    .find(|a| a.secret == draft.otp.secret)
                {
                    report.already_present += 1;
                    let reason =
                        if existing.issuer == draft.otp.issuer && existing.name == draft.otp.name {
                            format!("already in the vault (id {})", existing.id)
                        } else {
                            format!(
                                "same secret as {} (id {}) already in the vault",
                                existing.label(),
                                existing.id
                            )
                        };
                    report.skipped.push(Skipped {
                        entry: label,
                        reason,
                    });
                    continue;
                }
                let id = new_id(&content.accounts)?;
                content
                    .accounts
                    .push(Account::from_draft(draft, id.clone(), now));
                report.added.push(Added { id, label });
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// Adds the account of an `otpauth://` URI.
    pub fn add_uri(&mut self, uri: &str, now: u64) -> Result<AddReport, Error> {
        let mut account = OtpAccount::from_uri(uri)?;
        importers::check(&account).map_err(Error::InvalidAccount)?;
        account.extra.clear();
        self.add_drafts(vec![AccountDraft::new(account)], now)
    }

    /// Adds what the QR codes in a PNG or JPEG image hold: `otpauth://` accounts at once,
    /// Google export batches as they come (and which batches are still missing is in the
    /// report's notes; the set of scanned batches lives until the engine is locked).
    pub fn scan_image(&mut self, image: &[u8], now: u64) -> Result<AddReport, Error> {
        let texts = crate::qr::decode_image(image)?;
        self.add_scanned(&texts, now)
    }

    /// Adds what scanned QR texts hold (for a shell that decodes QR codes itself).
    pub fn add_scanned(&mut self, texts: &[String], now: u64) -> Result<AddReport, Error> {
        let mut drafts = Vec::new();
        let mut skipped = Vec::new();
        let mut notes = Vec::new();
        let mut scanned_migration = false;
        for (i, text) in texts.iter().enumerate() {
            let label = format!("QR code {}", i + 1);
            if text
                .trim()
                .to_ascii_lowercase()
                .starts_with("otpauth-migration://")
            {
                let batch = match MigrationBatch::from_uri(text) {
                    Ok(batch) => batch,
                    Err(e) => {
                        skipped.push(Skipped {
                            entry: label,
                            reason: e.to_string(),
                        });
                        continue;
                    }
                };
                let set = self.migration.get_or_insert_with(MigrationSet::new);
                let batch_accounts = batch.accounts.clone();
                let batch_skipped = batch.skipped.clone();
                let position = batch.batch_index + 1;
                let size = batch.batch_size;
                if let Err(e) = set.add(batch.clone()) {
                    // A code of another export: start over with it.
                    let mut fresh = MigrationSet::new();
                    fresh.add(batch)?;
                    *set = fresh;
                    notes.push(format!("{e}; started collecting that export instead"));
                }
                scanned_migration = true;
                drafts.extend(batch_accounts.into_iter().map(AccountDraft::new));
                skipped.extend(batch_skipped.into_iter().map(|s| Skipped {
                    entry: format!("{} (batch {position} of {size})", s.name),
                    reason: s.reason,
                }));
                continue;
            }
            match OtpAccount::from_uri(text) {
                Ok(mut account) => match importers::check(&account) {
                    Ok(()) => {
                        account.extra.clear();
                        drafts.push(AccountDraft::new(account));
                    }
                    Err(reason) => skipped.push(Skipped {
                        entry: account.display_name(),
                        reason,
                    }),
                },
                Err(e) => skipped.push(Skipped {
                    entry: label,
                    reason: e.to_string(),
                }),
            }
        }
        let mut report = self.add_drafts(drafts, now)?;
        report.skipped.extend(skipped);
        report.notes.extend(notes);
        if scanned_migration {
            if let Some(set) = &self.migration {
                match importers::missing_batches_message(set) {
                    Some(note) => report.notes.push(note),
                    None => {
                        report.notes.push(format!(
                            "all {} batches of the Google Authenticator export scanned",
                            set.batch_size()
                        ));
                        self.migration = None;
                    }
                }
            }
        }
        Ok(report)
    }

    /// Which Google export batches (from 1) are still missing, if one is being scanned.
    pub fn missing_migration_batches(&self) -> Option<(Vec<i32>, i32)> {
        self.migration.as_ref().map(|set| {
            (
                set.missing().iter().map(|i| i + 1).collect(),
                set.batch_size(),
            )
        })
    }

    /// Imports another app's export (or a Twofold backup).
    pub fn import(
        &mut self,
        format: ImportFormat,
        bytes: &[u8],
        password: Option<&str>,
        now: u64,
    ) -> Result<AddReport, Error> {
        self.vault()?;
        let ImportReport {
            accounts,
            skipped,
            notes,
        } = format.importer().import(bytes, password)?;
        let mut report = self.add_drafts(accounts, now)?;
        report.skipped.extend(skipped);
        report.notes.extend(notes);
        Ok(report)
    }
}
