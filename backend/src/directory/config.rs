//! The `[directory]` section: where the LDAP server (OpenLDAP, Active Directory) is, how to
//! reach it safely, which entries are users and how their attributes map onto Twofold's.
//! Checked once by [`super::Directory::from_config`]; start-up stops on a bad value with a
//! message naming the key.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// The service account's password: zeroized on drop, never printed (`Secret(***)`), and
/// serialized redacted.
#[derive(Clone, Default)]
pub struct BindPassword(Zeroizing<String>);

impl BindPassword {
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for BindPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<'de> Deserialize<'de> for BindPassword {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

impl Serialize for BindPassword {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.is_empty() { "" } else { "***" })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectoryConfig {
    /// `ldap://host[:389]` (StartTLS unless `starttls = false`) or `ldaps://host[:636]`.
    /// Empty: no directory (the default).
    pub url: String,
    /// On `ldap://`: upgrade with StartTLS (RFC 4511 §4.14) before anything is sent.
    pub starttls: bool,
    /// PEM file of the CA certificates that sign the directory's certificate. Empty: the
    /// system's trust store. The certificate is always verified, host name included.
    pub ca_file: PathBuf,
    /// Allow plain `ldap://` without StartTLS, to a loopback address only (test servers).
    pub allow_insecure: bool,
    /// The service account that searches the directory. Empty: anonymous searches.
    pub bind_dn: String,
    /// Its password; prefer `bind_password_file`.
    pub bind_password: BindPassword,
    /// A file holding the password (one line; the trailing newline is ignored).
    pub bind_password_file: PathBuf,
    /// Where users are searched (subtree).
    pub base_dn: String,
    /// The filter that finds one user; `{username}` is replaced by the escaped name
    /// (RFC 4515 §3). A sync lists every user with `{username}` as `*` (presence).
    pub user_filter: String,
    /// The attribute holding the Twofold username (AD: `sAMAccountName`).
    pub username_attribute: String,
    pub first_name_attribute: String,
    pub last_name_attribute: String,
    pub email_attribute: String,
    /// `telephoneNumber` or `mobile`.
    pub phone_attribute: String,
    /// The entry's stable identifier: `entryUUID` (RFC 4530) or AD's `objectGUID`.
    pub id_attribute: String,
    /// Only members of this group (by their `memberOf` attribute) are users. Empty: all
    /// entries the filter finds.
    pub group_dn: String,
    /// Active Directory: members of nested groups count too (the LDAP_MATCHING_RULE_IN_CHAIN
    /// rule, OID 1.2.840.113556.1.4.1941).
    pub nested_groups: bool,
    /// Seconds between periodic syncs (one node at a time). 0: only `directory sync`.
    pub sync_interval_seconds: u64,
    /// Seconds to connect (TCP and TLS).
    pub connect_timeout_seconds: u64,
    /// Seconds any one operation (bind, search page) may take.
    pub operation_timeout_seconds: u64,
    /// Entries per page of a sync's search (RFC 2696 simple paged results).
    pub page_size: u32,
    /// Wrong directory passwords for one username within `lockout_window_seconds` before
    /// its password checks are refused until the window ends.
    pub lockout_threshold: u32,
    pub lockout_window_seconds: u64,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            starttls: true,
            ca_file: PathBuf::new(),
            allow_insecure: false,
            bind_dn: String::new(),
            bind_password: BindPassword::default(),
            bind_password_file: PathBuf::new(),
            base_dn: String::new(),
            user_filter: "(&(objectClass=inetOrgPerson)(uid={username}))".into(),
            username_attribute: "uid".into(),
            first_name_attribute: "givenName".into(),
            last_name_attribute: "sn".into(),
            email_attribute: "mail".into(),
            phone_attribute: "telephoneNumber".into(),
            id_attribute: "entryUUID".into(),
            group_dn: String::new(),
            nested_groups: false,
            sync_interval_seconds: 0,
            connect_timeout_seconds: 5,
            operation_timeout_seconds: 10,
            page_size: 500,
            lockout_threshold: 5,
            lockout_window_seconds: 900,
        }
    }
}

impl DirectoryConfig {
    /// True when a directory is configured.
    pub fn enabled(&self) -> bool {
        !self.url.is_empty()
    }
}
