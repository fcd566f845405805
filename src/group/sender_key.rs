//! Our own sender key for a group: a chain and a signing key (SPEC.md 15.2).

use rand::CryptoRng;
use zeroize::Zeroizing;

use crate::chain::chain_key::ChainKey;
use crate::identity::{IdentityKey, IdentityKeyPair};

/// Our sender key: its chain id, the chain at the next message to send, and the signing key.
/// Secret; zeroized on drop.
pub(crate) struct OwnSenderKey {
    pub(crate) chain_id: u32,
    pub(crate) chain: ChainKey,
    pub(crate) signing: IdentityKeyPair,
}

impl OwnSenderKey {
    /// A fresh sender key: draws 68 bytes from `rng`: the chain id (4 bytes, big-endian), the
    /// chain key (32), the signing key's Ed25519 seed (32). Its chain starts at iteration 0.
    pub(crate) fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; 68]);
        rng.fill_bytes(bytes.as_mut());
        let mut chain_id = [0u8; 4];
        chain_id.copy_from_slice(&bytes[..4]);
        let mut chain = [0u8; 32];
        chain.copy_from_slice(&bytes[4..36]);
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes[36..68]);
        let key = Self {
            chain_id: u32::from_be_bytes(chain_id),
            chain: ChainKey::new(chain, 0),
            signing: IdentityKeyPair::from_seed(&seed),
        };
        zeroize::Zeroize::zeroize(&mut chain);
        key
    }

    /// The signing key's public half.
    pub(crate) fn signing_key(&self) -> &IdentityKey {
        self.signing.public_key()
    }
}
