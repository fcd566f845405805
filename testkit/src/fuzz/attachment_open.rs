//! The `attachment_open` target: a fixture file's ciphertext, altered as the input says (or
//! replaced by the input), opened as a stream through a reader of input-chosen short reads.

use std::io::{ErrorKind, Read};

use hushwire::{AttachmentOpener, AttachmentPointer, Error, ErrorCategory, open_bytes};

use super::Outcome;
use super::attachment_fixture::{
    AttachmentFixture, ChunkedReader, EDIT_LEN, FAILURE_KINDS, Failure, Model, PointerVariant,
    StreamEdit, attachment_fixture, unwrap_io,
};

/// The most edits an input applies.
pub const MAX_ATTACHMENT_EDITS: usize = 64;

/// Size of the fixed part of an encoded [`OpenInput`].
const FIXED: usize = 7;

/// What the ciphertext stream is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpenStream {
    /// The fixture file's ciphertext with these edits, in order.
    Edited(Vec<StreamEdit>),
    /// These bytes.
    Raw(Vec<u8>),
}

/// An input of `attachment_open`, decoded by hand from the fuzzer's bytes (missing bytes
/// read as 0, so every input decodes):
///
/// ```text
/// [0] file (modulo the fixture's 6)   [1] pointer variant   [2] its delta
/// [3] flags: bit 0 raw stream, bit 1 interrupts, bit 2 fail, bits 3-4 the failure's kind
/// [4..6] the failure's position, u16 little-endian   [6] k   [7..7+k] read sizes
/// then the raw stream, or edits of 4 bytes each (at most 64; a partial one is dropped)
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenInput {
    /// The fixture file (modulo their number).
    pub file: u8,
    /// The pointer used.
    pub variant: PointerVariant,
    /// Whether a read size of 0 means an `Interrupted` error first.
    pub interrupts: bool,
    /// The reader fails for good at this position with [`FAILURE_KINDS`]`[kind % 4]`.
    pub fail: Option<(u16, u8)>,
    /// Read sizes the reader returns in turn (0: as much as asked, after an `Interrupted`
    /// if `interrupts`); the `Read` side's buffer sizes are the same list backwards (0: 4096).
    pub chunks: Vec<u8>,
    /// The stream.
    pub stream: OpenStream,
}

impl OpenInput {
    /// Decodes any bytes.
    pub fn decode(data: &[u8]) -> Self {
        let byte = |i: usize| data.get(i).copied().unwrap_or(0);
        let flags = byte(3);
        let k = usize::from(byte(6));
        let rest = data.get(FIXED..).unwrap_or(&[]);
        let (chunks, rest) = rest.split_at(k.min(rest.len()));
        let stream = if flags & 1 != 0 {
            OpenStream::Raw(rest.to_vec())
        } else {
            OpenStream::Edited(
                rest.chunks_exact(EDIT_LEN)
                    .take(MAX_ATTACHMENT_EDITS)
                    .map(|c| StreamEdit::decode([c[0], c[1], c[2], c[3]]))
                    .collect(),
            )
        };
        Self {
            file: byte(0),
            variant: PointerVariant::decode(byte(1), byte(2)),
            interrupts: flags & 2 != 0,
            fail: (flags & 4 != 0)
                .then(|| (u16::from_le_bytes([byte(4), byte(5)]), (flags >> 3) & 3)),
            chunks: chunks.to_vec(),
            stream,
        }
    }

    /// The bytes [`Self::decode`] reads back as `self` (at most 255 read sizes and 64 edits,
    /// a failure kind below 4).
    pub fn encode(&self) -> Vec<u8> {
        let (at, kind) = self.fail.unwrap_or((0, 0));
        let flags = u8::from(matches!(self.stream, OpenStream::Raw(_)))
            | (u8::from(self.interrupts) << 1)
            | (u8::from(self.fail.is_some()) << 2)
            | ((kind & 3) << 3);
        let [vk, vd] = self.variant.encode();
        let [lo, hi] = at.to_le_bytes();
        let mut out = vec![self.file, vk, vd, flags, lo, hi, self.chunks.len() as u8];
        out.extend_from_slice(&self.chunks);
        match &self.stream {
            OpenStream::Raw(bytes) => out.extend_from_slice(bytes),
            OpenStream::Edited(edits) => {
                for edit in edits {
                    out.extend_from_slice(&edit.encode());
                }
            }
        }
        out
    }

    /// The ciphertext stream the input describes.
    pub fn stream_bytes(&self, fixture: &AttachmentFixture) -> Vec<u8> {
        match &self.stream {
            OpenStream::Raw(bytes) => bytes.clone(),
            OpenStream::Edited(edits) => {
                let (file, other) = (fixture.file(self.file), fixture.other(self.file));
                let mut stream = file.ciphertext.clone();
                for edit in edits {
                    edit.apply(&mut stream, file, other);
                }
                stream
            }
        }
    }

    /// The pointer the input names, and the model of opening with it.
    pub fn pointer<'a>(&self, fixture: &'a AttachmentFixture) -> (AttachmentPointer, Model<'a>) {
        fixture.pointer(self.file, self.variant)
    }

    /// Where and how the reader fails, if it does.
    pub fn failure(&self) -> Failure {
        self.fail
            .map(|(at, kind)| (usize::from(at), FAILURE_KINDS[usize::from(kind % 4)]))
    }

    /// A reader of `stream` as the input says.
    pub fn reader<'a>(&'a self, stream: &'a [u8]) -> ChunkedReader<'a> {
        ChunkedReader::new(stream, &self.chunks, self.interrupts, self.failure())
    }

    /// The `Read` side's buffer size for its `j`-th call.
    fn buffer_size(&self, j: usize) -> usize {
        match self.chunks.len() {
            0 => 4096,
            k => match self.chunks[k - 1 - j % k] {
                0 => 4096,
                size => usize::from(size),
            },
        }
    }
}

/// `attachment_open`: [`AttachmentOpener`] on a fixture file's ciphertext (SPEC.md 16.4),
/// with the input choosing the file (`photo`, `empty`, `segment`, `note`, `zeros-tail`,
/// `scan`, all with 64-byte segments), the pointer (its own, its size moved up or down or
/// set to 2^40, its digest flipped, or the next file's), the stream (the ciphertext with edits: flips,
/// truncation, appended replays, deletions, insertions, segments copied or swapped, bytes of
/// the next file spliced in; or raw bytes), and the reader (short reads of chosen sizes,
/// `Interrupted` errors, a failure for good at a chosen position):
///
/// - the opener never panics, and its answer is exactly the one SPEC.md 16.4's order gives,
///   predicted by [`Model::predict_open`]: the first failing check (header, each segment's
///   length, tag, end, padding, the digest) with its error, or the reader's failure as
///   [`Error::Io`] of its kind exactly when the opener asked for a byte at or past it;
/// - the plaintext released before an error is exactly the segments that passed, and a
///   success yields exactly the fixture's plaintext, and means that the pointer's size is the
///   one sealed and the stream is byte for byte the
///   ciphertext sealing wrote (any edit was a no-op);
/// - `next_segment` and the `Read` impl (with buffers of other chosen sizes) agree on every
///   byte and on the answer; `Read`'s errors are `InvalidData` carrying the same
///   [`hushwire::Error`], or the reader's own kind; `Interrupted` never escapes; after an
///   error, every later call returns it again, and after the end `None` and `Ok(0)` again;
/// - [`open_bytes`] on the same stream gives the same answer as a reader that never fails.
///
/// The input reaches the deepest path when the opener succeeds.
pub fn attachment_open(data: &[u8]) -> Outcome {
    let fixture = attachment_fixture();
    let input = OpenInput::decode(data);
    let stream = input.stream_bytes(fixture);
    let (pointer, model) = input.pointer(fixture);
    let (expected, released) = model.predict_open(&stream, input.failure());

    let (by_segments, segments_out) = open_by_segments(&input, &stream, &pointer, &model);
    assert_eq!(by_segments, expected, "next_segment's answer");
    assert!(
        segments_out == released,
        "next_segment released {} bytes, {} expected",
        segments_out.len(),
        released.len()
    );
    let (by_read, read_out) = open_by_read(&input, &stream, &pointer);
    assert_eq!(by_read, expected, "Read's answer");
    assert!(read_out == released, "Read released other bytes");

    let whole = open_bytes(&stream, &pointer);
    let (unfailing, plaintext) = model.predict_open(&stream, None);
    match (&whole, unfailing) {
        (Ok(got), Ok(())) => assert!(got == &plaintext, "open_bytes' plaintext"),
        (Err(error), Err(want)) => assert_eq!(error, &want, "open_bytes"),
        (got, want) => panic!("open_bytes gave {got:?}, {want:?} expected"),
    }

    match expected {
        Ok(()) => {
            assert!(
                stream == model.reference.ciphertext,
                "a modified stream opened"
            );
            assert_eq!(
                pointer.size(),
                model.reference.plaintext.len() as u64,
                "opened under another size"
            );
            assert!(released == model.reference.plaintext, "not the sealed file");
            Outcome::Accepted
        }
        Err(error) => {
            assert!(
                matches!(
                    error.category(),
                    ErrorCategory::Attachment | ErrorCategory::Io
                ) || matches!(error, Error::UnsupportedVersion { .. }),
                "{error:?}"
            );
            assert!(!matches!(
                error,
                Error::Io {
                    kind: ErrorKind::Interrupted
                }
            ));
            Outcome::Rejected
        }
    }
}

/// Opens through [`AttachmentOpener::next_segment`] with the fixture's provider: the answer
/// and the plaintext released.
fn open_by_segments(
    input: &OpenInput,
    stream: &[u8],
    pointer: &AttachmentPointer,
    model: &Model<'_>,
) -> (Result<(), Error>, Vec<u8>) {
    let mut released = Vec::new();
    let provider = crate::fixtures::provider();
    let mut opener = match AttachmentOpener::with_provider(input.reader(stream), pointer, provider)
    {
        Ok(opener) => opener,
        Err(error) => return (Err(error), released),
    };
    assert_eq!(opener.size(), pointer.size());
    let mut count = 0;
    loop {
        match opener.next_segment() {
            Ok(Some(segment)) => {
                count += 1;
                assert!(count <= model.segments(), "more segments than the layout");
                assert!(segment.len() <= 64);
                released.extend_from_slice(segment);
            }
            Ok(None) => {
                assert_eq!(count, model.segments());
                assert_eq!(opener.next_segment(), Ok(None), "after the end");
                return (Ok(()), released);
            }
            Err(error) => {
                assert_eq!(
                    opener.next_segment().err().as_ref(),
                    Some(&error),
                    "after an error"
                );
                return (Err(error), released);
            }
        }
    }
}

/// Opens through the `Read` impl with the default provider, buffers of the input's sizes.
fn open_by_read(
    input: &OpenInput,
    stream: &[u8],
    pointer: &AttachmentPointer,
) -> (Result<(), Error>, Vec<u8>) {
    let mut released = Vec::new();
    let mut opener = match AttachmentOpener::new(input.reader(stream), pointer) {
        Ok(opener) => opener,
        Err(error) => return (Err(error), released),
    };
    assert_eq!(opener.read(&mut []).ok(), Some(0), "an empty buffer");
    let mut buf = vec![0u8; 4096];
    for j in 0.. {
        let size = input.buffer_size(j);
        match opener.read(&mut buf[..size]) {
            Ok(0) => {
                assert_eq!(opener.read(&mut buf).ok(), Some(0), "after the end");
                break;
            }
            Ok(n) => {
                assert!(n <= size);
                released.extend_from_slice(&buf[..n]);
            }
            Err(error) => {
                assert_ne!(error.kind(), ErrorKind::Interrupted, "Interrupted escaped");
                let error = unwrap_io(&error);
                let again = opener.read(&mut buf).expect_err("an error again");
                assert_eq!(unwrap_io(&again), error, "after an error");
                return (Err(error), released);
            }
        }
    }
    (Ok(()), released)
}

#[cfg(test)]
mod tests {
    use super::super::attachment_seek::{SeekInput, SeekOp, attachment_seek};
    use super::*;

    /// Every one-byte flip and every cut of every fixture file meets both targets (the model
    /// and the openers agree everywhere, not only where the fuzzer went); only the untouched
    /// stream opens.
    #[test]
    fn every_flip_and_cut_of_every_file() {
        let fixture = attachment_fixture();
        for (index, file) in fixture.files.iter().enumerate() {
            let len = file.ciphertext.len();
            let whole = SeekOp::ReadAt {
                offset: 0,
                len: 0x0fff,
            };
            let step = if len > 1000 { 7 } else { 1 };
            let edits = (0..len).step_by(step).flat_map(|at| {
                let at = at as u16;
                [
                    StreamEdit::Flip { at, mask: 0x10 },
                    StreamEdit::Truncate { at },
                ]
            });
            for edit in edits {
                let input = OpenInput {
                    file: index as u8,
                    variant: PointerVariant::Genuine,
                    interrupts: true,
                    fail: None,
                    chunks: vec![0, 5, 80],
                    stream: OpenStream::Edited(vec![edit]),
                };
                assert_eq!(
                    attachment_open(&input.encode()),
                    Outcome::Rejected,
                    "{} {edit:?}",
                    file.name
                );
                let seek = SeekInput {
                    file: index as u8,
                    variant: PointerVariant::Genuine,
                    interrupts: false,
                    chunk: 0,
                    edits: vec![edit],
                    ops: vec![whole],
                };
                let _ = attachment_seek(&seek.encode());
            }
        }
    }
}
