//! ChaCha20-Poly1305 (RFC 8439, SPEC.md 2.3): the one AEAD of the protocol, in one place so
//! that a crypto-provider seam can replace it.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};

use crate::Error;

/// Length of the Poly1305 tag appended to every ciphertext.
pub(crate) const TAG_LEN: usize = 16;

/// The largest plaintext encrypted under one nonce: RFC 8439 allows 2^38 - 64 bytes (2^32 - 1
/// blocks of 64 after the block that keys Poly1305); chacha20poly1305 0.11 refuses that last
/// length too, so the bound here is one byte less, and both agree.
pub(crate) const MAX_PLAINTEXT_LEN: u64 = (1 << 38) - 65;

/// ChaCha20-Poly1305 encryption: ciphertext || tag.
///
/// # Errors
/// [`Error::TooLarge`] for a plaintext over [`MAX_PLAINTEXT_LEN`] (reachable only with a
/// `max_encoded_len` of 256 GiB or more); nothing is produced then.
pub(crate) fn seal_raw(
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let too_large = || Error::TooLarge {
        len: plaintext.len(),
        max: usize::try_from(MAX_PLAINTEXT_LEN).unwrap_or(usize::MAX),
    };
    if u64::try_from(plaintext.len()).map_or(true, |len| len > MAX_PLAINTEXT_LEN) {
        return Err(too_large());
    }
    let cipher = ChaCha20Poly1305::new(&(*key).into());
    cipher
        .encrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: plaintext,
                aad: ad,
            },
        )
        .map_err(|_| too_large())
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
