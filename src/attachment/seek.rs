//! Random access (SPEC.md 16.4): decrypt any byte range by reading only the segments that
//! hold it, for seeking in a video or resuming a download.

use std::io::{Read, Seek, SeekFrom};

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::header::{ATTACHMENT_HEADER_LEN, Header};
use super::layout::Layout;
use super::open::{padding_is_zero, read_header};
use super::pointer::AttachmentPointer;
use super::read_full::read_full;
use super::seal::into_io;
use super::segment;
use crate::Error;
use crate::provider::{CryptoProvider, RUST_CRYPTO, TAG_LEN};

/// An encrypted file opened for random access.
///
/// [`SeekableAttachment::new`] checks the header and the file's length (so a file cut short
/// or extended is refused up front); [`SeekableAttachment::read_at`] then decrypts the
/// segments under any range, each checked at its position (and the final one as final)
/// before a byte of it is returned. It also implements [`Read`] and [`Seek`] over the
/// plaintext, for media players.
///
/// Random access cannot check the pointer's SHA-256 of the whole file without reading all of
/// it: every byte returned was authenticated under the file key, but someone else holding
/// that key (another member of the group) could have uploaded another file under it. Call
/// [`SeekableAttachment::verify_digest`] (one pass over the ciphertext) before trusting the
/// file as the sender's, as a download that completes should.
pub struct SeekableAttachment<R: Read + Seek> {
    reader: R,
    crypto: &'static CryptoProvider,
    header: Header,
    layout: Layout,
    digest: [u8; 32],
    buf: Zeroizing<Vec<u8>>,
    /// The segment whose plaintext `buf` holds.
    cached: Option<u64>,
    position: u64,
}

impl<R: Read + Seek> SeekableAttachment<R> {
    /// Opens with the default provider.
    ///
    /// # Errors
    /// As [`SeekableAttachment::with_provider`].
    pub fn new(reader: R, pointer: &AttachmentPointer) -> Result<Self, Error> {
        Self::with_provider(reader, pointer, &RUST_CRYPTO)
    }

    /// Reads the header from the start and checks it as [`crate::AttachmentOpener`] does, then
    /// the file's length against the pointer's size: shorter is
    /// [`Error::AttachmentTruncated`] (at the first incomplete segment), longer
    /// [`Error::AttachmentTrailingData`].
    ///
    /// # Errors
    /// Those, the header's errors, and [`Error::Io`].
    pub fn with_provider(
        mut reader: R,
        pointer: &AttachmentPointer,
        crypto: &'static CryptoProvider,
    ) -> Result<Self, Error> {
        reader.seek(SeekFrom::Start(0))?;
        let (header, _) = read_header(&mut reader, pointer)?;
        let layout = Layout::new(pointer.size, header.segment_size, header.padding);
        let len = reader.seek(SeekFrom::End(0))?;
        let expected = layout.ciphertext_len();
        if len < expected {
            let stride = layout.segment + TAG_LEN as u64;
            // `len` is at least the header's unless the file shrank since it was read.
            let complete = len.saturating_sub(ATTACHMENT_HEADER_LEN as u64) / stride;
            return Err(Error::AttachmentTruncated { segment: complete });
        }
        if len > expected {
            return Err(Error::AttachmentTrailingData);
        }
        Ok(Self {
            reader,
            crypto,
            buf: Zeroizing::new(vec![0; header.segment_size.bytes() + TAG_LEN]),
            header,
            layout,
            digest: pointer.digest,
            cached: None,
            position: 0,
        })
    }

    /// The plaintext's length.
    pub fn size(&self) -> u64 {
        self.layout.size
    }

    /// Decrypts segment `i` into `buf` unless it is there already.
    fn load(&mut self, i: u64) -> Result<(), Error> {
        if self.cached == Some(i) {
            return Ok(());
        }
        self.cached = None;
        let len = self.layout.body_len(i) as usize + TAG_LEN;
        self.reader.seek(SeekFrom::Start(self.layout.offset(i)))?;
        let buf = &mut self.buf[..len];
        if read_full(&mut self.reader, buf)? < len {
            // The length was checked when opening: the file changed under us.
            return Err(Error::AttachmentTruncated { segment: i });
        }
        segment::open(
            self.crypto,
            &self.header.key,
            i,
            (i == self.layout.last()).then_some(self.layout.size),
            buf,
        )?;
        let data = self.layout.data_len(i) as usize;
        if !padding_is_zero(&buf[data..len - TAG_LEN]) {
            buf.zeroize();
            return Err(Error::InvalidAttachmentPadding);
        }
        self.cached = Some(i);
        Ok(())
    }

    /// Decrypts plaintext from `offset` into `out`; returns how many bytes it wrote, less
    /// than `out.len()` only at the end of the file (0 at or past it).
    ///
    /// # Errors
    /// [`Error::AttachmentSegmentInvalid`] for a segment that does not authenticate at its
    /// position, [`Error::InvalidAttachmentPadding`], [`Error::AttachmentTruncated`] if the file
    /// shrank since it was opened, [`Error::Io`]. Nothing is written to `out` for a segment
    /// that fails.
    pub fn read_at(&mut self, offset: u64, out: &mut [u8]) -> Result<usize, Error> {
        let mut written = 0;
        while written < out.len() {
            let at = offset.saturating_add(written as u64);
            if at >= self.layout.size {
                break;
            }
            let i = at / self.layout.segment;
            self.load(i)?;
            let within = (at - i * self.layout.segment) as usize;
            let data = self.layout.data_len(i) as usize;
            let n = (data - within).min(out.len() - written);
            out[written..written + n].copy_from_slice(&self.buf[within..within + n]);
            written += n;
        }
        Ok(written)
    }

    /// Reads the whole ciphertext and checks its SHA-256 against the pointer's (in constant
    /// time). Memory stays constant.
    ///
    /// # Errors
    /// [`Error::AttachmentDigestMismatch`], [`Error::Io`].
    pub fn verify_digest(&mut self) -> Result<(), Error> {
        self.cached = None;
        self.reader.seek(SeekFrom::Start(0))?;
        let mut hash = Sha256::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = read_full(&mut self.reader, &mut chunk)?;
            hash.update(&chunk[..n]);
            if n < chunk.len() {
                break;
            }
        }
        let digest: [u8; 32] = hash.finalize().into();
        if bool::from(subtle::ConstantTimeEq::ct_eq(&digest[..], &self.digest[..])) {
            Ok(())
        } else {
            Err(Error::AttachmentDigestMismatch)
        }
    }
}

impl<R: Read + Seek> Read for SeekableAttachment<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.read_at(self.position, out).map_err(into_io)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for SeekableAttachment<R> {
    /// Moves within the plaintext; as for files, a position past the end is allowed (reads
    /// there return 0 bytes), one before the start is an error.
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(delta) => self.layout.size.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        let target = target.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start")
        })?;
        self.position = target;
        Ok(target)
    }
}
