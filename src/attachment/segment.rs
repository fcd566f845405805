//! One segment's encryption (SPEC.md 16.2): ChaCha20-Poly1305 under the payload key with the
//! nonce `00 00 00 || u64be(i) || last`, in place; the associated data is empty for a middle
//! segment and the file's size `u64be(L)` for the final one.

use zeroize::Zeroize;

use super::header::PayloadKey;
use crate::Error;
use crate::provider::CryptoProvider;

/// The nonce of segment `i`: an 88-bit big-endian counter, then 1 for the final segment.
pub(crate) fn nonce(i: u64, last: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[3..11].copy_from_slice(&i.to_be_bytes());
    nonce[11] = u8::from(last);
    nonce
}

/// The associated data of a segment: `u64be(L)` for the final one (`size` given), else empty.
fn associated_data(size: Option<u64>) -> ([u8; 8], usize) {
    match size {
        Some(size) => (size.to_be_bytes(), 8),
        None => ([0; 8], 0),
    }
}

/// Seals `in_out` (body || 16 bytes of room) in place as segment `i`: the final segment when
/// `size` (the file's plaintext length L) is given.
///
/// # Errors
/// [`Error::CryptoProviderFailed`] if the provider refuses (the built-in ones never do for a
/// segment); `in_out` is wiped then.
pub(crate) fn seal(
    crypto: &CryptoProvider,
    key: &PayloadKey,
    i: u64,
    size: Option<u64>,
    in_out: &mut [u8],
) -> Result<(), Error> {
    let (ad, ad_len) = associated_data(size);
    crypto
        .aead
        .seal_in_place(&key.0, &nonce(i, size.is_some()), &ad[..ad_len], in_out)
        .map_err(|_| {
            in_out.zeroize();
            Error::CryptoProviderFailed
        })
}

/// Opens `in_out` (ciphertext || tag) in place as segment `i` (the final one when `size` is
/// given); on success its first `len − 16` bytes are the plaintext. On failure it is wiped.
///
/// # Errors
/// [`Error::AttachmentSegmentInvalid`].
pub(crate) fn open(
    crypto: &CryptoProvider,
    key: &PayloadKey,
    i: u64,
    size: Option<u64>,
    in_out: &mut [u8],
) -> Result<(), Error> {
    let (ad, ad_len) = associated_data(size);
    crypto
        .aead
        .open_in_place(&key.0, &nonce(i, size.is_some()), &ad[..ad_len], in_out)
        .map_err(|_| {
            in_out.zeroize();
            Error::AttachmentSegmentInvalid { segment: i }
        })
}
