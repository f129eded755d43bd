//! A simulated device that stays connected by itself: it opens its channel, approves every
//! sign-in request it is sent (typing the number the sign-in page showed, looked up in
//! [`Numbers`]), and when the connection drops it reconnects with a growing delay (100 ms
//! doubling to 2 s), as the real app's push client does. What it saw is kept in
//! [`AnsweringStats`] for the test to check. The task stops when the value is dropped.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use twofold_core::proto::channel::{AnswerOutcome, Decision, ServerMessage};

use crate::channel::{DeviceChannel, Received};
use crate::device::TestDevice;

/// txid → the number the sign-in page shows (number matching): what the user would type.
pub type Numbers = Arc<Mutex<HashMap<String, String>>>;

const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(2);
/// How long the device waits for the sign-in page's number of a challenge it was sent.
const NUMBER_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Default, Clone)]
pub struct AnsweringStats {
    /// When each channel reached `ready`.
    pub connected_at: Vec<Instant>,
    /// When each channel was lost.
    pub lost_at: Vec<Instant>,
    /// Every challenge id received, in order, over all connections.
    pub received: Vec<String>,
    /// Challenges received twice on one connection (must stay 0).
    pub duplicates_on_one_connection: usize,
    /// Challenges whose server signature did not verify (must stay 0).
    pub bad_signatures: usize,
    /// The server's verdict on each answer, by challenge id.
    pub outcomes: HashMap<String, AnswerOutcome>,
    /// Whether the channel is up now.
    pub connected: bool,
    /// The last refusal or error message from the server, if any.
    pub last_error: Option<String>,
}

pub struct AnsweringDevice {
    stats: Arc<Mutex<AnsweringStats>>,
    task: tokio::task::JoinHandle<()>,
}

impl AnsweringDevice {
    /// Starts the device's loop against `url` (a node or the load balancer); it answers
    /// each challenge `think` after receiving it (a user reading the request), so pushes are
    /// pending on the device for a while, as they are in life.
    pub fn spawn(device: Arc<TestDevice>, url: String, numbers: Numbers, think: Duration) -> Self {
        let stats = Arc::new(Mutex::new(AnsweringStats::default()));
        let task = tokio::spawn(run(device, url, numbers, think, stats.clone()));
        Self { stats, task }
    }

    pub fn stats(&self) -> AnsweringStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits up to `wait` until the channel is up.
    pub async fn wait_connected(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.stats().connected {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

impl Drop for AnsweringDevice {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn update(stats: &Mutex<AnsweringStats>, f: impl FnOnce(&mut AnsweringStats)) {
    if let Ok(mut s) = stats.lock() {
        f(&mut s);
    }
}

async fn run(
    device: Arc<TestDevice>,
    url: String,
    numbers: Numbers,
    think: Duration,
    stats: Arc<Mutex<AnsweringStats>>,
) {
    let mut delay = FIRST_DELAY;
    loop {
        match DeviceChannel::open(&device, &url).await {
            Ok(mut channel) => {
                delay = FIRST_DELAY;
                update(&stats, |s| {
                    s.connected_at.push(Instant::now());
                    s.connected = true;
                });
                serve(&device, &mut channel, &numbers, think, &stats).await;
                update(&stats, |s| {
                    s.lost_at.push(Instant::now());
                    s.connected = false;
                });
            }
            Err(e) => update(&stats, |s| s.last_error = Some(e.0)),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_DELAY);
    }
}

/// Answers challenges until the channel closes.
async fn serve(
    device: &TestDevice,
    channel: &mut DeviceChannel,
    numbers: &Numbers,
    think: Duration,
    stats: &Mutex<AnsweringStats>,
) {
    let mut seen = HashSet::new();
    loop {
        let message = match channel.receive(Duration::from_secs(1)).await {
            Ok(Received::Message(m)) => m,
            Ok(Received::Nothing) => continue,
            Ok(Received::Closed) | Err(_) => return,
        };
        match message {
            ServerMessage::Challenge {
                challenge,
                signature,
            } => {
                let fresh = seen.insert(challenge.id.clone());
                let valid = device
                    .verify_challenge(&challenge, &signature)
                    .unwrap_or(false);
                update(stats, |s| {
                    s.received.push(challenge.id.clone());
                    if !fresh {
                        s.duplicates_on_one_connection += 1;
                    }
                    if !valid {
                        s.bad_signatures += 1;
                    }
                });
                if !fresh || !valid {
                    continue;
                }
                tokio::time::sleep(think).await;
                let number = if challenge.number_required {
                    wait_number(numbers, &challenge.id).await
                } else {
                    None
                };
                let sent = channel
                    .send_answer(
                        device,
                        &challenge,
                        Decision::Approve,
                        number.as_deref(),
                        false,
                    )
                    .await;
                if sent.is_err() {
                    return;
                }
            }
            ServerMessage::AnswerResult {
                challenge_id,
                outcome,
                ..
            } => update(stats, |s| {
                s.outcomes.insert(challenge_id, outcome);
            }),
            ServerMessage::Error { code, message } => {
                update(stats, |s| s.last_error = Some(format!("{code}: {message}")))
            }
            ServerMessage::AccountRevoked { message } => {
                update(stats, |s| {
                    s.last_error = Some(format!("account_revoked: {message}"))
                });
                return;
            }
            _ => {}
        }
    }
}

async fn wait_number(numbers: &Numbers, txid: &str) -> Option<String> {
    let deadline = Instant::now() + NUMBER_WAIT;
    while Instant::now() < deadline {
        if let Some(n) = numbers.lock().ok().and_then(|m| m.get(txid).cloned()) {
            return Some(n);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}
