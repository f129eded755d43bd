//! Arguments: clap derive, with an example in every command's help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use twofold_core::proto::admin::{DefaultMethod, MfaState};

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
    /// OATH hardware tokens: import seed files (PSKC, CSV), assign, resync, enable, delete.
    #[command(subcommand)]
    Token(TokenCommand),
    /// App passwords for clients that cannot do MFA: create, list, delete.
    #[command(subcommand)]
    AppPassword(AppPasswordCommand),
    /// Administrators' credentials: admin tokens, web console admins.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The LDAP / Active Directory directory: sync users, look one up.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// The users' self-service portal at /portal/: sign-in links.
    #[command(subcommand)]
    Portal(PortalCommand),
}

#[derive(Debug, Subcommand)]
pub enum AppPasswordCommand {
    /// Create an app password for one client of the user; it is shown only now. Needs
    /// `[app_passwords] enabled = true` on the server.
    #[command(
        after_help = "Example:\n  twofold-server app-password create alice --name \"Thunderbird on the laptop\""
    )]
    Create {
        username: String,
        /// What it is for; unique per user.
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List the user's app passwords (names, when created and last used; never the values).
    #[command(after_help = "Example:\n  twofold-server app-password list alice --json")]
    List {
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete one app password, or all of them (lost phone or laptop).
    #[command(
        after_help = "Examples:\n  twofold-server app-password delete alice \"Thunderbird on the laptop\"\n  twofold-server app-password delete alice --all"
    )]
    Delete {
        username: String,
        /// The app password's name.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        name: Option<String>,
        /// Delete every app password of the user.
        #[arg(long)]
        all: bool,
    },
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
        /// push, passcode, app_password, bypass or recovery.
        method: String,
    },
    /// Disable a method for everyone: users who relied on it are asked to register another.
    #[command(after_help = "Example:\n  twofold-server method disable push")]
    Disable {
        /// push, passcode, app_password, bypass or recovery.
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
    /// In E.164 form (+ then 8 to 15 digits; spaces, dashes, dots and parentheses are
    /// ignored); text and voice codes go to it. '' clears it.
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
    /// Change a user's details, MFA state or default method; unblock a user blocked after a
    /// fraud report; unlock a user locked out after failed codes.
    #[command(
        after_help = "Examples:\n  twofold-server user update alice --mfa-state enforced\n  twofold-server user update alice --default-method token\n  twofold-server user update alice --phone +4915123456789 --default-method sms\n  twofold-server user update alice --clear-default-method\n  twofold-server user update alice --phone ''   # clears the phone number\n  twofold-server user update alice --unblock\n  twofold-server user update alice --unlock\n  twofold-server user update alice --email ''   # clears the email"
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
        /// What `factor: auto` uses and preauth offers first: push, passcode (the app's
        /// code), token (a hardware token's code), sms or voice (a code sent to the
        /// user's phone; only when the server has that gateway).
        #[arg(long, value_parser = parse_default_method)]
        default_method: Option<DefaultMethod>,
        /// Clear the default method (none chosen: push before passcode).
        #[arg(long, conflicts_with = "default_method")]
        clear_default_method: bool,
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
        /// Keep the user's app passwords (by default a reset deletes them).
        #[arg(long)]
        keep_app_passwords: bool,
    },
    /// A one-time bypass code to read to the user on the phone: they sign in with it instead
    /// of their second factor, within the time and number of uses given. Voids the previous one.
    #[command(
        after_help = "Examples:\n  twofold-server user bypass alice\n  twofold-server user bypass alice --minutes 30 --uses 2 --json"
    )]
    Bypass {
        username: String,
        /// Minutes the code stays valid (1 to 1440).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1440))]
        minutes: u32,
        /// Sign-ins it allows (1 to 10).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
        uses: u32,
        #[arg(long)]
        json: bool,
    },
    /// Ten single-use recovery codes for the user to keep; shown only now. The previous set
    /// stops working.
    #[command(after_help = "Example:\n  twofold-server user recovery-codes alice")]
    RecoveryCodes {
        username: String,
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

fn parse_default_method(text: &str) -> Result<DefaultMethod, CliError> {
    text.to_ascii_lowercase()
        .parse()
        .map_err(|_| CliError::BadDefaultMethod(text.to_owned()))
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Import a seed file: PSKC (RFC 6030; plaintext, pre-shared AES key or PBKDF2 password)
    /// or CSV (`serial number,secret key,time interval` with a base32 key; Entra's
    /// `upn,serial number,secret key,time interval,manufacturer,model`; or
    /// `serial,key,type,digits,timestep` with a hex key). The whole file is checked first and
    /// imported in one transaction, or nothing is; the report says what each row became.
    #[command(
        after_help = "Examples:\n  twofold-server token import seeds.pskc --key 000102030405060708090a0b0c0d0e0f\n  TWOFOLD_TOKEN_PASSWORD='vendor passphrase' twofold-server token import seeds.xml\n  twofold-server token import tokens.csv --format csv --json\n\ntokens.csv (Entra shape; upn assigns the token):\n  upn,serial number,secret key,time interval,manufacturer,model\n  alice,1234567,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,30,Contoso,HardwareKey\n\nPrefer the environment variables to --key/--password: arguments show in `ps`."
    )]
    Import {
        file: PathBuf,
        /// pskc or csv. Default: guessed from the content (XML is PSKC).
        #[arg(long)]
        format: Option<String>,
        /// PSKC pre-shared transport key, hex (16, 24 or 32 bytes).
        #[arg(long, env = "TWOFOLD_TOKEN_KEY", hide_env_values = true)]
        key: Option<String>,
        /// PSKC password (PBKDF2).
        #[arg(long, env = "TWOFOLD_TOKEN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Print the per-row report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List tokens, all or one user's.
    #[command(
        after_help = "Examples:\n  twofold-server token list\n  twofold-server token list --user alice --json"
    )]
    List {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Assign a token to a user: its codes then sign them in (factor passcode).
    #[command(after_help = "Example:\n  twofold-server token assign 2600215704919 alice")]
    Assign { serial: String, username: String },
    /// Take a token away from its user (it stays imported).
    #[command(after_help = "Example:\n  twofold-server token unassign 2600215704919")]
    Unassign { serial: String },
    /// Delete a token.
    #[command(after_help = "Example:\n  twofold-server token delete 2600215704919 --yes")]
    Delete {
        serial: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Accept the token's codes again.
    #[command(after_help = "Example:\n  twofold-server token enable 2600215704919")]
    Enable { serial: String },
    /// Refuse the token's codes (lost token) until it is enabled again.
    #[command(after_help = "Example:\n  twofold-server token disable 2600215704919")]
    Disable { serial: String },
    /// Resynchronise with two consecutive codes read off the token (HOTP: searched up to
    /// 1,000 presses ahead; TOTP: drift re-learned within policy.max_drift_steps).
    #[command(after_help = "Example:\n  twofold-server token resync 1000117803294 755224 287082")]
    Resync {
        serial: String,
        code1: String,
        code2: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Admin tokens: create, list, revoke.
    #[command(subcommand)]
    Token(AdminTokenCommand),
    /// Add a web console admin (sign-in at /admin/ with a password and a TOTP code): asks for
    /// the password twice on the terminal, or reads it from --password-file; prints the TOTP
    /// enrolment (otpauth:// URI and QR code) for the admin's authenticator app, once.
    #[command(
        after_help = "Examples:\n  twofold-server admin add alice\n  twofold-server admin add ops --password-file /run/secrets/ops-console-password"
    )]
    Add {
        /// 1 to 64 characters of a-z, 0-9, '.', '_' and '-'.
        name: String,
        /// Read the password (at least 12 characters) from this file's first line.
        #[arg(long)]
        password_file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List web console admins.
    #[command(after_help = "Example:\n  twofold-server admin list")]
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a web console admin; their sessions end at once.
    #[command(after_help = "Example:\n  twofold-server admin remove alice")]
    Remove { name: String },
    /// A new TOTP secret for a web console admin who lost theirs (the old one stops working).
    #[command(after_help = "Example:\n  twofold-server admin reset-totp alice")]
    ResetTotp {
        name: String,
        #[arg(long)]
        json: bool,
    },
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

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Sync users from the directory ([directory] in the server's configuration): adds new
    /// entries, updates changed attributes, disables (blocks, never deletes) users gone from
    /// the directory or the group and enables them when they come back. Local users are
    /// never touched. One transaction; one sync at a time across all nodes.
    #[command(
        after_help = "Examples:\n  twofold-server directory sync --dry-run\n  twofold-server directory sync\n  twofold-server directory sync --json"
    )]
    Sync {
        /// Only report what would change.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Find a user in the directory and show the attributes Twofold maps (and whether a
    /// sync added them).
    #[command(
        after_help = "Example:\n  twofold-server directory check alice\n  twofold-server directory check alice --json"
    )]
    Check {
        username: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PortalCommand {
    /// Print a single-use sign-in link to the self-service portal for the user (for a server
    /// without a directory). Send it to the user: opening it and pressing Continue signs them
    /// in (then their second factor, if they have one). It works once, and expires after
    /// --minutes (at most [web] portal_link_max_minutes).
    #[command(
        after_help = "Examples:\n  twofold-server portal link alice\n  twofold-server portal link alice --minutes 60\n  twofold-server portal link alice --json"
    )]
    Link {
        username: String,
        /// Minutes until the link expires.
        #[arg(long, default_value_t = 15)]
        minutes: u64,
        #[arg(long)]
        json: bool,
    },
}
