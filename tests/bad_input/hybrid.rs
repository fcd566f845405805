//! The hybrid set-up (SPEC.md 18): bad KEM prekeys in bundles, first messages without or with
//! a bad KEM ciphertext, replays against one-time and last-resort KEM prekeys, and stored
//! forms that break 18.5 and 18.6. Refused accepts leave the store unchanged and draw nothing.

use crate::common::*;
use crate::support::*;
use hushwire::{
    Envelope, Error, IdentityKeyPair, KemPreKeyId, KemPreKeyKind, KemPreKeyPair, PreKeyBundle,
    PreKeyBundleIn, PreKeyStore, Session, Timestamp,
};
use prost::Message;

/// A hybrid Bob's bundle (one-time KEM prekey 1), encoded, after `edit` changed its KEM
/// prekey.
fn edit_kem_prekey(seed: u64, edit: impl FnOnce(&mut crate::pb::KemPreKey)) -> Vec<u8> {
    let mut rng = rng(seed);
    let bob = hybrid_responder(&mut rng, true);
    let mut bundle = crate::pb::PreKeyBundle::decode(bob.bundle.encode().as_slice()).unwrap();
    edit(bundle.kem_prekey.as_mut().unwrap());
    bundle.encode_to_vec()
}

/// An edit of a bundle's KEM prekey.
type KemEdit = Box<dyn Fn(&mut crate::pb::KemPreKey)>;

/// The error of decoding then validating `bytes` under the default configuration.
fn hybrid_bundle_error(bytes: &[u8]) -> Error {
    PreKeyBundleIn::decode(bytes, &hybrid_config())
        .and_then(PreKeyBundleIn::validate)
        .unwrap_err()
}

#[test]
fn kem_prekey_of_the_wrong_length_in_a_bundle() {
    for len in [0, 1184, 1567, 1569] {
        let bad = edit_kem_prekey(600, |k| k.public_key.resize(len, 0));
        assert_eq!(
            hybrid_bundle_error(&bad),
            Error::InvalidLength {
                field: "kem_prekey.public_key",
                expected: 1568,
                found: len
            }
        );
    }
}

#[test]
fn kem_prekey_failing_the_modulus_check() {
    // The first coefficient's 12 bits set to 0xFFF = 4095 >= q = 3329.
    let bad = edit_kem_prekey(601, |k| {
        k.public_key[0] = 0xFF;
        k.public_key[1] |= 0x0F;
    });
    assert_eq!(hybrid_bundle_error(&bad), Error::InvalidPublicKey);
}

#[test]
fn kem_prekey_signature_of_the_wrong_length() {
    let bad = edit_kem_prekey(602, |k| k.signature.truncate(63));
    assert_eq!(
        hybrid_bundle_error(&bad),
        Error::InvalidLength {
            field: "kem_prekey.signature",
            expected: 64,
            found: 63
        }
    );
}

#[test]
fn kem_prekey_with_a_bad_signature() {
    // A changed signature, a changed id, kind or creation time, and the signed prekey's own
    // signature presented as the KEM prekey's: each fails the signature check.
    let mut rng = rng(603);
    let bob = hybrid_responder(&mut rng, true);
    let spk_signature = bob.signed_prekey.public().signature().to_vec();
    let edits: [KemEdit; 5] = [
        Box::new(|k| k.signature[0] ^= 1),
        Box::new(|k| k.id += 1),
        Box::new(|k| k.last_resort = !k.last_resort),
        Box::new(|k| k.created_at += 1),
        Box::new(move |k| k.signature = spk_signature.clone()),
    ];
    for edit in edits {
        let bad = edit_kem_prekey(603, edit);
        assert_eq!(hybrid_bundle_error(&bad), Error::InvalidSignature);
    }
}

#[test]
fn kem_prekey_signed_by_another_identity() {
    let mut rng = rng(604);
    let bob = hybrid_responder(&mut rng, false);
    let mallory = IdentityKeyPair::generate(&mut rng);
    let theirs = KemPreKeyPair::generate(
        &mut rng,
        &mallory,
        KemPreKeyId(5),
        KemPreKeyKind::LastResort,
        Timestamp::from_unix_seconds(1),
    );
    // Through the owner's constructor, and through a bundle whose KEM prekey was replaced.
    let classic = PreKeyBundle::new(&bob.identity, &bob.signed_prekey, None).unwrap();
    assert_eq!(
        classic.with_kem_prekey(theirs.public()).unwrap_err(),
        Error::InvalidSignature
    );
    let mut bundle = crate::pb::PreKeyBundle::decode(bob.bundle.encode().as_slice()).unwrap();
    let kem = bundle.kem_prekey.as_mut().unwrap();
    kem.id = 5;
    kem.public_key = theirs.public().public_key().as_bytes().to_vec();
    kem.signature = theirs.public().signature().to_vec();
    assert_eq!(
        hybrid_bundle_error(&bundle.encode_to_vec()),
        Error::InvalidSignature
    );
}

#[test]
fn bundle_without_a_kem_prekey_under_the_default_policy() {
    // A server strips the KEM prekey: the bundle still verifies, and initiate refuses it
    // before drawing anything.
    let mut rng = rng(605);
    let bob = hybrid_responder(&mut rng, true);
    let stripped = bob.bundle.clone().without_kem_prekey();
    let stripped = PreKeyBundleIn::decode(&stripped.encode(), &hybrid_config())
        .unwrap()
        .validate()
        .unwrap();
    let alice = IdentityKeyPair::generate(&mut rng);
    let position = rng.get_word_pos();
    assert_eq!(
        Session::initiate(&mut rng, &alice, &stripped, &hybrid_config()).unwrap_err(),
        Error::PostQuantumRequired
    );
    assert_eq!(rng.get_word_pos(), position, "randomness drawn");
}

#[test]
fn classic_first_message_under_the_default_policy() {
    // A hybrid Bob (default policy) receives a first message without a `kem` field: Alice
    // used the classic set-up, or a relay dropped the field.
    let mut first = hybrid_first_message(606, true);
    let bad = edit_prekey(&first.wire, |m| m.kem = None);
    accept_refused(&mut first, &bad, Error::PostQuantumRequired);
    // The policy is checked first (SPEC.md 18.4 step 0): before the prekeys are looked up.
    let unknown = edit_prekey(&first.wire, |m| {
        m.kem = None;
        m.signed_prekey_id = 9;
        m.one_time_prekey_id = Some(9);
    });
    accept_refused(&mut first, &unknown, Error::PostQuantumRequired);
}

#[test]
fn kem_ciphertext_of_the_wrong_length() {
    for len in [0, 1088, 1567, 1569] {
        let first = hybrid_first_message(607, true);
        let bad = edit_prekey(&first.wire, |m| {
            m.kem.as_mut().unwrap().ciphertext.resize(len, 0)
        });
        assert_eq!(
            decode_error(&bad),
            Error::InvalidLength {
                field: "kem.ciphertext",
                expected: 1568,
                found: len
            }
        );
    }
}

#[test]
fn kem_ciphertext_for_the_wrong_key() {
    // The one-time KEM prekey's ciphertext presented as the last-resort key's (decapsulated
    // with the wrong key), a ciphertext with one bit changed, and another initiator's
    // ciphertext to the same key: implicit rejection gives an unrelated secret, so the first
    // message does not decrypt.
    let mut first = hybrid_first_message(608, true);
    let mut rng2 = rng(6080);
    let carol = IdentityKeyPair::generate(&mut rng2);
    let mut carol_session =
        Session::initiate(&mut rng2, &carol, &first.bob.bundle, &hybrid_config()).unwrap();
    let carol_wire = carol_session.encrypt(b"x").unwrap().encode();
    let Envelope::PreKey(carols) = decode(&carol_wire) else {
        panic!()
    };
    let carol_ct = carols.kem().unwrap().ciphertext().as_bytes().to_vec();
    let wrong_key = edit_prekey(&first.wire, |m| {
        m.kem.as_mut().unwrap().prekey_id = LAST_RESORT_KEM_ID
    });
    let flipped = edit_prekey(&first.wire, |m| m.kem.as_mut().unwrap().ciphertext[9] ^= 1);
    let swapped = edit_prekey(&first.wire, |m| {
        m.kem.as_mut().unwrap().ciphertext = carol_ct.clone()
    });
    for bad in [wrong_key, flipped, swapped] {
        accept_refused(&mut first, &bad, Error::DecryptionFailed);
    }
    // The genuine message is still accepted.
    let _ = accepted(&mut first);
}

#[test]
fn reused_one_time_kem_prekey() {
    // Without a one-time X25519 prekey the one-time KEM prekey is what refuses the replay.
    let mut rng = rng(609);
    let mut bob = Responder::generate(
        &mut rng,
        &ResponderOptions {
            one_time_prekey: false,
            ..ResponderOptions::hybrid(true)
        },
    );
    assert!(bob.bundle.one_time_prekey().is_none());
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut session = Session::initiate(&mut rng, &alice, &bob.bundle, &bob.config).unwrap();
    let wire = session.encrypt(b"first").unwrap().encode();
    let first_message = prekey(decode(&wire));
    bob.accept(&mut rng, &first_message).unwrap();
    assert_eq!(
        bob.store
            .kem_prekey(KemPreKeyId(ONE_TIME_KEM_ID))
            .unwrap_err(),
        Error::KemPreKeyConsumed {
            id: ONE_TIME_KEM_ID
        }
    );
    let mut first = First {
        rng,
        bob,
        alice: session,
        wire,
    };
    let wire = first.wire.clone();
    accept_refused(
        &mut first,
        &wire,
        Error::KemPreKeyConsumed {
            id: ONE_TIME_KEM_ID,
        },
    );
}

#[test]
fn replayed_first_message_to_the_last_resort_kem_prekey() {
    // No one-time prekey of either kind: only the recorded base key refuses the replay. The
    // replay decrypts (step 5) and is refused when the use is applied (step 6), after drawing
    // the new session's ratchet key, so only the store is checked here.
    let mut first = hybrid_first_message(610, false);
    assert!(first.bob.bundle.one_time_prekey().is_none());
    let _ = accepted(&mut first);
    // Adding the same last-resort key again (a restart's re-add, an upkeep) keeps its record.
    let last_resort = first.bob.last_resort_kem.clone().unwrap();
    assert!(first.bob.store.add_kem_prekey(last_resort));
    let before = format!("{:?}", first.bob.store);
    let message = prekey(decode(&first.wire));
    let result = Session::accept_with_store(
        &mut first.rng,
        &first.bob.identity,
        &mut first.bob.store,
        &message,
        &first.bob.config,
    );
    assert_eq!(
        result.map(|_| ()),
        Err(Error::KemPreKeyReused {
            id: LAST_RESORT_KEM_ID
        })
    );
    assert_eq!(format!("{:?}", first.bob.store), before, "store changed");
    // A second initiator with its own base key is served by the same key.
    let mut rng = rng(6100);
    let carol = IdentityKeyPair::generate(&mut rng);
    let mut session =
        Session::initiate(&mut rng, &carol, &first.bob.bundle, &hybrid_config()).unwrap();
    let wire = session.encrypt(b"carol").unwrap().encode();
    let (_, plaintext) = first.bob.accept(&mut rng, &prekey(decode(&wire))).unwrap();
    assert_eq!(plaintext, b"carol");
}

#[test]
fn unknown_kem_prekey() {
    let mut first = hybrid_first_message(611, true);
    let bad = edit_prekey(&first.wire, |m| m.kem.as_mut().unwrap().prekey_id = 77);
    accept_refused(&mut first, &bad, Error::UnknownKemPreKey { id: 77 });
    // `accept` given no KEM prekey, or another one, names the message's.
    let message = prekey(decode(&first.wire));
    let result = Session::accept(
        &mut first.rng,
        &first.bob.identity,
        &first.bob.signed_prekey,
        first.bob.one_time_prekey.as_ref(),
        first.bob.last_resort_kem.as_ref(),
        &message,
        &first.bob.config,
    );
    assert_eq!(
        result.map(|_| ()),
        Err(Error::UnknownKemPreKey {
            id: ONE_TIME_KEM_ID
        })
    );
}

#[test]
fn repeated_prekey_message_with_another_kem_ciphertext() {
    let mut first = hybrid_first_message(612, true);
    let mut bob = accepted(&mut first);
    // Alice's second message repeats the KEM fields; with its ciphertext changed, or dropped,
    // it belongs to no session Bob has.
    let second = first.alice.encrypt(b"second").unwrap().encode();
    let changed = edit_prekey(&second, |m| m.kem.as_mut().unwrap().ciphertext[0] ^= 1);
    refused(&mut bob, &changed, Error::PreKeyMessageMismatch);
    let dropped = edit_prekey(&second, |m| m.kem = None);
    refused(&mut bob, &dropped, Error::PreKeyMessageMismatch);
    let mut rng = rng(6120);
    assert_eq!(bob.decrypt_bytes(&mut rng, &second).unwrap(), b"second");
}

#[test]
fn stored_state_with_inconsistent_kem_fields() {
    let first = hybrid_first_message(613, true);
    let alice = &first.alice;
    // The pending ciphertext dropped, changed, cut, or the hash without its id.
    let dropped = edit_state(alice, |s| s.pending_kem_ciphertext.clear());
    assert_eq!(load_error(&dropped), Error::InvalidSessionState);
    let changed = edit_state(alice, |s| s.pending_kem_ciphertext[5] ^= 1);
    assert_eq!(load_error(&changed), Error::InvalidSessionState);
    let cut = edit_state(alice, |s| s.pending_kem_ciphertext.truncate(1000));
    assert_eq!(
        load_error(&cut),
        Error::InvalidLength {
            field: "pending_kem_ciphertext",
            expected: 1568,
            found: 1000
        }
    );
    let half = edit_state(alice, |s| {
        s.pending_prekey.as_mut().unwrap().kem_prekey_id = None
    });
    assert_eq!(load_error(&half), Error::InvalidSessionState);
    let short_hash = edit_state(alice, |s| {
        s.pending_prekey
            .as_mut()
            .unwrap()
            .kem_ciphertext_hash
            .truncate(31)
    });
    assert_eq!(
        load_error(&short_hash),
        Error::InvalidLength {
            field: "prekey_info.kem_ciphertext_hash",
            expected: 32,
            found: 31
        }
    );
    // A responder, or a classic initiator, holding a pending ciphertext.
    let mut classic = first_message(614, config());
    let classic_alice = edit_state(&classic.alice, |s| s.pending_kem_ciphertext = vec![0; 1568]);
    assert_eq!(load_error(&classic_alice), Error::InvalidSessionState);
    let bob = accepted(&mut classic);
    let bob = edit_state(&bob, |s| s.pending_kem_ciphertext = vec![0; 1568]);
    assert_eq!(load_error(&bob), Error::InvalidSessionState);
}

#[test]
fn damaged_stored_kem_prekey() {
    let mut rng = rng(615);
    let bob = hybrid_responder(&mut rng, false);
    let stored = bob.last_resort_kem.as_ref().unwrap().to_stored();
    let bytes = stored.as_bytes();
    assert_eq!(bytes.len(), 3278);
    // Cut short, one bit changed.
    assert_eq!(
        KemPreKeyPair::from_stored(&bytes[..3277]).unwrap_err(),
        Error::SessionStateCorrupted
    );
    let mut flipped = bytes.to_vec();
    flipped[100] ^= 1;
    assert_eq!(
        KemPreKeyPair::from_stored(&flipped).unwrap_err(),
        Error::SessionStateCorrupted
    );
    // Under a valid checksum: version 2, kind 3, and a decapsulation key whose H(ek) does not
    // match (FIPS 203 7.3).
    let reseal = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut content = bytes[..3278 - 32].to_vec();
        edit(&mut content);
        let checksum =
            hushwire_testkit::stored::labelled_checksum(b"hushwire/v1/stored-kem-prekey", &content);
        content.extend_from_slice(&checksum);
        content
    };
    assert_eq!(
        KemPreKeyPair::from_stored(&reseal(&|c| c[0] = 2)).unwrap_err(),
        Error::UnsupportedVersion { found: 2 }
    );
    assert_eq!(
        KemPreKeyPair::from_stored(&reseal(&|c| c[13] = 3)).unwrap_err(),
        Error::SessionStateCorrupted
    );
    // dk starts at byte 14; H(ek) at 14 + 3104.
    assert_eq!(
        KemPreKeyPair::from_stored(&reseal(&|c| c[14 + 3104] ^= 1)).unwrap_err(),
        Error::SessionStateCorrupted
    );
    // The untouched form loads back to the same key.
    let back = KemPreKeyPair::from_stored(bytes).unwrap();
    assert_eq!(
        back.public(),
        bob.last_resort_kem.as_ref().unwrap().public()
    );
}

#[test]
fn hybrid_first_message_too_large() {
    // While Alice still sends PreKeyMessages, encrypt counts the 1580 bytes of the `kem` field
    // (SPEC.md 18.7): a plaintext that would fit a RatchetMessage is refused, and nothing
    // changes.
    let mut config = hybrid_config();
    config.max_encoded_len = 4096;
    let mut rng = rng(616);
    let bob = hybrid_responder(&mut rng, true);
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut session = Session::initiate(&mut rng, &alice, &bob.bundle, &config).unwrap();
    let before = session.to_stored();
    let plaintext = vec![0u8; 4096 - 1756 + 1];
    assert_eq!(
        session.encrypt(&plaintext).unwrap_err(),
        Error::TooLarge {
            len: 4096 + 1,
            max: 4096
        }
    );
    assert_eq!(session.to_stored(), before);
    // One byte less fits, and its envelope is within the bound.
    let wire = session.encrypt(&plaintext[1..]).unwrap().encode();
    assert!(wire.len() <= 4096, "{}", wire.len());
}
