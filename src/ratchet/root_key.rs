//! The root key and KDF_RK (SPEC.md 6.2).

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::chain::chain_key::ChainKey;
use crate::primitives::kdf::{INFO_ROOT, hkdf_sha256};
use crate::primitives::x25519::SharedSecret;

/// RK. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct RootKey([u8; 32]);

impl RootKey {
    pub(crate) fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// KDF_RK(RK, dh_out) = HKDF-SHA256(salt = RK, ikm = dh_out, info = "hushwire/v1/root"),
    /// 64 bytes: the next root key, then a chain key starting at index 0.
    pub(crate) fn advance(&self, dh_out: &SharedSecret) -> (RootKey, ChainKey) {
        let mut okm = Zeroizing::new([0u8; 64]);
        hkdf_sha256(&self.0, dh_out.as_bytes(), INFO_ROOT, okm.as_mut());
        let mut root = [0u8; 32];
        let mut chain = [0u8; 32];
        root.copy_from_slice(&okm[..32]);
        chain.copy_from_slice(&okm[32..]);
        let out = (RootKey(root), ChainKey::new(chain, 0));
        root.zeroize();
        chain.zeroize();
        out
    }
}
