//! The fuzz targets' fixture: keys, sessions with history, and genuine messages, all derived
//! from [`FIXTURE_SEED`]. The committed seed corpus (`fuzz/corpus/`) is made from it, so the
//! order of its RNG draws must not change.

use std::sync::OnceLock;

use hushwire::{
    Config, Envelope, IdentityKeyPair, InMemoryPreKeyStore, OneTimePreKeyId, PreKeyStore, Session,
};
use rand_chacha::ChaCha20Rng;

use crate::conversation::Side;
use crate::fixtures::{ResponderKeys, rng};

/// The seed every fixture key, session and genuine message is derived from.
pub const FIXTURE_SEED: u64 = 0x6875_7368_7769_7265;

/// A genuine message of the fixture, with the side it is addressed to.
#[derive(Clone, Debug)]
pub struct Genuine {
    /// A short name, used as the seed's file name.
    pub name: &'static str,
    /// The recipient.
    pub to: Side,
    /// The encoded envelope.
    pub bytes: Vec<u8>,
    /// What it decrypts to.
    pub plaintext: Vec<u8>,
}

/// Keys, sessions and genuine messages derived from [`FIXTURE_SEED`].
///
/// The established pair has history: Bob accepted Alice's first PreKeyMessage, both sides
/// ratcheted twice, and each holds skipped keys for messages still in flight
/// ([`Fixture::in_flight`]); some messages were already delivered ([`Fixture::delivered`]).
pub struct Fixture {
    /// The configuration every target uses: [`crate::fixtures::config`] (the default, unless
    /// `HUSHWIRE_TEST_PROVIDER` chooses another crypto provider; every provider gives the
    /// same bytes, so the committed seed corpus is the same either way).
    pub config: Config,
    /// Bob (the responder of every target): his identity; signed prekeys id 1 (in every
    /// fresh store) and id 2 (signed but never put in a store); one-time prekeys 7, 8
    /// (unconsumed in a fresh store), 9 (consumed in a fresh store) and 10 (never put in a
    /// store).
    pub bob_keys: ResponderKeys,
    /// Alice's identity.
    pub alice_identity: IdentityKeyPair,
    /// Alice's session right after `Session::initiate`, before she sent anything.
    pub alice_initial: Session,
    /// Bob's session right after accepting Alice's first message.
    pub bob_fresh: Session,
    /// Alice's session of the established pair.
    pub alice: Session,
    /// Bob's session of the established pair.
    pub bob: Session,
    /// Genuine messages not yet delivered: each decrypts exactly once on its recipient.
    pub in_flight: Vec<Genuine>,
    /// Genuine messages already delivered: replays.
    pub delivered: Vec<Genuine>,
    /// First messages of other initiators for Bob, for `Session::accept` on a fresh store
    /// (some succeed, some name prekeys the store does not have).
    pub first_messages: Vec<Genuine>,
    /// Encoded bundles: Bob's, valid and not.
    pub bundles: Vec<(&'static str, Vec<u8>)>,
}

/// Encrypts a genuine message named `name` for `to`.
fn send(session: &mut Session, name: &'static str, to: Side) -> Genuine {
    let plaintext = format!("{name} for {to:?}").into_bytes();
    let bytes = session.encrypt(&plaintext).unwrap().encode();
    Genuine {
        name,
        to,
        bytes,
        plaintext,
    }
}

/// `session` decrypts `message`, which joins `delivered`.
fn receive(
    session: &mut Session,
    message: Genuine,
    rng: &mut ChaCha20Rng,
    delivered: &mut Vec<Genuine>,
) {
    assert_eq!(
        session.decrypt_bytes(rng, &message.bytes).unwrap(),
        message.plaintext
    );
    delivered.push(message);
}

impl Fixture {
    fn build() -> Self {
        let config = crate::fixtures::config();
        let mut rng = rng(FIXTURE_SEED);
        // Draws: Bob's identity, signed prekeys 1 and 2, one-time prekeys 7 to 10, then
        // Alice's identity.
        let bob_keys = ResponderKeys::generate(
            &mut rng,
            &[(1, 1_764_000_000), (2, 1_764_000_001)],
            &[7, 8, 9, 10],
        );
        let alice_identity = IdentityKeyPair::generate(&mut rng);
        let (spk, unpublished_spk) = (0, 1);
        let bundle = bob_keys.bundle(spk, Some(0), &config);

        let mut alice = Session::initiate(&mut rng, &alice_identity, &bundle, &config).unwrap();
        let alice_initial = crate::fixtures::copy(&alice);
        let mut in_flight = Vec::new();
        let mut delivered = Vec::new();

        // Alice's first three messages are PreKeyMessages; Bob accepts the first and gets the
        // third, so he keeps a skipped key for the second.
        let p0 = send(&mut alice, "prekey-0", Side::Bob);
        let p1 = send(&mut alice, "prekey-1", Side::Bob);
        let p2 = send(&mut alice, "prekey-2", Side::Bob);
        let mut store = bob_keys.store(1, 1);
        let Ok(Envelope::PreKey(first)) = Envelope::decode(&p0.bytes, &config) else {
            panic!("the first message is a PreKeyMessage")
        };
        let (mut bob, plaintext) =
            Session::accept_with_store(&mut rng, &bob_keys.identity, &mut store, &first, &config)
                .unwrap();
        assert_eq!(plaintext, p0.plaintext);
        delivered.push(p0);
        let bob_fresh = crate::fixtures::copy(&bob);
        receive(&mut bob, p2, &mut rng, &mut delivered);
        in_flight.push(p1);

        // Bob replies three times; Alice gets the first and the third.
        let b0 = send(&mut bob, "bob-0", Side::Alice);
        let b1 = send(&mut bob, "bob-1", Side::Alice);
        let b2 = send(&mut bob, "bob-2", Side::Alice);
        receive(&mut alice, b0, &mut rng, &mut delivered);
        receive(&mut alice, b2, &mut rng, &mut delivered);
        in_flight.push(b1);

        // Alice, on her second chain: Bob gets the first and the fourth.
        let a0 = send(&mut alice, "alice-0", Side::Bob);
        let a1 = send(&mut alice, "alice-1", Side::Bob);
        let a2 = send(&mut alice, "alice-2", Side::Bob);
        let a3 = send(&mut alice, "alice-3", Side::Bob);
        receive(&mut bob, a0, &mut rng, &mut delivered);
        receive(&mut bob, a3, &mut rng, &mut delivered);
        in_flight.push(a1);
        in_flight.push(a2);

        // Bob on his second chain, received; then Alice's third chain (PN = 4) and Bob's
        // second message on his second chain, both in flight.
        let b3 = send(&mut bob, "bob-3", Side::Alice);
        receive(&mut alice, b3, &mut rng, &mut delivered);
        let a4 = send(&mut alice, "alice-4-new-chain", Side::Bob);
        let b4 = send(&mut bob, "bob-4", Side::Alice);
        in_flight.push(a4);
        in_flight.push(b4);

        // Other initiators, each with a bundle of Bob's.
        let mut first_messages = Vec::new();
        let cases: [(&'static str, usize, Option<usize>); 5] = [
            ("first-otk-8", spk, Some(1)),
            ("first-no-otk", spk, None),
            ("first-consumed-otk-9", spk, Some(2)),
            ("first-unknown-otk-10", spk, Some(3)),
            ("first-unknown-spk-2", unpublished_spk, None),
        ];
        for (name, signed, otk) in cases {
            let initiator = IdentityKeyPair::generate(&mut rng);
            let bundle = bob_keys.bundle(signed, otk, &config);
            let mut session = Session::initiate(&mut rng, &initiator, &bundle, &config).unwrap();
            first_messages.push(send(&mut session, name, Side::Bob));
        }
        // Alice's second PreKeyMessage is a first message too, for a store that still has
        // one-time prekey 7.
        first_messages.push(Genuine {
            name: "first-alice-prekey-1",
            ..in_flight[0].clone()
        });

        let mut bundles = vec![
            (
                "bundle-otk-7",
                bob_keys.bundle(spk, Some(0), &config).encode(),
            ),
            (
                "bundle-no-otk",
                bob_keys.bundle(spk, None, &config).encode(),
            ),
            (
                "bundle-spk-2",
                bob_keys.bundle(unpublished_spk, Some(1), &config).encode(),
            ),
        ];
        // A bundle whose signature does not verify: the last signature byte flipped.
        let good = bob_keys.bundle(spk, None, &config);
        let mut bad = good.encode();
        let signature = good.signed_prekey().signature();
        let at = bad
            .windows(signature.len())
            .position(|w| w == signature)
            .unwrap();
        bad[at + signature.len() - 1] ^= 0x01;
        bundles.push(("bundle-bad-signature", bad));

        Self {
            config,
            bob_keys,
            alice_identity,
            alice_initial,
            bob_fresh,
            alice,
            bob,
            in_flight,
            delivered,
            first_messages,
            bundles,
        }
    }

    /// A fresh copy of Bob's prekey store: signed prekey 1, one-time prekeys 7 and 8, and 9
    /// already consumed.
    pub fn store(&self) -> InMemoryPreKeyStore {
        let mut store = self.bob_keys.store(1, 3);
        store
            .consume_one_time_prekey(OneTimePreKeyId(9))
            .expect("one-time prekey 9 is in the store");
        store
    }

    /// The established session of `side`.
    pub fn session(&self, side: Side) -> &Session {
        match side {
            Side::Alice => &self.alice,
            Side::Bob => &self.bob,
        }
    }

    /// True if `plaintext` is what a message in flight to `side` decrypts to.
    pub(crate) fn in_flight_to(&self, side: Side, plaintext: &[u8]) -> bool {
        self.in_flight
            .iter()
            .any(|m| m.to == side && m.plaintext == plaintext)
    }

    /// True if `plaintext` is what any message ever sent to `side` decrypts to.
    pub(crate) fn ever_sent_to(&self, side: Side, plaintext: &[u8]) -> bool {
        self.in_flight
            .iter()
            .chain(&self.delivered)
            .chain(&self.first_messages)
            .any(|m| m.to == side && m.plaintext == plaintext)
    }
}

/// The fixture, built on first use.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(Fixture::build)
}
