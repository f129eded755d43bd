//! A front for a real server that can misbehave on demand: a TCP listener on 127.0.0.1:0
//! that forwards each connection to the server, or answers garbage, or accepts and never
//! reads nor writes, or closes at once. For tests of clients (the app's push channel) against
//! a server that goes away and comes back, answers junk or stops reading.
//!
//! Switching the mode with [`FaultyFront::set`] also cuts every open connection, as a server
//! that dies would; new connections get the new behaviour. Dropping the front stops it.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::SinkExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::Result;

/// What the front does with a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Behaviour {
    /// Forward both ways to the server.
    Forward,
    /// Read what the client sends, answer bytes that are no HTTP, close.
    Garbage,
    /// Accept the WebSocket upgrade, send frames that are no message of the protocol
    /// (broken JSON, wrong types, binary), then nothing more.
    JunkFrames,
    /// Accept and do nothing: never read, never answer, never close.
    Silent,
    /// Close each connection as soon as it is accepted.
    Refuse,
}

impl Behaviour {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::Forward,
            1 => Self::Garbage,
            2 => Self::JunkFrames,
            3 => Self::Silent,
            _ => Self::Refuse,
        }
    }
}

pub struct FaultyFront {
    /// `http://127.0.0.1:PORT`: give clients this instead of the server's URL.
    pub url: String,
    behaviour: Arc<AtomicU8>,
    accepted: Arc<AtomicUsize>,
    /// Bumped on every switch: connection tasks watch it and end.
    generation: watch::Sender<u64>,
    accept_task: JoinHandle<()>,
}

impl FaultyFront {
    /// A front for the server at `server_url` (`http://127.0.0.1:PORT`), forwarding.
    pub async fn start(server_url: &str) -> Result<Self> {
        let target = server_url
            .strip_prefix("http://")
            .ok_or_else(|| crate::Error::new(format!("{server_url}: not an http:// URL")))?
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let behaviour = Arc::new(AtomicU8::new(Behaviour::Forward as u8));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (generation, _) = watch::channel(0u64);
        let accept_task = tokio::spawn(accept_loop(
            listener,
            target,
            Arc::clone(&behaviour),
            Arc::clone(&accepted),
            generation.subscribe(),
        ));
        Ok(Self {
            url,
            behaviour,
            accepted,
            generation,
            accept_task,
        })
    }

    /// Cuts every open connection and treats new ones with `behaviour`.
    pub fn set(&self, behaviour: Behaviour) {
        self.behaviour.store(behaviour as u8, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Connections accepted so far (each is one attempt of a client).
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for FaultyFront {
    fn drop(&mut self) {
        self.set(Behaviour::Refuse);
        self.accept_task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    target: String,
    behaviour: Arc<AtomicU8>,
    accepted: Arc<AtomicUsize>,
    generation: watch::Receiver<u64>,
) {
    while let Ok((client, _)) = listener.accept().await {
        accepted.fetch_add(1, Ordering::SeqCst);
        let mode = Behaviour::from_u8(behaviour.load(Ordering::SeqCst));
        let mut cut = generation.clone();
        cut.mark_unchanged();
        let target = target.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = serve(client, &target, mode) => {}
                _ = cut.changed() => {}
            }
        });
    }
}

/// One connection, until it ends or the mode is switched (the caller drops this future then,
/// closing both sockets).
async fn serve(mut client: TcpStream, target: &str, mode: Behaviour) {
    match mode {
        Behaviour::Forward => {
            if let Ok(mut server) = TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        }
        Behaviour::Garbage => {
            let mut request = [0u8; 4096];
            let _ = client.read(&mut request).await;
            let _ = client
                .write_all(b"\x00\xffSSH-2.0-not-http\r\n\x1b[31mgarbage\x07\r\n\r\n")
                .await;
        }
        Behaviour::JunkFrames => {
            let Ok(mut socket) = tokio_tungstenite::accept_async(client).await else {
                return;
            };
            for junk in [
                Message::text("{\"type\":\"hel"),
                Message::text("{\"type\":\"hello\",\"nonce\":\"!!\",\"server_time\":-1}"),
                Message::text("{\"type\":\"challenge\",\"challenge\":{},\"signature\":1}"),
                Message::text("\u{0}\u{7f}not json at all"),
                Message::binary(vec![0xff; 64]),
            ] {
                if socket.send(junk).await.is_err() {
                    return;
                }
            }
            // Then keep the socket open and say nothing more, like a hung server.
            std::future::pending::<()>().await;
        }
        Behaviour::Silent => std::future::pending::<()>().await,
        Behaviour::Refuse => {}
    }
}
