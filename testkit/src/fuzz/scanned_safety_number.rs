//! The `scanned_safety_number` target: the decoder of a scanned QR payload and its comparison.

use hushwire::{Error, SAFETY_NUMBER_VERSION, ScannedSafetyNumber, VerificationMethod};
use prost::Message;

use super::Outcome;
use super::fixture::fixture;
use super::verification_fixture::{VERIFICATION_NOW, verification_fixture};
use crate::pb;

/// The longest payload the decoder reads (SPEC.md 12.3 step 1).
const MAX_SCANNED_LEN: usize = 96;

/// `scanned_safety_number`: [`ScannedSafetyNumber::decode`] on arbitrary bytes, then
/// [`hushwire::SafetyNumber::verify_scanned`] on Alice's and on Bob's device.
///
/// Refusals are the decoding errors of SPEC.md 12.3 steps 1-3 (`TooLarge` for anything over
/// 96 bytes), and `verify_scanned` returns the same one. Whatever decodes is strict: it is
/// exactly the prost encoding of `CombinedFingerprints { version, local, remote }` with the
/// halves it decoded to. Only the genuine payload of the peer's screen verifies (so a success
/// implies the input equals it byte for byte), and the proof names the peer's key, method QR
/// code, at the time given; any other payload of another version is
/// `SafetyNumberVersionMismatch`, of version 1 `SafetyNumberMismatch` (one's own screen too).
pub fn scanned_safety_number(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let verification = verification_fixture();
    // The devices: Alice's number and the payload Bob's screen shows her, and the reverse.
    let devices = [
        (
            &verification.on_alice,
            verification.on_bob.scannable(),
            fixture.bob_keys.identity.public_key(),
        ),
        (
            &verification.on_bob,
            verification.on_alice.scannable(),
            fixture.alice_identity.public_key(),
        ),
    ];
    let scanned = match ScannedSafetyNumber::decode(data) {
        Ok(scanned) => scanned,
        Err(error) => {
            assert!(
                super::checks::is_decoding_error(&error),
                "decode returned {error:?}"
            );
            if data.len() > MAX_SCANNED_LEN {
                assert_eq!(
                    error,
                    Error::TooLarge {
                        len: data.len(),
                        max: MAX_SCANNED_LEN
                    }
                );
            }
            for (number, _, _) in &devices {
                assert_eq!(
                    number.verify_scanned(data, VERIFICATION_NOW).err(),
                    Some(error.clone()),
                    "verify_scanned and decode disagree"
                );
            }
            return Outcome::Rejected;
        }
    };
    assert!(data.len() <= MAX_SCANNED_LEN);
    let canonical = pb::CombinedFingerprints {
        version: scanned.version(),
        local_fingerprint: Some(pb::LogicalFingerprint {
            content: scanned.local().to_vec(),
        }),
        remote_fingerprint: Some(pb::LogicalFingerprint {
            content: scanned.remote().to_vec(),
        }),
    }
    .encode_to_vec();
    assert_eq!(canonical, data, "a decoded payload is not canonical");

    let mut outcome = Outcome::Rejected;
    for (number, genuine, peer) in &devices {
        match number.verify_scanned(data, VERIFICATION_NOW) {
            Ok(proof) => {
                assert_eq!(
                    data,
                    genuine.as_slice(),
                    "a payload that is not the peer's verified"
                );
                assert_eq!(proof.identity(), *peer);
                assert_eq!(proof.identity(), number.their_identity());
                assert_eq!(proof.method(), VerificationMethod::QrCode);
                assert_eq!(proof.verified_at(), VERIFICATION_NOW);
                outcome = Outcome::Accepted;
            }
            Err(error) => {
                assert_ne!(
                    data,
                    genuine.as_slice(),
                    "the peer's payload did not verify"
                );
                let expected = if scanned.version() == SAFETY_NUMBER_VERSION {
                    Error::SafetyNumberMismatch
                } else {
                    Error::SafetyNumberVersionMismatch {
                        theirs: scanned.version(),
                        ours: SAFETY_NUMBER_VERSION,
                    }
                };
                assert_eq!(error, expected);
            }
        }
    }
    outcome
}
