//! The `twofold` command line: every command, flag and environment variable, with its help.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use twofold_authenticator::ImportFormat;

#[derive(Parser)]
#[command(
    name = "twofold",
    version,
    about = "Twofold authenticator: TOTP/HOTP/Steam codes from an encrypted vault",
    after_help = "Examples:\n  twofold init\n  twofold add 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP'\n  twofold codes\n\n\
                  The vault password is asked for without echo, or read from TWOFOLD_VAULT_PASSWORD."
)]
pub struct Cli {
    /// The vault file [default: $XDG_DATA_HOME/twofold/vault.twofold]
    #[arg(long, global = true, env = "TWOFOLD_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
                            twofold import --from twofold twofold-backup.twofold\n  \
                            twofold import --from ente ente-auth-encrypted.txt\n  \
                            twofold import --from bitwarden bitwarden_encrypted_export.json\n\n\
                            The password may also come from TWOFOLD_IMPORT_PASSWORD, or is asked for."
    )]
    Import {
        /// The export's format
        #[arg(long, value_enum)]
        from: Source,
        /// The export file
        file: PathBuf,
        /// The export's password (encrypted Aegis, 2FAS, Ente Auth, Bitwarden and Twofold files)
        #[arg(long, env = "TWOFOLD_IMPORT_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write an encrypted backup, an Aegis vault (to move to another app), or a plain list
    #[command(after_help = "Examples:\n  twofold export --out backup.twofold\n  \
                            twofold export --format aegis --encrypt --out aegis-export.json\n  \
                            twofold export --format aegis --out aegis-export-plain.json\n  \
                            twofold export --out - --insecure-plaintext > uris.txt\n\n\
                            The Twofold backup is always encrypted; an Aegis vault with --encrypt \
                            (scrypt and AES-256-GCM, as Aegis itself writes it), otherwise plain.\n\
                            The export password comes from TWOFOLD_EXPORT_PASSWORD or is asked for \
                            twice, without echo.\n\
                            The file is created readable by you only (0600); an existing file or a \
                            symbolic link is never overwritten.")]
    Export {
        /// Where to write (`-` for standard output; not for the binary Twofold backup)
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
        /// The file's format: `twofold` (encrypted backup) or `aegis` (Aegis JSON vault)
        #[arg(long, value_enum, default_value_t = ExportFormatArg::Twofold)]
        format: ExportFormatArg,
        /// Encrypt the Aegis vault with a password (the Twofold backup always is)
        #[arg(long, conflicts_with = "insecure_plaintext")]
        encrypt: bool,
        /// Write every secret unencrypted (as otpauth:// URIs with the Twofold format)
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
    Push(PushCommand),
    /// Move a counter-based (HOTP) account to its next code
    #[command(after_help = "Example:\n  twofold next 3f2a9c0d1e4b5a69")]
    Next {
        /// The account's id or unique name
        account: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Source {
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
    pub fn format(self) -> ImportFormat {
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

/// What `export --format` writes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Twofold,
    Aegis,
}

#[derive(Subcommand)]
pub enum PushCommand {
    /// Wait for sign-in requests and print them as they arrive (runs until stopped)
    #[command(
        after_help = "Examples:\n  twofold push listen\n  twofold push listen --json\n\n\
                            With --json every event is one JSON object per line \
                            (\"event\": challenge, withdrawn, answer_result, connected, ...)."
    )]
    Listen {
        #[arg(long)]
        json: bool,
    },
    /// Approve or deny a pending sign-in request
    #[command(after_help = "Examples:\n  twofold push answer chl_3f2a approve\n  \
                            twofold push answer chl_3f2a approve --number 42\n  \
                            twofold push answer chl_3f2a deny --report\n\n\
                            Exits 0 only when the server accepted the answer.")]
    Answer {
        /// The request's id (`twofold push listen` shows it)
        challenge_id: String,
        decision: DecisionArg,
        /// The number the sign-in page shows, when the request asks for it
        #[arg(long)]
        number: Option<String>,
        /// With deny: "this was not me"; the server blocks sign-ins and alerts the administrator
        #[arg(long)]
        report: bool,
        /// How long to wait for the request to be delivered, in seconds
        #[arg(long, default_value_t = 10, value_name = "SECONDS")]
        wait: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DecisionArg {
    Approve,
    Deny,
}
