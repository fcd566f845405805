//! The Double Ratchet's single steps (SPEC.md section 6): KDF_RK, KDF_CK, message-key
//! expansion, associated data, and the AEAD as a message key drives it.

use zeroize::Zeroizing;

use crate::Error;
use crate::chain::chain_key::ChainKey;
use crate::chain::message_key::MessageKey;
use crate::primitives::x25519::{SharedSecret, X25519PublicKey};
use crate::provider::CryptoProvider;
use crate::ratchet::header::{Header, MessageContext};
use crate::ratchet::root_key::RootKey;
use crate::x3dh::{AD_LEN, AssociatedData};

/// Length of the encoded X3DH fields of a PreKeyMessage (SPEC.md 6.5): base key 32, signed
/// prekey id 4, one-time prekey presence byte 1 and id 4.
pub const PREKEY_INFO_LEN: usize = crate::ratchet::header::PREKEY_INFO_LEN;

/// KDF_RK (SPEC.md 6.2): returns (RK', CK).
pub fn kdf_rk(
    root_key: &[u8; 32],
    dh_output: &[u8; 32],
) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let (rk, ck) = RootKey::new(*root_key).advance(&SharedSecret::from_array(*dh_output));
    (
        Zeroizing::new(*rk.as_bytes()),
        Zeroizing::new(*ck.as_bytes()),
    )
}

/// KDF_CK (SPEC.md 6.3): returns (MK, CK').
pub fn kdf_ck(chain_key: &[u8; 32]) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let (message_key, next) = ChainKey::new(*chain_key, 0).step();
    (
        Zeroizing::new(*message_key.as_bytes()),
        Zeroizing::new(*next.as_bytes()),
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
        prekey: prekey_info.map(|info| &info[..]),
        routing: None,
    };
    Ok(header.aead_associated_data(&context))
}

/// The AEAD associated data of a device message (SPEC.md 14.5): as
/// [`aead_associated_data`], then `LP(prekey_info, or empty) || LP(routing)`.
///
/// # Errors
/// Key validation errors for `ratchet_key`.
pub fn routed_aead_associated_data(
    x3dh_ad: &[u8; AD_LEN],
    ratchet_key: &[u8],
    previous_counter: u32,
    counter: u32,
    prekey_info: Option<&[u8; PREKEY_INFO_LEN]>,
    routing: &[u8],
) -> Result<Vec<u8>, Error> {
    let header = Header {
        ratchet_key: X25519PublicKey::from_bytes(ratchet_key)?,
        previous_counter,
        counter,
    };
    let context = MessageContext {
        ad: AssociatedData(*x3dh_ad),
        prekey: prekey_info.map(|info| &info[..]),
        routing: Some(routing),
    };
    Ok(header.aead_associated_data(&context))
}

/// Encrypts with a message key as the ratchet does (SPEC.md 6.4).
///
/// # Errors
/// [`Error::TooLarge`] for a plaintext over 2^38 - 65 bytes.
pub fn seal(
    provider: &CryptoProvider,
    message_key: &[u8; 32],
    associated_data: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    MessageKey::new(*message_key).encrypt(provider, associated_data, plaintext)
}

/// Decrypts with a message key as the ratchet does.
///
/// # Errors
/// [`Error::DecryptionFailed`].
pub fn open(
    provider: &CryptoProvider,
    message_key: &[u8; 32],
    associated_data: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Error> {
    MessageKey::new(*message_key).decrypt(provider, associated_data, ciphertext)
}
