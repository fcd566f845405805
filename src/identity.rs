//! Identity keys: an Ed25519 key pair and its X25519 form (SPEC.md section 3).

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Error;
use crate::signature::{SIGNATURE_LEN, SignatureContext};
use crate::x25519::{SharedSecret, X25519PublicKey, X25519Secret};

/// Length of an encoded identity key (an Ed25519 public key) in bytes.
pub const IDENTITY_KEY_LEN: usize = 32;

/// Our own identity: an Ed25519 signing key, and the X25519 secret derived from it.
///
/// Zeroized on drop. Its `Debug` shows only the public key.
pub struct IdentityKeyPair {
    signing: SigningKey,
    agreement: X25519Secret,
    public: IdentityKey,
}

impl IdentityKeyPair {
    /// A fresh identity: a 32-byte Ed25519 seed from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        Self::from_seed(&seed)
    }

    /// Restores an identity from its 32-byte Ed25519 seed (RFC 8032's private key).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(seed);
        // SPEC.md 3.1: the X25519 secret is SHA-512(seed)[0..32] (X25519 clamps it), and the
        // X25519 public key is the Montgomery form of the Ed25519 public key.
        let agreement = X25519Secret::from_bytes(signing.to_scalar_bytes());
        let verifying = signing.verifying_key();
        let public = IdentityKey {
            x25519: X25519PublicKey::from_montgomery_unchecked(
                verifying.to_montgomery().to_bytes(),
            ),
            verifying,
        };
        Self {
            signing,
            agreement,
            public,
        }
    }

    /// The 32-byte seed, for storing the identity. Handle it as the secret it is.
    pub fn to_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// Our public identity key.
    pub fn public_key(&self) -> &IdentityKey {
        &self.public
    }

    /// Signs `body` under `context` (SPEC.md 3.2).
    pub(crate) fn sign(&self, context: SignatureContext, body: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.sign_raw(&context.message(body))
    }

    /// Plain Ed25519 over `message`.
    pub(crate) fn sign_raw(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.signing.sign(message).to_bytes()
    }

    /// The X25519 secret derived from the seed.
    pub(crate) fn agreement_secret(&self) -> &X25519Secret {
        &self.agreement
    }

    /// X25519 between our identity's X25519 secret and `their` key.
    pub(crate) fn diffie_hellman(&self, their: &X25519PublicKey) -> Result<SharedSecret, Error> {
        self.agreement.diffie_hellman(their)
    }
}

impl fmt::Debug for IdentityKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityKeyPair")
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A public identity key, ours or a peer's: a validated Ed25519 public key and its X25519 form.
///
/// Bytes become an `IdentityKey` only through [`IdentityKey::from_bytes`], which refuses
/// non-canonical encodings and points of small order. Equality is constant-time.
#[derive(Clone, Copy)]
pub struct IdentityKey {
    verifying: VerifyingKey,
    x25519: X25519PublicKey,
}

impl IdentityKey {
    /// Validates a 32-byte Ed25519 public key.
    ///
    /// # Errors
    /// [`Error::InvalidLength`], [`Error::InvalidPublicKey`] if the bytes are not the canonical
    /// encoding of a curve point, and [`Error::LowOrderPublicKey`] for a point of small order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_field(bytes, "identity_key")
    }

    pub(crate) fn from_field(bytes: &[u8], field: &'static str) -> Result<Self, Error> {
        let array: [u8; IDENTITY_KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            field,
            expected: IDENTITY_KEY_LEN,
            found: bytes.len(),
        })?;
        let verifying = VerifyingKey::from_bytes(&array).map_err(|_| Error::InvalidPublicKey)?;
        // Decompression accepts y >= p, and VerifyingKey keeps the bytes it was given, so
        // re-compress the point itself to expose a non-canonical encoding.
        if verifying.to_edwards().compress().to_bytes() != array {
            return Err(Error::InvalidPublicKey);
        }
        if verifying.is_weak() {
            return Err(Error::LowOrderPublicKey);
        }
        // A point without a small-order component has a Montgomery form that passes
        // X25519PublicKey's checks; validate anyway rather than assume.
        let x25519 = X25519PublicKey::from_bytes(&verifying.to_montgomery().to_bytes())?;
        Ok(Self { verifying, x25519 })
    }

    /// The 32-byte encoding (SPEC.md 3.1): the compressed Ed25519 point.
    pub fn to_bytes(&self) -> [u8; IDENTITY_KEY_LEN] {
        self.verifying.to_bytes()
    }

    /// The key's X25519 form, the Montgomery u-coordinate of the Ed25519 point.
    pub fn x25519(&self) -> &X25519PublicKey {
        &self.x25519
    }

    /// Verifies a domain-separated signature with `verify_strict` (SPEC.md 3.2).
    pub(crate) fn verify(
        &self,
        context: SignatureContext,
        body: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.verify_raw(&context.message(body), signature)
    }

    /// Plain Ed25519 `verify_strict` over `message`.
    pub(crate) fn verify_raw(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let signature: [u8; SIGNATURE_LEN] =
            signature.try_into().map_err(|_| Error::InvalidLength {
                field: "signature",
                expected: SIGNATURE_LEN,
                found: signature.len(),
            })?;
        let signature = Signature::from_bytes(&signature);
        self.verifying
            .verify_strict(message, &signature)
            .map_err(|_| Error::InvalidSignature)
    }
}

impl PartialEq for IdentityKey {
    fn eq(&self, other: &Self) -> bool {
        self.verifying
            .as_bytes()
            .ct_eq(other.verifying.as_bytes())
            .into()
    }
}

impl Eq for IdentityKey {}

impl fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdentityKey(")?;
        crate::hexfmt::write_hex(f, self.verifying.as_bytes())?;
        write!(f, ")")
    }
}
