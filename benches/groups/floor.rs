//! The floor: the raw primitive crates called directly (`hmac`, `hkdf`, `sha2`,
//! `chacha20poly1305`, `ed25519-dalek`), composed into exactly the primitive calls SPEC.md 15.3
//! and 15.4 make a group message cost, with no protocol logic, no encoding and no allocation:
//!
//! - encrypt: K + H44 + A(n) + S(m): KDF_CK (HMAC-SHA256 keyed once with the chain key, the
//!   keyed state cloned, finalized over 0x01 and 0x02), HKDF-SHA256 to 44 bytes with the group
//!   message info, ChaCha20-Poly1305 sealing the plaintext in place with the 84-byte associated
//!   data, and an Ed25519 signature over the m signed bytes;
//! - decrypt: V(m) + K + H44 + A(n): `verify_strict` over the signed bytes with the key already
//!   decompressed (a group session holds its members' signing keys decompressed), then the
//!   same three, opening in place;
//! - decrypt after a jump of j messages: V(m) + (j + 1) K + H44 + A(n): the j skipped message
//!   keys are derived (hushwire keeps the last 2000 of them) but not stored.
//!
//! The signed bytes are hushwire's own: `u8(29) || "hushwire/v1/sig/group-message" || body`,
//! with the body of a real hushwire message of the same size (so the same length, the
//! ciphertext last), and the ciphertext region sealed and opened in place. As in the pairwise
//! floor, the chain key does not advance (the next chain key is computed and discarded), so one
//! sealed message opens every time.

use std::hint::black_box;

use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, Nonce, Tag};
use criterion::{BenchmarkId, Criterion};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::fixtures::{Fixtures, SIZES};
use crate::pairwise_fixtures::batch;

/// A chain key or a message key.
pub(crate) type Key = [u8; 32];
/// The Poly1305 tag.
pub(crate) const TAG: usize = 16;
/// HKDF info of a group message key (SPEC.md 15.3).
pub(crate) const INFO: &[u8] = b"hushwire/v1/group-message-key";
/// The signature context label of a group message (SPEC.md 15.3).
pub(crate) const LABEL: &[u8] = b"hushwire/v1/sig/group-message";
/// Signatures in the batch whose multiscalar multiplication is measured.
pub(crate) const BATCH: usize = 64;

/// HMAC-SHA256 keyed with a 32-byte key.
fn keyed(key: &Key) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap()
}

/// K: KDF_CK keying HMAC once (SPEC.md 6.3, 15.2): (MK, CK') = (HMAC(CK, 0x01), HMAC(CK, 0x02)).
pub(crate) fn kdf_ck(chain_key: &Key) -> (Key, Key) {
    let mut first = keyed(chain_key);
    let mut second = first.clone();
    first.update(&[0x01]);
    second.update(&[0x02]);
    (
        first.finalize().into_bytes().into(),
        second.finalize().into_bytes().into(),
    )
}

/// H44: HKDF-SHA256(salt = 32 zero bytes, ikm = MK, info = the group message info), 44 bytes:
/// the ChaCha20-Poly1305 key and nonce.
pub(crate) fn key_and_nonce(message_key: &Key) -> (Key, [u8; 12]) {
    let mut okm = [0u8; 44];
    Hkdf::<Sha256>::new(Some(&[0u8; 32]), message_key)
        .expand(INFO, &mut okm)
        .unwrap();
    let mut key = [0u8; 32];
    key.copy_from_slice(&okm[..32]);
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&okm[32..]);
    (key, nonce)
}

/// A(n) encrypt: `in_out` is the text and 16 bytes of room for the tag.
pub(crate) fn seal(key: &Key, nonce: &[u8; 12], ad: &[u8], in_out: &mut [u8]) {
    let (body, room) = in_out.split_at_mut(in_out.len() - TAG);
    let tag = ChaCha20Poly1305::new(&(*key).into())
        .encrypt_inout_detached(&Nonce::from(*nonce), ad, body.into())
        .unwrap();
    room.copy_from_slice(&tag);
}

/// A(n) decrypt: `in_out` is ciphertext || tag.
pub(crate) fn open(key: &Key, nonce: &[u8; 12], ad: &[u8], in_out: &mut [u8]) {
    let (body, tag) = in_out.split_at_mut(in_out.len() - TAG);
    let tag = Tag::try_from(&tag[..]).unwrap();
    ChaCha20Poly1305::new(&(*key).into())
        .decrypt_inout_detached(&Nonce::from(*nonce), ad, body.into(), &tag)
        .unwrap();
}

/// A message as the floor has it: the signed bytes (the ciphertext and tag their last
/// `len + 16` bytes) and the signature.
#[derive(Clone)]
pub(crate) struct FloorMessage {
    pub(crate) signed: Vec<u8>,
    pub(crate) signature: Signature,
}

/// The sending side of the floor for one plaintext length.
pub(crate) struct FloorSender {
    chain_key: Key,
    signing: SigningKey,
    ad: Vec<u8>,
    /// The signed bytes; the ciphertext region is sealed in place on each encrypt.
    buf: Vec<u8>,
    len: usize,
}

impl FloorSender {
    /// A sender whose signed bytes are `prefix` (the length byte, the label and the body up to
    /// the ciphertext) followed by `plaintext` and room for the tag.
    pub(crate) fn new(
        chain_key: Key,
        signing: SigningKey,
        ad: Vec<u8>,
        prefix: &[u8],
        plaintext: &[u8],
    ) -> Self {
        let mut buf = prefix.to_vec();
        buf.extend_from_slice(plaintext);
        buf.resize(buf.len() + TAG, 0);
        Self {
            chain_key,
            signing,
            ad,
            buf,
            len: plaintext.len(),
        }
    }

    /// K + H44 + A(n) in place + S(m); the signature.
    pub(crate) fn encrypt(&mut self) -> Signature {
        let (message_key, next) = kdf_ck(&self.chain_key);
        black_box(next);
        let (key, nonce) = key_and_nonce(&message_key);
        let at = self.buf.len() - self.len - TAG;
        seal(&key, &nonce, &self.ad, &mut self.buf[at..]);
        self.signing.sign(&self.buf)
    }

    /// One message, sealed and signed, for the receiving side (the buffer is then sealed again
    /// by the next encrypt).
    pub(crate) fn message(&mut self) -> FloorMessage {
        let signature = self.encrypt();
        FloorMessage {
            signed: self.buf.clone(),
            signature,
        }
    }

    /// The number of bytes signed.
    pub(crate) fn signed_len(&self) -> usize {
        self.buf.len()
    }
}

/// The receiving side of the floor.
pub(crate) struct FloorReceiver {
    /// The chain key at the message's iteration (or `jump` before it).
    pub(crate) chain_key: Key,
    pub(crate) verifying: VerifyingKey,
    pub(crate) ad: Vec<u8>,
    pub(crate) len: usize,
}

impl FloorReceiver {
    /// V(m) + K + H44 + A(n), opening `signed`'s ciphertext in place.
    pub(crate) fn decrypt(&self, signed: &mut [u8], signature: &Signature) {
        self.verifying.verify_strict(signed, signature).unwrap();
        let (message_key, next) = kdf_ck(&self.chain_key);
        black_box(next);
        self.open_with(&message_key, signed);
    }

    /// V(m) + (jump + 1) K + H44 + A(n): the chain walked `jump` messages forward first.
    pub(crate) fn decrypt_after_jump(&self, signed: &mut [u8], signature: &Signature, jump: u32) {
        self.verifying.verify_strict(signed, signature).unwrap();
        let mut chain_key = self.chain_key;
        for _ in 0..jump {
            let (skipped, next) = kdf_ck(&chain_key);
            black_box(skipped);
            chain_key = next;
        }
        let (message_key, next) = kdf_ck(&chain_key);
        black_box(next);
        self.open_with(&message_key, signed);
    }

    fn open_with(&self, message_key: &Key, signed: &mut [u8]) {
        let (key, nonce) = key_and_nonce(message_key);
        let at = signed.len() - self.len - TAG;
        open(&key, &nonce, &self.ad, &mut signed[at..]);
    }
}

/// The primitives alone, for the report's "floors as sums" and the batch-verification
/// section: K, H44, A(n) both ways, a copy of n bytes, S(m) and V(m) over each size's signed
/// bytes, point decompression, the torsion check `[l]R = 0`, and the multiscalar multiplication
/// at the core of a batch verification of [`BATCH`] signatures by one key (B, A and the 64 R:
/// 66 points).
pub(crate) fn primitives(c: &mut Criterion, f: &Fixtures) {
    let mut g = c.benchmark_group("groups_primitive");
    let chain_key = [5u8; 32];
    g.bench_function("kdf_ck", |b| b.iter(|| kdf_ck(black_box(&chain_key))));
    g.bench_function("hkdf44", |b| {
        b.iter(|| key_and_nonce(black_box(&chain_key)))
    });
    let key = [1u8; 32];
    let nonce = [2u8; 12];
    let ad = f.ad.clone();
    for (i, &(name, len)) in SIZES.iter().enumerate() {
        let mut buf = vec![7u8; len + TAG];
        g.bench_function(BenchmarkId::new("seal", name), |b| {
            b.iter(|| seal(&key, &nonce, &ad, black_box(&mut buf)))
        });
        let mut sealed = vec![7u8; len + TAG];
        seal(&key, &nonce, &ad, &mut sealed);
        g.bench_function(BenchmarkId::new("open", name), |b| {
            b.iter_batched_ref(
                || sealed.clone(),
                |buf| open(&key, &nonce, &ad, buf),
                batch(len),
            )
        });
        // A copy of n bytes into a new `Vec`: what each copy of the data on hushwire's path
        // costs (the floor makes none).
        let data = vec![7u8; len];
        g.bench_function(BenchmarkId::new("copy", name), |b| {
            b.iter_batched(|| (), |()| black_box(&data).to_vec(), batch(len))
        });
        let message = &f.sizes[i].floor_message;
        let signing = &f.floor_signing;
        g.bench_function(BenchmarkId::new("sign", name), |b| {
            b.iter(|| signing.sign(black_box(&message.signed)))
        });
        let verifying = signing.verifying_key();
        g.bench_function(BenchmarkId::new("verify_strict", name), |b| {
            b.iter(|| {
                verifying
                    .verify_strict(black_box(&message.signed), black_box(&message.signature))
                    .unwrap()
            })
        });
    }
    let key_bytes = f.floor_signing.verifying_key().to_bytes();
    g.bench_function("decompress", |b| {
        b.iter(|| VerifyingKey::from_bytes(black_box(&key_bytes)).unwrap())
    });
    g.finish();

    // What a batch verification is made of.
    let mut g = c.benchmark_group("groups_batch");
    let r = CompressedEdwardsY(f.sizes[0].floor_message.signature.r_bytes().to_owned());
    g.bench_function("decompress_r", |b| {
        b.iter(|| black_box(r).decompress().unwrap())
    });
    let point = r.decompress().unwrap();
    g.bench_function("torsion_check", |b| {
        b.iter(|| assert!(black_box(point).is_torsion_free()))
    });
    let (scalars, points) = msm_inputs(f);
    g.bench_function(BenchmarkId::new("multiscalar_mul", points.len()), |b| {
        b.iter(|| EdwardsPoint::vartime_multiscalar_mul(black_box(&scalars), black_box(&points)))
    });
    g.finish();
}

/// The inputs of the multiscalar multiplication of a batch of [`BATCH`] signatures by one key:
/// the basepoint, the key and 64 signatures' R, with 253-bit scalars for B and A and 128-bit
/// ones for the R (the random coefficients).
fn msm_inputs(f: &Fixtures) -> (Vec<Scalar>, Vec<EdwardsPoint>) {
    let signing = &f.floor_signing;
    let mut points = vec![
        curve25519_dalek::constants::ED25519_BASEPOINT_POINT,
        CompressedEdwardsY(signing.verifying_key().to_bytes())
            .decompress()
            .unwrap(),
    ];
    let mut scalars = vec![
        Scalar::from_bytes_mod_order([0x5a; 32]),
        Scalar::from_bytes_mod_order([0xa5; 32]),
    ];
    for i in 0..BATCH {
        let signature = signing.sign(&[i as u8; 64]);
        points.push(
            CompressedEdwardsY(signature.r_bytes().to_owned())
                .decompress()
                .unwrap(),
        );
        let mut z = [0u8; 32];
        z[..16].fill(i as u8 ^ 0x3c);
        scalars.push(Scalar::from_bytes_mod_order(z));
    }
    (scalars, points)
}
