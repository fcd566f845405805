//! The floor of a SAS exchange: the primitive calls SPEC.md 12.4 makes the two sides perform,
//! made directly with the raw crates, with no state machine, message, check of a transaction,
//! allocation or copy beyond what the primitives need. Per exchange:
//!
//! - 16 random bytes (the transaction id) and 2 X25519 key generations (32 random bytes and
//!   X25519(k, 9)), one per side;
//! - 2 X25519(k, u), one per side;
//! - 2 SHA-256 of the 75-byte commitment input `0x1a || label || txn || K_R`: the responder
//!   computes it, the starter computes it again to check it (constant-time comparison);
//! - per side, HKDF-SHA256 (zero salt, the shared secret) to 6 bytes with a 169-byte info
//!   (`"hushwire/v1/sas/bytes" || T`) and to 64 bytes with a 172-byte info
//!   (`"hushwire/v1/sas/mac-keys" || T`), T the 148-byte transcript;
//! - per side, 2 HMAC-SHA256 over the 83 bytes `"hushwire/v1/sas/mac" || IK || IK`: its own
//!   MAC, and the peer's to compare (constant-time) with the one received.
//!
//! HMAC, HKDF and SHA-256 are the RustCrypto crates (`hmac`, `hkdf`, `sha2`) whatever the
//! provider, as in hushwire. X25519 is the provider's crate: x25519-dalek for RUST_CRYPTO,
//! aws-lc-rs for AWS_LC_RS, which takes a secret only through `PrivateKey::from_private_key`
//! (that import computes the public key). [`AwsEach`] imports the secret at each of its two
//! uses, as hushwire's provider seam does (the secret is kept as bytes between the public key
//! and the DH); [`AwsOnce`] keeps the imported key, one import per side, which the seam has no
//! way to do.

use std::hint::black_box;

use crate::shared::aws_agree;
use aws_lc_rs::agreement;
use criterion::Criterion;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, StaticSecret};

use hushwire_testkit::fixtures::ChaCha20Rng;

use crate::fixtures::{Column, identities, pair, rng};

pub(crate) type Key = [u8; 32];

const LABEL_COMMITMENT: &[u8] = b"hushwire/v1/sas/commitment";
const INFO_SAS: &[u8] = b"hushwire/v1/sas/bytes";
const INFO_MAC_KEYS: &[u8] = b"hushwire/v1/sas/mac-keys";
const LABEL_MAC: &[u8] = b"hushwire/v1/sas/mac";
const TRANSCRIPT_LEN: usize = 4 + 16 + 4 * 32;

/// X25519 as a floor calls it: a key generation (from 32 bytes of the rng) and a DH.
pub(crate) trait X25519 {
    type Secret;
    fn keygen(rng: &mut ChaCha20Rng) -> (Self::Secret, Key);
    fn dh(secret: &Self::Secret, theirs: &Key) -> Key;
}

fn draw(rng: &mut ChaCha20Rng) -> Key {
    let mut k = [0u8; 32];
    rng.fill_bytes(&mut k);
    k
}

/// x25519-dalek (what RUST_CRYPTO runs on: the same curve25519-dalek calls).
pub(crate) struct Dalek;

impl X25519 for Dalek {
    type Secret = Key;
    fn keygen(rng: &mut ChaCha20Rng) -> (Key, Key) {
        let k = draw(rng);
        (k, PublicKey::from(&StaticSecret::from(k)).to_bytes())
    }
    fn dh(k: &Key, u: &Key) -> Key {
        StaticSecret::from(*k)
            .diffie_hellman(&PublicKey::from(*u))
            .to_bytes()
    }
}

fn aws_import(k: &Key) -> agreement::PrivateKey {
    agreement::PrivateKey::from_private_key(&agreement::X25519, k).unwrap()
}

fn aws_public(key: &agreement::PrivateKey) -> Key {
    key.compute_public_key()
        .unwrap()
        .as_ref()
        .try_into()
        .unwrap()
}

/// aws-lc-rs, importing the secret for the public key and again for the DH (what the
/// AWS_LC_RS provider does through the seam's `public_key` and `diffie_hellman`).
pub(crate) struct AwsEach;

impl X25519 for AwsEach {
    type Secret = Key;
    fn keygen(rng: &mut ChaCha20Rng) -> (Key, Key) {
        let k = draw(rng);
        (k, aws_public(&aws_import(&k)))
    }
    fn dh(k: &Key, u: &Key) -> Key {
        aws_agree(&aws_import(k), u)
    }
}

/// aws-lc-rs, importing each secret once and keeping the imported key for the DH.
pub(crate) struct AwsOnce;

impl X25519 for AwsOnce {
    type Secret = agreement::PrivateKey;
    fn keygen(rng: &mut ChaCha20Rng) -> (agreement::PrivateKey, Key) {
        let key = aws_import(&draw(rng));
        let public = aws_public(&key);
        (key, public)
    }
    fn dh(key: &agreement::PrivateKey, u: &Key) -> Key {
        aws_agree(key, u)
    }
}

/// `SHA-256(0x1a || "hushwire/v1/sas/commitment" || txn || K_R)`.
pub(crate) fn commitment(txn: &[u8; 16], k_r: &Key) -> Key {
    let mut h = Sha256::new();
    h.update([LABEL_COMMITMENT.len() as u8]);
    h.update(LABEL_COMMITMENT);
    h.update(txn);
    h.update(k_r);
    h.finalize().into()
}

/// `T = u32be(1) || txn || IK_S || IK_R || K_S || K_R`, after `prefix`, in one stack buffer:
/// the HKDF info.
fn info<const N: usize>(prefix: &[u8], txn: &[u8; 16], keys: [&Key; 4]) -> [u8; N] {
    let mut out = [0u8; N];
    out[..prefix.len()].copy_from_slice(prefix);
    let mut at = prefix.len();
    for part in [
        &1u32.to_be_bytes()[..],
        txn,
        keys[0],
        keys[1],
        keys[2],
        keys[3],
    ] {
        out[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    assert_eq!(at, N);
    out
}

/// HKDF-SHA256 with a zero salt: 6 SAS bytes, then the two MAC keys (starter's, responder's).
fn derive(shared: &Key, txn: &[u8; 16], keys: [&Key; 4]) -> ([u8; 6], [u8; 64]) {
    let mut sas = [0u8; 6];
    let mut mac_keys = [0u8; 64];
    let info_sas: [u8; 21 + TRANSCRIPT_LEN] = info(INFO_SAS, txn, keys);
    Hkdf::<Sha256>::new(Some(&[0u8; 32]), shared)
        .expand(&info_sas, &mut sas)
        .unwrap();
    let info_mac: [u8; 24 + TRANSCRIPT_LEN] = info(INFO_MAC_KEYS, txn, keys);
    Hkdf::<Sha256>::new(Some(&[0u8; 32]), shared)
        .expand(&info_mac, &mut mac_keys)
        .unwrap();
    (sas, mac_keys)
}

/// `HMAC(key, "hushwire/v1/sas/mac" || sender || receiver)`.
pub(crate) fn mac(key: &[u8], sender: &Key, receiver: &Key) -> Key {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    m.update(LABEL_MAC);
    m.update(sender);
    m.update(receiver);
    m.finalize().into_bytes().into()
}

/// The primitives of one whole exchange, both sides, in the order of the flow. Returns the
/// two SAS values (equal).
pub(crate) fn exchange<X: X25519>(
    rng: &mut ChaCha20Rng,
    ik_s: &Key,
    ik_r: &Key,
) -> ([u8; 6], [u8; 6]) {
    // Starter (Start): transaction id, ephemeral key.
    let mut txn = [0u8; 16];
    rng.fill_bytes(&mut txn);
    let (e_s, k_s) = X::keygen(rng);
    // Responder (Accept): ephemeral key, commitment to it.
    let (e_r, k_r) = X::keygen(rng);
    let c = commitment(&txn, &k_r);
    // Responder, on K_S: DH, SAS, MAC keys.
    let keys = [ik_s, ik_r, &k_s, &k_r];
    let (sas_r, mk_r) = derive(&X::dh(&e_r, &k_s), &txn, keys);
    // Starter, on K_R: the commitment, DH, SAS, MAC keys.
    assert!(bool::from(commitment(&txn, &k_r).ct_eq(&c)));
    let (sas_s, mk_s) = derive(&X::dh(&e_s, &k_r), &txn, keys);
    // Each side's MAC, then each checks the other's.
    let mac_s = mac(&mk_s[..32], ik_s, ik_r);
    let mac_r = mac(&mk_r[32..], ik_r, ik_s);
    assert!(bool::from(mac(&mk_s[32..], ik_r, ik_s).ct_eq(&mac_r)));
    assert!(bool::from(mac(&mk_r[..32], ik_s, ik_r).ct_eq(&mac_s)));
    (sas_s, sas_r)
}

/// The floor of `col`'s provider, with the identity keys of the same established pair as
/// hushwire's exchange.
pub(crate) fn bench(c: &mut Criterion, col: Column) {
    let (p, _) = pair(130, col.provider);
    let (ik_s, ik_r) = identities(&p.alice);
    let mut rng = rng(131);
    let mut g = c.benchmark_group("sas_exchange");
    if col.prefix == "aws" {
        let (a, b) = exchange::<AwsEach>(&mut rng, &ik_s, &ik_r);
        assert_eq!(a, b);
        g.bench_function(col.floor, |b| {
            b.iter(|| exchange::<AwsEach>(&mut rng, black_box(&ik_s), black_box(&ik_r)))
        });
        g.bench_function("floor_aws_import_once", |b| {
            b.iter(|| exchange::<AwsOnce>(&mut rng, black_box(&ik_s), black_box(&ik_r)))
        });
    } else {
        let (a, b) = exchange::<Dalek>(&mut rng, &ik_s, &ik_r);
        assert_eq!(a, b);
        g.bench_function(col.floor, |b| {
            b.iter(|| exchange::<Dalek>(&mut rng, black_box(&ik_s), black_box(&ik_r)))
        });
    }
    g.finish();
}

/// Each primitive of the floors alone, for the cross-check of each floor against the sum of
/// its parts (group `verification_primitive`).
pub(crate) fn primitives(c: &mut Criterion) {
    let mut r = rng(132);
    let mut g = c.benchmark_group("verification_primitive");

    // Safety numbers: one SHA-512 call of each input length, and the compression function
    // alone on one block.
    let key = [0x05u8; 33];
    let first = [[0u8, 0].as_slice(), &key, b"+14152222222", &key].concat();
    assert_eq!(first.len(), 80);
    let mut next = [0x11u8; 97];
    g.bench_function("sha512_80B", |b| {
        b.iter(|| sha2::Sha512::digest(black_box(&first)))
    });
    g.bench_function("sha512_97B", |b| {
        b.iter(|| {
            let h = sha2::Sha512::digest(black_box(next));
            next[..64].copy_from_slice(&h);
        })
    });
    let mut state = [0x6a09e667f3bcc908u64; 8];
    let block = [0x22u8; 128];
    g.bench_function("sha512_compress_1block", |b| {
        b.iter(|| sha2::block_api::compress512(black_box(&mut state), &[block]))
    });

    // SAS.
    g.bench_function("rng_16B", |b| {
        b.iter(|| {
            let mut t = [0u8; 16];
            r.fill_bytes(&mut t);
            t
        })
    });
    let u = Dalek::keygen(&mut r).1;
    let k = draw(&mut r);
    g.bench_function("rust_x25519_keygen", |b| b.iter(|| Dalek::keygen(&mut r)));
    g.bench_function("rust_x25519_dh", |b| {
        b.iter(|| Dalek::dh(black_box(&k), black_box(&u)))
    });
    g.bench_function("aws_x25519_keygen", |b| b.iter(|| AwsEach::keygen(&mut r)));
    g.bench_function("aws_x25519_dh", |b| {
        b.iter(|| AwsEach::dh(black_box(&k), black_box(&u)))
    });
    let imported = aws_import(&k);
    g.bench_function("aws_x25519_import", |b| {
        b.iter(|| aws_import(black_box(&k)))
    });
    g.bench_function("aws_x25519_agree_imported", |b| {
        b.iter(|| aws_agree(black_box(&imported), black_box(&u)))
    });
    let txn = [7u8; 16];
    g.bench_function("sha256_commitment_75B", |b| {
        b.iter(|| commitment(black_box(&txn), black_box(&u)))
    });
    let keys = [&u, &k, &u, &k];
    let info_sas: [u8; 21 + TRANSCRIPT_LEN] = info(INFO_SAS, &txn, keys);
    g.bench_function("hkdf_sha256_L6", |b| {
        b.iter(|| {
            let mut out = [0u8; 6];
            Hkdf::<Sha256>::new(Some(&[0u8; 32]), black_box(&k))
                .expand(&info_sas, &mut out)
                .unwrap();
            out
        })
    });
    let info_mac: [u8; 24 + TRANSCRIPT_LEN] = info(INFO_MAC_KEYS, &txn, keys);
    g.bench_function("hkdf_sha256_L64", |b| {
        b.iter(|| {
            let mut out = [0u8; 64];
            Hkdf::<Sha256>::new(Some(&[0u8; 32]), black_box(&k))
                .expand(&info_mac, &mut out)
                .unwrap();
            out
        })
    });
    g.bench_function("hmac_sha256_83B", |b| {
        b.iter(|| mac(black_box(&k), black_box(&u), black_box(&u)))
    });
    g.finish();
}
