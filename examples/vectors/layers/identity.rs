//! identity.json: identity keys from their seeds, and validation of received identity keys
//! (SPEC.md 3.1).

use super::json::{Fields, h, kind};
use super::seed;
use hushwire::{IdentityKeyPair, hazmat};
use serde_json::{Value, json};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let rfc8032 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    vec![
        (
            "RFC 8032 section 7.1 TEST 1 seed",
            json!({ "seed": rfc8032 }),
        ),
        ("all-zero seed", json!({ "seed": h([0u8; 32]) })),
        ("seed 1", json!({ "seed": h(seed(1)) })),
        ("seed 2", json!({ "seed": h(seed(2)) })),
        (
            "received identity key: the neutral element (small order)",
            json!({ "identity_key": "0100000000000000000000000000000000000000000000000000000000000000" }),
        ),
        (
            "received identity key: order 2 point y = -1",
            json!({ "identity_key": "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" }),
        ),
        (
            "received identity key: y not on the curve",
            json!({ "identity_key": "0200000000000000000000000000000000000000000000000000000000000000" }),
        ),
        (
            "received identity key: 31 bytes",
            json!({ "identity_key": h([7u8; 31]) }),
        ),
        (
            "received identity key: valid (RFC 8032 TEST 1 public key)",
            json!({ "identity_key": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" }),
        ),
        (
            "received identity key: seed 1's key plus a point of order 8 (a torsion component; accepted, SPEC.md 3.1 and 11)",
            json!({ "identity_key": h(with_torsion(1)) }),
        ),
        (
            "received identity key: seed 2's key plus the point of order 2 (accepted)",
            json!({ "identity_key": h(with_torsion(4)) }),
        ),
        (
            "received identity key: x = 0 with the sign bit set (y = 1)",
            json!({ "identity_key": "0100000000000000000000000000000000000000000000000000000000000080" }),
        ),
        (
            "received identity key: x = 0 with the sign bit set (y = -1)",
            json!({ "identity_key": "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" }),
        ),
        (
            "received identity key: y = p + 1 (not canonical, y >= p)",
            json!({ "identity_key": "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" }),
        ),
    ]
}

/// The identity key of seed 1 (for `torsion` 1) or seed 2 (for 4) plus the 8-torsion point
/// `EIGHT_TORSION[torsion]` (of order 8 for 1, of order 2 for 4), computed with
/// curve25519-dalek: a valid encoding of a point of large order that is not in the prime-order
/// subgroup.
fn with_torsion(torsion: usize) -> [u8; 32] {
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::edwards::CompressedEdwardsY;
    let n = if torsion == 1 { 1 } else { 2 };
    let key = IdentityKeyPair::from_seed(&seed(n)).public_key().to_bytes();
    let point = CompressedEdwardsY(key).decompress().unwrap() + EIGHT_TORSION[torsion];
    assert!(!point.is_small_order() && !point.is_torsion_free());
    point.compress().to_bytes()
}

/// One case's input: a seed to derive an identity from, or a received identity key to check.
pub(super) enum IdentityInput {
    /// `{ "seed" }`: the Ed25519 seed of an identity.
    Seed([u8; 32]),
    /// `{ "identity_key" }`: a received identity key, of any length.
    IdentityKey(Vec<u8>),
}

impl IdentityInput {
    /// Reads a case's `input`, refusing unknown and missing keys.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        if value.get("identity_key").is_some() {
            let fields = Fields::of(value, &["identity_key"], &[])?;
            return Ok(Self::IdentityKey(fields.bytes("identity_key")?));
        }
        let fields = Fields::of(value, &["seed"], &[])?;
        Ok(Self::Seed(fields.b32("seed")?))
    }
}

/// The keys derived from a seed, or the X25519 form of a received identity key that is valid.
pub(super) fn compute(input: &IdentityInput) -> Result<Value, String> {
    match input {
        IdentityInput::IdentityKey(key) => {
            let key = hushwire::IdentityKey::from_bytes(key).map_err(kind)?;
            Ok(json!({ "x25519_public": h(key.x25519().as_bytes()) }))
        }
        IdentityInput::Seed(seed) => {
            let identity = IdentityKeyPair::from_seed(seed);
            Ok(json!({
                "ed25519_public": h(identity.public_key().to_bytes()),
                "x25519_secret": h(*hazmat::identity_x25519_secret(seed)),
                "x25519_public": h(identity.public_key().x25519().as_bytes()),
            }))
        }
    }
}
