//! Message keys and the AEAD they key (SPEC.md 6.4).

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;
use crate::primitives::aead::{open_raw, seal_raw};
use crate::primitives::kdf::{INFO_MESSAGE_KEY, hkdf_sha256};
use crate::provider::CryptoProvider;

/// A message key MK: used for exactly one message, then gone. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct MessageKey([u8; 32]);

impl MessageKey {
    pub(crate) fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// HKDF-SHA256(salt = 32 zero bytes, ikm = MK, info = "hushwire/v1/message-key"), 44
    /// bytes: the ChaCha20-Poly1305 key, then the nonce.
    #[cfg(feature = "hazmat")]
    pub(crate) fn key_and_nonce(&self) -> (Zeroizing<[u8; 32]>, [u8; 12]) {
        self.key_and_nonce_for(INFO_MESSAGE_KEY)
    }

    /// As [`MessageKey::key_and_nonce`], with another HKDF info (a group message's,
    /// SPEC.md 15.3).
    pub(crate) fn key_and_nonce_for(&self, info: &[u8]) -> (Zeroizing<[u8; 32]>, [u8; 12]) {
        let mut okm = Zeroizing::new([0u8; 44]);
        hkdf_sha256(&[0u8; 32], &self.0, info, okm.as_mut());
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&okm[..32]);
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&okm[32..]);
        (key, nonce)
    }

    /// Encrypts `plaintext` with associated data `ad`, consuming the key.
    ///
    /// # Errors
    /// [`Error::TooLarge`] past the AEAD's limit (see [`seal_raw`]).
    pub(crate) fn encrypt(
        self,
        crypto: &CryptoProvider,
        ad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.encrypt_for(crypto, INFO_MESSAGE_KEY, ad, plaintext)
    }

    /// [`MessageKey::encrypt`] with the key and nonce from another HKDF info.
    pub(crate) fn encrypt_for(
        self,
        crypto: &CryptoProvider,
        info: &[u8],
        ad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let (key, nonce) = self.key_and_nonce_for(info);
        seal_raw(crypto, &key, &nonce, ad, plaintext)
    }

    /// Decrypts and authenticates `ciphertext`, consuming the key.
    pub(crate) fn decrypt(
        self,
        crypto: &CryptoProvider,
        ad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.decrypt_for(crypto, INFO_MESSAGE_KEY, ad, ciphertext)
    }

    /// [`MessageKey::decrypt`] with the key and nonce from another HKDF info.
    pub(crate) fn decrypt_for(
        self,
        crypto: &CryptoProvider,
        info: &[u8],
        ad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let (key, nonce) = self.key_and_nonce_for(info);
        open_raw(crypto, &key, &nonce, ad, ciphertext)
    }
}
