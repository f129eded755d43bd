//! With a certificate and key configured, the server speaks HTTPS (rustls) and refuses
//! plain HTTP on that port.

use std::sync::Arc;

use twofold_server::clock::SystemClock;
use twofold_server::Config;

use twofold_testkit::temp_dir;

#[tokio::test]
async fn configured_certificate_serves_https() {
    let dir = temp_dir("tls").unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_file = dir.path().join("cert.pem");
    let key_file = dir.path().join("key.pem");
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&key_file, cert.signing_key.serialize_pem()).unwrap();

    // A free port: bind, note it, release it for the server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = Config::load(None, |_| None).unwrap();
    config.listen = format!("127.0.0.1:{port}").parse().unwrap();
    config.data_dir = dir.path().join("data");
    config.tls.cert_file = cert_file;
    config.tls.key_file = key_file;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // `serve` runs in this task beside the client (its future need not be Send).
    let server = twofold_server::serve(config, Arc::new(SystemClock), async {
        let _ = stopped.await;
    });
    let client = async move {
        let root = reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap();
        let client = reqwest::Client::builder()
            .add_root_certificate(root)
            .build()
            .unwrap();
        let url = format!("https://localhost:{port}/health");
        let mut answer = None;
        for _ in 0..50 {
            if let Ok(response) = client.get(&url).send().await {
                answer = Some(response);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let status = answer.map(|r| r.status().as_u16());
        let plain = reqwest::get(format!("http://127.0.0.1:{port}/health"))
            .await
            .map(|r| r.status().as_u16());
        stop.send(()).unwrap();
        (status, plain)
    };
    let (served, (status, plain)) = tokio::join!(server, client);
    served.unwrap();
    assert_eq!(status, Some(200), "the HTTPS server did not answer");
    assert!(
        plain.is_err() || plain.is_ok_and(|s| s != 200),
        "plain HTTP must not be served"
    );
}
