//! The fleet without a server: clients are "spawned" into a counter and never run, events
//! are fed by hand.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use twofold_core::{OtpAccount, SecretBytes};

use super::*;
use crate::activation::Activation;
use crate::push::PendingChallenge;
use crate::KdfParams;

const NOW: u64 = 1_700_000_000;

struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        NOW
    }
}

/// A fleet whose spawned client loops are dropped unrun, and how many were spawned.
fn fleet() -> (Fleet, mpsc::Receiver<PushEvent>, Arc<AtomicUsize>) {
    let spawned = Arc::new(AtomicUsize::new(0));
    let counter = spawned.clone();
    let (fleet, events) = Fleet::new(
        Arc::new(FixedClock),
        Box::new(move |_task| {
            counter.fetch_add(1, Ordering::SeqCst);
        }),
    );
    (fleet, events, spawned)
}

fn engine(dir: &tempfile::TempDir) -> Engine {
    Engine::create(
        dir.path().join("vault.twofold"),
        "pw",
        KdfParams::insecure_for_tests(),
    )
    .unwrap()
}

/// What a server would return for alice, with a fresh device key and `device_id`.
fn activation(device_id: &str) -> Activation {
    let rng = SystemRandom::new();
    let device_key = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    Activation {
        device_key: SecretBytes::new(device_key.as_ref().to_vec()),
        server_url: "https://mfa.example".into(),
        server_public_key: vec![4; 65],
        otp: OtpAccount::from_uri("otpauth://totp/Twofold:alice?secret=JBSWY3DPEHPK3PXP").unwrap(),
        device_id: device_id.into(),
        username: "alice".into(),
        epoch: 1,
        server_time: NOW,
        server_name: "ACME".into(),
    }
}

/// A vault with alice's Twofold account and a fleet running its (unrun) client.
struct Activated {
    engine: Engine,
    fleet: Fleet,
    id: String,
    spawned: Arc<AtomicUsize>,
}

fn activated(dir: &tempfile::TempDir) -> Activated {
    let mut engine = engine(dir);
    let (fleet, _events, spawned) = fleet();
    let id = engine.add_activation(activation("dev_1"), NOW).unwrap().id;
    fleet.sync(&mut engine).unwrap();
    Activated {
        engine,
        fleet,
        id,
        spawned,
    }
}

fn challenge(id: &str) -> PushEvent {
    PushEvent::Challenge(PendingChallenge {
        account_id: "a".into(),
        id: id.into(),
        username: "alice".into(),
        application: "VPN".into(),
        client_ip: "198.51.100.7".into(),
        location: String::new(),
        created_at: NOW,
        expires_at: NOW + 60,
        expires_at_local: NOW + 60,
        number_required: false,
    })
}

#[test]
fn a_request_sent_again_after_a_reconnect_is_announced_once() {
    let (fleet, _events, _) = fleet();
    assert!(fleet.observe(&challenge("chl_1")));
    assert!(!fleet.observe(&challenge("chl_1")));
    assert!(fleet.observe(&challenge("chl_2")));
    // Other events are never announced.
    let withdrawn = PushEvent::Withdrawn {
        account_id: "a".into(),
        challenge_id: "chl_3".into(),
        reason: "approved".into(),
    };
    assert!(!fleet.observe(&withdrawn));
}

#[test]
fn the_announced_memory_forgets_the_oldest_request_first() {
    let (fleet, _events, _) = fleet();
    for n in 0..ANNOUNCED_MEMORY {
        assert!(fleet.observe(&challenge(&format!("chl_{n}"))));
    }
    assert!(!fleet.observe(&challenge("chl_0")));
    assert!(fleet.observe(&challenge("chl_new")));
    // chl_0 made room for chl_new.
    assert!(fleet.observe(&challenge("chl_0")));
    assert!(!fleet.observe(&challenge("chl_2")));
}

#[test]
fn one_client_per_account_restarted_when_the_account_is_activated_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine(&dir);
    let (fleet, _events, spawned) = fleet();
    let report = engine.add_activation(activation("dev_1"), NOW).unwrap();
    fleet.sync(&mut engine).unwrap();
    fleet.sync(&mut engine).unwrap();
    assert_eq!(spawned.load(Ordering::SeqCst), 1);
    assert_eq!(fleet.running(), 1);
    let status = fleet.status(&engine).unwrap();
    assert_eq!(status.accounts[0].state, Connection::Connecting);

    let again = engine.add_activation(activation("dev_2"), NOW).unwrap();
    assert_eq!(again.id, report.id);
    fleet.sync(&mut engine).unwrap();
    assert_eq!(spawned.load(Ordering::SeqCst), 2);
    assert_eq!(fleet.running(), 1);
    assert_eq!(fleet.clients().running[&report.id].device_id, "dev_2");

    engine.remove(&report.id).unwrap();
    fleet.sync(&mut engine).unwrap();
    assert_eq!(fleet.running(), 0);
    assert_eq!(fleet.client(&report.id).unwrap_err(), NoClient::NotRunning);
}

#[test]
fn events_arriving_while_locked_are_stored_at_the_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let Activated {
        mut engine,
        fleet,
        id,
        spawned,
    } = activated(&dir);
    engine.lock();

    let connected = PushEvent::Connected {
        account_id: id.clone(),
        server_time: NOW + 30,
        clock_offset: 30,
    };
    let deactivated = PushEvent::NeedsReactivation {
        account_id: id.clone(),
        message: "not activated".into(),
    };
    for event in [&connected, &deactivated] {
        fleet.observe(event);
        assert!(!fleet.store(event, Some(&mut engine)).unwrap());
    }
    // Nothing else is kept for the vault.
    assert!(!fleet.store(&challenge("chl_1"), None).unwrap());
    assert_eq!(fleet.clients().deferred.len(), 2);
    assert_eq!(
        fleet.client(&id).unwrap_err(),
        NoClient::NeedsReactivation("not activated".into())
    );

    engine.unlock("pw").unwrap();
    fleet.sync(&mut engine).unwrap();
    assert!(fleet.clients().deferred.is_empty());
    assert_eq!(engine.clock_offset().unwrap(), 30);
    let status = fleet.status(&engine).unwrap();
    assert_eq!(status.accounts[0].state, Connection::NeedsReactivation);
    assert_eq!(status.accounts[0].message.as_deref(), Some("not activated"));
    let stored = engine.push_accounts().unwrap();
    assert_eq!(
        stored[0].link.state,
        PushState::NeedsReactivation {
            message: "not activated".into()
        }
    );
    // A deactivated account gets no new client.
    assert_eq!(spawned.load(Ordering::SeqCst), 1);
    assert_eq!(fleet.running(), 0);
}

#[test]
fn unlocked_events_are_stored_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let Activated {
        mut engine,
        fleet,
        id,
        ..
    } = activated(&dir);
    let connected = PushEvent::Connected {
        account_id: id,
        server_time: NOW + 5,
        clock_offset: 5,
    };
    assert!(fleet.store(&connected, Some(&mut engine)).unwrap());
    assert!(fleet.clients().deferred.is_empty());
    assert_eq!(engine.clock_offset().unwrap(), 5);
}

#[test]
fn the_pump_forwards_every_event_and_defers_while_locked() {
    let dir = tempfile::tempdir().unwrap();
    let Activated {
        mut engine,
        fleet,
        id,
        ..
    } = activated(&dir);
    engine.lock();
    let vault = Mutex::new(engine);
    // Events as the clients would send them; the channel closes after the last.
    let (sender, events) = mpsc::channel(8);
    for event in [
        challenge("chl_1"),
        challenge("chl_1"),
        PushEvent::NeedsReactivation {
            account_id: id.clone(),
            message: "gone".into(),
        },
    ] {
        sender.try_send(event).unwrap();
    }
    drop(sender);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut seen = Vec::new();
    runtime.block_on(fleet.pump(events, &vault, |delivery| {
        seen.push((delivery.new_request, delivery.stored.unwrap()));
    }));
    assert_eq!(seen, [(true, false), (false, false), (false, false)]);
    assert_eq!(fleet.clients().deferred.len(), 1);
    let mut engine = vault.into_inner().unwrap();
    engine.unlock("pw").unwrap();
    fleet.sync(&mut engine).unwrap();
    assert!(engine
        .push_accounts()
        .unwrap()
        .iter()
        .all(|a| a.link.state != PushState::Active));
}
