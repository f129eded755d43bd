//! [`Engine`]: the object the app (or the CLI) holds: a vault file, unlocked or locked, and
//! every operation on its accounts. Each change is saved atomically before the call returns.

use std::cell::Cell;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;
use twofold_core::uri::migration::{MigrationBatch, MigrationSet};
use twofold_core::{OtpAccount, SecretBytes};
use zeroize::Zeroizing;

use crate::account::{Account, AccountDraft, AccountView, Kind, PushLink, PushState};
use crate::activation::Activation;
use crate::error::Error;
use crate::importers::{self, ImportFormat, ImportReport, Skipped};
use crate::push::{PushAccount, PushEvent};
use crate::vault::{
    device_slot_alias, random_bytes, write_atomic_until, KdfParams, SaveStep, Vault, VaultContent,
    VaultError, DEVICE_KEY_LEN,
};

/// The default vault location: `$XDG_DATA_HOME/twofold/vault.twofold` on Linux (the
/// platform's data directory elsewhere).
pub fn default_vault_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("twofold").join("vault.twofold"))
}

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
}

/// What storing an activation did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActivationReport {
    /// The vault account holding the push link and the offline codes.
    pub id: String,
    pub label: String,
    pub username: String,
    pub server_url: String,
    pub server_name: String,
    pub device_id: String,
    /// Set when this activation replaced an earlier one of the same user on the same server
    /// (its device id): that device's key is gone from this vault.
    pub replaced_device_id: Option<String>,
    /// `server_time - device time`, now applied to every code.
    pub clock_offset: i64,
}

/// Changes to an account's descriptive fields; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct AccountEdit {
    pub issuer: Option<Option<String>>,
    pub name: Option<String>,
    pub group: Option<Option<String>>,
    pub note: Option<Option<String>>,
    pub favourite: Option<bool>,
}

/// A vault file and, while unlocked, its decrypted content.
pub struct Engine {
    path: PathBuf,
    vault: Option<Vault>,
    kdf: KdfParams,
    migration: Option<MigrationSet>,
    crash_at: Option<SaveStep>,
    /// Moves whenever what [`Engine::accounts`] shows, codes aside, may have changed.
    revision: Cell<u64>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("path", &self.path)
            .field("locked", &self.vault.is_none())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Creates a new vault at `path` (its directory is created if needed) and opens it.
    /// `kdf` is used for this password and for later password changes.
    pub fn create(path: impl Into<PathBuf>, password: &str, kdf: KdfParams) -> Result<Self, Error> {
        let path = path.into();
        if path.exists() {
            return Err(Error::VaultExists(path));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
        }
        let engine = Self {
            path,
            vault: Some(Vault::create(password, kdf)?),
            kdf,
            migration: None,
            crash_at: None,
            revision: Cell::new(0),
        };
        engine.save()?;
        Ok(engine)
    }

    /// Opens and unlocks the vault at `path`.
    pub fn open(path: impl Into<PathBuf>, password: &str) -> Result<Self, Error> {
        let mut engine = Self::locked(path);
        engine.unlock(password)?;
        Ok(engine)
    }

    /// An engine for the vault at `path`, locked. Call [`Engine::unlock`].
    pub fn locked(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            vault: None,
            kdf: KdfParams::default(),
            migration: None,
            crash_at: None,
            revision: Cell::new(0),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_locked(&self) -> bool {
        self.vault.is_none()
    }

    /// Reads the file again and decrypts it with `password`.
    pub fn unlock(&mut self, password: &str) -> Result<(), Error> {
        let bytes = read_vault(&self.path)?;
        self.vault = Some(Vault::open(&bytes, password)?);
        self.touch();
        Ok(())
    }

    /// Reads the file again and decrypts it with the device key the shell got from the OS
    /// keystore entry `alias` (after the biometric prompt). A wrong key leaves the engine as it
    /// was (locked, if it was).
    pub fn unlock_with_device_key(&mut self, alias: &str, key: &[u8]) -> Result<(), Error> {
        let bytes = read_vault(&self.path)?;
        self.vault = Some(Vault::open_with_device_key(&bytes, alias, key)?);
        self.touch();
        Ok(())
    }

    /// The OS keystore alias of the vault file's device key, or `None` when biometric unlock
    /// is off. Reads the file's header, so it works while locked (the lock screen decides with
    /// it whether to offer biometric unlock).
    pub fn device_unlock_alias(&self) -> Result<Option<String>, Error> {
        let bytes = read_vault(&self.path)?;
        Ok(device_slot_alias(&bytes)?)
    }

    /// Turns biometric unlock on: a new random 32-byte device key wraps the master key in a
    /// keystore slot named `alias` (replacing any earlier one), and the vault is saved. The
    /// shell stores the returned key in the OS keystore as `alias`, behind the biometric
    /// prompt; the vault file never holds it. Needs the vault unlocked.
    pub fn enable_device_unlock(&mut self, alias: &str) -> Result<SecretBytes, Error> {
        let key = Zeroizing::new(random_bytes::<DEVICE_KEY_LEN>()?);
        self.change_slots(|vault| vault.add_device_slot(alias, key.as_slice()))?;
        Ok(SecretBytes::from(key.as_slice()))
    }

    /// Turns biometric unlock off: removes the keystore slot and saves. The device key in the
    /// OS keystore no longer opens the vault; the shell deletes it.
    pub fn disable_device_unlock(&mut self) -> Result<(), Error> {
        self.change_slots(Vault::remove_device_slots)
    }

    /// Drops the decrypted content and the master key (both are wiped from memory).
    pub fn lock(&mut self) {
        self.vault = None;
        self.migration = None;
    }

    /// Argon2id parameters for the next password change (the default suits a phone).
    pub fn set_kdf_params(&mut self, kdf: KdfParams) {
        self.kdf = kdf;
    }

    /// Test hook: make the next saves stop at `step` as if the process had died there.
    #[doc(hidden)]
    pub fn set_crash_point(&mut self, step: Option<SaveStep>) {
        self.crash_at = step;
    }

    fn vault(&self) -> Result<&Vault, Error> {
        self.vault.as_ref().ok_or(Error::Locked)
    }

    fn content(&self) -> Result<&VaultContent, Error> {
        Ok(&self.vault()?.content)
    }

    /// A number that changes whenever the accounts (their names, groups, favourites, push
    /// links: everything but the codes) may have changed: at every unlock and every save. A
    /// screen that saw the same revision before need not compare the accounts again.
    pub fn revision(&self) -> u64 {
        self.revision.get()
    }

    fn touch(&self) {
        self.revision.set(self.revision.get().wrapping_add(1));
    }

    fn save(&self) -> Result<(), Error> {
        // Before the write: a failed save may still have changed memory until it is undone.
        self.touch();
        let bytes = self.vault()?.seal()?;
        write_atomic_until(&self.path, &bytes, self.crash_at)
            .map_err(|e| Error::io("save the vault to", &self.path, e))
    }

    /// Applies `change` and saves; if the save fails, the change is undone in memory too, so
    /// what the app shows is what is on disk.
    fn change<T>(
        &mut self,
        change: impl FnOnce(&mut VaultContent) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let vault = self.vault.as_mut().ok_or(Error::Locked)?;
        let before = vault.content.clone();
        let result = change(&mut vault.content)?;
        if let Err(e) = self.save() {
            if let Some(vault) = self.vault.as_mut() {
                vault.content = before;
            }
            return Err(e);
        }
        Ok(result)
    }

    /// Applies `change` to the vault's key slots and saves; if the save fails, the slots are
    /// put back in memory too, as [`Engine::change`] does for the content.
    fn change_slots(
        &mut self,
        change: impl FnOnce(&mut Vault) -> Result<(), VaultError>,
    ) -> Result<(), Error> {
        let vault = self.vault.as_mut().ok_or(Error::Locked)?;
        let before = vault.slots_snapshot();
        change(vault)?;
        if let Err(e) = self.save() {
            if let Some(vault) = self.vault.as_mut() {
                vault.restore_slots(before);
            }
            return Err(e);
        }
        Ok(())
    }

    /// Seconds added to the device clock for every code.
    pub fn clock_offset(&self) -> Result<i64, Error> {
        Ok(self.content()?.clock_offset)
    }

    pub fn set_clock_offset(&mut self, seconds: i64) -> Result<(), Error> {
        self.change(|c| {
            c.clock_offset = seconds;
            Ok(())
        })
    }

    fn corrected(&self, now: u64) -> Result<u64, Error> {
        Ok(now.saturating_add_signed(self.content()?.clock_offset))
    }

    /// Every account with its codes at `now` (device clock; the vault's offset is applied),
    /// favourites first, then by issuer and name.
    pub fn accounts(&self, now: u64) -> Result<Vec<AccountView>, Error> {
        let now = self.corrected(now)?;
        let mut views = self
            .content()?
            .accounts
            .iter()
            .map(|a| a.view(now))
            .collect::<Result<Vec<_>, _>>()?;
        views.sort_by_key(|v| {
            (
                !v.favourite,
                v.issuer.as_deref().unwrap_or(&v.name).to_lowercase(),
                v.name.to_lowercase(),
            )
        });
        Ok(views)
    }

    /// One account's view at `now`.
    pub fn account(&self, query: &str, now: u64) -> Result<AccountView, Error> {
        let index = self.find(query)?;
        let now = self.corrected(now)?;
        Ok(self.content()?.accounts[index].view(now)?)
    }

    /// The index of the account whose id is `query`, or else whose name, issuer,
    /// `issuer:name` or "issuer (name)" is `query` (any case) if only one matches.
    fn find(&self, query: &str) -> Result<usize, Error> {
        let accounts = &self.content()?.accounts;
        let query_trimmed = query.trim();
        if let Some(i) = accounts.iter().position(|a| a.id == query_trimmed) {
            return Ok(i);
        }
        let q = query_trimmed.to_lowercase();
        let matches: Vec<usize> = accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                let issuer = a.issuer.as_deref().unwrap_or("").to_lowercase();
                let name = a.name.to_lowercase();
                name == q
                    || issuer == q
                    || format!("{issuer}:{name}") == q
                    || a.label().to_lowercase() == q
            })
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(Error::NotFound(query.to_owned())),
            many => Err(Error::Ambiguous {
                query: query.to_owned(),
                ids: many
                    .iter()
                    .map(|i| format!("{} = {}", accounts[*i].id, accounts[*i].label()))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

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

    /// Stores a completed activation ([`crate::activation::activate`]) as one account: the
    /// offline TOTP codes the server issued, with the push link (device key, server key, epoch,
    /// device id) on the same entry, so the user sees one "Twofold (alice)" account. The server
    /// time becomes the vault's clock offset.
    ///
    /// Activating the same user on the same server again replaces that account's secret and
    /// push link in place (id, group, note and favourite stay): the new activation is what the
    /// server now trusts, and the old key is of no further use on this device.
    pub fn add_activation(
        &mut self,
        activation: Activation,
        now: u64,
    ) -> Result<ActivationReport, Error> {
        let Activation {
            device_key,
            server_url,
            server_public_key,
            mut otp,
            device_id,
            username,
            epoch,
            server_time,
            server_name,
        } = activation;
        if otp.issuer.as_deref().is_none_or(str::is_empty) {
            otp.issuer = Some("Twofold".into());
        }
        if otp.name.is_empty() {
            otp.name.clone_from(&username);
        }
        otp.extra.clear();
        let offset = i64::try_from(i128::from(server_time) - i128::from(now)).unwrap_or(0);
        let link = PushLink {
            device_key,
            server_url: server_url.clone(),
            server_public_key,
            activation_epoch: epoch,
            device_id: device_id.clone(),
            username: username.clone(),
            server_name: server_name.clone(),
            state: PushState::Active,
        };
        self.change(|content| {
            content.clock_offset = offset;
            let existing = content.accounts.iter().position(|a| {
                a.push.as_ref().is_some_and(|p| {
                    same_server(&p.server_url, &server_url) && p.username == username
                })
            });
            let (id, label, replaced_device_id) = match existing {
                Some(index) => {
                    let account = &mut content.accounts[index];
                    let replaced = account.push.as_ref().map(|p| p.device_id.clone());
                    account.issuer = otp.issuer.clone();
                    account.name = otp.name.clone();
                    account.secret = otp.secret.clone();
                    account.algorithm = otp.algorithm;
                    account.digits = otp.digits;
                    account.kind = otp.kind.into();
                    account.last_used = None;
                    account.push = Some(link);
                    (account.id.clone(), account.label(), replaced)
                }
                None => {
                    let id = new_id(&content.accounts)?;
                    let mut draft = AccountDraft::new(otp);
                    draft.push = Some(link);
                    let account = Account::from_draft(draft, id.clone(), now);
                    let label = account.label();
                    content.accounts.push(account);
                    (id, label, None)
                }
            };
            Ok(ActivationReport {
                id,
                label,
                username,
                server_url,
                server_name,
                device_id,
                replaced_device_id,
                clock_offset: offset,
            })
        })
    }

    /// Every Twofold push account (active or not), for [`crate::push::PushClient`].
    pub fn push_accounts(&self) -> Result<Vec<PushAccount>, Error> {
        Ok(self
            .content()?
            .accounts
            .iter()
            .filter_map(|a| {
                a.push.as_ref().map(|link| PushAccount {
                    account_id: a.id.clone(),
                    label: a.label(),
                    link: link.clone(),
                })
            })
            .collect())
    }

    /// Marks a push account as needing reactivation with the server's message, and saves.
    pub fn mark_needs_reactivation(&mut self, query: &str, message: &str) -> Result<(), Error> {
        let index = self.find(query)?;
        self.change(|c| {
            let account = &mut c.accounts[index];
            let label = account.label();
            let link = account.push.as_mut().ok_or(Error::NotPush(label))?;
            link.state = PushState::NeedsReactivation {
                message: message.to_owned(),
            };
            Ok(())
        })
    }

    /// Stores what a push event changes: [`PushEvent::NeedsReactivation`] marks the account,
    /// [`PushEvent::Connected`] corrects the clock offset when it moved by 2 s or more.
    /// Returns whether the vault was saved. Whoever receives the events calls this.
    pub fn apply_push_event(&mut self, event: &PushEvent) -> Result<bool, Error> {
        match event {
            PushEvent::NeedsReactivation {
                account_id,
                message,
            } => {
                let index = self.find(account_id)?;
                let unchanged = self.content()?.accounts[index].push.as_ref().is_some_and(|p| {
                    matches!(&p.state, PushState::NeedsReactivation { message: m } if m == message)
                });
                if unchanged {
                    return Ok(false);
                }
                self.mark_needs_reactivation(account_id, message)?;
                Ok(true)
            }
            PushEvent::Connected { clock_offset, .. } => {
                if self.clock_offset()?.abs_diff(*clock_offset) < 2 {
                    return Ok(false);
                }
                self.set_clock_offset(*clock_offset)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Removes an account; returns its label.
    pub fn remove(&mut self, query: &str) -> Result<String, Error> {
        let index = self.find(query)?;
        self.change(|c| Ok(c.accounts.remove(index).label()))
    }

    /// HOTP: moves to the next counter, saves, and returns the new code's view.
    pub fn next_code(&mut self, query: &str, now: u64) -> Result<AccountView, Error> {
        let index = self.find(query)?;
        let view_now = self.corrected(now)?;
        self.change(|c| {
            let account = &mut c.accounts[index];
            let Kind::Hotp { counter } = account.kind else {
                return Err(Error::NotHotp(account.label()));
            };
            account.kind = Kind::Hotp {
                counter: counter.saturating_add(1),
            };
            account.last_used = Some(now);
            Ok(account.view(view_now)?)
        })
    }

    /// Records that the user used (copied) an account's code.
    pub fn mark_used(&mut self, query: &str, now: u64) -> Result<(), Error> {
        let index = self.find(query)?;
        self.change(|c| {
            c.accounts[index].last_used = Some(now);
            Ok(())
        })
    }

    /// Renames, regroups, annotates or (un)favourites an account.
    pub fn edit(&mut self, query: &str, edit: AccountEdit) -> Result<(), Error> {
        let index = self.find(query)?;
        self.change(|c| {
            let a = &mut c.accounts[index];
            if let Some(issuer) = edit.issuer {
                a.issuer = issuer;
            }
            if let Some(name) = edit.name {
                a.name = name;
            }
            if let Some(group) = edit.group {
                a.group = group;
            }
            if let Some(note) = edit.note {
                a.note = note;
            }
            if let Some(favourite) = edit.favourite {
                a.favourite = favourite;
            }
            Ok(())
        })
    }

    /// Changes the password: `current` must open the file; the vault is re-keyed. This turns
    /// biometric unlock off (the keystore slot wraps the old master key and is dropped): the
    /// old device key no longer opens the vault, and the user turns it on again.
    pub fn change_password(&mut self, current: &str, new: &str) -> Result<(), Error> {
        let bytes = read_vault(&self.path)?;
        Vault::open(&bytes, current)?;
        let kdf = self.kdf;
        let vault = self.vault.as_mut().ok_or(Error::Locked)?;
        vault.set_password(new, kdf)?;
        if let Err(e) = self.save() {
            // The file still has the old password; match it in memory.
            self.vault = Some(Vault::open(&bytes, current)?);
            return Err(e);
        }
        Ok(())
    }

    /// An encrypted backup of every account (Twofold vault format, sealed with `password`);
    /// import it with [`ImportFormat::Twofold`].
    pub fn export_backup(&self, password: &str) -> Result<Vec<u8>, Error> {
        Ok(self.vault()?.export(password, self.kdf)?)
    }

    /// Every account as an `otpauth://` URI, one per line. This is every secret in plain
    /// text: only on the user's explicit request.
    pub fn export_uris(&self) -> Result<Zeroizing<String>, Error> {
        let mut out = Zeroizing::new(String::new());
        for account in &self.content()?.accounts {
            out.push_str(&Zeroizing::new(account.otp().to_uri()));
            out.push('\n');
        }
        Ok(out)
    }
}

fn read_vault(path: &Path) -> Result<Vec<u8>, Error> {
    fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::NoVault(path.to_owned()),
        _ => Error::io("read", path, e),
    })
}

/// Server URLs as the same server: scheme and host in any case, with or without a final `/`.
fn same_server(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// 16 hex characters from the system's random generator, unique in the vault.
fn new_id(existing: &[Account]) -> Result<String, Error> {
    loop {
        let id = hex::encode(random_bytes::<8>()?);
        if !existing.iter().any(|a| a.id == id) {
            return Ok(id);
        }
    }
}
