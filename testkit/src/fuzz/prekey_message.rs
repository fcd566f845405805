//! The `prekey_message` target: PreKeyMessages on both sides.

use hushwire::{Envelope, Error, IdentityKey, KemCiphertext, X25519PublicKey};

use super::Outcome;
use super::checks::{decrypt_checked, rng};
use super::fixture::fixture;
use crate::conversation::Side;

/// `prekey_message`: bytes decoded as an envelope; a PreKeyMessage is checked field by field,
/// refused by the initiator, and tried on the responder (a repeat of the first message must
/// match what Bob accepted).
pub fn prekey_message(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let Ok(envelope) = Envelope::decode(data, &fixture.config) else {
        return Outcome::Rejected;
    };
    assert_eq!(envelope.encode(), data);
    let Envelope::PreKey(message) = &envelope else {
        return Outcome::Rejected;
    };
    // Every key in it is valid as it stands.
    assert_eq!(
        IdentityKey::from_bytes(&message.identity_key().to_bytes()).as_ref(),
        Ok(message.identity_key())
    );
    assert_eq!(
        X25519PublicKey::from_bytes(message.base_key().as_bytes()).as_ref(),
        Ok(message.base_key())
    );
    if let Some(kem) = message.kem() {
        assert_eq!(
            KemCiphertext::from_bytes(kem.ciphertext().as_bytes()).as_ref(),
            Ok(kem.ciphertext())
        );
    }
    let inner = message.message();
    assert_eq!(
        X25519PublicKey::from_bytes(inner.header().ratchet_key.as_bytes()).as_ref(),
        Ok(&inner.header().ratchet_key)
    );
    assert!(
        inner.ciphertext().len() >= 16,
        "ciphertext shorter than the tag"
    );

    // The initiator never takes a PreKeyMessage.
    for alice in [&fixture.alice, &fixture.alice_initial] {
        let mut alice = crate::fixtures::copy(alice);
        let before = alice.to_stored();
        assert_eq!(
            alice.decrypt(&mut rng(), &envelope),
            Err(Error::PreKeyMessageMismatch)
        );
        assert_eq!(alice.to_stored(), before);
    }
    // Bob right after accepting the first message may get anything Alice sent since; the
    // established Bob only what is still in flight.
    let mut decrypted = false;
    let in_flight = |p: &[u8]| fixture.in_flight_to(Side::Bob, p);
    let not_first = |p: &[u8]| {
        fixture.ever_sent_to(Side::Bob, p) && p != fixture.delivered[0].plaintext.as_slice()
    };
    for (bob, genuine) in [
        (&fixture.bob, &in_flight as &dyn Fn(&[u8]) -> bool),
        (&fixture.bob_fresh, &not_first),
    ] {
        decrypted |= decrypt_checked(Side::Bob, bob, genuine, |session, rng| {
            let result = session.decrypt(rng, &envelope);
            if result.is_ok() {
                assert_eq!(message.identity_key(), session.their_identity());
            }
            result
        });
    }
    if decrypted {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}
