//! The two RNGs the generator needs besides a plain seeded one: one that records every draw
//! (the transcripts' `rng_draws`), and one that hands out chosen bytes (a chosen prekey secret).

use std::convert::Infallible;

use rand::{TryCryptoRng, TryRng};
use rand_chacha::ChaCha20Rng;
use serde_json::Value;

use super::json::h;

/// `TryRng` for a type whose inherent `fill(&mut self, &mut [u8])` produces its bytes: the
/// words are read little-endian from the byte stream, as `rand_core` does.
macro_rules! rng_from_fill {
    ($ty:ty) => {
        impl TryRng for $ty {
            type Error = Infallible;
            fn try_next_u32(&mut self) -> Result<u32, Infallible> {
                let mut b = [0u8; 4];
                self.fill(&mut b);
                Ok(u32::from_le_bytes(b))
            }
            fn try_next_u64(&mut self) -> Result<u64, Infallible> {
                let mut b = [0u8; 8];
                self.fill(&mut b);
                Ok(u64::from_le_bytes(b))
            }
            fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
                self.fill(dst);
                Ok(())
            }
        }

        impl TryCryptoRng for $ty {}
    };
}

/// A ChaCha20Rng that records every draw, hex-encoded.
pub(super) struct RecordingRng {
    /// The generator.
    pub(super) inner: ChaCha20Rng,
    /// Every draw so far, in order.
    pub(super) draws: Vec<Value>,
}

impl RecordingRng {
    fn fill(&mut self, dst: &mut [u8]) {
        rand::Rng::fill_bytes(&mut self.inner, dst);
        self.draws.push(h(&*dst));
    }
}

rng_from_fill!(RecordingRng);

/// An RNG that returns the given bytes, then zeros: it hands a chosen secret to
/// `SignedPreKeyPair::generate`, which draws exactly 32 bytes.
pub(super) struct FixedRng(pub(super) Vec<u8>);

impl FixedRng {
    fn fill(&mut self, dst: &mut [u8]) {
        for b in dst.iter_mut() {
            *b = if self.0.is_empty() {
                0
            } else {
                self.0.remove(0)
            };
        }
    }
}

rng_from_fill!(FixedRng);
