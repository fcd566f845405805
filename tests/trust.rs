//! Trust on first use and key changes (SPEC.md 12.6), where they plug into sessions: before
//! `initiate` (the bundle's key) and after `accept` (the first message's key); verification
//! applied and lost; the two policies; the stored form; a failing store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/mod.rs"]
mod common;

use common::*;
use hushwire::{
    AccountId, Error, IdentityChange, IdentityKeyPair, InMemoryTrustStore, KeyChangePolicy,
    Observation, SafetyNumber, Session, StoreError, Timestamp, TrustLevel, TrustOnFirstUse,
    TrustRecord, TrustStore, VerificationMethod, observe_identity,
};

const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

fn at(offset: u64) -> Timestamp {
    Timestamp::from_unix_seconds(NOW.as_unix_seconds() + offset)
}

fn id(s: &str) -> AccountId {
    AccountId::new(s).unwrap()
}

/// The whole story with real sessions: Alice (a customer) trusts Acme's key on first use
/// before she initiates, verifies it by QR code, then Acme's key changes: the new first
/// message is accepted and the change shown, sending is held until she acknowledges, and the
/// verification is gone.
#[test]
fn first_use_verification_and_a_key_change_with_real_sessions() {
    let mut r = rng(1);
    let acme = responder(&mut r, true);
    let acme_id = id("acme-shoes");
    // Alice is a Responder too (her identity, prekeys and bundle), so that Acme can later
    // start a session to her.
    let alice_side = responder(&mut r, true);
    let alice = &alice_side.identity;
    let alice_id = id("+14155550123");
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());

    // Before initiate: the bundle's key, trusted on first use.
    assert_eq!(
        tofu.check_send(&acme_id, acme.bundle.identity_key(), NOW),
        Ok(None)
    );
    let mut session = Session::initiate(&mut r, alice, &acme.bundle, &config()).unwrap();
    // Acme's backend, after accept: Alice's key, trusted on first use.
    let acme_tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    let first = session.encrypt(b"where is my parcel?").unwrap();
    let mut acme_store = acme.store;
    let (at_acme, _) = Session::accept_with_store(
        &mut r,
        &acme.identity,
        &mut acme_store,
        &prekey(first),
        &config(),
    )
    .unwrap();
    assert_eq!(
        acme_tofu.observe(&alice_id, at_acme.their_identity(), NOW),
        Ok(None)
    );
    assert_eq!(
        acme_tofu.record(&alice_id).unwrap().unwrap().identity(),
        alice.public_key()
    );
    let record = tofu.record(&acme_id).unwrap().unwrap();
    assert_eq!(record.identity(), acme.bundle.identity_key());
    assert_eq!(record.level(), TrustLevel::Unverified);
    assert_eq!(record.first_seen(), NOW);

    // Alice scans Acme's QR code.
    let on_alice = SafetyNumber::new(
        session.our_identity(),
        &alice_id,
        session.their_identity(),
        &acme_id,
    );
    let on_acme = SafetyNumber::new(
        acme.identity.public_key(),
        &acme_id,
        alice.public_key(),
        &alice_id,
    );
    let proof = on_alice
        .verify_scanned(&on_acme.scannable(), at(10))
        .unwrap();
    tofu.mark_verified(&acme_id, &proof).unwrap();
    let record = tofu.record(&acme_id).unwrap().unwrap();
    assert!(record.is_verified());
    assert_eq!(
        record.level(),
        TrustLevel::Verified {
            method: VerificationMethod::QrCode,
            at: at(10)
        }
    );

    // Acme's key changes (a new device, a reinstall, or a server handing out its own key):
    // Acme's new identity starts a session to Alice, and Alice accepts it.
    let new_acme = IdentityKeyPair::generate(&mut r);
    let mut from_acme =
        Session::initiate(&mut r, &new_acme, &alice_side.bundle, &config()).unwrap();
    let first = from_acme.encrypt(b"your parcel is on its way").unwrap();
    let mut alice_store = alice_side.store;
    let (accepted, plaintext) = Session::accept_with_store(
        &mut r,
        &alice_side.identity,
        &mut alice_store,
        &prekey(first),
        &config(),
    )
    .unwrap();
    assert_eq!(plaintext, b"your parcel is on its way");
    // After accept: the change is recorded and shown, receiving goes on.
    let change = tofu
        .observe(&acme_id, accepted.their_identity(), at(20))
        .unwrap()
        .unwrap();
    assert_eq!(
        change,
        IdentityChange {
            peer: acme_id.clone(),
            previous: *acme.identity.public_key(),
            new: *new_acme.public_key(),
            was_verified: true,
            seen_at: at(20),
        }
    );
    // Sending is held, with the lost verification in the error.
    assert_eq!(
        tofu.check_send(&acme_id, accepted.their_identity(), at(21)),
        Err(Error::IdentityChanged { was_verified: true })
    );
    // The old verification does not apply to the new key.
    assert_eq!(
        tofu.mark_verified(&acme_id, &proof),
        Err(Error::IdentityMismatch)
    );
    // Alice acknowledges: sending resumes, unverified.
    tofu.acknowledge(&acme_id, accepted.their_identity())
        .unwrap();
    assert_eq!(
        tofu.check_send(&acme_id, accepted.their_identity(), at(22)),
        Ok(None)
    );
    let record = tofu.record(&acme_id).unwrap().unwrap();
    assert_eq!(record.level(), TrustLevel::Unverified);
    assert_eq!(record.identity(), new_acme.public_key());
    assert_eq!(record.first_seen(), at(20));
}

#[test]
fn warn_only_sends_and_reports_the_change_once() {
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::WarnOnly);
    let peer = id("acme");
    let (old, new) = (
        IdentityKeyPair::from_seed(&[2; 32]),
        IdentityKeyPair::from_seed(&[3; 32]),
    );
    assert_eq!(tofu.check_send(&peer, old.public_key(), NOW), Ok(None));
    let change = tofu
        .check_send(&peer, new.public_key(), at(1))
        .unwrap()
        .unwrap();
    assert!(!change.was_verified);
    assert_eq!(tofu.check_send(&peer, new.public_key(), at(2)), Ok(None));
    // The record still says changed until acknowledged; the policy just does not hold.
    assert!(matches!(
        tofu.record(&peer).unwrap().unwrap().level(),
        TrustLevel::Changed { .. }
    ));
}

/// The decision is pure: the same inputs give the same outputs, and verification never
/// carries over.
#[test]
fn the_decision_is_pure_and_never_carries_verification_over() {
    let peer = id("p");
    let keys: Vec<_> = (1..=4u8)
        .map(|s| *IdentityKeyPair::from_seed(&[s; 32]).public_key())
        .collect();
    let Observation::New(record) = observe_identity(&peer, None, &keys[0], NOW) else {
        panic!("not new")
    };
    assert_eq!(
        observe_identity(&peer, Some(&record), &keys[0], at(5)),
        Observation::Unchanged
    );
    let me = IdentityKeyPair::from_seed(&[9; 32]);
    let proof =
        SafetyNumber::new(me.public_key(), &id("me"), &keys[0], &peer).confirm_compared(at(1));
    let verified = record.verify(&proof).unwrap();
    for (i, key) in keys.iter().enumerate().skip(1) {
        let first = observe_identity(&peer, Some(&verified), key, at(i as u64));
        assert_eq!(
            first,
            observe_identity(&peer, Some(&verified), key, at(i as u64))
        );
        let Observation::Changed { record, change } = first else {
            panic!("not a change")
        };
        assert!(!record.is_verified());
        assert!(change.was_verified);
        assert_eq!(record.identity(), key);
        assert_eq!(
            record.level(),
            TrustLevel::Changed {
                previous: keys[0],
                previous_was_verified: true
            }
        );
        // The lost verification survives a second change, and is gone once acknowledged.
        let Observation::Changed {
            record: twice,
            change,
        } = observe_identity(&peer, Some(&record), &keys[(i % 3) + 1], at(9))
        else {
            panic!("not a change")
        };
        assert!(change.was_verified || keys[(i % 3) + 1] == *key);
        let acknowledged = twice.acknowledge(twice.identity()).unwrap();
        assert_eq!(acknowledged.level(), TrustLevel::Unverified);
        let Observation::Changed { change, .. } =
            observe_identity(&peer, Some(&acknowledged), &keys[0], at(10))
        else {
            panic!("not a change")
        };
        assert!(!change.was_verified);
    }
}

/// Every level stores and loads byte for byte.
#[test]
fn records_round_trip() {
    let peer = id("p");
    let a = *IdentityKeyPair::from_seed(&[1; 32]).public_key();
    let b = *IdentityKeyPair::from_seed(&[2; 32]).public_key();
    let me = IdentityKeyPair::from_seed(&[9; 32]);
    let Observation::New(unverified) = observe_identity(&peer, None, &a, NOW) else {
        panic!()
    };
    let proof = SafetyNumber::new(me.public_key(), &id("me"), &a, &peer).confirm_compared(at(3));
    let verified = unverified.verify(&proof).unwrap();
    let Observation::Changed {
        record: changed, ..
    } = observe_identity(&peer, Some(&verified), &b, at(4))
    else {
        panic!()
    };
    for record in [unverified, verified, changed] {
        let bytes = record.to_bytes();
        assert_eq!(TrustRecord::from_bytes(&bytes).unwrap(), record);
        assert_eq!(TrustRecord::from_bytes(&bytes).unwrap().to_bytes(), bytes);
    }
}

/// A store that fails every write: the error comes back as `Error::Store`, and nothing is
/// recorded.
struct FailingStore(InMemoryTrustStore);

impl TrustStore for FailingStore {
    fn load(&self, peer: &AccountId) -> Result<Option<TrustRecord>, StoreError> {
        self.0.load(peer)
    }
    fn save(&self, _: &AccountId, _: &TrustRecord) -> Result<(), StoreError> {
        Err(StoreError::new("disk full"))
    }
}

#[test]
fn a_failing_store_is_reported() {
    let tofu = TrustOnFirstUse::new(
        FailingStore(InMemoryTrustStore::new()),
        KeyChangePolicy::default(),
    );
    let key = IdentityKeyPair::from_seed(&[1; 32]);
    let error = tofu
        .check_send(&id("p"), key.public_key(), NOW)
        .unwrap_err();
    assert_eq!(error, Error::Store(StoreError::new("disk full")));
    assert_eq!(error.category(), hushwire::ErrorCategory::Store);
    assert!(tofu.store().0.is_empty());
}
