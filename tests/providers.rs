//! The crypto providers (`hushwire::provider`) against each other: sessions on different
//! providers talk, a session stored under one continues under the other, the same randomness
//! gives the same bytes under both, and both refuse the same inputs with the same error, from
//! the hazmat primitives down to the provider tables. Nothing here compares with a value
//! hushwire computed: the providers are compared with each other and with what RFC 7748 and
//! RFC 8439 define (the known-answer and Wycheproof tests of `tests/known_answers.rs` run
//! through both as well). The rest of the suite runs under the provider
//! `HUSHWIRE_TEST_PROVIDER` chooses (`hushwire_testkit::fixtures::config`); these tests always
//! use both.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::provider::{AWS_LC_RS, KEY_LEN, NONCE_LEN, ProviderError, RUST_CRYPTO, TAG_LEN};
use hushwire::{Config, CryptoProvider, Envelope, Error, IdentityKeyPair, Session, hazmat};
use hushwire_testkit::SMALL_ORDER_X25519;
use hushwire_testkit::conversation::{Conversation, Limits, Side};
use rand::{Rng, RngExt};

/// Both providers, the default first. The tests are built with the `aws-lc-rs` feature, so a
/// build that lost it fails here rather than testing less.
fn providers() -> [&'static CryptoProvider; 2] {
    assert_eq!(
        CryptoProvider::available().len(),
        2,
        "both providers are compiled into the tests"
    );
    [&RUST_CRYPTO, &AWS_LC_RS]
}

/// The provider that is not `provider`.
fn other(provider: &CryptoProvider) -> &'static CryptoProvider {
    if *provider == RUST_CRYPTO {
        &AWS_LC_RS
    } else {
        &RUST_CRYPTO
    }
}

/// The test kit's configuration on `provider`.
fn on(provider: &'static CryptoProvider) -> Config {
    let mut config = config();
    config.provider = provider;
    config
}

/// `len` random bytes.
fn random_bytes(rng: &mut ChaCha20Rng, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// `session` refuses `bytes` with `expected`, its state is byte-for-byte unchanged, and no
/// randomness was drawn (as `refused` of `tests/bad_input/support.rs`).
fn refused(session: &mut Session, bytes: &[u8], expected: Error) {
    let before = session.to_stored();
    let mut rng = rng(999);
    assert_eq!(
        session.decrypt_bytes(&mut rng, bytes),
        Err(expected),
        "on {}",
        session.config().provider.name()
    );
    assert_eq!(session.to_stored(), before, "state changed after a refusal");
    assert_eq!(
        rng.get_word_pos(),
        0,
        "randomness drawn for a refused message"
    );
}

// ---------------------------------------------------------------------------------------
// The test kit's choice of provider.

/// `HUSHWIRE_TEST_PROVIDER` is obeyed, by `config()` and by the fixtures built on it: a suite
/// run with `aws-lc-rs` that silently ran on the default would fail here.
#[test]
fn the_test_provider_variable_is_not_ignored() {
    let expected = match std::env::var(PROVIDER_VAR) {
        Ok(name) => name,
        Err(std::env::VarError::NotPresent) => "rust-crypto".to_owned(),
        Err(error) => panic!("{PROVIDER_VAR}: {error}"),
    };
    assert_eq!(provider().name(), expected);
    assert_eq!(config().provider.name(), expected);
    let mut rng = rng(1);
    let pair = established_pair(&mut rng, config());
    assert_eq!(pair.alice.config().provider.name(), expected);
    assert_eq!(pair.bob.config().provider.name(), expected);
    let mut bob = responder(&mut rng, true);
    let mut alice = initiator(&mut rng, &bob.bundle);
    assert_eq!(alice.config().provider.name(), expected);
    let first = prekey(alice.encrypt(b"hi").unwrap());
    let (accepted, _) = bob.accept(&mut rng, &first).unwrap();
    assert_eq!(accepted.config().provider.name(), expected);
    assert_eq!(
        hushwire_testkit::fuzz::fixture().config.provider.name(),
        expected,
        "the fuzz targets' fixture (and so the corpus replay) follows it too"
    );
}

// ---------------------------------------------------------------------------------------
// Sessions across providers.

/// Every envelope and every stored state a scripted conversation produced, in order.
#[derive(Default)]
struct Transcript(Vec<Vec<u8>>);

impl Transcript {
    /// Records `envelope` and returns its encoding.
    fn sent(&mut self, envelope: Envelope) -> Vec<u8> {
        let bytes = envelope.encode();
        self.0.push(bytes.clone());
        bytes
    }

    /// Records the stored forms of `sessions`.
    fn states(&mut self, sessions: &[&Session]) {
        for session in sessions {
            self.0.push(session.to_stored().as_bytes().to_vec());
        }
    }
}

/// `to` decrypts `wire`, which must give `plaintext`.
fn receive(to: &mut Session, rng: &mut ChaCha20Rng, wire: &[u8], plaintext: &[u8]) {
    match to.decrypt_bytes(rng, wire) {
        Ok(got) => assert!(got == plaintext, "wrong plaintext"),
        Err(error) => panic!(
            "a genuine message failed on {}: {error:?}",
            to.config().provider.name()
        ),
    }
}

/// A conversation with Alice on `alice_on` and Bob on `bob_on`, every key and plaintext drawn
/// from `rng(seed)`: three first messages, the second accepted first; six rounds that each
/// turn the DH ratchet, with deliveries out of order and one message of each round held back
/// until a later round (so it arrives on a chain the receiver has moved past); a 100 KiB
/// message each way. Checks every plaintext and both providers stay in place; returns every
/// envelope and stored state.
fn scripted_conversation(
    seed: u64,
    alice_on: &'static CryptoProvider,
    bob_on: &'static CryptoProvider,
) -> Transcript {
    let mut rng = rng(seed);
    let mut log = Transcript::default();
    let mut bob_side = responder(&mut rng, true);
    let alice_identity = IdentityKeyPair::generate(&mut rng);
    let mut alice =
        Session::initiate(&mut rng, &alice_identity, &bob_side.bundle, &on(alice_on)).unwrap();
    log.states(&[&alice]);

    let firsts: Vec<(Vec<u8>, Vec<u8>)> = (0..3)
        .map(|i| {
            let plaintext = format!("first #{i}").into_bytes();
            (log.sent(alice.encrypt(&plaintext).unwrap()), plaintext)
        })
        .collect();
    let Envelope::PreKey(second) = Envelope::decode(&firsts[1].0, &on(bob_on)).unwrap() else {
        panic!("Alice's first messages are PreKeyMessages")
    };
    let (mut bob, plaintext) = Session::accept_with_store(
        &mut rng,
        &bob_side.identity,
        &mut bob_side.store,
        &second,
        &on(bob_on),
    )
    .unwrap();
    assert_eq!(plaintext, firsts[1].1);
    receive(&mut bob, &mut rng, &firsts[2].0, &firsts[2].1);
    receive(&mut bob, &mut rng, &firsts[0].0, &firsts[0].1);
    log.states(&[&alice, &bob]);

    // Held back: (recipient is Bob, wire, plaintext).
    let mut late: Vec<(bool, Vec<u8>, Vec<u8>)> = Vec::new();
    for round in 0..6u8 {
        let to_bob = round % 2 == 1;
        let (from, to) = if to_bob {
            (&mut alice, &mut bob)
        } else {
            (&mut bob, &mut alice)
        };
        let sent: Vec<(Vec<u8>, Vec<u8>)> = (0..4)
            .map(|_| {
                let len = rng.random_range(0..200);
                let plaintext = random_bytes(&mut rng, len);
                (log.sent(from.encrypt(&plaintext).unwrap()), plaintext)
            })
            .collect();
        for i in [3, 0, 2] {
            receive(to, &mut rng, &sent[i].0, &sent[i].1);
        }
        // What was held back for this side in earlier rounds arrives now, oldest last.
        while let Some(at) = late.iter().rposition(|(for_bob, ..)| *for_bob == to_bob) {
            let (_, wire, plaintext) = late.remove(at);
            receive(to, &mut rng, &wire, &plaintext);
        }
        late.push((to_bob, sent[1].0.clone(), sent[1].1.clone()));
        log.states(&[&alice, &bob]);
    }
    for (to_bob, wire, plaintext) in late {
        let to = if to_bob { &mut bob } else { &mut alice };
        receive(to, &mut rng, &wire, &plaintext);
    }
    assert_eq!(alice.skipped_key_count() + bob.skipped_key_count(), 0);

    for to_bob in [true, false] {
        let (from, to) = if to_bob {
            (&mut alice, &mut bob)
        } else {
            (&mut bob, &mut alice)
        };
        let large = random_bytes(&mut rng, 100 * 1024);
        let wire = log.sent(from.encrypt(&large).unwrap());
        assert!(wire.len() > large.len());
        receive(to, &mut rng, &wire, &large);
    }
    log.states(&[&alice, &bob]);
    assert_eq!(alice.config().provider, alice_on);
    assert_eq!(bob.config().provider, bob_on);
    log
}

/// Alice on one provider and Bob on the other, both ways round: the handshake, messages both
/// ways over six DH ratchet steps, out-of-order and late deliveries, and 100 KiB messages all
/// decrypt.
#[test]
fn sessions_on_different_providers_talk() {
    for (seed, alice_on) in [(2u64, &RUST_CRYPTO), (3, &AWS_LC_RS)] {
        scripted_conversation(seed, alice_on, other(alice_on));
    }
}

/// The same script from the same seed gives byte-identical envelopes and stored states on
/// every combination of providers: all the randomness is the caller's, and both providers
/// compute the same X25519 and ChaCha20-Poly1305.
#[test]
fn the_same_randomness_gives_the_same_bytes_on_every_provider() {
    let reference = scripted_conversation(4, &RUST_CRYPTO, &RUST_CRYPTO).0;
    assert!(reference.len() > 40, "{} entries", reference.len());
    for (alice_on, bob_on) in [
        (&AWS_LC_RS, &AWS_LC_RS),
        (&RUST_CRYPTO, &AWS_LC_RS),
        (&AWS_LC_RS, &RUST_CRYPTO),
    ] {
        let transcript = scripted_conversation(4, alice_on, bob_on).0;
        assert_eq!(transcript.len(), reference.len());
        for (i, (got, want)) in transcript.iter().zip(&reference).enumerate() {
            assert!(
                got == want,
                "entry {i} differs with Alice on {} and Bob on {}",
                alice_on.name(),
                bob_on.name()
            );
        }
    }
    // The transcript does depend on the seed, so equal transcripts are not a given.
    assert_ne!(
        scripted_conversation(5, &AWS_LC_RS, &AWS_LC_RS).0[0],
        reference[0]
    );
}

/// Messages both ways for `rounds` rounds (each a DH ratchet step), the two messages of each
/// round delivered in reverse order; checks every plaintext; returns the envelopes.
fn talk(alice: &mut Session, bob: &mut Session, rng: &mut ChaCha20Rng, rounds: u8) -> Transcript {
    let mut log = Transcript::default();
    for round in 0..rounds {
        let (from, to) = if round % 2 == 0 {
            (&mut *bob, &mut *alice)
        } else {
            (&mut *alice, &mut *bob)
        };
        let sent: Vec<(Vec<u8>, Vec<u8>)> = (0..2u8)
            .map(|i| {
                let plaintext = vec![round, i];
                (log.sent(from.encrypt(&plaintext).unwrap()), plaintext)
            })
            .collect();
        for (wire, plaintext) in sent.iter().rev() {
            receive(to, rng, wire, plaintext);
        }
    }
    log
}

/// Sessions stored under one provider, with skipped keys and messages in flight both ways,
/// load under the other (losslessly, and running on it), receive what was in flight and go on
/// talking; a session switched back with `set_config` too. What they send is byte for byte
/// what the same sessions loaded under their first provider send.
#[test]
fn a_session_stored_under_one_provider_continues_under_the_other() {
    for first in providers() {
        let second = other(first);
        let mut rng = rng(6);
        let mut pair = established_pair(&mut rng, on(first));
        let delayed_to_bob = pair.alice.encrypt(b"delayed").unwrap().encode();
        let next = pair.alice.encrypt(b"next").unwrap().encode();
        receive(&mut pair.bob, &mut rng, &next, b"next");
        assert_eq!(pair.bob.skipped_key_count(), 1);
        let delayed_to_alice = pair.bob.encrypt(b"delayed reply").unwrap().encode();
        let stored = [pair.alice.to_stored(), pair.bob.to_stored()];

        let mut transcripts = Vec::new();
        for load_on in [second, first] {
            let [mut alice, mut bob] = [&stored[0], &stored[1]]
                .map(|s| Session::from_stored(s.as_bytes(), &on(load_on)).unwrap());
            for (session, bytes) in [(&alice, &stored[0]), (&bob, &stored[1])] {
                assert_eq!(&session.to_stored(), bytes, "a reload is lossless");
                assert_eq!(session.config().provider, load_on);
            }
            let mut rng = rng.clone();
            receive(&mut bob, &mut rng, &delayed_to_bob, b"delayed");
            receive(&mut alice, &mut rng, &delayed_to_alice, b"delayed reply");
            let mut log = talk(&mut alice, &mut bob, &mut rng, 4);
            // Alice back on the other provider, in place.
            alice.set_config(&on(other(load_on)));
            assert_eq!(alice.config().provider, other(load_on));
            log.0.extend(talk(&mut alice, &mut bob, &mut rng, 4).0);
            log.states(&[&alice, &bob]);
            transcripts.push(log.0);
        }
        assert!(
            transcripts[0] == transcripts[1],
            "loaded under {} and under {}, the sessions diverged",
            second.name(),
            first.name()
        );
    }
}

/// In flight per direction at most 40; every delivered message remembered for replays.
const LIMITS: Limits = Limits {
    max_in_flight: 40,
    max_sent_per_side: u32::MAX,
    max_remembered: 64,
};

/// One random step of a simulated conversation: send, deliver (any message in flight), replay,
/// tamper, or move a side to the other provider through its stored form. Returns whether a
/// side moved.
fn step(conversation: &mut Conversation<'_>) -> bool {
    let side = if conversation.rng().random_bool(0.5) {
        Side::Alice
    } else {
        Side::Bob
    };
    match conversation.rng().random_range(0..100u32) {
        0..=29 => conversation.send(Side::Alice),
        30..=54 => conversation.send(Side::Bob),
        55..=89 => {
            let len = conversation.in_flight(side);
            if len > 0 {
                let index = conversation.rng().random_range(0..len);
                conversation.deliver(side, u8::try_from(index).unwrap());
            }
        }
        90..=93 => {
            // The simulator checks the refusal against its model and the state unchanged.
            let recent = conversation.delivered(side).min(20);
            if recent > 0 && conversation.bob().is_some() {
                let index = conversation.rng().random_range(0..recent);
                conversation.duplicate(side, u8::try_from(index).unwrap());
            }
        }
        94..=96 => {
            let [index, byte, mask] = conversation.rng().random::<[u8; 3]>();
            conversation.tamper(side, index, byte, mask);
        }
        _ => {
            let next = other(conversation.config(side).provider);
            conversation.reload_with(side, on(next));
            return true;
        }
    }
    false
}

/// The test kit's conversation simulator with a provider per side, both ways round, and each
/// side moved to the other provider (through its stored form) now and then: every genuine
/// message decrypts once, every replay and tampered copy is refused with the state unchanged,
/// whichever providers the two ends are on at the time.
#[test]
fn simulated_conversations_across_providers() {
    for (seed, alice_on) in [(7u64, &RUST_CRYPTO), (8, &AWS_LC_RS)] {
        let mut rng = rng(seed);
        let Responder {
            identity,
            store,
            bundle,
            ..
        } = responder(&mut rng, true);
        let alice_identity = IdentityKeyPair::generate(&mut rng);
        let alice = Session::initiate(&mut rng, &alice_identity, &bundle, &on(alice_on)).unwrap();
        let mut conversation =
            Conversation::new(alice, &identity, store, on(alice_on), rng, LIMITS)
                .with_configs(on(alice_on), on(other(alice_on)));
        let (mut steps, mut moves) = (0, 0);
        while conversation.received() < 800 {
            moves += usize::from(step(&mut conversation));
            steps += 1;
            assert!(steps < 50_000, "conversation made no progress");
        }
        conversation.drain();
        assert!(moves >= 10, "{moves} moves");
        for side in [Side::Alice, Side::Bob] {
            let session = match side {
                Side::Alice => conversation.alice(),
                Side::Bob => conversation.bob().unwrap(),
            };
            assert_eq!(session.config(), conversation.config(side));
        }
    }
}

/// A genuine RatchetMessage with any one bit flipped is refused by Bob whichever provider he
/// is on (and whichever Alice is on), with the same error on both, the state unchanged and no
/// randomness drawn: a flipped ciphertext or tag bit as a failed decryption.
#[test]
fn tampered_messages_are_refused_alike_under_both_providers() {
    for alice_on in providers() {
        let mut rng = rng(9);
        let mut pair = established_pair(&mut rng, on(alice_on));
        let warm_up = pair.alice.encrypt(b"warm-up").unwrap().encode();
        receive(&mut pair.bob, &mut rng, &warm_up, b"warm-up");
        let wire = pair.alice.encrypt(b"genuine").unwrap().encode();
        let ciphertext = decode(&wire).ratchet_message().ciphertext().to_vec();
        let at = wire
            .windows(ciphertext.len())
            .position(|w| w == ciphertext)
            .unwrap();
        let mut bobs = providers()
            .map(|p| Session::from_stored(pair.bob.to_stored().as_bytes(), &on(p)).unwrap());
        for i in 0..wire.len() {
            for mask in [0x01u8, 0x80] {
                let mut bad = wire.clone();
                bad[i] ^= mask;
                if (at..at + ciphertext.len()).contains(&i) {
                    for bob in &mut bobs {
                        refused(bob, &bad, Error::DecryptionFailed);
                    }
                } else {
                    // The error depends on what the flip hit; both must give the same.
                    let expected = copy(&bobs[0])
                        .decrypt_bytes(&mut rng.clone(), &bad)
                        .expect_err("a tampered message decrypted");
                    for bob in &mut bobs {
                        refused(bob, &bad, expected.clone());
                    }
                }
            }
        }
        for bob in &mut bobs {
            receive(bob, &mut rng.clone(), &wire, b"genuine");
        }
    }
}

// ---------------------------------------------------------------------------------------
// X25519 through both providers.

/// p + j = 2^255 - 19 + j, little-endian, for j in 0..=18: the values from p to 2^255 - 1,
/// which RFC 7748 section 5 takes modulo p (to j).
fn p_plus(j: u8) -> [u8; 32] {
    assert!(j <= 18);
    let mut u = [0xff; 32];
    u[0] = 0xed + j;
    u[31] = 0x7f;
    u
}

/// The small value `j`, little-endian.
fn small(j: u8) -> [u8; 32] {
    let mut u = [0; 32];
    u[0] = j;
    u
}

/// `u` with its top bit set, which RFC 7748 section 5 masks off.
fn with_top_bit(mut u: [u8; 32]) -> [u8; 32] {
    u[31] |= 0x80;
    u
}

/// Secrets: all-zero, all-0xff, and random ones.
fn secrets(seed: u64, random: usize) -> Vec<[u8; 32]> {
    let mut rng = rng(seed);
    let mut secrets = vec![[0u8; 32], [0xff; 32]];
    secrets.extend((0..random).map(|_| rng.random::<[u8; 32]>()));
    secrets
}

/// `hazmat::x25519` through both providers, which must give the same result; that result.
fn x25519_alike(secret: &[u8; 32], public: &[u8; 32]) -> Result<[u8; 32], Error> {
    let [rust, aws] = providers().map(|p| hazmat::x25519(p, secret, public).map(|s| *s));
    assert_eq!(rust, aws, "x25519({secret:02x?}, {public:02x?})");
    rust
}

/// Every small-order point, with its top bit set too, is refused under both providers for every
/// secret (a clamped scalar is a multiple of 8); every non-canonical u from p to 2^255 - 1,
/// with and without the top bit, gives what its value modulo p gives, so p and p + 1 (0 and
/// 1, of small order) are refused and the rest are not.
#[test]
fn small_order_and_non_canonical_x25519_inputs_are_refused_alike() {
    for secret in secrets(10, 62) {
        for point in SMALL_ORDER_X25519 {
            assert_eq!(
                x25519_alike(&secret, &point),
                Err(Error::NonContributoryKeyAgreement)
            );
            assert_eq!(
                x25519_alike(&secret, &with_top_bit(point)),
                Err(Error::NonContributoryKeyAgreement)
            );
        }
        for j in 0..=18 {
            let reduced = x25519_alike(&secret, &small(j));
            assert_eq!(
                reduced.is_ok(),
                !SMALL_ORDER_X25519.contains(&small(j)),
                "u = {j}"
            );
            assert_eq!(x25519_alike(&secret, &p_plus(j)), reduced, "u = p + {j}");
            assert_eq!(
                x25519_alike(&secret, &with_top_bit(p_plus(j))),
                reduced,
                "u = p + {j} + 2^255"
            );
        }
        for j in [0, 1] {
            assert_eq!(
                x25519_alike(&secret, &p_plus(j)),
                Err(Error::NonContributoryKeyAgreement)
            );
        }
    }
}

/// On random inputs the providers agree, the top bit of u is ignored, and Diffie-Hellman
/// commutes across providers; RFC 7748 section 5.2's iterated test (1 and 1000 iterations)
/// holds on both.
#[test]
fn x25519_agrees_on_random_inputs_and_the_rfc_iterations() {
    let mut rng = rng(11);
    for _ in 0..300 {
        let (a, b) = (rng.random::<[u8; 32]>(), rng.random::<[u8; 32]>());
        let u = rng.random::<[u8; 32]>();
        let plain = x25519_alike(&a, &u);
        assert_eq!(plain, x25519_alike(&a, &with_top_bit(u)));
        let mut masked = u;
        masked[31] &= 0x7f;
        assert_eq!(plain, x25519_alike(&a, &masked));
        for p in providers() {
            let public_b = hazmat::x25519_public_key(other(p), &b);
            let public_a = hazmat::x25519_public_key(p, &a);
            assert_eq!(
                *hazmat::x25519(p, &a, &public_b).unwrap(),
                *hazmat::x25519(other(p), &b, &public_a).unwrap()
            );
        }
    }
    for p in providers() {
        let (mut k, mut u) = (small(9), small(9));
        for iteration in 1..=1000 {
            let next = *hazmat::x25519(p, &k, &u).unwrap();
            (k, u) = (next, k);
            if iteration == 1 {
                assert_eq!(
                    hex::encode(k),
                    "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"
                );
            }
        }
        assert_eq!(
            hex::encode(k),
            "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51",
            "{}",
            p.name()
        );
    }
}

/// Public keys agree for many secrets, all-zero and all-0xff included; each is X25519(k, 9)
/// (RFC 7748 section 6.1) and ignores the bits clamping fixes (the low three, the top two).
#[test]
fn x25519_public_keys_agree() {
    for secret in secrets(12, 254) {
        let [rust, aws] = providers().map(|p| hazmat::x25519_public_key(p, &secret));
        assert_eq!(rust, aws, "{secret:02x?}");
        assert_eq!(Ok(rust), x25519_alike(&secret, &small(9)));
        for (byte, bits) in [(0, 0x07u8), (31, 0x80), (31, 0x40)] {
            let mut clamped_alike = secret;
            clamped_alike[byte] ^= bits;
            for p in providers() {
                assert_eq!(hazmat::x25519_public_key(p, &clamped_alike), rust);
            }
        }
    }
}

/// X3DH refuses a small-order signed prekey, one-time prekey or base key with
/// `LowOrderPublicKey` and a non-canonical one with `InvalidPublicKey`, under both providers;
/// with valid keys both sides agree on every DH and the shared key across providers.
#[test]
fn x3dh_refuses_bad_keys_alike_under_both_providers() {
    let mut rng = rng(13);
    let [alice_seed, bob_seed, base, spk, otk] = [(); 5].map(|()| rng.random::<[u8; 32]>());
    let alice_key = IdentityKeyPair::from_seed(&alice_seed)
        .public_key()
        .to_bytes();
    let bob_key = IdentityKeyPair::from_seed(&bob_seed)
        .public_key()
        .to_bytes();
    let public = |secret: &[u8; 32]| hazmat::x25519_public_key(&RUST_CRYPTO, secret);
    let (spk_public, otk_public, base_public) = (public(&spk), public(&otk), public(&base));

    let mut non_canonical: Vec<[u8; 32]> = (0..=18).map(p_plus).collect();
    non_canonical.extend(SMALL_ORDER_X25519.map(with_top_bit));
    non_canonical.extend([with_top_bit(small(9)), with_top_bit(spk_public)]);
    // The errors of X3DH with `key` as the signed prekey, as the one-time prekey (initiator)
    // and as the base key (responder).
    let errors = |p: &CryptoProvider, key: &[u8; 32]| {
        vec![
            hazmat::x3dh_initiator(p, &alice_seed, &base, &bob_key, key, Some(&otk_public)).err(),
            hazmat::x3dh_initiator(p, &alice_seed, &base, &bob_key, &spk_public, Some(key)).err(),
            hazmat::x3dh_responder(p, &bob_seed, &spk, Some(&otk), &alice_key, key).err(),
        ]
    };
    for p in providers() {
        for key in &SMALL_ORDER_X25519 {
            assert_eq!(
                errors(p, key),
                vec![Some(Error::LowOrderPublicKey); 3],
                "{} {key:02x?}",
                p.name()
            );
        }
        for key in &non_canonical {
            assert_eq!(
                errors(p, key),
                vec![Some(Error::InvalidPublicKey); 3],
                "{} {key:02x?}",
                p.name()
            );
        }
    }

    let outputs = |o: hazmat::X3dhOutputs| {
        let dh: Vec<[u8; 32]> = o.dh.iter().map(|d| **d).collect();
        (dh, *o.shared_key, o.associated_data)
    };
    let reference = outputs(
        hazmat::x3dh_initiator(
            &RUST_CRYPTO,
            &alice_seed,
            &base,
            &bob_key,
            &spk_public,
            Some(&otk_public),
        )
        .unwrap(),
    );
    assert_eq!(reference.0.len(), 4);
    for p in providers() {
        let initiator = hazmat::x3dh_initiator(
            p,
            &alice_seed,
            &base,
            &bob_key,
            &spk_public,
            Some(&otk_public),
        )
        .unwrap();
        let responder =
            hazmat::x3dh_responder(p, &bob_seed, &spk, Some(&otk), &alice_key, &base_public)
                .unwrap();
        assert!(outputs(initiator) == reference, "{}", p.name());
        assert!(outputs(responder) == reference, "{}", p.name());
    }
}

// ---------------------------------------------------------------------------------------
// ChaCha20-Poly1305 through both providers.

/// `chacha20poly1305_seal` through both providers, which must give the same bytes; those.
fn seal_alike(key: &[u8; 32], nonce: &[u8; 12], ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let [rust, aws] =
        providers().map(|p| hazmat::chacha20poly1305_seal(p, key, nonce, ad, plaintext).unwrap());
    assert!(rust == aws, "the providers sealed differently");
    rust
}

/// `chacha20poly1305_open` through both providers, which must give the same result; that.
fn open_alike(
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Error> {
    let [rust, aws] =
        providers().map(|p| hazmat::chacha20poly1305_open(p, key, nonce, ad, ciphertext));
    assert_eq!(rust, aws, "the providers opened differently");
    rust
}

/// A random key, nonce, associated data (13 bytes) and plaintext (45 bytes), and the message
/// both providers sealed from them.
struct Sample {
    key: [u8; 32],
    nonce: [u8; 12],
    ad: Vec<u8>,
    plaintext: Vec<u8>,
    sealed: Vec<u8>,
}

fn sealed_sample(seed: u64) -> Sample {
    let mut rng = rng(seed);
    let (key, nonce) = (rng.random::<[u8; 32]>(), rng.random::<[u8; 12]>());
    let (ad, plaintext) = (random_bytes(&mut rng, 13), random_bytes(&mut rng, 45));
    let sealed = seal_alike(&key, &nonce, &ad, &plaintext);
    Sample {
        key,
        nonce,
        ad,
        plaintext,
        sealed,
    }
}

/// A sealed message opens under both providers, and with any one bit of its ciphertext, tag,
/// nonce, key or associated data flipped, or the ciphertext or associated data cut short or
/// extended, is refused by both as a failed decryption.
#[test]
fn aead_tampering_anywhere_is_refused_by_both() {
    let Sample {
        key,
        nonce,
        ad,
        plaintext,
        sealed,
    } = sealed_sample(14);
    assert_eq!(open_alike(&key, &nonce, &ad, &sealed), Ok(plaintext));
    let flip = |bytes: &[u8], bit: usize| {
        let mut bytes = bytes.to_vec();
        bytes[bit / 8] ^= 1 << (bit % 8);
        bytes
    };
    for bit in 0..sealed.len() * 8 {
        let bad = flip(&sealed, bit);
        assert_eq!(
            open_alike(&key, &nonce, &ad, &bad),
            Err(Error::DecryptionFailed)
        );
    }
    for bit in 0..NONCE_LEN * 8 {
        let bad: [u8; 12] = flip(&nonce, bit).try_into().unwrap();
        assert_eq!(
            open_alike(&key, &bad, &ad, &sealed),
            Err(Error::DecryptionFailed)
        );
    }
    for bit in 0..KEY_LEN * 8 {
        let bad: [u8; 32] = flip(&key, bit).try_into().unwrap();
        assert_eq!(
            open_alike(&bad, &nonce, &ad, &sealed),
            Err(Error::DecryptionFailed)
        );
    }
    for bit in 0..ad.len() * 8 {
        assert_eq!(
            open_alike(&key, &nonce, &flip(&ad, bit), &sealed),
            Err(Error::DecryptionFailed)
        );
    }
    let longer = |bytes: &[u8]| [bytes, &[0]].concat();
    for len in 0..ad.len() {
        assert_eq!(
            open_alike(&key, &nonce, &ad[..len], &sealed),
            Err(Error::DecryptionFailed)
        );
    }
    assert_eq!(
        open_alike(&key, &nonce, &longer(&ad), &sealed),
        Err(Error::DecryptionFailed)
    );
    for len in TAG_LEN..sealed.len() {
        assert_eq!(
            open_alike(&key, &nonce, &ad, &sealed[..len]),
            Err(Error::DecryptionFailed)
        );
    }
    assert_eq!(
        open_alike(&key, &nonce, &ad, &longer(&sealed)),
        Err(Error::DecryptionFailed)
    );
}

/// Inputs of 0 to 16 bytes that are not a genuine tag (zeros, the start of a sealed message,
/// random bytes) are refused by both providers as a failed decryption; the genuine 16-byte
/// seal of the empty plaintext opens under both.
#[test]
fn short_ciphertexts_are_refused_by_both() {
    let Sample {
        key,
        nonce,
        ad,
        sealed,
        ..
    } = sealed_sample(15);
    let mut rng = rng(16);
    for len in 0..=TAG_LEN {
        for bad in [
            vec![0u8; len],
            sealed[..len].to_vec(),
            random_bytes(&mut rng, len),
        ] {
            assert_eq!(
                open_alike(&key, &nonce, &ad, &bad),
                Err(Error::DecryptionFailed),
                "{len} bytes"
            );
        }
    }
    let empty = seal_alike(&key, &nonce, &ad, &[]);
    assert_eq!(empty.len(), TAG_LEN);
    assert_eq!(open_alike(&key, &nonce, &ad, &empty), Ok(Vec::new()));
}

/// For random keys, nonces, associated data and plaintexts of every size from 0 to 300 bytes
/// and around 64 KiB, both providers seal to the same bytes and each opens what the other
/// sealed; the same through the ratchet's `seal` and `open` with a message key, which are
/// ChaCha20-Poly1305 under the key and nonce the message key expands to.
#[test]
fn aead_random_differential() {
    let mut rng = rng(17);
    let sizes = (0..=300).chain([65_535, 65_536, 65_537, 65_536 + 300]);
    for size in sizes {
        let (key, nonce) = (rng.random::<[u8; 32]>(), rng.random::<[u8; 12]>());
        let ad_len = rng.random_range(0..=64);
        let (ad, plaintext) = (random_bytes(&mut rng, ad_len), random_bytes(&mut rng, size));
        let sealed = providers()
            .map(|p| hazmat::chacha20poly1305_seal(p, &key, &nonce, &ad, &plaintext).unwrap());
        assert!(sealed[0] == sealed[1], "{size} bytes sealed differently");
        assert_eq!(sealed[0].len(), size + TAG_LEN);
        if size >= 16 {
            assert_ne!(sealed[0][..size], plaintext[..], "nothing was encrypted");
        }
        for (by, message) in providers().iter().zip(&sealed) {
            let opener = other(by);
            let opened = hazmat::chacha20poly1305_open(opener, &key, &nonce, &ad, message);
            assert!(opened.as_deref() == Ok(&plaintext[..]), "{size} bytes");
        }

        let message_key = rng.random::<[u8; 32]>();
        let (expanded_key, expanded_nonce) = hazmat::message_key_material(&message_key);
        let by_ratchet =
            providers().map(|p| hazmat::seal(p, &message_key, &ad, &plaintext).unwrap());
        for (by, message) in providers().iter().zip(&by_ratchet) {
            let direct = hazmat::chacha20poly1305_seal(
                other(by),
                &expanded_key,
                &expanded_nonce,
                &ad,
                &plaintext,
            )
            .unwrap();
            assert!(*message == direct, "{size} bytes");
            let opened = hazmat::open(other(by), &message_key, &ad, message);
            assert!(opened.as_deref() == Ok(&plaintext[..]), "{size} bytes");
        }
    }
}

// ---------------------------------------------------------------------------------------
// The provider tables themselves.

/// Each provider's `seal_in_place` and `open_in_place`: a buffer shorter than the tag is a
/// `ProviderError` from both; a buffer of plaintext and room for the tag seals to what the
/// other provider seals through hazmat and opens back; a failed open (any byte flipped, or the
/// wrong key, nonce or associated data) is never `Ok`.
#[test]
fn provider_aead_tables_meet_their_contract() {
    let (key, nonce, ad) = (
        [7u8; KEY_LEN],
        [9u8; NONCE_LEN],
        b"associated data".as_slice(),
    );
    let plaintext = b"forty bytes of plaintext, give or take..";
    for p in providers() {
        for len in 0..TAG_LEN {
            let mut buffer = vec![0x5a; len];
            assert_eq!(
                p.aead().seal_in_place(&key, &nonce, ad, &mut buffer),
                Err(ProviderError),
                "{} seal of {len} bytes",
                p.name()
            );
            assert_eq!(
                p.aead().open_in_place(&key, &nonce, ad, &mut buffer),
                Err(ProviderError),
                "{} open of {len} bytes",
                p.name()
            );
        }
        for message in [&plaintext[..], &[]] {
            let mut buffer = [message, &[0u8; TAG_LEN]].concat();
            p.aead()
                .seal_in_place(&key, &nonce, ad, &mut buffer)
                .unwrap();
            let by_other = hazmat::chacha20poly1305_seal(other(p), &key, &nonce, ad, message);
            assert_eq!(Ok(&buffer), by_other.as_ref(), "{}", p.name());

            for i in 0..buffer.len() {
                let mut bad = buffer.clone();
                bad[i] ^= 0x80;
                assert_eq!(
                    p.aead().open_in_place(&key, &nonce, ad, &mut bad),
                    Err(ProviderError),
                    "{} opened a message with byte {i} flipped",
                    p.name()
                );
            }
            let mut wrong_key = key;
            wrong_key[0] ^= 1;
            let mut wrong_nonce = nonce;
            wrong_nonce[11] ^= 1;
            for (k, n, a) in [
                (&wrong_key, &nonce, ad),
                (&key, &wrong_nonce, ad),
                (&key, &nonce, &ad[1..]),
            ] {
                let mut attempt = buffer.clone();
                assert_eq!(
                    p.aead().open_in_place(k, n, a, &mut attempt),
                    Err(ProviderError)
                );
            }
            p.aead()
                .open_in_place(&key, &nonce, ad, &mut buffer)
                .unwrap();
            assert_eq!(&buffer[..message.len()], message);
        }
    }
}

/// Each provider's X25519 table is total, as its contract says: for a small-order u (or a
/// non-canonical alias of one) `diffie_hellman` writes the all-zero output, whatever was in
/// the buffer, instead of refusing, and otherwise what the other provider computes through
/// hazmat; `public_key` is the other provider's too.
#[test]
fn provider_x25519_tables_are_total() {
    let mut zero_outputs: Vec<[u8; 32]> = SMALL_ORDER_X25519.to_vec();
    zero_outputs.extend(SMALL_ORDER_X25519.map(with_top_bit));
    zero_outputs.extend([p_plus(0), p_plus(1)]);
    let mut rng = rng(18);
    for secret in secrets(19, 30) {
        for p in providers() {
            assert_eq!(
                p.x25519().public_key(&secret),
                hazmat::x25519_public_key(other(p), &secret),
                "{}",
                p.name()
            );
            for point in &zero_outputs {
                let mut shared = [0xa5u8; 32];
                p.x25519().diffie_hellman(&secret, point, &mut shared);
                assert_eq!(shared, [0u8; 32], "{} on {point:02x?}", p.name());
            }
            let point = rng.random::<[u8; 32]>();
            let mut shared = [0xa5u8; 32];
            p.x25519().diffie_hellman(&secret, &point, &mut shared);
            assert_eq!(
                Ok(shared),
                hazmat::x25519(other(p), &secret, &point).map(|s| *s)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Naming and choosing providers.

/// `available()` lists rust-crypto first, then aws-lc-rs; `by_name` finds exactly those two
/// names; a `Config`'s Debug shows its provider's name, and two configs differing only in the
/// provider differ; the default is rust-crypto.
#[test]
fn providers_are_listed_found_by_name_and_shown() {
    let available = CryptoProvider::available();
    let names: Vec<&str> = available.iter().map(|p| p.name()).collect();
    assert_eq!(names, ["rust-crypto", "aws-lc-rs"]);
    assert!(std::ptr::eq(available[0], &RUST_CRYPTO));
    assert!(std::ptr::eq(available[1], &AWS_LC_RS));
    for p in providers() {
        assert!(std::ptr::eq(CryptoProvider::by_name(p.name()).unwrap(), p));
    }
    for unknown in [
        "",
        "rust",
        "aws-lc",
        "ring",
        "Rust-Crypto",
        "AWS-LC-RS",
        "rust_crypto",
        "aws_lc_rs",
        "rust-crypto ",
        " aws-lc-rs",
        "aws-lc-rs\0",
    ] {
        assert!(
            CryptoProvider::by_name(unknown).is_none(),
            "{unknown:?} named a provider"
        );
    }
    assert_eq!(Config::default().provider, &RUST_CRYPTO);
    let shown = providers().map(|p| format!("{:?}", on(p)));
    assert!(
        shown[0].contains(r#"provider: CryptoProvider("rust-crypto")"#),
        "{}",
        shown[0]
    );
    assert!(
        shown[1].contains(r#"provider: CryptoProvider("aws-lc-rs")"#),
        "{}",
        shown[1]
    );
    assert!(!shown[0].contains("aws-lc-rs") && !shown[1].contains("rust-crypto"));
    assert_ne!(on(&RUST_CRYPTO), on(&AWS_LC_RS));
    assert_eq!(format!("{AWS_LC_RS:?}"), r#"CryptoProvider("aws-lc-rs")"#);
}
