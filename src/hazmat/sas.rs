//! The SAS derivations on raw bytes (SPEC.md 12.4.3 to 12.4.5), for test vectors.

use zeroize::Zeroizing;

use crate::verification::sas::derive::{self, Keys};

pub use crate::verification::sas::derive::TRANSACTION_ID_LEN;

/// The responder's commitment: `SHA-256(0x1a || "hushwire/v1/sas/commitment" || txn || K_R)`.
pub fn sas_commitment(transaction_id: &[u8; 16], responder_key: &[u8; 32]) -> [u8; 32] {
    derive::commitment(transaction_id, responder_key)
}

/// The transcript `T = u32be(1) || txn || IK_S || IK_R || K_S || K_R` (148 bytes).
pub fn sas_transcript(
    transaction_id: &[u8; 16],
    identity_starter: &[u8; 32],
    identity_responder: &[u8; 32],
    ephemeral_starter: &[u8; 32],
    ephemeral_responder: &[u8; 32],
) -> Vec<u8> {
    derive::transcript(
        transaction_id,
        &Keys {
            identity_starter,
            identity_responder,
            ephemeral_starter,
            ephemeral_responder,
        },
    )
    .to_vec()
}

/// Reads a transcript back; `None` unless it has the 148 bytes of [`sas_transcript`].
fn transcript_array(transcript: &[u8]) -> Option<[u8; derive::TRANSCRIPT_LEN]> {
    transcript.try_into().ok()
}

/// The 6 SAS bytes: `HKDF(ZERO32, shared, "hushwire/v1/sas/bytes" || T, 6)`. `None` for a
/// transcript of the wrong length.
pub fn sas_bytes(shared: &[u8; 32], transcript: &[u8]) -> Option<Zeroizing<[u8; 6]>> {
    Some(derive::sas_bytes(shared, &transcript_array(transcript)?))
}

/// The starter's MAC key, then the responder's.
pub type MacKeys = (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>);

/// The starter's and the responder's MAC keys:
/// `HKDF(ZERO32, shared, "hushwire/v1/sas/mac-keys" || T, 64)`, split in two. `None` for a
/// transcript of the wrong length.
pub fn sas_mac_keys(shared: &[u8; 32], transcript: &[u8]) -> Option<MacKeys> {
    let (starter, responder) = derive::mac_keys(shared, &transcript_array(transcript)?);
    Some((*starter, *responder))
}

/// `HMAC(mac_key, "hushwire/v1/sas/mac" || IK_sender || IK_receiver)`.
pub fn sas_mac(mac_key: &[u8; 32], sender: &[u8; 32], receiver: &[u8; 32]) -> [u8; 32] {
    derive::mac(mac_key, sender, receiver)
}

/// The 7 emoji indices of 6 SAS bytes.
pub fn sas_emoji_indices(bytes: &[u8; 6]) -> [u8; 7] {
    derive::emoji_indices(bytes)
}

/// The 3 numbers of 6 SAS bytes (the sixth byte is unused).
pub fn sas_decimals(bytes: &[u8; 6]) -> [u16; 3] {
    derive::decimals(bytes)
}
