//! kdf.json: KDF_RK, KDF_CK chains and message key expansion (SPEC.md 6.2 to 6.4).

use super::json::{b32, h, num};
use super::seed;
use hushwire::hazmat;
use serde_json::{Value, json};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    vec![
        (
            "KDF_RK from the X3DH SK of x3dh.json case 1's seeds",
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
    ]
}

pub(super) fn compute(input: &Value) -> Result<Value, String> {
    if let Some(v) = input.get("kdf_rk") {
        let (rk, ck) = hazmat::kdf_rk(&b32(&v["root_key"])?, &b32(&v["dh_output"])?);
        return Ok(json!({ "next_root_key": h(*rk), "chain_key": h(*ck) }));
    }
    if let Some(v) = input.get("kdf_ck") {
        let mut ck = b32(&v["chain_key"])?;
        let mut chain = Vec::new();
        for index in 0..num(&v["steps"])? {
            let (mk, next) = hazmat::kdf_ck(&ck);
            chain
                .push(json!({ "index": index, "message_key": h(*mk), "next_chain_key": h(*next) }));
            ck = *next;
        }
        return Ok(json!({ "chain": chain }));
    }
    let (key, nonce) = hazmat::message_key_material(&b32(&input["message_key"])?);
    Ok(json!({ "aead_key": h(*key), "aead_nonce": h(nonce) }))
}
