//! SHA-256 with a domain-separation label (SPEC.md 2.4): the session id and the stored
//! session's checksum.

use sha2::{Digest, Sha256};

/// Label of the session id (SPEC.md 9.3).
pub(crate) const LABEL_SESSION_ID: &[u8] = b"hushwire/v1/session-id";
/// Label of an issuer certificate's id (SPEC.md 13.2).
pub(crate) const LABEL_ISSUER_CERTIFICATE_ID: &[u8] = b"hushwire/v1/issuer-certificate-id";
/// Label of the stored session's checksum (SPEC.md 9.1).
pub(crate) const LABEL_STORED_SESSION: &[u8] = b"hushwire/v1/stored-session";

/// Label of the checksum that ends a stored session record (SPEC.md 14.6).
pub(crate) const LABEL_STORED_RECORD: &[u8] = b"hushwire/v1/stored-session-record";

/// Label of the checksum that ends a stored group session (SPEC.md 15.6).
pub(crate) const LABEL_STORED_GROUP: &[u8] = b"hushwire/v1/stored-group-session";

/// Label of the checksum that ends a stored signed prekey (SPEC.md 17.2).
pub(crate) const LABEL_STORED_SIGNED_PREKEY: &[u8] = b"hushwire/v1/stored-signed-prekey";

/// Label of the checksum that ends a stored one-time prekey (SPEC.md 17.2).
pub(crate) const LABEL_STORED_ONE_TIME_PREKEY: &[u8] = b"hushwire/v1/stored-one-time-prekey";
/// Checksum label of a stored KEM prekey (SPEC.md 18.6).
pub(crate) const LABEL_STORED_KEM_PREKEY: &[u8] = b"hushwire/v1/stored-kem-prekey";

/// SHA-256(len(label) as one byte || label || parts...). Labels are short constants.
pub(crate) fn labelled_sha256(label: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update([u8::try_from(label.len()).unwrap_or(u8::MAX)]);
    hash.update(label);
    for part in parts {
        hash.update(part);
    }
    hash.finalize().into()
}
