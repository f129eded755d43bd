//! A WebSocket client that writes raw bytes after the opening handshake: for tests of what
//! the server does with frames no well-behaved client sends (a header announcing a huge
//! payload that never comes). [`crate::DeviceChannel`] is the well-behaved one.
//!
//! Frames are built as RFC 6455 §5.2 lays them out; client frames must be masked (§5.3), so
//! the header carries the mask bit and a key (zero: masking is then the identity, and the
//! server cannot tell).

use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

use crate::error::Error;
use crate::http::check_loopback;
use crate::Result;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct RawWebSocket {
    socket: Socket,
}

impl RawWebSocket {
    /// Opcode of a text frame (RFC 6455 §5.2).
    pub const TEXT: u8 = 0x1;

    /// Opens `path` on the server at `server_url` (`http://127.0.0.1:PORT`).
    pub async fn open(server_url: &str, path: &str) -> Result<Self> {
        check_loopback(server_url)?;
        let url = format!("{}{path}", server_url.replacen("http", "ws", 1));
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| Error::new(format!("cannot open {url}: {e}")))?;
        Ok(Self { socket })
    }

    /// Writes the header of a final, masked frame of `opcode` announcing `len` payload
    /// bytes (the 64-bit length form), without any payload.
    pub async fn write_frame_header(&mut self, opcode: u8, len: u64) -> Result<()> {
        let mut header = vec![0x80 | (opcode & 0x0f), 0x80 | 127];
        header.extend_from_slice(&len.to_be_bytes());
        header.extend_from_slice(&[0, 0, 0, 0]);
        self.write_bytes(&header).await
    }

    /// Writes `bytes` to the connection as they are.
    pub async fn write_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let stream = self.socket.get_mut();
        stream.write_all(bytes).await?;
        stream.flush().await?;
        Ok(())
    }

    /// True when the server closes the connection (a close frame, an error or the end of
    /// the stream) within `wait`; messages before that are skipped.
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }
}
