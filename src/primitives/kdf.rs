//! The HKDF-SHA256 and HMAC-SHA256 calls of SPEC.md section 2.4, with their info strings.

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// HKDF info for the X3DH shared key SK (SPEC.md 5.3).
pub(crate) const INFO_X3DH: &[u8] = b"hushwire/v1/x3dh";
/// HKDF info for SK of the hybrid set-up (SPEC.md 18.3).
pub(crate) const INFO_PQXDH: &[u8] = b"hushwire/v1/pqxdh-ml-kem-1024";
/// HKDF info for KDF_RK (SPEC.md 6.2).
pub(crate) const INFO_ROOT: &[u8] = b"hushwire/v1/root";
/// HKDF info for expanding a message key into an AEAD key and nonce (SPEC.md 6.4).
pub(crate) const INFO_MESSAGE_KEY: &[u8] = b"hushwire/v1/message-key";

/// HKDF info of a group message key's expansion (SPEC.md 15.3).
pub(crate) const INFO_GROUP_MESSAGE_KEY: &[u8] = b"hushwire/v1/group-message-key";

/// HKDF-SHA256(salt, ikm, info) filling `out`.
///
/// Every caller asks for at most 64 bytes, far below HKDF-SHA256's limit of 255 * 32, so the
/// length check inside `expand` cannot fail; a failure would leave `out` zeroed rather than panic.
pub(crate) fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) {
    let hk = Hkdf::<Sha256>::new(Some(salt), ikm);
    if hk.expand(info, out).is_err() {
        out.fill(0);
    }
}

/// HMAC-SHA256 keyed with a 32-byte key. HMAC pads a key shorter than the 64-byte block with
/// zeros (RFC 2104), so the padded block is the same key; it makes keying infallible without
/// an unwrap.
fn keyed(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = zeroize::Zeroizing::new([0u8; 64]);
    block[..32].copy_from_slice(key);
    <Hmac<Sha256> as KeyInit>::new(&(*block).into())
}

/// HMAC-SHA256(key, data).
pub(crate) fn hmac_sha256(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    let mut mac = keyed(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// (HMAC-SHA256(key, a), HMAC-SHA256(key, b)), keying once: the inner and outer pad blocks are
/// compressed a single time and the keyed state is cloned, which saves two of the eight
/// SHA-256 compressions of a chain step (SPEC.md 6.3). Same bytes as two `hmac_sha256` calls.
pub(crate) fn hmac_sha256_pair(key: &[u8; 32], a: &[u8], b: &[u8]) -> ([u8; 32], [u8; 32]) {
    let mut first = keyed(key);
    let mut second = first.clone();
    first.update(a);
    second.update(b);
    (
        first.finalize().into_bytes().into(),
        second.finalize().into_bytes().into(),
    )
}

/// HKDF-SHA256 of any length, `None` past 255 * 32 bytes (for known-answer tests).
#[cfg(feature = "hazmat")]
pub(crate) fn hkdf_sha256_checked(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    len: usize,
) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    if len > 255 * 32 {
        return None;
    }
    let mut out = zeroize::Zeroizing::new(vec![0u8; len]);
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .ok()?;
    Some(out)
}

/// HMAC-SHA256 with a key of any length (for known-answer tests).
#[cfg(feature = "hazmat")]
pub(crate) fn hmac_sha256_any_key(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&[0u8; 64].into()));
    mac.update(data);
    mac.finalize().into_bytes().into()
}
