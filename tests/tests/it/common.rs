//! What most tests start from: a server with a user, an activated device and an application.

use twofold_core::proto::AuthContext;
use twofold_testkit::{oathtool, Engine, RpClient, ServerProcess, TestDevice};

pub struct Setup {
    pub server: ServerProcess,
    pub device: TestDevice,
    pub rp: RpClient,
    pub app_id: String,
    pub app_name: String,
    pub app_secret: String,
    pub activation_code: String,
}

/// A server started with `env`, user `alice` (added with the CLI), activated through the
/// CLI's activation code, and an application "VPN Gateway".
pub async fn setup(engine: Engine, env: &[(&str, &str)]) -> Setup {
    let server = ServerProcess::start_with(engine, env).await.unwrap();
    server
        .add_user(
            "alice",
            &[
                "--first-name",
                "Alice",
                "--last-name",
                "Ng",
                "--email",
                "alice@example.com",
                "--phone",
                "+1 555 0100",
            ],
        )
        .unwrap();
    let issued = server.create_activation("alice").unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &issued.code).await.unwrap();
    let app = server.add_application("VPN Gateway").unwrap();
    let rp = RpClient::new(&server.url, &app.id, &app.secret).unwrap();
    Setup {
        server,
        device,
        rp,
        app_id: app.id,
        app_name: app.name,
        app_secret: app.secret,
        activation_code: issued.code,
    }
}

impl Setup {
    /// The code `oathtool` computes from the secret the device received, at `now`.
    pub fn code_at(&self, now: u64) -> String {
        oathtool(&self.device.secret_base32().unwrap(), now).unwrap()
    }

    /// `/v1/auth` for alice: the reason, or "STATUS error.code" when not 200.
    pub async fn auth(&self, passcode: &str) -> String {
        self.rp.auth_reason("alice", passcode).await.unwrap()
    }

    pub async fn auth_with(&self, passcode: &str, context: AuthContext) -> serde_json::Value {
        let response = self.rp.auth("alice", passcode, context).await.unwrap();
        assert_eq!(response.status, 200, "{}", response.body);
        response.body
    }
}

/// A 6-digit code that is none of the codes valid around `now` (window one step each side).
pub fn wrong_code(setup: &Setup, now: u64) -> String {
    let valid: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| setup.device.code(*t).unwrap())
        .collect();
    (0..)
        .map(|i: u32| format!("{:06}", (123_456 + i * 7_919) % 1_000_000))
        .find(|c| !valid.contains(c))
        .unwrap()
}
