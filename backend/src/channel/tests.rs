//! The socket loop driven through channels, without a server: what a device sees from
//! `hello` to an accepted answer, and the refusals before it is authenticated.

use std::sync::Arc;

use axum::extract::ws::Message;
use futures_util::{sink, stream, Sink, Stream};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use tokio::sync::mpsc::{channel, unbounded_channel, Receiver, UnboundedSender};
use twofold_core::proto::channel::{AnswerOutcome, Decision, DeviceMessage, ServerMessage};
use twofold_core::proto::{b64_decode, b64_encode, AuthContext, AuthResult, Reason};

use super::socket::run;
use crate::auth::applications::{self, NewApplication};
use crate::auth::users::{self, NewUser};
use crate::clock::ManualClock;
use crate::signin::push;
use crate::state::AppState;
use crate::store::applications::{self as store_apps, Application};
use crate::store::devices::{self, Device, DeviceState};
use crate::store::users::User;
use crate::{build_state, Config};

pub(super) struct Fixture {
    pub(super) state: AppState,
    user: User,
    app: Application,
    pub(super) device_id: String,
    key: EcdsaKeyPair,
    dir: std::path::PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A server state on SQLite with one user, one application and one active device.
async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

/// [`fixture`] with the default configuration changed by `tweak`.
pub(super) async fn fixture_with(tweak: impl FnOnce(&mut Config)) -> Fixture {
    let tag = crate::crypto::encode_hex(&crate::crypto::random_bytes(6).unwrap());
    let dir = std::env::temp_dir().join(format!("twofold-channel-{tag}"));
    let mut config = Config::load(None, |_| None).unwrap();
    config.data_dir = dir.join("data");
    tweak(&mut config);
    let clock = Arc::new(ManualClock::new(1_700_000_000));
    let (state, _) = build_state(config, clock, "127.0.0.1:8080".parse().unwrap())
        .await
        .unwrap();
    let admin = crate::auth::admin::Admin {
        id: "adm_test".into(),
    };
    let user = users::create(
        &state,
        &admin,
        NewUser {
            username: "alice".into(),
            ..NewUser::default()
        },
    )
    .await
    .unwrap();
    let credentials = applications::create(&state, &admin, NewApplication { name: "VPN".into() })
        .await
        .unwrap();
    let app = store_apps::by_id(state.store.pool(), &credentials.id)
        .await
        .unwrap()
        .unwrap();
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let device = Device {
        id: "dev_test".into(),
        user_id: user.id.clone(),
        name: "Phone".into(),
        platform: "cli".into(),
        public_key: key.public_key().as_ref().to_vec(),
        epoch: state.epoch().await,
        status: DeviceState::Active,
        created_at: state.now(),
        last_seen_at: None,
        revoked_at: None,
    };
    devices::insert(state.store.pool(), &device).await.unwrap();
    Fixture {
        state,
        user,
        app,
        device_id: device.id,
        key,
        dir,
    }
}

fn sign(key: &EcdsaKeyPair, bytes: &[u8]) -> String {
    b64_encode(key.sign(&SystemRandom::new(), bytes).unwrap().as_ref())
}

/// The test's ends of a socket: what the server sent, and where to write as the device;
/// and the loop's task.
pub(super) struct TestSocket {
    pub(super) from_server: Receiver<Message>,
    to_server: UnboundedSender<Result<Message, axum::Error>>,
    pub(super) task: tokio::task::JoinHandle<()>,
}

impl TestSocket {
    /// The next message, past the heartbeat pings.
    pub(super) async fn next(&mut self) -> ServerMessage {
        loop {
            match self.from_server.recv().await {
                Some(Message::Text(text)) => return serde_json::from_str(text.as_str()).unwrap(),
                Some(Message::Ping(_)) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    fn say(&self, message: &DeviceMessage) {
        let text = serde_json::to_string(message).unwrap();
        self.to_server.send(Ok(Message::Text(text.into()))).unwrap();
    }
}

/// Starts the socket loop over two channels: a `Sink` and a `Stream`, as axum would give.
fn connect(state: &AppState) -> TestSocket {
    connect_bounded(state, 1024)
}

/// [`connect`] with room for `capacity` frames the test has not read: when they are there,
/// the loop's next write waits, as on a socket whose peer stopped reading.
pub(super) fn connect_bounded(state: &AppState, capacity: usize) -> TestSocket {
    let (server_out, from_server) = channel::<Message>(capacity);
    let (to_server, server_in) = unbounded_channel::<Result<Message, axum::Error>>();
    let write: std::pin::Pin<Box<dyn Sink<Message, Error = ()> + Send>> = Box::pin(sink::unfold(
        server_out,
        |tx, message: Message| async move {
            tx.send(message).await.map_err(|_| ())?;
            Ok(tx)
        },
    ));
    let read: std::pin::Pin<Box<dyn Stream<Item = Result<Message, axum::Error>> + Send>> =
        Box::pin(stream::unfold(server_in, |mut rx| async move {
            rx.recv().await.map(|m| (m, rx))
        }));
    let task = tokio::spawn(run(state.clone(), write, read));
    TestSocket {
        from_server,
        to_server,
        task,
    }
}

pub(super) async fn authenticate(f: &Fixture, socket: &mut TestSocket) -> ServerMessage {
    let ServerMessage::Hello { nonce, .. } = socket.next().await else {
        panic!("no hello");
    };
    let nonce = b64_decode(&nonce).unwrap();
    let epoch = f.state.epoch().await;
    socket.say(&DeviceMessage::Auth {
        device_id: f.device_id.clone(),
        epoch,
        signature: sign(
            &f.key,
            &twofold_core::sign::channel_auth_bytes(&nonce, &f.device_id, epoch),
        ),
    });
    socket.next().await
}

#[tokio::test]
async fn an_authenticated_device_receives_a_challenge_and_its_answer_decides() {
    let f = fixture().await;
    let mut socket = connect(&f.state);
    assert!(matches!(
        authenticate(&f, &mut socket).await,
        ServerMessage::Ready { ref device_id, .. } if *device_id == f.device_id
    ));

    let started = push::start(&f.state, &f.app, &f.user, &AuthContext::default(), true)
        .await
        .unwrap();
    assert_eq!(started.result, AuthResult::Waiting);
    // Number matching is on by default: the user types what the sign-in page shows.
    let number = started.number.clone();
    let typed = number.clone().unwrap_or_default();
    let txid = started.txid.unwrap();
    let ServerMessage::Challenge { challenge, .. } = socket.next().await else {
        panic!("no challenge");
    };
    assert_eq!(
        (challenge.id.as_str(), challenge.username.as_str()),
        (txid.as_str(), "alice")
    );

    socket.say(&DeviceMessage::Answer {
        challenge_id: txid.clone(),
        decision: Decision::Approve,
        number,
        report: false,
        signature: sign(
            &f.key,
            &twofold_core::sign::answer_bytes(&txid, &f.device_id, true, &typed, false),
        ),
    });
    // A challenge created while the loop sends what was pending at connect is in that list
    // and queued by its event too; the device still receives it once, so the next message
    // is the answer's result.
    let result = socket.next().await;
    assert!(
        matches!(
            result,
            ServerMessage::AnswerResult {
                outcome: AnswerOutcome::Accepted,
                ..
            }
        ),
        "{result:?}"
    );
    assert!(matches!(
        socket.next().await,
        ServerMessage::Withdrawn { ref challenge_id, .. } if *challenge_id == txid
    ));
    let answered = push::poll(&f.state, &f.app, &txid, 0).await.unwrap();
    assert_eq!(
        (answered.result, answered.reason),
        (AuthResult::Allow, Reason::Approved)
    );
}

#[tokio::test]
async fn a_device_that_cannot_prove_its_key_is_refused_and_closed() {
    let f = fixture().await;
    let mut socket = connect(&f.state);
    let ServerMessage::Hello { .. } = socket.next().await else {
        panic!("no hello");
    };
    socket.say(&DeviceMessage::Auth {
        device_id: f.device_id.clone(),
        epoch: f.state.epoch().await,
        signature: sign(&f.key, b"not the nonce"),
    });
    assert!(matches!(
        socket.next().await,
        ServerMessage::Error { ref code, .. } if code == "bad_signature"
    ));
    // The loop ended: its end of the channel is gone.
    assert!(socket.from_server.recv().await.is_none());
}

#[tokio::test]
async fn the_first_message_must_be_auth() {
    let f = fixture().await;
    let mut socket = connect(&f.state);
    let ServerMessage::Hello { .. } = socket.next().await else {
        panic!("no hello");
    };
    socket
        .to_server
        .send(Ok(Message::Text(
            String::from("{\"type\":\"hello\"}").into(),
        )))
        .unwrap();
    assert!(matches!(
        socket.next().await,
        ServerMessage::Error { ref code, .. } if code == "auth_required"
    ));
}
