//! How accounts look and in which order: icons (chosen from the app's set, the user's own
//! image, or none to match by issuer again) and the user's custom order (the order of the
//! accounts in the vault).

use super::{find_account, Engine};
use crate::error::Error;
use crate::icon::AccountIcon;

impl Engine {
    /// Sets (or with `None` clears) an account's icon. Images were checked when the
    /// [`AccountIcon`] was made ([`AccountIcon::image`]).
    pub fn set_icon(&mut self, query: &str, icon: Option<AccountIcon>) -> Result<(), Error> {
        self.change(|c| {
            let index = find_account(&c.accounts, query)?;
            c.accounts[index].icon = icon;
            Ok(())
        })
    }

    /// The image of an account's icon as a `data:` URI; `None` when it has no image icon.
    pub fn icon_data_uri(&self, query: &str) -> Result<Option<String>, Error> {
        let index = self.find(query)?;
        Ok(self.content()?.accounts[index]
            .icon
            .as_ref()
            .and_then(AccountIcon::data_uri))
    }

    /// Moves an account to place `to` (from 0) of the custom order; the others keep their
    /// order. Refused when `to` is past the last place.
    pub fn move_account(&mut self, query: &str, to: usize) -> Result<(), Error> {
        self.change(|c| {
            let count = c.accounts.len();
            if to >= count {
                return Err(Error::BadPosition { to, count });
            }
            let from = find_account(&c.accounts, query)?;
            let account = c.accounts.remove(from);
            c.accounts.insert(to, account);
            Ok(())
        })
    }
}
