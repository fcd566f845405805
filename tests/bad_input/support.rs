//! What the catalogue's tests share: the tables of bad X25519 keys, builders of genuine
//! messages, bundles and states, the editors that re-encode them with one field changed, and
//! the asserting helpers `refused` and `accept_refused`.

use crate::common::*;
use crate::pb;
use curve25519_dalek::edwards::CompressedEdwardsY;
use hushwire::{Config, Envelope, Error, IdentityKeyPair, PreKeyBundleIn, Session};
use prost::Message;

/// The five canonical X25519 u-coordinates of small order (SPEC.md 2.2), from the one table
/// the test kit derives and checks (`testkit/tests/small_order.rs`).
pub(crate) const LOW_ORDER_X25519: [[u8; 32]; 5] = hushwire_testkit::SMALL_ORDER_X25519;

/// Non-canonical X25519 encodings: p = 2^255 - 19, p + 1, and 9 with the top bit set.
pub(crate) const NON_CANONICAL_X25519: [&str; 3] = [
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0900000000000000000000000000000000000000000000000000000000000080",
];

/// The X25519 base point u = 9: a valid key of large order.
pub(crate) fn base_point() -> Vec<u8> {
    let mut nine = vec![0u8; 32];
    nine[0] = 9;
    nine
}

/// The bytes of the hex string `s`.
pub(crate) fn hex32(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// The test kit's configuration: the default, with the crypto provider that
/// `HUSHWIRE_TEST_PROVIDER` chooses (re-exported, so that modules importing both `common` and
/// `support` see one `config`).
pub(crate) use crate::common::config;

/// The error `Envelope::decode` returns for `bytes`.
pub(crate) fn decode_error(bytes: &[u8]) -> Error {
    Envelope::decode(bytes, &config()).unwrap_err()
}

/// `session` refuses `bytes` with `expected`, its state is byte-for-byte unchanged, and no
/// randomness was drawn.
pub(crate) fn refused(session: &mut Session, bytes: &[u8], expected: Error) {
    let before = session.to_stored();
    let mut rng = rng(999);
    assert_eq!(session.decrypt_bytes(&mut rng, bytes), Err(expected));
    assert_eq!(session.to_stored(), before, "state changed after a refusal");
    assert_eq!(
        rng.get_word_pos(),
        0,
        "randomness drawn for a refused message"
    );
}

/// A genuine RatchetMessage envelope from Alice to Bob of an established pair, on a chain Bob
/// already knows.
pub(crate) fn ratchet_wire(seed: u64) -> (Pair, Vec<u8>) {
    let mut rng = rng(seed);
    let mut pair = established_pair(&mut rng, config());
    let warm_up = pair.alice.encrypt(b"warm-up").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &warm_up).unwrap();
    let wire = pair.alice.encrypt(b"genuine").unwrap().encode();
    (pair, wire)
}

/// `bytes` decoded with the prost types, without hushwire's checks.
pub(crate) fn envelope_pb(bytes: &[u8]) -> pb::Envelope {
    pb::Envelope::decode(bytes).unwrap()
}

/// Re-encodes `wire` (a RatchetMessage envelope) after `edit` changed its inner message.
pub(crate) fn edit_ratchet(wire: &[u8], edit: impl FnOnce(&mut pb::RatchetMessage)) -> Vec<u8> {
    let mut envelope = envelope_pb(wire);
    match envelope.content.as_mut() {
        Some(pb::envelope::Content::Ratchet(message)) => edit(message),
        other => panic!("not a RatchetMessage: {other:?}"),
    }
    envelope.encode_to_vec()
}

/// A first message (PreKeyMessage envelope) from a new initiator to a responder with one-time
/// prekey 7, and what is needed to accept it.
pub(crate) struct First {
    /// The RNG both parties drew from, to pass on to `accept`.
    pub(crate) rng: ChaCha20Rng,
    /// The responder, Bob, with one-time prekey 7 in his store.
    pub(crate) bob: Responder,
    /// The initiator's session after sending the first message.
    pub(crate) alice: Session,
    /// The first message, encoded.
    pub(crate) wire: Vec<u8>,
}

/// A [`First`] from `seed`, the initiator using `config`.
pub(crate) fn first_message(seed: u64, config: Config) -> First {
    let mut rng = rng(seed);
    let bob = responder(&mut rng, true);
    let alice_identity = IdentityKeyPair::generate(&mut rng);
    let mut alice = Session::initiate(&mut rng, &alice_identity, &bob.bundle, &config).unwrap();
    let wire = alice.encrypt(b"first").unwrap().encode();
    First {
        rng,
        bob,
        alice,
        wire,
    }
}

/// A [`First`] from `seed` to a hybrid Bob (SPEC.md 18): his bundle carries one-time KEM
/// prekey 1 if `one_time` (with one-time prekey 7), else his last-resort KEM prekey 100 (and
/// no one-time prekey); both sides use the default configuration (the hybrid required).
pub(crate) fn hybrid_first_message(seed: u64, one_time: bool) -> First {
    let mut rng = rng(seed);
    let bob = hybrid_responder(&mut rng, one_time);
    let alice_identity = IdentityKeyPair::generate(&mut rng);
    let mut alice = Session::initiate(&mut rng, &alice_identity, &bob.bundle, &bob.config).unwrap();
    let wire = alice.encrypt(b"first").unwrap().encode();
    First {
        rng,
        bob,
        alice,
        wire,
    }
}

/// Re-encodes `wire` (a PreKeyMessage envelope) after `edit` changed it.
pub(crate) fn edit_prekey(wire: &[u8], edit: impl FnOnce(&mut pb::PreKeyMessage)) -> Vec<u8> {
    let mut envelope = envelope_pb(wire);
    match envelope.content.as_mut() {
        Some(pb::envelope::Content::Prekey(message)) => edit(message),
        other => panic!("not a PreKeyMessage: {other:?}"),
    }
    envelope.encode_to_vec()
}

/// `accept` of `wire` on `first`'s responder fails with `expected`, the store is unchanged,
/// and no randomness was drawn.
pub(crate) fn accept_refused(first: &mut First, wire: &[u8], expected: Error) {
    let before = format!("{:?}", first.bob.store);
    let left = first.bob.store.one_time_prekeys_left();
    let position = first.rng.get_word_pos();
    let result = Envelope::decode(wire, &config()).and_then(|envelope| match envelope {
        Envelope::PreKey(message) => Session::accept_with_store(
            &mut first.rng,
            &first.bob.identity,
            &mut first.bob.store,
            &message,
            &first.bob.config,
        )
        .map(|_| ()),
        _ => panic!("not a PreKeyMessage"),
    });
    assert_eq!(result, Err(expected));
    assert_eq!(format!("{:?}", first.bob.store), before, "store changed");
    assert_eq!(first.bob.store.one_time_prekeys_left(), left);
    assert_eq!(
        first.rng.get_word_pos(),
        position,
        "randomness drawn for a refused first message"
    );
}

/// Bob's session after accepting `first`'s message (the one-time prekey is consumed).
pub(crate) fn accepted(first: &mut First) -> Session {
    let Envelope::PreKey(message) = decode(&first.wire) else {
        panic!()
    };
    Session::accept_with_store(
        &mut first.rng,
        &first.bob.identity,
        &mut first.bob.store,
        &message,
        &first.bob.config,
    )
    .unwrap()
    .0
}

/// The `SessionState` inside `session`'s stored form.
pub(crate) fn state_of(session: &Session) -> pb::SessionState {
    pb::SessionState::decode(hushwire_testkit::stored::unseal(
        session.to_stored().as_bytes(),
    ))
    .unwrap()
}

/// The stored state of `session` after `edit`, re-encoded canonically and sealed with its
/// checksum (SPEC.md 9.1), so that the loader reaches the check under test.
pub(crate) fn edit_state(session: &Session, edit: impl FnOnce(&mut pb::SessionState)) -> Vec<u8> {
    let mut state = state_of(session);
    edit(&mut state);
    hushwire_testkit::stored::seal(&state.encode_to_vec())
}

/// The error `Session::from_bytes` returns for `bytes`.
pub(crate) fn load_error(bytes: &[u8]) -> Error {
    Session::from_stored(bytes, &config()).unwrap_err()
}

/// Bob's bundle with one-time prekey 7, encoded, after `edit`.
pub(crate) fn edit_bundle(seed: u64, edit: impl FnOnce(&mut pb::PreKeyBundle)) -> Vec<u8> {
    let mut rng = rng(seed);
    let bob = responder(&mut rng, true);
    let mut bundle = pb::PreKeyBundle::decode(bob.bundle.encode().as_slice()).unwrap();
    edit(&mut bundle);
    bundle.encode_to_vec()
}

/// The error `PreKeyBundleIn::decode` then `validate` returns for `bytes`.
pub(crate) fn bundle_error(bytes: &[u8]) -> Error {
    PreKeyBundleIn::decode(bytes, &config())
        .and_then(PreKeyBundleIn::validate)
        .unwrap_err()
}

/// An Ed25519 y-coordinate below 19 that decodes (with curve25519-dalek, not hushwire) to a
/// point of large order.
pub(crate) fn small_valid_edwards_y() -> u8 {
    (2u8..19)
        .find(|&y| {
            let mut bytes = [0u8; 32];
            bytes[0] = y;
            CompressedEdwardsY(bytes)
                .decompress()
                .is_some_and(|point| !point.is_small_order())
        })
        .unwrap()
}

/// 32 bytes encoding a y-coordinate for which curve25519-dalek finds no x: not a curve point.
pub(crate) fn off_curve_identity_key() -> Vec<u8> {
    let y = (2u8..=255)
        .find(|&y| {
            let mut bytes = [0u8; 32];
            bytes[0] = y;
            CompressedEdwardsY(bytes).decompress().is_none()
        })
        .unwrap();
    let mut key = vec![0u8; 32];
    key[0] = y;
    key
}

/// y + p for a small valid y: the same point as y, encoded with y >= p (SPEC.md 3.1 requires
/// the canonical encoding). curve25519-dalek confirms it is a point whose canonical encoding
/// differs.
pub(crate) fn non_canonical_identity_key() -> Vec<u8> {
    let y = small_valid_edwards_y();
    let mut key = [0xffu8; 32];
    key[0] = 0xed + y;
    key[31] = 0x7f;
    let point = CompressedEdwardsY(key).decompress().unwrap();
    assert_ne!(point.compress().to_bytes(), key);
    key.to_vec()
}
