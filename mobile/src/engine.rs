//! [`Engine`]: the object the app (or the CLI) holds: a vault file, unlocked or locked, and
//! every operation on its accounts. Each change is saved atomically before the call returns.

use std::cell::Cell;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use twofold_core::uri::migration::MigrationSet;

use crate::account::{Account, AccountView, Kind};
use crate::codes::{time_codes, TimeCode};
use crate::error::Error;
use crate::vault::{random_bytes, write_atomic_until, KdfParams, SaveStep, Vault, VaultContent};

use file_sync::checksum_of;

mod adding;
mod appearance;
mod device_unlock;
mod exporting;
mod file_sync;
mod push_accounts;

pub use adding::{AddReport, Added};
pub use push_accounts::ActivationReport;

/// The default vault location: `$XDG_DATA_HOME/twofold/vault.twofold` on Linux (the
/// platform's data directory elsewhere).
pub fn default_vault_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("twofold").join("vault.twofold"))
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
    /// The checksum (the file's last 32 bytes) of the vault file as this engine last read or
    /// wrote it: another program (the CLI beside the app) that saved since is noticed.
    on_disk: Cell<Option<[u8; 32]>>,
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
            on_disk: Cell::new(None),
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
            on_disk: Cell::new(None),
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
        self.on_disk.set(checksum_of(&bytes));
        self.touch();
        Ok(())
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
            .map_err(|e| Error::io("save the vault to", &self.path, e))?;
        self.on_disk.set(checksum_of(&bytes));
        Ok(())
    }

    /// Applies `change` and saves; if the save fails, the change is undone in memory too, so
    /// what the app shows is what is on disk. The change is applied to the file's latest
    /// content, under the vault's write lock (issue 13, item 16).
    fn change<T>(
        &mut self,
        change: impl FnOnce(&mut VaultContent) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let _lock = self.lock_and_refresh()?;
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
            .enumerate()
            .map(|(position, a)| {
                a.view(now).map(|mut view| {
                    view.position = position;
                    view
                })
            })
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

    /// The time-based accounts' codes at `now` (device clock; the vault's offset is applied),
    /// in vault order: what a screen's refresh at each time step needs, with
    /// [`Engine::revision`] to tell whether its accounts are still current ([`crate::codes`]).
    pub fn time_codes(&self, now: u64) -> Result<Vec<TimeCode>, Error> {
        let now = self.corrected(now)?;
        Ok(time_codes(&self.content()?.accounts, now)?)
    }

    /// One account's view at `now`.
    pub fn account(&self, query: &str, now: u64) -> Result<AccountView, Error> {
        let index = self.find(query)?;
        let now = self.corrected(now)?;
        let mut view = self.content()?.accounts[index].view(now)?;
        view.position = index;
        Ok(view)
    }

    /// The index of the account whose id is `query`, or else whose name, issuer,
    /// `issuer:name` or "issuer (name)" is `query` (any case) if only one matches.
    fn find(&self, query: &str) -> Result<usize, Error> {
        find_account(&self.content()?.accounts, query)
    }

    /// Removes an account; returns its label.
    pub fn remove(&mut self, query: &str) -> Result<String, Error> {
        self.change(|c| {
            let index = find_account(&c.accounts, query)?;
            Ok(c.accounts.remove(index).label())
        })
    }

    /// HOTP: moves to the next counter, saves, and returns the new code's view.
    pub fn next_code(&mut self, query: &str, now: u64) -> Result<AccountView, Error> {
        let view_now = self.corrected(now)?;
        self.change(|c| {
            let index = find_account(&c.accounts, query)?;
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

    /// Records that the user used (copied) an account's code: when, and one more use (the
    /// "most used" order).
    pub fn mark_used(&mut self, query: &str, now: u64) -> Result<(), Error> {
        self.change(|c| {
            let index = find_account(&c.accounts, query)?;
            let account = &mut c.accounts[index];
            account.last_used = Some(now);
            account.use_count = account.use_count.saturating_add(1);
            Ok(())
        })
    }

    /// Renames, regroups, annotates or (un)favourites an account.
    pub fn edit(&mut self, query: &str, edit: AccountEdit) -> Result<(), Error> {
        self.change(|c| {
            let index = find_account(&c.accounts, query)?;
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
        let _lock = self.lock_and_refresh()?;
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
}

/// The position of the account `query` names: its id, or a unique issuer, name or label.
fn find_account(accounts: &[Account], query: &str) -> Result<usize, Error> {
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

fn read_vault(path: &Path) -> Result<Vec<u8>, Error> {
    fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::NoVault(path.to_owned()),
        _ => Error::io("read", path, e),
    })
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
