//! Signed and one-time prekeys (SPEC.md section 4.1).

use core::fmt;

use rand::CryptoRng;

use crate::Error;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::primitives::x25519::{X25519PublicKey, X25519Secret};
use crate::signature::{SIGNATURE_LEN, SignatureContext};
use crate::timestamp::Timestamp;

/// The id of a signed prekey, chosen by its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignedPreKeyId(pub u32);

/// The id of a one-time prekey, chosen by its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OneTimePreKeyId(pub u32);

/// Our signed prekey: an X25519 key pair whose public half our identity has signed.
///
/// The secret is zeroized on drop and never printed.
#[derive(Clone)]
pub struct SignedPreKeyPair {
    secret: X25519Secret,
    public: SignedPreKey,
}

impl SignedPreKeyPair {
    /// Generates a signed prekey with `id`, created at `created_at` (seconds since the Unix
    /// epoch), signed by `identity`.
    pub fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        id: SignedPreKeyId,
        created_at: Timestamp,
    ) -> Self {
        let secret = X25519Secret::generate(rng);
        let public_key = secret.builtin_public_key();
        let body = SignedPreKey::signed_body(id, created_at, &public_key);
        let signature = identity.sign(SignatureContext::SignedPreKey, &body);
        Self {
            secret,
            public: SignedPreKey {
                id,
                created_at,
                public_key,
                signature,
            },
        }
    }

    /// The public record to publish.
    pub fn public(&self) -> &SignedPreKey {
        &self.public
    }

    /// The id.
    pub fn id(&self) -> SignedPreKeyId {
        self.public.id
    }

    pub(crate) fn secret(&self) -> &X25519Secret {
        &self.secret
    }

    /// A pair from its parts, as its stored form holds them (SPEC.md 17.2).
    pub(crate) fn from_parts(secret: X25519Secret, public: SignedPreKey) -> Self {
        Self { secret, public }
    }
}

impl fmt::Debug for SignedPreKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedPreKeyPair")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The public half of a signed prekey, with its signature.
///
/// A `SignedPreKey` taken from a peer is trustworthy only inside a [`crate::PreKeyBundle`],
/// whose constructor verifies the signature.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedPreKey {
    id: SignedPreKeyId,
    created_at: Timestamp,
    public_key: X25519PublicKey,
    signature: [u8; SIGNATURE_LEN],
}

impl SignedPreKey {
    /// The id.
    pub fn id(&self) -> SignedPreKeyId {
        self.id
    }

    /// Creation time in seconds since the Unix epoch, as signed.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// The X25519 public key.
    pub fn public_key(&self) -> &X25519PublicKey {
        &self.public_key
    }

    /// The 64-byte Ed25519 signature.
    pub fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }

    /// The signed body (SPEC.md 4.1): `id (u32 BE) || created_at (u64 BE) || public key`.
    fn signed_body(
        id: SignedPreKeyId,
        created_at: Timestamp,
        public_key: &X25519PublicKey,
    ) -> [u8; 44] {
        let mut body = [0u8; 44];
        body[..4].copy_from_slice(&id.0.to_be_bytes());
        body[4..12].copy_from_slice(&created_at.as_unix_seconds().to_be_bytes());
        body[12..].copy_from_slice(public_key.as_bytes());
        body
    }

    /// A signed prekey from parts already checked: our own, read back from its stored form
    /// (SPEC.md 17.2), whose checksum guards the signature.
    pub(crate) fn from_parts(
        id: SignedPreKeyId,
        created_at: Timestamp,
        public_key: X25519PublicKey,
        signature: [u8; SIGNATURE_LEN],
    ) -> Self {
        Self {
            id,
            created_at,
            public_key,
            signature,
        }
    }

    /// Builds a signed prekey from parts and verifies its signature under `identity`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for a signature that is not 64 bytes, and
    /// [`Error::InvalidSignature`] if it does not verify.
    pub fn verified(
        identity: &IdentityKey,
        id: SignedPreKeyId,
        created_at: Timestamp,
        public_key: X25519PublicKey,
        signature: &[u8],
    ) -> Result<Self, Error> {
        let body = Self::signed_body(id, created_at, &public_key);
        identity.verify(SignatureContext::SignedPreKey, &body, signature)?;
        let signature: [u8; SIGNATURE_LEN] =
            signature.try_into().map_err(|_| Error::InvalidSignature)?;
        Ok(Self {
            id,
            created_at,
            public_key,
            signature,
        })
    }
}

impl fmt::Debug for SignedPreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedPreKey")
            .field("id", &self.id.0)
            .field("created_at", &self.created_at.as_unix_seconds())
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

/// Our one-time prekey: an X25519 key pair, used by at most one session.
///
/// The secret is zeroized on drop and never printed.
#[derive(Clone)]
pub struct OneTimePreKeyPair {
    secret: X25519Secret,
    public: OneTimePreKey,
}

impl OneTimePreKeyPair {
    /// Generates a one-time prekey with `id`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R, id: OneTimePreKeyId) -> Self {
        let secret = X25519Secret::generate(rng);
        let public = OneTimePreKey {
            id,
            public_key: secret.builtin_public_key(),
        };
        Self { secret, public }
    }

    /// The public record to publish.
    pub fn public(&self) -> &OneTimePreKey {
        &self.public
    }

    /// The id.
    pub fn id(&self) -> OneTimePreKeyId {
        self.public.id
    }

    pub(crate) fn secret(&self) -> &X25519Secret {
        &self.secret
    }

    /// A pair from its parts, as its stored form holds them (SPEC.md 17.2).
    pub(crate) fn from_parts(secret: X25519Secret, public: OneTimePreKey) -> Self {
        Self { secret, public }
    }
}

impl fmt::Debug for OneTimePreKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneTimePreKeyPair")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The public half of a one-time prekey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OneTimePreKey {
    id: OneTimePreKeyId,
    public_key: X25519PublicKey,
}

impl OneTimePreKey {
    /// A one-time prekey record from a validated key.
    pub fn new(id: OneTimePreKeyId, public_key: X25519PublicKey) -> Self {
        Self { id, public_key }
    }

    /// The id.
    pub fn id(&self) -> OneTimePreKeyId {
        self.id
    }

    /// The X25519 public key.
    pub fn public_key(&self) -> &X25519PublicKey {
        &self.public_key
    }
}
