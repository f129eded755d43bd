//! What the benchmark signs in with: one application, users imported from CSV, and one
//! TOTP hardware token per user imported from a CSV seed file with the user's name in its
//! `upn` column (assigned at import). Both imports are the admin API's bulk paths, so
//! 20,000 users take seconds, not the minutes activating 20,000 simulated devices would.

use std::fmt::Write as _;

use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;
use twofold_core::otp::Totp;
use twofold_core::{Algorithm, SecretBytes};
use twofold_testkit::http::RawBody;
use twofold_testkit::{AdminClient, ApiResponse, Error};

/// Rows per import request: well under both endpoints' body limits.
const CHUNK: usize = 5_000;

/// A user and the secret of their token.
pub struct BenchUser {
    pub username: String,
    secret: Vec<u8>,
}

impl BenchUser {
    fn totp(&self) -> Result<Totp, Error> {
        Totp::new(
            SecretBytes::new(self.secret.clone()),
            Algorithm::Sha1,
            6,
            30,
        )
        .map_err(|e| Error::new(format!("totp: {e}")))
    }

    /// The code the user's token shows at `now`.
    pub fn code(&self, now: u64) -> Result<String, Error> {
        Ok(self.totp()?.generate(now))
    }

    /// A six-digit code the token shows at no step within `margin` steps of `now`: a wrong
    /// code that stays wrong for the whole run.
    pub fn wrong_code(&self, now: u64, margin: u64) -> Result<String, Error> {
        let totp = self.totp()?;
        let step = now / 30;
        let near: Vec<String> = (step.saturating_sub(margin)..=step + margin)
            .map(|s| totp.generate_at_step(s))
            .collect();
        (0..1000u32)
            .map(|n| format!("{:06}", 123_456 + n * 7))
            .find(|c| !near.contains(c))
            .ok_or_else(|| Error::new("no wrong code found"))
    }
}

/// Registers the benchmark's application: (id, secret).
pub async fn application(admin: &AdminClient) -> Result<(String, String), Error> {
    let app: serde_json::Value = admin
        .post("/v1/admin/applications", &json!({"name": "bench"}))
        .await?;
    let field = |name: &str| {
        app[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::new(format!("application answer has no {name}: {app}")))
    };
    Ok((field("id")?, field("secret")?))
}

/// Creates `count` users named `{prefix}-{i}`, each with an assigned TOTP token.
pub async fn users(
    admin: &AdminClient,
    prefix: &str,
    count: usize,
) -> Result<Vec<BenchUser>, Error> {
    let rng = SystemRandom::new();
    let mut made = Vec::with_capacity(count);
    for i in 0..count {
        let mut secret = vec![0u8; 20];
        rng.fill(&mut secret)
            .map_err(|_| Error::new("no random bytes"))?;
        made.push(BenchUser {
            username: format!("{prefix}-{i}"),
            secret,
        });
    }
    for chunk in made.chunks(CHUNK) {
        let mut csv = String::from("username\n");
        for user in chunk {
            let _ = writeln!(csv, "{}", user.username);
        }
        post_csv(admin, "/v1/admin/users/import", csv).await?;
        let mut seeds = String::from("serial,secret key,time interval,upn\n");
        for user in chunk {
            let key = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &user.secret);
            let _ = writeln!(seeds, "{}-token,{key},30,{}", user.username, user.username);
        }
        let tokens = "/v1/admin/tokens/import";
        let body = json!({"content": seeds, "format": "csv"});
        check(tokens, &admin.0.json("POST", tokens, &body).await?)?;
    }
    Ok(made)
}

async fn post_csv(admin: &AdminClient, path: &str, text: String) -> Result<(), Error> {
    let answer = admin
        .0
        .raw(
            "POST",
            path,
            Some(RawBody {
                content_type: Some("text/csv"),
                bytes: text.into_bytes(),
            }),
        )
        .await?;
    check(path, &answer)
}

/// An import that refused nothing, or an error naming the endpoint and its answer.
fn check(path: &str, answer: &ApiResponse) -> Result<(), Error> {
    let refused = answer.body["refused"].as_u64().unwrap_or(0);
    if answer.status != 200 || refused > 0 {
        return Err(Error::new(format!(
            "{path} answered {}: {}",
            answer.status, answer.body
        )));
    }
    Ok(())
}
