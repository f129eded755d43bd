//! The set-up most push tests share: an in-process server listening on a socket, the
//! relying party "VPN", and the user `alice` with one activated device ("Alice's phone").

use twofold_testkit::{Engine, InProcessServer, TestDevice};

pub struct AliceDevice {
    pub server: InProcessServer,
    /// The server's base URL (the device's channel connects there).
    pub url: String,
    /// The relying party's credential.
    pub app: String,
    pub device: TestDevice,
}

/// Starts the server with `configure` applied to its configuration, then adds the relying
/// party and activates alice's device.
pub async fn start(
    engine: Engine,
    configure: impl FnOnce(&mut twofold_server::Config),
) -> AliceDevice {
    let server = InProcessServer::start(engine, configure).await.unwrap();
    let url = server.listen().await.unwrap();
    let app = server.application("VPN").await.unwrap();
    let code = server.user_with_code("alice").await.unwrap();
    let device = TestDevice::activate_new(&url, &code, "Alice's phone")
        .await
        .unwrap();
    AliceDevice {
        server,
        url,
        app,
        device,
    }
}
