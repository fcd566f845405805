//! ChaCha20-Poly1305 (RFC 8439, SPEC.md 2.3): the one AEAD of the protocol, in one place so
//! that a crypto-provider seam can replace it.

use zeroize::Zeroize;

use crate::Error;
use crate::provider::CryptoProvider;

/// Length of the Poly1305 tag appended to every ciphertext.
pub(crate) const TAG_LEN: usize = crate::provider::TAG_LEN;

/// The largest plaintext encrypted under one nonce: RFC 8439 allows 2^38 - 64 bytes (2^32 - 1
/// blocks of 64 after the block that keys Poly1305); chacha20poly1305 0.11 refuses that last
/// length too, so the bound here is one byte less, and every provider is held to it.
pub(crate) const MAX_PLAINTEXT_LEN: u64 = (1 << 38) - 65;

/// ChaCha20-Poly1305 encryption through `crypto`: ciphertext || tag.
///
/// # Errors
/// [`Error::TooLarge`] for a plaintext over [`MAX_PLAINTEXT_LEN`] (reachable only with a
/// `max_encoded_len` of 256 GiB or more), checked here for every provider;
/// [`Error::CryptoProviderFailed`] if the provider refuses a length this allows (the built-in
/// ones never do). Nothing is produced then.
pub(crate) fn seal_raw(
    crypto: &CryptoProvider,
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let too_large = || Error::TooLarge {
        len: plaintext.len(),
        max: usize::try_from(MAX_PLAINTEXT_LEN).unwrap_or(usize::MAX),
    };
    // The second bound matters on 32-bit targets only: the output buffer must fit in isize.
    let over_limit = u64::try_from(plaintext.len()).map_or(true, |len| len > MAX_PLAINTEXT_LEN);
    let over_memory = plaintext.len() > (isize::MAX as usize) - TAG_LEN;
    if over_limit || over_memory {
        return Err(too_large());
    }
    let mut out = Vec::with_capacity(plaintext.len().saturating_add(TAG_LEN));
    out.extend_from_slice(plaintext);
    out.resize(plaintext.len().saturating_add(TAG_LEN), 0);
    match crypto.aead.seal_in_place(key, nonce, ad, &mut out) {
        Ok(()) => Ok(out),
        Err(_) => {
            out.zeroize();
            Err(Error::CryptoProviderFailed)
        }
    }
}

/// ChaCha20-Poly1305 decryption of ciphertext || tag through `crypto`. Whatever a provider
/// leaves in the buffer after a failed check is wiped, never returned.
///
/// # Errors
/// [`Error::DecryptionFailed`].
pub(crate) fn open_raw(
    crypto: &CryptoProvider,
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Error> {
    // Both bounds are hushwire's, for every provider: shorter than a tag, or longer than any
    // ciphertext seal_raw produces.
    let body = ciphertext.len().checked_sub(TAG_LEN);
    if body.is_none_or(|len| u64::try_from(len).map_or(true, |len| len > MAX_PLAINTEXT_LEN)) {
        return Err(Error::DecryptionFailed);
    }
    let mut buf = ciphertext.to_vec();
    match crypto.aead.open_in_place(key, nonce, ad, &mut buf) {
        Ok(()) => {
            buf.truncate(ciphertext.len() - TAG_LEN);
            Ok(buf)
        }
        Err(_) => {
            buf.zeroize();
            Err(Error::DecryptionFailed)
        }
    }
}
