//! Low-level building blocks, exposed for test vectors, known-answer tests and interop work.
//!
//! Nothing here is needed to use hushwire: [`crate::Session`] calls these functions for you.
//! Each one is a single step of SPEC.md, on plain bytes, so that an auditor can check the
//! crate's own implementation of that step against published vectors. Secret outputs come back
//! in [`Zeroizing`] buffers.

use zeroize::Zeroizing;

use crate::Error;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::kdf;
use crate::prekey::{OneTimePreKey, OneTimePreKeyId, SignedPreKey, SignedPreKeyId};
use crate::ratchet::chain_key::ChainKey;
use crate::ratchet::header::{Header, MessageContext};
use crate::ratchet::message_key::MessageKey;
use crate::ratchet::root_key::RootKey;
use crate::signature::{SIGNATURE_LEN, SignatureContext};
use crate::x3dh::{self, AD_LEN, AssociatedData};
use crate::x25519::{SharedSecret, X25519PublicKey, X25519Secret, raw_diffie_hellman};

/// Length of the encoded X3DH fields of a PreKeyMessage (SPEC.md 6.5): base key 32, signed
/// prekey id 4, one-time prekey presence byte 1 and id 4.
pub const PREKEY_INFO_LEN: usize = crate::ratchet::header::PREKEY_INFO_LEN;

/// X25519(k, u) with the contributory check of SPEC.md 2.2. The public value is used as given
/// (no canonicity or order check), as in RFC 7748; an all-zero output is
/// [`Error::NonContributoryKeyAgreement`].
///
/// # Errors
/// [`Error::NonContributoryKeyAgreement`].
pub fn x25519(secret: &[u8; 32], public: &[u8; 32]) -> Result<Zeroizing<[u8; 32]>, Error> {
    raw_diffie_hellman(secret, public).map(|shared| Zeroizing::new(*shared.as_bytes()))
}

/// X25519(k, 9): the public key of an X25519 secret.
pub fn x25519_public_key(secret: &[u8; 32]) -> [u8; 32] {
    X25519Secret::from_bytes(*secret).public_key().to_bytes()
}

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
        created_at,
        public_key,
        signature,
    )
    .map(|_| ())
}

/// Everything X3DH computes (SPEC.md 5.3).
pub struct X3dhOutputs {
    /// DH1..DH3, and DH4 when a one-time prekey was used.
    pub dh: Vec<Zeroizing<[u8; 32]>>,
    /// SK.
    pub shared_key: Zeroizing<[u8; 32]>,
    /// AD = Encode(IK_A) || Encode(IK_B).
    pub associated_data: [u8; AD_LEN],
}

/// X3DH from the initiator's side with an explicit ephemeral secret `base_secret` (EK_A).
///
/// # Errors
/// Key validation errors and [`Error::NonContributoryKeyAgreement`].
pub fn x3dh_initiator(
    identity_seed: &[u8; 32],
    base_secret: &[u8; 32],
    their_identity_key: &[u8],
    their_signed_prekey: &[u8],
    their_one_time_prekey: Option<&[u8]>,
) -> Result<X3dhOutputs, Error> {
    let ours = IdentityKeyPair::from_seed(identity_seed);
    let their_identity = IdentityKey::from_bytes(their_identity_key)?;
    let otk = their_one_time_prekey
        .map(X25519PublicKey::from_bytes)
        .transpose()?;
    let dh = x3dh::initiator_dh(
        &ours,
        &X25519Secret::from_bytes(*base_secret),
        &their_identity,
        &X25519PublicKey::from_bytes(their_signed_prekey)?,
        otk.as_ref(),
    )?;
    let shared_key = x3dh::derive_shared_key(&dh);
    Ok(X3dhOutputs {
        dh: dh.iter().map(|d| Zeroizing::new(*d.as_bytes())).collect(),
        shared_key: Zeroizing::new(shared_key.0),
        associated_data: AssociatedData::new(ours.public_key(), &their_identity).0,
    })
}

/// X3DH from the responder's side, as [`crate::Session::accept`] runs it.
///
/// # Errors
/// Key validation errors and [`Error::NonContributoryKeyAgreement`].
pub fn x3dh_responder(
    identity_seed: &[u8; 32],
    signed_prekey_secret: &[u8; 32],
    one_time_prekey_secret: Option<&[u8; 32]>,
    their_identity_key: &[u8],
    their_base_key: &[u8],
) -> Result<X3dhOutputs, Error> {
    let ours = IdentityKeyPair::from_seed(identity_seed);
    let their_identity = IdentityKey::from_bytes(their_identity_key)?;
    let otk = one_time_prekey_secret.map(|s| X25519Secret::from_bytes(*s));
    let dh = x3dh::responder_dh(
        &ours,
        &X25519Secret::from_bytes(*signed_prekey_secret),
        otk.as_ref(),
        &their_identity,
        &X25519PublicKey::from_bytes(their_base_key)?,
    )?;
    let shared_key = x3dh::derive_shared_key(&dh);
    Ok(X3dhOutputs {
        dh: dh.iter().map(|d| Zeroizing::new(*d.as_bytes())).collect(),
        shared_key: Zeroizing::new(shared_key.0),
        associated_data: AssociatedData::new(&their_identity, ours.public_key()).0,
    })
}

/// KDF_RK (SPEC.md 6.2): returns (RK', CK).
pub fn kdf_rk(
    root_key: &[u8; 32],
    dh_output: &[u8; 32],
) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let (rk, ck) = RootKey::new(*root_key).advance(&SharedSecret::from_bytes(*dh_output));
    (
        Zeroizing::new(*rk.as_bytes()),
        Zeroizing::new(*ck.as_bytes()),
    )
}

/// KDF_CK (SPEC.md 6.3): returns (MK, CK').
pub fn kdf_ck(chain_key: &[u8; 32]) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let chain = ChainKey::new(*chain_key, 0);
    (
        Zeroizing::new(*chain.message_key().as_bytes()),
        Zeroizing::new(*chain.next().as_bytes()),
    )
}

/// The ChaCha20-Poly1305 key and nonce a message key expands to (SPEC.md 6.4).
pub fn message_key_material(message_key: &[u8; 32]) -> (Zeroizing<[u8; 32]>, [u8; 12]) {
    let (key, nonce) = MessageKey::new(*message_key).key_and_nonce();
    (key, nonce)
}

/// The AEAD associated data of a message (SPEC.md 6.5). `prekey_info` is the 41-byte encoding
/// of a PreKeyMessage's X3DH fields when the message travels in one, `None` for a
/// RatchetMessage.
///
/// # Errors
/// Key validation errors for `ratchet_key`.
pub fn aead_associated_data(
    x3dh_ad: &[u8; AD_LEN],
    ratchet_key: &[u8],
    previous_counter: u32,
    counter: u32,
    prekey_info: Option<&[u8; PREKEY_INFO_LEN]>,
) -> Result<Vec<u8>, Error> {
    let header = Header {
        ratchet_key: X25519PublicKey::from_bytes(ratchet_key)?,
        previous_counter,
        counter,
    };
    let context = MessageContext {
        ad: AssociatedData(*x3dh_ad),
        prekey: prekey_info.copied(),
    };
    Ok(header.aead_associated_data(&context))
}

/// Encrypts with a message key as the ratchet does (SPEC.md 6.4).
pub fn seal(message_key: &[u8; 32], associated_data: &[u8], plaintext: &[u8]) -> Vec<u8> {
    MessageKey::new(*message_key).encrypt(associated_data, plaintext)
}

/// Decrypts with a message key as the ratchet does.
///
/// # Errors
/// [`Error::DecryptionFailed`].
pub fn open(
    message_key: &[u8; 32],
    associated_data: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Error> {
    MessageKey::new(*message_key).decrypt(associated_data, ciphertext)
}

/// ChaCha20-Poly1305 (RFC 8439) encryption through the crate's AEAD dependency, for
/// known-answer tests: returns ciphertext || tag.
pub fn chacha20poly1305_seal(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Vec<u8> {
    crate::ratchet::message_key::seal_raw(key, nonce, aad, plaintext)
}

/// ChaCha20-Poly1305 (RFC 8439) decryption through the crate's AEAD dependency.
///
/// # Errors
/// [`Error::DecryptionFailed`].
pub fn chacha20poly1305_open(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Error> {
    crate::ratchet::message_key::open_raw(key, nonce, aad, ciphertext)
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

/// The canonical u-coordinates of every X25519 point of order dividing 8, on Curve25519 and
/// its twist (SPEC.md 2.2): 0 (order 2), 1 (order 4), p - 1 (order 4, twist), and the two of
/// order 8. Public keys with these values are refused with [`Error::LowOrderPublicKey`].
pub const SMALL_ORDER_X25519: [[u8; 32]; 5] = crate::x25519::SMALL_ORDER;
