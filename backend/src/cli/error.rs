//! What can go wrong in an admin command. Each variant prints the message the CLI has always
//! printed after `error: `; every one of them exits with status 1.

use std::path::PathBuf;

use reqwest::StatusCode;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CliError {
    /// The server refused the request with a stable error code.
    #[error("{message} ({code})")]
    Refused { code: String, message: String },
    /// The server refused the admin token.
    #[error("{message} ({code}): check the admin token")]
    Unauthorized { code: String, message: String },
    /// The server answered an error without the usual error body (a proxy, say).
    #[error("the server answered {0}")]
    Status(StatusCode),
    #[error("cannot reach the server at {0}: is it running (twofold-server serve)?")]
    Unreachable(String),
    #[error("request to {url} failed: {source}")]
    Request { url: String, source: reqwest::Error },
    /// The answer's body could not be read.
    #[error("{0}")]
    Answer(reqwest::Error),
    #[error("unexpected answer from the server: {0}")]
    UnexpectedAnswer(serde_json::Error),
    #[error("HTTP client: {0}")]
    HttpClient(reqwest::Error),
    /// A request body or `--json` output could not be encoded.
    #[error("{0}")]
    Encode(serde_json::Error),
    #[error("no admin token: pass --token or set TWOFOLD_ADMIN_TOKEN, or run where {} is readable ({source})", path.display())]
    NoToken {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The admin answered no to "are you sure?"; the text says what was not done.
    #[error("{0}")]
    NotConfirmed(&'static str),
    /// Reading the answer to a question or writing to the terminal failed.
    #[error("{0}")]
    Terminal(std::io::Error),
    #[error("cannot read {}: {source}", path.display())]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is empty", .0.display())]
    EmptyFile(PathBuf),
    #[error("{} has a header line but no rows", .0.display())]
    NoRows(PathBuf),
    /// A whole import was refused; the text says how many and where the reasons are.
    #[error("nothing imported: {0}")]
    NothingImported(String),
    /// The activation's QR image was not valid base64.
    #[error("QR image: {0}")]
    QrImage(base64::DecodeError),
    /// A time argument that is neither unix seconds nor an amount of time ago.
    #[error("{0:?} is not unix seconds or a time ago like 30m, 24h, 7d")]
    BadTime(String),
    #[error("{0:?}: the unit must be s, m, h, d or w")]
    BadTimeUnit(String),
    #[error("{0:?} is not disabled, enabled or enforced")]
    BadMfaState(String),
    #[error("{0:?} is not push, passcode, token, sms or voice")]
    BadDefaultMethod(String),
    /// The server's own code failed here: `serve`, or drawing the QR code.
    #[error("{0}")]
    Server(#[from] crate::error::Error),
    /// `--server` (or the configured URL) would carry the admin token in clear text.
    #[error("refusing to send the admin token to {0} over plain http: use https://, or http:// only to this machine (127.0.0.1, [::1], localhost)")]
    InsecureServer(String),
    #[error("the server URL {url:?} is not usable: {message}")]
    BadServerUrl { url: String, message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scripts match on these lines (after `error: `); they are the CLI's output.
    #[test]
    fn messages_are_the_ones_the_cli_prints() {
        let cases = [
            (
                CliError::Refused {
                    code: "user.not_found".into(),
                    message: "no user \"bob\"".into(),
                },
                "no user \"bob\" (user.not_found)",
            ),
            (
                CliError::Unauthorized {
                    code: "auth.unauthorized".into(),
                    message: "bad token".into(),
                },
                "bad token (auth.unauthorized): check the admin token",
            ),
            (
                CliError::Status(StatusCode::BAD_GATEWAY),
                "the server answered 502 Bad Gateway",
            ),
            (
                CliError::Unreachable("http://127.0.0.1:1".into()),
                "cannot reach the server at http://127.0.0.1:1: is it running (twofold-server serve)?",
            ),
            (CliError::NotConfirmed("not reset"), "not reset"),
            (
                CliError::EmptyFile(PathBuf::from("users.csv")),
                "users.csv is empty",
            ),
            (
                CliError::BadTime("yesterday".into()),
                "\"yesterday\" is not unix seconds or a time ago like 30m, 24h, 7d",
            ),
            (
                CliError::BadTimeUnit("5y".into()),
                "\"5y\": the unit must be s, m, h, d or w",
            ),
            (
                CliError::BadMfaState("on".into()),
                "\"on\" is not disabled, enabled or enforced",
            ),
            (
                CliError::BadDefaultMethod("email".into()),
                "\"email\" is not push, passcode, token, sms or voice",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
        }
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        assert_eq!(
            CliError::NoToken {
                path: PathBuf::from("/data/admin.token"),
                source: missing,
            }
            .to_string(),
            "no admin token: pass --token or set TWOFOLD_ADMIN_TOKEN, or run where /data/admin.token is readable (gone)"
        );
    }
}
