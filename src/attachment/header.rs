//! The encrypted file's header and the keys derived from it (SPEC.md 16.2).
//!
//! ```text
//! header = version (1) || segment_log2 (1) || padding (1) || salt (32) || commitment (32)
//! okm    = HKDF-SHA256(salt, ikm = file key, info = "hushwire/v1/attachment" || header[0..3], 64)
//! payload key = okm[0..32], commitment = okm[32..64]
//! ```

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::file_key::FileKey;
use super::padding::Padding;
use crate::Error;
use crate::primitives::kdf::hkdf_sha256;

/// The only header version: the first byte of every encrypted file.
pub const ATTACHMENT_VERSION: u8 = 1;
/// Length of the header that starts every encrypted file.
pub const ATTACHMENT_HEADER_LEN: usize = 3 + SALT_LEN + COMMITMENT_LEN;
/// Length of the header's random salt.
const SALT_LEN: usize = 32;
/// Length of the header's key commitment.
const COMMITMENT_LEN: usize = 32;
/// HKDF info prefix of the payload key and commitment (SPEC.md 16.2).
pub(crate) const INFO_ATTACHMENT: &[u8] = b"hushwire/v1/attachment";

/// The plaintext length of every segment but the last: a power of two from 64 bytes to
/// 1 MiB, recorded in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SegmentSize(u8);

impl SegmentSize {
    /// The smallest: 2^6 = 64 bytes (for test vectors; every segment adds a 16-byte tag).
    pub const MIN_LOG2: u8 = 6;
    /// The largest: 2^20 = 1 MiB.
    pub const MAX_LOG2: u8 = 20;
    /// 64 KiB, the default, by measurement (benches/README.md, "Attachments"): sealing and
    /// opening are as fast as with any larger segment (4 KiB segments lose 11-19% to per-segment
    /// costs), while a random read decrypts at most 64 KiB it does not need.
    pub const DEFAULT: Self = Self(16);

    /// 2^`log2` bytes.
    ///
    /// # Errors
    /// [`Error::InvalidAttachmentHeader`] outside [`Self::MIN_LOG2`]..=[`Self::MAX_LOG2`].
    pub fn from_log2(log2: u8) -> Result<Self, Error> {
        if (Self::MIN_LOG2..=Self::MAX_LOG2).contains(&log2) {
            Ok(Self(log2))
        } else {
            Err(Error::InvalidAttachmentHeader {
                reason: "segment size",
            })
        }
    }

    /// The base-2 logarithm of the size.
    pub fn log2(self) -> u8 {
        self.0
    }

    /// The size in bytes.
    pub fn bytes(self) -> usize {
        1 << self.0
    }
}

impl Default for SegmentSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The segments' key, wiped on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct PayloadKey(pub(crate) [u8; 32]);

/// A parsed header whose commitment matched the file key.
pub(crate) struct Header {
    pub(crate) segment_size: SegmentSize,
    pub(crate) padding: Padding,
    pub(crate) key: PayloadKey,
}

/// Derives the payload key and the commitment for a header's first three bytes and salt.
fn derive(file_key: &FileKey, prefix: &[u8; 3], salt: &[u8]) -> (PayloadKey, [u8; 32]) {
    let mut info = [0u8; INFO_ATTACHMENT.len() + 3];
    info[..INFO_ATTACHMENT.len()].copy_from_slice(INFO_ATTACHMENT);
    info[INFO_ATTACHMENT.len()..].copy_from_slice(prefix);
    let mut okm = zeroize::Zeroizing::new([0u8; 64]);
    hkdf_sha256(salt, file_key.as_bytes(), &info, okm.as_mut());
    let mut key = PayloadKey([0; 32]);
    key.0.copy_from_slice(&okm[..32]);
    let mut commitment = [0u8; 32];
    commitment.copy_from_slice(&okm[32..]);
    (key, commitment)
}

impl Header {
    /// A new header with `salt`, its bytes, and its payload key.
    pub(crate) fn create(
        file_key: &FileKey,
        segment_size: SegmentSize,
        padding: Padding,
        salt: &[u8; SALT_LEN],
    ) -> ([u8; ATTACHMENT_HEADER_LEN], Self) {
        let prefix = [ATTACHMENT_VERSION, segment_size.log2(), padding.code()];
        let (key, commitment) = derive(file_key, &prefix, salt);
        let mut bytes = [0u8; ATTACHMENT_HEADER_LEN];
        bytes[..3].copy_from_slice(&prefix);
        bytes[3..3 + SALT_LEN].copy_from_slice(salt);
        bytes[3 + SALT_LEN..].copy_from_slice(&commitment);
        let header = Self {
            segment_size,
            padding,
            key,
        };
        (bytes, header)
    }

    /// Parses a received header and checks its commitment against `file_key`, in this order
    /// (SPEC.md 16.4): version, segment size, padding, commitment.
    ///
    /// # Errors
    /// [`Error::UnsupportedVersion`], [`Error::InvalidAttachmentHeader`],
    /// [`Error::AttachmentWrongKey`].
    pub(crate) fn parse(
        bytes: &[u8; ATTACHMENT_HEADER_LEN],
        file_key: &FileKey,
    ) -> Result<Self, Error> {
        if bytes[0] != ATTACHMENT_VERSION {
            return Err(Error::UnsupportedVersion {
                found: u32::from(bytes[0]),
            });
        }
        let segment_size = SegmentSize::from_log2(bytes[1])?;
        let padding = Padding::from_code(bytes[2])
            .ok_or(Error::InvalidAttachmentHeader { reason: "padding" })?;
        let prefix = [bytes[0], bytes[1], bytes[2]];
        let (key, commitment) = derive(file_key, &prefix, &bytes[3..3 + SALT_LEN]);
        if !bool::from(commitment.ct_eq(&bytes[3 + SALT_LEN..])) {
            return Err(Error::AttachmentWrongKey);
        }
        Ok(Self {
            segment_size,
            padding,
            key,
        })
    }
}
