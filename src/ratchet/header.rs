//! The Double Ratchet header and the AEAD associated data built from it (SPEC.md 6.5).

use crate::primitives::x25519::{X25519_LEN, X25519PublicKey};
use crate::x3dh::{AD_LEN, AssociatedData};

/// Version byte at the start of the encoded header.
const HEADER_VERSION: u8 = 1;

/// Length of the encoded header: version, ratchet key, PN, N.
pub(crate) const HEADER_LEN: usize = 1 + X25519_LEN + 4 + 4;

/// Length of the AEAD associated data of a RatchetMessage: two length-prefixed fields.
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

    /// `LP(AD) || LP(header)`, followed by `LP(prekey info)` for a message carried in a
    /// PreKeyMessage, where `LP(x) = u32 BE len(x) || x` (SPEC.md 6.5). A device message
    /// (SPEC.md 14.5) always has both: `LP(prekey info, or empty) || LP(routing)`.
    pub(crate) fn aead_associated_data(&self, context: &MessageContext) -> Vec<u8> {
        let header = self.encode();
        let routing_len = context.routing.map_or(0, |r| 8 + r.len());
        let mut out = Vec::with_capacity(AEAD_AD_LEN + 4 + HYBRID_PREKEY_INFO_LEN + routing_len);
        push_length_prefixed(&mut out, &context.ad.0);
        push_length_prefixed(&mut out, &header);
        match (&context.prekey, context.routing) {
            (Some(prekey), None) => push_length_prefixed(&mut out, prekey),
            (None, None) => {}
            (prekey, Some(routing)) => {
                push_length_prefixed(&mut out, prekey.unwrap_or(&[]));
                push_length_prefixed(&mut out, routing);
            }
        }
        out
    }
}

fn push_length_prefixed(out: &mut Vec<u8>, field: &[u8]) {
    // Every field is at most a few hundred bytes (the routing of SPEC.md 14.5, at most 538).
    out.extend_from_slice(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(field);
}

/// Length of the encoded X3DH fields of a PreKeyMessage (SPEC.md 6.5): base key, signed
/// prekey id, one-time prekey presence byte and id.
pub(crate) const PREKEY_INFO_LEN: usize = X25519_LEN + 4 + 1 + 4;

/// Length of the encoded fields of a hybrid PreKeyMessage (SPEC.md 18.5): the classic 41
/// bytes, the KEM prekey id and SHA-256 of the KEM ciphertext.
pub(crate) const HYBRID_PREKEY_INFO_LEN: usize = PREKEY_INFO_LEN + 4 + 32;

/// What a message's AEAD associated data binds besides its header: the X3DH AD, for a
/// message carried in a PreKeyMessage that message's X3DH fields, and for a device message its
/// routing (SPEC.md 14.5).
pub(crate) struct MessageContext<'a> {
    pub(crate) ad: AssociatedData,
    pub(crate) prekey: Option<&'a [u8]>,
    pub(crate) routing: Option<&'a [u8]>,
}
