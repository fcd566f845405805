//! The primitives through the crate's own wrappers (SPEC.md section 2), for known-answer tests
//! against RFC 7748, 8032, 8439, 5869, 4231 and Wycheproof.

use zeroize::Zeroizing;

use crate::Error;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::primitives::kdf;
use crate::primitives::x25519::raw_diffie_hellman;
use crate::provider::CryptoProvider;
use crate::signature::SIGNATURE_LEN;

/// X25519(k, u) through `provider`, with the contributory check of SPEC.md 2.2 made above the
/// seam. The public value is used as given (no canonicity or order check), as in RFC 7748; an
/// all-zero output is [`Error::NonContributoryKeyAgreement`].
///
/// # Errors
/// [`Error::NonContributoryKeyAgreement`].
pub fn x25519(
    provider: &CryptoProvider,
    secret: &[u8; 32],
    public: &[u8; 32],
) -> Result<Zeroizing<[u8; 32]>, Error> {
    raw_diffie_hellman(provider, secret, public).map(|shared| Zeroizing::new(*shared.as_bytes()))
}

/// X25519(k, 9) through `provider`: the public key of an X25519 secret.
pub fn x25519_public_key(provider: &CryptoProvider, secret: &[u8; 32]) -> [u8; 32] {
    provider.x25519.public_key(secret)
}

/// ChaCha20-Poly1305 (RFC 8439) encryption through `provider` and hushwire's length check,
/// for known-answer tests: returns ciphertext || tag.
///
/// # Errors
/// [`Error::TooLarge`] for a plaintext over 2^38 - 65 bytes.
pub fn chacha20poly1305_seal(
    provider: &CryptoProvider,
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    crate::primitives::aead::seal_raw(provider, key, nonce, aad, plaintext)
}

/// ChaCha20-Poly1305 (RFC 8439) decryption through `provider`.
///
/// # Errors
/// [`Error::DecryptionFailed`].
pub fn chacha20poly1305_open(
    provider: &CryptoProvider,
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Error> {
    crate::primitives::aead::open_raw(provider, key, nonce, aad, ciphertext)
}

/// HKDF-SHA256 through the crate's KDF wrapper (RFC 5869), for known-answer tests.
/// Returns `None` if `len` exceeds 255 * 32.
pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], len: usize) -> Option<Zeroizing<Vec<u8>>> {
    kdf::hkdf_sha256_checked(salt, ikm, info, len)
}

/// HMAC-SHA256 with a key of any length (RFC 4231), for known-answer tests.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(kdf::hmac_sha256_any_key(key, data))
}

/// Ed25519 signature (RFC 8032) with an identity's seed, over `message` as given, for
/// known-answer tests. Hazardous: hushwire itself only ever signs labelled messages (SPEC.md
/// 3.2), and that is what keeps one identity key safe for both signing and key agreement.
/// Never call this with a real identity's seed.
pub fn ed25519_sign(seed: &[u8; 32], message: &[u8]) -> [u8; SIGNATURE_LEN] {
    IdentityKeyPair::from_seed(seed).sign_raw(message)
}

/// Ed25519 verification as hushwire performs it (identity key validation, then
/// `verify_strict`), over `message` as given, for known-answer tests.
///
/// # Errors
/// Key validation errors, [`Error::InvalidLength`] and [`Error::InvalidSignature`].
pub fn ed25519_verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Error> {
    IdentityKey::from_bytes(public_key)?.verify_raw(message, signature)
}

/// The canonical u-coordinates of every X25519 point of order dividing 8, on Curve25519 and
/// its twist (SPEC.md 2.2): 0 (order 2), 1 (order 4), p - 1 (order 4, twist), and the two of
/// order 8. Public keys with these values are refused with [`Error::LowOrderPublicKey`].
pub const SMALL_ORDER_X25519: [[u8; 32]; 5] = crate::primitives::x25519::SMALL_ORDER;
