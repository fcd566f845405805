//! Long conversations with random drops, duplicates and reorders, within the limits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::{Config, Envelope, Error, IdentityKeyPair, Session};
use rand::RngExt;

/// A message in flight: the wire bytes and what it must decrypt to.
struct InFlight {
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
}

struct Conversation {
    rng: ChaCha20Rng,
    alice: Session,
    bob: Option<Session>,
    bob_side: Responder,
    to_bob: Vec<InFlight>,
    to_alice: Vec<InFlight>,
    delivered: Vec<InFlight>,
    sent: u64,
    received: u64,
}

impl Conversation {
    fn new(seed: u64) -> Self {
        let mut rng = rng(seed);
        let bob_side = responder(&mut rng, true);
        let alice_identity = IdentityKeyPair::generate(&mut rng);
        let alice = Session::initiate(
            &mut rng,
            &alice_identity,
            &bob_side.bundle,
            Config::default(),
        )
        .unwrap();
        Self {
            rng,
            alice,
            bob: None,
            bob_side,
            to_bob: Vec::new(),
            to_alice: Vec::new(),
            delivered: Vec::new(),
            sent: 0,
            received: 0,
        }
    }

    fn send_from_alice(&mut self) {
        let plaintext = format!("alice {}", self.sent).into_bytes();
        let bytes = self.alice.encrypt(&plaintext).unwrap().encode();
        self.sent += 1;
        self.to_bob.push(InFlight { bytes, plaintext });
    }

    fn send_from_bob(&mut self) {
        let Some(bob) = self.bob.as_mut() else { return };
        let plaintext = format!("bob {}", self.sent).into_bytes();
        let bytes = bob.encrypt(&plaintext).unwrap().encode();
        self.sent += 1;
        self.to_alice.push(InFlight { bytes, plaintext });
    }

    fn deliver_to_bob(&mut self, index: usize) {
        let message = self.to_bob.remove(index);
        let envelope = decode(&message.bytes);
        let plaintext = match (&mut self.bob, &envelope) {
            (None, Envelope::PreKey(first)) => {
                let (session, plaintext) = self.bob_side.accept(&mut self.rng, first).unwrap();
                self.bob = Some(session);
                plaintext
            }
            (Some(bob), _) => bob.decrypt(&mut self.rng, &envelope).unwrap(),
            (None, _) => panic!("Bob has no session and got a RatchetMessage"),
        };
        assert_eq!(plaintext, message.plaintext);
        self.received += 1;
        self.delivered.push(message);
    }

    fn deliver_to_alice(&mut self, index: usize) {
        let message = self.to_alice.remove(index);
        let plaintext = self
            .alice
            .decrypt_bytes(&mut self.rng, &message.bytes)
            .unwrap();
        assert_eq!(plaintext, message.plaintext);
        self.received += 1;
        self.delivered.push(message);
    }

    /// Replays one of the 20 most recently delivered messages to its recipient: it must be
    /// refused as a duplicate, and leave the recipient's state unchanged. (20 messages span at
    /// most 20 chains, inside the 5 kept plus 32 retired chains of the default config.)
    fn replay(&mut self) {
        if self.delivered.is_empty() {
            return;
        }
        let index = self
            .rng
            .random_range(self.delivered.len().saturating_sub(20)..self.delivered.len());
        let bytes = self.delivered[index].bytes.clone();
        let to_alice = self.delivered[index].plaintext.starts_with(b"bob");
        let session = if to_alice {
            &mut self.alice
        } else {
            self.bob.as_mut().unwrap()
        };
        let before = session.to_bytes();
        assert_eq!(
            session.decrypt_bytes(&mut self.rng, &bytes),
            Err(Error::DuplicateMessage)
        );
        assert_eq!(session.to_bytes(), before);
    }

    /// Stores and reloads both sessions.
    fn reload(&mut self) {
        let alice = self.alice.to_bytes();
        self.alice = Session::from_bytes(&alice, Config::default()).unwrap();
        assert_eq!(self.alice.to_bytes(), alice);
        if let Some(bob) = self.bob.as_mut() {
            let bytes = bob.to_bytes();
            *bob = Session::from_bytes(&bytes, Config::default()).unwrap();
            assert_eq!(bob.to_bytes(), bytes);
        }
    }

    fn step(&mut self) {
        let roll: u32 = self.rng.random_range(0..100);
        // Bound what is in flight so skips stay far inside the limits.
        let bob_can_receive = !self.to_bob.is_empty();
        let alice_can_receive = !self.to_alice.is_empty();
        match roll {
            0..=29 if self.to_bob.len() < 40 => self.send_from_alice(),
            30..=54 if self.to_alice.len() < 40 => self.send_from_bob(),
            55..=74 if bob_can_receive => {
                // Mostly in order, sometimes any message in flight.
                let i = if self.rng.random_bool(0.7) {
                    0
                } else {
                    self.rng.random_range(0..self.to_bob.len())
                };
                self.deliver_to_bob(i);
            }
            75..=94 if alice_can_receive => {
                let i = if self.rng.random_bool(0.7) {
                    0
                } else {
                    self.rng.random_range(0..self.to_alice.len())
                };
                self.deliver_to_alice(i);
            }
            95..=96 => {
                // Drop a message for good.
                if !self.to_bob.is_empty() && self.bob.is_some() {
                    let i = self.rng.random_range(0..self.to_bob.len());
                    self.to_bob.remove(i);
                } else if !self.to_alice.is_empty() {
                    let i = self.rng.random_range(0..self.to_alice.len());
                    self.to_alice.remove(i);
                }
            }
            97 if self.bob.is_some() => self.replay(),
            98 => self.reload(),
            _ => {}
        }
    }
}

#[test]
fn thousands_of_messages_with_drops_reorders_replays_and_reloads() {
    for seed in 0..4 {
        let mut conversation = Conversation::new(seed);
        let mut steps = 0;
        while conversation.received < 2500 {
            conversation.step();
            steps += 1;
            assert!(steps < 100_000, "conversation made no progress");
        }
        // Drain what is left, in order.
        while !conversation.to_bob.is_empty() {
            conversation.deliver_to_bob(0);
        }
        while !conversation.to_alice.is_empty() {
            conversation.deliver_to_alice(0);
        }
        assert!(conversation.alice.has_received());
        // Any older replay is refused too, with state unchanged: as a duplicate while its chain
        // is remembered, as an authentication failure once it is not.
        let delivered = std::mem::take(&mut conversation.delivered);
        let mut duplicates = 0;
        for message in &delivered {
            let session = if message.plaintext.starts_with(b"bob") {
                &mut conversation.alice
            } else {
                conversation.bob.as_mut().unwrap()
            };
            let before = session.to_bytes();
            match session.decrypt_bytes(&mut conversation.rng, &message.bytes) {
                Err(Error::DuplicateMessage) => duplicates += 1,
                Err(Error::DecryptionFailed) => {}
                other => panic!("replay was not refused: {other:?}"),
            }
            assert_eq!(session.to_bytes(), before);
        }
        assert!(
            duplicates >= 40,
            "recent replays are reported as duplicates ({duplicates})"
        );
        assert!(conversation.sent >= conversation.received);
    }
}

#[test]
fn strictly_alternating_ping_pong() {
    let mut rng = rng(11);
    let mut pair = established_pair(&mut rng, Config::default());
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
    let mut pair = established_pair(&mut rng, Config::default());
    // Leave a skipped key behind on Bob's side, then reload both.
    let delayed = pair.alice.encrypt(b"delayed").unwrap().encode();
    let next = pair.alice.encrypt(b"next").unwrap().encode();
    assert_eq!(pair.bob.decrypt_bytes(&mut rng, &next).unwrap(), b"next");
    assert_eq!(pair.bob.skipped_key_count(), 1);

    let alice_bytes = pair.alice.to_bytes();
    let bob_bytes = pair.bob.to_bytes();
    let mut alice = Session::from_bytes(&alice_bytes, Config::default()).unwrap();
    let mut bob = Session::from_bytes(&bob_bytes, Config::default()).unwrap();
    assert_eq!(alice.to_bytes(), alice_bytes, "reload is lossless");
    assert_eq!(bob.to_bytes(), bob_bytes, "reload is lossless");

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
