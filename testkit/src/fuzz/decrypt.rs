//! The `decrypt` target: arbitrary bytes to `Session::decrypt_bytes`.

use super::Outcome;
use super::checks::decrypt_checked;
use super::fixture::fixture;
use crate::conversation::Side;

/// `decrypt`: arbitrary bytes to [`Session::decrypt_bytes`](hushwire::Session::decrypt_bytes) on both sides of the established
/// pair. A failed decrypt leaves the state unchanged; a successful one yields a genuine
/// plaintext, once.
pub fn decrypt(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let mut decrypted = false;
    for side in [Side::Alice, Side::Bob] {
        let genuine = |p: &[u8]| fixture.in_flight_to(side, p);
        decrypted |= decrypt_checked(side, fixture.session(side), genuine, |session, rng| {
            session.decrypt_bytes(rng, data)
        });
    }
    if decrypted {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}
