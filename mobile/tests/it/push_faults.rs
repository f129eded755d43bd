//! Issue 18, the device: the push client against a server that goes away and comes back,
//! answers garbage (no HTTP; a WebSocket of junk frames), stops reading, or refuses. The
//! client, behind the kit's [`FaultyFront`], must reconnect with its backoff each time, show
//! each sign-in request exactly once however often it is re-sent, and lose none: a request
//! started while the device was cut off arrives when the server is back, and both are answered.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use twofold_authenticator::push::{PushClient, PushError, PushOptions};
use twofold_authenticator::{Answer, PushEvent, SystemClock};
use twofold_core::proto::channel::AnswerOutcome;
use twofold_testkit::faulty::{Behaviour, FaultyFront};

use super::push::setup;

const OPTIONS: PushOptions = PushOptions {
    first_retry: Duration::from_millis(50),
    max_retry: Duration::from_millis(300),
    handshake_timeout: Duration::from_secs(1),
    idle_timeout: Duration::from_secs(3),
};

/// Every event the client sent, in order, and a way to wait for the next one that matters.
struct Events {
    rx: mpsc::Receiver<PushEvent>,
    seen: Vec<PushEvent>,
}

impl Events {
    /// Waits (at most 15 s) for an event that `wanted` accepts, recording all of them.
    async fn until(&mut self, what: &str, wanted: impl Fn(&PushEvent) -> bool) -> PushEvent {
        let found = tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                let event = self.rx.recv().await.expect("the client stopped");
                self.seen.push(event.clone());
                if wanted(&event) {
                    return event;
                }
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no {what} within 15 s; events: {:#?}", self.seen))
    }

    fn challenges(&self, id: &str) -> usize {
        self.seen
            .iter()
            .filter(|e| matches!(e, PushEvent::Challenge(c) if c.id == id))
            .count()
    }
}

fn is_disconnect(event: &PushEvent) -> bool {
    matches!(event, PushEvent::Disconnected { .. })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_push_client_survives_a_server_that_dies_answers_junk_or_stops_reading() {
    let s = setup(false).await;
    let front = FaultyFront::start(&s.server.url).await.unwrap();
    let mut account = s.engine.push_accounts().unwrap().remove(0);
    account.link.server_url = front.url.clone();
    let (tx, rx) = mpsc::channel(64);
    let handle = PushClient::spawn(&account, 0, Arc::new(SystemClock), tx, OPTIONS).unwrap();
    let mut events = Events {
        rx,
        seen: Vec::new(),
    };
    events
        .until("first connection", |e| {
            matches!(e, PushEvent::Connected { .. })
        })
        .await;
    let first = s.server.push(&s.app, "alice").await.unwrap();
    let first = first["txid"].as_str().unwrap().to_owned();
    events
        .until(
            "the first request",
            |e| matches!(e, PushEvent::Challenge(c) if c.id == first),
        )
        .await;

    let mut second = String::new();
    for behaviour in [
        Behaviour::Refuse,
        Behaviour::Garbage,
        Behaviour::JunkFrames,
        Behaviour::Silent,
    ] {
        let attempts = front.accepted();
        // Switching cuts the open channel: the server "dies" with the request pending.
        front.set(behaviour);
        // Two failed attempts at least (the first disconnect may be the cut itself).
        let mut disconnects = 0;
        while disconnects < 2 || front.accepted() < attempts + 2 {
            events
                .until(&format!("a disconnect under {behaviour:?}"), is_disconnect)
                .await;
            disconnects += 1;
            assert!(
                disconnects <= 6,
                "{behaviour:?}: {disconnects} disconnects but only {} new attempts",
                front.accepted() - attempts
            );
        }
        assert_eq!(
            handle.answer(&first, Answer::Deny { report: false }).await,
            Err(PushError::NotConnected),
            "{behaviour:?}"
        );
        if second.is_empty() {
            // Started while the device cannot be reached: it must arrive after the outage.
            let started = s.server.push(&s.app, "alice").await.unwrap();
            second = started["txid"].as_str().unwrap().to_owned();
        }
    }
    // Every delay stays within the backoff's bounds (equal jitter: half the ceiling at least).
    for event in &events.seen {
        if let PushEvent::Disconnected { retry_in_ms, .. } = event {
            assert!((25..=300).contains(retry_in_ms), "{:#?}", events.seen);
        }
    }

    front.set(Behaviour::Forward);
    events
        .until("the reconnection", |e| {
            matches!(e, PushEvent::Connected { .. })
        })
        .await;
    events
        .until(
            "the request started during the outage",
            |e| matches!(e, PushEvent::Challenge(c) if c.id == second),
        )
        .await;
    let mut pending: Vec<String> = handle.pending().into_iter().map(|c| c.id).collect();
    pending.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(pending, expected, "both requests, once each");

    for id in [&first, &second] {
        handle
            .answer(id, Answer::Approve { number: None })
            .await
            .unwrap();
        let outcome = events
            .until(
                "the verdict",
                |e| matches!(e, PushEvent::AnswerResult { challenge_id, .. } if challenge_id == id),
            )
            .await;
        let PushEvent::AnswerResult { outcome, .. } = outcome else {
            unreachable!()
        };
        assert_eq!(outcome, AnswerOutcome::Accepted, "{id}");
        assert_eq!(
            s.server.outcome(&s.app, id).await.unwrap(),
            ("allow".into(), "approved".into())
        );
    }
    // The server sent the first request again on every reconnect; it was shown once.
    assert_eq!(events.challenges(&first), 1, "{:#?}", events.seen);
    assert_eq!(events.challenges(&second), 1, "{:#?}", events.seen);
    handle.stop().await;
}
