//! signed_prekey.json: the signed message and Ed25519 signature of a signed prekey, and
//! verification failures (SPEC.md 3.2, 4.1).

use super::json::{b32, bytes, h, kind, num};
use super::seed;
use hushwire::{IdentityKeyPair, hazmat};
use serde_json::{Value, json};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let spk = hazmat::x25519_public_key(&seed(11));
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
            json!({ "seed": h(seed(3)), "id": u32::MAX, "created_at": u64::MAX, "public_key": h(hazmat::x25519_public_key(&seed(12))) }),
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
    out
}

pub(super) fn compute(input: &Value) -> Result<Value, String> {
    if let Some(v) = input.get("verify") {
        hazmat::verify_signed_prekey(
            &bytes(&v["identity_key"])?,
            u32::try_from(num(&v["id"])?).map_err(|e| e.to_string())?,
            num(&v["created_at"])?,
            &bytes(&v["public_key"])?,
            &bytes(&v["signature"])?,
        )
        .map_err(kind)?;
        return Ok(json!({ "valid": true }));
    }
    let seed = b32(&input["seed"])?;
    let id = u32::try_from(num(&input["id"])?).map_err(|e| e.to_string())?;
    let created_at = num(&input["created_at"])?;
    let public_key = b32(&input["public_key"])?;
    Ok(json!({
        "identity_key": h(IdentityKeyPair::from_seed(&seed).public_key().to_bytes()),
        "signed_message": h(hazmat::signed_prekey_message(id, created_at, &public_key)),
        "signature": h(hazmat::sign_signed_prekey(&seed, id, created_at, &public_key)),
    }))
}
