//! The conversation simulator.

use hushwire::{Config, Envelope, Error, IdentityKeyPair, InMemoryPreKeyStore, Session};
use rand_chacha::ChaCha20Rng;

use super::inbox::{Inbox, Message};
use super::{Op, Side};

/// Bounds of a run: beyond them sends are ignored, and old deliveries forgotten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most messages in flight per direction.
    pub max_in_flight: usize,
    /// Most messages each side sends.
    pub max_sent_per_side: u32,
    /// Delivered messages remembered per recipient, for [`Op::Duplicate`].
    pub max_remembered: usize,
}

/// Plaintexts distinct for each sender and counter, of every length from 0 to 39: the first
/// 40 of a sender are `"<side> #<counter>:"` cut or padded with dots to `counter` bytes (so
/// they differ in length); later ones keep that whole prefix, padded to `counter % 40` bytes
/// if shorter.
pub fn plaintext_for(side: Side, counter: u32) -> Vec<u8> {
    let mut text = format!("{side:?} #{counter}:").into_bytes();
    let len = (counter % 40) as usize;
    let len = if counter < 40 {
        len
    } else {
        text.len().max(len)
    };
    text.resize(len, b'.');
    text
}

/// Two parties talking: Alice from a session that has not sent yet, Bob from his identity and
/// prekey store (he gets a session by accepting one of her first messages). Every operation
/// checks its invariants as it runs and panics when one fails.
///
/// Each side has its own [`Config`] (the same one unless [`Conversation::with_configs`] says
/// otherwise): the one it decodes and reloads with, and Bob's the one he accepts with, so the
/// two sides may run on different crypto providers.
pub struct Conversation<'a> {
    alice_config: Config,
    bob_config: Config,
    limits: Limits,
    rng: ChaCha20Rng,
    bob_identity: &'a IdentityKeyPair,
    store: InMemoryPreKeyStore,
    alice: Session,
    bob: Option<Session>,
    to_alice: Inbox,
    to_bob: Inbox,
    sent_by_alice: u32,
    sent_by_bob: u32,
    received: u64,
}

impl<'a> Conversation<'a> {
    /// A conversation between `alice` (right after `Session::initiate`) and Bob, who accepts
    /// her first message with `bob_identity` and `store`. `rng` serves every decrypt and
    /// accept; `config` every session and decoder, on both sides.
    pub fn new(
        alice: Session,
        bob_identity: &'a IdentityKeyPair,
        store: InMemoryPreKeyStore,
        config: Config,
        rng: ChaCha20Rng,
        limits: Limits,
    ) -> Self {
        Self {
            alice_config: config,
            bob_config: config,
            limits,
            rng,
            bob_identity,
            store,
            alice,
            bob: None,
            to_alice: Inbox::default(),
            to_bob: Inbox::default(),
            sent_by_alice: 0,
            sent_by_bob: 0,
            received: 0,
        }
    }

    /// The same conversation with a configuration per side: `alice` for Alice's decoder and
    /// reloads (her session itself keeps the one it was initiated with until a reload), `bob`
    /// for Bob's accept, decoder and reloads. Call it before the first operation.
    pub fn with_configs(mut self, alice: Config, bob: Config) -> Self {
        self.alice_config = alice;
        self.bob_config = bob;
        self
    }

    /// The configuration of `side`.
    pub fn config(&self, side: Side) -> &Config {
        match side {
            Side::Alice => &self.alice_config,
            Side::Bob => &self.bob_config,
        }
    }

    /// The rng the conversation decrypts with, for a driver that picks operations at random.
    pub fn rng(&mut self) -> &mut ChaCha20Rng {
        &mut self.rng
    }

    /// Alice's session.
    pub fn alice(&self) -> &Session {
        &self.alice
    }

    /// Bob's session, once he has accepted a first message.
    pub fn bob(&self) -> Option<&Session> {
        self.bob.as_ref()
    }

    /// Messages sent by both sides.
    pub fn sent(&self) -> u64 {
        u64::from(self.sent_by_alice) + u64::from(self.sent_by_bob)
    }

    /// Messages delivered to both sides (each decrypted once, to the right plaintext).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Messages in flight to `to`.
    pub fn in_flight(&self, to: Side) -> usize {
        self.inbox_ref(to).in_flight.len()
    }

    /// Delivered messages `to` still remembers for [`Op::Duplicate`].
    pub fn delivered(&self, to: Side) -> usize {
        self.inbox_ref(to).delivered.len()
    }

    fn inbox_ref(&self, side: Side) -> &Inbox {
        match side {
            Side::Alice => &self.to_alice,
            Side::Bob => &self.to_bob,
        }
    }

    fn inbox(&mut self, side: Side) -> &mut Inbox {
        match side {
            Side::Alice => &mut self.to_alice,
            Side::Bob => &mut self.to_bob,
        }
    }

    /// Runs one operation.
    pub fn apply(&mut self, op: Op) {
        match op {
            Op::AliceSend => self.send(Side::Alice),
            Op::BobSend => self.send(Side::Bob),
            Op::Deliver { to, index } => self.deliver(to, index),
            Op::Drop { to, index } => self.drop_message(to, index),
            Op::Duplicate { to, index } => {
                self.duplicate(to, index);
            }
            Op::Reload { who } => self.reload(who),
            Op::Tamper {
                to,
                index,
                byte,
                mask,
            } => self.tamper(to, index, byte, mask),
        }
    }

    /// `from` encrypts its next message ([`plaintext_for`]), unless it has no session yet or
    /// a limit is reached. Alice's are PreKeyMessages exactly until she has received.
    pub fn send(&mut self, from: Side) {
        let limits = self.limits;
        let (session, counter, inbox) = match from {
            Side::Alice => (
                Some(&mut self.alice),
                &mut self.sent_by_alice,
                &mut self.to_bob,
            ),
            Side::Bob => (self.bob.as_mut(), &mut self.sent_by_bob, &mut self.to_alice),
        };
        let Some(session) = session else { return };
        if *counter >= limits.max_sent_per_side || inbox.in_flight.len() >= limits.max_in_flight {
            return;
        }
        let plaintext = plaintext_for(from, *counter);
        *counter += 1;
        let envelope = session.encrypt(&plaintext).unwrap();
        assert_eq!(
            matches!(envelope, Envelope::PreKey(_)),
            !session.has_received(),
            "{from:?} sends PreKeyMessages exactly until it has received"
        );
        inbox.sent(Message::new(&envelope, plaintext));
    }

    /// Bob's answer to `bytes` before he has a session: accept it as a first message.
    fn accept(&mut self, bytes: &[u8]) -> Result<(Session, Vec<u8>), Error> {
        match Envelope::decode(bytes, &self.bob_config)? {
            Envelope::PreKey(message) => Session::accept_with_store(
                &mut self.rng,
                self.bob_identity,
                &mut self.store,
                &message,
                &self.bob_config,
            ),
            _ => Err(Error::PreKeyMessageMismatch),
        }
    }

    /// The message at `index` (modulo the queue) in flight to `to` arrives: it must decrypt
    /// (or, Bob's first, be accepted) to the plaintext it was sent with. Deliveries alternate
    /// between `Session::decrypt_bytes` and `Envelope::decode` then `Session::decrypt`.
    pub fn deliver(&mut self, to: Side, index: u8) {
        let (config, max_remembered) = (*self.config(to), self.limits.max_remembered);
        let inbox = self.inbox(to);
        if inbox.in_flight.is_empty() {
            return;
        }
        let message = inbox
            .in_flight
            .remove(usize::from(index) % inbox.in_flight.len());
        let plaintext = if to == Side::Bob && self.bob.is_none() {
            self.accept(&message.bytes).map(|(session, plaintext)| {
                self.bob = Some(session);
                plaintext
            })
        } else {
            let by_envelope = self.received % 2 == 1;
            let session = session_of(&mut self.alice, &mut self.bob, to);
            if by_envelope {
                let envelope = Envelope::decode(&message.bytes, &config)
                    .unwrap_or_else(|error| panic!("a genuine message to {to:?}: {error:?}"));
                session.decrypt(&mut self.rng, &envelope)
            } else {
                session.decrypt_bytes(&mut self.rng, &message.bytes)
            }
        };
        match plaintext {
            Ok(plaintext) => assert_eq!(plaintext, message.plaintext),
            Err(error) => panic!("{to:?} could not decrypt a genuine message: {error:?}"),
        }
        self.received += 1;
        self.inbox(to).received(message, &config, max_remembered);
    }

    /// The message at `index` (modulo the queue) in flight to `to` is lost for good.
    pub fn drop_message(&mut self, to: Side, index: u8) {
        let inbox = self.inbox(to);
        if !inbox.in_flight.is_empty() {
            let at = usize::from(index) % inbox.in_flight.len();
            inbox.in_flight.remove(at);
        }
    }

    /// The message delivered to `to` `index` deliveries ago (0: the latest) arrives again:
    /// refused as a duplicate while its chain is remembered, as a failed decryption after
    /// (see the recipient's `Inbox::replay_refusal`), with the state unchanged. Returns the
    /// error, or `None` if there was no such message.
    pub fn duplicate(&mut self, to: Side, index: u8) -> Option<Error> {
        let at = self
            .inbox_ref(to)
            .delivered
            .len()
            .checked_sub(1 + usize::from(index))?;
        Some(self.replay_at(to, at))
    }

    /// Replays every delivered message `to` still remembers, latest first
    /// ([`Conversation::duplicate`] on each). Returns how many were refused as duplicates.
    pub fn replay_all_delivered(&mut self, to: Side) -> usize {
        (0..self.delivered(to))
            .rev()
            .filter(|&at| self.replay_at(to, at) == Error::DuplicateMessage)
            .count()
    }

    /// Replays the delivered message at position `at` (oldest first) to `to`, and checks the
    /// refusal (see the recipient's `Inbox::replay_refusal`) and that the state is unchanged;
    /// returns the error.
    fn replay_at(&mut self, to: Side, at: usize) -> Error {
        let inbox = self.inbox_ref(to);
        let message = &inbox.delivered[at];
        let expected = inbox.replay_refusal(&message.chain);
        let bytes = message.bytes.clone();
        let session = session_of(&mut self.alice, &mut self.bob, to);
        let before = session.to_stored();
        assert_eq!(
            session.decrypt_bytes(&mut self.rng, &bytes),
            Err(expected.clone()),
            "replay to {to:?}"
        );
        assert_eq!(
            session.to_stored(),
            before,
            "a refused replay changed state"
        );
        expected
    }

    /// `who` (if it has a session) is stored and loaded again, with its configuration:
    /// losslessly.
    pub fn reload(&mut self, who: Side) {
        let config = *self.config(who);
        self.reload_with(who, config);
    }

    /// `who` (if it has a session) is stored and loaded again with `config`, its configuration
    /// from now on: another crypto provider, say. The reload must still be lossless and the
    /// session must run on `config` (limits smaller than what the session holds would trim it
    /// and fail the first check).
    pub fn reload_with(&mut self, who: Side, config: Config) {
        match who {
            Side::Alice => self.alice_config = config,
            Side::Bob => self.bob_config = config,
        }
        let session = match who {
            Side::Alice => &mut self.alice,
            Side::Bob => match self.bob.as_mut() {
                Some(bob) => bob,
                None => return,
            },
        };
        let bytes = session.to_stored();
        *session = Session::from_stored(bytes.as_bytes(), &config).expect("a stored session loads");
        assert_eq!(session.to_stored(), bytes, "a reload is lossless");
        assert_eq!(
            session.config(),
            &config,
            "a reload takes the given configuration"
        );
    }

    /// A copy of the message at `index` in flight to `to`, with the byte at `byte`/256 of its
    /// length XORed with `mask` (or, for mask 0, cut off there), arrives: it is refused, and
    /// the recipient's session (before Bob has one: his store) is unchanged. The original
    /// stays in flight.
    pub fn tamper(&mut self, to: Side, index: u8, byte: u8, mask: u8) {
        let inbox = self.inbox(to);
        if inbox.in_flight.is_empty() {
            return;
        }
        let message = &inbox.in_flight[usize::from(index) % inbox.in_flight.len()];
        let mut bytes = message.bytes.clone();
        // Spread over the whole message, so that the KEM ciphertext at the end of a hybrid
        // first message (1568 of its ~1770 bytes) is reached too.
        let at = usize::from(byte) * bytes.len() / 256;
        if mask == 0 {
            bytes.truncate(at);
        } else {
            bytes[at] ^= mask;
        }
        if to == Side::Bob && self.bob.is_none() {
            let before = format!("{:?}", self.store);
            let result = self.accept(&bytes);
            assert!(result.is_err(), "a tampered first message was accepted");
            assert_eq!(format!("{:?}", self.store), before, "{result:?}");
        } else {
            let session = session_of(&mut self.alice, &mut self.bob, to);
            let before = session.to_stored();
            let result = session.decrypt_bytes(&mut self.rng, &bytes);
            assert!(result.is_err(), "a tampered message decrypted: {result:?}");
            assert_eq!(
                session.to_stored(),
                before,
                "state changed after {result:?}"
            );
        }
    }

    /// Delivers everything still in flight, in order (Bob's first): each must decrypt.
    pub fn drain(&mut self) {
        while !self.to_bob.in_flight.is_empty() {
            self.deliver(Side::Bob, 0);
        }
        while !self.to_alice.in_flight.is_empty() {
            self.deliver(Side::Alice, 0);
        }
    }
}

/// The session of `side`; Bob's must exist.
fn session_of<'s>(
    alice: &'s mut Session,
    bob: &'s mut Option<Session>,
    side: Side,
) -> &'s mut Session {
    match side {
        Side::Alice => alice,
        Side::Bob => bob.as_mut().expect("Bob has a session"),
    }
}
