//! Where each segment lies (SPEC.md 16.2): pure arithmetic on the plaintext size, the segment
//! size and the padding.

use super::header::{ATTACHMENT_HEADER_LEN, SegmentSize};
use super::padding::Padding;
use crate::provider::TAG_LEN;

/// The shape of one encrypted file. All values fit in `u64` with room to spare: the
/// plaintext is at most 2^40 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Plaintext length L.
    pub(crate) size: u64,
    /// Padded length P.
    pub(crate) padded: u64,
    /// Segment size S.
    pub(crate) segment: u64,
    /// Number of segments n ≥ 1.
    pub(crate) segments: u64,
}

impl Layout {
    pub(crate) fn new(size: u64, segment_size: SegmentSize, padding: Padding) -> Self {
        let padded = padding.padded_len(size);
        let segment = segment_size.bytes() as u64;
        let segments = padded.div_ceil(segment).max(1);
        Self {
            size,
            padded,
            segment,
            segments,
        }
    }

    /// Index of the final segment.
    pub(crate) fn last(&self) -> u64 {
        self.segments - 1
    }

    /// Plaintext length of segment `i` (padding included).
    pub(crate) fn body_len(&self, i: u64) -> u64 {
        if i < self.last() {
            self.segment
        } else {
            self.padded - self.last() * self.segment
        }
    }

    /// How many bytes of segment `i` are the file's (the rest is padding).
    pub(crate) fn data_len(&self, i: u64) -> u64 {
        self.size
            .saturating_sub(i * self.segment)
            .min(self.body_len(i))
    }

    /// Offset of segment `i` in the encrypted file.
    pub(crate) fn offset(&self, i: u64) -> u64 {
        ATTACHMENT_HEADER_LEN as u64 + i * (self.segment + TAG_LEN as u64)
    }

    /// Length of the whole encrypted file.
    pub(crate) fn ciphertext_len(&self) -> u64 {
        ATTACHMENT_HEADER_LEN as u64 + self.padded + self.segments * TAG_LEN as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_the_padded_plaintext_exactly() {
        let s = SegmentSize::from_log2(6).ok();
        let Some(s) = s else { return };
        for size in 0..400u64 {
            for padding in [Padding::None, Padding::Padme] {
                let l = Layout::new(size, s, padding);
                let total: u64 = (0..l.segments).map(|i| l.body_len(i)).sum();
                assert_eq!(total, l.padded);
                let data: u64 = (0..l.segments).map(|i| l.data_len(i)).sum();
                assert_eq!(data, size);
                // Only an empty file has an empty (final) segment.
                assert!(l.body_len(l.last()) > 0 || size == 0);
                let end = l.offset(l.last()) + l.body_len(l.last()) + TAG_LEN as u64;
                assert_eq!(end, l.ciphertext_len());
            }
        }
    }
}
