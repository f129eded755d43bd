//! `directory sync`: make Twofold's directory users what the directory says. New entries
//! become users, changed attributes are written, users gone from the directory (or the
//! group) are blocked and never deleted (their devices, tokens and audit history stay), and
//! they are unblocked when they come back. Local users are never touched: a sync changes
//! only rows it added itself (`users.source = 'directory'`). All of it in one transaction,
//! with one audit record (event `directory_sync`) that says how much changed.

use std::collections::{HashMap, HashSet};

use twofold_core::proto::admin::{
    DirectorySkipped, DirectorySyncReport, DirectoryUserChange, MfaState,
};

use super::search::{DirectoryUser, Unusable};
use super::{Directory, DirectoryError};
use crate::auth::admin::Admin;
use crate::auth::audit::{self, Event};
use crate::crypto::random_id;
use crate::state::AppState;
use crate::store::directory::{self as store, Attributes, LinkedUser, SOURCE_DIRECTORY};
use crate::store::users::{self, User};

/// The lease every sync (periodic or asked for) holds while it runs.
pub const LEASE: &str = "directory_sync";
/// How long a running sync holds the lease at most (a node that dies mid-sync frees it).
const RUNNING_LEASE_SECONDS: u64 = 600;

/// One change to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Add(DirectoryUser),
    /// Changed fields of a linked user; `enable` when it comes back from being disabled.
    Update {
        id: String,
        user: DirectoryUser,
        fields: Vec<&'static str>,
        enable: bool,
    },
    Disable {
        id: String,
        username: String,
    },
}

/// What a sync will do: the changes, how many users match already, what it leaves alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub entries: u64,
    pub changes: Vec<Change>,
    pub unchanged: u64,
    pub skipped: Vec<Unusable>,
}

/// Pure: compares the directory's users with Twofold's. Entries match linked users by
/// their stable identifier (a renamed entry stays the same user); a name already held by a
/// local user, or by a directory user linked to another entry (an entry deleted and created
/// again may be someone else), is skipped, never taken over.
pub fn plan(entries: Vec<DirectoryUser>, unusable: Vec<Unusable>, local: &[LinkedUser]) -> Plan {
    let linked: HashMap<&str, &LinkedUser> = local
        .iter()
        .filter(|u| u.source == SOURCE_DIRECTORY)
        .filter_map(|u| u.directory_id.as_deref().map(|id| (id, u)))
        .collect();
    let by_name: HashMap<&str, &LinkedUser> =
        local.iter().map(|u| (u.username.as_str(), u)).collect();
    let mut plan = Plan {
        entries: u64::try_from(entries.len()).unwrap_or(u64::MAX),
        skipped: unusable,
        ..Plan::default()
    };
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut names: HashSet<String> = HashSet::new();
    for entry in entries {
        let skip = |reason: &str| Unusable {
            dn: entry.dn.clone(),
            reason: reason.to_owned(),
        };
        if !seen_ids.insert(entry.id.clone()) || !names.insert(entry.username.clone()) {
            plan.skipped
                .push(skip("another entry has the same identifier or username"));
            continue;
        }
        match linked.get(entry.id.as_str()) {
            Some(user) => {
                let fields = changed_fields(user, &entry);
                let taken = by_name
                    .get(entry.username.as_str())
                    .is_some_and(|other| other.id != user.id);
                if taken {
                    plan.skipped
                        .push(skip("renamed to a username another user has"));
                } else if fields.is_empty() && !user.directory_disabled {
                    plan.unchanged += 1;
                } else {
                    plan.changes.push(Change::Update {
                        id: user.id.clone(),
                        enable: user.directory_disabled,
                        user: entry,
                        fields,
                    });
                }
            }
            None => match by_name.get(entry.username.as_str()) {
                Some(user) if user.source == SOURCE_DIRECTORY => plan.skipped.push(skip(
                    "a directory user of this name is linked to another entry",
                )),
                Some(_) => plan.skipped.push(skip("a local user has this username")),
                None => plan.changes.push(Change::Add(entry)),
            },
        }
    }
    for user in local.iter().filter(|u| u.source == SOURCE_DIRECTORY) {
        let present = user
            .directory_id
            .as_deref()
            .is_some_and(|id| seen_ids.contains(id));
        if !present && !user.directory_disabled {
            plan.changes.push(Change::Disable {
                id: user.id.clone(),
                username: user.username.clone(),
            });
        }
    }
    plan
}

fn changed_fields(user: &LinkedUser, entry: &DirectoryUser) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if user.username != entry.username {
        fields.push("username");
    }
    for (name, ours, theirs) in [
        ("first_name", &user.first_name, &entry.first_name),
        ("last_name", &user.last_name, &entry.last_name),
        ("email", &user.email, &entry.email),
        ("phone", &user.phone, &entry.phone),
    ] {
        if ours != theirs {
            fields.push(name);
        }
    }
    if user.directory_dn.as_deref() != Some(entry.dn.as_str()) {
        fields.push("dn");
    }
    fields
}

impl Plan {
    /// The report of this plan.
    pub fn report(&self, dry_run: bool) -> DirectorySyncReport {
        let mut report = DirectorySyncReport {
            dry_run,
            entries: self.entries,
            added: Vec::new(),
            updated: Vec::new(),
            disabled: Vec::new(),
            enabled: Vec::new(),
            unchanged: self.unchanged,
            skipped: self
                .skipped
                .iter()
                .map(|s| DirectorySkipped {
                    dn: s.dn.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
        };
        for change in &self.changes {
            match change {
                Change::Add(u) => report.added.push(u.username.clone()),
                Change::Update {
                    user,
                    fields,
                    enable,
                    ..
                } => {
                    if *enable {
                        report.enabled.push(user.username.clone());
                    }
                    if !fields.is_empty() {
                        report.updated.push(DirectoryUserChange {
                            username: user.username.clone(),
                            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                        });
                    }
                }
                Change::Disable { username, .. } => report.disabled.push(username.clone()),
            }
        }
        report
    }

    /// The counts an audit record carries.
    fn summary(report: &DirectorySyncReport) -> String {
        format!(
            "entries={} added={} updated={} disabled={} enabled={} unchanged={} skipped={}",
            report.entries,
            report.added.len(),
            report.updated.len(),
            report.disabled.len(),
            report.enabled.len(),
            report.unchanged,
            report.skipped.len()
        )
    }
}

impl Directory {
    /// Runs a sync now (`admin` is who asked; None: the periodic sync), holding the sync
    /// lease so no other node syncs at the same time.
    pub async fn sync(
        &self,
        state: &AppState,
        admin: Option<&Admin>,
        dry_run: bool,
    ) -> Result<DirectorySyncReport, DirectoryError> {
        let now = state.now();
        let taken = self
            .take_lease(state, LEASE, now, now + RUNNING_LEASE_SECONDS)
            .await;
        if let Err(e) = taken {
            refuse(state, admin, &e).await?;
            return Err(e);
        }
        let result = self.sync_holding(state, admin, dry_run).await;
        store::end_lease(state.store.pool(), LEASE, &self.holder, state.now()).await?;
        if let Err(e) = &result {
            refuse(state, admin, e).await?;
        }
        result
    }

    /// The sync itself, the lease held.
    pub(super) async fn sync_holding(
        &self,
        state: &AppState,
        admin: Option<&Admin>,
        dry_run: bool,
    ) -> Result<DirectorySyncReport, DirectoryError> {
        let mut ldap = self.service_connection().await?;
        let listed = self.all_users(&mut ldap).await;
        let _ = self.connector.timed(ldap.unbind()).await;
        let (entries, unusable) = listed?;
        let local = store::users(state.store.pool()).await?;
        let plan = plan(entries, unusable, &local);
        let report = plan.report(dry_run);
        if dry_run {
            return Ok(report);
        }
        apply(state, admin, &plan, &report).await?;
        Ok(report)
    }
}

/// Writes the plan and its audit record in one transaction: all of it or nothing.
async fn apply(
    state: &AppState,
    admin: Option<&Admin>,
    plan: &Plan,
    report: &DirectorySyncReport,
) -> Result<(), DirectoryError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    for change in &plan.changes {
        match change {
            Change::Add(entry) => {
                let user = User {
                    id: random_id("usr").map_err(crate::error::Error::from)?,
                    username: entry.username.clone(),
                    first_name: entry.first_name.clone(),
                    last_name: entry.last_name.clone(),
                    email: entry.email.clone(),
                    phone: entry.phone.clone(),
                    mfa_state: MfaState::Enabled,
                    needs_registration: false,
                    blocked: false,
                    created_at: now,
                    updated_at: now,
                    default_method: None,
                };
                users::insert(&mut *tx, &user).await?;
                store::link(&mut *tx, &user.id, &entry.id, &entry.dn).await?;
            }
            Change::Update {
                id, user, enable, ..
            } => {
                let attributes = Attributes {
                    username: &user.username,
                    first_name: user.first_name.as_deref(),
                    last_name: user.last_name.as_deref(),
                    email: user.email.as_deref(),
                    phone: user.phone.as_deref(),
                    dn: &user.dn,
                };
                store::update_attributes(&mut *tx, id, &attributes, now).await?;
                if *enable {
                    store::set_disabled(&mut *tx, id, false, now).await?;
                }
            }
            Change::Disable { id, .. } => store::set_disabled(&mut *tx, id, true, now).await?,
        }
    }
    let summary = Plan::summary(report);
    let record = audit::record(
        state,
        &Event {
            admin_id: admin.map(|a| a.id.as_str()),
            reason: Some("directory_sync"),
            detail: Some(&summary),
            ..Event::new("directory_sync", "success")
        },
    )?;
    crate::store::audit::insert(&mut *tx, &record).await?;
    tx.commit().await.map_err(crate::error::Error::from)?;
    Ok(())
}

/// A sync that could not run or failed: audited as a failure with the reason.
async fn refuse(
    state: &AppState,
    admin: Option<&Admin>,
    err: &DirectoryError,
) -> Result<(), DirectoryError> {
    let detail = err.to_string();
    let record = audit::record(
        state,
        &Event {
            admin_id: admin.map(|a| a.id.as_str()),
            reason: Some(err.code()),
            detail: Some(&detail),
            ..Event::new("directory_sync", "failure")
        },
    )?;
    crate::store::audit::insert(state.store.pool(), &record).await?;
    Ok(())
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
