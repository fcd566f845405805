//! The pending sending step (SPEC.md 6.6 step 4, 6.7): after a message with a new ratchet key
//! the next ratchet secret is drawn, and the step it starts is taken by the next encryption.
//! A state with the step pending and the same state with the step taken at once (as hushwire
//! stored it before the step waited, built by hand in the test kit) behave the same: the same
//! envelopes, the same states, on every path, the rare one included; and a failed operation
//! leaves a pending state exactly as it was.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::{Error, Session};
use hushwire_testkit::stored::with_sending_step_taken;

/// A pair after Alice's message with a new ratchet key reached Bob: Bob's step is pending.
fn bob_pending(seed: u64) -> (Pair, Session) {
    let mut rng = rng(seed);
    let mut pair = established_pair(&mut rng, config());
    let reply = pair.bob.encrypt(b"reply").unwrap().encode();
    pair.alice.decrypt_bytes(&mut rng, &reply).unwrap();
    let next = pair.alice.encrypt(b"a new chain").unwrap().encode();
    pair.bob.decrypt_bytes(&mut rng, &next).unwrap();
    let taken = Session::from_stored(
        &with_sending_step_taken(pair.bob.to_stored().as_bytes()),
        &config(),
    )
    .unwrap();
    (pair, taken)
}

#[test]
fn a_pending_step_and_the_step_taken_send_the_same_messages() {
    let (mut pair, mut taken) = bob_pending(1);
    assert_ne!(
        pair.bob.to_stored().as_bytes(),
        taken.to_stored().as_bytes()
    );
    for text in [&b"one"[..], b"two", b""] {
        let a = pair.bob.encrypt(text).unwrap().encode();
        let b = taken.encrypt(text).unwrap().encode();
        assert_eq!(a, b);
        assert_eq!(
            pair.bob.to_stored().as_bytes(),
            taken.to_stored().as_bytes()
        );
        assert_eq!(pair.alice.decrypt_bytes(&mut rng(2), &a).unwrap(), text);
    }
}

/// The path honest peers never take (a peer draws a new ratchet key only after receiving
/// ours) but a restored backup does: Bob's pending state P is saved, Bob answers (taking the
/// step), Alice ratchets and answers, and Bob, restored to P, receives a further new ratchet
/// key while his step is still pending. He takes it first (6.6 step 4.2), exactly as the state
/// with the step taken at once decrypts the same message.
#[test]
fn a_further_new_ratchet_key_while_a_step_is_pending() {
    let (mut pair, mut taken) = bob_pending(3);
    let saved = pair.bob.to_stored();
    let answer = pair.bob.encrypt(b"answer").unwrap().encode();
    pair.alice.decrypt_bytes(&mut rng(4), &answer).unwrap();
    let further = pair.alice.encrypt(b"further").unwrap().encode();
    let mut restored = Session::from_stored(saved.as_bytes(), &config()).unwrap();
    let chains = restored.receiving_chain_count();
    assert_eq!(
        restored.decrypt_bytes(&mut rng(5), &further).unwrap(),
        b"further"
    );
    assert_eq!(
        taken.decrypt_bytes(&mut rng(5), &further).unwrap(),
        b"further"
    );
    assert_eq!(
        restored.to_stored().as_bytes(),
        taken.to_stored().as_bytes()
    );
    assert_eq!(restored.receiving_chain_count(), chains + 1);
    // Both answer with the same bytes, which Alice reads.
    let a = restored.encrypt(b"after").unwrap().encode();
    assert_eq!(a, taken.encrypt(b"after").unwrap().encode());
    assert_eq!(pair.alice.decrypt_bytes(&mut rng(6), &a).unwrap(), b"after");
}

/// A failed encryption or decryption leaves a pending state byte for byte as it was, and a
/// failed decryption draws nothing.
#[test]
fn a_failed_operation_leaves_the_step_pending() {
    let (mut pair, _) = bob_pending(7);
    let before = pair.bob.to_stored();
    let mut config = config();
    config.max_encoded_len = 200;
    pair.bob.set_config(&config);
    assert!(matches!(
        pair.bob.encrypt(&[0u8; 100]),
        Err(Error::TooLarge { .. })
    ));
    pair.bob.set_config(&common::config());
    assert_eq!(pair.bob.to_stored().as_bytes(), before.as_bytes());
    // A message under a further new ratchet key with its ciphertext flipped: step 4.2 takes
    // the step on the side, then decryption fails.
    let answer = copy(&pair.bob).encrypt(b"answer").unwrap().encode();
    let mut alice = copy(&pair.alice);
    alice.decrypt_bytes(&mut rng(8), &answer).unwrap();
    let mut further = alice.encrypt(b"further").unwrap().encode();
    let last = further.len() - 1;
    further[last] ^= 1;
    let mut counting = rng(9);
    let untouched = counting.clone();
    assert_eq!(
        pair.bob.decrypt_bytes(&mut counting, &further).unwrap_err(),
        Error::DecryptionFailed
    );
    assert_eq!(pair.bob.to_stored().as_bytes(), before.as_bytes());
    assert_eq!(counting, untouched);
}
