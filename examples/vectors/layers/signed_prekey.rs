//! signed_prekey.json: the signed message and Ed25519 signature of a signed prekey, and
//! verification failures (SPEC.md 3.2, 4.1).

use super::json::{Fields, h, kind};
use super::seed;
use hushwire::{IdentityKeyPair, hazmat};
use serde_json::{Value, json};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let spk = hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &seed(11));
    let mut out = vec![
        (
            "id 1, created 2025-06-15",
            json!({ "seed": h(seed(1)), "id": 1, "created_at": 1_750_000_000u64, "public_key": h(spk) }),
        ),
        (
            "id 0 and time 0",
            json!({ "seed": h(seed(2)), "id": 0, "created_at": 0, "public_key": h(spk) }),
        ),
        (
            "largest id and time",
            json!({ "seed": h(seed(3)), "id": u32::MAX, "created_at": u64::MAX, "public_key": h(hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &seed(12))) }),
        ),
    ];
    // Negative cases: verification of a given signature.
    let good = hazmat::sign_signed_prekey(&seed(1), 1, 1_750_000_000, &spk);
    let identity = IdentityKeyPair::from_seed(&seed(1)).public_key().to_bytes();
    let other = IdentityKeyPair::from_seed(&seed(9)).public_key().to_bytes();
    let mut flipped = good;
    flipped[10] ^= 1;
    out.push(("verify: genuine signature", json!({ "verify": { "identity_key": h(identity), "id": 1, "created_at": 1_750_000_000u64, "public_key": h(spk), "signature": h(good) } })));
    out.push(("verify: one bit of the signature flipped", json!({ "verify": { "identity_key": h(identity), "id": 1, "created_at": 1_750_000_000u64, "public_key": h(spk), "signature": h(flipped) } })));
    out.push(("verify: another identity's key", json!({ "verify": { "identity_key": h(other), "id": 1, "created_at": 1_750_000_000u64, "public_key": h(spk), "signature": h(good) } })));
    out.push(("verify: signed id changed", json!({ "verify": { "identity_key": h(identity), "id": 2, "created_at": 1_750_000_000u64, "public_key": h(spk), "signature": h(good) } })));
    out.push(("verify: signed time changed", json!({ "verify": { "identity_key": h(identity), "id": 1, "created_at": 1_750_000_001u64, "public_key": h(spk), "signature": h(good) } })));
    out.push(("verify: low-order prekey", json!({ "verify": { "identity_key": h(identity), "id": 1, "created_at": 1_750_000_000u64, "public_key": h([0u8; 32]), "signature": h(good) } })));
    out.push(("verify: truncated signature", json!({ "verify": { "identity_key": h(identity), "id": 1, "created_at": 1_750_000_000u64, "public_key": h(spk), "signature": h(&good[..63]) } })));
    let verify = |signature: &[u8], public_key: &[u8]| json!({ "verify": { "identity_key": h(identity), "id": 1, "created_at": 1_750_000_000u64, "public_key": h(public_key), "signature": h(signature) } });
    // SPEC.md 2.1 (strict verification), from the genuine signature.
    let mut s_plus_l = good;
    add_group_order(&mut s_plus_l[32..]);
    out.push((
        "verify: S + l in place of S (S >= l; the same S mod l)",
        verify(&s_plus_l, &spk),
    ));
    let mut small_r = good;
    small_r[..32].copy_from_slice(&small_order_r());
    out.push((
        "verify: R of small order (a point of order 8)",
        verify(&small_r, &spk),
    ));
    let mut non_canonical_r = good;
    non_canonical_r[..32].copy_from_slice(&non_canonical_point());
    out.push((
        "verify: R a non-canonical encoding (y >= p) of a point of large order",
        verify(&non_canonical_r, &spk),
    ));
    // SPEC.md 2.2 step 2: every u from p to p + 18 = 2^255 - 1 has a clear top bit and is
    // refused as not canonical.
    for (k, comment) in U_AT_LEAST_P.iter().enumerate() {
        let mut u = [0xffu8; 32];
        u[0] = 0xed + k as u8;
        u[31] = 0x7f;
        out.push((comment, verify(&good, &u)));
    }
    out
}

/// The comments of the cases with u = p + k, k = 0 … 18.
const U_AT_LEAST_P: [&str; 19] = [
    "verify: prekey u = p",
    "verify: prekey u = p + 1",
    "verify: prekey u = p + 2",
    "verify: prekey u = p + 3",
    "verify: prekey u = p + 4",
    "verify: prekey u = p + 5",
    "verify: prekey u = p + 6",
    "verify: prekey u = p + 7",
    "verify: prekey u = p + 8",
    "verify: prekey u = p + 9",
    "verify: prekey u = p + 10",
    "verify: prekey u = p + 11",
    "verify: prekey u = p + 12",
    "verify: prekey u = p + 13",
    "verify: prekey u = p + 14",
    "verify: prekey u = p + 15",
    "verify: prekey u = p + 16",
    "verify: prekey u = p + 17",
    "verify: prekey u = p + 18 (2^255 - 1)",
];

/// The encoding of `EIGHT_TORSION[1]`, a point of order 8, from curve25519-dalek.
fn small_order_r() -> [u8; 32] {
    curve25519_dalek::constants::EIGHT_TORSION[1]
        .compress()
        .to_bytes()
}

/// Adds the group order l = 2^252 + 27742317777372353535851937790883648493 to the
/// little-endian 32-byte integer `s` (which stays below 2^256 for any S < l).
fn add_group_order(s: &mut [u8]) {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (b, l) in s.iter_mut().zip(L) {
        let sum = *b as u16 + l as u16 + carry;
        *b = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
}

/// The first y = p + k (k = 0 … 18) whose reduction is the y-coordinate of a point of large
/// order, encoded with a clear sign bit: an encoding that decompresses (curve25519-dalek
/// reduces y) but is not the canonical encoding of its point.
fn non_canonical_point() -> [u8; 32] {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    (0..19u8)
        .map(|k| {
            let mut y = [0xffu8; 32];
            y[0] = 0xed + k;
            y[31] = 0x7f;
            y
        })
        .find(|y| {
            CompressedEdwardsY(*y)
                .decompress()
                .is_some_and(|point| !point.is_small_order() && point.compress().to_bytes() != *y)
        })
        .unwrap()
}

/// One case's input: a signed prekey to sign, or a signature to verify.
pub(super) enum SignedPreKeyInput {
    /// `{ "seed", "id", "created_at", "public_key" }`: sign the prekey with the identity of
    /// `seed`.
    Sign {
        seed: [u8; 32],
        id: u32,
        created_at: u64,
        public_key: [u8; 32],
    },
    /// `{ "verify": { "identity_key", "id", "created_at", "public_key", "signature" } }`:
    /// verify `signature` under `identity_key`, every field of any length.
    Verify {
        identity_key: Vec<u8>,
        id: u32,
        created_at: u64,
        public_key: Vec<u8>,
        signature: Vec<u8>,
    },
}

impl SignedPreKeyInput {
    /// Reads a case's `input`, refusing unknown and missing keys.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        if value.get("verify").is_some() {
            let verify = Fields::of(value, &["verify"], &[])?.object(
                "verify",
                &[
                    "identity_key",
                    "id",
                    "created_at",
                    "public_key",
                    "signature",
                ],
                &[],
            )?;
            return Ok(Self::Verify {
                identity_key: verify.bytes("identity_key")?,
                id: verify.u32("id")?,
                created_at: verify.u64("created_at")?,
                public_key: verify.bytes("public_key")?,
                signature: verify.bytes("signature")?,
            });
        }
        let fields = Fields::of(value, &["seed", "id", "created_at", "public_key"], &[])?;
        Ok(Self::Sign {
            seed: fields.b32("seed")?,
            id: fields.u32("id")?,
            created_at: fields.u64("created_at")?,
            public_key: fields.b32("public_key")?,
        })
    }
}

/// The signed message and signature of a prekey, or whether a given signature verifies.
pub(super) fn compute(input: &SignedPreKeyInput) -> Result<Value, String> {
    match input {
        SignedPreKeyInput::Verify {
            identity_key,
            id,
            created_at,
            public_key,
            signature,
        } => {
            hazmat::verify_signed_prekey(identity_key, *id, *created_at, public_key, signature)
                .map_err(kind)?;
            Ok(json!({ "valid": true }))
        }
        SignedPreKeyInput::Sign {
            seed,
            id,
            created_at,
            public_key,
        } => Ok(json!({
            "identity_key": h(IdentityKeyPair::from_seed(seed).public_key().to_bytes()),
            "signed_message": h(hazmat::signed_prekey_message(*id, *created_at, public_key)),
            "signature": h(hazmat::sign_signed_prekey(seed, *id, *created_at, public_key)),
        })),
    }
}

#[cfg(test)]
mod tests {
    /// `small_order_r` decodes to a point of order exactly 8.
    #[test]
    fn small_order_r_is_of_order_8() {
        use curve25519_dalek::EdwardsPoint;
        use curve25519_dalek::edwards::CompressedEdwardsY;
        let point = CompressedEdwardsY(super::small_order_r())
            .decompress()
            .unwrap();
        let four = point + point + point + point;
        assert_ne!(four, EdwardsPoint::default());
        assert_eq!(four + four, EdwardsPoint::default());
    }
}
