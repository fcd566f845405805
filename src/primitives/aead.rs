//! ChaCha20-Poly1305 (RFC 8439, SPEC.md 2.3): the one AEAD of the protocol, in one place so
//! that a crypto-provider seam can replace it.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};

use crate::Error;

/// Length of the Poly1305 tag appended to every ciphertext.
pub(crate) const TAG_LEN: usize = 16;

/// ChaCha20-Poly1305 encryption: ciphertext || tag.
pub(crate) fn seal_raw(key: &[u8; 32], nonce: &[u8; 12], ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(&(*key).into());
    // ChaCha20-Poly1305 fails only for inputs over 256 GiB; callers bound sizes far below.
    cipher
        .encrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: plaintext,
                aad: ad,
            },
        )
        .unwrap_or_default()
}

/// ChaCha20-Poly1305 decryption of ciphertext || tag.
pub(crate) fn open_raw(
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Error> {
    let cipher = ChaCha20Poly1305::new(&(*key).into());
    cipher
        .decrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: ciphertext,
                aad: ad,
            },
        )
        .map_err(|_| Error::DecryptionFailed)
}
