//! Identity keys: an Ed25519 key pair and its X25519 form (SPEC.md section 3).

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;
use crate::primitives::x25519::{SharedSecret, X25519PublicKey, X25519Secret};
use crate::provider::CryptoProvider;
use crate::signature::{SIGNATURE_LEN, SignatureContext};

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
        let agreement = X25519Secret::from_array(signing.to_scalar_bytes());
        let verifying = signing.verifying_key();
        let public = IdentityKey { verifying };
        Self {
            signing,
            agreement,
            public,
        }
    }

    /// The 32-byte seed, for storing the identity. It is the identity's secret: wiped on drop,
    /// redacted in `Debug`.
    pub fn to_seed(&self) -> IdentitySeed {
        IdentitySeed(self.signing.to_bytes())
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
    #[cfg(feature = "hazmat")]
    pub(crate) fn agreement_secret(&self) -> &X25519Secret {
        &self.agreement
    }

    /// X25519 between our identity's X25519 secret and `their` key.
    pub(crate) fn diffie_hellman(
        &self,
        crypto: &CryptoProvider,
        their: &X25519PublicKey,
    ) -> Result<SharedSecret, Error> {
        self.agreement.diffie_hellman(crypto, their)
    }
}

/// An identity's 32-byte Ed25519 seed (SPEC.md 3.1), as [`IdentityKeyPair::to_seed`] returns
/// it for storage. Wiped on drop; its `Debug` shows nothing of it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct IdentitySeed([u8; 32]);

impl IdentitySeed {
    /// The seed's bytes, to write to the application's secret storage and to pass back to
    /// [`IdentityKeyPair::from_seed`].
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for IdentitySeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentitySeed(<redacted>)")
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

/// A public identity key, ours or a peer's: a validated Ed25519 public key (its X25519 form is
/// derived when X3DH needs it).
///
/// Bytes become an `IdentityKey` only through [`IdentityKey::from_bytes`], which refuses
/// non-canonical encodings and points of small order. Equality is constant-time.
#[derive(Clone, Copy)]
pub struct IdentityKey {
    verifying: VerifyingKey,
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
        // Decompression accepts y >= p and x = 0 with the sign bit set, and VerifyingKey keeps
        // the bytes it was given, so refuse those encodings first (SPEC.md 3.1 step 2).
        if !is_canonical_encoding(&array) {
            return Err(Error::InvalidPublicKey);
        }
        let verifying = VerifyingKey::from_bytes(&array).map_err(|_| Error::InvalidPublicKey)?;
        if verifying.is_weak() {
            return Err(Error::LowOrderPublicKey);
        }
        // Step 4 (the X25519 form passes X25519PublicKey's checks) cannot fail for a point that
        // is not of small order; `x25519` derives that form when X3DH needs it (the unit test
        // `x25519_form_passes_validation` checks it on random keys).
        Ok(Self { verifying })
    }

    /// The 32-byte encoding (SPEC.md 3.1): the compressed Ed25519 point.
    pub fn to_bytes(&self) -> [u8; IDENTITY_KEY_LEN] {
        self.verifying.to_bytes()
    }

    /// The key's X25519 form, the Montgomery u-coordinate of the Ed25519 point (computed on
    /// each call: one field inversion).
    pub fn x25519(&self) -> X25519PublicKey {
        X25519PublicKey::from_montgomery_unchecked(self.verifying.to_montgomery().to_bytes())
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

/// Whether `bytes` is a canonical Ed25519 point encoding as far as the bytes alone tell (RFC 8032
/// 5.1.3): y < p = 2^255 - 19, and not x = 0 (y = 1 or y = p - 1) with the sign bit set.
/// Whether y is on the curve at all is left to decompression.
fn is_canonical_encoding(bytes: &[u8; IDENTITY_KEY_LEN]) -> bool {
    let sign_set = bytes[31] & 0x80 != 0;
    // y's bytes 1..=30 are all 0xff and its top byte 0x7f: y >= 2^255 - 256.
    let top_all_ones = bytes[1..31].iter().all(|&b| b == 0xff) && bytes[31] & 0x7f == 0x7f;
    if top_all_ones && bytes[0] >= 0xed {
        return false; // y >= p
    }
    let y_is_one = bytes[0] == 1 && bytes[1..31].iter().all(|&b| b == 0) && bytes[31] & 0x7f == 0;
    let y_is_minus_one = top_all_ones && bytes[0] == 0xec;
    !(sign_set && (y_is_one || y_is_minus_one))
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
        crate::primitives::hexfmt::write_hex(f, self.verifying.as_bytes())?;
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte check agrees with a second route, decompress-then-recompress, on every
    /// encoding near the edges (y near 0, 1, p - 1 and 2^255 - 1, both signs).
    #[test]
    fn byte_check_matches_recompression() {
        let mut cases = Vec::new();
        for low in 0u16..=255 {
            for sign in [0u8, 0x80] {
                let mut small = [0u8; 32];
                small[0] = low as u8;
                small[31] |= sign;
                cases.push(small);
                let mut large = [0xffu8; 32];
                large[0] = low as u8;
                large[31] = 0x7f | sign;
                cases.push(large);
            }
        }
        let mut checked = 0;
        for bytes in cases {
            let Ok(point) = VerifyingKey::from_bytes(&bytes) else {
                continue;
            };
            let recompressed = point.to_edwards().compress().to_bytes() == bytes;
            assert_eq!(is_canonical_encoding(&bytes), recompressed, "{bytes:02x?}");
            checked += 1;
        }
        // y = 1 and y = p - 1 decode (with either sign), as do their non-canonical aliases.
        assert!(checked > 20, "only {checked} encodings decoded");
    }

    #[test]
    fn x25519_form_passes_validation() {
        let mut seed = [0u8; 32];
        for i in 0..64u8 {
            seed[0] = i;
            seed[1] = i.wrapping_mul(37);
            let identity = IdentityKeyPair::from_seed(&seed);
            let parsed = IdentityKey::from_bytes(&identity.public_key().to_bytes()).unwrap();
            let form = parsed.x25519().to_bytes();
            assert_eq!(X25519PublicKey::from_bytes(&form).unwrap().to_bytes(), form);
        }
    }
}
