//! Attachments: files encrypted once under their own key, in constant memory (SPEC.md 16).
//!
//! A file is too big for a ratchet message. The sender seals it with a fresh random
//! [`FileKey`] into a stream of ChaCha20-Poly1305 segments (the STREAM construction of Hoang,
//! Reyhanitabar, Rogaway and Vizár), uploads the ciphertext to a blob store, and sends the
//! small [`AttachmentPointer`] (key, SHA-256 of the ciphertext, size, content type, optional
//! name and thumbnail) inside a pairwise or group message as a [`Payload`]. A receiver
//! downloads the ciphertext and opens it with the pointer.
//!
//! - Sealing streams: [`AttachmentSealer`] takes chunks (or is a [`std::io::Write`]) and
//!   returns the pointer at the end.
//! - Opening streams: [`AttachmentOpener`] is a [`std::io::Read`] that never hands out a byte
//!   of a segment before the segment's tag has verified, and that fails instead of ending
//!   when the ciphertext is cut, reordered, extended or not the one the pointer names.
//! - Random access: [`SeekableAttachment`] decrypts any byte range (video seeking, resumed
//!   downloads) from a [`std::io::Read`] + [`std::io::Seek`].
//! - Whole values: [`seal_bytes`], [`open_bytes`], and [`seal_to_file`] / [`open_to_file`],
//!   which never leave a partial output file behind.
//!
//! Memory stays at one segment buffer (64 KiB + 16 bytes by default) per sealer or opener,
//! whatever the file's size.

pub(crate) mod file_key;
pub(crate) mod header;
pub(crate) mod layout;
pub(crate) mod metadata;
pub(crate) mod open;
pub(crate) mod padding;
pub(crate) mod payload;
pub(crate) mod pointer;
pub(crate) mod read_full;
pub(crate) mod seal;
pub(crate) mod seek;
pub(crate) mod segment;
pub(crate) mod whole;

/// The largest plaintext an attachment holds: 2^40 bytes (1 TiB).
pub const MAX_ATTACHMENT_LEN: u64 = 1 << 40;
