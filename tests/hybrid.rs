//! The hybrid set-up end to end (SPEC.md 18): sessions from bundles with one-time and
//! last-resort KEM prekeys, their stored forms, the policy, and what the KEM secret changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hushwire::hazmat::{pqxdh_initiator, pqxdh_responder, x3dh_initiator};
use hushwire::{
    Config, Envelope, IdentityKeyPair, KemPreKeyId, PostQuantumPolicy, PreKeyStore, Session,
};

fn first_and_session(
    rng: &mut ChaCha20Rng,
    bob: &Responder,
    config: &Config,
) -> (Session, Vec<u8>) {
    let alice = IdentityKeyPair::generate(rng);
    let mut session = Session::initiate(rng, &alice, &bob.bundle, config).unwrap();
    let wire = session.encrypt(b"first").unwrap().encode();
    (session, wire)
}

#[test]
fn hybrid_conversation_with_one_time_kem_prekey() {
    let mut rng = rng(700);
    let mut bob = hybrid_responder(&mut rng, true);
    let config = hybrid_config();
    let (alice, wire) = first_and_session(&mut rng, &bob, &config);
    // Alice's pending state holds the ciphertext, and survives a store and load.
    let stored = alice.to_stored();
    let mut alice = Session::from_stored(stored.as_bytes(), &config).unwrap();
    let second = alice.encrypt(b"second").unwrap().encode();
    let first = prekey(decode(&wire));
    let kem = first.kem().unwrap();
    assert_eq!(kem.prekey_id(), KemPreKeyId(ONE_TIME_KEM_ID));
    assert_eq!(kem.ciphertext().as_bytes().len(), 1568);
    let (bob_session, plaintext) = bob.accept(&mut rng, &first).unwrap();
    assert_eq!(plaintext, b"first");
    assert_eq!(bob_session.id(), alice.id());
    // Both one-time keys are gone; the last-resort one stays.
    assert_eq!(bob.store.one_time_prekeys_left(), 0);
    assert_eq!(bob.store.one_time_kem_prekeys_left(), 0);
    assert!(
        bob.store
            .kem_prekey(KemPreKeyId(LAST_RESORT_KEM_ID))
            .is_ok()
    );
    // The repeated PreKeyMessage decrypts on Bob's session, after a store and load too.
    let mut bob_session =
        Session::from_stored(bob_session.to_stored().as_bytes(), &config).unwrap();
    assert_eq!(
        bob_session.decrypt_bytes(&mut rng, &second).unwrap(),
        b"second"
    );
    // The reply ends the PreKeyMessages, and Alice drops the 1568-byte ciphertext.
    let pending_len = alice.to_stored().len();
    let reply = bob_session.encrypt(b"reply").unwrap().encode();
    assert_eq!(alice.decrypt_bytes(&mut rng, &reply).unwrap(), b"reply");
    assert!(alice.to_stored().len() + 1568 <= pending_len);
    let next = alice.encrypt(b"next").unwrap();
    assert!(matches!(next, Envelope::Ratchet(_)));
    assert_eq!(
        bob_session.decrypt(&mut rng, &next).unwrap(),
        b"next".to_vec()
    );
}

#[test]
fn the_last_resort_kem_prekey_serves_many_initiators() {
    let mut rng = rng(701);
    let mut bob = hybrid_responder(&mut rng, false);
    let config = hybrid_config();
    let mut ciphertexts = Vec::new();
    for i in 0..3u8 {
        let (mut alice, wire) = first_and_session(&mut rng, &bob, &config);
        let first = prekey(decode(&wire));
        assert_eq!(
            first.kem().unwrap().prekey_id(),
            KemPreKeyId(LAST_RESORT_KEM_ID)
        );
        ciphertexts.push(first.kem().unwrap().ciphertext().clone());
        let (mut session, plaintext) = bob.accept(&mut rng, &first).unwrap();
        assert_eq!(plaintext, b"first");
        let reply = session.encrypt(&[i]).unwrap().encode();
        assert_eq!(alice.decrypt_bytes(&mut rng, &reply).unwrap(), vec![i]);
    }
    // Each encapsulation drew its own m: three different ciphertexts.
    assert_ne!(ciphertexts[0], ciphertexts[1]);
    assert_ne!(ciphertexts[1], ciphertexts[2]);
}

#[test]
fn hybrid_sessions_across_providers() {
    let providers = hushwire::provider::CryptoProvider::available();
    assert_eq!(
        providers.len(),
        2,
        "both providers are compiled into the tests"
    );
    for &a in providers {
        for &b in providers {
            let mut rng = rng(702);
            let mut alice_config = Config::default();
            alice_config.provider = a;
            let mut bob = hybrid_responder(&mut rng, true);
            bob.config.provider = b;
            let (mut alice, wire) = first_and_session(&mut rng, &bob, &alice_config);
            let (mut session, plaintext) = bob.accept(&mut rng, &prekey(decode(&wire))).unwrap();
            assert_eq!(plaintext, b"first", "{} -> {}", a.name(), b.name());
            let reply = session.encrypt(b"r").unwrap().encode();
            assert_eq!(alice.decrypt_bytes(&mut rng, &reply).unwrap(), b"r");
        }
    }
}

#[test]
fn optional_policy_allows_classic_and_still_prefers_hybrid() {
    let mut optional = hybrid_config();
    optional.post_quantum = PostQuantumPolicy::Optional;
    let mut rng = rng(703);
    // A classic bundle: a classic session, which a Required responder refuses to accept and
    // an Optional one accepts.
    let mut classic_bob = responder(&mut rng, true);
    let (_, wire) = first_and_session(&mut rng, &classic_bob, &optional);
    let first = prekey(decode(&wire));
    assert!(first.kem().is_none());
    let mut required_store = classic_bob.fresh_store();
    assert_eq!(
        Session::accept_with_store(
            &mut rng,
            &classic_bob.identity,
            &mut required_store,
            &first,
            &hybrid_config()
        )
        .map(|_| ()),
        Err(hushwire::Error::PostQuantumRequired)
    );
    classic_bob.config = optional;
    let (classic_session, _) = classic_bob.accept(&mut rng, &first).unwrap();
    // The policy governs set-ups only: the classic session loads and runs under Required.
    let mut loaded =
        Session::from_stored(classic_session.to_stored().as_bytes(), &hybrid_config()).unwrap();
    loaded.encrypt(b"still works").unwrap();
    // A bundle with a KEM prekey is used under Optional too.
    let bob = hybrid_responder(&mut rng, true);
    let (_, wire) = first_and_session(&mut rng, &bob, &optional);
    assert!(prekey(decode(&wire)).kem().is_some());
}

#[test]
fn hybrid_initiate_draws_ek_then_m_then_the_ratchet_key() {
    // 96 bytes (24 ChaCha words) for a hybrid initiate, 64 for a classic one.
    let mut rng = rng(704);
    let bob = hybrid_responder(&mut rng, true);
    let classic = responder(&mut rng, true);
    let alice = IdentityKeyPair::generate(&mut rng);
    let start = rng.get_word_pos();
    Session::initiate(&mut rng, &alice, &bob.bundle, &hybrid_config()).unwrap();
    assert_eq!(rng.get_word_pos() - start, 24);
    let start = rng.get_word_pos();
    Session::initiate(&mut rng, &alice, &classic.bundle, &config()).unwrap();
    assert_eq!(rng.get_word_pos() - start, 16);
}

#[test]
fn sk_depends_on_the_kem_secret_and_both_sides_agree() {
    let p = provider();
    let alice_seed = [1u8; 32];
    let bob_seed = [2u8; 32];
    let bob = IdentityKeyPair::from_seed(&bob_seed);
    let spk_secret = [3u8; 32];
    let spk = hushwire::hazmat::x25519_public_key(p, &spk_secret);
    let (ek, dk) = hushwire::hazmat::ml_kem_keygen(&[4u8; 64]);
    let base = [5u8; 32];
    let base_public = hushwire::hazmat::x25519_public_key(p, &base);
    let bob_key = bob.public_key().to_bytes();
    let (hybrid, ct) =
        pqxdh_initiator(p, &alice_seed, &base, &[6u8; 32], &bob_key, &spk, None, &ek).unwrap();
    let (other_m, other_ct) =
        pqxdh_initiator(p, &alice_seed, &base, &[7u8; 32], &bob_key, &spk, None, &ek).unwrap();
    let classic = x3dh_initiator(p, &alice_seed, &base, &bob_key, &spk, None).unwrap();
    // Same DH values, different SK: the KEM secret and the info string enter SK.
    assert_eq!(hybrid.dh.len(), classic.dh.len());
    for (h, c) in hybrid.dh.iter().zip(&classic.dh) {
        assert_eq!(h[..], c[..]);
    }
    assert_ne!(hybrid.shared_key[..], classic.shared_key[..]);
    assert_ne!(hybrid.shared_key[..], other_m.shared_key[..]);
    assert_ne!(ct, other_ct);
    let alice_key = IdentityKeyPair::from_seed(&alice_seed)
        .public_key()
        .to_bytes();
    let responder = pqxdh_responder(
        p,
        &bob_seed,
        &spk_secret,
        None,
        &dk,
        &alice_key,
        &base_public,
        &ct,
    )
    .unwrap();
    assert_eq!(responder.shared_key[..], hybrid.shared_key[..]);
    assert_eq!(responder.associated_data, hybrid.associated_data);
}

#[test]
fn hybrid_pair_fixture_runs_the_ratchet() {
    let mut rng = rng(705);
    let mut pair = established_hybrid_pair(&mut rng, hybrid_config());
    for i in 0..20u8 {
        let wire = pair.alice.encrypt(&[i]).unwrap();
        assert_eq!(pair.bob.decrypt(&mut rng, &wire).unwrap(), vec![i]);
        let wire = pair.bob.encrypt(&[i, i]).unwrap();
        assert_eq!(pair.alice.decrypt(&mut rng, &wire).unwrap(), vec![i, i]);
    }
}
