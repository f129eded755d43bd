//! The vault commands (`init`, `add`, `list`, `codes`, `remove`, `import`, `export`,
//! `passwd`, `next`, and `code`, which needs none) and how the CLI finds and opens the vault.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use twofold_authenticator::exporters::check_destination;
use twofold_authenticator::{
    default_vault_path, AddReport, Engine, Error, Existing, ImportError, ImportFormat, KdfParams,
};
use twofold_core::OtpAccount;
use zeroize::Zeroizing;

use crate::args::ExportFormatArg;
use crate::error::{CliError, Result};
use crate::output::{code_row, label, print_json, print_report, push_column, table};

const PASSWORD_ENV: &str = "TWOFOLD_VAULT_PASSWORD";
const NEW_PASSWORD_ENV: &str = "TWOFOLD_NEW_VAULT_PASSWORD";
const EXPORT_PASSWORD_ENV: &str = "TWOFOLD_EXPORT_PASSWORD";
/// Hidden: Argon2id parameters `m_kib,t,p` for new passwords (tests use tiny ones).
pub const KDF_ENV: &str = "TWOFOLD_KDF";

pub fn vault_path(cli_path: Option<PathBuf>) -> Result<PathBuf> {
    cli_path
        .or_else(default_vault_path)
        .ok_or(CliError::NoDataDir)
}

fn kdf_params() -> Result<KdfParams> {
    match std::env::var(KDF_ENV) {
        Ok(text) => KdfParams::parse(&text).ok_or(CliError::BadKdf(text)),
        Err(_) => Ok(KdfParams::default()),
    }
}

/// Asks on the terminal without echo; without one, says which variable gives the password.
fn prompt(label: &str, env: &'static str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|_| CliError::NoTerminal(env))
}

/// The password of an existing vault.
fn password() -> Result<Zeroizing<String>> {
    match std::env::var(PASSWORD_ENV) {
        Ok(p) => Ok(Zeroizing::new(p)),
        Err(_) => prompt("Vault password: ", PASSWORD_ENV),
    }
}

/// A new password: from `env`, or asked for twice.
fn new_password(env: &'static str, what: &'static str) -> Result<Zeroizing<String>> {
    let password = match std::env::var(env) {
        Ok(p) => Zeroizing::new(p),
        Err(_) => {
            let first = prompt(&format!("New {what} password: "), env)?;
            let second = prompt(&format!("Repeat the {what} password: "), env)?;
            if *first != *second {
                return Err(CliError::PasswordsDiffer);
            }
            first
        }
    };
    if password.is_empty() {
        return Err(CliError::EmptyPassword(what));
    }
    Ok(password)
}

fn open(path: &Path) -> Result<Engine> {
    Ok(open_keeping_password(path)?.0)
}

/// Opens the vault and keeps the password, to read the file again before a later change.
pub fn open_keeping_password(path: &Path) -> Result<(Engine, Zeroizing<String>)> {
    if !path.exists() {
        return Err(Error::NoVault(path.to_owned()).into());
    }
    let password = password()?;
    let mut engine = Engine::open(path, &password)?;
    engine.set_kdf_params(kdf_params()?);
    Ok((engine, password))
}

pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })
}

/// `twofold code URI [--at T]`.
pub fn code(uri: &str, at: u64) -> Result<()> {
    let account = OtpAccount::from_uri(uri).map_err(Error::from)?;
    println!("{}", account.code(at).map_err(Error::from)?);
    Ok(())
}

pub fn init(path: &Path) -> Result<()> {
    if path.exists() {
        return Err(Error::VaultExists(path.to_owned()).into());
    }
    let password = match std::env::var(PASSWORD_ENV) {
        Ok(p) if !p.is_empty() => Zeroizing::new(p),
        _ => new_password(PASSWORD_ENV, "vault")?,
    };
    Engine::create(path, &password, kdf_params()?)?;
    println!("created {}", path.display());
    Ok(())
}

pub fn add(
    path: &Path,
    uri: Option<String>,
    image: Vec<PathBuf>,
    json: bool,
    now: u64,
) -> Result<()> {
    let mut engine = open(path)?;
    if uri.is_none() && image.is_empty() {
        return Err(CliError::Usage(
            "give an otpauth:// URI or --image FILE (see `twofold add --help`)",
        ));
    }
    let mut report = AddReport::default();
    if let Some(uri) = uri {
        let part = if uri
            .trim()
            .to_ascii_lowercase()
            .starts_with("otpauth-migration://")
        {
            engine.add_scanned(&[uri], now)?
        } else {
            engine.add_uri(&uri, now)?
        };
        merge(&mut report, part);
    }
    for file in image {
        let bytes = read(&file)?;
        let part = engine
            .scan_image(&bytes, now)
            .map_err(|source| CliError::InFile { path: file, source })?;
        merge(&mut report, part);
    }
    print_report(&report, json)?;
    refuse_if_nothing_added(&report, "no account in what was given")
}

fn merge(into: &mut AddReport, part: AddReport) {
    into.added.extend(part.added);
    into.skipped.extend(part.skipped);
    into.notes.extend(part.notes);
    into.already_present += part.already_present;
}

/// Exit status 1 when none of the entries asked for is in the vault afterwards (a corrupt
/// `otpauth-migration://` link, a file of unsupported accounts): a script must not take
/// "0 added" for success. Accounts already in the vault count as done. `empty` says why when
/// there were no entries at all.
fn refuse_if_nothing_added(report: &AddReport, empty: &str) -> Result<()> {
    if !report.did_nothing() {
        return Ok(());
    }
    let mut reasons: Vec<String> = report
        .skipped
        .iter()
        .map(|s| format!("{}: {}", s.entry, s.reason))
        .collect();
    if reasons.is_empty() {
        reasons.extend(report.notes.iter().cloned());
    }
    if reasons.is_empty() {
        reasons.push(empty.to_owned());
    }
    Err(CliError::NothingAdded(reasons.join("; ")))
}

pub fn list(path: &Path, json: bool, now: u64) -> Result<()> {
    let engine = open(path)?;
    let accounts = engine.accounts(now)?;
    if json {
        let listed: Vec<serde_json::Value> = accounts
            .iter()
            .map(|a| {
                let mut v = serde_json::to_value(a).unwrap_or_default();
                if let Some(map) = v.as_object_mut() {
                    for key in ["code", "next_code", "seconds_left"] {
                        map.remove(key);
                    }
                }
                v
            })
            .collect();
        return print_json(&listed);
    }
    table(
        &["ID", "ISSUER", "NAME", "TYPE", "GROUP", "FAV", "PUSH"],
        accounts.iter().map(|a| {
            vec![
                a.id.clone(),
                a.issuer.clone().unwrap_or_default(),
                a.name.clone(),
                a.kind.to_owned(),
                a.group.clone().unwrap_or_default(),
                if a.favourite {
                    "*".into()
                } else {
                    String::new()
                },
                push_column(a),
            ]
        }),
    );
    Ok(())
}

pub fn codes(path: &Path, json: bool, at: u64) -> Result<()> {
    let engine = open(path)?;
    let accounts = engine.accounts(at)?;
    if json {
        return print_json(&accounts);
    }
    table(
        &["ID", "ISSUER", "NAME", "CODE", "NEXT", "LEFT"],
        accounts.iter().map(code_row),
    );
    Ok(())
}

pub fn remove(path: &Path, account: &str, yes: bool, now: u64) -> Result<()> {
    let mut engine = open(path)?;
    let view = engine.account(account, now)?;
    if !yes {
        confirm(&format!(
            "Remove {} ({})? Its codes will be gone. [y/N] ",
            label(&view),
            view.id
        ))?;
    }
    let removed = engine.remove(&view.id)?;
    println!("removed {removed}");
    Ok(())
}

pub fn import(
    path: &Path,
    format: ImportFormat,
    file: &Path,
    password: Option<String>,
    json: bool,
    now: u64,
) -> Result<()> {
    let mut engine = open(path)?;
    let bytes = read(file)?;
    let report = match engine.import(format, &bytes, password.as_deref(), now) {
        Err(Error::Import(ImportError::PasswordRequired(_)))
            if password.is_none() && std::io::stdin().is_terminal() =>
        {
            let password = prompt("Export password: ", "TWOFOLD_IMPORT_PASSWORD")?;
            engine.import(format, &bytes, Some(&password), now)?
        }
        other => other?,
    };
    print_report(&report, json)?;
    refuse_if_nothing_added(&report, "the file holds no accounts")
}

/// `twofold export`: see the command's help for what each combination writes.
pub fn export(
    path: &Path,
    out: &Path,
    format: ExportFormatArg,
    encrypt: bool,
    insecure_plaintext: bool,
) -> Result<()> {
    let mut engine = open(path)?;
    if out != Path::new("-") {
        // Refused before any warning or password prompt.
        check_destination(out, Existing::Refuse).map_err(Error::from)?;
    }
    match format {
        ExportFormatArg::Twofold if insecure_plaintext => {
            warn_plaintext();
            let text = engine.export_uris()?;
            write_out(&engine, out, text.as_bytes())
        }
        ExportFormatArg::Twofold => {
            if out == Path::new("-") {
                return Err(CliError::Usage(
                    "an encrypted backup is binary; give a file with --out FILE",
                ));
            }
            let password = new_password(EXPORT_PASSWORD_ENV, "backup")?;
            let bytes = engine.export_backup(&password)?;
            write_out(&engine, out, &bytes)?;
            eprintln!(
                "wrote an encrypted backup to {}; restore it with `twofold import --from twofold {}`",
                out.display(),
                out.display()
            );
            Ok(())
        }
        ExportFormatArg::Aegis => {
            let password = if encrypt {
                Some(new_password(EXPORT_PASSWORD_ENV, "export")?)
            } else {
                warn_plaintext();
                None
            };
            let bytes = engine.export_aegis(password.as_deref().map(String::as_str))?;
            write_out(&engine, out, &bytes)?;
            if out != Path::new("-") {
                eprintln!(
                    "wrote an {} Aegis vault to {}; import it in Aegis (Settings, Import & \
                     export, Import from file, Aegis)",
                    if encrypt { "encrypted" } else { "UNENCRYPTED" },
                    out.display()
                );
            }
            Ok(())
        }
    }
}

fn warn_plaintext() {
    eprintln!(
        "twofold: WARNING: writing every secret UNENCRYPTED. Anyone who sees this \
         output can generate your codes; delete it as soon as you are done."
    );
}

pub fn passwd(path: &Path) -> Result<()> {
    if !path.exists() {
        return Err(Error::NoVault(path.to_owned()).into());
    }
    let current = password()?;
    let mut engine = Engine::open(path, &current)?;
    engine.set_kdf_params(kdf_params()?);
    let new = new_password(NEW_PASSWORD_ENV, "vault")?;
    engine.change_password(&current, &new)?;
    println!("password changed");
    Ok(())
}

pub fn next(path: &Path, account: &str, now: u64) -> Result<()> {
    let mut engine = open(path)?;
    let view = engine.next_code(account, now)?;
    println!("{}", view.code);
    Ok(())
}

fn confirm(question: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NoConfirmation);
    }
    print!("{question}");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(CliError::NotConfirmed)
    }
}

/// Standard output, or the engine's export writer: 0600, atomic, never over an existing file
/// or through a symbolic link.
fn write_out(engine: &Engine, out: &Path, bytes: &[u8]) -> Result<()> {
    if out == Path::new("-") {
        std::io::stdout().write_all(bytes)?;
        return Ok(());
    }
    Ok(engine.write_export(out, bytes, Existing::Refuse)?)
}
