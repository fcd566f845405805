//! Signal's numeric fingerprint algorithm on raw bytes (SPEC.md 12.2): the per-party digest,
//! its 30 displayed digits, and the scannable encoding. [`super::SafetyNumber`] and
//! `hazmat::safety_number` both call these.

use sha2::{Digest, Sha512};
use subtle::{Choice, ConstantTimeEq};

use crate::Error;
use crate::proto;

/// SHA-512 iterations per party (SPEC.md 12.2), as Signal uses.
pub const SAFETY_NUMBER_ITERATIONS: u32 = 5200;
/// The version prefix hashed first (two zero bytes, Signal's fingerprint version 0).
const HASH_VERSION: [u8; 2] = [0, 0];
/// Bytes of a digest shown as digits: six 5-byte chunks.
const DISPLAYED_LEN: usize = 30;
/// Bytes of a digest in the scannable form.
pub(crate) const SCANNABLE_LEN: usize = 32;
/// Largest scannable payload we decode: the 74 bytes of a valid one, with room for a
/// varint version of any size.
pub(crate) const MAX_SCANNABLE_LEN: usize = 96;

/// The digest of one party: `H_1 = SHA-512(0x0000 || key || id || key)`, then
/// `H_i = SHA-512(H_{i-1} || key)` up to `H_iterations` (an `iterations` of 0 counts as 1).
pub(crate) fn digest(iterations: u32, key: &[u8], id: &[u8]) -> [u8; 64] {
    let mut hash = Sha512::new();
    hash.update(HASH_VERSION);
    hash.update(key);
    hash.update(id);
    hash.update(key);
    let mut out: [u8; 64] = hash.finalize().into();
    for _ in 1..iterations {
        let mut hash = Sha512::new();
        hash.update(out);
        hash.update(key);
        out = hash.finalize().into();
    }
    out
}

/// The 30 digits of one party: six big-endian 5-byte chunks of the digest, each mod 100000,
/// zero-padded to 5 digits.
pub(crate) fn digits(digest: &[u8; 64]) -> String {
    let mut out = String::with_capacity(DISPLAYED_LEN);
    for chunk in digest[..DISPLAYED_LEN].chunks_exact(5) {
        let value = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        out.push_str(&format!("{:05}", value % 100_000));
    }
    out
}

/// The 60 digits both parties see: the two halves in ascending order.
pub(crate) fn combined_digits(local: &str, remote: &str) -> String {
    if local <= remote {
        format!("{local}{remote}")
    } else {
        format!("{remote}{local}")
    }
}

/// The scannable encoding: `CombinedFingerprints { version, local[0..32], remote[0..32] }`.
pub(crate) fn scannable(version: u32, local: &[u8; 64], remote: &[u8; 64]) -> Vec<u8> {
    let half = |digest: &[u8; 64]| proto::LogicalFingerprint {
        content: digest[..SCANNABLE_LEN].to_vec(),
    };
    prost::Message::encode_to_vec(&proto::CombinedFingerprints {
        version,
        local_fingerprint: Some(half(local)),
        remote_fingerprint: Some(half(remote)),
    })
}

/// A scanned payload, decoded strictly but not yet compared (SPEC.md 12.3 steps 1-4).
pub(crate) struct Scanned {
    pub(crate) version: u32,
    pub(crate) local: [u8; SCANNABLE_LEN],
    pub(crate) remote: [u8; SCANNABLE_LEN],
}

/// Decodes a scanned payload: strict decoding, both halves present and 32 bytes long. The
/// version is returned, not checked: the comparison reports a mismatch of versions.
pub(crate) fn decode_scanned(bytes: &[u8]) -> Result<Scanned, Error> {
    let message: proto::CombinedFingerprints = proto::decode_strict(bytes, MAX_SCANNABLE_LEN)?;
    let half = |part: Option<proto::LogicalFingerprint>, field, content| {
        let part = part.ok_or(Error::MissingField { field })?;
        part.content
            .as_slice()
            .try_into()
            .map_err(|_| Error::InvalidLength {
                field: content,
                expected: SCANNABLE_LEN,
                found: part.content.len(),
            })
    };
    let local = half(
        message.local_fingerprint,
        "local_fingerprint",
        "local_fingerprint.content",
    );
    let remote = half(
        message.remote_fingerprint,
        "remote_fingerprint",
        "remote_fingerprint.content",
    );
    // Both presences first, then both lengths (SPEC.md 12.3 steps 2 and 3).
    let (local, remote) = match (local, remote) {
        (Err(e @ Error::MissingField { .. }), _) | (_, Err(e @ Error::MissingField { .. })) => {
            return Err(e);
        }
        (local, remote) => (local?, remote?),
    };
    Ok(Scanned {
        version: message.version,
        local,
        remote,
    })
}

/// Compares what the other device shows (its local half is our remote one) with ours, in
/// constant time over the digests (SPEC.md 12.3 steps 5-6).
pub(crate) fn compare(
    scanned: &Scanned,
    version: u32,
    local: &[u8; 64],
    remote: &[u8; 64],
) -> Result<(), Error> {
    if scanned.version != version {
        return Err(Error::SafetyNumberVersionMismatch {
            theirs: scanned.version,
            ours: version,
        });
    }
    let same: Choice = scanned.local.ct_eq(&remote[..SCANNABLE_LEN])
        & scanned.remote.ct_eq(&local[..SCANNABLE_LEN]);
    if bool::from(same) {
        Ok(())
    } else {
        Err(Error::SafetyNumberMismatch)
    }
}
