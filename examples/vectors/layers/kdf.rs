//! kdf.json: KDF_RK, KDF_CK chains and message key expansion (SPEC.md 6.2 to 6.4).

use super::json::{Fields, h};
use super::seed;
use hushwire::hazmat;
use serde_json::{Value, json};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    // x3dh.json case 1's SK, the root key a session starts from (SPEC.md 6.1).
    let x3dh_case_1 = &super::x3dh::inputs()[0].1;
    let sk = super::x3dh::compute(
        &super::x3dh::X3dhInput::from_json(x3dh_case_1).unwrap(),
        &hushwire::provider::RUST_CRYPTO,
    )
    .unwrap()["shared_key"]
        .clone();
    vec![
        (
            "KDF_RK from fixed byte patterns (root key: the generator's seed 40; DH output: seed 41)",
            json!({ "kdf_rk": { "root_key": h(seed(40)), "dh_output": h(seed(41)) } }),
        ),
        (
            "KDF_RK with an all-zero root key",
            json!({ "kdf_rk": { "root_key": h([0u8; 32]), "dh_output": h(seed(42)) } }),
        ),
        (
            "KDF_CK chain of 5 steps",
            json!({ "kdf_ck": { "chain_key": h(seed(43)), "steps": 5 } }),
        ),
        (
            "KDF_CK chain of 3 steps from an all-0xff chain key",
            json!({ "kdf_ck": { "chain_key": h([0xffu8; 32]), "steps": 3 } }),
        ),
        (
            "message key expansion",
            json!({ "message_key": h(seed(44)) }),
        ),
        (
            "message key expansion, all-zero key",
            json!({ "message_key": h([0u8; 32]) }),
        ),
        (
            "KDF_RK from the X3DH SK of x3dh.json case 1 (its shared_key, chained)",
            json!({ "kdf_rk": { "root_key": sk, "dh_output": h(seed(41)) } }),
        ),
    ]
}

/// One case's input: one of the three key derivations.
pub(super) enum KdfInput {
    /// `{ "kdf_rk": { "root_key", "dh_output" } }`: one KDF_RK step.
    KdfRk {
        root_key: [u8; 32],
        dh_output: [u8; 32],
    },
    /// `{ "kdf_ck": { "chain_key", "steps" } }`: `steps` KDF_CK steps from `chain_key`.
    KdfCk { chain_key: [u8; 32], steps: u64 },
    /// `{ "message_key" }`: the expansion of a message key into the AEAD key and nonce.
    MessageKey([u8; 32]),
}

impl KdfInput {
    /// Reads a case's `input`, refusing unknown and missing keys.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        if value.get("kdf_rk").is_some() {
            let kdf_rk = Fields::of(value, &["kdf_rk"], &[])?.object(
                "kdf_rk",
                &["root_key", "dh_output"],
                &[],
            )?;
            return Ok(Self::KdfRk {
                root_key: kdf_rk.b32("root_key")?,
                dh_output: kdf_rk.b32("dh_output")?,
            });
        }
        if value.get("kdf_ck").is_some() {
            let kdf_ck = Fields::of(value, &["kdf_ck"], &[])?.object(
                "kdf_ck",
                &["chain_key", "steps"],
                &[],
            )?;
            return Ok(Self::KdfCk {
                chain_key: kdf_ck.b32("chain_key")?,
                steps: kdf_ck.u64("steps")?,
            });
        }
        let fields = Fields::of(value, &["message_key"], &[])?;
        Ok(Self::MessageKey(fields.b32("message_key")?))
    }
}

/// The outputs of the derivation a case names.
pub(super) fn compute(input: &KdfInput) -> Result<Value, String> {
    match input {
        KdfInput::KdfRk {
            root_key,
            dh_output,
        } => {
            let (rk, ck) = hazmat::kdf_rk(root_key, dh_output);
            Ok(json!({ "next_root_key": h(*rk), "chain_key": h(*ck) }))
        }
        KdfInput::KdfCk { chain_key, steps } => {
            let mut ck = *chain_key;
            let mut chain = Vec::new();
            for index in 0..*steps {
                let (mk, next) = hazmat::kdf_ck(&ck);
                chain.push(
                    json!({ "index": index, "message_key": h(*mk), "next_chain_key": h(*next) }),
                );
                ck = *next;
            }
            Ok(json!({ "chain": chain }))
        }
        KdfInput::MessageKey(message_key) => {
            let (key, nonce) = hazmat::message_key_material(message_key);
            Ok(json!({ "aead_key": h(*key), "aead_nonce": h(nonce) }))
        }
    }
}
