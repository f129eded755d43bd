//! Reading users from the directory with the service account: one user by name, or every
//! user page by page (RFC 2696 simple paged results, so a directory's size limit, 1,000
//! entries on Active Directory, does not cut a sync short).

use std::collections::HashMap;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, Scope, SearchEntry};
use serde::Serialize;

use super::{filter, Directory, DirectoryError};

/// LDAP result codes (RFC 4511 §4.1.9) the directory code tells apart.
pub(super) const RC_SUCCESS: u32 = 0;
pub(super) const RC_INVALID_CREDENTIALS: u32 = 49;

/// A directory entry mapped onto Twofold's user fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectoryUser {
    pub dn: String,
    /// The value of `id_attribute` (entryUUID as text; a binary objectGUID as hex).
    pub id: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// An entry the filter found that cannot be a user (no username or no identifier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable {
    pub dn: String,
    pub reason: String,
}

impl Directory {
    /// A fresh connection bound as the service account (anonymous when `bind_dn` is empty).
    pub(super) async fn service_connection(&self) -> Result<Ldap, DirectoryError> {
        let mut ldap = self.connector.open().await?;
        if !self.config.bind_dn.is_empty() {
            let result = self
                .connector
                .timed(ldap.simple_bind(&self.config.bind_dn, self.bind_password.expose()))
                .await?;
            if result.rc != RC_SUCCESS {
                return Err(DirectoryError::ServiceBindRefused {
                    bind_dn: self.config.bind_dn.clone(),
                    rc: result.rc,
                });
            }
        }
        Ok(ldap)
    }

    fn attributes(&self) -> Vec<String> {
        let c = &self.config;
        [
            &c.username_attribute,
            &c.first_name_attribute,
            &c.last_name_attribute,
            &c.email_attribute,
            &c.phone_attribute,
            &c.id_attribute,
        ]
        .into_iter()
        .filter(|a| !a.is_empty())
        .cloned()
        .collect()
    }

    /// The user named `username` (and in the group, when one is set), if exactly one entry
    /// matches; more than one is an error, never a guess.
    pub async fn find_user(
        &self,
        ldap: &mut Ldap,
        username: &str,
    ) -> Result<Option<DirectoryUser>, DirectoryError> {
        let filter = filter::one_user(
            &self.config.user_filter,
            username,
            self.group_filter.as_deref(),
        );
        let result = self
            .connector
            .timed(ldap.search(
                &self.config.base_dn,
                Scope::Subtree,
                &filter,
                self.attributes(),
            ))
            .await?;
        let (entries, done) = (result.0, result.1);
        // noSuchObject (32) for the base: nobody is there.
        if done.rc == 32 {
            return Ok(None);
        }
        if done.rc != RC_SUCCESS {
            return Err(DirectoryError::SearchFailed {
                rc: done.rc,
                message: done.text,
            });
        }
        let entries: Vec<SearchEntry> = entries
            .into_iter()
            .filter(|e| !e.is_ref() && !e.is_intermediate())
            .map(super::entry::decode)
            .collect::<Result<_, _>>()?;
        match entries.len() {
            0 => Ok(None),
            1 => Ok(entries.into_iter().next().and_then(|e| self.map(e).ok())),
            count => Err(DirectoryError::Ambiguous {
                username: username.to_owned(),
                count,
            }),
        }
    }

    /// Every user the filter (and group) selects, page by page; entries that cannot be
    /// users are returned apart.
    pub async fn all_users(
        &self,
        ldap: &mut Ldap,
    ) -> Result<(Vec<DirectoryUser>, Vec<Unusable>), DirectoryError> {
        let filter = filter::all_users(&self.config.user_filter, self.group_filter.as_deref());
        let page = i32::try_from(self.config.page_size).unwrap_or(i32::MAX);
        let adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(page)),
        ];
        let mut stream = self
            .connector
            .timed(ldap.streaming_search_with(
                adapters,
                &self.config.base_dn,
                Scope::Subtree,
                &filter,
                self.attributes(),
            ))
            .await?;
        let mut users = Vec::new();
        let mut unusable = Vec::new();
        while let Some(entry) = self.connector.timed(stream.next()).await? {
            match self.map(super::entry::decode(entry)?) {
                Ok(user) => users.push(user),
                Err(skip) => unusable.push(skip),
            }
        }
        let done = stream.finish().await;
        if done.rc != RC_SUCCESS {
            return Err(DirectoryError::SearchFailed {
                rc: done.rc,
                message: done.text,
            });
        }
        Ok((users, unusable))
    }

    /// Maps an entry's attributes (names compared without case, RFC 4512 §2.5).
    fn map(&self, entry: SearchEntry) -> Result<DirectoryUser, Unusable> {
        let c = &self.config;
        let text = lowercase_keys(entry.attrs);
        let binary = lowercase_keys(entry.bin_attrs);
        let first = |attr: &str| -> Option<String> {
            text.get(&attr.to_ascii_lowercase())
                .and_then(|v| v.first())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let skip = |reason: String| Unusable {
            dn: entry.dn.clone(),
            reason,
        };
        let raw = first(&c.username_attribute)
            .ok_or_else(|| skip(format!("no {} attribute", c.username_attribute)))?;
        // Twofold's usernames are compared without case (stored in lower case), as AD's
        // sAMAccountName and OpenLDAP's uid are.
        let username = crate::auth::users::normalize_username(&raw)
            .map_err(|e| skip(format!("{} {raw:?}: {e}", c.username_attribute)))?;
        let id = first(&c.id_attribute)
            .or_else(|| {
                binary
                    .get(&c.id_attribute.to_ascii_lowercase())
                    .and_then(|v| v.first())
                    .filter(|v| !v.is_empty())
                    .map(|v| hex(v))
            })
            .ok_or_else(|| skip(format!("no {} attribute", c.id_attribute)))?;
        Ok(DirectoryUser {
            dn: entry.dn.clone(),
            id,
            username,
            first_name: first(&c.first_name_attribute),
            last_name: first(&c.last_name_attribute),
            email: first(&c.email_attribute),
            phone: first(&c.phone_attribute),
        })
    }
}

fn lowercase_keys<V>(map: HashMap<String, V>) -> HashMap<String, V> {
    map.into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Directory {
    /// `directory check`: the user named `username`, found with the service account.
    pub async fn check(&self, username: &str) -> Result<DirectoryUser, DirectoryError> {
        let mut ldap = self.service_connection().await?;
        let found = self.find_user(&mut ldap, username).await;
        let _ = self.connector.timed(ldap.unbind()).await;
        found?.ok_or_else(|| DirectoryError::UserNotFound(username.to_owned()))
    }
}
