//! The attachment pointer (SPEC.md 16.5): what a receiver needs to fetch, check and open a
//! file. It holds the file key, so it only ever travels inside an encrypted message.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::MAX_ATTACHMENT_LEN;
use super::file_key::FileKey;
use super::metadata::{AttachmentMetadata, ContentType, FileName, Thumbnail};
use crate::Error;
use crate::proto::{self, VERSION};

/// The longest encoded pointer: room for every field at its maximum.
pub const MAX_ATTACHMENT_POINTER_LEN: usize = 17 * 1024;

/// Length of the SHA-256 digest a pointer carries.
pub const ATTACHMENT_DIGEST_LEN: usize = 32;

/// A file's key, the SHA-256 of its ciphertext, its size and its description.
///
/// Made by sealing ([`crate::AttachmentSealer::finish`], [`crate::seal_bytes`]) or decoded
/// from a received [`crate::Payload`] ([`AttachmentPointer::decode`]). Opening with it checks
/// the ciphertext against the digest, so a download is trusted only once it matches.
/// `Debug` shows the digest and the metadata, never the key.
#[derive(Clone, PartialEq, Eq)]
pub struct AttachmentPointer {
    pub(crate) file_key: FileKey,
    pub(crate) digest: [u8; ATTACHMENT_DIGEST_LEN],
    pub(crate) size: u64,
    pub(crate) metadata: AttachmentMetadata,
}

impl AttachmentPointer {
    /// The file key.
    pub fn file_key(&self) -> &FileKey {
        &self.file_key
    }

    /// SHA-256 of the whole encrypted file. A blob store may check an upload against it and
    /// deduplicate on it; it reveals nothing about the plaintext.
    pub fn ciphertext_sha256(&self) -> &[u8; ATTACHMENT_DIGEST_LEN] {
        &self.digest
    }

    /// The plaintext's length in bytes (before padding).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The media type, name and thumbnail.
    pub fn metadata(&self) -> &AttachmentMetadata {
        &self.metadata
    }

    /// Whether `digest` is this pointer's ciphertext digest, compared in constant time.
    pub fn digest_matches(&self, digest: &[u8; ATTACHMENT_DIGEST_LEN]) -> bool {
        self.digest.ct_eq(digest).into()
    }

    pub(crate) fn to_proto(&self) -> proto::AttachmentPointer {
        proto::AttachmentPointer {
            version: VERSION,
            file_key: self.file_key.as_bytes().to_vec(),
            ciphertext_sha256: self.digest.to_vec(),
            size: self.size,
            content_type: self.metadata.content_type.as_str().to_owned(),
            file_name: self
                .metadata
                .file_name
                .as_ref()
                .map(|n| n.as_str().to_owned()),
            thumbnail: self
                .metadata
                .thumbnail
                .as_ref()
                .map(|t| t.as_bytes().to_vec()),
        }
    }

    /// The canonical encoding (SPEC.md 16.5). It holds the file key: wiped on drop.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        proto::encode_exact_with_room(&self.to_proto(), 0)
    }

    /// Decodes a received pointer, first failure returned (SPEC.md 16.5).
    ///
    /// # Errors
    /// [`Error::TooLarge`] over [`MAX_ATTACHMENT_POINTER_LEN`]; [`Error::MalformedProtobuf`],
    /// [`Error::NonCanonicalEncoding`]; [`Error::UnsupportedVersion`]; [`Error::InvalidLength`]
    /// (`file_key`, `ciphertext_sha256`); [`Error::InvalidAttachmentPointer`] for a size over
    /// [`crate::MAX_ATTACHMENT_LEN`] or a bad content type, name or thumbnail;
    /// [`Error::MissingField`] (`content_type`).
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let message: proto::AttachmentPointer =
            proto::decode_strict_secret(bytes, MAX_ATTACHMENT_POINTER_LEN)?;
        Self::from_proto(&message)
    }

    pub(crate) fn from_proto(message: &proto::AttachmentPointer) -> Result<Self, Error> {
        if message.version != VERSION {
            return Err(Error::UnsupportedVersion {
                found: message.version,
            });
        }
        let file_key = FileKey::from_bytes(&message.file_key)?;
        let digest: [u8; ATTACHMENT_DIGEST_LEN] = message
            .ciphertext_sha256
            .as_slice()
            .try_into()
            .map_err(|_| Error::InvalidLength {
            field: "ciphertext_sha256",
            expected: ATTACHMENT_DIGEST_LEN,
            found: message.ciphertext_sha256.len(),
        })?;
        if message.size > MAX_ATTACHMENT_LEN {
            return Err(Error::InvalidAttachmentPointer {
                reason: "size over 2^40 bytes",
            });
        }
        if message.content_type.is_empty() {
            return Err(Error::MissingField {
                field: "content_type",
            });
        }
        let content_type = ContentType::new(&message.content_type)?;
        let file_name = message
            .file_name
            .as_deref()
            .map(FileName::new)
            .transpose()?;
        let thumbnail = message
            .thumbnail
            .as_ref()
            .map(|t| Thumbnail::new(t.clone()))
            .transpose()?;
        Ok(Self {
            file_key,
            digest,
            size: message.size,
            metadata: AttachmentMetadata {
                content_type,
                file_name,
                thumbnail,
            },
        })
    }
}

impl fmt::Debug for AttachmentPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentPointer")
            .field("file_key", &self.file_key)
            .field("ciphertext_sha256", &HexDigest(&self.digest))
            .field("size", &self.size)
            .field("metadata", &self.metadata)
            .finish()
    }
}

/// The digest as hex in `Debug`.
struct HexDigest<'a>(&'a [u8]);

impl fmt::Debug for HexDigest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::primitives::hexfmt::write_hex(f, self.0)
    }
}
