//! Arguments: clap derive, with an example in every command's help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use twofold_core::proto::admin::MfaState;

use super::error::CliError;

#[derive(Debug, Parser)]
#[command(
    name = "twofold-server",
    version,
    about = "The Twofold MFA server and its admin command line.",
    after_help = "Start the server:\n  twofold-server serve\n\nThen, in another terminal:\n  twofold-server user add alice\n  twofold-server activation create alice"
)]
pub struct Cli {
    /// Configuration file (TOML); see backend/twofold.example.toml. TWOFOLD_* variables override it.
    #[arg(long, global = true, env = "TWOFOLD_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub connection: Connection,
    #[command(subcommand)]
    pub command: Command,
}

/// How admin commands reach the server.
#[derive(Debug, Args)]
pub struct Connection {
    /// The server's URL. Default: the URL the configuration describes.
    #[arg(long, global = true, env = "TWOFOLD_SERVER_URL")]
    pub server: Option<String>,
    /// Admin token. Default: the admin.token file in the data directory.
    #[arg(
        long,
        global = true,
        env = "TWOFOLD_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (SQLite in ./twofold-data, http://127.0.0.1:8080 by default).
    #[command(
        after_help = "Example:\n  twofold-server serve\n  TWOFOLD_LISTEN=127.0.0.1:9000 twofold-server serve\n  twofold-server --config /etc/twofold/twofold.toml serve"
    )]
    Serve,
    /// Users: add, import, list, show, update, delete.
    #[command(subcommand)]
    User(UserCommand),
    /// Activation codes for users' devices.
    #[command(subcommand)]
    Activation(ActivationCommand),
    /// Users' devices: list, revoke.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Relying-party applications and their API credentials.
    #[command(subcommand)]
    App(AppCommand),
    /// Read the audit log.
    #[command(
        after_help = "Examples:\n  twofold-server audit --user alice --since 24h\n  twofold-server audit --result deny --json\n  twofold-server audit --since 30d --csv > audit.csv"
    )]
    Audit(AuditArgs),
    /// Reports for billing and capacity.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Server-wide actions.
    #[command(subcommand)]
    Server(ServerCommand),
    /// Enable or disable an authentication method (push, passcode) for everyone.
    #[command(subcommand)]
    Method(MethodCommand),
    /// Administrators' credentials: admin tokens.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Subcommand)]
pub enum MethodCommand {
    /// Which methods are enabled.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Enable a method again.
    #[command(after_help = "Example:\n  twofold-server method enable push")]
    Enable {
        /// push or passcode.
        method: String,
    },
    /// Disable a method for everyone: users who relied on it are asked to register another.
    #[command(after_help = "Example:\n  twofold-server method disable push")]
    Disable {
        /// push or passcode.
        method: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// New activation credentials (a new epoch and server key): every device activated
    /// before must activate again; hardware tokens keep working.
    #[command(after_help = "Example:\n  twofold-server server reactivate --yes")]
    Reactivate {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct UserFields {
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// disabled, enabled or enforced.
    #[arg(long, value_parser = parse_mfa_state)]
    pub mfa_state: Option<MfaState>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user.
    #[command(
        after_help = "Example:\n  twofold-server user add alice --first-name Alice --email alice@example.com --phone '+1 555 0100'"
    )]
    Add {
        username: String,
        #[command(flatten)]
        fields: UserFields,
        #[arg(long)]
        json: bool,
    },
    /// Add users from a CSV file with a header line
    /// (columns: username, first_name, last_name, email, phone, mfa_state).
    #[command(
        after_help = "Example:\n  twofold-server user import staff.csv\n\nstaff.csv:\n  username,first_name,last_name,email\n  alice,Alice,Ng,alice@example.com"
    )]
    Import {
        file: PathBuf,
        /// Print the per-row report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List users.
    #[command(after_help = "Example:\n  twofold-server user list --json")]
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a user and their devices.
    #[command(after_help = "Example:\n  twofold-server user show alice")]
    Show {
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a user's details or MFA state; unblock a user blocked after a fraud report;
    /// unlock a user locked out after failed codes.
    #[command(
        after_help = "Examples:\n  twofold-server user update alice --mfa-state enforced\n  twofold-server user update alice --unblock\n  twofold-server user update alice --unlock\n  twofold-server user update alice --email ''   # clears the email"
    )]
    Update {
        username: String,
        #[command(flatten)]
        fields: UserFields,
        /// Block every sign-in of this user.
        #[arg(long, conflicts_with = "unblock")]
        block: bool,
        /// Lift a block.
        #[arg(long)]
        unblock: bool,
        /// Lift a lockout after failed codes, also one that stays until an admin lifts it.
        #[arg(long)]
        unlock: bool,
        #[arg(long)]
        json: bool,
    },
    /// Lost or replaced phone: revoke all the user's devices at once (open channels are
    /// closed) and require them to register again.
    #[command(
        after_help = "Example:\n  twofold-server user reset alice --yes\n  twofold-server activation create alice"
    )]
    Reset {
        username: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Delete a user, their devices and tokens.
    #[command(after_help = "Example:\n  twofold-server user delete alice --yes")]
    Delete {
        username: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ActivationCommand {
    /// Create a single-use activation code (voids the previous one) and show it as a QR code.
    #[command(
        after_help = "Examples:\n  twofold-server activation create alice\n  twofold-server activation create alice --png alice.png --json"
    )]
    Create {
        username: String,
        /// Also write the QR code to this PNG file.
        #[arg(long)]
        png: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// List a user's devices.
    #[command(after_help = "Example:\n  twofold-server device list alice")]
    List {
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device (lost or replaced phone).
    #[command(after_help = "Example:\n  twofold-server device revoke dev_abcdefghijklmnop")]
    Revoke { device_id: String },
}

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Register an application; prints its id and secret once.
    #[command(after_help = "Example:\n  twofold-server app add \"Corporate VPN\"")]
    Add {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List applications.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Delete an application: its credentials stop working at once.
    Delete { id: String },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[arg(long)]
    pub user: Option<String>,
    /// allow, deny, enroll, success, failure, ...
    #[arg(long)]
    pub result: Option<String>,
    /// authentication, activation, admin, ...
    #[arg(long)]
    pub event: Option<String>,
    /// Unix seconds, or a time ago: 30m, 24h, 7d.
    #[arg(long)]
    pub since: Option<String>,
    /// Unix seconds, or a time ago: 30m, 24h, 7d.
    #[arg(long)]
    pub until: Option<String>,
    /// At most this many records (newest first).
    #[arg(long, default_value_t = 1000)]
    pub limit: i64,
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    #[arg(long)]
    pub csv: bool,
    /// Only changes made with this admin token (its id, adm_...).
    #[arg(long)]
    pub admin: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Users enabled, devices active, authentications per period and per application.
    #[command(
        after_help = "Examples:\n  twofold-server report usage --since 30d\n  twofold-server report usage --since 1700000000 --until 1702592000 --period week --json"
    )]
    Usage {
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        until: Option<String>,
        /// hour, day or week.
        #[arg(long, default_value = "day")]
        period: String,
        #[arg(long)]
        json: bool,
    },
}

fn parse_mfa_state(text: &str) -> Result<MfaState, CliError> {
    MfaState::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| CliError::BadMfaState(text.to_owned()))
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Admin tokens: create, list, revoke.
    #[command(subcommand)]
    Token(AdminTokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum AdminTokenCommand {
    /// Create an admin token; it is shown only now.
    #[command(
        after_help = "Examples:\n  twofold-server admin token create --name \"ops laptop\"\n  twofold-server admin token create --json"
    )]
    Create {
        /// A label for people (1 to 64 characters).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List admin tokens (never their secrets), revoked ones included.
    #[command(after_help = "Example:\n  twofold-server admin token list")]
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke an admin token: it stops working at once. The last working one cannot be revoked.
    #[command(
        after_help = "Rotating the first token:\n  twofold-server admin token create --name ops\n  twofold-server --token adm_NEW.SECRET admin token revoke adm_OLD"
    )]
    Revoke { id: String },
}
