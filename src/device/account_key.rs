//! The account key: the long-term key that signs an account's device list (SPEC.md 14.1).

use core::fmt;

use rand::CryptoRng;

use crate::Error;
use crate::identity::{IdentityKey, IdentityKeyPair, IdentitySeed};

/// An account's long-term key pair, which signs its device list. It lives on the primary
/// device or, for a business, in its backend. Its public half is what a safety number is
/// computed over (so adding a device does not change the number) and what a business
/// certificate certifies.
///
/// A distinct type from a device's [`IdentityKeyPair`], so a device key cannot sign a device
/// list by mistake. (A primary may use one Ed25519 key for both roles, as WhatsApp's primary
/// does: [`AccountKeyPair::from_seed`] with the device's seed. The signature contexts keep the
/// two uses apart.) Zeroized on drop; `Debug` shows only the public key.
pub struct AccountKeyPair {
    pair: IdentityKeyPair,
    public: AccountKey,
}

impl AccountKeyPair {
    /// A fresh account key: a 32-byte Ed25519 seed from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::from_pair(IdentityKeyPair::generate(rng))
    }

    /// Restores an account key from its 32-byte Ed25519 seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self::from_pair(IdentityKeyPair::from_seed(seed))
    }

    fn from_pair(pair: IdentityKeyPair) -> Self {
        let public = AccountKey(*pair.public_key());
        Self { pair, public }
    }

    /// The seed, for storing the key. Secret: wiped on drop, redacted in `Debug`.
    pub fn to_seed(&self) -> IdentitySeed {
        self.pair.to_seed()
    }

    /// The public account key.
    pub fn public_key(&self) -> &AccountKey {
        &self.public
    }

    pub(crate) fn pair(&self) -> &IdentityKeyPair {
        &self.pair
    }
}

impl fmt::Debug for AccountKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// An account's public key: what its device lists verify under. Encoded as an Ed25519 public
/// key (SPEC.md 3.1).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccountKey(IdentityKey);

impl AccountKey {
    /// Validates a 32-byte account key.
    ///
    /// # Errors
    /// As [`IdentityKey::from_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        IdentityKey::from_field(bytes, "account_key").map(Self)
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The key as an identity key: what a safety number ([`crate::SafetyNumber::new`]) and trust
    /// on first use take for the account.
    pub fn identity_key(&self) -> &IdentityKey {
        &self.0
    }
}

impl fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountKey(")?;
        crate::primitives::hexfmt::write_hex(f, &self.0.to_bytes())?;
        write!(f, ")")
    }
}
