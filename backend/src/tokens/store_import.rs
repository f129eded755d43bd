//! Importing a seed file: read it ([`super::import`]), check every token against the store
//! (serials already there, users named in the file), then insert them all in one
//! transaction with their audit records, or nothing.

use std::collections::HashMap;

use twofold_core::proto::admin::{TokenImport, TokenImportReport, TokenImportRow};
use zeroize::{Zeroize, Zeroizing};

use super::import::{self, Format, Parsed, RowStatus, SeedToken, Unlock};
use super::TokenError;
use crate::auth::admin::Admin;
use crate::auth::audit::{self, Event};
use crate::auth::users::normalize_username;
use crate::crypto::random_id;
use crate::error::Error;
use crate::state::AppState;
use crate::store::hardware_tokens::{self, HardwareToken, INSERT_BATCH};
use crate::store::users::{self as store_users, User};
use crate::store::{audit as store_audit, is_unique_violation};

/// Reads, checks and imports a file. A file that cannot be read is an error (audited); a
/// file with refused rows imports nothing and says which rows and why (audited too).
pub async fn import(
    state: &AppState,
    admin: &Admin,
    mut request: TokenImport,
) -> Result<TokenImportReport, TokenError> {
    let result = import_file(state, admin, &request).await;
    // The file holds the seeds in the clear (or the key that opens them).
    request.content.zeroize();
    request.key.zeroize();
    request.password.zeroize();
    result
}

async fn import_file(
    state: &AppState,
    admin: &Admin,
    request: &TokenImport,
) -> Result<TokenImportReport, TokenError> {
    let result = read_and_check(state, request).await;
    let (format, mut parsed, users) = match result {
        Ok(read) => read,
        Err(err) => {
            refusal(state, admin, &err.to_string()).await?;
            return Err(err);
        }
    };
    if parsed.has_refusals() {
        let refused = parsed
            .report
            .iter()
            .filter(|r| matches!(r.status, RowStatus::Refused(_)))
            .count();
        refusal(state, admin, &format!("{refused} rows refused")).await?;
        return Ok(report(format, &parsed, false));
    }
    match store(state, admin, &parsed.tokens, &users).await {
        Ok(()) => {}
        Err(TokenError::Server(Error::Store(e))) if is_unique_violation(&e) => {
            // Another import added one of these serials between the check and the insert.
            for row in &mut parsed.report {
                if row.status == RowStatus::Ready {
                    row.status = RowStatus::Refused(
                        "a serial of this file was imported at the same time by another request; nothing imported".into(),
                    );
                }
            }
            refusal(state, admin, "concurrent import of the same serials").await?;
            return Ok(report(format, &parsed, false));
        }
        Err(e) => return Err(e),
    }
    tracing::info!(
        tokens = parsed.tokens.len(),
        format = format.as_str(),
        "hardware tokens imported"
    );
    Ok(report(format, &parsed, true))
}

type Read = (Format, Parsed, HashMap<String, User>);

async fn read_and_check(state: &AppState, request: &TokenImport) -> Result<Read, TokenError> {
    let format = match request.format.as_deref() {
        Some(name) => name.parse::<Format>()?,
        None => Format::guess(request.content.as_bytes()),
    };
    let unlock = Unlock {
        key: request.key.as_deref().map(parse_key).transpose()?,
        password: request.password.clone().map(Zeroizing::new),
    };
    let mut parsed = import::parse(request.content.as_bytes(), format, &unlock)?;
    let users = resolve_users(state, &mut parsed).await?;
    refuse_existing_serials(state, &mut parsed).await?;
    Ok((format, parsed, users))
}

/// `--key`: hex of an AES key.
fn parse_key(hex: &str) -> Result<Zeroizing<Vec<u8>>, TokenError> {
    let compact: Zeroizing<String> =
        Zeroizing::new(hex.chars().filter(|c| !c.is_whitespace()).collect());
    match crate::crypto::decode_hex(&compact) {
        Some(bytes) if matches!(bytes.len(), 16 | 24 | 32) => Ok(Zeroizing::new(bytes)),
        Some(bytes) => Err(TokenError::BadKey(format!(
            "the key is {} bytes; AES needs 16, 24 or 32 (32, 48 or 64 hex digits)",
            bytes.len()
        ))),
        None => Err(TokenError::BadKey("the key is not hex".into())),
    }
}

/// Looks up the users a CSV file assigns tokens to; an unknown user refuses its row.
async fn resolve_users(
    state: &AppState,
    parsed: &mut Parsed,
) -> Result<HashMap<String, User>, TokenError> {
    let mut users = HashMap::new();
    let mut problems = Vec::new();
    for token in &parsed.tokens {
        let Some(raw) = &token.user else { continue };
        let name = match normalize_username(raw) {
            Ok(name) => name,
            Err(e) => {
                problems.push((token.row, e.to_string()));
                continue;
            }
        };
        if users.contains_key(&name) {
            continue;
        }
        match store_users::by_name(state.store.pool(), &name).await? {
            Some(user) => {
                users.insert(name, user);
            }
            None => problems.push((token.row, format!("no user named {name:?}"))),
        }
    }
    refuse_rows(parsed, problems);
    Ok(users)
}

/// RFC 6030 §8 files and CSV exports are re-sent in practice: a serial already stored
/// refuses its row (and so the file), naming it.
async fn refuse_existing_serials(state: &AppState, parsed: &mut Parsed) -> Result<(), TokenError> {
    let mut problems = Vec::new();
    for chunk in parsed.tokens.chunks(INSERT_BATCH) {
        let serials: Vec<&str> = chunk.iter().map(|t| t.serial.as_str()).collect();
        let existing = hardware_tokens::existing_serials(state.store.pool(), &serials).await?;
        for token in chunk {
            if existing.contains(&token.serial) {
                problems.push((
                    token.row,
                    format!("serial {} is already imported", token.serial),
                ));
            }
        }
    }
    refuse_rows(parsed, problems);
    Ok(())
}

fn refuse_rows(parsed: &mut Parsed, problems: Vec<(usize, String)>) {
    for (row, reason) in problems {
        if let Some(entry) = parsed.report.iter_mut().find(|r| r.row == row) {
            entry.status = RowStatus::Refused(reason);
        }
    }
}

/// One transaction: every token sealed and inserted, one audit record each.
async fn store(
    state: &AppState,
    admin: &Admin,
    tokens: &[SeedToken],
    users: &HashMap<String, User>,
) -> Result<(), TokenError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    for chunk in tokens.chunks(INSERT_BATCH) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut records = Vec::with_capacity(chunk.len());
        for token in chunk {
            let user = token
                .user
                .as_deref()
                .and_then(|raw| normalize_username(raw).ok())
                .and_then(|name| users.get(&name));
            let id = random_id("tok").map_err(Error::from)?;
            let sealed_secret = state
                .master_key
                .seal(token.secret.expose(), &id)
                .map_err(Error::from)?;
            rows.push(HardwareToken {
                id,
                serial: token.serial.clone(),
                kind: token.kind,
                sealed_secret,
                algorithm: token.algorithm.as_str().to_owned(),
                digits: i64::from(token.digits),
                period: i64::try_from(token.period).unwrap_or(i64::MAX),
                counter: i64::try_from(token.counter).unwrap_or(i64::MAX),
                last_step: -1,
                drift: token.drift,
                enabled: true,
                user_id: user.map(|u| u.id.clone()),
                username: None,
                issuer: token.issuer.clone(),
                manufacturer: token.manufacturer.clone(),
                model: token.model.clone(),
                created_at: now,
                last_used_at: None,
            });
            records.push(audit::record(
                state,
                &Event {
                    user,
                    device_id: Some(&token.serial),
                    reason: Some("token_imported"),
                    admin_id: Some(&admin.id),
                    ..Event::new("admin", "success")
                },
            )?);
        }
        hardware_tokens::insert_batch(&mut *tx, &rows).await?;
        store_audit::insert_many(&mut *tx, &records).await?;
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(())
}

/// An import that stored nothing, in the audit log (never the file's content).
async fn refusal(state: &AppState, admin: &Admin, why: &str) -> Result<(), TokenError> {
    tracing::warn!(why, "hardware token import refused");
    let record = audit::record(
        state,
        &Event {
            reason: Some("token_import_refused"),
            admin_id: Some(&admin.id),
            detail: Some(why),
            ..Event::new("admin", "failure")
        },
    )?;
    store_audit::insert(state.store.pool(), &record).await?;
    Ok(())
}

fn report(format: Format, parsed: &Parsed, committed: bool) -> TokenImportReport {
    let mut out = TokenImportReport {
        format: format.as_str().to_owned(),
        ..TokenImportReport::default()
    };
    for row in &parsed.report {
        let (status, reason) = match &row.status {
            RowStatus::Ready if committed => {
                out.imported += 1;
                ("imported", None)
            }
            RowStatus::Ready => ("ready", None),
            RowStatus::Skipped(reason) => {
                out.skipped += 1;
                ("skipped", Some(reason.clone()))
            }
            RowStatus::Refused(reason) => {
                out.refused += 1;
                ("refused", Some(reason.clone()))
            }
        };
        out.rows.push(TokenImportRow {
            row: row.row as u64,
            serial: row.serial.clone(),
            status: status.to_owned(),
            reason,
        });
    }
    out
}
