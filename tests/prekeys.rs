//! Prekeys, bundles and first messages: one-time prekeys are consumed exactly once, bundles
//! are usable only once verified, and low-order keys are refused wherever they appear.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::{
    Envelope, Error, IdentityKey, IdentityKeyPair, InMemoryPreKeyStore, OneTimePreKeyId,
    OneTimePreKeyPair, PreKeyBundle, PreKeyBundleIn, PreKeyStore, Session, SignedPreKeyId,
    SignedPreKeyPair, X25519PublicKey,
};

/// Every canonical X25519 u-coordinate of small order (SPEC.md 2.2): 0 (order 2), 1 (order 4),
/// p - 1 (order 4, twist) and the two of order 8. Derived independently in the test kit's own
/// tests.
const LOW_ORDER: [[u8; 32]; 5] = hushwire_testkit::SMALL_ORDER_X25519;

/// Replaces the only occurrence of `needle` in `haystack`.
fn replace_once(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let positions: Vec<usize> = (0..=haystack.len() - needle.len())
        .filter(|&i| &haystack[i..i + needle.len()] == needle)
        .collect();
    assert_eq!(positions.len(), 1, "needle must occur exactly once");
    let mut out = haystack.to_vec();
    out[positions[0]..positions[0] + needle.len()].copy_from_slice(with);
    out
}

#[test]
fn a_one_time_prekey_is_consumed_exactly_once() {
    let mut rng = rng(30);
    let mut bob_side = responder(&mut rng, true);
    let mut alice = initiator(&mut rng, &bob_side.bundle);
    let first = prekey(alice.encrypt(b"hi").unwrap());
    assert_eq!(first.one_time_prekey_id(), Some(OneTimePreKeyId(7)));

    let (_, plaintext) = bob_side.accept(&mut rng, &first).unwrap();
    assert_eq!(plaintext, b"hi");
    assert_eq!(bob_side.store.one_time_prekeys_left(), 0);
    // The same first message again (a replay), and a fresh session from another initiator
    // that was handed the same bundle: both refused with a clear error.
    assert_eq!(
        bob_side.accept(&mut rng, &first).unwrap_err(),
        Error::OneTimePreKeyConsumed { id: 7 }
    );
    let carol = IdentityKeyPair::generate(&mut rng);
    let mut carol_session =
        Session::initiate(&mut rng, &carol, &bob_side.bundle, &config()).unwrap();
    let carol_first = prekey(carol_session.encrypt(b"me too").unwrap());
    assert_eq!(
        bob_side.accept(&mut rng, &carol_first).unwrap_err(),
        Error::OneTimePreKeyConsumed { id: 7 }
    );
    // And the store refuses to take the id back.
    assert!(
        !bob_side
            .store
            .add_one_time_prekey(OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(7)))
    );
}

#[test]
fn unknown_prekeys_are_reported_by_id() {
    let mut rng = rng(31);
    let bob_side = responder(&mut rng, true);
    let mut alice = initiator(&mut rng, &bob_side.bundle);
    let first = prekey(alice.encrypt(b"hi").unwrap());

    let mut empty = InMemoryPreKeyStore::new();
    assert_eq!(
        Session::accept_with_store(&mut rng, &bob_side.identity, &mut empty, &first, &config())
            .unwrap_err(),
        Error::UnknownSignedPreKey { id: 1 }
    );
    // Signed prekey present, one-time prekey never issued.
    let mut no_otk = InMemoryPreKeyStore::new();
    no_otk.add_signed_prekey(SignedPreKeyPair::generate(
        &mut rng,
        &bob_side.identity,
        SignedPreKeyId(1),
        hushwire::Timestamp::from_unix_seconds(0),
    ));
    assert_eq!(
        Session::accept_with_store(&mut rng, &bob_side.identity, &mut no_otk, &first, &config())
            .unwrap_err(),
        Error::UnknownOneTimePreKey { id: 7 }
    );
}

#[test]
fn a_session_without_a_one_time_prekey_works() {
    let mut rng = rng(32);
    let mut bob_side = responder(&mut rng, false);
    assert!(bob_side.bundle.one_time_prekey().is_none());
    let mut alice = initiator(&mut rng, &bob_side.bundle);
    let first = prekey(alice.encrypt(b"no otk").unwrap());
    assert_eq!(first.one_time_prekey_id(), None);
    let (mut bob, plaintext) = bob_side.accept(&mut rng, &first).unwrap();
    assert_eq!(plaintext, b"no otk");
    let reply = bob.encrypt(b"ok").unwrap();
    assert_eq!(alice.decrypt(&mut rng, &reply).unwrap(), b"ok");
}

#[test]
fn a_bundle_with_a_bad_signature_does_not_validate() {
    let mut rng = rng(33);
    let bob_side = responder(&mut rng, true);
    let wire = bob_side.bundle.encode();
    let signature = bob_side.bundle.signed_prekey().signature();
    for i in 0..64 {
        let mut bad = *signature;
        bad[i] ^= 0x01;
        let tampered = replace_once(&wire, signature, &bad);
        let bundle = PreKeyBundleIn::decode(&tampered, &config()).unwrap();
        assert_eq!(
            bundle.validate().unwrap_err(),
            Error::InvalidSignature,
            "signature byte {i}"
        );
    }
    // A valid signature by another identity, and a signed field changed under the signature.
    let mallory = IdentityKeyPair::generate(&mut rng);
    let impostor = replace_once(
        &wire,
        &bob_side.bundle.identity_key().to_bytes(),
        &mallory.public_key().to_bytes(),
    );
    let bundle = PreKeyBundleIn::decode(&impostor, &config()).unwrap();
    assert_eq!(bundle.validate().unwrap_err(), Error::InvalidSignature);
    let other_spk = SignedPreKeyPair::generate(
        &mut rng,
        &bob_side.identity,
        SignedPreKeyId(1),
        hushwire::Timestamp::from_unix_seconds(1_750_000_000),
    );
    let swapped = replace_once(
        &wire,
        bob_side.bundle.signed_prekey().public_key().as_bytes(),
        other_spk.public().public_key().as_bytes(),
    );
    let bundle = PreKeyBundleIn::decode(&swapped, &config()).unwrap();
    assert_eq!(bundle.validate().unwrap_err(), Error::InvalidSignature);
}

#[test]
fn every_byte_of_a_bundle_is_checked() {
    let mut rng = rng(34);
    let bob_side = responder(&mut rng, true);
    let wire = bob_side.bundle.encode();
    for i in 0..wire.len() {
        let mut tampered = wire.clone();
        tampered[i] ^= 0x01;
        let result =
            PreKeyBundleIn::decode(&tampered, &config()).and_then(PreKeyBundleIn::validate);
        // The one-time prekey is not signed (as in Signal): a flip there yields a different,
        // valid bundle or an invalid key. Everything else must be refused.
        if let Ok(bundle) = result {
            assert_ne!(
                bundle.one_time_prekey(),
                bob_side.bundle.one_time_prekey(),
                "byte {i}"
            );
            assert_eq!(
                bundle.signed_prekey(),
                bob_side.bundle.signed_prekey(),
                "byte {i}"
            );
            assert_eq!(
                bundle.identity_key(),
                bob_side.bundle.identity_key(),
                "byte {i}"
            );
        }
    }
}

#[test]
fn low_order_keys_are_refused_in_a_bundle() {
    let mut rng = rng(35);
    let bob_side = responder(&mut rng, true);
    let wire = bob_side.bundle.encode();
    let spk = bob_side.bundle.signed_prekey().public_key().to_bytes();
    let otk = bob_side
        .bundle
        .one_time_prekey()
        .unwrap()
        .public_key()
        .to_bytes();
    for point in LOW_ORDER {
        assert_eq!(
            X25519PublicKey::from_bytes(&point).unwrap_err(),
            Error::LowOrderPublicKey
        );
        for key in [&spk, &otk] {
            let bad = replace_once(&wire, key, &point);
            assert_eq!(
                PreKeyBundleIn::decode(&bad, &config()).unwrap_err(),
                Error::LowOrderPublicKey
            );
        }
    }
    // Ed25519 identity keys of small order: the neutral element (y = 1) and y = -1 (order 2).
    let identity = bob_side.bundle.identity_key().to_bytes();
    for point in [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ] {
        let point = hex::decode(point).unwrap();
        assert_eq!(
            IdentityKey::from_bytes(&point).unwrap_err(),
            Error::LowOrderPublicKey
        );
        let bad = replace_once(&wire, &identity, &point);
        assert_eq!(
            PreKeyBundleIn::decode(&bad, &config()).unwrap_err(),
            Error::LowOrderPublicKey
        );
    }
}

#[test]
fn low_order_keys_are_refused_in_a_prekey_message() {
    let mut rng = rng(36);
    let bob_side = responder(&mut rng, true);
    let mut alice = initiator(&mut rng, &bob_side.bundle);
    let envelope = alice.encrypt(b"hi").unwrap();
    let Envelope::PreKey(first) = &envelope else {
        panic!()
    };
    let wire = envelope.encode();
    for point in LOW_ORDER {
        for key in [
            first.base_key().as_bytes(),
            first.message().header().ratchet_key.as_bytes(),
        ] {
            let bad = replace_once(&wire, key, &point);
            assert_eq!(
                Envelope::decode(&bad, &config()).unwrap_err(),
                Error::LowOrderPublicKey
            );
        }
    }
}

#[test]
fn non_canonical_x25519_keys_are_refused() {
    // p = 2^255 - 19 and p + 1 encode 0 and 1 again; the top bit set is never canonical.
    for point in [
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0900000000000000000000000000000000000000000000000000000000000080",
    ] {
        let point = hex::decode(point).unwrap();
        assert_eq!(
            X25519PublicKey::from_bytes(&point).unwrap_err(),
            Error::InvalidPublicKey
        );
    }
    assert_eq!(
        X25519PublicKey::from_bytes(&[9; 31]).unwrap_err(),
        Error::InvalidLength {
            field: "x25519_public_key",
            expected: 32,
            found: 31
        }
    );
}

#[test]
fn a_bundle_built_by_its_owner_round_trips() {
    let mut rng = rng(37);
    let identity = IdentityKeyPair::generate(&mut rng);
    let spk = SignedPreKeyPair::generate(
        &mut rng,
        &identity,
        SignedPreKeyId(9),
        hushwire::Timestamp::from_unix_seconds(42),
    );
    let otk = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(3));
    let bundle = PreKeyBundle::new(&identity, &spk, Some(*otk.public())).unwrap();
    let decoded = PreKeyBundleIn::decode(&bundle.encode(), &config())
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(decoded, bundle);
    assert_eq!(decoded.signed_prekey().created_at().as_unix_seconds(), 42);
    let mut store = InMemoryPreKeyStore::new();
    store.add_signed_prekey(spk);
    assert!(store.signed_prekey(SignedPreKeyId(9)).is_some());
}

#[test]
fn a_base_key_with_a_small_order_component_added_is_refused() {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    use curve25519_dalek::montgomery::MontgomeryPoint;

    let mut rng = rng(38);
    let mut bob_side = responder(&mut rng, false);
    let mut alice = initiator(&mut rng, &bob_side.bundle);
    let envelope = alice.encrypt(b"hi").unwrap();
    let Envelope::PreKey(first) = &envelope else {
        panic!()
    };
    let wire = envelope.encode();

    // EK_A plus the Edwards point of order 2: X25519 multiplies by a multiple of 8, so every DH
    // with it is unchanged, and the altered key still passes the small-order check.
    let base = first.base_key().to_bytes();
    let order_two = CompressedEdwardsY(
        hex::decode("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
            .unwrap()
            .try_into()
            .unwrap(),
    )
    .decompress()
    .unwrap();
    let altered = (MontgomeryPoint(base).to_edwards(0).unwrap() + order_two)
        .to_montgomery()
        .to_bytes();
    assert_ne!(altered, base);
    let k = [0x5au8; 32];
    assert_eq!(
        *hushwire::hazmat::x25519(provider(), &k, &altered).unwrap(),
        *hushwire::hazmat::x25519(provider(), &k, &base).unwrap()
    );

    // The X3DH fields are bound into the AEAD associated data, so the variant does not decrypt,
    // and no second session can be made from one first message this way.
    let variant = prekey(decode(&replace_once(&wire, &base, &altered)));
    assert_eq!(
        bob_side.accept(&mut rng, &variant).unwrap_err(),
        Error::DecryptionFailed
    );
    let (mut bob, _) = bob_side.accept(&mut rng, first).unwrap();
    // Nor does the inner message of a PreKeyMessage decrypt when sent bare.
    let second = alice.encrypt(b"again").unwrap();
    let second = prekey(second);
    let bare = Envelope::Ratchet(second.message().clone());
    assert_eq!(bob.decrypt(&mut rng, &bare), Err(Error::DecryptionFailed));
    assert_eq!(
        bob.decrypt(&mut rng, &Envelope::PreKey(second)).unwrap(),
        b"again"
    );
}

#[test]
fn accept_fails_if_the_store_cannot_consume_the_one_time_prekey() {
    let mut rng = rng(39);
    let bob_side = responder(&mut rng, true);
    let mut alice = initiator(&mut rng, &bob_side.bundle);
    let first = prekey(alice.encrypt(b"hi").unwrap());
    let mut store = RacingStore(bob_side.store);
    assert_eq!(
        Session::accept_with_store(&mut rng, &bob_side.identity, &mut store, &first, &config())
            .unwrap_err(),
        Error::OneTimePreKeyConsumed { id: 7 }
    );
}
