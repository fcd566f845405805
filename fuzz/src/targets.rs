//! The logic of every fuzz target, as plain functions of the fuzzer's bytes.
//!
//! This file is compiled twice: by the cargo-fuzz crate in `fuzz/` (each
//! `fuzz/fuzz_targets/<name>.rs` calls the function of the same name), and by
//! `tests/fuzz_corpus.rs` in the main crate, which replays every file of
//! `fuzz/corpus/<name>/` through the same function as an ordinary test on stable Rust. It
//! therefore uses only what the main crate's dev-dependencies provide: `hushwire`, `rand` and
//! `rand_chacha` (no `arbitrary`; the conversation's operations are decoded by hand, see
//! [`Op::decode_all`]).
//!
//! A function returns normally when every invariant held, and panics (an assertion) when one
//! did not: that is how libFuzzer and the test harness see a finding. The returned
//! [`Outcome`] says how deep the input got, so the corpus test can check that the seeds still
//! reach the interesting paths.
//!
//! Everything runs against one deterministic [`Fixture`], built once from [`FIXTURE_SEED`].

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::HashSet;
use std::sync::OnceLock;

use hushwire::{
    Config, Envelope, Error, IdentityKey, IdentityKeyPair, InMemoryPreKeyStore, OneTimePreKeyId,
    OneTimePreKeyPair, PreKeyBundle, PreKeyBundleIn, PreKeyStore, Session, SignedPreKeyId,
    SignedPreKeyPair, X25519PublicKey,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// The seed every fixture key, session and genuine message is derived from.
pub const FIXTURE_SEED: u64 = 0x6875_7368_7769_7265;

/// How deep an input got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused (by the decoder, or by the session), with every invariant intact.
    Rejected,
    /// Decoded, or decrypted, or accepted: the deepest path of the target.
    Accepted,
}

/// Which peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The initiator.
    Alice,
    /// The responder.
    Bob,
}

impl Side {
    fn from_bit(bit: u8) -> Self {
        if bit & 1 == 0 { Self::Alice } else { Self::Bob }
    }

    fn bit(self) -> u8 {
        match self {
            Self::Alice => 0,
            Self::Bob => 1,
        }
    }
}

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
    /// The limits every target uses.
    pub config: Config,
    /// Bob's identity (the responder of every target).
    pub bob_identity: IdentityKeyPair,
    /// Alice's identity.
    pub alice_identity: IdentityKeyPair,
    /// Bob's signed prekey, id 1 (in every fresh store).
    pub spk: SignedPreKeyPair,
    /// Bob's signed prekey id 2, signed but never put in a store.
    pub unpublished_spk: SignedPreKeyPair,
    /// One-time prekeys 7, 8 (unconsumed in a fresh store), 9 (consumed in a fresh store) and
    /// 10 (never put in a store).
    pub otks: Vec<OneTimePreKeyPair>,
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

impl Fixture {
    fn build() -> Self {
        let config = Config::default();
        let mut rng = ChaCha20Rng::seed_from_u64(FIXTURE_SEED);
        let bob_identity = IdentityKeyPair::generate(&mut rng);
        let spk =
            SignedPreKeyPair::generate(&mut rng, &bob_identity, SignedPreKeyId(1), 1_764_000_000);
        let unpublished_spk =
            SignedPreKeyPair::generate(&mut rng, &bob_identity, SignedPreKeyId(2), 1_764_000_001);
        let otks: Vec<OneTimePreKeyPair> = [7, 8, 9, 10]
            .into_iter()
            .map(|id| OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id)))
            .collect();
        let alice_identity = IdentityKeyPair::generate(&mut rng);

        let bundle_with = |spk: &SignedPreKeyPair, otk: Option<usize>| {
            let bundle = PreKeyBundle::new(&bob_identity, spk, otk.map(|i| *otks[i].public()));
            // As an initiator receives it.
            PreKeyBundleIn::decode(&bundle.encode(), &config)
                .unwrap()
                .validate()
                .unwrap()
        };
        let bundle = bundle_with(&spk, Some(0));

        let mut alice = Session::initiate(&mut rng, &alice_identity, &bundle, config).unwrap();
        let alice_initial = alice.clone();
        let mut in_flight = Vec::new();
        let mut delivered = Vec::new();
        let send = |session: &mut Session, name: &'static str, to: Side| {
            let plaintext = format!("{name} for {to:?}").into_bytes();
            let bytes = session.encrypt(&plaintext).unwrap().encode();
            Genuine {
                name,
                to,
                bytes,
                plaintext,
            }
        };
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

        // Alice's first three messages are PreKeyMessages; Bob accepts the first and gets the
        // third, so he keeps a skipped key for the second.
        let p0 = send(&mut alice, "prekey-0", Side::Bob);
        let p1 = send(&mut alice, "prekey-1", Side::Bob);
        let p2 = send(&mut alice, "prekey-2", Side::Bob);
        let mut store = InMemoryPreKeyStore::new();
        store.add_signed_prekey(spk.clone());
        store.add_one_time_prekey(otks[0].clone());
        let Ok(Envelope::PreKey(first)) = Envelope::decode(&p0.bytes, &config) else {
            panic!("the first message is a PreKeyMessage")
        };
        let (mut bob, plaintext) =
            Session::accept(&mut rng, &bob_identity, &mut store, &first, config).unwrap();
        assert_eq!(plaintext, p0.plaintext);
        delivered.push(p0);
        let bob_fresh = bob.clone();
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
        let cases: [(&'static str, &SignedPreKeyPair, Option<usize>); 5] = [
            ("first-otk-8", &spk, Some(1)),
            ("first-no-otk", &spk, None),
            ("first-consumed-otk-9", &spk, Some(2)),
            ("first-unknown-otk-10", &spk, Some(3)),
            ("first-unknown-spk-2", &unpublished_spk, None),
        ];
        for (name, signed, otk) in cases {
            let initiator = IdentityKeyPair::generate(&mut rng);
            let bundle = bundle_with(signed, otk);
            let mut session = Session::initiate(&mut rng, &initiator, &bundle, config).unwrap();
            first_messages.push(send(&mut session, name, Side::Bob));
        }
        // Alice's second PreKeyMessage is a first message too, for a store that still has
        // one-time prekey 7.
        first_messages.push(Genuine {
            name: "first-alice-prekey-1",
            ..in_flight[0].clone()
        });

        let mut bundles = vec![
            ("bundle-otk-7", bundle_with(&spk, Some(0)).encode()),
            ("bundle-no-otk", bundle_with(&spk, None).encode()),
            (
                "bundle-spk-2",
                bundle_with(&unpublished_spk, Some(1)).encode(),
            ),
        ];
        // A bundle whose signature does not verify: the last signature byte flipped.
        let good = bundle_with(&spk, None);
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
            bob_identity,
            alice_identity,
            spk,
            unpublished_spk,
            otks,
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
        let mut store = InMemoryPreKeyStore::new();
        store.add_signed_prekey(self.spk.clone());
        for otk in &self.otks[..3] {
            store.add_one_time_prekey(otk.clone());
        }
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
    fn in_flight_to(&self, side: Side, plaintext: &[u8]) -> bool {
        self.in_flight
            .iter()
            .any(|m| m.to == side && m.plaintext == plaintext)
    }

    /// True if `plaintext` is what any message ever sent to `side` decrypts to.
    fn ever_sent_to(&self, side: Side, plaintext: &[u8]) -> bool {
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

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(FIXTURE_SEED ^ 1)
}

/// True for the errors a decoder may return.
fn is_decoding_error(error: &Error) -> bool {
    matches!(
        error,
        Error::TooLarge { .. }
            | Error::MalformedProtobuf
            | Error::NonCanonicalEncoding
            | Error::UnsupportedVersion { .. }
            | Error::MissingField { .. }
            | Error::InvalidLength { .. }
            | Error::InvalidPublicKey
            | Error::LowOrderPublicKey
    )
}

/// The size limit is checked before anything else: one byte under the input's length is
/// always [`Error::TooLarge`].
fn check_size_limit<T: core::fmt::Debug>(
    data: &[u8],
    decode: impl Fn(&Config) -> Result<T, Error>,
) {
    if let Some(max) = data.len().checked_sub(1) {
        let mut small = fixture().config;
        small.max_encoded_len = max;
        match decode(&small) {
            Err(Error::TooLarge { len, max: limit }) => {
                assert_eq!((len, limit), (data.len(), max));
            }
            other => panic!("input over the size limit gave {other:?}"),
        }
    }
}

/// Decrypts `attempt` on a copy of `session`: on error the state must be byte-for-byte
/// unchanged; on success the plaintext must be `genuine` (sent to `side` and not yet received
/// by this session), and the same input again must be refused as a duplicate. Returns whether
/// it decrypted.
fn decrypt_checked(
    side: Side,
    session: &Session,
    genuine: impl Fn(&[u8]) -> bool,
    mut attempt: impl FnMut(&mut Session, &mut ChaCha20Rng) -> Result<Vec<u8>, Error>,
) -> bool {
    let mut session = session.clone();
    let mut rng = rng();
    let before = session.to_bytes();
    match attempt(&mut session, &mut rng) {
        Err(error) => {
            assert_eq!(
                session.to_bytes(),
                before,
                "{side:?}'s state changed after {error:?}"
            );
            false
        }
        Ok(plaintext) => {
            assert!(
                genuine(&plaintext),
                "{side:?} decrypted a message nobody sent, or a second time: {plaintext:?}"
            );
            let after = session.to_bytes();
            assert_ne!(after, before, "a successful decrypt consumes a key");
            assert_eq!(
                attempt(&mut session, &mut rng),
                Err(Error::DuplicateMessage),
                "{side:?} accepted the same input twice"
            );
            assert_eq!(session.to_bytes(), after, "a refused replay changed state");
            true
        }
    }
}

/// `envelope`: [`Envelope::decode`] on arbitrary bytes. Whatever decodes re-encodes to the
/// same bytes (the decoder accepts only canonical encodings); anything else is a decoding
/// error; the size limit comes first.
pub fn envelope(data: &[u8]) -> Outcome {
    let config = fixture().config;
    check_size_limit(data, |config| Envelope::decode(data, config));
    match Envelope::decode(data, &config) {
        Ok(envelope) => {
            assert_eq!(envelope.encode(), data, "decoded input is not canonical");
            assert_eq!(Envelope::decode(&envelope.encode(), &config), Ok(envelope));
            Outcome::Accepted
        }
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            assert!(!error.to_string().is_empty());
            Outcome::Rejected
        }
    }
}

/// `prekey_message`: bytes decoded as an envelope; a PreKeyMessage is checked field by field,
/// refused by the initiator, and tried on the responder (a repeat of the first message must
/// match what Bob accepted).
pub fn prekey_message(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let Ok(envelope) = Envelope::decode(data, &fixture.config) else {
        return Outcome::Rejected;
    };
    assert_eq!(envelope.encode(), data);
    let Envelope::PreKey(message) = &envelope else {
        return Outcome::Rejected;
    };
    // Every key in it is valid as it stands.
    assert_eq!(
        IdentityKey::from_bytes(&message.identity_key().to_bytes()).as_ref(),
        Ok(message.identity_key())
    );
    assert_eq!(
        X25519PublicKey::from_bytes(message.base_key().as_bytes()).as_ref(),
        Ok(message.base_key())
    );
    let inner = message.message();
    assert_eq!(
        X25519PublicKey::from_bytes(inner.header().ratchet_key.as_bytes()).as_ref(),
        Ok(&inner.header().ratchet_key)
    );
    assert!(
        inner.ciphertext().len() >= 16,
        "ciphertext shorter than the tag"
    );

    // The initiator never takes a PreKeyMessage.
    for alice in [&fixture.alice, &fixture.alice_initial] {
        let mut alice = alice.clone();
        let before = alice.to_bytes();
        assert_eq!(
            alice.decrypt(&mut rng(), &envelope),
            Err(Error::PreKeyMessageMismatch)
        );
        assert_eq!(alice.to_bytes(), before);
    }
    // Bob right after accepting the first message may get anything Alice sent since; the
    // established Bob only what is still in flight.
    let mut decrypted = false;
    let in_flight = |p: &[u8]| fixture.in_flight_to(Side::Bob, p);
    let not_first = |p: &[u8]| {
        fixture.ever_sent_to(Side::Bob, p) && p != fixture.delivered[0].plaintext.as_slice()
    };
    for (bob, genuine) in [
        (&fixture.bob, &in_flight as &dyn Fn(&[u8]) -> bool),
        (&fixture.bob_fresh, &not_first),
    ] {
        decrypted |= decrypt_checked(Side::Bob, bob, genuine, |session, rng| {
            let result = session.decrypt(rng, &envelope);
            if result.is_ok() {
                assert_eq!(message.identity_key(), session.remote_identity());
            }
            result
        });
    }
    if decrypted {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}

/// `ratchet_message`: bytes decoded as an envelope; a RatchetMessage is checked and tried on
/// both established sessions with [`Session::decrypt`].
pub fn ratchet_message(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let Ok(envelope) = Envelope::decode(data, &fixture.config) else {
        return Outcome::Rejected;
    };
    assert_eq!(envelope.encode(), data);
    let Envelope::Ratchet(message) = &envelope else {
        return Outcome::Rejected;
    };
    assert!(
        message.ciphertext().len() >= 16,
        "ciphertext shorter than the tag"
    );
    assert_eq!(
        X25519PublicKey::from_bytes(message.header().ratchet_key.as_bytes()).as_ref(),
        Ok(&message.header().ratchet_key)
    );
    let mut decrypted = false;
    for side in [Side::Alice, Side::Bob] {
        let genuine = |p: &[u8]| fixture.in_flight_to(side, p);
        decrypted |= decrypt_checked(side, fixture.session(side), genuine, |session, rng| {
            session.decrypt(rng, &envelope)
        });
    }
    if decrypted {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}

/// `decrypt`: arbitrary bytes to [`Session::decrypt_bytes`] on both sides of the established
/// pair. A failed decrypt leaves the state unchanged; a successful one yields a genuine
/// plaintext, once.
pub fn decrypt(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let mut decrypted = false;
    for side in [Side::Alice, Side::Bob] {
        let genuine = |p: &[u8]| fixture.in_flight_to(side, p);
        decrypted |= decrypt_checked(side, fixture.session(side), genuine, |session, rng| {
            session.decrypt_bytes(rng, data)
        });
    }
    if decrypted {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}

/// `accept`: bytes decoded as an envelope, then [`Session::accept`] on a fresh copy of Bob's
/// store. On error the store is unchanged; on success the plaintext is genuine, the one-time
/// prekey (if any) is consumed, and accepting the same message again fails with
/// [`Error::OneTimePreKeyConsumed`] (or, without a one-time prekey, makes a second session:
/// the documented replay limitation of X3DH).
pub fn accept(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let config = fixture.config;
    let Ok(Envelope::PreKey(message)) = Envelope::decode(data, &config) else {
        return Outcome::Rejected;
    };
    let mut store = fixture.store();
    let before = format!("{store:?}");
    let left = store.one_time_prekeys_left();
    let mut rng = rng();
    match Session::accept(
        &mut rng,
        &fixture.bob_identity,
        &mut store,
        &message,
        config,
    ) {
        Err(error) => {
            assert_eq!(
                format!("{store:?}"),
                before,
                "store changed after {error:?}"
            );
            assert_eq!(store.one_time_prekeys_left(), left);
            if let Error::UnknownSignedPreKey { id } = error {
                assert_eq!(id, message.signed_prekey_id().0);
                assert!(store.signed_prekey(message.signed_prekey_id()).is_none());
            }
            Outcome::Rejected
        }
        Ok((session, plaintext)) => {
            assert!(
                fixture.ever_sent_to(Side::Bob, &plaintext),
                "accepted a first message nobody sent: {plaintext:?}"
            );
            assert_eq!(session.remote_identity(), message.identity_key());
            assert_eq!(session.local_identity(), fixture.bob_identity.public_key());
            assert!(!session.is_initiator() && session.has_received());
            let bytes = session.to_bytes();
            assert_eq!(
                Session::from_bytes(&bytes, config).unwrap().to_bytes(),
                bytes
            );
            let after = format!("{store:?}");
            let again = Session::accept(
                &mut rng,
                &fixture.bob_identity,
                &mut store,
                &message,
                config,
            );
            match message.one_time_prekey_id() {
                Some(id) => {
                    assert_eq!(store.one_time_prekeys_left(), left - 1);
                    assert_eq!(
                        store.one_time_prekey(id).err(),
                        Some(Error::OneTimePreKeyConsumed { id: id.0 })
                    );
                    assert_eq!(again.err(), Some(Error::OneTimePreKeyConsumed { id: id.0 }));
                    assert_eq!(format!("{store:?}"), after);
                }
                None => {
                    assert_eq!(store.one_time_prekeys_left(), left);
                    let (_, replayed) = again.expect(
                        "a first message without a one-time prekey can be replayed (SECURITY.md)",
                    );
                    assert_eq!(replayed, plaintext);
                }
            }
            Outcome::Accepted
        }
    }
}

/// Limits high enough that loading trims nothing.
fn unbounded() -> Config {
    let mut config = fixture().config;
    config.max_skipped_keys = usize::MAX;
    config.max_receiving_chains = usize::MAX;
    config.max_retired_chains = usize::MAX;
    config
}

/// `session_state`: [`Session::from_bytes`] on arbitrary bytes. Whatever loads with limits that
/// trim nothing stores back to the same bytes; with the default limits it loads too, trimmed
/// to them, and stores to bytes that load back unchanged. A loaded session may then meet the
/// fixture's genuine messages (a failed decrypt leaves it unchanged) and encrypt once.
pub fn session_state(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let config = fixture.config;
    check_size_limit(data, |config| Session::from_bytes(data, *config));
    let session = match Session::from_bytes(data, unbounded()) {
        Ok(session) => session,
        Err(error) => {
            assert!(
                is_decoding_error(&error) || error == Error::InvalidSessionState,
                "from_bytes returned {error:?}"
            );
            assert_eq!(
                Session::from_bytes(data, config).err(),
                Some(error),
                "the limits change whether a state loads"
            );
            return Outcome::Rejected;
        }
    };
    assert_eq!(
        *session.to_bytes(),
        data,
        "a loaded state does not store back"
    );
    let session = Session::from_bytes(data, config).expect("loads with the default limits");
    assert!(session.receiving_chain_count() <= config.max_receiving_chains.max(1));
    assert!(session.skipped_key_count() <= config.max_skipped_keys);
    let stored = session.to_bytes();
    assert_eq!(
        Session::from_bytes(&stored, config).map(|s| s.to_bytes()),
        Ok(stored),
        "a trimmed state does not store back"
    );
    let _ = format!("{session:?}");

    for message in fixture.in_flight.iter().chain(&fixture.delivered) {
        let mut copy = session.clone();
        let before = copy.to_bytes();
        match copy.decrypt_bytes(&mut rng(), &message.bytes) {
            Ok(plaintext) => assert_eq!(plaintext, message.plaintext),
            Err(error) => assert_eq!(copy.to_bytes(), before, "state changed after {error:?}"),
        }
    }
    let mut copy = session.clone();
    match copy.encrypt(b"from a loaded state") {
        Ok(envelope) => {
            assert_eq!(
                Envelope::decode(&envelope.encode(), &config).as_ref(),
                Ok(&envelope)
            );
            assert_eq!(
                matches!(envelope, Envelope::PreKey(_)),
                !session.has_received()
            );
        }
        Err(error) => assert_eq!(error, Error::CounterExhausted),
    }
    Outcome::Accepted
}

/// `prekey_bundle`: [`PreKeyBundleIn::decode`] and [`PreKeyBundleIn::validate`] on arbitrary
/// bytes. A bundle that validates re-encodes to the input and starts a session.
pub fn prekey_bundle(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let config = fixture.config;
    check_size_limit(data, |config| PreKeyBundleIn::decode(data, config));
    let unverified = match PreKeyBundleIn::decode(data, &config) {
        Ok(bundle) => bundle,
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            return Outcome::Rejected;
        }
    };
    let bundle = match unverified.validate() {
        Ok(bundle) => bundle,
        Err(error) => {
            assert_eq!(error, Error::InvalidSignature);
            return Outcome::Rejected;
        }
    };
    assert_eq!(bundle.encode(), data, "a valid bundle is not canonical");
    let mut session = Session::initiate(&mut rng(), &fixture.alice_identity, &bundle, config)
        .expect("a validated bundle starts a session");
    let Ok(Envelope::PreKey(first)) = session.encrypt(b"hello") else {
        panic!("the first message is a PreKeyMessage")
    };
    assert_eq!(first.signed_prekey_id(), bundle.signed_prekey().id());
    assert_eq!(
        first.one_time_prekey_id(),
        bundle.one_time_prekey().map(|otk| otk.id())
    );
    assert_eq!(first.identity_key(), fixture.alice_identity.public_key());
    Outcome::Accepted
}

/// One step of the `conversation` target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Alice encrypts the next message (ignored when too many are in flight).
    AliceSend,
    /// Bob encrypts the next message (ignored before he has a session).
    BobSend,
    /// The message at `index` (modulo the queue's length) in flight to `to` arrives.
    Deliver {
        /// The recipient.
        to: Side,
        /// Position in the queue.
        index: u8,
    },
    /// The message at `index` in flight to `to` is lost for good.
    Drop {
        /// The recipient.
        to: Side,
        /// Position in the queue.
        index: u8,
    },
    /// A message already delivered to `to` (`index` counts back from the latest) arrives again.
    Duplicate {
        /// The recipient.
        to: Side,
        /// How far back.
        index: u8,
    },
    /// `who` is stored and loaded again.
    Reload {
        /// The session.
        who: Side,
    },
    /// A copy of the message at `index` in flight to `to`, with byte `byte` (modulo its length)
    /// XORed with `mask` (or, for mask 0, cut off there), arrives; the original stays in flight.
    Tamper {
        /// The recipient.
        to: Side,
        /// Position in the queue.
        index: u8,
        /// Which byte.
        byte: u8,
        /// What to flip; 0 truncates instead.
        mask: u8,
    },
}

impl Op {
    /// Decodes operations from bytes by hand (the corpus format of `conversation`): a kind
    /// byte, then for all but the sends one argument byte (bit 0: the side; bits 1-7: the
    /// index), and for tamper two more (the byte position and the mask). A truncated last
    /// operation is ignored. The kind is the byte modulo 16, weighted towards the cheap and
    /// common operations: 0-3 Alice sends, 4-6 Bob sends, 7-10 deliver, 11 drop,
    /// 12 duplicate, 13 reload (its cost grows with the state: the whole state is encoded
    /// twice and decoded once, each stored X25519 key getting a canonical check and a
    /// small-order table look-up and each identity key a decompression; no key is recomputed
    /// from its secret), 14-15 tamper.
    pub fn decode_all(data: &[u8]) -> Vec<Op> {
        let mut ops = Vec::new();
        let mut rest = data;
        while let Some((&kind, tail)) = rest.split_first() {
            rest = tail;
            let op = match kind % 16 {
                0..=3 => Op::AliceSend,
                4..=6 => Op::BobSend,
                14 | 15 => {
                    let [arg, byte, mask, tail @ ..] = rest else {
                        break;
                    };
                    rest = tail;
                    Op::Tamper {
                        to: Side::from_bit(*arg),
                        index: arg >> 1,
                        byte: *byte,
                        mask: *mask,
                    }
                }
                kind => {
                    let [arg, tail @ ..] = rest else { break };
                    rest = tail;
                    let (to, index) = (Side::from_bit(*arg), arg >> 1);
                    match kind {
                        7..=10 => Op::Deliver { to, index },
                        11 => Op::Drop { to, index },
                        12 => Op::Duplicate { to, index },
                        _ => Op::Reload { who: to },
                    }
                }
            };
            ops.push(op);
        }
        ops
    }

    /// The inverse of [`Op::decode_all`] for indexes below 128.
    pub fn encode_all(ops: &[Op]) -> Vec<u8> {
        let arg = |side: Side, index: u8| side.bit() | (index << 1);
        let mut out = Vec::new();
        for op in ops {
            match *op {
                Op::AliceSend => out.push(0),
                Op::BobSend => out.push(4),
                Op::Deliver { to, index } => out.extend([7, arg(to, index)]),
                Op::Drop { to, index } => out.extend([11, arg(to, index)]),
                Op::Duplicate { to, index } => out.extend([12, arg(to, index)]),
                Op::Reload { who } => out.extend([13, who.bit()]),
                Op::Tamper {
                    to,
                    index,
                    byte,
                    mask,
                } => out.extend([14, arg(to, index), byte, mask]),
            }
        }
        out
    }
}

/// Most messages in flight per direction: sends beyond it are ignored.
pub const MAX_IN_FLIGHT: usize = 48;
/// Most messages each side sends in one run. Every skipped key stands for a message sent, so
/// with 300 neither the per-chain skip (2000) nor the stored-key cap (2000) of the default
/// config is reached by legitimate operations: every undelivered message stays decryptable.
/// (The bound also keeps a run fast: every skipped key is derived with HMACs, and each
/// `Reload` encodes and decodes all the keys held, validating each stored X25519 key with a
/// canonical check and a look-up in the 5-entry small-order table, not a scalar
/// multiplication.)
pub const MAX_SENT_PER_SIDE: u32 = 300;
/// Most operations run from one input.
pub const MAX_OPS: usize = 1024;
/// Delivered messages remembered per recipient for `Duplicate`.
const MAX_REMEMBERED: usize = 128;

struct Message {
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
    /// The ratchet key in its header: the chain it belongs to.
    chain: [u8; 32],
}

/// One recipient's view: messages in flight to it, and what it has received.
#[derive(Default)]
struct Inbox {
    in_flight: Vec<Message>,
    delivered: Vec<Message>,
    /// Every chain (sender ratchet key) this side has ever received on.
    chains_seen: HashSet<[u8; 32]>,
    /// The chains it still remembers, most recent first: the receiving chains and the retired
    /// ratchet keys (`max_receiving_chains + max_retired_chains` in all). A replay on one of
    /// them is a [`Error::DuplicateMessage`]; on an older chain a [`Error::DecryptionFailed`].
    chains_remembered: Vec<[u8; 32]>,
}

impl Inbox {
    fn received(&mut self, message: Message, config: &Config) {
        if self.chains_seen.insert(message.chain) {
            self.chains_remembered.insert(0, message.chain);
            self.chains_remembered
                .truncate(config.max_receiving_chains.max(1) + config.max_retired_chains);
        }
        self.delivered.push(message);
        if self.delivered.len() > MAX_REMEMBERED {
            self.delivered.remove(0);
        }
    }
}

/// The state of a `conversation` run.
struct Conversation {
    config: Config,
    rng: ChaCha20Rng,
    store: InMemoryPreKeyStore,
    alice: Session,
    bob: Option<Session>,
    to_alice: Inbox,
    to_bob: Inbox,
    sent_by_alice: u32,
    sent_by_bob: u32,
}

/// The sender ratchet key in `envelope`'s header: the chain it belongs to.
fn chain_of(envelope: &Envelope) -> [u8; 32] {
    match envelope {
        Envelope::PreKey(message) => message.message().header().ratchet_key.to_bytes(),
        Envelope::Ratchet(message) => message.header().ratchet_key.to_bytes(),
        other => panic!("unexpected kind of envelope: {other:?}"),
    }
}

/// Plaintexts of every length from 0 to 39, distinct for each sender and counter.
fn plaintext_for(side: Side, counter: u32) -> Vec<u8> {
    let mut text = format!("{side:?} #{counter}:").into_bytes();
    text.resize((counter % 40) as usize, b'.');
    text
}

impl Conversation {
    fn new() -> Self {
        let fixture = fixture();
        Self {
            config: fixture.config,
            rng: ChaCha20Rng::seed_from_u64(FIXTURE_SEED ^ 2),
            store: fixture.store(),
            alice: fixture.alice_initial.clone(),
            bob: None,
            to_alice: Inbox::default(),
            to_bob: Inbox::default(),
            sent_by_alice: 0,
            sent_by_bob: 0,
        }
    }

    fn inbox(&mut self, side: Side) -> &mut Inbox {
        match side {
            Side::Alice => &mut self.to_alice,
            Side::Bob => &mut self.to_bob,
        }
    }

    fn send(&mut self, from: Side) {
        let (session, counter, inbox) = match from {
            Side::Alice => (
                Some(&mut self.alice),
                &mut self.sent_by_alice,
                &mut self.to_bob,
            ),
            Side::Bob => (self.bob.as_mut(), &mut self.sent_by_bob, &mut self.to_alice),
        };
        let Some(session) = session else { return };
        if *counter >= MAX_SENT_PER_SIDE || inbox.in_flight.len() >= MAX_IN_FLIGHT {
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
        let bytes = envelope.encode();
        let chain = chain_of(&envelope);
        inbox.in_flight.push(Message {
            bytes,
            plaintext,
            chain,
        });
    }

    /// Bob's answer to `bytes` before he has a session: accept it as a first message.
    fn accept(&mut self, bytes: &[u8]) -> Result<(Session, Vec<u8>), Error> {
        match Envelope::decode(bytes, &self.config)? {
            Envelope::PreKey(message) => Session::accept(
                &mut self.rng,
                &fixture().bob_identity,
                &mut self.store,
                &message,
                self.config,
            ),
            _ => Err(Error::PreKeyMessageMismatch),
        }
    }

    fn deliver(&mut self, to: Side, index: u8) {
        let config = self.config;
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
            session_of(&mut self.alice, &mut self.bob, to)
                .decrypt_bytes(&mut self.rng, &message.bytes)
        };
        match plaintext {
            Ok(plaintext) => assert_eq!(plaintext, message.plaintext),
            Err(error) => panic!("{to:?} could not decrypt a genuine message: {error:?}"),
        }
        self.inbox(to).received(message, &config);
    }

    fn drop_message(&mut self, to: Side, index: u8) {
        let inbox = self.inbox(to);
        if !inbox.in_flight.is_empty() {
            let at = usize::from(index) % inbox.in_flight.len();
            inbox.in_flight.remove(at);
        }
    }

    fn duplicate(&mut self, to: Side, index: u8) {
        let inbox = self.inbox(to);
        let Some(at) = inbox.delivered.len().checked_sub(1 + usize::from(index)) else {
            return;
        };
        let bytes = inbox.delivered[at].bytes.clone();
        let expected = if inbox.chains_remembered.contains(&inbox.delivered[at].chain) {
            Error::DuplicateMessage
        } else {
            Error::DecryptionFailed
        };
        let session = session_of(&mut self.alice, &mut self.bob, to);
        let before = session.to_bytes();
        assert_eq!(
            session.decrypt_bytes(&mut self.rng, &bytes),
            Err(expected),
            "replay to {to:?}"
        );
        assert_eq!(session.to_bytes(), before, "a refused replay changed state");
    }

    fn reload(&mut self, who: Side) {
        let config = self.config;
        let session = match who {
            Side::Alice => &mut self.alice,
            Side::Bob => match self.bob.as_mut() {
                Some(bob) => bob,
                None => return,
            },
        };
        let bytes = session.to_bytes();
        *session = Session::from_bytes(&bytes, config).expect("a stored session loads");
        assert_eq!(session.to_bytes(), bytes, "a reload is lossless");
    }

    fn tamper(&mut self, to: Side, index: u8, byte: u8, mask: u8) {
        let inbox = self.inbox(to);
        if inbox.in_flight.is_empty() {
            return;
        }
        let message = &inbox.in_flight[usize::from(index) % inbox.in_flight.len()];
        let mut bytes = message.bytes.clone();
        let at = usize::from(byte) % bytes.len();
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
            let before = session.to_bytes();
            let result = session.decrypt_bytes(&mut self.rng, &bytes);
            assert!(result.is_err(), "a tampered message decrypted: {result:?}");
            assert_eq!(session.to_bytes(), before, "state changed after {result:?}");
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::AliceSend => self.send(Side::Alice),
            Op::BobSend => self.send(Side::Bob),
            Op::Deliver { to, index } => self.deliver(to, index),
            Op::Drop { to, index } => self.drop_message(to, index),
            Op::Duplicate { to, index } => self.duplicate(to, index),
            Op::Reload { who } => self.reload(who),
            Op::Tamper {
                to,
                index,
                byte,
                mask,
            } => self.tamper(to, index, byte, mask),
        }
    }

    /// Delivers everything still in flight, in order: each must decrypt.
    fn drain(&mut self) {
        while !self.to_bob.in_flight.is_empty() {
            self.deliver(Side::Bob, 0);
        }
        while !self.to_alice.in_flight.is_empty() {
            self.deliver(Side::Alice, 0);
        }
    }
}

/// The session of `side`; Bob's must exist.
fn session_of<'a>(
    alice: &'a mut Session,
    bob: &'a mut Option<Session>,
    side: Side,
) -> &'a mut Session {
    match side {
        Side::Alice => alice,
        Side::Bob => bob.as_mut().expect("Bob has a session"),
    }
}

/// Runs `ops` (at most [`MAX_OPS`]) on a fresh Alice (and Bob, once he accepts her first
/// message), checking after each that the invariants hold, then delivers everything left.
pub fn run_ops(ops: impl IntoIterator<Item = Op>) -> Outcome {
    let mut conversation = Conversation::new();
    for op in ops.into_iter().take(MAX_OPS) {
        conversation.apply(op);
    }
    conversation.drain();
    if conversation.bob.is_some() {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}

/// `conversation`: operations decoded with [`Op::decode_all`], run by [`run_ops`].
pub fn conversation(data: &[u8]) -> Outcome {
    run_ops(Op::decode_all(data))
}

/// The seed corpus: `(target, file name, bytes)`, all derived from the fixture.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let fixture = fixture();
    let mut seeds = Vec::new();
    let mut add = |target: &'static str, name: &str, bytes: &[u8]| {
        // One file per distinct input of a target.
        if !seeds.iter().any(|(t, _, b)| *t == target && b == bytes) {
            seeds.push((target, name.to_owned(), bytes.to_vec()));
        }
    };
    let genuine = fixture
        .in_flight
        .iter()
        .chain(&fixture.delivered)
        .chain(&fixture.first_messages);
    for message in genuine {
        let kind = match Envelope::decode(&message.bytes, &fixture.config) {
            Ok(Envelope::PreKey(_)) => "prekey_message",
            _ => "ratchet_message",
        };
        add("envelope", message.name, &message.bytes);
        if !message.name.starts_with("first-") {
            add(kind, message.name, &message.bytes);
            add("decrypt", message.name, &message.bytes);
        }
    }
    for message in &fixture.first_messages {
        add("accept", message.name, &message.bytes);
        add("prekey_message", message.name, &message.bytes);
    }
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("version-only", &[0x08, 0x01]),
        ("version-2", &[0x08, 0x02]),
        ("reserved-kind", &[0x08, 0x01, 0x22, 0x00]),
    ] {
        add("envelope", name, bytes);
    }
    for (name, bytes) in &fixture.bundles {
        add("prekey_bundle", name, bytes);
    }
    for (name, session) in [
        ("alice-initial", &fixture.alice_initial),
        ("bob-fresh", &fixture.bob_fresh),
        ("alice", &fixture.alice),
        ("bob", &fixture.bob),
    ] {
        add("session_state", name, &session.to_bytes());
    }

    use Op::*;
    use Side::{Alice as A, Bob as B};
    let d = |to, index| Deliver { to, index };
    let conversations: [(&str, Vec<Op>); 4] = [
        (
            "ping-pong",
            [AliceSend, d(B, 0), BobSend, d(A, 0)].repeat(4),
        ),
        (
            "out-of-order-and-drops",
            vec![
                AliceSend,
                AliceSend,
                AliceSend,
                d(B, 2),
                d(B, 0),
                BobSend,
                BobSend,
                Drop { to: A, index: 0 },
                d(A, 0),
                AliceSend,
                AliceSend,
                Drop { to: B, index: 1 },
                BobSend,
                d(A, 0),
                AliceSend,
                d(B, 1),
                d(B, 0),
            ],
        ),
        (
            "replays-and-reloads",
            vec![
                AliceSend,
                d(B, 0),
                Duplicate { to: B, index: 0 },
                BobSend,
                BobSend,
                d(A, 1),
                Reload { who: A },
                Reload { who: B },
                d(A, 0),
                Duplicate { to: A, index: 1 },
                AliceSend,
                d(B, 0),
                Duplicate { to: B, index: 0 },
                Duplicate { to: B, index: 1 },
            ],
        ),
        (
            "tampering",
            vec![
                AliceSend,
                Tamper {
                    to: B,
                    index: 0,
                    byte: 90,
                    mask: 0x10,
                },
                d(B, 0),
                BobSend,
                Tamper {
                    to: A,
                    index: 0,
                    byte: 40,
                    mask: 0,
                },
                Tamper {
                    to: A,
                    index: 0,
                    byte: 5,
                    mask: 0x80,
                },
                d(A, 0),
                AliceSend,
                Tamper {
                    to: B,
                    index: 0,
                    byte: 255,
                    mask: 1,
                },
                d(B, 0),
            ],
        ),
    ];
    for (name, ops) in conversations {
        add("conversation", name, &Op::encode_all(&ops));
    }
    seeds
}
