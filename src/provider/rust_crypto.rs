//! The default provider: the pure-Rust RustCrypto and dalek crates (`chacha20poly1305`,
//! `curve25519-dalek`). Builds for every target, WebAssembly included.

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, Nonce, Tag};
use curve25519_dalek::montgomery::MontgomeryPoint;

use super::{
    ChaCha20Poly1305, CryptoProvider, KEY_LEN, NONCE_LEN, ProviderError, X25519, split_tag,
};

/// The pure-Rust provider, and the default of [`crate::Config`].
pub static RUST_CRYPTO: CryptoProvider = CryptoProvider {
    name: "rust-crypto",
    aead: &RustCryptoAead,
    x25519: &DalekX25519,
};

/// `chacha20poly1305` 0.11.
struct RustCryptoAead;

impl ChaCha20Poly1305 for RustCryptoAead {
    fn seal_in_place(
        &self,
        key: &[u8; KEY_LEN],
        nonce: &[u8; NONCE_LEN],
        ad: &[u8],
        in_out: &mut [u8],
    ) -> Result<(), ProviderError> {
        let (body, tag_room) = split_tag(in_out)?;
        let cipher = chacha20poly1305::ChaCha20Poly1305::new(&(*key).into());
        let tag = cipher
            .encrypt_inout_detached(&Nonce::from(*nonce), ad, body.into())
            .map_err(|_| ProviderError)?;
        tag_room.copy_from_slice(&tag);
        Ok(())
    }

    fn open_in_place(
        &self,
        key: &[u8; KEY_LEN],
        nonce: &[u8; NONCE_LEN],
        ad: &[u8],
        in_out: &mut [u8],
    ) -> Result<(), ProviderError> {
        let (body, tag) = split_tag(in_out)?;
        let tag = Tag::try_from(&tag[..]).map_err(|_| ProviderError)?;
        let cipher = chacha20poly1305::ChaCha20Poly1305::new(&(*key).into());
        // Verifies the tag before decrypting: on failure `body` still holds ciphertext.
        cipher
            .decrypt_inout_detached(&Nonce::from(*nonce), ad, body.into(), &tag)
            .map_err(|_| ProviderError)
    }
}

/// `curve25519-dalek` 5 (what `x25519-dalek` runs on).
struct DalekX25519;

impl X25519 for DalekX25519 {
    fn public_key(&self, secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
        MontgomeryPoint::mul_base_clamped(*secret).to_bytes()
    }

    fn diffie_hellman(
        &self,
        secret: &[u8; KEY_LEN],
        public: &[u8; KEY_LEN],
        shared: &mut [u8; KEY_LEN],
    ) {
        *shared = MontgomeryPoint(*public).mul_clamped(*secret).to_bytes();
    }
}
