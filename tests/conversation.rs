//! Long conversations with random drops, duplicates and reorders, within the limits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::{Envelope, Error, Session};
use hushwire_testkit::conversation::{Conversation, Limits, Side};
use rand::RngExt;

/// In flight per direction at most 40, so skips stay far inside the limits; no bound on what
/// is sent, and every delivered message is remembered for the replays at the end.
const LIMITS: Limits = Limits {
    max_in_flight: 40,
    max_sent_per_side: u32::MAX,
    max_remembered: usize::MAX,
};

/// Delivers a message in flight to `to`: mostly the oldest, sometimes any.
fn deliver_some(conversation: &mut Conversation<'_>, to: Side) {
    let len = conversation.in_flight(to);
    if len == 0 {
        return;
    }
    let rng = conversation.rng();
    let i = if rng.random_bool(0.7) {
        0
    } else {
        rng.random_range(0..len)
    };
    conversation.deliver(to, u8::try_from(i).unwrap());
}

/// Replays one of the 20 most recently delivered messages of a side: it must be refused as a
/// duplicate (and leave the recipient's state unchanged, which the simulator checks). 20
/// messages span at most 20 chains, inside the 5 kept plus 32 retired chains of the default
/// config.
fn replay_recent(conversation: &mut Conversation<'_>) {
    let sides: Vec<Side> = [Side::Alice, Side::Bob]
        .into_iter()
        .filter(|&side| conversation.delivered(side) > 0)
        .collect();
    if sides.is_empty() {
        return;
    }
    let side = sides[conversation.rng().random_range(0..sides.len())];
    let recent = conversation.delivered(side).min(20);
    let index = conversation.rng().random_range(0..recent);
    assert_eq!(
        conversation.duplicate(side, u8::try_from(index).unwrap()),
        Some(Error::DuplicateMessage)
    );
}

/// One random step: send, deliver, drop, replay, reload both sessions, or tamper.
fn step(conversation: &mut Conversation<'_>) {
    let roll: u32 = conversation.rng().random_range(0..100);
    match roll {
        // Ignored while 40 are in flight (and, for Bob, before he has a session).
        0..=29 => conversation.send(Side::Alice),
        30..=54 => conversation.send(Side::Bob),
        55..=74 => deliver_some(conversation, Side::Bob),
        75..=94 => deliver_some(conversation, Side::Alice),
        95..=96 => {
            // Drop a message for good (none of Alice's before Bob has a session).
            let to = if conversation.in_flight(Side::Bob) > 0 && conversation.bob().is_some() {
                Side::Bob
            } else {
                Side::Alice
            };
            let len = conversation.in_flight(to);
            if len > 0 {
                let i = conversation.rng().random_range(0..len);
                conversation.drop_message(to, u8::try_from(i).unwrap());
            }
        }
        97 if conversation.bob().is_some() => replay_recent(conversation),
        98 => {
            conversation.reload(Side::Alice);
            conversation.reload(Side::Bob);
        }
        99 => {
            // A tampered copy of a message in flight: refused, state unchanged.
            let to = if conversation.rng().random_bool(0.5) {
                Side::Alice
            } else {
                Side::Bob
            };
            let [index, byte, mask] = conversation.rng().random::<[u8; 3]>();
            conversation.tamper(to, index, byte, mask);
        }
        _ => {}
    }
}

#[test]
fn thousands_of_messages_with_drops_reorders_replays_and_reloads() {
    for seed in 0..4 {
        let mut rng = rng(seed);
        let Responder {
            identity,
            store,
            bundle,
            ..
        } = responder(&mut rng, true);
        let alice = initiator(&mut rng, &bundle);
        let mut conversation = Conversation::new(alice, &identity, store, config(), rng, LIMITS);
        let mut steps = 0;
        while conversation.received() < 2500 {
            step(&mut conversation);
            steps += 1;
            assert!(steps < 100_000, "conversation made no progress");
        }
        // Drain what is left, in order.
        conversation.drain();
        assert!(conversation.alice().has_received());
        // Any older replay is refused too, with state unchanged: as a duplicate while its chain
        // is remembered, as an authentication failure once it is not.
        let duplicates = conversation.replay_all_delivered(Side::Alice)
            + conversation.replay_all_delivered(Side::Bob);
        assert!(
            duplicates >= 40,
            "recent replays are reported as duplicates ({duplicates})"
        );
        assert!(conversation.sent() >= conversation.received());
    }
}

#[test]
fn strictly_alternating_ping_pong() {
    let mut rng = rng(11);
    let mut pair = established_pair(&mut rng, config());
    for i in 0..1000u32 {
        let (from, to) = if i % 2 == 0 {
            (&mut pair.alice, &mut pair.bob)
        } else {
            (&mut pair.bob, &mut pair.alice)
        };
        let message = i.to_be_bytes();
        let wire = from.encrypt(&message).unwrap().encode();
        assert_eq!(to.decrypt_bytes(&mut rng, &wire).unwrap(), message);
    }
}

#[test]
fn save_and_reload_mid_conversation_then_keep_talking() {
    let mut rng = rng(12);
    let mut pair = established_pair(&mut rng, config());
    // Leave a skipped key behind on Bob's side, then reload both.
    let delayed = pair.alice.encrypt(b"delayed").unwrap().encode();
    let next = pair.alice.encrypt(b"next").unwrap().encode();
    assert_eq!(pair.bob.decrypt_bytes(&mut rng, &next).unwrap(), b"next");
    assert_eq!(pair.bob.skipped_key_count(), 1);

    let alice_bytes = pair.alice.to_stored();
    let bob_bytes = pair.bob.to_stored();
    let mut alice = Session::from_stored(alice_bytes.as_bytes(), &config()).unwrap();
    let mut bob = Session::from_stored(bob_bytes.as_bytes(), &config()).unwrap();
    assert_eq!(alice.to_stored(), alice_bytes, "reload is lossless");
    assert_eq!(bob.to_stored(), bob_bytes, "reload is lossless");

    assert_eq!(bob.decrypt_bytes(&mut rng, &delayed).unwrap(), b"delayed");
    for i in 0..50u32 {
        let wire = bob.encrypt(&i.to_le_bytes()).unwrap().encode();
        assert_eq!(
            alice.decrypt_bytes(&mut rng, &wire).unwrap(),
            i.to_le_bytes()
        );
        let wire = alice.encrypt(&i.to_be_bytes()).unwrap().encode();
        assert_eq!(bob.decrypt_bytes(&mut rng, &wire).unwrap(), i.to_be_bytes());
    }
}

#[test]
fn initiator_sends_prekey_messages_until_the_first_reply() {
    let mut rng = rng(13);
    let mut bob_side = responder(&mut rng, true);
    let mut alice = initiator(&mut rng, &bob_side.bundle);
    let first = alice.encrypt(b"1").unwrap();
    let second = alice.encrypt(b"2").unwrap();
    assert!(matches!(first, Envelope::PreKey(_)) && matches!(second, Envelope::PreKey(_)));
    // The second arrives first: Bob accepts it, then the first decrypts in the same session.
    let Envelope::PreKey(second_prekey) = &second else {
        unreachable!()
    };
    let (mut bob, plaintext) = bob_side.accept(&mut rng, second_prekey).unwrap();
    assert_eq!(plaintext, b"2");
    assert_eq!(bob.decrypt(&mut rng, &first).unwrap(), b"1");
    let reply = bob.encrypt(b"r").unwrap();
    assert!(matches!(reply, Envelope::Ratchet(_)));
    assert!(!alice.has_received());
    assert_eq!(alice.decrypt(&mut rng, &reply).unwrap(), b"r");
    assert!(alice.has_received());
    assert!(matches!(alice.encrypt(b"3").unwrap(), Envelope::Ratchet(_)));
}
