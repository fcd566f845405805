//! The Double Ratchet header and the AEAD associated data built from it (SPEC.md 6.5).

use crate::x3dh::{AD_LEN, AssociatedData};
use crate::x25519::{X25519_LEN, X25519PublicKey};

/// Version byte at the start of the encoded header.
const HEADER_VERSION: u8 = 1;

/// Length of the encoded header: version, ratchet key, PN, N.
pub(crate) const HEADER_LEN: usize = 1 + X25519_LEN + 4 + 4;

/// Length of the AEAD associated data: two length-prefixed fields.
pub(crate) const AEAD_AD_LEN: usize = 4 + AD_LEN + 4 + HEADER_LEN;

/// The header of a Double Ratchet message. Public: it travels in the clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The sender's current ratchet public key (DHs).
    pub ratchet_key: X25519PublicKey,
    /// PN: the number of messages in the sender's previous sending chain.
    pub previous_counter: u32,
    /// N: this message's index in the sender's current sending chain.
    pub counter: u32,
}

impl Header {
    /// `0x01 || ratchet_key || PN (u32 BE) || N (u32 BE)`.
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = HEADER_VERSION;
        out[1..33].copy_from_slice(self.ratchet_key.as_bytes());
        out[33..37].copy_from_slice(&self.previous_counter.to_be_bytes());
        out[37..41].copy_from_slice(&self.counter.to_be_bytes());
        out
    }

    /// `u32 BE len(AD) || AD || u32 BE len(header) || header`.
    pub(crate) fn aead_associated_data(&self, ad: &AssociatedData) -> [u8; AEAD_AD_LEN] {
        let mut out = [0u8; AEAD_AD_LEN];
        out[..4].copy_from_slice(&(AD_LEN as u32).to_be_bytes());
        out[4..4 + AD_LEN].copy_from_slice(&ad.0);
        out[4 + AD_LEN..8 + AD_LEN].copy_from_slice(&(HEADER_LEN as u32).to_be_bytes());
        out[8 + AD_LEN..].copy_from_slice(&self.encode());
        out
    }
}
