//! signed_prekey.json: the signed message and Ed25519 signature of a signed prekey, and
//! verification failures (SPEC.md 3.2, 4.1).

use super::json::{Fields, h, kind};
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
