//! The floors: the raw ChaCha20-Poly1305 of each provider's crate (`chacha20poly1305` for
//! rust-crypto, `aws_lc_rs::aead` for aws-lc-rs) over the same number of bytes in segments in
//! place, with the key made once; the raw SHA-256 (`sha2`, what hushwire hashes with on both
//! providers) over the same number of ciphertext bytes; and the two together, segment by
//! segment, which is the whole of the sequential work a streaming seal or open must do
//! (SPEC.md 16.2 and 16.4 step 5e).
//!
//! Sealing in place repeats on one buffer (each segment encrypts the last one's ciphertext).
//! Opening, on a buffer of its own, in place needs a valid tag every time: with one key and one nonce the keystream is
//! the same, so opening the buffer turns ciphertext `c` into `p = c ⊕ keystream` and opening
//! again turns `p` back into `c`; the two tags (of `c` and of `p` as ciphertexts) are computed
//! once, and before each open the one that fits is put after the text (16 bytes copied). So
//! every open verifies its tag and decrypts, as hushwire's does. Reusing a nonce is harmless
//! here: nothing is kept. The floors leave out the final segment's 8 bytes of associated data
//! (`u64be(L)`, SPEC.md 16.2): one more Poly1305 block per file.

use aws_lc_rs::aead;
use chacha20poly1305::{AeadInOut, KeyInit, Nonce, Tag};
use rand::Rng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

use crate::fixtures::{HEADER, PROVIDERS, SEGMENTS, TAG};

/// A provider's raw cipher, keyed once.
enum Cipher {
    Rust(Box<chacha20poly1305::ChaCha20Poly1305>),
    Aws(aead::LessSafeKey),
}

impl Cipher {
    fn new(provider: &str, key: &[u8; 32]) -> Self {
        match provider {
            "rust-crypto" => Self::Rust(Box::new(chacha20poly1305::ChaCha20Poly1305::new(
                &(*key).into(),
            ))),
            _ => Self::Aws(aead::LessSafeKey::new(
                aead::UnboundKey::new(&aead::CHACHA20_POLY1305, key).unwrap(),
            )),
        }
    }

    /// Seals `in_out` (text || 16 bytes of room) in place.
    fn seal(&self, nonce: [u8; 12], in_out: &mut [u8]) {
        let (body, room) = in_out.split_at_mut(in_out.len() - TAG);
        match self {
            Self::Rust(c) => {
                let tag = c
                    .encrypt_inout_detached(&Nonce::from(nonce), &[], body.into())
                    .unwrap();
                room.copy_from_slice(&tag);
            }
            Self::Aws(k) => {
                let tag = k
                    .seal_in_place_separate_tag(
                        aead::Nonce::assume_unique_for_key(nonce),
                        aead::Aad::empty(),
                        body,
                    )
                    .unwrap();
                room.copy_from_slice(tag.as_ref());
            }
        }
    }

    /// Opens `in_out` (ciphertext || tag) in place; panics if the tag does not verify.
    fn open(&self, nonce: [u8; 12], in_out: &mut [u8]) {
        match self {
            Self::Rust(c) => {
                let (body, tag) = in_out.split_at_mut(in_out.len() - TAG);
                let tag = Tag::try_from(&tag[..]).unwrap();
                c.decrypt_inout_detached(&Nonce::from(nonce), &[], body.into(), &tag)
                    .unwrap();
            }
            Self::Aws(k) => {
                k.open_in_place(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::empty(),
                    in_out,
                )
                .unwrap();
            }
        }
    }
}

/// The nonce of segment `i` (SPEC.md 16.2).
fn nonce(i: u64, last: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[3..11].copy_from_slice(&i.to_be_bytes());
    nonce[11] = u8::from(last);
    nonce
}

/// The nonce of every open of [`Floor`].
const OPEN_NONCE: [u8; 12] = [7; 12];

/// One provider's floors at one segment size.
pub(crate) struct Floor {
    cipher: Cipher,
    segment: usize,
    /// One segment and its tag, for the seals (each encrypts the last one's output).
    seal_buf: Vec<u8>,
    /// One segment and its tag, for the opens (alternating between two states).
    buf: Vec<u8>,
    /// The tags of the two states the buffer alternates between when opened.
    tags: [[u8; TAG]; 2],
    state: usize,
}

impl Floor {
    pub(crate) fn new(rng: &mut ChaCha20Rng, provider: &str, log2: u8) -> Self {
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        let cipher = Cipher::new(provider, &key);
        let segment = 1usize << log2;
        let mut buf = vec![0u8; segment + TAG];
        rng.fill_bytes(&mut buf[..segment]);
        // State 0: the buffer holds c; sealing c's plaintext p gives c and the tag of c.
        let mut tags = [[0u8; TAG]; 2];
        let mut p = buf.clone();
        cipher.seal(OPEN_NONCE, &mut p);
        // Now p holds p' = c ⊕ keystream as "ciphertext" of c, with the tag of p' (state 1).
        tags[1].copy_from_slice(&p[segment..]);
        let mut c = p.clone();
        cipher.seal(OPEN_NONCE, &mut c);
        // Sealing p' gives back c, with the tag of c (state 0).
        assert_eq!(c[..segment], buf[..segment]);
        tags[0].copy_from_slice(&c[segment..]);
        let mut floor = Self {
            cipher,
            segment,
            seal_buf: buf.clone(),
            buf,
            tags,
            state: 0,
        };
        // Both states verify.
        floor.open_segment();
        floor.open_segment();
        floor
    }

    /// The number of segments of a `len`-byte stream (every one full).
    fn segments(&self, len: u64) -> u64 {
        assert_eq!(len % self.segment as u64, 0);
        (len / self.segment as u64).max(1)
    }

    fn open_segment(&mut self) {
        let segment = self.segment;
        self.buf[segment..].copy_from_slice(&self.tags[self.state]);
        self.cipher.open(OPEN_NONCE, &mut self.buf);
        self.state ^= 1;
    }

    /// Raw ChaCha20-Poly1305 seal of `len` bytes in segments, in place.
    pub(crate) fn seal(&mut self, len: u64) {
        let n = self.segments(len);
        for i in 0..n {
            self.cipher.seal(nonce(i, i + 1 == n), &mut self.seal_buf);
        }
    }

    /// Raw ChaCha20-Poly1305 open (tag verified, text decrypted) of `len` bytes in segments,
    /// in place.
    pub(crate) fn open(&mut self, len: u64) {
        for _ in 0..self.segments(len) {
            self.open_segment();
        }
    }

    /// [`Floor::seal`] with SHA-256 over the header's 67 bytes and every sealed segment with
    /// its tag: the sequential work of a streaming seal.
    pub(crate) fn seal_sha(&mut self, len: u64) -> [u8; 32] {
        let n = self.segments(len);
        let mut hash = Sha256::new();
        hash.update([0u8; HEADER as usize]);
        for i in 0..n {
            self.cipher.seal(nonce(i, i + 1 == n), &mut self.seal_buf);
            hash.update(&self.seal_buf);
        }
        hash.finalize().into()
    }

    /// SHA-256 over the header and every segment with its tag, then [`Floor::open`] of it:
    /// the sequential work of a streaming open.
    pub(crate) fn open_sha(&mut self, len: u64) -> [u8; 32] {
        let segment = self.segment;
        let mut hash = Sha256::new();
        hash.update([0u8; HEADER as usize]);
        for _ in 0..self.segments(len) {
            self.buf[segment..].copy_from_slice(&self.tags[self.state]);
            hash.update(&self.buf);
            self.cipher.open(OPEN_NONCE, &mut self.buf);
            self.state ^= 1;
        }
        hash.finalize().into()
    }

    /// SHA-256 alone over the ciphertext bytes of a `len`-byte stream: the header, then each
    /// segment with its tag.
    pub(crate) fn sha(&self, len: u64) -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update([0u8; HEADER as usize]);
        for _ in 0..self.segments(len) {
            hash.update(&self.buf);
        }
        hash.finalize().into()
    }
}

/// Every provider's floor at every segment size of the sweep.
pub(crate) struct Floors(Vec<(&'static str, u8, Floor)>);

impl Floors {
    pub(crate) fn new(rng: &mut ChaCha20Rng) -> Self {
        let mut all = Vec::new();
        for p in PROVIDERS {
            for log2 in SEGMENTS {
                all.push((p.name, log2, Floor::new(rng, p.name, log2)));
            }
        }
        Self(all)
    }

    /// The floor of `provider` at segments of 2^`log2` bytes.
    pub(crate) fn get(&mut self, provider: &str, log2: u8) -> &mut Floor {
        self.0
            .iter_mut()
            .find(|(p, l, _)| *p == provider && *l == log2)
            .map(|(_, _, floor)| floor)
            .unwrap()
    }
}
