//! What the methods with an issued secret share: app passwords ([`super::app_password`]),
//! bypass codes ([`super::bypass`]) and recovery codes ([`super::recovery`]). Their
//! secrets are random letters in dash-separated groups, of a length per method, so a
//! password-only client can send a bypass or recovery code where a passcode goes and the
//! server still tells it from a 6–8 digit one-time password ([`recognise`]).
//!
//! Only a keyed hash of each secret is stored (HMAC-SHA256 under a key derived from the
//! master key, [`MasterKey::lookup_hash`]): the secrets are 45 to 108 random bits and
//! guessing online is bounded by the lockout, so a slow password hash (Argon2) would add
//! cost to every sign-in and nothing against a dump, which without the master key cannot
//! test a guess at all. Hashes are compared in constant time.
//!
//! A check runs in one transaction that first counts the attempt as a failure
//! (`store/lockouts.rs` `reserve`, as passcodes do), then looks for the secret, records a
//! use, and writes the audit record; a locked factor checks nothing.

use sqlx::AnyConnection;
use twofold_core::proto::{AuthContext, AuthResponse, AuthResult, Factor, Reason};
use zeroize::Zeroizing;

use super::decide::Decision;
use super::{app_password, outcome, passcode};
use crate::auth::admin::Admin;
use crate::auth::audit::{self, Event};
use crate::config::PolicyConfig;
use crate::crypto::{random_bytes, MasterKey};
use crate::error::Error;
use crate::state::AppState;
use crate::store::audit::{self as store_audit, AuditRecord};
use crate::store::lockouts;
use crate::store::one_time_codes::{self, CodeKind, OneTimeCode};
use crate::store::users::User;

/// The letters secrets are made of: a-z without i, l and o, which are read as 1 and 0.
pub const ALPHABET: &[u8; 23] = b"abcdefghjkmnpqrstuvwxyz";

/// Letters in a bypass code (three groups of four: ~54 bits).
pub const BYPASS_LETTERS: usize = 12;
/// Letters in a recovery code (two groups of five: ~45 bits).
pub const RECOVERY_LETTERS: usize = 10;
/// Letters in an app password (four groups of six: ~108 bits).
pub const APP_PASSWORD_LETTERS: usize = 24;

/// `groups` groups of `len` random letters of [`ALPHABET`], joined by dashes.
pub fn generate(groups: usize, len: usize) -> Result<Zeroizing<String>, Error> {
    let mut out = Zeroizing::new(String::with_capacity(groups * (len + 1)));
    let mut letters = 0;
    while letters < groups * len {
        let bytes = Zeroizing::new(random_bytes(groups * len)?);
        for byte in bytes.iter() {
            // 230 = 10 × 23: larger bytes would favour the first letters.
            if *byte >= 230 || letters == groups * len {
                continue;
            }
            if letters > 0 && letters % len == 0 {
                out.push('-');
            }
            out.push(char::from(ALPHABET[usize::from(*byte % 23)]));
            letters += 1;
        }
    }
    Ok(out)
}

/// A typed secret as it is hashed: lower case, without the dashes and spaces people type
/// between groups. None when any other character is left (it cannot be one of ours).
pub fn canonical(text: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    for c in text.trim().chars() {
        if c == '-' || c == ' ' {
            continue;
        }
        let lower = c.to_ascii_lowercase();
        if !lower.is_ascii() || !ALPHABET.contains(&(lower as u8)) {
            return None;
        }
        out.push(lower);
    }
    (!out.is_empty()).then_some(out)
}

/// The method whose shape `text` has, among those recognised in the passcode field.
pub fn shape(text: &str) -> Option<Factor> {
    match canonical(text)?.len() {
        BYPASS_LETTERS => Some(Factor::Bypass),
        RECOVERY_LETTERS => Some(Factor::Recovery),
        _ => None,
    }
}

/// `auto` and `passcode` with a bypass- or recovery-shaped code become that method, so
/// password-only clients can use them; anything else stays as asked.
pub fn recognise(factor: Factor, passcode: Option<&str>) -> Factor {
    match (factor, passcode.and_then(shape)) {
        (Factor::Auto | Factor::Passcode, Some(by_shape)) => by_shape,
        _ => factor,
    }
}

/// The keyed hash stored for a secret of `factor` (its canonical form): the method is part
/// of the input, so a hash of one method's secret never matches another's.
pub fn hash(key: &MasterKey, factor: Factor, canonical: &str) -> String {
    key.lookup_hash(&Zeroizing::new(format!("{}:{canonical}", factor.as_str())))
}

/// Constant-time check of a canonical secret against a stored [`hash`].
pub fn matches(key: &MasterKey, factor: Factor, canonical: &str, stored: &str) -> bool {
    key.verify_lookup_hash(
        &Zeroizing::new(format!("{}:{canonical}", factor.as_str())),
        stored,
    )
}

/// Which of these methods the user has now, and whether app passwords are allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodeMethods {
    /// `[app_passwords] enabled`.
    pub app_passwords_enabled: bool,
    pub app_password: bool,
    /// A bypass code not expired and not used up.
    pub bypass: bool,
    /// A recovery code not used yet.
    pub recovery: bool,
}

impl CodeMethods {
    pub fn new(state: &AppState, kinds: &[CodeKind], app_password: bool) -> Self {
        Self {
            app_passwords_enabled: state.config.app_passwords.enabled,
            app_password,
            bypass: kinds.contains(&CodeKind::Bypass),
            recovery: kinds.contains(&CodeKind::Recovery),
        }
    }

    /// The methods the user has, in the order a relying party should offer them.
    pub fn registered(&self) -> Vec<Factor> {
        [
            (
                Factor::AppPassword,
                self.app_passwords_enabled && self.app_password,
            ),
            (Factor::Bypass, self.bypass),
            (Factor::Recovery, self.recovery),
        ]
        .into_iter()
        .filter_map(|(factor, has)| has.then_some(factor))
        .collect()
    }
}

/// Pure: what `decide` answers when one of these methods is asked for, once the user may
/// sign in at all. The secret is checked whether or not the user has one (a wrong one
/// counts towards the lockout): not having one is no reason for the no-method policy to let
/// anybody in. None for the other methods.
pub fn decide(codes: &CodeMethods, requested: Factor) -> Option<Decision> {
    match requested {
        Factor::AppPassword if !codes.app_passwords_enabled => {
            Some(Decision::Deny(Reason::AppPasswordsDisabled))
        }
        Factor::AppPassword | Factor::Bypass | Factor::Recovery => {
            Some(Decision::Proceed(requested))
        }
        Factor::Auto | Factor::Passcode | Factor::Push | Factor::Sms | Factor::Voice => None,
    }
}

/// What a check found.
pub enum Check {
    /// Used now; the label goes into the audit record (an app password's name).
    Accepted(Option<String>),
    /// The secret is right but was used up (a double submit, or a race lost to another
    /// request): not a guess.
    Replayed,
    Invalid,
}

/// The lockout counter `factor` counts on: app passwords their own (a stale one in an old
/// mail client must not lock the user's codes), bypass and recovery codes the passcode's
/// (they are typed in the same box).
fn lockout_factor(factor: Factor) -> &'static str {
    match factor {
        Factor::AppPassword => app_password::LOCKOUT_FACTOR,
        _ => passcode::LOCKOUT_FACTOR,
    }
}

/// The lockout policy, as passcodes have it.
pub fn escalation(policy: &PolicyConfig) -> lockouts::Escalation {
    lockouts::Escalation {
        threshold: policy.lockout_threshold,
        first_lock_seconds: policy.lockout_seconds,
        permanent_after: policy.lockout_permanent_after,
    }
}

/// Checks `text` as a secret of `factor` for `user` and records the outcome.
pub async fn verify(
    state: &AppState,
    user: &User,
    factor: Factor,
    text: &str,
    context: &AuthContext,
) -> Result<AuthResponse, Error> {
    let now = state.now();
    let escalation = escalation(&state.config.policy);
    let counter = lockout_factor(factor);
    let mut tx = state.store.begin().await?;
    let (result, reason, label) =
        match lockouts::reserve(&mut tx, &user.id, counter, now, &escalation).await? {
            None => (AuthResult::Deny, Reason::LockedOut, None),
            Some(reserved) => {
                let checked = match canonical(text) {
                    None => Check::Invalid,
                    Some(secret) => check(state, &mut tx, user, factor, &secret, now).await?,
                };
                match checked {
                    Check::Accepted(label) => {
                        lockouts::reset(&mut *tx, &user.id, counter).await?;
                        (AuthResult::Allow, Reason::Verified, label)
                    }
                    Check::Replayed => {
                        lockouts::give_back(&mut *tx, &user.id, counter, reserved).await?;
                        (AuthResult::Deny, Reason::CodeReplayed, None)
                    }
                    Check::Invalid => (AuthResult::Deny, Reason::InvalidCode, None),
                }
            }
        };
    let record = outcome::audit_record(
        state,
        user,
        context,
        result,
        reason,
        factor,
        label.as_deref(),
    )?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    outcome::count(state, factor, result, reason);
    Ok(AuthResponse::new(result, reason))
}

async fn check(
    state: &AppState,
    tx: &mut AnyConnection,
    user: &User,
    factor: Factor,
    secret: &str,
    now: u64,
) -> Result<Check, Error> {
    match factor {
        Factor::AppPassword => app_password::check(state, tx, user, secret, now).await,
        Factor::Bypass => check_code(state, tx, user, CodeKind::Bypass, secret, now).await,
        Factor::Recovery => check_code(state, tx, user, CodeKind::Recovery, secret, now).await,
        Factor::Auto | Factor::Passcode | Factor::Push | Factor::Sms | Factor::Voice => {
            Ok(Check::Invalid)
        }
    }
}

fn factor_of(kind: CodeKind) -> Factor {
    match kind {
        CodeKind::Bypass => Factor::Bypass,
        CodeKind::Recovery => Factor::Recovery,
    }
}

/// A bypass or recovery code: found among the user's codes of `kind` by its hash, then used
/// with a compare-and-set.
async fn check_code(
    state: &AppState,
    tx: &mut AnyConnection,
    user: &User,
    kind: CodeKind,
    secret: &str,
    now: u64,
) -> Result<Check, Error> {
    let factor = factor_of(kind);
    let codes = one_time_codes::for_user(&mut *tx, &user.id, kind).await?;
    // Every stored hash is compared, so the time taken does not say which one matched.
    let mut found: Option<&OneTimeCode> = None;
    for code in &codes {
        if matches(&state.master_key, factor, secret, &code.code_hash) {
            found = Some(code);
        }
    }
    Ok(match found {
        None => Check::Invalid,
        Some(code) if code.is_live(now) => {
            if one_time_codes::consume(&mut *tx, &code.id, now).await? {
                Check::Accepted(None)
            } else {
                Check::Replayed
            }
        }
        Some(code) if code.uses_left <= 0 => Check::Replayed,
        // Expired: as good as a wrong code.
        Some(_) => Check::Invalid,
    })
}

/// How often and until when each issued code can be used.
#[derive(Debug, Clone, Copy)]
pub struct CodeLimits {
    pub uses: u32,
    /// None: no expiry.
    pub expires_at: Option<u64>,
}

/// New codes of `kind` for `user`, replacing the old ones, with the admin audit record, in
/// one transaction.
pub async fn issue_codes(
    state: &AppState,
    admin: &Admin,
    user: &User,
    kind: CodeKind,
    codes: &[Zeroizing<String>],
    CodeLimits { uses, expires_at }: CodeLimits,
    reason: &'static str,
) -> Result<(), Error> {
    let factor = factor_of(kind);
    let now = state.now();
    let mut rows = Vec::with_capacity(codes.len());
    for code in codes {
        let secret = canonical(code)
            .ok_or_else(|| Error::Internal("a generated code is malformed".into()))?;
        rows.push(OneTimeCode {
            id: crate::crypto::random_id("otc")?,
            user_id: user.id.clone(),
            kind,
            code_hash: hash(&state.master_key, factor, &secret),
            uses_left: i64::from(uses),
            created_at: now,
            expires_at,
            last_used_at: None,
        });
    }
    let mut tx = state.store.begin().await?;
    one_time_codes::replace(&mut tx, &user.id, kind, &rows).await?;
    commit_admin_change(state, admin, tx, user, factor, reason, None).await?;
    tracing::info!(username = %user.username, kind = kind.as_str(), count = rows.len(), "one-time codes issued");
    Ok(())
}

/// Finishes an administrator's change to these methods: its audit record (event `admin`,
/// result `success`) goes into the change's transaction, which is then committed.
pub async fn commit_admin_change(
    state: &AppState,
    admin: &Admin,
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    user: &User,
    factor: Factor,
    reason: &'static str,
    label: Option<&str>,
) -> Result<(), Error> {
    let record = admin_record(state, admin, user, factor, "success", reason, label)?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    Ok(())
}

/// Records an administrator's refused change to these methods (event `admin`, result
/// `failure`) and returns `err` (or the error recording it).
pub async fn refused(
    state: &AppState,
    admin: &Admin,
    user: &User,
    factor: Factor,
    reason: &'static str,
    label: Option<&str>,
    err: Error,
) -> Error {
    let recorded = match admin_record(state, admin, user, factor, "failure", reason, label) {
        Ok(record) => store_audit::insert(state.store.pool(), &record).await,
        Err(e) => Err(e),
    };
    match recorded {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// The audit record of an administrator's change to these methods (event `admin`).
/// `label`: an app password's name, never a secret; `admin`: the token that made the change.
pub fn admin_record(
    state: &AppState,
    admin: &Admin,
    user: &User,
    factor: Factor,
    result: &'static str,
    reason: &'static str,
    label: Option<&str>,
) -> Result<AuditRecord, Error> {
    audit::record(
        state,
        &Event {
            user: Some(user),
            device_id: label,
            factor: Some(factor.as_str()),
            reason: Some(reason),
            admin_id: Some(&admin.id),
            ..Event::new("admin", result)
        },
    )
}

#[cfg(test)]
#[path = "secret_tests.rs"]
mod tests;
