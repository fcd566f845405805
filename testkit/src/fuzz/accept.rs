//! The `accept` target: first messages to a fresh copy of Bob's store.

use hushwire::{Envelope, Error, PreKeyStore, Session};

use super::Outcome;
use super::checks::rng;
use super::fixture::fixture;
use crate::conversation::Side;

/// `accept`: bytes decoded as an envelope, then [`Session::accept`] on a fresh copy of Bob's
/// store. On error the store is unchanged; on success the plaintext is genuine, the one-time
/// prekey (if any) is consumed, and accepting the same message again fails with
/// [`Error::OneTimePreKeyConsumed`] (or, without a one-time prekey, makes a second session:
/// the documented replay limitation of X3DH).
pub fn accept(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let config = fixture.config;
    let Ok(Envelope::PreKey(message)) = Envelope::decode(data, &config) else {
        return Outcome::Rejected;
    };
    let mut store = fixture.store();
    let before = format!("{store:?}");
    let left = store.one_time_prekeys_left();
    let mut rng = rng();
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
            if let Error::UnknownSignedPreKey { id } = error {
                assert_eq!(id, message.signed_prekey_id().0);
                assert!(store.signed_prekey(message.signed_prekey_id()).is_none());
            }
            Outcome::Rejected
        }
        Ok((session, plaintext)) => {
            assert!(
                fixture.ever_sent_to(Side::Bob, &plaintext),
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
            match message.one_time_prekey_id() {
                Some(id) => {
                    assert_eq!(store.one_time_prekeys_left(), left - 1);
                    assert_eq!(
                        store.one_time_prekey(id).err(),
                        Some(Error::OneTimePreKeyConsumed { id: id.0 })
                    );
                    assert_eq!(again.err(), Some(Error::OneTimePreKeyConsumed { id: id.0 }));
                    assert_eq!(format!("{store:?}"), after);
                }
                None => {
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
