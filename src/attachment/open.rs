//! Streaming decryption (SPEC.md 16.4): a reader that releases each segment only after its
//! tag verified, and the final one only after the end of the file, its padding and the
//! pointer's digest have been checked.

use std::io::Read;

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::header::{ATTACHMENT_HEADER_LEN, Header};
use super::layout::Layout;
use super::pointer::AttachmentPointer;
use super::read_full::read_full;
use super::seal::into_io;
use super::segment;
use crate::Error;
use crate::provider::{CryptoProvider, RUST_CRYPTO, TAG_LEN};

/// Reads the header of an encrypted file and checks it against the pointer's key.
pub(crate) fn read_header<R: Read + ?Sized>(
    reader: &mut R,
    pointer: &AttachmentPointer,
) -> Result<(Header, [u8; ATTACHMENT_HEADER_LEN]), Error> {
    let mut bytes = [0u8; ATTACHMENT_HEADER_LEN];
    if read_full(reader, &mut bytes)? < bytes.len() {
        return Err(Error::AttachmentTruncated { segment: 0 });
    }
    Ok((Header::parse(&bytes, &pointer.file_key)?, bytes))
}

/// Whether the plaintext bytes of a segment past the file's end are all zero.
pub(crate) fn padding_is_zero(padding: &[u8]) -> bool {
    padding.iter().fold(0u8, |acc, b| acc | b) == 0
}

/// Decrypts an encrypted file from any [`Read`] in constant memory.
///
/// [`AttachmentOpener::new`] reads and checks the header. Then [`Read::read`] (or
/// [`AttachmentOpener::next_segment`]) hands out plaintext segment by segment:
///
/// - a segment's bytes only after its tag verified at its position, so a reordered,
///   duplicated, altered or foreign segment is refused before any of it is released;
/// - the final segment's bytes only after the file has been checked to end there (no
///   trailing bytes), its padding to be zeros, and the whole ciphertext's SHA-256 to be the
///   pointer's; so reading to the end without an error means the file is exactly the one the
///   pointer names;
/// - a file cut short is an error ([`Error::AttachmentTruncated`]), never a clean end.
///
/// Bytes released before an error were authenticated under the file key, but the file as a
/// whole was not: discard them on error ([`crate::open_to_file`] does).
///
/// Errors from `read` are I/O errors of kind `InvalidData` carrying the [`Error`] (`?` into a
/// `hushwire::Error` gives it back), or the reader's own I/O errors. After an error, every
/// later call returns it again: the reader must be a blocking one (a `WouldBlock` from a
/// non-blocking reader ends the stream for good, since a segment may have been half read).
pub struct AttachmentOpener<R: Read> {
    reader: R,
    crypto: &'static CryptoProvider,
    header: Header,
    layout: Layout,
    digest: [u8; 32],
    hash: Sha256,
    buf: Zeroizing<Vec<u8>>,
    /// The unread plaintext of the current segment: `buf[start..end]`.
    start: usize,
    end: usize,
    next: u64,
    done: bool,
    failed: Option<Error>,
}

impl<R: Read> AttachmentOpener<R> {
    /// Reads the header with the default provider.
    ///
    /// # Errors
    /// As [`AttachmentOpener::with_provider`].
    pub fn new(reader: R, pointer: &AttachmentPointer) -> Result<Self, Error> {
        Self::with_provider(reader, pointer, &RUST_CRYPTO)
    }

    /// Reads the header and checks it, in this order (SPEC.md 16.4): present in full
    /// ([`Error::AttachmentTruncated`] at segment 0), version ([`Error::UnsupportedVersion`]),
    /// segment size and padding ([`Error::InvalidAttachmentHeader`]), key commitment
    /// ([`Error::AttachmentWrongKey`]).
    ///
    /// # Errors
    /// Those above, and [`Error::Io`] from the reader.
    pub fn with_provider(
        mut reader: R,
        pointer: &AttachmentPointer,
        crypto: &'static CryptoProvider,
    ) -> Result<Self, Error> {
        let (header, bytes) = read_header(&mut reader, pointer)?;
        let layout = Layout::new(pointer.size, header.segment_size, header.padding);
        let mut hash = Sha256::new();
        hash.update(bytes);
        Ok(Self {
            reader,
            crypto,
            buf: Zeroizing::new(vec![0; header.segment_size.bytes() + TAG_LEN]),
            header,
            layout,
            digest: pointer.digest,
            hash,
            start: 0,
            end: 0,
            next: 0,
            done: false,
            failed: None,
        })
    }

    /// The plaintext's length, from the pointer.
    pub fn size(&self) -> u64 {
        self.layout.size
    }

    /// The next segment's plaintext (possibly empty), or `None` after the final one.
    ///
    /// # Errors
    /// [`Error::AttachmentTruncated`], [`Error::AttachmentSegmentInvalid`],
    /// [`Error::AttachmentTrailingData`], [`Error::InvalidAttachmentPadding`],
    /// [`Error::AttachmentDigestMismatch`] (SPEC.md 16.4, in this order per segment), or
    /// [`Error::Io`]. Every later call returns the same error.
    pub fn next_segment(&mut self) -> Result<Option<&[u8]>, Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.done {
            return Ok(None);
        }
        match self.advance() {
            Ok(len) => Ok(Some(&self.buf[..len])),
            Err(error) => {
                self.buf.zeroize();
                self.failed = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Reads, checks and decrypts segment `next` into `buf`; returns its data length.
    fn advance(&mut self) -> Result<usize, Error> {
        let i = self.next;
        let last = i == self.layout.last();
        // At most one segment plus a tag: fits in usize since the buffer holds it.
        let len = self.layout.body_len(i) as usize + TAG_LEN;
        let buf = &mut self.buf[..len];
        if read_full(&mut self.reader, buf)? < len {
            return Err(Error::AttachmentTruncated { segment: i });
        }
        self.hash.update(&*buf);
        let size = last.then_some(self.layout.size);
        segment::open(self.crypto, &self.header.key, i, size, buf)?;
        let data = self.layout.data_len(i) as usize;
        if last {
            let mut probe = [0u8; 1];
            if read_full(&mut self.reader, &mut probe)? > 0 {
                return Err(Error::AttachmentTrailingData);
            }
        }
        if !padding_is_zero(&buf[data..len - TAG_LEN]) {
            return Err(Error::InvalidAttachmentPadding);
        }
        if last {
            let digest: [u8; 32] = self.hash.clone().finalize().into();
            if !bool::from(subtle::ConstantTimeEq::ct_eq(&digest[..], &self.digest[..])) {
                return Err(Error::AttachmentDigestMismatch);
            }
            self.done = true;
        }
        self.next += 1;
        Ok(data)
    }

    /// Reads to the end, discarding the plaintext: checks the whole file.
    ///
    /// # Errors
    /// As [`AttachmentOpener::next_segment`].
    pub fn verify_to_end(mut self) -> Result<(), Error> {
        while self.next_segment()?.is_some() {}
        Ok(())
    }
}

impl<R: Read> Read for AttachmentOpener<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.start == self.end {
            match self.next_segment() {
                Ok(Some(data)) => {
                    let len = data.len();
                    self.start = 0;
                    self.end = len;
                }
                Ok(None) => return Ok(0),
                Err(error) => return Err(into_io(error)),
            }
        }
        let n = (self.end - self.start).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}
