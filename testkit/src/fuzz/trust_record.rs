//! The `trust_record` target: a stored trust record, and the trust-on-first-use decision on it.

use hushwire::{
    AccountId, Error, IdentityChange, IdentityKey, InMemoryTrustStore, KeyChangePolicy,
    Observation, Timestamp, TrustLevel, TrustOnFirstUse, TrustRecord, TrustStore, observe_identity,
};

use super::Outcome;
use super::verification_fixture::{VERIFICATION_NOW, verification_fixture};

/// `trust_record`: [`TrustRecord::from_bytes`] on arbitrary bytes; what loads stores back to
/// exactly the input. The loaded record then meets the fixture's keys (Alice's, Bob's,
/// Carol's, its own and its previous one) and proofs, through the pure decision
/// ([`observe_identity`], [`TrustRecord::acknowledge`], [`TrustRecord::verify`],
/// [`KeyChangePolicy::check_send`]) and through [`TrustOnFirstUse`] over an
/// [`InMemoryTrustStore`], checking SPEC.md 12.6:
///
/// - observing the record's own key is `Unchanged`; any other key is `Changed`, whose record
///   holds the new key, first seen now, level `Changed` with `previous` = the old key and
///   `previous_was_verified` = (the old record was verified, or was a change that had lost a
///   verification), and whose event says the same; a verification never carries over to the
///   new key, and a second change does not forget the loss;
/// - acknowledging or verifying works only for the record's own key (`IdentityMismatch`
///   otherwise, nothing changed); acknowledging turns only a change into unverified;
///   verifying makes the level the proof's method and time;
/// - `HoldUntilAcknowledged` refuses sending exactly while the record is changed
///   (`IdentityChanged { was_verified }`), `WarnOnly` never;
/// - every record made this way stores and loads back unchanged;
/// - `TrustOnFirstUse` reaches the same decisions and stores what the decision says.
pub fn trust_record(data: &[u8]) -> Outcome {
    let record = match TrustRecord::from_bytes(data) {
        Ok(record) => record,
        Err(error) => {
            assert!(
                super::checks::is_decoding_error(&error) || error == Error::InvalidTrustRecord,
                "from_bytes returned {error:?}"
            );
            if data.len() > hushwire::MAX_TRUST_RECORD_LEN {
                assert_eq!(
                    error,
                    Error::TooLarge {
                        len: data.len(),
                        max: hushwire::MAX_TRUST_RECORD_LEN
                    }
                );
            }
            return Outcome::Rejected;
        }
    };
    assert_eq!(
        record.to_bytes(),
        data,
        "a loaded record does not store back"
    );
    if let TrustLevel::Changed { previous, .. } = record.level() {
        assert_ne!(
            &previous,
            record.identity(),
            "a change to the same key loaded"
        );
    }
    let _ = format!("{record:?}");

    let verification = verification_fixture();
    let peer = &verification.bob_id;
    let now = Timestamp::from_unix_seconds(VERIFICATION_NOW.as_unix_seconds() + 7);
    let mut keys = verification.keys().to_vec();
    keys.push(*record.identity());
    if let TrustLevel::Changed { previous, .. } = record.level() {
        keys.push(previous);
    }

    check_record(&record, &keys, now);
    for key in &keys {
        let next = observe(peer, &record, key, now);
        if let Some((changed, _)) = next {
            check_record(&changed, &keys, now);
            // Back to the old key: a second change, which does not forget a lost
            // verification.
            let back = observe(peer, &changed, record.identity(), now)
                .expect("the old key differs from the new one");
            assert_eq!(
                back.0.level(),
                TrustLevel::Changed {
                    previous: *key,
                    previous_was_verified: lost_verification(&record),
                }
            );
        }
        check_tofu(peer, &record, key, now);
    }
    // A first use, with no record.
    for key in &keys {
        match observe_identity(peer, None, key, now) {
            Observation::New(first) => {
                assert_eq!(first.identity(), key);
                assert_eq!(first.first_seen(), now);
                assert_eq!(first.level(), TrustLevel::Unverified);
                assert_eq!(TrustRecord::from_bytes(&first.to_bytes()), Ok(first));
            }
            other => panic!("no record gave {other:?}"),
        }
    }
    Outcome::Accepted
}

/// Whether replacing `record`'s key loses a verification (SPEC.md 12.6).
fn lost_verification(record: &TrustRecord) -> bool {
    match record.level() {
        TrustLevel::Verified { .. } => true,
        TrustLevel::Changed {
            previous_was_verified,
            ..
        } => previous_was_verified,
        _ => false,
    }
}

/// `observe_identity` with a record: `None` for `Unchanged` (checked to be the record's key),
/// else the changed record and its event, checked against SPEC.md 12.6.
fn observe(
    peer: &AccountId,
    record: &TrustRecord,
    seen: &IdentityKey,
    now: Timestamp,
) -> Option<(TrustRecord, IdentityChange)> {
    match observe_identity(peer, Some(record), seen, now) {
        Observation::Unchanged => {
            assert_eq!(seen, record.identity(), "a new key was Unchanged");
            None
        }
        Observation::Changed {
            record: next,
            change,
        } => {
            assert_ne!(seen, record.identity(), "the same key was a change");
            let lost = lost_verification(record);
            assert_eq!(next.identity(), seen);
            assert_eq!(next.first_seen(), now);
            assert!(
                !next.is_verified(),
                "a verification carried over to a new key"
            );
            assert_eq!(
                next.level(),
                TrustLevel::Changed {
                    previous: *record.identity(),
                    previous_was_verified: lost,
                }
            );
            assert_eq!(
                change,
                IdentityChange {
                    peer: peer.clone(),
                    previous: *record.identity(),
                    new: *seen,
                    was_verified: lost,
                    seen_at: now,
                }
            );
            // Seen again: no second event.
            assert_eq!(
                observe_identity(peer, Some(&next), seen, now),
                Observation::Unchanged
            );
            Some((next, change))
        }
        Observation::Refused => {
            assert!(
                record.business().is_some(),
                "an unbound record refused a key"
            );
            assert_ne!(seen, record.identity(), "the same key was refused");
            None
        }
        other => panic!("a stored record gave {other:?}"),
    }
}

/// The operations on one record: storage, the policy, acknowledging and verifying with every
/// key and proof of the fixture.
fn check_record(record: &TrustRecord, keys: &[IdentityKey], now: Timestamp) {
    assert_eq!(
        TrustRecord::from_bytes(&record.to_bytes()).as_ref(),
        Ok(record),
        "a record does not store and load back"
    );
    let changed = match record.level() {
        TrustLevel::Changed {
            previous_was_verified,
            ..
        } => Some(previous_was_verified),
        _ => None,
    };
    assert_eq!(
        KeyChangePolicy::HoldUntilAcknowledged.check_send(record),
        match changed {
            Some(was_verified) => Err(Error::IdentityChanged { was_verified }),
            None => Ok(()),
        }
    );
    assert_eq!(
        KeyChangePolicy::default(),
        KeyChangePolicy::HoldUntilAcknowledged
    );
    assert_eq!(KeyChangePolicy::WarnOnly.check_send(record), Ok(()));
    assert_eq!(
        record.is_verified(),
        matches!(record.level(), TrustLevel::Verified { .. })
    );

    for key in keys {
        match record.acknowledge(key) {
            Ok(next) => {
                assert_eq!(key, record.identity());
                assert_eq!(next.identity(), record.identity());
                assert_eq!(next.first_seen(), record.first_seen());
                match changed {
                    Some(_) => assert_eq!(next.level(), TrustLevel::Unverified),
                    None => assert_eq!(&next, record),
                }
                assert_eq!(
                    KeyChangePolicy::HoldUntilAcknowledged.check_send(&next),
                    Ok(())
                );
                assert_eq!(TrustRecord::from_bytes(&next.to_bytes()), Ok(next));
            }
            Err(error) => {
                assert_eq!(error, Error::IdentityMismatch);
                assert_ne!(key, record.identity());
            }
        }
    }
    for proof in &verification_fixture().proofs {
        match record.verify(proof) {
            Ok(next) => {
                assert_eq!(proof.identity(), record.identity());
                assert_eq!(next.identity(), record.identity());
                assert_eq!(next.first_seen(), record.first_seen());
                assert_eq!(
                    next.level(),
                    TrustLevel::Verified {
                        method: proof.method(),
                        at: proof.verified_at(),
                    }
                );
                assert!(next.is_verified());
                assert_eq!(
                    KeyChangePolicy::HoldUntilAcknowledged.check_send(&next),
                    Ok(())
                );
                assert_eq!(
                    TrustRecord::from_bytes(&next.to_bytes()).as_ref(),
                    Ok(&next)
                );
                // Verification never carries over: any other key loses it.
                for key in keys.iter().filter(|k| *k != record.identity()) {
                    match observe_identity(&verification_fixture().bob_id, Some(&next), key, now) {
                        Observation::Changed { record, change } => {
                            assert!(!record.is_verified());
                            assert!(change.was_verified);
                        }
                        other => panic!("a new key after a verification gave {other:?}"),
                    }
                }
            }
            Err(error) => {
                assert_eq!(error, Error::IdentityMismatch);
                assert_ne!(proof.identity(), record.identity());
            }
        }
    }
}

/// [`TrustOnFirstUse`] over a store holding `record` sees `key`: the same decision as the pure
/// function, under both policies, and the store holds what it says.
fn check_tofu(peer: &AccountId, record: &TrustRecord, key: &IdentityKey, now: Timestamp) {
    let decision = observe_identity(peer, Some(record), key, now);
    if decision == Observation::Refused {
        // A record bound to a verified business refuses a new key shown without a
        // certificate (SPEC.md 13.6), under either policy, and stores nothing.
        assert!(record.business().is_some() && key != record.identity());
        for policy in [
            KeyChangePolicy::HoldUntilAcknowledged,
            KeyChangePolicy::WarnOnly,
        ] {
            let store = InMemoryTrustStore::new();
            store.save(peer, record).unwrap();
            let tofu = TrustOnFirstUse::new(store, policy);
            assert_eq!(
                tofu.check_send(peer, key, now),
                Err(Error::BusinessKeyChangeRefused)
            );
            assert_eq!(
                tofu.observe(peer, key, now),
                Err(Error::BusinessKeyChangeRefused)
            );
            assert_eq!(tofu.record(peer), Ok(Some(record.clone())));
        }
        return;
    }
    let (stored, change) = match &decision {
        Observation::Unchanged => (record.clone(), None),
        Observation::Changed { record, change } => (record.clone(), Some(change.clone())),
        other => panic!("a stored record gave {other:?}"),
    };
    for policy in [
        KeyChangePolicy::HoldUntilAcknowledged,
        KeyChangePolicy::WarnOnly,
    ] {
        let store = InMemoryTrustStore::new();
        store.save(peer, record).unwrap();
        let tofu = TrustOnFirstUse::new(store, policy);
        assert_eq!(tofu.record(peer), Ok(Some(record.clone())));
        let result = tofu.check_send(peer, key, now);
        assert_eq!(tofu.record(peer), Ok(Some(stored.clone())));
        match policy.check_send(&stored) {
            Ok(()) => assert_eq!(result, Ok(change.clone())),
            Err(error) => assert_eq!(result, Err(error)),
        }
        // Observing (receiving) is never held, and the record is already up to date.
        assert_eq!(tofu.observe(peer, key, now), Ok(None));
        // The person acknowledges the key on record: sending resumes.
        assert_eq!(
            tofu.acknowledge(peer, record.identity()).err(),
            (key != record.identity()).then_some(Error::IdentityMismatch)
        );
        assert_eq!(tofu.acknowledge(peer, key), Ok(()));
        assert_eq!(tofu.check_send(peer, key, now), Ok(None));
        let acknowledged = tofu.record(peer).unwrap().unwrap();
        assert!(
            !matches!(acknowledged.level(), TrustLevel::Changed { .. }),
            "an acknowledged record is still changed"
        );
        for proof in &verification_fixture().proofs {
            let result = tofu.mark_verified(peer, proof);
            if proof.identity() == key {
                assert_eq!(result, Ok(()));
                assert!(tofu.record(peer).unwrap().unwrap().is_verified());
            } else {
                assert_eq!(result, Err(Error::IdentityMismatch));
            }
        }
        assert_eq!(tofu.policy(), policy);
        assert_eq!(tofu.store().len(), 1);
    }
    // No record at all: acknowledging or verifying has nothing to act on.
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    assert_eq!(tofu.acknowledge(peer, key), Err(Error::IdentityMismatch));
    assert!(tofu.store().is_empty());
}
