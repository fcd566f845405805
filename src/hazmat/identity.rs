//! Identity keys and prekeys (SPEC.md sections 3 and 4): the X25519 form of an identity and
//! the signed-prekey signature.

use zeroize::Zeroizing;

use crate::Error;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::prekey::{OneTimePreKey, OneTimePreKeyId, SignedPreKey, SignedPreKeyId};
use crate::primitives::x25519::X25519PublicKey;
use crate::signature::{SIGNATURE_LEN, SignatureContext};
use crate::timestamp::Timestamp;

/// The X25519 secret of an identity (SPEC.md 3.1): SHA-512(seed)[0..32], unclamped.
pub fn identity_x25519_secret(seed: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let identity = IdentityKeyPair::from_seed(seed);
    Zeroizing::new(*identity.agreement_secret().as_bytes())
}

/// The bytes Ed25519 signs for a signed prekey (SPEC.md 3.2, 4.1).
pub fn signed_prekey_message(id: u32, created_at: u64, public_key: &[u8; 32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(44);
    body.extend_from_slice(&id.to_be_bytes());
    body.extend_from_slice(&created_at.to_be_bytes());
    body.extend_from_slice(public_key);
    SignatureContext::SignedPreKey.message(&body)
}

/// The signature an identity with `seed` makes over a signed prekey.
pub fn sign_signed_prekey(
    seed: &[u8; 32],
    id: u32,
    created_at: u64,
    public_key: &[u8; 32],
) -> [u8; SIGNATURE_LEN] {
    let identity = IdentityKeyPair::from_seed(seed);
    let mut body = [0u8; 44];
    body[..4].copy_from_slice(&id.to_be_bytes());
    body[4..12].copy_from_slice(&created_at.to_be_bytes());
    body[12..].copy_from_slice(public_key);
    identity.sign(SignatureContext::SignedPreKey, &body)
}

/// Verifies a signed prekey signature as [`crate::PreKeyBundleIn::validate`] does.
///
/// # Errors
/// Key validation errors and [`Error::InvalidSignature`].
pub fn verify_signed_prekey(
    identity_key: &[u8],
    id: u32,
    created_at: u64,
    public_key: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let identity = IdentityKey::from_bytes(identity_key)?;
    let public_key = X25519PublicKey::from_bytes(public_key)?;
    SignedPreKey::verified(
        &identity,
        SignedPreKeyId(id),
        Timestamp::from_unix_seconds(created_at),
        public_key,
        signature,
    )
    .map(|_| ())
}

/// A one-time prekey record, for building bundles in test vectors.
///
/// # Errors
/// Key validation errors.
pub fn one_time_prekey(id: u32, public_key: &[u8]) -> Result<OneTimePreKey, Error> {
    Ok(OneTimePreKey::new(
        OneTimePreKeyId(id),
        X25519PublicKey::from_bytes(public_key)?,
    ))
}
