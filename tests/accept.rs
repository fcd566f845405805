//! The store-free accept: `Session::accept` takes the prekey secrets and returns an
//! `Acceptance`, which releases the session only once the caller's commit (the one-time prekey's
//! delete) has succeeded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::{Acceptance, Error, OneTimePreKeyId, PreKeyStore, Session, SignedPreKeyId};

/// Bob with one-time prekey 7, Alice's first message to him, and the prekeys it names.
fn first_message(seed: u64) -> (Responder, hushwire::PreKeyMessage) {
    let mut rng = rng(seed);
    let bob = responder(&mut rng, true);
    let mut alice = initiator(&mut rng, &bob.bundle);
    let first = prekey(alice.encrypt(b"first").unwrap());
    (bob, first)
}

/// The store-free accept of `first` with Bob's signed prekey and one-time prekey 7, taken from
/// his store as a database-backed caller would look them up.
fn accept(bob: &Responder, first: &hushwire::PreKeyMessage, rng: &mut ChaCha20Rng) -> Acceptance {
    let spk = bob.store.signed_prekey(SignedPreKeyId(1)).unwrap();
    let otk = bob.store.one_time_prekey(OneTimePreKeyId(7)).unwrap();
    Session::accept(rng, &bob.identity, spk, Some(otk), None, first, &config()).unwrap()
}

#[test]
fn accept_touches_no_store_and_complete_runs_the_commit_once() {
    let (mut bob, first) = first_message(1);
    let mut rng = rng(2);
    let acceptance = accept(&bob, &first, &mut rng);
    assert_eq!(acceptance.one_time_prekey_id(), Some(OneTimePreKeyId(7)));
    assert_eq!(acceptance.their_identity(), first.identity_key());
    let mut calls = Vec::new();
    let mut kept = None;
    let (session, plaintext) = acceptance
        .complete(|uses, stored| {
            calls.push(uses.one_time_prekey);
            assert_eq!(
                uses.kem_prekey, None,
                "a classic first message used no KEM prekey"
            );
            kept = Some(stored);
            bob.store.use_prekeys(uses)
        })
        .unwrap();
    assert_eq!(plaintext, b"first");
    assert_eq!(calls, vec![Some(OneTimePreKeyId(7))]);
    assert!(!session.is_initiator());
    // The commit step was handed exactly the state the session is in.
    assert_eq!(kept.unwrap(), session.to_stored());
    assert_eq!(bob.store.one_time_prekeys_left(), 0);
}

#[test]
fn a_failed_commit_returns_no_session() {
    let (bob, first) = first_message(3);
    let mut rng = rng(4);
    let acceptance = accept(&bob, &first, &mut rng);
    let raced = Error::OneTimePreKeyConsumed { id: 7 };
    let result = acceptance.complete(|_, _| Err(raced.clone()));
    assert_eq!(result.map(|_| ()), Err(raced));
}

#[test]
fn a_dropped_acceptance_consumes_nothing() {
    let (mut bob, first) = first_message(5);
    let mut rng = rng(6);
    {
        let acceptance = accept(&bob, &first, &mut rng);
        drop(acceptance);
    }
    assert_eq!(bob.store.one_time_prekeys_left(), 1);
    let (_, plaintext) = bob.accept(&mut rng, &first).unwrap();
    assert_eq!(plaintext, b"first");
    assert_eq!(bob.store.one_time_prekeys_left(), 0);
}

#[test]
fn a_removed_signed_prekey_is_unknown_to_later_first_messages() {
    let (mut bob, first) = first_message(11);
    let removed = bob.store.remove_signed_prekey(SignedPreKeyId(1));
    assert_eq!(removed.map(|key| key.id()), Some(SignedPreKeyId(1)));
    assert!(bob.store.remove_signed_prekey(SignedPreKeyId(1)).is_none());
    let mut rng = rng(12);
    assert_eq!(
        bob.accept(&mut rng, &first).map(|_| ()),
        Err(Error::UnknownSignedPreKey { id: 1 })
    );
    assert_eq!(bob.store.one_time_prekeys_left(), 1);
}
