//! Twofold push accounts, the engine's side: storing an activation as one account with its
//! push link, listing the links for the push clients, and keeping what push events change.

use serde::Serialize;

use super::{new_id, Engine};
use crate::account::{Account, AccountDraft, PushLink, PushState};
use crate::activation::Activation;
use crate::error::Error;
use crate::push::{PushAccount, PushEvent};

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

impl Engine {
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
        self.change(|c| {
            let index = super::find_account(&c.accounts, query)?;
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
}

/// Server URLs as the same server: scheme and host in any case, with or without a final `/`.
fn same_server(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}
