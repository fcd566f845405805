//! The attachment targets' fixture (SPEC.md 16): six files sealed with 64-byte segments, their
//! pointers and pointers edited from them; the edits that make an altered ciphertext stream;
//! a reader of input-chosen short reads; and SPEC.md 16.4's opening order written out as a
//! model the targets predict every answer with.
//!
//! Everything comes from one RNG seeded with [`ATTACHMENT_SEED`]; nothing is drawn from the
//! other fixtures, whose seeds therefore do not move. Built once, on first use.

use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::OnceLock;

use hushwire::{
    ATTACHMENT_HEADER_LEN, AttachmentMetadata, AttachmentOptions, AttachmentPointer, ContentType,
    Error, FileName, Padding, SegmentSize, Thumbnail, seal_bytes,
};
use prost::Message;
use rand::Rng;

use super::fixture::FIXTURE_SEED;
use crate::pb;

/// The seed of the attachment fixture's RNG.
pub const ATTACHMENT_SEED: u64 = FIXTURE_SEED ^ 0x50;

/// The segment size of every fixture file: 2^6 = 64 bytes, the smallest, so that a few
/// hundred bytes make several segments.
pub const ATTACHMENT_SEGMENT_LOG2: u8 = 6;

/// Plaintext bytes per segment (S).
const SEGMENT: usize = 1 << ATTACHMENT_SEGMENT_LOG2;
/// The AEAD tag every segment carries.
const TAG: usize = 16;
/// The header's length.
const HEADER: usize = ATTACHMENT_HEADER_LEN;

/// One sealed file of the fixture.
pub struct AttachmentFile {
    /// A short name, used in the seeds' file names.
    pub name: &'static str,
    /// The file.
    pub plaintext: Vec<u8>,
    /// The file followed by its padding (zeros): the plaintext stream of SPEC.md 16.2.
    pub padded: Vec<u8>,
    /// How it was padded.
    pub padding: Padding,
    /// The encrypted file.
    pub ciphertext: Vec<u8>,
    /// Its pointer, as sealing returned it.
    pub pointer: AttachmentPointer,
}

impl AttachmentFile {
    /// Number of segments (n).
    pub fn segments(&self) -> usize {
        self.padded.len().div_ceil(SEGMENT).max(1)
    }

    /// Where segment `i` (taken modulo the number of segments) lies in the ciphertext.
    pub fn segment_range(&self, i: usize) -> Range<usize> {
        let i = i % self.segments();
        let start = HEADER + i * (SEGMENT + TAG);
        let body = (self.padded.len() - i * SEGMENT).min(SEGMENT);
        start..start + body + TAG
    }
}

/// Every file the attachment targets open.
pub struct AttachmentFixture {
    /// In this order: `photo` (300 bytes, PADMÉ to 304, with a name and a thumbnail; its last
    /// byte is not zero), `empty` (0 bytes: one empty final segment), `segment` (64 bytes
    /// unpadded: one full final segment), `note` (200 bytes unpadded: three full segments and
    /// an 8-byte final one), `zeros-tail` (104 bytes, its own PADMÉ length, whose last 9 are zeros),
    /// `scan` (2049 bytes, PADMÉ to 2176: its padding fills segment 33 and most of 32).
    pub files: Vec<AttachmentFile>,
}

/// How a target's pointer differs from the one sealing made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointerVariant {
    /// The file's own pointer.
    Genuine,
    /// Its size plus `delta + 1`.
    SizePlus(u8),
    /// Its size minus `delta + 1` (at least 0).
    SizeMinus(u8),
    /// Its digest with the first bit flipped.
    DigestFlipped,
    /// The next fixture file's pointer (another key, digest and size).
    OtherFile,
    /// Its size set to the largest a pointer may say, 2^40 bytes (a receiver must not trust
    /// it for anything before the ciphertext bears it out).
    SizeMax,
}

impl PointerVariant {
    /// From a kind byte (modulo 8; 0 to 2 are [`Self::Genuine`]) and a delta byte.
    pub fn decode(kind: u8, delta: u8) -> Self {
        match kind % 8 {
            3 => Self::SizeMax,
            4 => Self::SizePlus(delta),
            5 => Self::SizeMinus(delta),
            6 => Self::DigestFlipped,
            7 => Self::OtherFile,
            _ => Self::Genuine,
        }
    }

    /// The kind and delta bytes [`Self::decode`] reads.
    pub fn encode(self) -> [u8; 2] {
        match self {
            Self::Genuine => [0, 0],
            Self::SizePlus(delta) => [4, delta],
            Self::SizeMinus(delta) => [5, delta],
            Self::DigestFlipped => [6, 0],
            Self::OtherFile => [7, 0],
            Self::SizeMax => [3, 0],
        }
    }
}

impl AttachmentFixture {
    /// The file an input's byte names (modulo the number of files).
    pub fn file(&self, index: u8) -> &AttachmentFile {
        &self.files[usize::from(index) % self.files.len()]
    }

    /// The file after the one `index` names: where [`PointerVariant::OtherFile`] and
    /// [`StreamEdit::FromOtherFile`] take their pointer and bytes.
    pub fn other(&self, index: u8) -> &AttachmentFile {
        &self.files[(usize::from(index) + 1) % self.files.len()]
    }

    /// The pointer `variant` of file `index`, and the model of what opening with it gives.
    pub fn pointer(&self, index: u8, variant: PointerVariant) -> (AttachmentPointer, Model<'_>) {
        let file = self.file(index);
        let genuine = &file.pointer;
        let (pointer, reference) = match variant {
            PointerVariant::Genuine => (genuine.clone(), file),
            PointerVariant::SizePlus(delta) => (
                edit_pointer(genuine, |p| p.size += u64::from(delta) + 1),
                file,
            ),
            PointerVariant::SizeMinus(delta) => (
                edit_pointer(genuine, |p| {
                    p.size = p.size.saturating_sub(u64::from(delta) + 1);
                }),
                file,
            ),
            PointerVariant::SizeMax => (
                edit_pointer(genuine, |p| p.size = hushwire::MAX_ATTACHMENT_LEN),
                file,
            ),
            PointerVariant::DigestFlipped => (
                edit_pointer(genuine, |p| p.ciphertext_sha256[0] ^= 0x80),
                file,
            ),
            PointerVariant::OtherFile => {
                let other = self.other(index);
                (other.pointer.clone(), other)
            }
        };
        let model = Model {
            reference,
            size: pointer.size(),
            digest_ok: pointer.ciphertext_sha256() == reference.pointer.ciphertext_sha256(),
        };
        (pointer, model)
    }
}

/// `pointer` with a field changed through its protobuf encoding.
fn edit_pointer(
    pointer: &AttachmentPointer,
    edit: impl FnOnce(&mut pb::AttachmentPointer),
) -> AttachmentPointer {
    let mut wire =
        pb::AttachmentPointer::decode(pointer.encode().as_slice()).expect("a pointer decodes");
    edit(&mut wire);
    AttachmentPointer::decode(&wire.encode_to_vec()).expect("an edited pointer decodes")
}

/// What opening a stream with a pointer gives, by SPEC.md 16.4, from what the fixture knows:
/// the file whose key the pointer holds (`reference`), the size the pointer says, and whether
/// its digest is that file's. A segment authenticates exactly when the stream holds, at the
/// place the pointer's layout reads it, the very bytes sealing wrote for the same segment of
/// `reference` with the same length and the same final flag, and, for the final segment,
/// when the pointer's size is the one sealed (its associated data, SPEC.md 16.2): nobody else
/// can make a tag under its key. Likewise a header passes its commitment exactly when it is
/// `reference`'s.
pub struct Model<'a> {
    /// The file whose key the pointer holds.
    pub reference: &'a AttachmentFile,
    /// The size the pointer says (L).
    pub size: u64,
    /// Whether the pointer's digest is the reference file's.
    pub digest_ok: bool,
}

/// A failure the reader is told to return: at which stream position, with which kind.
pub type Failure = Option<(usize, ErrorKind)>;

impl Model<'_> {
    /// The size as an index: every fixture size (and every size a variant makes) is small.
    fn len(&self) -> usize {
        usize::try_from(self.size).expect("a small size")
    }

    /// The padded length P for the pointer's size, with the reference file's padding.
    fn padded(&self) -> usize {
        usize::try_from(self.reference.padding.padded_len(self.size)).expect("a small size")
    }

    /// The number of segments n the pointer's size makes.
    pub fn segments(&self) -> usize {
        self.padded().div_ceil(SEGMENT).max(1)
    }

    /// Plaintext length of segment `i`, padding included.
    fn body(&self, i: usize) -> usize {
        (self.padded() - i * SEGMENT).min(SEGMENT)
    }

    /// How many bytes of segment `i` are the file's.
    fn data(&self, i: usize) -> usize {
        self.len().saturating_sub(i * SEGMENT).min(self.body(i))
    }

    /// Where segment `i` lies in the stream, by the pointer's layout.
    fn range(&self, i: usize) -> Range<usize> {
        let start = HEADER + i * (SEGMENT + TAG);
        start..start + self.body(i) + TAG
    }

    /// The length of the encrypted file the pointer's layout describes.
    pub fn ciphertext_len(&self) -> usize {
        HEADER + self.padded() + self.segments() * TAG
    }

    /// Steps 2 to 4 on a stream of at least 67 bytes.
    fn header(&self, stream: &[u8]) -> Result<(), Error> {
        if stream[0] != 1 {
            return Err(Error::UnsupportedVersion {
                found: u32::from(stream[0]),
            });
        }
        if !(6..=20).contains(&stream[1]) {
            return Err(Error::InvalidAttachmentHeader {
                reason: "segment size",
            });
        }
        if stream[2] > 1 {
            return Err(Error::InvalidAttachmentHeader { reason: "padding" });
        }
        if stream[..HEADER] != self.reference.ciphertext[..HEADER] {
            return Err(Error::AttachmentWrongKey);
        }
        Ok(())
    }

    /// Whether segment `i` of the pointer's layout authenticates in `stream` (which holds it
    /// in full).
    fn authentic(&self, stream: &[u8], i: usize) -> bool {
        let reference = self.reference;
        let last = i + 1 == self.segments();
        i < reference.segments()
            && self.body(i) == (reference.padded.len() - i * SEGMENT).min(SEGMENT)
            && last == (i + 1 == reference.segments())
            && (!last || self.size == reference.plaintext.len() as u64)
            && stream[self.range(i)] == reference.ciphertext[self.range(i)]
    }

    /// Whether the plaintext of authentic segment `i` past the pointer's size is all zeros.
    fn padding_is_zero(&self, i: usize) -> bool {
        let start = i * SEGMENT;
        self.reference.padded[start + self.data(i)..start + self.body(i)]
            .iter()
            .all(|&b| b == 0)
    }

    /// What a streaming opener gives on `stream` read through a reader that fails as `fail`
    /// says (SPEC.md 16.4 steps 1 to 6), and the plaintext it releases before its answer.
    pub fn predict_open(&self, stream: &[u8], fail: Failure) -> (Result<(), Error>, Vec<u8>) {
        let mut released = Vec::new();
        // The reader is asked for position `at` exactly when the opener wants a byte before
        // `extent` and the stream did not end before `at`.
        let io = |extent: usize| match fail {
            Some((at, kind)) if at < extent && at <= stream.len() => Err(Error::Io { kind }),
            _ => Ok(()),
        };
        let result = (|| {
            io(HEADER)?;
            if stream.len() < HEADER {
                return Err(Error::AttachmentTruncated { segment: 0 });
            }
            self.header(stream)?;
            let last = self.segments() - 1;
            for i in 0..=last {
                let range = self.range(i);
                io(range.end)?;
                if stream.len() < range.end {
                    return Err(Error::AttachmentTruncated { segment: i as u64 });
                }
                if !self.authentic(stream, i) {
                    return Err(Error::AttachmentSegmentInvalid { segment: i as u64 });
                }
                if i == last {
                    io(range.end + 1)?;
                    if stream.len() > range.end {
                        return Err(Error::AttachmentTrailingData);
                    }
                }
                if !self.padding_is_zero(i) {
                    return Err(Error::InvalidAttachmentPadding);
                }
                if i == last && !(self.digest_ok && stream == self.reference.ciphertext) {
                    return Err(Error::AttachmentDigestMismatch);
                }
                let start = i * SEGMENT;
                released.extend_from_slice(&self.reference.padded[start..start + self.data(i)]);
            }
            Ok(())
        })();
        (result, released)
    }

    /// What opening `stream` for random access gives: the header, then the file's length
    /// against the pointer's layout.
    pub fn predict_seekable(&self, stream: &[u8]) -> Result<(), Error> {
        if stream.len() < HEADER {
            return Err(Error::AttachmentTruncated { segment: 0 });
        }
        self.header(stream)?;
        let expected = self.ciphertext_len();
        if stream.len() < expected {
            return Err(Error::AttachmentTruncated {
                segment: ((stream.len() - HEADER) / (SEGMENT + TAG)) as u64,
            });
        }
        if stream.len() > expected {
            return Err(Error::AttachmentTrailingData);
        }
        Ok(())
    }

    /// What `read_at(offset, out)` with `len` bytes of `out` gives on a stream that opened for
    /// random access, and the plaintext it writes to `out` before its answer: each segment
    /// under the range in order, checked (tag, then padding) before any of its bytes.
    pub fn predict_read_at(
        &self,
        stream: &[u8],
        offset: u64,
        len: usize,
    ) -> (Result<usize, Error>, Vec<u8>) {
        let mut written = Vec::new();
        while written.len() < len {
            let at = offset.saturating_add(written.len() as u64);
            if at >= self.size {
                break;
            }
            let at = usize::try_from(at).expect("below the size");
            let i = at / SEGMENT;
            if !self.authentic(stream, i) {
                return (
                    Err(Error::AttachmentSegmentInvalid { segment: i as u64 }),
                    written,
                );
            }
            if !self.padding_is_zero(i) {
                return (Err(Error::InvalidAttachmentPadding), written);
            }
            let end = (i * SEGMENT + self.data(i)).min(at + len - written.len());
            written.extend_from_slice(&self.reference.padded[at..end]);
        }
        (Ok(written.len()), written)
    }
}

/// One change to a ciphertext stream, decoded from 4 input bytes `[kind, lo, hi, arg]`
/// (`kind` modulo 8; positions are `u16::from_le_bytes([lo, hi])`, taken modulo the
/// stream's length). Segment numbers are taken modulo the file's segment count and located by
/// the file's own layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamEdit {
    /// XOR the byte at `at` with `mask` (0 leaves it).
    Flip {
        /// Position.
        at: u16,
        /// What to flip.
        mask: u8,
    },
    /// Cut the stream to `at` bytes (modulo its length + 1).
    Truncate {
        /// The new length.
        at: u16,
    },
    /// Append `len` bytes of the file's own ciphertext from `from` (a replayed part).
    Append {
        /// Where the copied bytes start in the ciphertext.
        from: u16,
        /// How many.
        len: u8,
    },
    /// Remove `len` bytes at `at`.
    Delete {
        /// Position.
        at: u16,
        /// How many.
        len: u8,
    },
    /// Insert `byte` at `at` (modulo the length + 1).
    Insert {
        /// Position.
        at: u16,
        /// The byte.
        byte: u8,
    },
    /// Replace the bytes where segment `to` lies with the original segment `from`.
    CopySegment {
        /// Whose place.
        to: u8,
        /// Which segment.
        from: u8,
    },
    /// Exchange the bytes where segments `a` and `b` lie.
    SwapSegments {
        /// One segment.
        a: u8,
        /// The other.
        b: u8,
    },
    /// Replace `len` bytes at `at` with the next fixture file's ciphertext at the same place.
    FromOtherFile {
        /// Position.
        at: u16,
        /// How many.
        len: u8,
    },
}

/// Length of an encoded [`StreamEdit`].
pub const EDIT_LEN: usize = 4;

impl StreamEdit {
    /// Decodes 4 bytes.
    pub fn decode(bytes: [u8; EDIT_LEN]) -> Self {
        let [kind, lo, hi, arg] = bytes;
        let at = u16::from_le_bytes([lo, hi]);
        match kind % 8 {
            0 => Self::Flip { at, mask: arg },
            1 => Self::Truncate { at },
            2 => Self::Append { from: at, len: arg },
            3 => Self::Delete { at, len: arg },
            4 => Self::Insert { at, byte: arg },
            5 => Self::CopySegment { to: lo, from: arg },
            6 => Self::SwapSegments { a: lo, b: arg },
            _ => Self::FromOtherFile { at, len: arg },
        }
    }

    /// The 4 bytes [`Self::decode`] reads back as `self`.
    pub fn encode(self) -> [u8; EDIT_LEN] {
        let at = |kind: u8, at: u16, arg: u8| {
            let [lo, hi] = at.to_le_bytes();
            [kind, lo, hi, arg]
        };
        match self {
            Self::Flip { at: p, mask } => at(0, p, mask),
            Self::Truncate { at: p } => at(1, p, 0),
            Self::Append { from, len } => at(2, from, len),
            Self::Delete { at: p, len } => at(3, p, len),
            Self::Insert { at: p, byte } => at(4, p, byte),
            Self::CopySegment { to, from } => [5, to, 0, from],
            Self::SwapSegments { a, b } => [6, a, 0, b],
            Self::FromOtherFile { at: p, len } => at(7, p, len),
        }
    }

    /// Applies the edit to `stream`, made from `file`'s ciphertext; `other` is the next file.
    pub fn apply(self, stream: &mut Vec<u8>, file: &AttachmentFile, other: &AttachmentFile) {
        let len = stream.len();
        let clip = |r: Range<usize>| r.start.min(len)..r.end.min(len);
        match self {
            Self::Flip { at, mask } => {
                if len > 0 {
                    stream[usize::from(at) % len] ^= mask;
                }
            }
            Self::Truncate { at } => stream.truncate(usize::from(at) % (len + 1)),
            Self::Append { from, len: n } => {
                let source = &file.ciphertext;
                let start = usize::from(from) % source.len();
                let end = (start + usize::from(n)).min(source.len());
                stream.extend_from_slice(&source[start..end]);
            }
            Self::Delete { at, len: n } => {
                if len > 0 {
                    let start = usize::from(at) % len;
                    stream.drain(start..(start + usize::from(n)).min(len));
                }
            }
            Self::Insert { at, byte } => stream.insert(usize::from(at) % (len + 1), byte),
            Self::CopySegment { to, from } => {
                let source = &file.ciphertext[file.segment_range(usize::from(from))];
                stream.splice(
                    clip(file.segment_range(usize::from(to))),
                    source.iter().copied(),
                );
            }
            Self::SwapSegments { a, b } => {
                let (a, b) = (
                    file.segment_range(usize::from(a)),
                    file.segment_range(usize::from(b)),
                );
                let (x, y) = if a.start <= b.start { (a, b) } else { (b, a) };
                let (x, y) = (clip(x), clip(y));
                if x == y || y.is_empty() {
                    return;
                }
                let mut swapped = stream[..x.start].to_vec();
                swapped.extend_from_slice(&stream[y.clone()]);
                swapped.extend_from_slice(&stream[x.end..y.start]);
                swapped.extend_from_slice(&stream[x]);
                swapped.extend_from_slice(&stream[y.end..]);
                *stream = swapped;
            }
            Self::FromOtherFile { at, len: n } => {
                let start = if len == 0 { 0 } else { usize::from(at) % len };
                let end = start + usize::from(n);
                let source = &other.ciphertext;
                let bytes = &source[start.min(source.len())..end.min(source.len())];
                stream.splice(start..end.min(len), bytes.iter().copied());
            }
        }
    }
}

/// The I/O error kinds a reader may be told to fail with (never `Interrupted`, which
/// `read_full` retries, nor `InvalidData`, which carries hushwire's own errors).
pub const FAILURE_KINDS: [ErrorKind; 4] = [
    ErrorKind::ConnectionReset,
    ErrorKind::UnexpectedEof,
    ErrorKind::PermissionDenied,
    ErrorKind::Other,
];

/// A reader (and seeker) over a stream that returns reads of input-chosen sizes, optionally
/// an `Interrupted` error before some of them, and optionally fails for good at one
/// position.
pub struct ChunkedReader<'a> {
    data: &'a [u8],
    position: u64,
    /// Read sizes, in turn: 0 is "as much as asked" (or an `Interrupted` first).
    chunks: &'a [u8],
    next: usize,
    interrupts: bool,
    interrupted: bool,
    fail: Failure,
}

impl<'a> ChunkedReader<'a> {
    /// A reader of `data`.
    pub fn new(data: &'a [u8], chunks: &'a [u8], interrupts: bool, fail: Failure) -> Self {
        Self {
            data,
            position: 0,
            chunks,
            next: 0,
            interrupts,
            interrupted: false,
            fail,
        }
    }
}

impl Read for ChunkedReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let position = usize::try_from(self.position).unwrap_or(usize::MAX);
        if let Some((at, kind)) = self.fail
            && position >= at
        {
            return Err(kind.into());
        }
        let mut n = out.len();
        if !self.chunks.is_empty() {
            let chunk = self.chunks[self.next % self.chunks.len()];
            if chunk == 0 && self.interrupts && !self.interrupted {
                // Never twice in a row: the retry reads.
                self.interrupted = true;
                return Err(ErrorKind::Interrupted.into());
            }
            self.interrupted = false;
            self.next += 1;
            if chunk > 0 {
                n = n.min(usize::from(chunk));
            }
        }
        let limit = self
            .fail
            .map_or(self.data.len(), |(at, _)| at.min(self.data.len()));
        let n = n.min(limit.saturating_sub(position));
        if n > 0 {
            out[..n].copy_from_slice(&self.data[position..position + n]);
        }
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for ChunkedReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(delta) => (self.data.len() as u64).checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        self.position = target.ok_or(ErrorKind::InvalidInput)?;
        Ok(self.position)
    }
}

/// The hushwire error an I/O error from an opener carries: the error inside an `InvalidData`
/// one, else [`Error::Io`] with its kind. Panics if an `InvalidData` error carries none, or
/// another kind carries one.
pub(crate) fn unwrap_io(error: &std::io::Error) -> Error {
    let inner = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>());
    if error.kind() == ErrorKind::InvalidData {
        let inner = inner
            .expect("InvalidData carries a hushwire::Error")
            .clone();
        assert!(
            !matches!(inner, Error::Io { .. }),
            "an Io error wrapped: {inner:?}"
        );
        inner
    } else {
        assert!(inner.is_none(), "{error:?} carries an error");
        Error::Io { kind: error.kind() }
    }
}

impl AttachmentFixture {
    fn build() -> Self {
        let mut rng = crate::fixtures::rng(ATTACHMENT_SEED);
        let options = |padding| AttachmentOptions {
            segment_size: SegmentSize::from_log2(ATTACHMENT_SEGMENT_LOG2).expect("64 bytes"),
            padding,
            provider: crate::fixtures::provider(),
        };
        let kind = |value: &str| ContentType::new(value).expect("a content type");
        let name = |value: &str| FileName::new(value).expect("a file name");
        let mut random = |len: usize| {
            let mut bytes = vec![0u8; len];
            rng.fill_bytes(&mut bytes);
            bytes
        };
        let mut photo = random(300);
        photo[299] |= 1;
        let mut zeros_tail = random(104);
        zeros_tail[94] |= 1;
        zeros_tail[95..].fill(0);
        let thumbnail = random(48);
        let specs: Vec<(&'static str, Vec<u8>, Padding, AttachmentMetadata)> = vec![
            (
                "photo",
                photo,
                Padding::Padme,
                AttachmentMetadata::new(kind("image/jpeg"))
                    .with_file_name(name("parcel photo.jpg"))
                    .with_thumbnail(Thumbnail::new(thumbnail).expect("a thumbnail")),
            ),
            (
                "empty",
                Vec::new(),
                Padding::Padme,
                AttachmentMetadata::new(kind("text/plain")),
            ),
            (
                "segment",
                random(SEGMENT),
                Padding::None,
                AttachmentMetadata::new(kind("application/octet-stream")),
            ),
            (
                "note",
                random(200),
                Padding::None,
                AttachmentMetadata::new(kind("text/plain")).with_file_name(name("note.txt")),
            ),
            (
                "zeros-tail",
                zeros_tail,
                Padding::Padme,
                AttachmentMetadata::new(kind("application/octet-stream")),
            ),
            (
                "scan",
                random(2049),
                Padding::Padme,
                AttachmentMetadata::new(kind("application/pdf"))
                    .with_file_name(name("Rechnung März.pdf")),
            ),
        ];
        let files: Vec<AttachmentFile> = specs
            .into_iter()
            .map(|(name, plaintext, padding, metadata)| {
                let (ciphertext, pointer) =
                    seal_bytes(&mut rng, &plaintext, metadata, options(padding))
                        .expect("a fixture file seals");
                let mut padded = plaintext.clone();
                padded.resize(
                    usize::try_from(padding.padded_len(plaintext.len() as u64))
                        .expect("a small file"),
                    0,
                );
                let file = AttachmentFile {
                    name,
                    plaintext,
                    padded,
                    padding,
                    ciphertext,
                    pointer,
                };
                let end = file.segment_range(file.segments() - 1).end;
                assert_eq!(end, file.ciphertext.len(), "{name}: SPEC.md 16.2's length");
                file
            })
            .collect();
        for (i, a) in files.iter().enumerate() {
            for b in &files[i + 1..] {
                assert!(a.pointer.file_key() != b.pointer.file_key(), "fresh keys");
                assert_ne!(a.ciphertext[3..35], b.ciphertext[3..35], "fresh salts");
            }
        }
        Self { files }
    }
}

/// The fixture, built on first use.
pub fn attachment_fixture() -> &'static AttachmentFixture {
    static FIXTURE: OnceLock<AttachmentFixture> = OnceLock::new();
    FIXTURE.get_or_init(AttachmentFixture::build)
}
