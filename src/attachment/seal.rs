//! Streaming encryption (SPEC.md 16.2): a writer that seals full segments as they fill and
//! returns the pointer at the end.

use std::io::Write;

use rand::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::MAX_ATTACHMENT_LEN;
use super::file_key::FileKey;
use super::header::{Header, SegmentSize};
use super::metadata::AttachmentMetadata;
use super::padding::Padding;
use super::pointer::AttachmentPointer;
use super::segment;
use crate::Error;
use crate::provider::{CryptoProvider, RUST_CRYPTO, TAG_LEN};

/// How a file is sealed.
#[derive(Clone, Copy, Debug)]
pub struct AttachmentOptions {
    /// The segment size (default 64 KiB).
    pub segment_size: SegmentSize,
    /// Whether the length is padded (default [`Padding::Padme`]).
    pub padding: Padding,
    /// Where ChaCha20-Poly1305 comes from (default [`RUST_CRYPTO`]); both built-in providers
    /// produce the same bytes.
    pub provider: &'static CryptoProvider,
}

impl Default for AttachmentOptions {
    fn default() -> Self {
        Self {
            segment_size: SegmentSize::DEFAULT,
            padding: Padding::default(),
            provider: &RUST_CRYPTO,
        }
    }
}

/// Encrypts a file of any size in constant memory.
///
/// [`AttachmentSealer::new`] draws the file key and the header's salt from `rng` and writes
/// the header; every full segment is sealed and written once the next byte arrives (the
/// final segment is flagged, so one full segment is always held back);
/// [`AttachmentSealer::finish`] pads, seals the final segment and returns the pointer.
///
/// ```
/// # use hushwire::{AttachmentMetadata, AttachmentOptions, AttachmentSealer, ContentType};
/// # // Seeded so the example is reproducible; an application passes its operating system's
/// # // RNG (a fixed seed would draw the same file key and salt every time).
/// # let mut rng = <rand_chacha::ChaCha20Rng as rand::SeedableRng>::seed_from_u64(1);
/// let metadata = AttachmentMetadata::new(ContentType::new("text/plain")?);
/// let mut sealer = AttachmentSealer::new(&mut rng, Vec::new(), metadata, AttachmentOptions::default())?;
/// sealer.write_chunk(b"the parcel arrived ")?;
/// sealer.write_chunk(b"damaged")?;
/// let (pointer, ciphertext) = sealer.finish()?;
/// assert_eq!(pointer.size(), 26);
/// assert_eq!(hushwire::open_bytes(&ciphertext, &pointer)?, b"the parcel arrived damaged");
/// # Ok::<(), hushwire::Error>(())
/// ```
///
/// After a write to the underlying writer fails, the sealer refuses every further call: the
/// output is incomplete and must be discarded.
pub struct AttachmentSealer<W: Write> {
    writer: W,
    crypto: &'static CryptoProvider,
    file_key: FileKey,
    header: Header,
    metadata: AttachmentMetadata,
    /// Pending plaintext (at most one segment), then room for the tag.
    buf: Zeroizing<Vec<u8>>,
    segment: usize,
    next: u64,
    size: u64,
    hash: Sha256,
    failed: Option<Error>,
}

impl<W: Write> AttachmentSealer<W> {
    /// Starts a file: draws a fresh file key, then a 32-byte salt, from `rng` (in this
    /// order), and writes the header.
    ///
    /// # Errors
    /// [`Error::Io`] if writing the header fails.
    pub fn new<R: CryptoRng + ?Sized>(
        rng: &mut R,
        mut writer: W,
        metadata: AttachmentMetadata,
        options: AttachmentOptions,
    ) -> Result<Self, Error> {
        let file_key = FileKey::generate(rng);
        let mut salt = [0u8; 32];
        rng.fill_bytes(&mut salt);
        let (bytes, header) =
            Header::create(&file_key, options.segment_size, options.padding, &salt);
        writer.write_all(&bytes)?;
        let mut hash = Sha256::new();
        hash.update(bytes);
        let segment = options.segment_size.bytes();
        Ok(Self {
            writer,
            crypto: options.provider,
            file_key,
            header,
            metadata,
            buf: Zeroizing::new(Vec::with_capacity(segment + TAG_LEN)),
            segment,
            next: 0,
            size: 0,
            hash,
            failed: None,
        })
    }

    /// How many plaintext bytes the sealer has taken.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds `data` to the file.
    ///
    /// # Errors
    /// [`Error::TooLarge`] past [`MAX_ATTACHMENT_LEN`] (nothing of `data` is taken then);
    /// [`Error::Io`] if writing a segment fails, after which the sealer is unusable.
    pub fn write_chunk(&mut self, data: &[u8]) -> Result<(), Error> {
        self.check()?;
        let total = self.size.saturating_add(data.len() as u64);
        if total > MAX_ATTACHMENT_LEN {
            return Err(Error::TooLarge {
                len: usize::try_from(total).unwrap_or(usize::MAX),
                max: usize::try_from(MAX_ATTACHMENT_LEN).unwrap_or(usize::MAX),
            });
        }
        self.take(data)?;
        self.size = total;
        Ok(())
    }

    /// Buffers `data`, sealing each full segment once more bytes follow it.
    fn take(&mut self, mut data: &[u8]) -> Result<(), Error> {
        while !data.is_empty() {
            if self.buf.len() == self.segment {
                self.flush_segment(false)?;
            }
            let n = (self.segment - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        Ok(())
    }

    /// Seals the buffered plaintext as segment `next` and writes it.
    fn flush_segment(&mut self, last: bool) -> Result<(), Error> {
        let body = self.buf.len();
        self.buf.resize(body + TAG_LEN, 0);
        let sealed = segment::seal(
            self.crypto,
            &self.header.key,
            self.next,
            last.then_some(self.size),
            &mut self.buf,
        );
        let result = sealed.and_then(|()| {
            self.hash.update(&self.buf[..]);
            self.writer.write_all(&self.buf).map_err(Error::from)
        });
        self.buf.clear();
        self.next += 1;
        result.inspect_err(|e| self.failed = Some(e.clone()))
    }

    fn check(&self) -> Result<(), Error> {
        match &self.failed {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Ends the file: adds the padding, seals the final segment, flushes the writer, and
    /// returns the pointer and the writer.
    ///
    /// # Errors
    /// [`Error::Io`] if a write or the flush fails (or an earlier one did).
    pub fn finish(mut self) -> Result<(AttachmentPointer, W), Error> {
        self.check()?;
        let mut padding = self.header.padding.padded_len(self.size) - self.size;
        let zeros = [0u8; 4096];
        while padding > 0 {
            let n = usize::try_from(padding).map_or(zeros.len(), |p| p.min(zeros.len()));
            self.take(&zeros[..n])?;
            padding -= n as u64;
        }
        self.flush_segment(true)?;
        self.writer.flush()?;
        let digest: [u8; 32] = self.hash.clone().finalize().into();
        let pointer = AttachmentPointer {
            file_key: self.file_key.clone(),
            digest,
            size: self.size,
            metadata: self.metadata.clone(),
        };
        Ok((pointer, self.writer))
    }
}

/// The sealer as a [`Write`]: every byte written is taken whole, or the write fails.
/// Call [`AttachmentSealer::finish`] at the end; dropping the sealer without it leaves an
/// encrypted file that no receiver will open (its final segment is missing).
impl<W: Write> Write for AttachmentSealer<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.write_chunk(data).map_err(into_io)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// A hushwire error as an I/O error: the kind it came from for [`Error::Io`], else
/// `InvalidData` carrying the error (recover it with `get_ref` and `downcast_ref`).
pub(crate) fn into_io(error: Error) -> std::io::Error {
    match error {
        Error::Io { kind } => std::io::Error::from(kind),
        Error::TooLarge { .. } => std::io::Error::new(std::io::ErrorKind::FileTooLarge, error),
        other => std::io::Error::new(std::io::ErrorKind::InvalidData, other),
    }
}
