//! Issue 13 item 11: a slow client cannot hold a connection past the header timeout, and
//! connections beyond `max_connections` are closed, while other clients are still served.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use twofold_testkit::{Engine, ServerProcess};

on_each_engine!(
    item11_slow_loris_is_dropped_and_others_are_served,
    item11_connections_beyond_the_cap_are_closed
);

fn address(server: &ServerProcess) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

/// Whether the server closes `stream` within `wait` (anything it sends first, such as a
/// 408, is read and ignored).
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(wait, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await
    .is_ok()
}

async fn health(server: &ServerProcess) -> u16 {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    match client.get(format!("{}/health", server.url)).send().await {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

async fn item11_slow_loris_is_dropped_and_others_are_served(engine: Engine) {
    let server =
        ServerProcess::start_with(engine, &[("TWOFOLD_SERVER_HEADER_TIMEOUT_SECONDS", "1")])
            .await
            .unwrap();
    let mut slow = TcpStream::connect(address(&server)).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    assert_eq!(health(&server).await, 200, "{engine}: others are served");
    assert!(
        closed_within(&mut slow, Duration::from_secs(5)).await,
        "{engine}: a half-sent header must not hold the connection"
    );
    assert_eq!(health(&server).await, 200, "{engine}: still serving");
}

async fn item11_connections_beyond_the_cap_are_closed(engine: Engine) {
    let server = ServerProcess::start_with(engine, &[("TWOFOLD_SERVER_MAX_CONNECTIONS", "4")])
        .await
        .unwrap();
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(address(&server)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut extra = TcpStream::connect(address(&server)).await.unwrap();
    assert!(
        closed_within(&mut extra, Duration::from_secs(3)).await,
        "{engine}: the fifth connection must be closed"
    );
    assert_eq!(
        health(&server).await,
        0,
        "{engine}: no room while 4 are held"
    );
    idle.truncate(1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        health(&server).await,
        200,
        "{engine}: served once others closed"
    );
    // The held connection still works.
    let mut held = idle.remove(0);
    held.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), held.read_to_end(&mut response)).await;
    assert!(
        response.starts_with(b"HTTP/1.1 200"),
        "{engine}: {}",
        String::from_utf8_lossy(&response)
    );
}
