//! Accepting a first message (`Session::accept`): unknown or consumed prekeys and first
//! messages that do not decrypt. Every test also checks that the store is unchanged and, unless
//! stated, that no randomness was drawn.

use crate::common::*;
use crate::support::*;
use hushwire::{
    Envelope, Error, IdentityKeyPair, InMemoryPreKeyStore, OneTimePreKeyId, OneTimePreKeyPair,
    PreKeyStore, Session, SignedPreKeyId, SignedPreKeyPair,
};

#[test]
fn unknown_signed_prekey() {
    let mut first = first_message(170, config());
    let bad = edit_prekey(&first.wire, |m| m.signed_prekey_id = 2);
    accept_refused(&mut first, &bad, Error::UnknownSignedPreKey { id: 2 });
}

#[test]
fn unknown_one_time_prekey() {
    let mut first = first_message(171, config());
    let bad = edit_prekey(&first.wire, |m| m.one_time_prekey_id = Some(8));
    accept_refused(&mut first, &bad, Error::UnknownOneTimePreKey { id: 8 });
}

#[test]
fn reused_one_time_prekey() {
    let mut first = first_message(172, config());
    let _ = accepted(&mut first);
    let wire = first.wire.clone();
    accept_refused(&mut first, &wire, Error::OneTimePreKeyConsumed { id: 7 });
}

#[test]
fn first_message_for_another_responder() {
    let mut first = first_message(173, config());
    // Another identity with the same prekey ids (and secrets it does not share).
    let mut rng = rng(6);
    let other = IdentityKeyPair::generate(&mut rng);
    let mut store = InMemoryPreKeyStore::new();
    store.add_signed_prekey(SignedPreKeyPair::generate(
        &mut rng,
        &other,
        SignedPreKeyId(1),
        hushwire::Timestamp::from_unix_seconds(0),
    ));
    store.add_one_time_prekey(OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(7)));
    first.bob.identity = other;
    first.bob.store = store;
    let wire = first.wire.clone();
    accept_refused(&mut first, &wire, Error::DecryptionFailed);
}

#[test]
fn first_message_with_a_claimed_identity_swapped() {
    let mut first = first_message(174, config());
    let mallory = IdentityKeyPair::generate(&mut first.rng);
    let bad = edit_prekey(&first.wire, |m| {
        m.identity_key = mallory.public_key().to_bytes().to_vec();
    });
    accept_refused(&mut first, &bad, Error::DecryptionFailed);
}

#[test]
fn first_message_with_a_tampered_ciphertext() {
    let mut first = first_message(175, config());
    let bad = edit_prekey(&first.wire, |m| {
        m.message.as_mut().unwrap().ciphertext[3] ^= 0x20;
    });
    accept_refused(&mut first, &bad, Error::DecryptionFailed);
}

#[test]
fn first_message_with_another_base_key() {
    let mut first = first_message(176, config());
    let bad = edit_prekey(&first.wire, |m| m.base_key = base_point());
    accept_refused(&mut first, &bad, Error::DecryptionFailed);
}

#[test]
fn first_message_skipping_beyond_the_limit() {
    let mut config = config();
    config.max_skip = 1;
    let mut first = first_message(177, config);
    first.alice.encrypt(b"second").unwrap();
    let third = first.alice.encrypt(b"third").unwrap().encode();
    let Envelope::PreKey(message) = decode(&third) else {
        panic!()
    };
    let before = format!("{:?}", first.bob.store);
    let position = first.rng.get_word_pos();
    assert_eq!(
        Session::accept_with_store(
            &mut first.rng,
            &first.bob.identity,
            &mut first.bob.store,
            &message,
            &config
        )
        .map(|_| ()),
        Err(Error::TooManySkippedMessages { skip: 2, max: 1 })
    );
    assert_eq!(format!("{:?}", first.bob.store), before);
    assert_eq!(first.rng.get_word_pos(), position);
}

#[test]
fn first_message_naming_another_unused_one_time_prekey() {
    let mut first = first_message(233, config());
    let mut rng = rng(10);
    assert!(
        first
            .bob
            .store
            .add_one_time_prekey(OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(8)))
    );
    // Prekey 8 exists and is unused, but the message was made with prekey 7: DH4 and the AEAD
    // data differ, and neither prekey is consumed.
    let bad = edit_prekey(&first.wire, |m| m.one_time_prekey_id = Some(8));
    accept_refused(&mut first, &bad, Error::DecryptionFailed);
    assert_eq!(first.bob.store.one_time_prekeys_left(), 2);
    // The genuine message still consumes prekey 7, and only it.
    let _ = accepted(&mut first);
    assert_eq!(first.bob.store.one_time_prekeys_left(), 1);
    assert!(first.bob.store.one_time_prekey(OneTimePreKeyId(8)).is_ok());
}

#[test]
fn first_message_with_its_one_time_prekey_id_removed() {
    let mut first = first_message(234, config());
    // Without the id (which would make the message replayable), DH4 is left out of SK and the
    // AEAD data says "no one-time prekey": the message does not decrypt.
    let bad = edit_prekey(&first.wire, |m| m.one_time_prekey_id = None);
    accept_refused(&mut first, &bad, Error::DecryptionFailed);
}

#[test]
fn one_time_prekey_consumed_by_a_concurrent_accept() {
    let First {
        mut rng, bob, wire, ..
    } = first_message(235, config());
    let Envelope::PreKey(message) = decode(&wire) else {
        panic!()
    };
    let mut store = RacingStore(bob.store);
    let before = format!("{:?}", store.0);
    let position = rng.get_word_pos();
    assert_eq!(
        Session::accept_with_store(&mut rng, &bob.identity, &mut store, &message, &config())
            .map(|_| ()),
        Err(Error::OneTimePreKeyConsumed { id: 7 })
    );
    assert_eq!(format!("{:?}", store.0), before, "store changed");
    // The one exception to "no randomness drawn" (SPEC.md 5.4 step 6): the message decrypted,
    // so the responder's first ratchet secret (32 bytes, 8 words) was drawn before the consume.
    assert_eq!(rng.get_word_pos(), position + 8);
}

/// Bob with one-time prekey 7 and Alice's first message to him, decoded.
fn named_first_message(seed: u64) -> (Responder, hushwire::PreKeyMessage) {
    let mut first = first_message(seed, config());
    let message = decode(&first.wire).into_prekey().unwrap();
    let _ = first.alice.encrypt(b"second").unwrap();
    (first.bob, message)
}

#[test]
fn accept_refuses_prekeys_the_message_does_not_name() {
    let (bob, first) = named_first_message(7);
    let mut rng = rng(8);
    let config = config();
    let spk = bob.store.signed_prekey(SignedPreKeyId(1)).unwrap();
    let otk = bob.store.one_time_prekey(OneTimePreKeyId(7)).unwrap();
    let other_spk = SignedPreKeyPair::generate(
        &mut rng,
        &bob.identity,
        SignedPreKeyId(2),
        hushwire::Timestamp::default(),
    );
    let other_otk = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(8));
    // Each refusal draws no randomness.
    let position = rng.get_word_pos();
    let refused = |result: Result<hushwire::Acceptance, Error>| result.map(|_| ()).unwrap_err();
    assert_eq!(
        refused(Session::accept(
            &mut rng,
            &bob.identity,
            &other_spk,
            Some(otk),
            None,
            &first,
            &config
        )),
        Error::UnknownSignedPreKey { id: 1 }
    );
    assert_eq!(
        refused(Session::accept(
            &mut rng,
            &bob.identity,
            spk,
            None,
            None,
            &first,
            &config
        )),
        Error::UnknownOneTimePreKey { id: 7 }
    );
    assert_eq!(
        refused(Session::accept(
            &mut rng,
            &bob.identity,
            spk,
            Some(&other_otk),
            None,
            &first,
            &config
        )),
        Error::UnknownOneTimePreKey { id: 7 }
    );
    assert_eq!(rng.get_word_pos(), position);
}

#[test]
fn a_ratchet_message_is_not_a_prekey_message() {
    let mut rng = rng(9);
    let pair = established_pair(&mut rng, config());
    let mut bob = pair.bob;
    let envelope = bob.encrypt(b"not a first message").unwrap();
    assert!(!envelope.is_prekey());
    assert!(envelope.as_prekey().is_none());
    let error = envelope.into_prekey().unwrap_err();
    assert_eq!(error, Error::NotAPreKeyMessage);
    assert_eq!(error.kind(), "NotAPreKeyMessage");
    assert_eq!(error.category(), hushwire::ErrorCategory::Decoding);
    // The same through the wire.
    let wire = bob.encrypt(b"again").unwrap().encode();
    let decoded = Envelope::decode(&wire, &config()).unwrap();
    assert_eq!(
        decoded.into_prekey().map(|_| ()),
        Err(Error::NotAPreKeyMessage)
    );
}
