//! Trust roots: the keys an app pins, and the root's own key pair (SPEC.md 13.1).

use core::fmt;

use rand::CryptoRng;

use crate::Error;
use crate::business::issuer::{IssuerCertificate, IssuerTemplate};
use crate::business::policy::CertificatePolicy;
use crate::business::revocation::list::RevocationList;
use crate::identity::{IdentityKey, IdentityKeyPair, IdentitySeed};
use crate::timestamp::Timestamp;

/// A pinned root: its key id and its Ed25519 public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustRoot {
    key_id: u32,
    key: IdentityKey,
}

impl TrustRoot {
    /// The root with `key_id` and `key`.
    pub fn new(key_id: u32, key: IdentityKey) -> Self {
        Self { key_id, key }
    }

    /// The root's key id, which certificates name.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The root's public key.
    pub fn key(&self) -> &IdentityKey {
        &self.key
    }
}

/// The roots an app pins (several, so that roots can rotate: ship the new root, then move the
/// issuers to it), and the app's [`CertificatePolicy`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustRoots {
    roots: Vec<TrustRoot>,
    policy: CertificatePolicy,
}

impl TrustRoots {
    /// Pins `roots`, with the default policy.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"duplicate root key id"`) if two roots share a key id.
    pub fn new(roots: impl IntoIterator<Item = TrustRoot>) -> Result<Self, Error> {
        let roots: Vec<TrustRoot> = roots.into_iter().collect();
        for (i, root) in roots.iter().enumerate() {
            if roots[..i].iter().any(|r| r.key_id == root.key_id) {
                return Err(Error::InvalidCertificate {
                    reason: "duplicate root key id",
                });
            }
        }
        Ok(Self {
            roots,
            policy: CertificatePolicy::default(),
        })
    }

    /// The same roots under `policy`.
    pub fn with_policy(mut self, policy: CertificatePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The policy.
    pub fn policy(&self) -> &CertificatePolicy {
        &self.policy
    }

    /// The pinned roots.
    pub fn roots(&self) -> &[TrustRoot] {
        &self.roots
    }

    /// The root with `key_id`.
    ///
    /// # Errors
    /// [`Error::UnknownTrustRoot`].
    pub(crate) fn get(&self, key_id: u32) -> Result<&IdentityKey, Error> {
        self.roots
            .iter()
            .find(|root| root.key_id == key_id)
            .map(|root| &root.key)
            .ok_or(Error::UnknownTrustRoot { key_id })
    }
}

/// A root's key pair, on the machine that runs the verification process (kept offline). It
/// certifies issuers and revokes them. Zeroized on drop; `Debug` shows only the public key.
pub struct RootKeyPair {
    key_id: u32,
    key: IdentityKeyPair,
}

impl RootKeyPair {
    /// A fresh root key with `key_id`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R, key_id: u32) -> Self {
        Self {
            key_id,
            key: IdentityKeyPair::generate(rng),
        }
    }

    /// Restores a root key from its key id and 32-byte Ed25519 seed.
    pub fn from_seed(key_id: u32, seed: &[u8; 32]) -> Self {
        Self {
            key_id,
            key: IdentityKeyPair::from_seed(seed),
        }
    }

    /// The seed, for storing the key (a secret).
    pub fn to_seed(&self) -> IdentitySeed {
        self.key.to_seed()
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// What apps pin.
    pub fn trust_root(&self) -> TrustRoot {
        TrustRoot::new(self.key_id, *self.key.public_key())
    }

    /// Certifies an issuer (SPEC.md 13.2).
    pub fn certify_issuer(&self, template: &IssuerTemplate) -> IssuerCertificate {
        IssuerCertificate::sign(&self.key, self.key_id, template)
    }

    /// Publishes a revocation list of issuer-certificate serials (SPEC.md 13.4).
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"revoked_serials"`) if `revoked_serials` is not
    /// strictly increasing.
    pub fn revoke(
        &self,
        sequence: u64,
        issued_at: Timestamp,
        revoked_serials: &[u64],
    ) -> Result<RevocationList, Error> {
        RevocationList::sign_as_root(&self.key, self.key_id, sequence, issued_at, revoked_serials)
    }
}

impl fmt::Debug for RootKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootKeyPair")
            .field("key_id", &self.key_id)
            .field("public", self.key.public_key())
            .field("secret", &"<redacted>")
            .finish()
    }
}
