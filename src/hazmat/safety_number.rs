//! Signal's numeric fingerprint algorithm on raw bytes (SPEC.md 12.2, 12.3), for checking it
//! against Signal's published known-answer tests, where the keys are Signal's 33-byte
//! encoding (`0x05 || X25519 key`). hushwire's own input for an identity key is
//! [`fingerprint_key`].

use crate::identity::IdentityKey;
use crate::verification::fingerprint;

/// One party's 64-byte digest: `SHA-512` iterated `iterations` times over `0x0000 || key ||
/// id || key`, then the previous digest and `key` (an `iterations` of 0 counts as 1).
pub fn digest(iterations: u32, key: &[u8], id: &[u8]) -> [u8; 64] {
    fingerprint::digest(iterations, key, id)
}

/// The 60 digits both parties see: each party's 30 digits, in ascending order.
pub fn displayable(
    iterations: u32,
    local_key: &[u8],
    local_id: &[u8],
    remote_key: &[u8],
    remote_id: &[u8],
) -> String {
    let local = fingerprint::digits(&fingerprint::digest(iterations, local_key, local_id));
    let remote = fingerprint::digits(&fingerprint::digest(iterations, remote_key, remote_id));
    fingerprint::combined_digits(&local, &remote)
}

/// The scannable encoding: `CombinedFingerprints { version, local digest[0..32], remote
/// digest[0..32] }`.
pub fn scannable(
    version: u32,
    iterations: u32,
    local_key: &[u8],
    local_id: &[u8],
    remote_key: &[u8],
    remote_id: &[u8],
) -> Vec<u8> {
    fingerprint::scannable(
        version,
        &fingerprint::digest(iterations, local_key, local_id),
        &fingerprint::digest(iterations, remote_key, remote_id),
    )
}

/// The fingerprint input for a hushwire identity key: `0xED || Encode(IK)` (33 bytes).
pub fn fingerprint_key(identity: &IdentityKey) -> [u8; 33] {
    crate::verification::safety_number::fingerprint_key(identity)
}
