//! The `accept` target: first messages to a fresh copy of Bob's store.

use hushwire::{Envelope, Error, KemPreKeyKind, PreKeyStore, Session};

use super::Outcome;
use super::checks::rng;
use super::fixture::fixture;
use super::hybrid_fixture::hybrid_fixture;
use crate::conversation::Side;

/// `accept`: bytes decoded as an envelope, then [`Session::accept_with_store`] on a fresh copy
/// of Bob's store, which also holds his last-resort and one-time KEM prekeys (the hybrid
/// fixture's). The fixture's configuration allows both set-ups; a classic first message must
/// also be refused, with the store unchanged, under the default policy
/// ([`Error::PostQuantumRequired`], or the error of a prekey look-up, which comes first). On error the store is unchanged; on success the plaintext
/// is genuine, the one-time prekeys (if any) are consumed, and accepting the same message
/// again fails: with [`Error::OneTimePreKeyConsumed`] if it named a one-time prekey, else
/// with [`Error::KemPreKeyConsumed`] for a one-time KEM prekey and [`Error::KemPreKeyReused`]
/// for the last-resort one (its base key recorded); a classic message without a one-time
/// prekey makes a second session (the documented replay limitation of X3DH).
pub fn accept(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let hybrid = hybrid_fixture();
    let config = fixture.config;
    let Ok(Envelope::PreKey(message)) = Envelope::decode(data, &config) else {
        return Outcome::Rejected;
    };
    let mut store = hybrid.store();
    let before = format!("{store:?}");
    let left = store.one_time_prekeys_left();
    let kem_left = store.one_time_kem_prekeys_left();
    let mut rng = rng();
    if message.kem().is_none() {
        // Refused, and the store unchanged. `accept_with_store` looks the named prekeys up
        // before `accept` checks the policy, so a look-up error may come first.
        let refused = Session::accept_with_store(
            &mut rng,
            &fixture.bob_keys.identity,
            &mut store,
            &message,
            &hybrid.config,
        )
        .err();
        assert!(
            matches!(
                refused,
                Some(
                    Error::PostQuantumRequired
                        | Error::UnknownSignedPreKey { .. }
                        | Error::UnknownOneTimePreKey { .. }
                        | Error::OneTimePreKeyConsumed { .. }
                )
            ),
            "a classic first message under the default policy: {refused:?}"
        );
        assert_eq!(format!("{store:?}"), before);
    }
    match Session::accept_with_store(
        &mut rng,
        &fixture.bob_keys.identity,
        &mut store,
        &message,
        &config,
    ) {
        Err(error) => {
            assert_eq!(
                format!("{store:?}"),
                before,
                "store changed after {error:?}"
            );
            assert_eq!(store.one_time_prekeys_left(), left);
            assert_eq!(store.one_time_kem_prekeys_left(), kem_left);
            match error {
                Error::UnknownSignedPreKey { id } => {
                    assert_eq!(id, message.signed_prekey_id().0);
                    assert!(store.signed_prekey(message.signed_prekey_id()).is_none());
                }
                Error::UnknownKemPreKey { id } | Error::KemPreKeyConsumed { id } => {
                    let named = message.kem().map(|kem| kem.prekey_id().0);
                    assert_eq!(Some(id), named, "{error:?} for a KEM prekey not named");
                    assert!(store.kem_prekey(hushwire::KemPreKeyId(id)).is_err());
                }
                Error::KemPreKeyReused { .. } => {
                    panic!("a fresh store has recorded no base key")
                }
                _ => {}
            }
            Outcome::Rejected
        }
        Ok((session, plaintext)) => {
            assert!(
                fixture.ever_sent_to(Side::Bob, &plaintext) || hybrid.sent_first(&plaintext),
                "accepted a first message nobody sent: {plaintext:?}"
            );
            assert_eq!(session.their_identity(), message.identity_key());
            assert_eq!(
                session.our_identity(),
                fixture.bob_keys.identity.public_key()
            );
            assert!(!session.is_initiator() && session.has_received());
            let bytes = session.to_stored();
            assert_eq!(
                Session::from_stored(bytes.as_bytes(), &config)
                    .unwrap()
                    .to_stored(),
                bytes
            );
            let after = format!("{store:?}");
            let again = Session::accept_with_store(
                &mut rng,
                &fixture.bob_keys.identity,
                &mut store,
                &message,
                &config,
            );
            // The KEM prekey's use, as the store holds it now.
            let kem = message.kem().map(|kem| {
                let id = kem.prekey_id();
                let kind = match store.kem_prekey(id) {
                    Ok(key) => {
                        assert_eq!(
                            key.kind(),
                            KemPreKeyKind::LastResort,
                            "a one-time KEM prekey survived its use"
                        );
                        KemPreKeyKind::LastResort
                    }
                    Err(error) => {
                        assert_eq!(error, Error::KemPreKeyConsumed { id: id.0 });
                        KemPreKeyKind::OneTime
                    }
                };
                (id, kind)
            });
            let kem_used = usize::from(matches!(kem, Some((_, KemPreKeyKind::OneTime))));
            assert_eq!(store.one_time_kem_prekeys_left(), kem_left - kem_used);
            match (message.one_time_prekey_id(), kem) {
                (Some(id), _) => {
                    assert_eq!(store.one_time_prekeys_left(), left - 1);
                    assert_eq!(
                        store.one_time_prekey(id).err(),
                        Some(Error::OneTimePreKeyConsumed { id: id.0 })
                    );
                    assert_eq!(again.err(), Some(Error::OneTimePreKeyConsumed { id: id.0 }));
                    assert_eq!(format!("{store:?}"), after);
                }
                (None, Some((id, kind))) => {
                    assert_eq!(store.one_time_prekeys_left(), left);
                    let expected = match kind {
                        KemPreKeyKind::OneTime => Error::KemPreKeyConsumed { id: id.0 },
                        KemPreKeyKind::LastResort => Error::KemPreKeyReused { id: id.0 },
                    };
                    assert_eq!(again.err(), Some(expected), "a hybrid replay");
                    assert_eq!(format!("{store:?}"), after);
                }
                (None, None) => {
                    assert_eq!(store.one_time_prekeys_left(), left);
                    let (_, replayed) = again.expect(
                        "a first message without a one-time prekey can be replayed (SECURITY.md)",
                    );
                    assert_eq!(replayed, plaintext);
                }
            }
            Outcome::Accepted
        }
    }
}
