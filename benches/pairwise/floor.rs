//! The floor: the raw primitive crates, called directly, and each hushwire operation composed
//! from exactly the primitive calls SPEC.md (and the code) make it perform, with no state
//! handling, encoding, validation or allocation beyond what the primitives themselves do.
//!
//! Notation used in the comments and the report: B = X25519 key generation (32 random bytes
//! and X25519(k, 9)), D = X25519(k, u), H32/H44/H64 = HKDF-SHA256 extract + expand to that many
//! bytes, M = HMAC-SHA256 with a 32-byte key over one byte, A(n) = ChaCha20-Poly1305 over n
//! bytes (in place, detached tag), V = Ed25519 point decompression + `verify_strict`.

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, Nonce, Tag};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::Rng;
use rand_chacha::ChaCha20Rng;
use sha2::Sha256;
use std::hint::black_box;
use x25519_dalek::{PublicKey, StaticSecret};

use crate::fixtures::{ROUND_TRIP_TIME, batch, payload, rng};

/// AEAD associated data of a RatchetMessage (SPEC.md 6.5).
pub(crate) const AD_RATCHET: usize = 113;
/// AEAD associated data of a message inside a PreKeyMessage.
pub(crate) const AD_PREKEY: usize = 158;
/// The bytes Ed25519 signs for a signed prekey: 1 + 29-byte label + 44-byte body.
const SIGNED_PREKEY_MESSAGE: usize = 74;

/// B: 32 bytes from the rng, then the public key.
fn keygen(rng: &mut ChaCha20Rng) -> (StaticSecret, PublicKey) {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    let secret = StaticSecret::from(bytes);
    let public = PublicKey::from(&secret);
    (secret, public)
}

/// A secret from the rng without its public key (hushwire draws the X3DH base secret and the
/// ratchet secrets this way, and computes the public key separately, which `keygen` counts).
fn draw(rng: &mut ChaCha20Rng) -> StaticSecret {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    StaticSecret::from(bytes)
}

/// D.
fn dh(secret: &StaticSecret, public: &PublicKey) -> [u8; 32] {
    secret.diffie_hellman(public).to_bytes()
}

/// HKDF-SHA256(salt, ikm, info) filling `out`.
fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) {
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, out)
        .unwrap();
}

/// M.
fn hmac(key: &[u8; 32], data: u8) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(&[data]);
    mac.finalize().into_bytes().into()
}

/// KDF_CK then the message-key expansion: 2 M + H44 (SPEC.md 6.3, 6.4).
fn message_key(chain_key: &[u8; 32]) -> ([u8; 32], [u8; 12], [u8; 32]) {
    let mk = hmac(chain_key, 0x01);
    let next = hmac(chain_key, 0x02);
    let mut okm = [0u8; 44];
    hkdf(&[0u8; 32], &mk, b"hushwire/v1/message-key", &mut okm);
    let mut key = [0u8; 32];
    key.copy_from_slice(&okm[..32]);
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&okm[32..]);
    (key, nonce, next)
}

/// A(n) encrypt, in place.
fn seal(key: &[u8; 32], nonce: &[u8; 12], ad: &[u8], buf: &mut [u8]) -> Tag {
    ChaCha20Poly1305::new(&(*key).into())
        .encrypt_inout_detached(&Nonce::from(*nonce), ad, InOutBuf::from(buf))
        .unwrap()
}

/// A(n) decrypt, in place.
fn open(key: &[u8; 32], nonce: &[u8; 12], ad: &[u8], buf: &mut [u8], tag: &Tag) {
    ChaCha20Poly1305::new(&(*key).into())
        .decrypt_inout_detached(&Nonce::from(*nonce), ad, InOutBuf::from(buf), tag)
        .unwrap();
}

/// KDF_RK: H64 with the root key as salt.
fn kdf_rk(root: &[u8; 32], dh_out: &[u8; 32]) -> [u8; 64] {
    let mut okm = [0u8; 64];
    hkdf(root, dh_out, b"hushwire/v1/root", &mut okm);
    okm
}

/// X3DH's SK: H32 over F || DH1..DH3 [|| DH4].
fn x3dh_sk(dhs: &[[u8; 32]]) -> [u8; 32] {
    let mut ikm = [0xFFu8; 160];
    for (i, d) in dhs.iter().enumerate() {
        ikm[32 * (i + 1)..32 * (i + 2)].copy_from_slice(d);
    }
    let mut sk = [0u8; 32];
    hkdf(
        &[0u8; 32],
        &ikm[..32 * (dhs.len() + 1)],
        b"hushwire/v1/x3dh",
        &mut sk,
    );
    sk
}

/// Everything the floor operations need: keys of both parties and a verified signature.
pub(crate) struct Keys {
    pub(crate) ik_a: StaticSecret,
    pub(crate) ik_b: StaticSecret,
    pub(crate) ik_b_pub: PublicKey,
    pub(crate) ik_a_pub: PublicKey,
    pub(crate) spk: StaticSecret,
    pub(crate) spk_pub: PublicKey,
    pub(crate) otk: StaticSecret,
    pub(crate) otk_pub: PublicKey,
    pub(crate) ek_pub: PublicKey,
    pub(crate) ratchet_pub: PublicKey,
    pub(crate) ed_key: [u8; 32],
    pub(crate) signed: [u8; SIGNED_PREKEY_MESSAGE],
    pub(crate) signature: Signature,
}

pub(crate) fn keys() -> Keys {
    let mut r = rng(99);
    let (ik_a, ik_a_pub) = keygen(&mut r);
    let (ik_b, ik_b_pub) = keygen(&mut r);
    let (spk, spk_pub) = keygen(&mut r);
    let (otk, otk_pub) = keygen(&mut r);
    let (_, ek_pub) = keygen(&mut r);
    let (_, ratchet_pub) = keygen(&mut r);
    let signing = SigningKey::from_bytes(&[7u8; 32]);
    let signed = [0x42u8; SIGNED_PREKEY_MESSAGE];
    let signature = signing.sign(&signed);
    Keys {
        ik_a,
        ik_b,
        ik_b_pub,
        ik_a_pub,
        spk,
        spk_pub,
        otk,
        otk_pub,
        ek_pub,
        ratchet_pub,
        ed_key: signing.verifying_key().to_bytes(),
        signed,
        signature,
    }
}

/// Initiator: draw ek, DH1..DH3 [DH4], H32, EK_A = X25519(ek, 9); then the first ratchet key:
/// draw s, D(s, SPK_B), H64, X25519(s, 9). Total 2 B + 5 D (4 without OTK) + H32 + H64.
pub(crate) fn initiate(k: &Keys, r: &mut ChaCha20Rng, with_otk: bool) -> [u8; 64] {
    let ek = draw(r);
    let mut dhs = vec![
        dh(&k.ik_a, &k.spk_pub),
        dh(&ek, &k.ik_b_pub),
        dh(&ek, &k.spk_pub),
    ];
    if with_otk {
        dhs.push(dh(&ek, &k.otk_pub));
    }
    let sk = x3dh_sk(&dhs);
    black_box(PublicKey::from(&ek));
    let s = draw(r);
    let out = kdf_rk(&sk, &dh(&s, &k.spk_pub));
    black_box(PublicKey::from(&s));
    out
}

/// The initiator starting from a bundle: V on the signed prekey, then [`initiate`].
pub(crate) fn initiate_from_bundle(k: &Keys, r: &mut ChaCha20Rng) -> [u8; 64] {
    let key = VerifyingKey::from_bytes(&k.ed_key).unwrap();
    key.verify_strict(&k.signed, &k.signature).unwrap();
    initiate(k, r, true)
}

/// One message sent on an existing chain: 2 M + H44 + A(n).
pub(crate) fn encrypt(chain_key: &[u8; 32], ad: &[u8], buf: &mut [u8]) -> Tag {
    let (key, nonce, next) = message_key(chain_key);
    black_box(next);
    seal(&key, &nonce, ad, buf)
}

/// One message received on an existing chain: 2 M + H44 + A(n).
pub(crate) fn decrypt(chain_key: &[u8; 32], ad: &[u8], buf: &mut [u8], tag: &Tag) {
    let (key, nonce, next) = message_key(chain_key);
    black_box(next);
    open(&key, &nonce, ad, buf, tag);
}

/// A message with a new ratchet key: receive side D + H64, the message (2 M + H44 + A(n)),
/// then the send side: draw s', D + H64, X25519(s', 9). Total B + 2 D + 2 H64 + 2 M + H44 + A(n).
fn decrypt_ratchet(
    k: &Keys,
    r: &mut ChaCha20Rng,
    ad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> [u8; 64] {
    let okm = kdf_rk(&[3u8; 32], &dh(&k.spk, &k.ratchet_pub));
    let mut ck = [0u8; 32];
    ck.copy_from_slice(&okm[32..]);
    decrypt(&ck, ad, buf, tag);
    let mut rk = [0u8; 32];
    rk.copy_from_slice(&okm[..32]);
    let s = draw(r);
    let out = kdf_rk(&rk, &dh(&s, &k.ratchet_pub));
    black_box(PublicKey::from(&s));
    out
}

/// Responder: DH1..DH3 [DH4] + H32, then the first message with a new ratchet key as in
/// [`decrypt_ratchet`]: 6 D (5 without OTK) + B + H32 + 2 H64 + 2 M + H44 + A(n).
fn accept(
    k: &Keys,
    r: &mut ChaCha20Rng,
    with_otk: bool,
    ad: &[u8],
    buf: &mut [u8],
    tag: &Tag,
) -> [u8; 64] {
    let mut dhs = vec![
        dh(&k.spk, &k.ik_a_pub),
        dh(&k.ik_b, &k.ek_pub),
        dh(&k.spk, &k.ek_pub),
    ];
    if with_otk {
        dhs.push(dh(&k.otk, &k.ek_pub));
    }
    black_box(x3dh_sk(&dhs));
    decrypt_ratchet(k, r, ad, buf, tag)
}

/// A buffer of `len` bytes encrypted under the key [`decrypt`] derives from `chain_key`, so
/// that the floor's decryptions verify, as hushwire's do.
fn sealed(chain_key: &[u8; 32], ad: &[u8], len: usize) -> (Vec<u8>, Tag) {
    let mut buf = payload(len);
    let tag = encrypt(chain_key, ad, &mut buf);
    (buf, tag)
}

/// The chain key [`decrypt_ratchet`] derives for `k`.
fn ratchet_chain_key(k: &Keys) -> [u8; 32] {
    let okm = kdf_rk(&[3u8; 32], &dh(&k.spk, &k.ratchet_pub));
    let mut ck = [0u8; 32];
    ck.copy_from_slice(&okm[32..]);
    ck
}

/// The raw primitives without a payload: keys, DH, signatures, HMAC, HKDF, the rng.
pub(crate) fn fixed_primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitive");
    let mut r = rng(1);
    let k = keys();
    g.bench_function("rng_32B", |b| {
        b.iter(|| {
            let mut bytes = [0u8; 32];
            r.fill_bytes(&mut bytes);
            bytes
        })
    });
    g.bench_function("x25519_keygen", |b| b.iter(|| keygen(&mut r).1));
    g.bench_function("x25519_dh", |b| b.iter(|| dh(black_box(&k.spk), &k.ek_pub)));
    let signing = SigningKey::from_bytes(&[7u8; 32]);
    g.bench_function("ed25519_sign_74B", |b| {
        b.iter(|| signing.sign(black_box(&k.signed)))
    });
    g.bench_function("ed25519_decompress", |b| {
        b.iter(|| VerifyingKey::from_bytes(black_box(&k.ed_key)).unwrap())
    });
    let verifying = VerifyingKey::from_bytes(&k.ed_key).unwrap();
    g.bench_function("ed25519_verify_74B", |b| {
        b.iter(|| {
            verifying
                .verify_strict(black_box(&k.signed), &k.signature)
                .unwrap()
        })
    });
    g.bench_function("hmac_sha256_1B", |b| {
        b.iter(|| hmac(black_box(&[9u8; 32]), 0x01))
    });
    for (name, ikm_len, out_len) in [("H32_ikm160", 160, 32), ("H44", 32, 44), ("H64", 32, 64)] {
        let ikm = vec![5u8; ikm_len];
        g.bench_function(format!("hkdf_sha256_{name}"), |b| {
            b.iter(|| {
                let mut out = [0u8; 64];
                hkdf(
                    &[1u8; 32],
                    black_box(&ikm),
                    b"hushwire/v1/root",
                    &mut out[..out_len],
                );
                out
            })
        });
    }
    g.finish();
}

/// ChaCha20-Poly1305 from the chacha20poly1305 crate at one payload size: in place (the
/// cipher alone), and the allocating forms.
pub(crate) fn aead(c: &mut Criterion, name: &str, len: usize) {
    let mut g = c.benchmark_group("primitive");
    g.throughput(Throughput::Bytes(len as u64));
    let key = [1u8; 32];
    let nonce = [2u8; 12];
    let ad = [3u8; AD_RATCHET];
    let mut buf = payload(len);
    g.bench_function(BenchmarkId::new("chacha20poly1305_seal", name), |b| {
        b.iter(|| seal(&key, &nonce, &ad, black_box(&mut buf)))
    });
    let mut sealed_buf = payload(len);
    let tag = seal(&key, &nonce, &ad, &mut sealed_buf);
    g.bench_function(BenchmarkId::new("chacha20poly1305_open", name), |b| {
        b.iter_batched_ref(
            || sealed_buf.clone(),
            |buf| open(&key, &nonce, &ad, buf, &tag),
            batch(len),
        )
    });
    // The allocating `Aead::encrypt` hushwire calls: copy into a new Vec, then seal in place.
    let msg = payload(len);
    let cipher = ChaCha20Poly1305::new(&key.into());
    g.bench_function(BenchmarkId::new("chacha20poly1305_seal_alloc", name), |b| {
        b.iter_batched(
            || (),
            |()| {
                chacha20poly1305::aead::Aead::encrypt(
                    &cipher,
                    &Nonce::from(nonce),
                    chacha20poly1305::aead::Payload {
                        msg: &msg,
                        aad: &ad,
                    },
                )
                .unwrap()
            },
            batch(len),
        )
    });
    // The allocating `Aead::decrypt`: copy the ciphertext into a new Vec, then open in place.
    let mut ct = sealed_buf.clone();
    ct.extend_from_slice(&tag);
    g.bench_function(BenchmarkId::new("chacha20poly1305_open_alloc", name), |b| {
        b.iter_batched(
            || (),
            |()| {
                chacha20poly1305::aead::Aead::decrypt(
                    &cipher,
                    &Nonce::from(nonce),
                    chacha20poly1305::aead::Payload { msg: &ct, aad: &ad },
                )
                .unwrap()
            },
            batch(len),
        )
    });
    // Out of place into a new zeroed Vec (what safe code can do without the copy pass).
    g.bench_function(
        BenchmarkId::new("chacha20poly1305_seal_outplace", name),
        |b| {
            b.iter_batched(
                || (),
                |()| {
                    let mut out = vec![0u8; len + 16];
                    let (body, tag_out) = out.split_at_mut(len);
                    let tag = cipher
                        .encrypt_inout_detached(
                            &Nonce::from(nonce),
                            &ad,
                            InOutBuf::new(&msg, body).unwrap(),
                        )
                        .unwrap();
                    tag_out.copy_from_slice(&tag);
                    out
                },
                batch(len),
            )
        },
    );
    g.finish();
}

/// Floors of session set-up: initiate (with and without OTK, and from the bundle's bytes).
pub(crate) fn setup_initiate(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    let mut r = rng(2);
    let k = keys();
    g.bench_function(BenchmarkId::new("initiate", "otk"), |b| {
        b.iter(|| initiate(&k, &mut r, true))
    });
    g.bench_function(BenchmarkId::new("initiate", "no_otk"), |b| {
        b.iter(|| initiate(&k, &mut r, false))
    });
    g.bench_function(BenchmarkId::new("initiate_from_bundle", "otk"), |b| {
        b.iter(|| initiate_from_bundle(&k, &mut r))
    });
    g.finish();
}

/// Floors of `accept` (the first message is 64 bytes, with the PreKeyMessage AD).
pub(crate) fn setup_accept(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    let mut r = rng(3);
    let k = keys();
    let ck = ratchet_chain_key(&k);
    let ad_prekey = [3u8; AD_PREKEY];
    let (first, first_tag) = sealed(&ck, &ad_prekey, 64);
    for (name, with_otk) in [("otk", true), ("no_otk", false)] {
        g.bench_function(BenchmarkId::new("accept", name), |b| {
            b.iter_batched_ref(
                || first.clone(),
                |buf| accept(&k, &mut r, with_otk, &ad_prekey, buf, &first_tag),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// The floor of one per-message operation ("encrypt", "decrypt", "decrypt_ratchet") at one size.
pub(crate) fn message(c: &mut Criterion, op: &str, name: &str, len: usize) {
    let mut g = c.benchmark_group("floor");
    g.throughput(Throughput::Bytes(len as u64));
    let mut r = rng(4);
    let k = keys();
    let ad = [3u8; AD_RATCHET];
    let chain = [4u8; 32];
    let id = BenchmarkId::new(op, name);
    match op {
        "encrypt" => {
            let mut buf = payload(len);
            g.bench_function(id, |b| b.iter(|| encrypt(&chain, &ad, black_box(&mut buf))));
        }
        "decrypt" => {
            let (msg, tag) = sealed(&chain, &ad, len);
            g.bench_function(id, |b| {
                b.iter_batched_ref(
                    || msg.clone(),
                    |buf| decrypt(&chain, &ad, buf, &tag),
                    batch(len),
                )
            });
        }
        _ => {
            let (msg, tag) = sealed(&ratchet_chain_key(&k), &ad, len);
            g.bench_function(id, |b| {
                b.iter_batched_ref(
                    || msg.clone(),
                    |buf| decrypt_ratchet(&k, &mut r, &ad, buf, &tag),
                    batch(len),
                )
            });
        }
    }
    g.finish();
}

/// Round trip: Alice encrypts, Bob decrypts with a ratchet step, and back (64 bytes).
pub(crate) fn pingpong(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    g.measurement_time(ROUND_TRIP_TIME);
    let mut r = rng(5);
    let k = keys();
    let ad = [3u8; AD_RATCHET];
    let chain = [4u8; 32];
    let (msg, tag) = sealed(&ratchet_chain_key(&k), &ad, 64);
    g.bench_function(BenchmarkId::new("pingpong", "64B"), |b| {
        b.iter_batched_ref(
            || (payload(64), msg.clone(), payload(64), msg.clone()),
            |(out1, in1, out2, in2)| {
                encrypt(&chain, &ad, out1);
                decrypt_ratchet(&k, &mut r, &ad, in1, &tag);
                encrypt(&chain, &ad, out2);
                decrypt_ratchet(&k, &mut r, &ad, in2, &tag)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// The whole first exchange: initiate, first message, accept, reply, decrypt the reply.
pub(crate) fn handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    g.measurement_time(ROUND_TRIP_TIME);
    let mut r = rng(6);
    let k = keys();
    let ad = [3u8; AD_RATCHET];
    let ad_prekey = [3u8; AD_PREKEY];
    let chain = [4u8; 32];
    let ck = ratchet_chain_key(&k);
    let (first, first_tag) = sealed(&ck, &ad_prekey, 64);
    let (msg, tag) = sealed(&ck, &ad, 64);
    g.bench_function(BenchmarkId::new("handshake", "64B"), |b| {
        b.iter_batched_ref(
            || (payload(64), first.clone(), payload(64), msg.clone()),
            |(out1, in1, out2, in2)| {
                initiate(&k, &mut r, true);
                encrypt(&chain, &ad_prekey, out1);
                accept(&k, &mut r, true, &ad_prekey, in1, &first_tag);
                encrypt(&chain, &ad, out2);
                decrypt_ratchet(&k, &mut r, &ad, in2, &tag)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}
