//! Chain keys and KDF_CK (SPEC.md 6.3).

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::chain::message_key::MessageKey;
use crate::primitives::kdf::hmac_sha256;

/// A chain key CK together with the index of the message key it derives next.
/// Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct ChainKey {
    key: [u8; 32],
    index: u32,
}

impl ChainKey {
    pub(crate) fn new(key: [u8; 32], index: u32) -> Self {
        Self { key, index }
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// The index of the message key this chain key derives.
    pub(crate) fn index(&self) -> u32 {
        self.index
    }

    /// MK = HMAC-SHA256(CK, 0x01).
    pub(crate) fn message_key(&self) -> MessageKey {
        MessageKey::new(hmac_sha256(&self.key, &[0x01]))
    }

    /// CK' = HMAC-SHA256(CK, 0x02), for index + 1. Callers never advance past `u32::MAX`
    /// (SPEC.md 8.4), so the index saturates instead of wrapping.
    pub(crate) fn next(&self) -> ChainKey {
        ChainKey {
            key: hmac_sha256(&self.key, &[0x02]),
            index: self.index.saturating_add(1),
        }
    }
}
