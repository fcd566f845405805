//! Safety numbers (SPEC.md 12.2, 12.3): hushwire's `SafetyNumber::new`, Signal's algorithm on
//! Signal's inputs through `hazmat::safety_number::displayable`, the scanned-payload check, and
//! the rendering; each next to its floor where one exists.
//!
//! The floor of a safety number is the raw `sha2` crate doing exactly the 2 × 5200 SHA-512
//! calls of SPEC.md 12.2 over the same inputs: `H_1 = SHA-512(0x0000 || key || id || key)`
//! (80 bytes here: 33-byte keys, 12-byte ids), then `H_i = SHA-512(H_{i-1} || key)` (97
//! bytes), each party's digest in one 97-byte buffer whose first 64 bytes the next hash
//! overwrites. Every one of those inputs fits one 128-byte SHA-512 block with its padding, so
//! the floor is 10 400 compressions plus the `Digest` API around each.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

use hushwire::hazmat::safety_number::displayable;
use hushwire::{SAFETY_NUMBER_ITERATIONS, SafetyNumber};

use crate::fixtures::{
    NOW, SIGNAL_ALICE_ID, SIGNAL_ALICE_KEY, SIGNAL_BOB_ID, SIGNAL_BOB_KEY, SIGNAL_DISPLAYABLE,
    fingerprint_key, people, signal_key,
};

/// Measurement time of the 2 × 5200-hash rows (a few milliseconds per iteration: criterion's
/// 30 samples need about 1.2 s of iterations at the least).
const HASH_TIME: Duration = Duration::from_secs(3);

/// The floor of one party's digest: `iterations` SHA-512 calls with the `sha2` crate.
pub(crate) fn floor_digest(key: &[u8; 33], id: &[u8]) -> [u8; 64] {
    let mut first = Sha512::new();
    first.update([0u8, 0]);
    first.update(key);
    first.update(id);
    first.update(key);
    let mut buf = [0u8; 64 + 33];
    buf[..64].copy_from_slice(&first.finalize());
    buf[64..].copy_from_slice(key);
    for _ in 1..SAFETY_NUMBER_ITERATIONS {
        let next = Sha512::digest(buf);
        buf[..64].copy_from_slice(&next);
    }
    buf[..64].try_into().unwrap()
}

/// The floor of a safety number: both parties' digests, nothing else (no digits, no
/// formatting, no sorting).
fn floor_pair(a: (&[u8; 33], &[u8]), b: (&[u8; 33], &[u8])) -> ([u8; 64], [u8; 64]) {
    (floor_digest(a.0, a.1), floor_digest(b.0, b.1))
}

/// `SafetyNumber::new` between two hushwire identities, and its floor.
pub(crate) fn new(c: &mut Criterion) {
    let p = people();
    let (ka, kb) = (fingerprint_key(&p.alice), fingerprint_key(&p.bob));
    // The floor computes what hushwire computes.
    let number = SafetyNumber::new(&p.alice, &p.alice_id, &p.bob, &p.bob_id);
    let scannable = number.scannable();
    let (da, db) = floor_pair((&ka, p.alice_id.as_bytes()), (&kb, p.bob_id.as_bytes()));
    assert_eq!(&scannable[6..38], &da[..32]);
    assert_eq!(&scannable[42..74], &db[..32]);

    let mut g = c.benchmark_group("safety_number_new");
    g.measurement_time(HASH_TIME);
    g.bench_function("hushwire", |b| {
        b.iter(|| {
            SafetyNumber::new(
                black_box(&p.alice),
                black_box(&p.alice_id),
                black_box(&p.bob),
                black_box(&p.bob_id),
            )
        })
    });
    g.bench_function("floor", |b| {
        b.iter(|| {
            floor_pair(
                (black_box(&ka), black_box(p.alice_id.as_bytes())),
                (black_box(&kb), black_box(p.bob_id.as_bytes())),
            )
        })
    });
    g.finish();
}

/// `hazmat::safety_number::displayable` on Signal's known-answer inputs, and its floor.
pub(crate) fn signal(c: &mut Criterion) {
    let (ka, kb) = (signal_key(SIGNAL_ALICE_KEY), signal_key(SIGNAL_BOB_KEY));
    assert_eq!(
        displayable(
            SAFETY_NUMBER_ITERATIONS,
            &ka,
            SIGNAL_ALICE_ID,
            &kb,
            SIGNAL_BOB_ID
        ),
        SIGNAL_DISPLAYABLE
    );
    let mut g = c.benchmark_group("safety_number_signal");
    g.measurement_time(HASH_TIME);
    g.bench_function("hushwire", |b| {
        b.iter(|| {
            displayable(
                SAFETY_NUMBER_ITERATIONS,
                black_box(&ka),
                black_box(SIGNAL_ALICE_ID),
                black_box(&kb),
                black_box(SIGNAL_BOB_ID),
            )
        })
    });
    g.bench_function("floor", |b| {
        b.iter(|| {
            floor_pair(
                (black_box(&ka), black_box(SIGNAL_ALICE_ID)),
                (black_box(&kb), black_box(SIGNAL_BOB_ID)),
            )
        })
    });
    g.finish();
}

/// The 10 bytes of a 74-byte scannable payload that are not digest: `08 01` (version 1),
/// `12 22 0a 20` before the showing device's half, `1a 22 0a 20` before the other half.
const FRAMING: [(usize, u8); 10] = [
    (0, 0x08),
    (1, 0x01),
    (2, 0x12),
    (3, 0x22),
    (4, 0x0a),
    (5, 0x20),
    (38, 0x1a),
    (39, 0x22),
    (40, 0x0a),
    (41, 0x20),
];

/// The floor of checking a scanned payload: it is 74 bytes, its 10 framing bytes are those of
/// a canonical version-1 payload, and its two halves equal ours swapped, compared in constant
/// time over all 64 bytes. No protobuf parsing: the least any check of the same payload does.
pub(crate) fn floor_check_scanned(scanned: &[u8], local: &[u8; 32], remote: &[u8; 32]) -> bool {
    scanned.len() == 74
        && FRAMING.iter().all(|&(at, byte)| scanned[at] == byte)
        && bool::from(scanned[6..38].ct_eq(remote) & scanned[42..74].ct_eq(local))
}

/// `verify_scanned` (strict decode + version + constant-time comparison), the decode alone,
/// and the floor above; then producing the payload and the QR codes (feature `qr`).
pub(crate) fn scanned(c: &mut Criterion) {
    let p = people();
    let on_alice = SafetyNumber::new(&p.alice, &p.alice_id, &p.bob, &p.bob_id);
    let on_bob = SafetyNumber::new(&p.bob, &p.bob_id, &p.alice, &p.alice_id);
    // Alice scans Bob's screen.
    let shown = on_bob.scannable();
    assert_eq!(shown.len(), 74);
    assert!(on_alice.verify_scanned(&shown, NOW).is_ok());
    let ours = on_alice.scannable();
    let local: [u8; 32] = ours[6..38].try_into().unwrap();
    let remote: [u8; 32] = ours[42..74].try_into().unwrap();
    assert!(floor_check_scanned(&shown, &local, &remote));
    assert!(!floor_check_scanned(&ours, &local, &remote));

    let mut g = c.benchmark_group("verify_scanned");
    g.bench_function("hushwire", |b| {
        b.iter(|| on_alice.verify_scanned(black_box(&shown), NOW).unwrap())
    });
    g.bench_function("floor", |b| {
        b.iter(|| floor_check_scanned(black_box(&shown), &local, &remote))
    });
    g.bench_function("decode_only", |b| {
        b.iter(|| hushwire::ScannedSafetyNumber::decode(black_box(&shown)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("safety_number_render");
    g.bench_function("scannable", |b| b.iter(|| black_box(&on_alice).scannable()));
    g.bench_function("grouped", |b| b.iter(|| black_box(&on_alice).grouped()));
    g.bench_function("qr_unicode", |b| {
        b.iter(|| black_box(&on_alice).qr_unicode())
    });
    g.bench_function("qr_svg", |b| b.iter(|| black_box(&on_alice).qr_svg()));
    g.finish();
}
