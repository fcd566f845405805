//! Chain keys and KDF_CK (SPEC.md 6.3).

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::chain::message_key::MessageKey;
use crate::primitives::kdf::{hmac_sha256, hmac_sha256_pair};

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

    /// (MK, CK') together, the chain step of SPEC.md 6.3, keying HMAC once: what a sent or
    /// received message needs.
    pub(crate) fn step(&self) -> (MessageKey, ChainKey) {
        let (message_key, next) = hmac_sha256_pair(&self.key, &[0x01], &[0x02]);
        (
            MessageKey::new(message_key),
            ChainKey {
                key: next,
                index: self.index.saturating_add(1),
            },
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyed-once step gives the bytes of the two separate HMACs of SPEC.md 6.3.
    #[test]
    fn step_is_the_two_hmacs_of_the_spec() {
        for seed in 0..32u8 {
            let key = [seed.wrapping_mul(11); 32];
            let (message_key, next) = ChainKey::new(key, 7).step();
            assert_eq!(*message_key.as_bytes(), hmac_sha256(&key, &[0x01]));
            assert_eq!(*next.as_bytes(), hmac_sha256(&key, &[0x02]));
            assert_eq!(next.index(), 8);
            assert_eq!(ChainKey::new(key, 7).next().as_bytes(), next.as_bytes());
        }
    }
}
