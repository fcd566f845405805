//! KEM prekeys: ML-KEM-1024 key pairs a responder publishes, each signed by its identity key
//! (SPEC.md 18.1).

use core::fmt;

use rand::CryptoRng;

use super::ml_kem::{KEM_PUBLIC_KEY_LEN, KemPublicKey, KemSecretKey};
use crate::Error;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::signature::{SIGNATURE_LEN, SignatureContext};
use crate::timestamp::Timestamp;

/// The id of a KEM prekey, chosen by its owner. Last-resort and one-time KEM prekeys share
/// one id space: an id names one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KemPreKeyId(pub u32);

/// Whether a KEM prekey is used once, or is the last resort that stays until replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KemPreKeyKind {
    /// Served when no one-time KEM prekey is left, to any number of initiators, until the
    /// owner replaces it. Its owner refuses a second first message with the same base key
    /// ([`crate::Error::KemPreKeyReused`]).
    LastResort,
    /// Served to one initiator; consumed by the first message that uses it.
    OneTime,
}

impl KemPreKeyKind {
    /// The kind's byte in the signed body (SPEC.md 18.1): 0x01 last resort, 0x02 one-time.
    pub(crate) fn to_byte(self) -> u8 {
        match self {
            Self::LastResort => 1,
            Self::OneTime => 2,
        }
    }

    /// The kind of a signed-body byte.
    pub(crate) fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::LastResort),
            2 => Some(Self::OneTime),
            _ => None,
        }
    }
}

/// Length of a KEM prekey's signed body: `u32(id) || u64(created_at) || u8(kind) || ek`.
pub(crate) const KEM_PREKEY_BODY_LEN: usize = 4 + 8 + 1 + KEM_PUBLIC_KEY_LEN;

/// Our KEM prekey: an ML-KEM-1024 key pair whose public half our identity has signed.
///
/// The secret is zeroized on drop and never printed.
#[derive(Clone)]
pub struct KemPreKeyPair {
    secret: KemSecretKey,
    public: KemPreKey,
}

impl KemPreKeyPair {
    /// Generates a KEM prekey of `kind` with `id`, created at `created_at`, signed by
    /// `identity`. Draws 64 bytes from `rng` (FIPS 203's `d`, then `z`).
    pub fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        id: KemPreKeyId,
        kind: KemPreKeyKind,
        created_at: Timestamp,
    ) -> Self {
        let (secret, public_key) = KemSecretKey::generate(rng);
        Self::sign(identity, secret, public_key, id, kind, created_at)
    }

    /// Signs a generated key pair (also the hazmat route, from a given seed).
    pub(crate) fn sign(
        identity: &IdentityKeyPair,
        secret: KemSecretKey,
        public_key: KemPublicKey,
        id: KemPreKeyId,
        kind: KemPreKeyKind,
        created_at: Timestamp,
    ) -> Self {
        let body = KemPreKey::signed_body(id, kind, created_at, &public_key);
        let signature = identity.sign(SignatureContext::KemPreKey, &body);
        Self {
            secret,
            public: KemPreKey {
                id,
                kind,
                created_at,
                public_key,
                signature,
            },
        }
    }

    /// The public record to publish.
    pub fn public(&self) -> &KemPreKey {
        &self.public
    }

    /// The id.
    pub fn id(&self) -> KemPreKeyId {
        self.public.id
    }

    /// Last resort or one-time.
    pub fn kind(&self) -> KemPreKeyKind {
        self.public.kind
    }

    pub(crate) fn secret(&self) -> &KemSecretKey {
        &self.secret
    }

    /// A pair from its parts, as its stored form holds them (SPEC.md 18.6).
    pub(crate) fn from_parts(secret: KemSecretKey, public: KemPreKey) -> Self {
        Self { secret, public }
    }
}

impl fmt::Debug for KemPreKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KemPreKeyPair")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The public half of a KEM prekey, with its signature.
///
/// A `KemPreKey` taken from a peer is trustworthy only inside a [`crate::PreKeyBundle`], whose
/// constructor verifies the signature.
#[derive(Clone, PartialEq, Eq)]
pub struct KemPreKey {
    id: KemPreKeyId,
    kind: KemPreKeyKind,
    created_at: Timestamp,
    public_key: KemPublicKey,
    signature: [u8; SIGNATURE_LEN],
}

impl KemPreKey {
    /// The id.
    pub fn id(&self) -> KemPreKeyId {
        self.id
    }

    /// Last resort or one-time, as signed.
    pub fn kind(&self) -> KemPreKeyKind {
        self.kind
    }

    /// Creation time in seconds since the Unix epoch, as signed.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// The ML-KEM-1024 encapsulation key.
    pub fn public_key(&self) -> &KemPublicKey {
        &self.public_key
    }

    /// The 64-byte Ed25519 signature.
    pub fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }

    /// The signed body (SPEC.md 18.1): `u32(id) || u64(created_at) || u8(kind) || ek`.
    pub(crate) fn signed_body(
        id: KemPreKeyId,
        kind: KemPreKeyKind,
        created_at: Timestamp,
        public_key: &KemPublicKey,
    ) -> Vec<u8> {
        let mut body = Vec::with_capacity(KEM_PREKEY_BODY_LEN);
        body.extend_from_slice(&id.0.to_be_bytes());
        body.extend_from_slice(&created_at.as_unix_seconds().to_be_bytes());
        body.push(kind.to_byte());
        body.extend_from_slice(public_key.as_bytes());
        body
    }

    /// Builds a KEM prekey from parts and verifies its signature under `identity`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for a signature that is not 64 bytes, and
    /// [`Error::InvalidSignature`] if it does not verify.
    pub fn verified(
        identity: &IdentityKey,
        id: KemPreKeyId,
        kind: KemPreKeyKind,
        created_at: Timestamp,
        public_key: KemPublicKey,
        signature: &[u8],
    ) -> Result<Self, Error> {
        let body = Self::signed_body(id, kind, created_at, &public_key);
        identity.verify(SignatureContext::KemPreKey, &body, signature)?;
        let signature: [u8; SIGNATURE_LEN] =
            signature.try_into().map_err(|_| Error::InvalidSignature)?;
        Ok(Self {
            id,
            kind,
            created_at,
            public_key,
            signature,
        })
    }

    /// A KEM prekey from parts already checked: our own, read back from its stored form,
    /// whose checksum guards the signature.
    pub(crate) fn from_parts(
        id: KemPreKeyId,
        kind: KemPreKeyKind,
        created_at: Timestamp,
        public_key: KemPublicKey,
        signature: [u8; SIGNATURE_LEN],
    ) -> Self {
        Self {
            id,
            kind,
            created_at,
            public_key,
            signature,
        }
    }
}

impl fmt::Debug for KemPreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KemPreKey")
            .field("id", &self.id.0)
            .field("kind", &self.kind)
            .field("created_at", &self.created_at.as_unix_seconds())
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}
