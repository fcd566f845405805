//! The `attachment_seek` target: random access to a fixture file's ciphertext, optionally
//! corrupted, at input-chosen ranges.

use std::io::{ErrorKind, Read, Seek, SeekFrom};

use hushwire::{AttachmentPointer, Error, SeekableAttachment};

use super::Outcome;
use super::attachment_fixture::{
    AttachmentFixture, ChunkedReader, EDIT_LEN, Model, PointerVariant, StreamEdit,
    attachment_fixture, unwrap_io,
};
use super::attachment_open::MAX_ATTACHMENT_EDITS;

/// The most operations an input runs.
pub const MAX_SEEK_OPS: usize = 64;

/// Length of an encoded [`SeekOp`].
const OP_LEN: usize = 5;

/// Size of the fixed part of an encoded [`SeekInput`].
const FIXED: usize = 6;

/// The byte an output buffer is filled with before a read, to see what the read wrote.
const SENTINEL: u8 = 0xa5;

/// One access, decoded from 5 bytes `[kind, a_lo, a_hi, len_lo, len_hi]` (`kind` modulo 4;
/// `len` is the low 12 bits of its `u16`, so at most 4095).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekOp {
    /// [`SeekableAttachment::read_at`] at `offset` into `len` bytes.
    ReadAt {
        /// Plaintext offset.
        offset: u16,
        /// Buffer length.
        len: u16,
    },
    /// `seek(SeekFrom::Start(to))`, then one `read` into `len` bytes.
    Start {
        /// Target.
        to: u16,
        /// Buffer length.
        len: u16,
    },
    /// `seek(SeekFrom::End(delta))`, then one `read`.
    End {
        /// From the end.
        delta: i16,
        /// Buffer length.
        len: u16,
    },
    /// `seek(SeekFrom::Current(delta))`, then one `read`.
    Current {
        /// From the current position.
        delta: i16,
        /// Buffer length.
        len: u16,
    },
}

impl SeekOp {
    /// Decodes 5 bytes.
    pub fn decode(bytes: [u8; OP_LEN]) -> Self {
        let [kind, a_lo, a_hi, l_lo, l_hi] = bytes;
        let a = u16::from_le_bytes([a_lo, a_hi]);
        let len = u16::from_le_bytes([l_lo, l_hi]) & 0x0fff;
        match kind % 4 {
            0 => Self::ReadAt { offset: a, len },
            1 => Self::Start { to: a, len },
            2 => Self::End {
                delta: a as i16,
                len,
            },
            _ => Self::Current {
                delta: a as i16,
                len,
            },
        }
    }

    /// The 5 bytes [`Self::decode`] reads back as `self` (with `len` at most 4095).
    pub fn encode(self) -> [u8; OP_LEN] {
        let (kind, a, len) = match self {
            Self::ReadAt { offset, len } => (0, offset, len),
            Self::Start { to, len } => (1, to, len),
            Self::End { delta, len } => (2, delta as u16, len),
            Self::Current { delta, len } => (3, delta as u16, len),
        };
        let [a_lo, a_hi] = a.to_le_bytes();
        let [l_lo, l_hi] = (len & 0x0fff).to_le_bytes();
        [kind, a_lo, a_hi, l_lo, l_hi]
    }
}

/// An input of `attachment_seek`, decoded by hand (missing bytes read as 0):
///
/// ```text
/// [0] file   [1] pointer variant   [2] its delta   [3] flags: bit 0 interrupts
/// [4] the reader's read size (0: as much as asked)   [5] e, the number of edits
/// then e edits of 4 bytes (at most 64), then operations of 5 bytes (at most 64;
/// none: one read_at of the whole file)
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeekInput {
    /// The fixture file (modulo their number).
    pub file: u8,
    /// The pointer used.
    pub variant: PointerVariant,
    /// Whether a read size of 0 means an `Interrupted` error before every other read.
    pub interrupts: bool,
    /// The size of every read of the underlying reader (0: as much as asked).
    pub chunk: u8,
    /// Edits of the ciphertext, in order.
    pub edits: Vec<StreamEdit>,
    /// The accesses, in order.
    pub ops: Vec<SeekOp>,
}

impl SeekInput {
    /// Decodes any bytes.
    pub fn decode(data: &[u8]) -> Self {
        let byte = |i: usize| data.get(i).copied().unwrap_or(0);
        let rest = data.get(FIXED..).unwrap_or(&[]);
        let edits_len = (usize::from(byte(5)) * EDIT_LEN).min(rest.len());
        let (edits, ops) = rest.split_at(edits_len);
        Self {
            file: byte(0),
            variant: PointerVariant::decode(byte(1), byte(2)),
            interrupts: byte(3) & 1 != 0,
            chunk: byte(4),
            edits: edits
                .chunks_exact(EDIT_LEN)
                .take(MAX_ATTACHMENT_EDITS)
                .map(|c| StreamEdit::decode([c[0], c[1], c[2], c[3]]))
                .collect(),
            ops: ops
                .chunks_exact(OP_LEN)
                .take(MAX_SEEK_OPS)
                .map(|c| SeekOp::decode([c[0], c[1], c[2], c[3], c[4]]))
                .collect(),
        }
    }

    /// The bytes [`Self::decode`] reads back as `self` (at most 64 edits and operations).
    pub fn encode(&self) -> Vec<u8> {
        let [vk, vd] = self.variant.encode();
        let mut out = vec![
            self.file,
            vk,
            vd,
            u8::from(self.interrupts),
            self.chunk,
            self.edits.len() as u8,
        ];
        for edit in &self.edits {
            out.extend_from_slice(&edit.encode());
        }
        for op in &self.ops {
            out.extend_from_slice(&op.encode());
        }
        out
    }

    /// The ciphertext with the edits applied.
    pub fn stream_bytes(&self, fixture: &AttachmentFixture) -> Vec<u8> {
        let (file, other) = (fixture.file(self.file), fixture.other(self.file));
        let mut stream = file.ciphertext.clone();
        for edit in &self.edits {
            edit.apply(&mut stream, file, other);
        }
        stream
    }

    /// The pointer the input names, and the model of opening with it.
    pub fn pointer<'a>(&self, fixture: &'a AttachmentFixture) -> (AttachmentPointer, Model<'a>) {
        fixture.pointer(self.file, self.variant)
    }

    /// A reader (and seeker) of `stream` as the input says.
    pub fn reader<'a>(&'a self, stream: &'a [u8]) -> ChunkedReader<'a> {
        ChunkedReader::new(
            stream,
            std::slice::from_ref(&self.chunk),
            self.interrupts,
            None,
        )
    }

    /// The operations run: the input's, or one read of the whole file.
    pub fn ops_run(&self) -> Vec<SeekOp> {
        if self.ops.is_empty() {
            vec![SeekOp::ReadAt {
                offset: 0,
                len: 0x0fff,
            }]
        } else {
            self.ops.clone()
        }
    }
}

/// `attachment_seek`: [`SeekableAttachment`] on a fixture file's ciphertext (SPEC.md 16.4,
/// random access), with the input choosing the file, the pointer (as `attachment_open`), edits
/// of the ciphertext (the same as `attachment_open`'s), the underlying reader's read size and
/// `Interrupted` errors, and up to 64 accesses (`read_at` at an offset, or a seek from the
/// start, the end or the current position followed by a `read`):
///
/// - opening gives exactly what the model predicts ([`Model::predict_seekable`]): the header's
///   checks, then the length against the pointer's layout (`AttachmentTruncated` at the
///   number of complete segments, `AttachmentTrailingData`);
/// - every access gives exactly [`Model::predict_read_at`]'s answer: whenever it succeeds, the
///   bytes are the corresponding slice of the original plaintext (fewer only at the end, none
///   past it); a segment under the range whose bytes were changed fails with
///   `AttachmentSegmentInvalid` (the first such, in order), and the buffer holds exactly the
///   plaintext of the segments before it and is untouched after; segments outside the range
///   are never checked, so corruption elsewhere does not matter;
/// - seeks move the position as for a file (past the end allowed, before the start
///   `InvalidInput` with the position kept), `read` advances it by what it returned, and its
///   errors are `InvalidData` carrying the same [`hushwire::Error`];
/// - `verify_digest` succeeds exactly when the stream is the sealed ciphertext and the
///   pointer's digest is its own, and reads after it still work.
///
/// The input reaches the deepest path when an access returns plaintext.
pub fn attachment_seek(data: &[u8]) -> Outcome {
    let fixture = attachment_fixture();
    let input = SeekInput::decode(data);
    let stream = input.stream_bytes(fixture);
    let (pointer, model) = input.pointer(fixture);
    let opened = SeekableAttachment::new(input.reader(&stream), &pointer);
    assert_eq!(
        opened.as_ref().err(),
        model.predict_seekable(&stream).err().as_ref(),
        "opening for random access"
    );
    let Ok(mut file) = opened else {
        return Outcome::Rejected;
    };
    assert_eq!(file.size(), pointer.size());
    let size = pointer.size();
    let mut outcome = Outcome::Rejected;
    let mut position = 0u64;
    for op in input.ops_run() {
        let (offset, len) = match op {
            SeekOp::ReadAt { offset, len } => (Some(u64::from(offset)), len),
            SeekOp::Start { to, len } => (
                seek(&mut file, SeekFrom::Start(to.into()), Some(to.into())),
                len,
            ),
            SeekOp::End { delta, len } => {
                let target = size.checked_add_signed(delta.into());
                (seek(&mut file, SeekFrom::End(delta.into()), target), len)
            }
            SeekOp::Current { delta, len } => {
                let target = position.checked_add_signed(delta.into());
                (
                    seek(&mut file, SeekFrom::Current(delta.into()), target),
                    len,
                )
            }
        };
        let len = usize::from(len);
        let mut out = vec![SENTINEL; len];
        let (expected, written) = match (op, offset) {
            (SeekOp::ReadAt { .. }, Some(offset)) => {
                let expected = model.predict_read_at(&stream, offset, len);
                let got = file.read_at(offset, &mut out);
                assert_eq!(got, expected.0, "read_at({offset}, {len})");
                expected
            }
            (_, target) => {
                position = target.unwrap_or(position);
                let expected = model.predict_read_at(&stream, position, len);
                let got = file.read(&mut out).map_err(|e| unwrap_io(&e));
                assert_eq!(got, expected.0, "read({len}) at {position}");
                if let Ok(n) = got {
                    position += n as u64;
                }
                assert_eq!(file.stream_position().ok(), Some(position), "the position");
                expected
            }
        };
        assert!(
            out[..written.len()] == written[..],
            "read at {offset:?} wrote other bytes"
        );
        assert!(
            out[written.len()..].iter().all(|&b| b == SENTINEL),
            "read at {offset:?} wrote past what it returned"
        );
        if matches!(expected, Ok(n) if n > 0) {
            outcome = Outcome::Accepted;
        }
    }
    let genuine = model.digest_ok && stream == model.reference.ciphertext;
    assert_eq!(
        file.verify_digest(),
        if genuine {
            Ok(())
        } else {
            Err(Error::AttachmentDigestMismatch)
        },
        "verify_digest"
    );
    let mut out = [SENTINEL; 70];
    let (expected, written) = model.predict_read_at(&stream, 0, out.len());
    assert_eq!(
        file.read_at(0, &mut out),
        expected,
        "read_at after verify_digest"
    );
    assert!(out[..written.len()] == written[..]);
    outcome
}

/// Seeks and checks the answer against `target` (`None`: before the start, refused).
fn seek<R: Read + Seek>(
    file: &mut SeekableAttachment<R>,
    to: SeekFrom,
    target: Option<u64>,
) -> Option<u64> {
    let before = file.stream_position().ok();
    match (file.seek(to), target) {
        (Ok(at), Some(target)) => assert_eq!(at, target, "{to:?}"),
        (Err(error), None) => {
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{to:?}");
            assert_eq!(file.stream_position().ok(), before, "a refused seek moved");
        }
        (got, want) => panic!("{to:?} gave {got:?}, {want:?} expected"),
    }
    target
}
