//! The `ratchet_message` target: RatchetMessages on both established sessions.

use hushwire::{Envelope, X25519PublicKey};

use super::Outcome;
use super::checks::decrypt_checked;
use super::fixture::fixture;
use crate::conversation::Side;

/// `ratchet_message`: bytes decoded as an envelope; a RatchetMessage is checked and tried on
/// both established sessions with [`Session::decrypt`](hushwire::Session::decrypt).
pub fn ratchet_message(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let Ok(envelope) = Envelope::decode(data, &fixture.config) else {
        return Outcome::Rejected;
    };
    assert_eq!(envelope.encode(), data);
    let Envelope::Ratchet(message) = &envelope else {
        return Outcome::Rejected;
    };
    assert!(
        message.ciphertext().len() >= 16,
        "ciphertext shorter than the tag"
    );
    assert_eq!(
        X25519PublicKey::from_bytes(message.header().ratchet_key.as_bytes()).as_ref(),
        Ok(&message.header().ratchet_key)
    );
    let mut decrypted = false;
    for side in [Side::Alice, Side::Bob] {
        let genuine = |p: &[u8]| fixture.in_flight_to(side, p);
        decrypted |= decrypt_checked(side, fixture.session(side), genuine, |session, rng| {
            session.decrypt(rng, &envelope)
        });
    }
    if decrypted {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}
