//! Safety numbers (SPEC.md 12.2, 12.3): Signal's published known-answer tests through
//! `hazmat::safety_number` (the second route for the algorithm), and hushwire's own numbers
//! between identities: the same on both devices, matched by scanning, and refused when
//! anything differs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hushwire::hazmat::safety_number::{digest, displayable, fingerprint_key, scannable};
use hushwire::{
    AccountId, Error, IdentityKeyPair, SAFETY_NUMBER_ITERATIONS, SafetyNumber, ScannedSafetyNumber,
    Timestamp, VerificationMethod,
};

// libsignal, rust/protocol/src/fingerprint.rs tests (also in its Java, Node and Swift tests and
// in libsignal-protocol-java's NumericFingerprintGeneratorTest): Signal's 33-byte keys.
const ALICE_KEY: &str = "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868";
const BOB_KEY: &str = "05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b";
const ALICE_ID: &[u8] = b"+14152222222";
const BOB_ID: &[u8] = b"+14153333333";
const DISPLAYABLE: &str = "300354477692869396892869876765458257569162576843440918079131";
const ALICE_HALF: &str = "1e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df";
const BOB_HALF: &str = "d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d";

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Signal's scannable encoding for `version`, seen from the party whose half is `local`.
fn signal_scannable(version: u8, local: &str, remote: &str) -> String {
    format!("08{version:02x}12220a20{local}1a220a20{remote}")
}

#[test]
fn signal_known_answers_v1_and_v2() {
    let (a, b) = (h(ALICE_KEY), h(BOB_KEY));
    assert_eq!(displayable(5200, &a, ALICE_ID, &b, BOB_ID), DISPLAYABLE);
    assert_eq!(displayable(5200, &b, BOB_ID, &a, ALICE_ID), DISPLAYABLE);
    for version in [1u32, 2] {
        let v = version as u8;
        assert_eq!(
            hex::encode(scannable(version, 5200, &a, ALICE_ID, &b, BOB_ID)),
            signal_scannable(v, ALICE_HALF, BOB_HALF)
        );
        assert_eq!(
            hex::encode(scannable(version, 5200, &b, BOB_ID, &a, ALICE_ID)),
            signal_scannable(v, BOB_HALF, ALICE_HALF)
        );
    }
}

/// libsignal's `fingerprint_encodings`: the protobuf of version 2 with halves of 0x12 and
/// 0xba, decoded by our strict decoder.
#[test]
fn signal_encoding_decodes() {
    let bytes = h(&format!(
        "080212220a20{}1a220a20{}",
        "12".repeat(32),
        "ba".repeat(32)
    ));
    let scanned = ScannedSafetyNumber::decode(&bytes).unwrap();
    assert_eq!(scanned.version(), 2);
    assert_eq!(scanned.local(), &[0x12; 32]);
    assert_eq!(scanned.remote(), &[0xba; 32]);
}

/// The digest is `iterations` SHA-512 calls, written out by hand with the sha2 crate.
#[test]
fn digest_by_hand() {
    use sha2::{Digest, Sha512};
    let key = h(ALICE_KEY);
    for iterations in [1u32, 2, 3, 17] {
        let mut out = Sha512::digest([&[0u8, 0][..], &key, ALICE_ID, &key].concat()).to_vec();
        for _ in 1..iterations {
            out = Sha512::digest([&out[..], &key].concat()).to_vec();
        }
        assert_eq!(digest(iterations, &key, ALICE_ID).to_vec(), out);
    }
    // An iteration count of 0 counts as 1.
    assert_eq!(digest(0, &key, ALICE_ID), digest(1, &key, ALICE_ID));
    // Digits of Alice's half, from the first 30 bytes of her 5200-iteration digest.
    let alice = digest(5200, &key, ALICE_ID);
    assert_eq!(hex::encode(&alice[..32]), ALICE_HALF);
    let digits: String = alice[..30]
        .chunks(5)
        .map(|c| {
            let v = c.iter().fold(0u64, |a, &b| a * 256 + u64::from(b));
            format!("{:05}", v % 100_000)
        })
        .collect();
    assert_eq!(digits, DISPLAYABLE[..30]);
}

fn identity(seed: u8) -> IdentityKeyPair {
    IdentityKeyPair::from_seed(&[seed; 32])
}

fn id(s: &str) -> AccountId {
    AccountId::new(s).unwrap()
}

const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

/// hushwire's number is Signal's algorithm over `0xED || Encode(IK)` and the account id.
#[test]
fn hushwire_number_is_the_algorithm_over_its_key_encoding() {
    let (alice, bob) = (identity(1), identity(2));
    let number = SafetyNumber::new(
        alice.public_key(),
        &id("+14152222222"),
        bob.public_key(),
        &id("acme-shoes"),
    );
    let mut a = vec![0xed];
    a.extend_from_slice(&alice.public_key().to_bytes());
    let mut b = vec![0xed];
    b.extend_from_slice(&bob.public_key().to_bytes());
    assert_eq!(fingerprint_key(alice.public_key()).to_vec(), a);
    assert_eq!(
        number.digits(),
        displayable(
            SAFETY_NUMBER_ITERATIONS,
            &a,
            b"+14152222222",
            &b,
            b"acme-shoes"
        )
    );
    assert_eq!(
        number.scannable(),
        scannable(1, 5200, &a, b"+14152222222", &b, b"acme-shoes")
    );
    assert_eq!(number.digits().len(), 60);
    assert!(number.digits().bytes().all(|c| c.is_ascii_digit()));
    let grouped = number.grouped();
    assert_eq!(grouped.split(' ').count(), 12);
    assert_eq!(grouped.replace(' ', ""), number.digits());
}

#[test]
fn both_devices_agree_and_scanning_verifies() {
    let (alice, bob) = (identity(1), identity(2));
    let (alice_id, bob_id) = (id("alice"), id("bob"));
    let on_alice = SafetyNumber::new(alice.public_key(), &alice_id, bob.public_key(), &bob_id);
    let on_bob = SafetyNumber::new(bob.public_key(), &bob_id, alice.public_key(), &alice_id);
    assert_eq!(on_alice.digits(), on_bob.digits());
    assert_ne!(on_alice.scannable(), on_bob.scannable());
    let proof = on_alice.verify_scanned(&on_bob.scannable(), NOW).unwrap();
    assert_eq!(proof.identity(), bob.public_key());
    assert_eq!(proof.method(), VerificationMethod::QrCode);
    assert_eq!(proof.verified_at(), NOW);
    let proof = on_bob.verify_scanned(&on_alice.scannable(), NOW).unwrap();
    assert_eq!(proof.identity(), alice.public_key());
    let compared = on_bob.confirm_compared(NOW);
    assert_eq!(compared.method(), VerificationMethod::SafetyNumber);
    assert_eq!(compared.identity(), alice.public_key());
}

/// A man in the middle: each side sees the attacker's key for the other. Numbers differ, and
/// scanning refuses; as does scanning our own code, or one for another account id.
#[test]
fn any_difference_is_a_mismatch() {
    let (alice, bob, mallory) = (identity(1), identity(2), identity(3));
    let (alice_id, bob_id) = (id("alice"), id("bob"));
    let on_alice = SafetyNumber::new(alice.public_key(), &alice_id, mallory.public_key(), &bob_id);
    let on_bob = SafetyNumber::new(bob.public_key(), &bob_id, mallory.public_key(), &alice_id);
    assert_ne!(on_alice.digits(), on_bob.digits());
    assert_eq!(
        on_alice.verify_scanned(&on_bob.scannable(), NOW),
        Err(Error::SafetyNumberMismatch)
    );
    let honest = SafetyNumber::new(alice.public_key(), &alice_id, bob.public_key(), &bob_id);
    assert_eq!(
        honest.verify_scanned(&honest.scannable(), NOW),
        Err(Error::SafetyNumberMismatch)
    );
    let other_id = SafetyNumber::new(bob.public_key(), &id("bob2"), alice.public_key(), &alice_id);
    assert_eq!(
        honest.verify_scanned(&other_id.scannable(), NOW),
        Err(Error::SafetyNumberMismatch)
    );
    // Every single-bit flip in either half is a mismatch, never a success or a panic.
    let on_bob = SafetyNumber::new(bob.public_key(), &bob_id, alice.public_key(), &alice_id);
    let good = on_bob.scannable();
    for byte in [6usize, 37, 42, 73] {
        let mut bad = good.clone();
        bad[byte] ^= 1;
        assert_eq!(
            honest.verify_scanned(&bad, NOW),
            Err(Error::SafetyNumberMismatch),
            "byte {byte}"
        );
    }
}

#[test]
fn another_version_is_told_apart() {
    let (alice, bob) = (identity(1), identity(2));
    let (alice_id, bob_id) = (id("alice"), id("bob"));
    let on_alice = SafetyNumber::new(alice.public_key(), &alice_id, bob.public_key(), &bob_id);
    let on_bob = SafetyNumber::new(bob.public_key(), &bob_id, alice.public_key(), &alice_id);
    let mut v2 = on_bob.scannable();
    v2[1] = 2;
    assert_eq!(
        on_alice.verify_scanned(&v2, NOW),
        Err(Error::SafetyNumberVersionMismatch { theirs: 2, ours: 1 })
    );
    // Signal's own payload (version 1, other keys) is a mismatch, not a version error.
    let signal = h(&signal_scannable(1, BOB_HALF, ALICE_HALF));
    assert_eq!(
        on_alice.verify_scanned(&signal, NOW),
        Err(Error::SafetyNumberMismatch)
    );
}

#[test]
fn account_ids_are_bounded() {
    assert_eq!(
        AccountId::new(Vec::new()),
        Err(Error::InvalidAccountId { len: 0 })
    );
    assert_eq!(
        AccountId::new(vec![b'x'; 256]),
        Err(Error::InvalidAccountId { len: 256 })
    );
    assert!(AccountId::new(vec![0xff; 255]).is_ok());
    assert_eq!(format!("{:?}", id("acme")), "AccountId(\"acme\")");
    assert_eq!(
        format!("{:?}", AccountId::new(vec![0xff, 0]).unwrap()),
        "AccountId(ff00)"
    );
}

/// The QR codes read back, with an independent decoder (rqrr), to the scannable payload.
#[test]
fn qr_codes_read_back_to_the_payload() {
    let (alice, bob) = (identity(1), identity(2));
    let number = SafetyNumber::new(
        alice.public_key(),
        &id("alice"),
        bob.public_key(),
        &id("bob"),
    );
    let text = number.qr_unicode();
    // Dense1x2, inverted for dark terminals: a space is two dark modules, a full block two
    // light ones, an upper half block light over dark, a lower half block dark over light.
    let rows: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
    let width = rows[0].len();
    assert!(rows.iter().all(|r| r.len() == width));
    let mut modules = Vec::new();
    for row in &rows {
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for c in row {
            let (t, b) = match c {
                ' ' => (true, true),
                '█' => (false, false),
                '▀' => (false, true),
                '▄' => (true, false),
                other => panic!("unexpected character {other:?}"),
            };
            top.push(t);
            bottom.push(b);
        }
        modules.push(top);
        modules.push(bottom);
    }
    assert_eq!(decode_modules(&modules), number.scannable());

    // The SVG: read the dark rectangles back into modules.
    let svg = number.qr_svg();
    assert!(svg.starts_with("<?xml"));
    assert!(svg.contains("<svg"));
    let dim = |name: &str| -> usize {
        let at = svg.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        svg[at..].split('"').next().unwrap().parse().unwrap()
    };
    let size = dim("width");
    // Version 5: 37 modules, with a 4-module quiet zone each side.
    let module = size / 45;
    assert_eq!(size % 45, 0);
    let mut grid = vec![vec![false; 45]; 45];
    let path = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    // Runs of "M{x} {y}h{w}v{h}H{x}Z"-style commands: parse every "M" sub-path.
    for part in path.split('M').filter(|p| !p.is_empty()) {
        let nums: Vec<usize> = part
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let (x, y, w, hgt) = (nums[0], nums[1], nums[2], nums[3]);
        for row in &mut grid[(y / module)..((y + hgt) / module)] {
            for cell in &mut row[(x / module)..((x + w) / module)] {
                *cell = true;
            }
        }
    }
    assert_eq!(decode_modules(&grid), number.scannable());
}

/// Decodes a grid of modules (true = dark) with rqrr, scaled up 4 times.
fn decode_modules(modules: &[Vec<bool>]) -> Vec<u8> {
    let scale = 4;
    let (w, hgt) = (modules[0].len() * scale, modules.len() * scale);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, hgt, |x, y| {
        if modules[y / scale][x / scale] {
            0
        } else {
            255
        }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    let mut out = Vec::new();
    grids[0].decode_to(&mut out).unwrap();
    out
}
