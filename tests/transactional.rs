//! Decryption is transactional: whatever makes a decrypt fail, the session's serialized state
//! afterwards is byte-for-byte what it was before.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::{Envelope, Error, Session};

/// Every single-bit flip (bit 0 and bit 7) of every byte of `wire`, and every truncation, must
/// fail to decrypt on `session` and leave it unchanged. Then the genuine message decrypts.
fn assert_tamper_proof(
    session: &mut Session,
    wire: &[u8],
    plaintext: &[u8],
    rng: &mut ChaCha20Rng,
) {
    let before = session.to_stored();
    let mut tried = 0;
    for i in 0..wire.len() {
        for mask in [0x01u8, 0x80] {
            let mut tampered = wire.to_vec();
            tampered[i] ^= mask;
            let result = session.decrypt_bytes(rng, &tampered);
            assert!(
                result.is_err(),
                "flip of byte {i} with {mask:#04x} was accepted"
            );
            assert_eq!(
                session.to_stored(),
                before,
                "state changed after flip of byte {i}: {result:?}"
            );
            tried += 1;
        }
    }
    for len in 0..wire.len() {
        assert!(
            session.decrypt_bytes(rng, &wire[..len]).is_err(),
            "truncation to {len} accepted"
        );
        assert_eq!(
            session.to_stored(),
            before,
            "state changed after truncation to {len}"
        );
    }
    // Appended garbage: an unknown field and a stray byte.
    for suffix in [&[0x98u8, 0x01, 0x00][..], &[0x00]] {
        let mut extended = wire.to_vec();
        extended.extend_from_slice(suffix);
        assert!(session.decrypt_bytes(rng, &extended).is_err());
        assert_eq!(session.to_stored(), before);
    }
    assert_eq!(tried, 2 * wire.len());
    assert_eq!(
        session.decrypt_bytes(rng, wire).unwrap(),
        plaintext,
        "genuine message still decrypts"
    );
}

#[test]
fn every_byte_of_a_message_on_an_existing_chain() {
    let mut rng = rng(20);
    let mut pair = established_pair(&mut rng, config());
    // Bob has a receiving chain for Alice's current ratchet key already.
    let wire = pair.alice.encrypt(b"warm-up").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &wire).unwrap();
    let wire = pair.alice.encrypt(b"same chain").unwrap().encode();
    assert_tamper_proof(&mut pair.bob, &wire, b"same chain", &mut rng);
}

#[test]
fn every_byte_of_a_message_with_a_dh_ratchet_step() {
    let mut rng = rng(21);
    let mut pair = established_pair(&mut rng, config());
    // Alice has received Bob's reply, so her next message carries a new ratchet key for Bob.
    let wire = pair.alice.encrypt(b"new chain").unwrap().encode();
    let Envelope::Ratchet(message) = decode(&wire) else {
        panic!("expected a RatchetMessage")
    };
    assert_eq!(message.header().counter, 0);
    assert_tamper_proof(&mut pair.bob, &wire, b"new chain", &mut rng);
}

#[test]
fn every_byte_of_a_message_decrypted_from_a_skipped_key() {
    let mut rng = rng(22);
    let mut pair = established_pair(&mut rng, config());
    let delayed = pair.alice.encrypt(b"delayed").unwrap().encode();
    let later = pair.alice.encrypt(b"later").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &later).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), 1);
    assert_tamper_proof(&mut pair.bob, &delayed, b"delayed", &mut rng);
    assert_eq!(
        pair.bob.skipped_key_count(),
        0,
        "the key is deleted once used"
    );
}

#[test]
fn every_byte_of_a_repeated_prekey_message() {
    let mut rng = rng(23);
    let mut bob_side = responder(&mut rng, true);
    let mut alice = initiator(&mut rng, &bob_side.bundle);
    let first = prekey(alice.encrypt(b"one").unwrap());
    let second = alice.encrypt(b"two").unwrap().encode();
    let (mut bob, _) = bob_side.accept(&mut rng, &first).unwrap();
    assert_tamper_proof(&mut bob, &second, b"two", &mut rng);
}

#[test]
fn every_byte_of_a_first_message_leaves_the_prekey_store_alone() {
    let mut rng = rng(24);
    let mut bob_side = responder(&mut rng, true);
    let mut alice = initiator(&mut rng, &bob_side.bundle);
    let wire = alice.encrypt(b"first").unwrap().encode();
    let config = config();
    for i in 0..wire.len() {
        let mut tampered = wire.clone();
        tampered[i] ^= 0x01;
        let accepted = Envelope::decode(&tampered, &config).and_then(|envelope| match envelope {
            Envelope::PreKey(message) => Session::accept_with_store(
                &mut rng,
                &bob_side.identity,
                &mut bob_side.store,
                &message,
                &config,
            ),
            _ => Err(Error::PreKeyMessageMismatch),
        });
        assert!(accepted.is_err(), "flip of byte {i} was accepted");
        assert_eq!(
            bob_side.store.one_time_prekeys_left(),
            1,
            "one-time prekey consumed by a forgery"
        );
    }
    let message = prekey(decode(&wire));
    let (_, plaintext) = Session::accept_with_store(
        &mut rng,
        &bob_side.identity,
        &mut bob_side.store,
        &message,
        &config,
    )
    .unwrap();
    assert_eq!(plaintext, b"first");
    assert_eq!(bob_side.store.one_time_prekeys_left(), 0);
}

#[test]
fn replay_wrong_version_unknown_chain_and_skip_beyond_limit_leave_state_unchanged() {
    let mut rng = rng(25);
    let mut config = config();
    config.max_skip = 10;
    let mut pair = established_pair(&mut rng, config);
    let wire = pair.alice.encrypt(b"once").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &wire).unwrap();
    let before = pair.bob.to_stored();

    // Replay.
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &wire),
        Err(Error::DuplicateMessage)
    );
    assert_eq!(pair.bob.to_stored(), before);

    // Wrong version: field 1 (varint) is the first byte pair of the envelope.
    assert_eq!(&wire[..2], &[0x08, 0x01]);
    let mut wrong_version = wire.clone();
    wrong_version[1] = 0x02;
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &wrong_version),
        Err(Error::UnsupportedVersion { found: 2 })
    );
    assert_eq!(pair.bob.to_stored(), before);

    // Skip beyond the limit: 11 messages are skipped to reach the 12th.
    let mut last = Vec::new();
    for _ in 0..12 {
        last = pair.alice.encrypt(b"far").unwrap().encode();
    }
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &last),
        Err(Error::TooManySkippedMessages { skip: 11, max: 10 })
    );
    assert_eq!(pair.bob.to_stored(), before);

    // Unknown chain: a message from a session Bob never had, with another ratchet key.
    let mut other = established_pair(&mut rng, config);
    let foreign = other.alice.encrypt(b"elsewhere").unwrap().encode();
    assert_eq!(
        pair.bob.decrypt_bytes(&mut rng, &foreign),
        Err(Error::DecryptionFailed)
    );
    assert_eq!(pair.bob.to_stored(), before);

    // Malformed protobuf.
    for junk in [&b""[..], &[0xff; 8], &[0x0a, 0x05, 0x01]] {
        assert!(pair.bob.decrypt_bytes(&mut rng, junk).is_err());
        assert_eq!(pair.bob.to_stored(), before);
    }
}
