//! `twofold`: the authenticator engine on the command line.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use twofold_authenticator::push::PushError;
use twofold_authenticator::{
    default_vault_path, AccountView, AddReport, Clock, Engine, Error, ImportError, ImportFormat,
    KdfParams, SystemClock, VaultError,
};
use twofold_core::OtpAccount;
use zeroize::Zeroizing;

mod cli_push;

const PASSWORD_ENV: &str = "TWOFOLD_VAULT_PASSWORD";
const NEW_PASSWORD_ENV: &str = "TWOFOLD_NEW_VAULT_PASSWORD";
const EXPORT_PASSWORD_ENV: &str = "TWOFOLD_EXPORT_PASSWORD";
/// Hidden: Argon2id parameters `m_kib,t,p` for new passwords (tests use tiny ones).
const KDF_ENV: &str = "TWOFOLD_KDF";

#[derive(Parser)]
#[command(
    name = "twofold",
    version,
    about = "Twofold authenticator: TOTP/HOTP/Steam codes from an encrypted vault",
    after_help = "Examples:\n  twofold init\n  twofold add 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP'\n  twofold codes\n\n\
                  The vault password is asked for without echo, or read from TWOFOLD_VAULT_PASSWORD."
)]
struct Cli {
    /// The vault file [default: $XDG_DATA_HOME/twofold/vault.twofold]
    #[arg(long, global = true, env = "TWOFOLD_VAULT", value_name = "PATH")]
    vault: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the code of an otpauth:// URI (no vault needed)
    #[command(
        after_help = "Example:\n  twofold code 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP' --at 59"
    )]
    Code {
        /// An otpauth:// URI (totp, hotp or steam)
        uri: String,
        /// Compute the code at this time instead of now
        #[arg(long, value_name = "UNIX_SECONDS")]
        at: Option<u64>,
    },
    /// Create a new, empty vault
    #[command(after_help = "Example:\n  twofold init\n  twofold --vault ./my.twofold init")]
    Init,
    /// Add an account from an otpauth:// URI or from QR code images
    #[command(
        after_help = "Examples:\n  twofold add 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP'\n  \
                            twofold add --image screenshot.png\n  \
                            twofold add --image ga-1.png --image ga-2.png --image ga-3.png"
    )]
    Add {
        /// An otpauth:// (or otpauth-migration://) URI
        uri: Option<String>,
        /// A PNG or JPEG with one or more QR codes (repeat for a multi-code Google export)
        #[arg(long, value_name = "FILE")]
        image: Vec<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// List the accounts (no codes)
    #[command(after_help = "Example:\n  twofold list --json")]
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show every account's current and next code
    #[command(after_help = "Example:\n  twofold codes\n  twofold codes --at 1700000000 --json")]
    Codes {
        #[arg(long, value_name = "UNIX_SECONDS")]
        at: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Remove an account
    #[command(
        after_help = "Example:\n  twofold remove 3f2a9c0d1e4b5a69\n  twofold remove 'ACME:alice' --yes"
    )]
    Remove {
        /// The account's id, or its name, issuer or issuer:name if unique
        account: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
    /// Import another app's export (or a Twofold backup)
    #[command(
        after_help = "Examples:\n  twofold import --from aegis aegis-export.json\n  \
                            twofold import --from 2fas backup.2fas --password 'secret'\n  \
                            twofold import --from twofold twofold-backup.twofold\n\n\
                            The password may also come from TWOFOLD_IMPORT_PASSWORD, or is asked for."
    )]
    Import {
        /// The export's format
        #[arg(long, value_enum)]
        from: Source,
        /// The export file
        file: PathBuf,
        /// The export's password (encrypted Aegis, 2FAS and Twofold files)
        #[arg(long, env = "TWOFOLD_IMPORT_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write an encrypted backup (or, explicitly, a plain otpauth:// list)
    #[command(after_help = "Examples:\n  twofold export --out backup.twofold\n  \
                            twofold export --out - --insecure-plaintext > uris.txt\n\n\
                            The backup password comes from TWOFOLD_EXPORT_PASSWORD or is asked for twice.")]
    Export {
        /// Where to write (`-` for standard output)
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
        /// Write every secret unencrypted as otpauth:// URIs
        #[arg(long)]
        insecure_plaintext: bool,
    },
    /// Change the vault password
    #[command(after_help = "Example:\n  twofold passwd\n\n\
                            The new password comes from TWOFOLD_NEW_VAULT_PASSWORD or is asked for twice.")]
    Passwd,
    /// Activate this vault as a Twofold device (push sign-ins and offline codes)
    #[command(after_help = "Examples:\n  \
                            twofold activate 'twofold://activate?url=https%3A%2F%2Fmfa.example.com&code=1234%205678%209012'\n  \
                            twofold activate --image activation-qr.png\n\n\
                            The administrator creates the activation code (`twofold-server activation create USER`).\n\
                            Activating the same user on the same server again replaces the earlier activation.")]
    Activate {
        /// The activation URI (twofold://activate?url=...&code=...)
        uri: Option<String>,
        /// A PNG or JPEG of the activation QR code instead of the URI
        #[arg(long, value_name = "FILE", conflicts_with = "uri")]
        image: Option<PathBuf>,
        /// The device name the administrator sees [default: "twofold CLI on <host name>"]
        #[arg(long)]
        name: Option<String>,
        /// Allow a server address with plain http:// that is not this machine (unsafe: the
        /// offline-code secret crosses the network unencrypted)
        #[arg(long)]
        allow_http: bool,
        #[arg(long)]
        json: bool,
    },
    /// Push sign-in requests: listen for them, answer them
    #[command(subcommand)]
    Push(cli_push::PushCommand),
    /// Move a counter-based (HOTP) account to its next code
    #[command(after_help = "Example:\n  twofold next 3f2a9c0d1e4b5a69")]
    Next {
        /// The account's id or unique name
        account: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Source {
    Aegis,
    #[value(name = "2fas")]
    TwoFas,
    Ente,
    Bitwarden,
    Uris,
    Google,
    Twofold,
}

impl Source {
    fn format(self) -> ImportFormat {
        match self {
            Source::Aegis => ImportFormat::Aegis,
            Source::TwoFas => ImportFormat::TwoFas,
            Source::Ente => ImportFormat::Ente,
            Source::Bitwarden => ImportFormat::Bitwarden,
            Source::Uris => ImportFormat::Uris,
            Source::Google => ImportFormat::Google,
            Source::Twofold => ImportFormat::Twofold,
        }
    }
}

/// A message for the user: one line, saying what to do.
pub(crate) struct Failure(String);

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let hint = match &error {
            Error::NoVault(_) => "; create one with `twofold init` or pass --vault PATH",
            Error::VaultExists(_) => "; use it, or pass another --vault PATH",
            Error::Vault(VaultError::WrongPassword) => {
                "; try again (the password may also come from TWOFOLD_VAULT_PASSWORD)"
            }
            Error::Vault(VaultError::Damaged) => {
                "; restore it from a backup with `twofold import --from twofold FILE`"
            }
            Error::Import(ImportError::PasswordRequired(_)) => {
                "; pass --password or set TWOFOLD_IMPORT_PASSWORD"
            }
            Error::NotFound(_) => "; `twofold list` shows the ids",
            Error::Push(PushError::NumberRequired) => {
                "; pass --number N with the number the sign-in page shows"
            }
            _ => "",
        };
        Failure(format!("{error}{hint}"))
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure(error.to_string())
    }
}

pub(crate) type Result<T> = std::result::Result<T, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("twofold: {message}");
            ExitCode::FAILURE
        }
    }
}

fn vault_path(cli_path: Option<PathBuf>) -> Result<PathBuf> {
    cli_path.or_else(default_vault_path).ok_or_else(|| {
        Failure("no data directory is known for this user; pass --vault PATH".into())
    })
}

fn kdf_params() -> Result<KdfParams> {
    match std::env::var(KDF_ENV) {
        Ok(text) => KdfParams::parse(&text).ok_or_else(|| {
            Failure(format!(
                "{KDF_ENV} must be m_kib,t,p (e.g. 65536,3,1), not {text:?}"
            ))
        }),
        Err(_) => Ok(KdfParams::default()),
    }
}

fn prompt(label: &str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|_| {
            Failure(
                "cannot ask for a password here (no terminal); set TWOFOLD_VAULT_PASSWORD".into(),
            )
        })
}

/// The password of an existing vault.
fn password() -> Result<Zeroizing<String>> {
    match std::env::var(PASSWORD_ENV) {
        Ok(p) => Ok(Zeroizing::new(p)),
        Err(_) => prompt("Vault password: "),
    }
}

/// A new password: from `env`, or asked for twice.
fn new_password(env: &str, what: &str) -> Result<Zeroizing<String>> {
    let password = match std::env::var(env) {
        Ok(p) => Zeroizing::new(p),
        Err(_) => {
            let first = prompt(&format!("New {what} password: "))?;
            let second = prompt(&format!("Repeat the {what} password: "))?;
            if *first != *second {
                return Err(Failure(
                    "the two passwords differ; nothing was changed".into(),
                ));
            }
            first
        }
    };
    if password.is_empty() {
        return Err(Failure(format!("the {what} password must not be empty")));
    }
    Ok(password)
}

fn open(path: &Path) -> Result<Engine> {
    Ok(open_keeping_password(path)?.0)
}

/// Opens the vault and keeps the password, to read the file again before a later change.
fn open_keeping_password(path: &Path) -> Result<(Engine, Zeroizing<String>)> {
    if !path.exists() {
        return Err(Error::NoVault(path.to_owned()).into());
    }
    let password = password()?;
    let mut engine = Engine::open(path, &password)?;
    engine.set_kdf_params(kdf_params()?);
    Ok((engine, password))
}

pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure(format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let now = SystemClock.now();
    match cli.command {
        Command::Code { uri, at } => {
            let account = OtpAccount::from_uri(&uri).map_err(Error::from)?;
            println!("{}", account.code(at.unwrap_or(now)).map_err(Error::from)?);
        }
        Command::Init => {
            let path = vault_path(cli.vault)?;
            if path.exists() {
                return Err(Error::VaultExists(path).into());
            }
            let password = match std::env::var(PASSWORD_ENV) {
                Ok(p) if !p.is_empty() => Zeroizing::new(p),
                _ => new_password(PASSWORD_ENV, "vault")?,
            };
            Engine::create(&path, &password, kdf_params()?)?;
            println!("created {}", path.display());
        }
        Command::Add { uri, image, json } => {
            let mut engine = open(&vault_path(cli.vault)?)?;
            if uri.is_none() && image.is_empty() {
                return Err(Failure(
                    "give an otpauth:// URI or --image FILE (see `twofold add --help`)".into(),
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
                    .map_err(|e| Failure(format!("{}: {}", file.display(), Failure::from(e).0)))?;
                merge(&mut report, part);
            }
            print_report(&report, json)?;
        }
        Command::List { json } => {
            let engine = open(&vault_path(cli.vault)?)?;
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
                        cli_push::push_column(a),
                    ]
                }),
            );
        }
        Command::Codes { at, json } => {
            let engine = open(&vault_path(cli.vault)?)?;
            let accounts = engine.accounts(at.unwrap_or(now))?;
            if json {
                return print_json(&accounts);
            }
            table(
                &["ID", "ISSUER", "NAME", "CODE", "NEXT", "LEFT"],
                accounts.iter().map(code_row),
            );
        }
        Command::Remove { account, yes } => {
            let mut engine = open(&vault_path(cli.vault)?)?;
            let view = engine.account(&account, now)?;
            if !yes {
                confirm(&format!(
                    "Remove {} ({})? Its codes will be gone. [y/N] ",
                    label(&view),
                    view.id
                ))?;
            }
            let removed = engine.remove(&view.id)?;
            println!("removed {removed}");
        }
        Command::Import {
            from,
            file,
            password,
            json,
        } => {
            let mut engine = open(&vault_path(cli.vault)?)?;
            let bytes = read(&file)?;
            let format = from.format();
            let report = match engine.import(format, &bytes, password.as_deref(), now) {
                Err(Error::Import(ImportError::PasswordRequired(_)))
                    if password.is_none() && std::io::stdin().is_terminal() =>
                {
                    let password = prompt("Export password: ")?;
                    engine.import(format, &bytes, Some(&password), now)?
                }
                other => other?,
            };
            print_report(&report, json)?;
        }
        Command::Export {
            out,
            insecure_plaintext,
        } => {
            let engine = open(&vault_path(cli.vault)?)?;
            if insecure_plaintext {
                eprintln!(
                    "twofold: WARNING: writing every secret UNENCRYPTED. Anyone who sees this \
                     output can generate your codes; delete it as soon as you are done."
                );
                let text = engine.export_uris()?;
                write_out(&out, text.as_bytes())?;
            } else {
                let password = new_password(EXPORT_PASSWORD_ENV, "backup")?;
                let bytes = engine.export_backup(&password)?;
                if out == Path::new("-") {
                    return Err(Failure(
                        "an encrypted backup is binary; give a file with --out FILE".into(),
                    ));
                }
                write_out(&out, &bytes)?;
                eprintln!(
                    "wrote an encrypted backup to {}; restore it with `twofold import --from twofold {}`",
                    out.display(),
                    out.display()
                );
            }
        }
        Command::Passwd => {
            let path = vault_path(cli.vault)?;
            if !path.exists() {
                return Err(Error::NoVault(path).into());
            }
            let current = password()?;
            let mut engine = Engine::open(&path, &current)?;
            engine.set_kdf_params(kdf_params()?);
            let new = new_password(NEW_PASSWORD_ENV, "vault")?;
            engine.change_password(&current, &new)?;
            println!("password changed");
        }
        Command::Activate {
            uri,
            image,
            name,
            allow_http,
            json,
        } => {
            let path = vault_path(cli.vault)?;
            cli_push::activate(&path, uri, image, name, allow_http, json)?;
        }
        Command::Push(command) => cli_push::run(&vault_path(cli.vault)?, command)?,
        Command::Next { account } => {
            let mut engine = open(&vault_path(cli.vault)?)?;
            let view = engine.next_code(&account, now)?;
            println!("{}", view.code);
        }
    }
    Ok(())
}

fn merge(into: &mut AddReport, part: AddReport) {
    into.added.extend(part.added);
    into.skipped.extend(part.skipped);
    into.notes.extend(part.notes);
}

fn print_report(report: &AddReport, json: bool) -> Result<()> {
    if json {
        return print_json(report);
    }
    for added in &report.added {
        println!("added    {}  {}", added.id, added.label);
    }
    for skipped in &report.skipped {
        println!("skipped  {}: {}", skipped.entry, skipped.reason);
    }
    for note in &report.notes {
        println!("note     {note}");
    }
    println!(
        "{} added, {} skipped",
        report.added.len(),
        report.skipped.len()
    );
    Ok(())
}

fn label(view: &AccountView) -> String {
    match &view.issuer {
        Some(issuer) if !view.name.is_empty() => format!("{issuer} ({})", view.name),
        Some(issuer) => issuer.clone(),
        None => view.name.clone(),
    }
}

fn code_row(a: &AccountView) -> Vec<String> {
    vec![
        a.id.clone(),
        a.issuer.clone().unwrap_or_default(),
        a.name.clone(),
        a.code.clone(),
        a.next_code.clone(),
        match (a.seconds_left, a.counter) {
            (Some(s), _) => format!("{s}s"),
            (None, Some(c)) => format!("#{c}"),
            (None, None) => String::new(),
        },
    ]
}

fn table(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let rows: Vec<Vec<String>> = rows.collect();
    if rows.is_empty() {
        println!("no accounts yet; add one with `twofold add URI` or `twofold import`");
        return;
    }
    print!(
        "{}",
        twofold_core::table::render(headers, &rows, twofold_core::table::Rule::None)
    );
}

fn confirm(question: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure(
            "not removing without confirmation; add --yes to remove from a script".into(),
        ));
    }
    print!("{question}");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Failure("nothing removed".into()))
    }
}

fn write_out(out: &Path, bytes: &[u8]) -> Result<()> {
    if out == Path::new("-") {
        std::io::stdout().write_all(bytes)?;
        return Ok(());
    }
    if out.exists() {
        return Err(Failure(format!(
            "{} exists; choose another file (nothing is overwritten)",
            out.display()
        )));
    }
    twofold_authenticator::vault::write_atomic(out, bytes)
        .map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))
}
