//! The `stored_prekey` target: the stored forms of our own prekeys (SPEC.md 17.2).

use hushwire::{Error, OneTimePreKeyPair, SignedPreKeyPair};
use sha2::{Digest, Sha256};

use super::Outcome;

/// Length of a stored signed prekey (SPEC.md 17.2).
pub const STORED_SIGNED_PREKEY_LEN: usize = 141;
/// Length of a stored one-time prekey (SPEC.md 17.2).
pub const STORED_ONE_TIME_PREKEY_LEN: usize = 69;
/// The checksum labels of SPEC.md 17.2.
const SIGNED_LABEL: &[u8] = b"hushwire/v1/stored-signed-prekey";
const ONE_TIME_LABEL: &[u8] = b"hushwire/v1/stored-one-time-prekey";

/// `content || SHA-256(u8(len(label)) || label || content)` (SPEC.md 17.2), for the signed
/// form (`signed`) or the one-time form.
pub fn stored_prekey_form(signed: bool, content: &[u8]) -> Vec<u8> {
    let label = if signed { SIGNED_LABEL } else { ONE_TIME_LABEL };
    let mut hash = Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(content);
    [content, &hash.finalize()].concat()
}

/// `stored_prekey`: the first byte chooses what the rest is: 0, bytes given as they are to
/// both decoders; 1 (2), the content of a signed (one-time) prekey, given its checksum by
/// the target so that the fuzzer reaches the version byte and the fields; anything else, as
/// 0. Both [`SignedPreKeyPair::from_stored`] and [`OneTimePreKeyPair::from_stored`] must not
/// panic, and must follow SPEC.md 17.2 exactly: a value only for the exact length, a matching
/// checksum and version 1, and then it stores back to the same bytes, its public key
/// recomputed from the secret; `SessionStateCorrupted` for another length or checksum, else
/// `UnsupportedVersion { found }` with the version byte.
pub fn stored_prekey(data: &[u8]) -> Outcome {
    let bytes = match data.split_first() {
        Some((1, content)) => stored_prekey_form(true, content),
        Some((2, content)) => stored_prekey_form(false, content),
        Some((_, rest)) => rest.to_vec(),
        None => Vec::new(),
    };
    let signed = SignedPreKeyPair::from_stored(&bytes);
    check(
        &bytes,
        true,
        signed.as_ref().err(),
        signed.as_ref().ok().map(|pair| {
            assert_eq!(pair.public().id().0.to_be_bytes(), bytes[1..5]);
            assert_eq!(
                pair.public().created_at().as_unix_seconds().to_be_bytes(),
                bytes[5..13]
            );
            assert_eq!(pair.public().signature()[..], bytes[45..109]);
            pair.to_stored().as_bytes().to_vec()
        }),
    );
    let one_time = OneTimePreKeyPair::from_stored(&bytes);
    check(
        &bytes,
        false,
        one_time.as_ref().err(),
        one_time.as_ref().ok().map(|pair| {
            assert_eq!(pair.id().0.to_be_bytes(), bytes[1..5]);
            pair.to_stored().as_bytes().to_vec()
        }),
    );
    if signed.is_ok() || one_time.is_ok() {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}

/// One decoder's result on `bytes` against SPEC.md 17.2: `error`, or the form the loaded pair
/// stores back to.
fn check(bytes: &[u8], signed: bool, error: Option<&Error>, restored: Option<Vec<u8>>) {
    let len = if signed {
        STORED_SIGNED_PREKEY_LEN
    } else {
        STORED_ONE_TIME_PREKEY_LEN
    };
    let intact = bytes.len() == len && stored_prekey_form(signed, &bytes[..len - 32]) == bytes;
    match (error, restored) {
        (None, Some(restored)) => {
            assert!(intact && bytes[0] == 1, "a damaged stored prekey loaded");
            assert_eq!(restored, bytes, "a loaded prekey does not store back");
        }
        (Some(Error::SessionStateCorrupted), None) => {
            assert!(!intact, "an intact stored prekey was called corrupted");
        }
        (Some(Error::UnsupportedVersion { found }), None) => {
            assert!(intact, "the version was checked before the checksum");
            assert_ne!(bytes[0], 1);
            assert_eq!(*found, u32::from(bytes[0]));
        }
        (error, _) => panic!("from_stored returned {error:?}"),
    }
}
