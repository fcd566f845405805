//! The SAS derivations on raw bytes (SPEC.md 12.4.3 to 12.4.5): commitment, transcript, SAS
//! bytes and their display, MAC keys and MACs. The state machine and `hazmat::sas` call these.

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::primitives::hash::labelled_sha256;
use crate::primitives::kdf::{hkdf_sha256, hmac_sha256};

/// The version of the SAS exchange, bound into every derivation.
pub const SAS_VERSION: u32 = 1;
/// Length of a transaction id.
pub const TRANSACTION_ID_LEN: usize = 16;
/// Length of the transcript every derivation binds (SPEC.md 12.4.3).
pub(crate) const TRANSCRIPT_LEN: usize = 4 + TRANSACTION_ID_LEN + 4 * 32;
/// Bytes of SAS output: 42 bits of emoji, 39 of decimals.
pub(crate) const SAS_BYTES_LEN: usize = 6;

/// Label of the responder's commitment (SHA-256, SPEC.md 2.4's labelled form).
pub(crate) const LABEL_COMMITMENT: &[u8] = b"hushwire/v1/sas/commitment";
/// HKDF info prefix of the SAS bytes.
pub(crate) const INFO_SAS: &[u8] = b"hushwire/v1/sas/bytes";
/// HKDF info prefix of the two MAC keys.
pub(crate) const INFO_MAC_KEYS: &[u8] = b"hushwire/v1/sas/mac-keys";
/// Prefix of the data each MAC covers.
pub(crate) const LABEL_MAC: &[u8] = b"hushwire/v1/sas/mac";

const ZERO32: [u8; 32] = [0; 32];

/// `SHA-256(0x1a || "hushwire/v1/sas/commitment" || transaction_id || K_R)`.
pub(crate) fn commitment(
    transaction_id: &[u8; TRANSACTION_ID_LEN],
    responder_key: &[u8; 32],
) -> [u8; 32] {
    labelled_sha256(LABEL_COMMITMENT, &[transaction_id, responder_key])
}

/// Whether `commitment` is the commitment to `responder_key` (constant-time).
pub(crate) fn commitment_matches(
    commitment_bytes: &[u8; 32],
    transaction_id: &[u8; TRANSACTION_ID_LEN],
    responder_key: &[u8; 32],
) -> bool {
    commitment(transaction_id, responder_key)
        .ct_eq(commitment_bytes)
        .into()
}

/// The public keys of a SAS exchange, by role: S is the starter, R the responder.
pub(crate) struct Keys<'a> {
    pub(crate) identity_starter: &'a [u8; 32],
    pub(crate) identity_responder: &'a [u8; 32],
    pub(crate) ephemeral_starter: &'a [u8; 32],
    pub(crate) ephemeral_responder: &'a [u8; 32],
}

/// `T = u32be(1) || transaction_id || IK_S || IK_R || K_S || K_R`.
pub(crate) fn transcript(
    transaction_id: &[u8; TRANSACTION_ID_LEN],
    keys: &Keys<'_>,
) -> [u8; TRANSCRIPT_LEN] {
    let mut t = [0u8; TRANSCRIPT_LEN];
    t[..4].copy_from_slice(&SAS_VERSION.to_be_bytes());
    let mut at = 4;
    for part in [
        &transaction_id[..],
        keys.identity_starter,
        keys.identity_responder,
        keys.ephemeral_starter,
        keys.ephemeral_responder,
    ] {
        t[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    t
}

/// `info || T`, the HKDF info of one derivation.
fn info(prefix: &[u8], transcript: &[u8; TRANSCRIPT_LEN]) -> Vec<u8> {
    [prefix, &transcript[..]].concat()
}

/// `HKDF(ZERO32, shared, "hushwire/v1/sas/bytes" || T, 6)`.
pub(crate) fn sas_bytes(
    shared: &[u8; 32],
    transcript: &[u8; TRANSCRIPT_LEN],
) -> Zeroizing<[u8; SAS_BYTES_LEN]> {
    let mut out = Zeroizing::new([0u8; SAS_BYTES_LEN]);
    hkdf_sha256(&ZERO32, shared, &info(INFO_SAS, transcript), &mut out[..]);
    out
}

/// `HKDF(ZERO32, shared, "hushwire/v1/sas/mac-keys" || T, 64)`: the starter's MAC key, then
/// the responder's, each in its own wiped-on-drop heap allocation.
pub(crate) fn mac_keys(shared: &[u8; 32], transcript: &[u8; TRANSCRIPT_LEN]) -> MacKeyPair {
    let mut okm = Zeroizing::new([0u8; 64]);
    hkdf_sha256(
        &ZERO32,
        shared,
        &info(INFO_MAC_KEYS, transcript),
        &mut okm[..],
    );
    let mut starter = Box::new(Zeroizing::new([0u8; 32]));
    let mut responder = Box::new(Zeroizing::new([0u8; 32]));
    starter.copy_from_slice(&okm[..32]);
    responder.copy_from_slice(&okm[32..]);
    (starter, responder)
}

/// The two MAC keys: the starter's, then the responder's.
pub(crate) type MacKeyPair = (Box<Zeroizing<[u8; 32]>>, Box<Zeroizing<[u8; 32]>>);

/// `HMAC(mac_key, "hushwire/v1/sas/mac" || IK_sender || IK_receiver)`.
pub(crate) fn mac(mac_key: &[u8; 32], sender: &[u8; 32], receiver: &[u8; 32]) -> [u8; 32] {
    hmac_sha256(mac_key, &[LABEL_MAC, sender, receiver].concat())
}

/// The 7 emoji indices: the first 42 bits of the SAS bytes, 6 bits each, most significant
/// first.
pub(crate) fn emoji_indices(bytes: &[u8; SAS_BYTES_LEN]) -> [u8; 7] {
    let n = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let mut out = [0u8; 7];
    for (i, index) in out.iter_mut().enumerate() {
        // 6-bit values: the mask makes the truncation exact.
        *index = ((n >> (42 - 6 * i)) & 0x3f) as u8;
    }
    out
}

/// The three numbers: the first 39 bits of the SAS bytes, 13 bits each, plus 1000.
pub(crate) fn decimals(bytes: &[u8; SAS_BYTES_LEN]) -> [u16; 3] {
    let n = bytes[..5]
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let mut out = [0u16; 3];
    for (i, number) in out.iter_mut().enumerate() {
        // 13-bit values: below 8192, so the sum fits a u16.
        *number = ((n >> (27 - 13 * i)) & 0x1fff) as u16 + 1000;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Matrix's published formulas (three 13-bit groups of B0..B4) as a second route, and
    /// vodozemac's all-zero and all-ones answers.
    #[test]
    fn display_matches_matrix_formulas() {
        assert_eq!(emoji_indices(&[0; 6]), [0; 7]);
        assert_eq!(emoji_indices(&[0xff; 6]), [63; 7]);
        assert_eq!(decimals(&[0; 6]), [1000; 3]);
        assert_eq!(decimals(&[0xff; 6]), [9191; 3]);
        let mut bytes = [0u8; 6];
        for seed in 0u32..2000 {
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = (seed.wrapping_mul(2_654_435_761).rotate_left(5 * i as u32) >> 3) as u8;
            }
            let b: Vec<u16> = bytes.iter().map(|&x| u16::from(x)).collect();
            let expected = [
                ((b[0] << 5) | (b[1] >> 3)) + 1000,
                (((b[1] & 0x7) << 10) | (b[2] << 2) | (b[3] >> 6)) + 1000,
                (((b[3] & 0x3f) << 7) | (b[4] >> 1)) + 1000,
            ];
            assert_eq!(decimals(&bytes), expected);
            // The emoji as base64 would group the bits: 6 bits at a time from the top.
            let e = emoji_indices(&bytes);
            assert_eq!(e[0], bytes[0] >> 2);
            assert_eq!(e[1], ((bytes[0] & 3) << 4) | (bytes[1] >> 4));
            assert_eq!(e[2], ((bytes[1] & 0xf) << 2) | (bytes[2] >> 6));
            assert_eq!(e[3], bytes[2] & 0x3f);
            assert_eq!(e[6], ((bytes[4] & 0xf) << 2) | (bytes[5] >> 6));
        }
    }
}
