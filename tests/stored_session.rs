//! The stored form of a session: a checksum makes a row cut short or damaged fail to load,
//! whatever `to_stored` writes loads under the same `Config`, and the stored bytes, the seed
//! and the session id behave as SPEC.md 9 says.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::{Config, Error, MAX_STORED_ENTRIES, Session};
use sha2::{Digest, Sha256};

/// A busy responder state: several receiving chains, skipped keys on more than one chain,
/// retired chains, and a pending initiator state, each as stored.
fn busy_states(seed: u64) -> Vec<Vec<u8>> {
    let mut rng = rng(seed);
    let mut config = config();
    config.max_receiving_chains = 2;
    let mut pair = established_pair(&mut rng, config);
    for round in 0..4 {
        // Alice sends five, Bob receives the last (four skipped), then replies.
        let mut last = Vec::new();
        for i in 0..5u8 {
            last = pair.alice.encrypt(&[round, i]).unwrap().encode();
        }
        pair.bob.decrypt_bytes(&mut rng, &last).unwrap();
        let reply = pair.bob.encrypt(b"ok").unwrap().encode();
        pair.alice.decrypt_bytes(&mut rng, &reply).unwrap();
    }
    assert!(pair.bob.skipped_key_count() >= 8);
    let bob = responder(&mut rng, true);
    let pending = initiator(&mut rng, &bob.bundle);
    vec![
        pair.bob.to_stored().as_bytes().to_vec(),
        pair.alice.to_stored().as_bytes().to_vec(),
        pending.to_stored().as_bytes().to_vec(),
    ]
}

#[test]
fn every_prefix_of_a_stored_session_is_refused() {
    for state in busy_states(1) {
        assert!(Session::from_stored(&state, &config()).is_ok());
        for len in 0..state.len() {
            assert_eq!(
                Session::from_stored(&state[..len], &config()).map(|_| ()),
                Err(Error::SessionStateCorrupted),
                "prefix of {len} of {} bytes",
                state.len()
            );
        }
    }
}

#[test]
fn every_flipped_bit_of_a_stored_session_is_refused() {
    let state = busy_states(2).swap_remove(0);
    for byte in 0..state.len() {
        for bit in [0x01u8, 0x80] {
            let mut damaged = state.clone();
            damaged[byte] ^= bit;
            assert_eq!(
                Session::from_stored(&damaged, &config()).map(|_| ()),
                Err(Error::SessionStateCorrupted),
                "byte {byte} bit {bit:#x}"
            );
        }
    }
}

#[test]
fn the_checksum_is_the_spec_derivation() {
    // SPEC.md 9.1, by hand: SHA-256(0x1a || "hushwire/v1/stored-session" || state).
    for stored in busy_states(3) {
        let (state, checksum) = stored.split_at(stored.len() - 32);
        let mut hash = Sha256::new();
        hash.update([26u8]);
        hash.update(b"hushwire/v1/stored-session");
        hash.update(state);
        assert_eq!(checksum, hash.finalize().as_slice());
    }
}

#[test]
fn the_session_id_is_the_spec_derivation_and_the_same_on_both_ends() {
    let mut rng = rng(4);
    let mut bob = responder(&mut rng, true);
    let alice_identity = hushwire::IdentityKeyPair::generate(&mut rng);
    let mut alice = Session::initiate(&mut rng, &alice_identity, &bob.bundle, &config()).unwrap();
    let first = prekey(alice.encrypt(b"hi").unwrap());
    // SPEC.md 9.3, by hand.
    let mut hash = Sha256::new();
    hash.update([22u8]);
    hash.update(b"hushwire/v1/session-id");
    hash.update(alice_identity.public_key().to_bytes());
    hash.update(bob.identity.public_key().to_bytes());
    hash.update(first.base_key().to_bytes());
    let expected: [u8; 32] = hash.finalize().into();
    assert_eq!(alice.id().to_bytes(), expected);
    let (mut bob_session, _) = bob.accept(&mut rng, &first).unwrap();
    assert_eq!(bob_session.id(), alice.id());
    // Alice forgets the base key after Bob's reply; the id stays, also through storage.
    let reply = bob_session.encrypt(b"hello").unwrap().encode();
    alice.decrypt_bytes(&mut rng, &reply).unwrap();
    assert!(alice.has_received());
    let reloaded = Session::from_stored(alice.to_stored().as_bytes(), &config()).unwrap();
    assert_eq!(reloaded.id().to_bytes(), expected);
    assert_eq!(format!("{}", reloaded.id()), hex::encode(expected));
}

/// A peer skips `skip` messages on one chain, then sends one more; the receiver stores and
/// loads its state under `config`.
fn store_after_skipping(config: Config, skip: u32) -> usize {
    let mut rng = rng(5);
    let mut pair = established_pair(&mut rng, config);
    let mut last = Vec::new();
    for _ in 0..=skip {
        last = pair.alice.encrypt(b"x").unwrap().encode();
    }
    pair.bob.decrypt_bytes(&mut rng, &last).unwrap();
    let stored = pair.bob.to_stored();
    let loaded = Session::from_stored(stored.as_bytes(), &config).unwrap();
    assert_eq!(loaded.skipped_key_count(), pair.bob.skipped_key_count());
    stored.len()
}

#[test]
fn a_small_max_encoded_len_does_not_make_a_state_unloadable() {
    // Issue 9: with max_encoded_len = 64 KiB and the default 2000 skipped keys, a peer that
    // skips 2000 messages made the state larger than its own loader accepted.
    let mut config = config();
    config.max_encoded_len = 64 * 1024;
    let len = store_after_skipping(config, 2000);
    assert!(len > config.max_encoded_len, "{len} bytes");
}

#[test]
fn limits_above_the_stored_ceiling_still_store_and_load() {
    // Issue 9: with max_skip = max_skipped_keys = 70_000, loading failed on the 65,536-entry
    // ceiling. Now the count limits take effect up to that ceiling.
    let mut config = config();
    config.max_skip = 70_000;
    config.max_skipped_keys = 70_000;
    store_after_skipping(config, 70_000);
    let mut rng = rng(6);
    let mut pair = established_pair(&mut rng, config);
    let mut last = Vec::new();
    for _ in 0..=70_000 {
        last = pair.alice.encrypt(b"x").unwrap().encode();
    }
    pair.bob.decrypt_bytes(&mut rng, &last).unwrap();
    assert_eq!(pair.bob.skipped_key_count(), MAX_STORED_ENTRIES);
}

#[test]
fn stored_sessions_and_seeds_are_redacted() {
    let mut rng = rng(7);
    let pair = established_pair(&mut rng, config());
    let stored = pair.bob.to_stored();
    let text = format!("{stored:?}");
    assert_eq!(
        text,
        format!("StoredSession({} bytes, <redacted>)", stored.len())
    );
    let seed = pair.alice_identity.to_seed();
    assert_eq!(format!("{seed:?}"), "IdentitySeed(<redacted>)");
    let again = hushwire::IdentityKeyPair::from_seed(seed.as_bytes());
    assert_eq!(again.public_key(), pair.alice_identity.public_key());
}
