//! Generation and verification of hushwire's JSON test vectors (test-vectors/README.md).
//!
//! Every layer is one function `compute(input) -> output`. Generation builds inputs from fixed
//! seeds and records `compute`'s result; verification recomputes each case from its inputs and
//! compares, then checks that the whole file is byte-for-byte what generation produces. The
//! same code backs `cargo run --example vectors` and `tests/vectors.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

use std::convert::Infallible;

use hushwire::{
    Config, Envelope, IdentityKeyPair, InMemoryPreKeyStore, OneTimePreKeyId, OneTimePreKeyPair,
    PreKeyBundle, Session, SignedPreKeyId, SignedPreKeyPair, hazmat,
};
use rand::{SeedableRng, TryCryptoRng, TryRng};
use rand_chacha::ChaCha20Rng;
use serde_json::{Value, json};

/// Version of the vector file format.
pub const FORMAT_VERSION: u64 = 1;

/// One vector file: its name, what it pins, how to compute a case, and its generated cases.
pub struct Layer {
    pub file: &'static str,
    pub description: &'static str,
    /// Field name → the SPEC.md section that defines it.
    pub fields: &'static [(&'static str, &'static str)],
    pub compute: fn(&Value) -> Result<Value, String>,
    pub inputs: fn() -> Vec<(&'static str, Value)>,
}

pub fn layers() -> Vec<Layer> {
    vec![
        Layer {
            file: "identity.json",
            description: "Identity keys: Ed25519 seed to Ed25519 public key and X25519 secret and public key; identity key validation.",
            fields: &[
                ("seed", "SPEC.md 3.1 (RFC 8032 private key)"),
                ("ed25519_public", "SPEC.md 3.1 (identity key encoding)"),
                (
                    "x25519_secret",
                    "SPEC.md 3.1 (SHA-512(seed)[0..32], before clamping)",
                ),
                ("x25519_public", "SPEC.md 3.1 (Montgomery form)"),
                (
                    "identity_key",
                    "SPEC.md 3.1 (validation of a received identity key)",
                ),
            ],
            compute: identity,
            inputs: identity_inputs,
        },
        Layer {
            file: "signed_prekey.json",
            description: "Signed prekey signatures: the signed message and the Ed25519 signature; verification failures.",
            fields: &[
                ("seed", "SPEC.md 3.1"),
                ("id", "SPEC.md 4.1"),
                ("created_at", "SPEC.md 4.1"),
                (
                    "public_key",
                    "SPEC.md 4.1 (X25519 public key of the prekey)",
                ),
                ("signed_message", "SPEC.md 3.2, 4.1"),
                ("signature", "SPEC.md 3.2 (Ed25519, RFC 8032)"),
            ],
            compute: signed_prekey,
            inputs: signed_prekey_inputs,
        },
        Layer {
            file: "x3dh.json",
            description: "X3DH with and without a one-time prekey: every DH output, SK and AD, computed by both sides.",
            fields: &[
                ("alice_seed", "SPEC.md 3.1"),
                ("alice_base_secret", "SPEC.md 5.2 (EK_A)"),
                ("bob_seed", "SPEC.md 3.1"),
                ("bob_signed_prekey_secret", "SPEC.md 4.1"),
                ("bob_one_time_prekey_secret", "SPEC.md 4.1"),
                ("dh", "SPEC.md 5.3 (DH1..DH4)"),
                ("shared_key", "SPEC.md 5.3 (SK)"),
                ("associated_data", "SPEC.md 5.3 (AD)"),
            ],
            compute: x3dh,
            inputs: x3dh_inputs,
        },
        Layer {
            file: "kdf.json",
            description: "KDF_RK, KDF_CK chains, and message key expansion to the AEAD key and nonce.",
            fields: &[
                ("root_key", "SPEC.md 6.2"),
                ("dh_output", "SPEC.md 6.2"),
                ("next_root_key", "SPEC.md 6.2"),
                ("chain_key", "SPEC.md 6.2, 6.3"),
                ("chain", "SPEC.md 6.3 (message keys and next chain keys)"),
                ("message_key", "SPEC.md 6.3"),
                ("aead_key", "SPEC.md 6.4"),
                ("aead_nonce", "SPEC.md 6.4"),
            ],
            compute: kdf,
            inputs: kdf_inputs,
        },
        Layer {
            file: "message.json",
            description: "Message encryption: header encoding, AEAD associated data, ciphertext; tampered ciphertext, header and AD.",
            fields: &[
                ("message_key", "SPEC.md 6.3"),
                ("x3dh_ad", "SPEC.md 5.3"),
                ("ratchet_key", "SPEC.md 6.5"),
                ("previous_counter", "SPEC.md 6.5 (PN)"),
                ("counter", "SPEC.md 6.5 (N)"),
                (
                    "prekey_info",
                    "SPEC.md 6.5 (X3DH fields of a PreKeyMessage)",
                ),
                ("aead_associated_data", "SPEC.md 6.5"),
                ("ciphertext", "SPEC.md 6.4"),
            ],
            compute: message,
            inputs: message_inputs,
        },
        Layer {
            file: "transcript.json",
            description: "Full sessions from seeded RNGs: every random draw, every envelope in the order sent, every delivery in order and out of order, and both final states.",
            fields: &[
                (
                    "alice_rng_seed",
                    "test-vectors/README.md (ChaCha20 key of the RNG)",
                ),
                ("bob_rng_seed", "test-vectors/README.md"),
                ("script", "test-vectors/README.md"),
                (
                    "rng_draws",
                    "SPEC.md 5.2, 6.1, 6.6 (what is drawn, and when)",
                ),
                ("envelopes", "SPEC.md 7"),
                ("deliveries", "SPEC.md 6.6, 8.1"),
                ("alice_state", "SPEC.md 9"),
                ("bob_state", "SPEC.md 9"),
            ],
            compute: transcript,
            inputs: transcript_inputs,
        },
        Layer {
            file: "envelope.json",
            description: "Envelope decoding: the fields of valid envelopes, and the error of each malformed one.",
            fields: &[
                ("bytes", "SPEC.md 7.1-7.4"),
                ("max_encoded_len", "SPEC.md 8.4"),
                ("decoded", "SPEC.md 7.2-7.4"),
            ],
            compute: envelope,
            inputs: envelope_inputs,
        },
        Layer {
            file: "session_state.json",
            description: "Session state serialization: states from a seeded session decode and re-encode byte for byte; malformed states are refused.",
            fields: &[("state", "SPEC.md 9"), ("reencoded", "SPEC.md 9")],
            compute: session_state,
            inputs: session_state_inputs,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Files

/// The whole JSON document of a layer, as generation produces it.
pub fn generate(layer: &Layer) -> Value {
    let cases: Vec<Value> = (layer.inputs)()
        .into_iter()
        .enumerate()
        .map(|(i, (comment, input))| {
            let mut case = json!({ "id": i + 1, "comment": comment, "input": input });
            match (layer.compute)(&input) {
                Ok(output) => case["output"] = output,
                Err(error) => case["error"] = Value::String(error),
            }
            case
        })
        .collect();
    let fields: serde_json::Map<String, Value> = layer
        .fields
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "file": layer.file,
        "description": layer.description,
        "fields": fields,
        "cases": cases,
    })
}

/// The file's exact text.
pub fn render(document: &Value) -> String {
    serde_json::to_string_pretty(document).unwrap() + "\n"
}

/// What verifying one file found.
pub struct Report {
    pub passed: usize,
    pub failed: Vec<String>,
}

/// Verifies `text` as the vector file of `layer`: every case recomputed from its inputs, then
/// the whole file against regeneration (so no byte can change unnoticed, comments included).
pub fn verify(layer: &Layer, text: &str) -> Report {
    let mut report = Report {
        passed: 0,
        failed: Vec::new(),
    };
    let document: Value = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(e) => {
            report.failed.push(format!("not JSON: {e}"));
            return report;
        }
    };
    if document["format_version"] != json!(FORMAT_VERSION) {
        report.failed.push(format!(
            "format_version is {}, expected {FORMAT_VERSION}",
            document["format_version"]
        ));
    }
    let cases = document["cases"].as_array().cloned().unwrap_or_default();
    if cases.is_empty() {
        report.failed.push("no cases".into());
    }
    for case in &cases {
        let id = &case["id"];
        let expected = match (case.get("output"), case.get("error")) {
            (Some(output), None) => Ok(output.clone()),
            (None, Some(Value::String(error))) => Err(error.clone()),
            _ => {
                report
                    .failed
                    .push(format!("case {id}: needs exactly one of output and error"));
                continue;
            }
        };
        let actual = (layer.compute)(&case["input"]);
        if actual == expected {
            report.passed += 1;
        } else {
            report.failed.push(format!(
                "case {id}: expected {expected:?}, computed {actual:?}"
            ));
        }
    }
    if render(&document) != text || document != generate(layer) {
        report
            .failed
            .push("file differs from its regeneration".into());
    }
    report
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn h(bytes: impl AsRef<[u8]>) -> Value {
    Value::String(hex::encode(bytes))
}

fn bytes(value: &Value) -> Result<Vec<u8>, String> {
    hex::decode(value.as_str().ok_or("expected a hex string")?).map_err(|e| e.to_string())
}

fn b32(value: &Value) -> Result<[u8; 32], String> {
    bytes(value)?
        .try_into()
        .map_err(|_| "expected 32 bytes".to_string())
}

fn num(value: &Value) -> Result<u64, String> {
    value
        .as_u64()
        .ok_or_else(|| "expected a number".to_string())
}

/// The error kind: the variant name of `hushwire::Error`.
fn kind(error: hushwire::Error) -> String {
    let text = format!("{error:?}");
    text.split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string()
}

fn seed(n: u8) -> [u8; 32] {
    let mut s = [0u8; 32];
    for (i, b) in s.iter_mut().enumerate() {
        *b = n.wrapping_mul(31).wrapping_add(i as u8);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// identity.json

fn identity_inputs() -> Vec<(&'static str, Value)> {
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
    ]
}

fn identity(input: &Value) -> Result<Value, String> {
    if let Some(key) = input.get("identity_key") {
        let key = hushwire::IdentityKey::from_bytes(&bytes(key)?).map_err(kind)?;
        return Ok(json!({ "x25519_public": h(key.x25519().as_bytes()) }));
    }
    let seed = b32(&input["seed"])?;
    let identity = IdentityKeyPair::from_seed(&seed);
    Ok(json!({
        "ed25519_public": h(identity.public_key().to_bytes()),
        "x25519_secret": h(*hazmat::identity_x25519_secret(&seed)),
        "x25519_public": h(identity.public_key().x25519().as_bytes()),
    }))
}

// ---------------------------------------------------------------------------------------------
// signed_prekey.json

fn signed_prekey_inputs() -> Vec<(&'static str, Value)> {
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

fn signed_prekey(input: &Value) -> Result<Value, String> {
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

// ---------------------------------------------------------------------------------------------
// x3dh.json

fn x3dh_inputs() -> Vec<(&'static str, Value)> {
    vec![
        (
            "with a one-time prekey",
            json!({
                "alice_seed": h(seed(1)), "alice_base_secret": h(seed(21)),
                "bob_seed": h(seed(2)), "bob_signed_prekey_secret": h(seed(22)), "bob_one_time_prekey_secret": h(seed(23)),
            }),
        ),
        (
            "without a one-time prekey",
            json!({
                "alice_seed": h(seed(3)), "alice_base_secret": h(seed(24)),
                "bob_seed": h(seed(4)), "bob_signed_prekey_secret": h(seed(25)), "bob_one_time_prekey_secret": null,
            }),
        ),
        (
            "base key of small order (refused by the responder)",
            json!({
                "alice_seed": h(seed(1)), "alice_base_public_override": h([0u8; 32]),
                "bob_seed": h(seed(2)), "bob_signed_prekey_secret": h(seed(22)), "bob_one_time_prekey_secret": null,
            }),
        ),
    ]
}

fn x3dh(input: &Value) -> Result<Value, String> {
    let alice_seed = b32(&input["alice_seed"])?;
    let bob_seed = b32(&input["bob_seed"])?;
    let spk_secret = b32(&input["bob_signed_prekey_secret"])?;
    let otk_secret = match &input["bob_one_time_prekey_secret"] {
        Value::Null => None,
        v => Some(b32(v)?),
    };
    let alice_identity = IdentityKeyPair::from_seed(&alice_seed)
        .public_key()
        .to_bytes();
    let bob_identity = IdentityKeyPair::from_seed(&bob_seed)
        .public_key()
        .to_bytes();
    if let Some(base) = input.get("alice_base_public_override") {
        let responder = hazmat::x3dh_responder(
            &bob_seed,
            &spk_secret,
            otk_secret.as_ref(),
            &alice_identity,
            &bytes(base)?,
        )
        .map_err(kind)?;
        return Ok(json!({ "shared_key": h(*responder.shared_key) }));
    }
    let base_secret = b32(&input["alice_base_secret"])?;
    let spk_public = hazmat::x25519_public_key(&spk_secret);
    let otk_public = otk_secret.map(|s| hazmat::x25519_public_key(&s));
    let initiator = hazmat::x3dh_initiator(
        &alice_seed,
        &base_secret,
        &bob_identity,
        &spk_public,
        otk_public.as_ref().map(|k| &k[..]),
    )
    .map_err(kind)?;
    let base_public = hazmat::x25519_public_key(&base_secret);
    let responder = hazmat::x3dh_responder(
        &bob_seed,
        &spk_secret,
        otk_secret.as_ref(),
        &alice_identity,
        &base_public,
    )
    .map_err(kind)?;
    if *initiator.shared_key != *responder.shared_key
        || initiator.associated_data != responder.associated_data
    {
        return Err("initiator and responder disagree".into());
    }
    Ok(json!({
        "alice_identity_key": h(alice_identity),
        "alice_base_public": h(base_public),
        "bob_identity_key": h(bob_identity),
        "bob_signed_prekey_public": h(spk_public),
        "bob_one_time_prekey_public": otk_public.map(h).unwrap_or(Value::Null),
        "dh": initiator.dh.iter().map(|d| h(**d)).collect::<Vec<_>>(),
        "shared_key": h(*initiator.shared_key),
        "associated_data": h(initiator.associated_data),
    }))
}

// ---------------------------------------------------------------------------------------------
// kdf.json

fn kdf_inputs() -> Vec<(&'static str, Value)> {
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

fn kdf(input: &Value) -> Result<Value, String> {
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

// ---------------------------------------------------------------------------------------------
// message.json

fn message_inputs() -> Vec<(&'static str, Value)> {
    let mk = h(seed(50));
    let mut ad = [0u8; 64];
    ad[..32].copy_from_slice(&IdentityKeyPair::from_seed(&seed(1)).public_key().to_bytes());
    ad[32..].copy_from_slice(&IdentityKeyPair::from_seed(&seed(2)).public_key().to_bytes());
    let rk = hazmat::x25519_public_key(&seed(51));
    let base = json!({ "message_key": mk, "x3dh_ad": h(ad), "ratchet_key": h(rk), "previous_counter": 3, "counter": 7, "plaintext": h(b"hushwire test vector") });
    let mut empty = base.clone();
    empty["plaintext"] = h(b"");
    empty["counter"] = json!(0);
    empty["previous_counter"] = json!(0);
    let mut large = base.clone();
    large["counter"] = json!(u32::MAX - 1);
    large["previous_counter"] = json!(u32::MAX);
    let mut in_prekey = base.clone();
    let mut info = hazmat::x25519_public_key(&seed(52)).to_vec();
    info.extend_from_slice(&[0, 0, 0, 1, 1, 0, 0, 0, 7]);
    in_prekey["prekey_info"] = h(&info);
    let mut in_prekey_sent_bare = base.clone();
    in_prekey_sent_bare["open"] = seal(&in_prekey).unwrap()["ciphertext"].clone();
    let sealed = seal(&base).unwrap();
    let ct = bytes(&sealed["ciphertext"]).unwrap();
    let mut tampered_ct = base.clone();
    let mut flipped = ct.clone();
    flipped[0] ^= 1;
    tampered_ct["open"] = h(&flipped);
    let mut tampered_tag = base.clone();
    let mut flipped = ct.clone();
    *flipped.last_mut().unwrap() ^= 0x80;
    tampered_tag["open"] = h(&flipped);
    let mut tampered_header = base.clone();
    tampered_header["counter"] = json!(8);
    tampered_header["open"] = h(&ct);
    let mut tampered_ad = base.clone();
    tampered_ad["x3dh_ad"] = h([0x11u8; 64]);
    tampered_ad["open"] = h(&ct);
    let mut genuine = base.clone();
    genuine["open"] = h(&ct);
    vec![
        ("a short message", base),
        ("empty plaintext, first message of the first chain", empty),
        ("largest counters", large),
        (
            "a message carried in a PreKeyMessage (signed prekey 1, one-time prekey 7)",
            in_prekey,
        ),
        (
            "open: a PreKeyMessage's inner message sent as a RatchetMessage",
            in_prekey_sent_bare,
        ),
        ("open: the genuine ciphertext", genuine),
        ("open: first ciphertext byte flipped", tampered_ct),
        ("open: tag bit flipped", tampered_tag),
        ("open: header counter changed", tampered_header),
        ("open: X3DH AD changed", tampered_ad),
    ]
}

fn seal(input: &Value) -> Result<Value, String> {
    let ad: [u8; 64] = bytes(&input["x3dh_ad"])?
        .try_into()
        .map_err(|_| "x3dh_ad must be 64 bytes")?;
    let aead_ad = hazmat::aead_associated_data(
        &ad,
        &bytes(&input["ratchet_key"])?,
        u32::try_from(num(&input["previous_counter"])?).map_err(|e| e.to_string())?,
        u32::try_from(num(&input["counter"])?).map_err(|e| e.to_string())?,
        match input.get("prekey_info") {
            Some(info) => Some(
                bytes(info)?
                    .try_into()
                    .map_err(|_| "prekey_info must be 41 bytes")?,
            ),
            None => None,
        }
        .as_ref(),
    )
    .map_err(kind)?;
    let mk = b32(&input["message_key"])?;
    Ok(json!({
        "aead_associated_data": h(&aead_ad),
        "ciphertext": h(hazmat::seal(&mk, &aead_ad, &bytes(&input["plaintext"])?)),
    }))
}

fn message(input: &Value) -> Result<Value, String> {
    let sealed = seal(input)?;
    if let Some(ct) = input.get("open") {
        let aead_ad = bytes(&sealed["aead_associated_data"])?;
        let plaintext =
            hazmat::open(&b32(&input["message_key"])?, &aead_ad, &bytes(ct)?).map_err(kind)?;
        return Ok(json!({ "plaintext": h(plaintext) }));
    }
    Ok(sealed)
}

// ---------------------------------------------------------------------------------------------
// transcript.json

/// A ChaCha20Rng that records every draw.
struct RecordingRng {
    inner: ChaCha20Rng,
    draws: Vec<Value>,
}

impl TryRng for RecordingRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        rand::Rng::fill_bytes(&mut self.inner, dst);
        self.draws.push(h(&*dst));
        Ok(())
    }
}

impl TryCryptoRng for RecordingRng {}

fn transcript_inputs() -> Vec<(&'static str, Value)> {
    let script = json!([
        { "op": "send", "from": "alice", "text": "hello Bob" },
        { "op": "send", "from": "alice", "text": "are you there?" },
        { "op": "deliver", "envelope": 2 },
        { "op": "deliver", "envelope": 1 },
        { "op": "deliver", "envelope": 1 },
        { "op": "send", "from": "bob", "text": "yes" },
        { "op": "send", "from": "bob", "text": "I'm here" },
        { "op": "send", "from": "bob", "text": "what's up?" },
        { "op": "deliver", "envelope": 5 },
        { "op": "deliver", "envelope": 3 },
        { "op": "send", "from": "alice", "text": "lunch?" },
        { "op": "deliver", "envelope": 6 },
        { "op": "deliver", "envelope": 4 },
        { "op": "send", "from": "bob", "text": "sure" },
        { "op": "deliver", "envelope": 7 },
        { "op": "deliver", "envelope": 3 }
    ]);
    vec![
        (
            "a conversation with a one-time prekey, reordering and a replay",
            json!({ "alice_rng_seed": h(seed(60)), "bob_rng_seed": h(seed(61)), "one_time_prekey": true, "script": script }),
        ),
        (
            "the same script without a one-time prekey",
            json!({ "alice_rng_seed": h(seed(62)), "bob_rng_seed": h(seed(63)), "one_time_prekey": false, "script": script }),
        ),
        (
            "max_skip 2: a message 3 keys ahead is refused, then arrives in range later",
            json!({
                "alice_rng_seed": h(seed(64)), "bob_rng_seed": h(seed(65)), "one_time_prekey": true, "max_skip": 2,
                "script": [
                    { "op": "send", "from": "alice", "text": "m1" },
                    { "op": "send", "from": "alice", "text": "m2" },
                    { "op": "send", "from": "alice", "text": "m3" },
                    { "op": "send", "from": "alice", "text": "m4" },
                    { "op": "send", "from": "alice", "text": "m5" },
                    { "op": "deliver", "envelope": 1 },
                    { "op": "deliver", "envelope": 5 },
                    { "op": "deliver", "envelope": 4 },
                    { "op": "deliver", "envelope": 2 },
                    { "op": "deliver", "envelope": 5 },
                    { "op": "deliver", "envelope": 3 }
                ],
            }),
        ),
    ]
}

/// Runs a transcript: Bob draws his identity, signed prekey (id 1, created_at 1750000000) and
/// optional one-time prekey (id 1) from his RNG; Alice draws her identity, then initiates.
pub fn transcript(input: &Value) -> Result<Value, String> {
    let mut config = Config::default();
    if let Some(max_skip) = input.get("max_skip") {
        config.max_skip = u32::try_from(num(max_skip)?).map_err(|e| e.to_string())?;
    }
    let mut alice_rng = RecordingRng {
        inner: ChaCha20Rng::from_seed(b32(&input["alice_rng_seed"])?),
        draws: Vec::new(),
    };
    let mut bob_rng = RecordingRng {
        inner: ChaCha20Rng::from_seed(b32(&input["bob_rng_seed"])?),
        draws: Vec::new(),
    };
    let bob_identity = IdentityKeyPair::generate(&mut bob_rng);
    let spk = SignedPreKeyPair::generate(
        &mut bob_rng,
        &bob_identity,
        SignedPreKeyId(1),
        1_750_000_000,
    );
    let otk = input["one_time_prekey"]
        .as_bool()
        .unwrap_or(false)
        .then(|| OneTimePreKeyPair::generate(&mut bob_rng, OneTimePreKeyId(1)));
    let bundle = PreKeyBundle::new(&bob_identity, &spk, otk.as_ref().map(|k| *k.public()));
    let mut store = InMemoryPreKeyStore::new();
    store.add_signed_prekey(spk);
    if let Some(otk) = otk {
        store.add_one_time_prekey(otk);
    }
    let alice_identity = IdentityKeyPair::generate(&mut alice_rng);
    let mut alice =
        Session::initiate(&mut alice_rng, &alice_identity, &bundle, config).map_err(kind)?;
    let mut bob: Option<Session> = None;

    let mut envelopes: Vec<(String, Vec<u8>)> = Vec::new();
    let mut deliveries = Vec::new();
    for op in input["script"].as_array().ok_or("script must be a list")? {
        match op["op"].as_str() {
            Some("send") => {
                let from = op["from"].as_str().ok_or("from")?;
                let text = op["text"].as_str().ok_or("text")?;
                let session = if from == "alice" {
                    Some(&mut alice)
                } else {
                    bob.as_mut()
                };
                let session = session.ok_or("bob cannot send before he has a session")?;
                let wire = session.encrypt(text.as_bytes()).map_err(kind)?.encode();
                envelopes.push((from.to_string(), wire));
            }
            Some("deliver") => {
                let index = usize::try_from(num(&op["envelope"])?).map_err(|e| e.to_string())?;
                let (from, wire) = envelopes
                    .get(index.wrapping_sub(1))
                    .ok_or("no such envelope")?
                    .clone();
                let result = if from == "alice" {
                    match bob.as_mut() {
                        Some(session) => session.decrypt_bytes(&mut bob_rng, &wire),
                        None => match Envelope::decode(&wire, &config) {
                            Ok(Envelope::PreKey(first)) => Session::accept(
                                &mut bob_rng,
                                &bob_identity,
                                &mut store,
                                &first,
                                config,
                            )
                            .map(|(s, p)| {
                                bob = Some(s);
                                p
                            }),
                            Ok(_) => Err(hushwire::Error::PreKeyMessageMismatch),
                            Err(e) => Err(e),
                        },
                    }
                } else {
                    alice.decrypt_bytes(&mut alice_rng, &wire)
                };
                deliveries.push(match result {
                    Ok(plaintext) => json!({ "envelope": index, "plaintext": String::from_utf8_lossy(&plaintext) }),
                    Err(error) => json!({ "envelope": index, "error": kind(error) }),
                });
            }
            _ => return Err("unknown op".into()),
        }
    }
    Ok(json!({
        "rng_draws": { "alice": alice_rng.draws, "bob": bob_rng.draws },
        "envelopes": envelopes.iter().enumerate().map(|(i, (from, wire))| json!({ "index": i + 1, "from": from, "bytes": h(wire) })).collect::<Vec<_>>(),
        "deliveries": deliveries,
        "alice_state": h(&*alice.to_bytes()),
        "bob_state": bob.map(|b| h(&*b.to_bytes())).unwrap_or(Value::Null),
    }))
}

// ---------------------------------------------------------------------------------------------
// envelope.json

fn envelope_inputs() -> Vec<(&'static str, Value)> {
    let run = transcript(&transcript_inputs()[0].1).unwrap();
    let prekey = bytes(&run["envelopes"][0]["bytes"]).unwrap();
    let ratchet = bytes(&run["envelopes"][3]["bytes"]).unwrap();
    let case = |b: &[u8]| json!({ "bytes": h(b), "max_encoded_len": 2 * 1024 * 1024 });
    let mut wrong_version = ratchet.clone();
    wrong_version[1] = 2;
    let mut unknown = ratchet.clone();
    unknown.extend_from_slice(&[0xa0, 0x01, 0x00]);
    let mut long_varint = vec![0x08, 0x81, 0x00];
    long_varint.extend_from_slice(&ratchet[2..]);
    // The ratchet key is the 32 bytes after the tags 0x1a <len> 0x0a 0x20 at offset 2.
    let key_at = 6;
    let mut low_order = ratchet.clone();
    low_order[key_at..key_at + 32].copy_from_slice(&[0u8; 32]);
    let mut non_canonical = ratchet.clone();
    non_canonical[key_at + 31] |= 0x80;
    let mut oversized = case(&ratchet);
    oversized["max_encoded_len"] = json!(ratchet.len() - 1);
    // SPEC.md 7.1 step 2, wire level: version 1 (08 01) followed by one odd field.
    let after_version = |tail: &[u8]| case(&[&[0x08, 0x01][..], tail].concat());
    let nested_groups = |depth: usize| {
        let mut tail = vec![0x7b; depth]; // start group, field 15
        tail.extend(std::iter::repeat_n(0x7c, depth)); // end group, field 15
        after_version(&tail)
    };
    let mut wire = vec![
        (
            "unknown group field 15, empty (skipped, then refused)",
            after_version(&[0x7b, 0x7c]),
        ),
        ("end-group key with no open group", after_version(&[0x7c])),
        ("start-group key never closed", after_version(&[0x7b])),
        (
            "group closed by another field's end-group key",
            after_version(&[0x7b, 0x84, 0x01]),
        ),
        (
            "100 nested unknown groups (skipped, then refused)",
            nested_groups(100),
        ),
        ("101 nested unknown groups", nested_groups(101)),
        ("field number 0", after_version(&[0x00, 0x00])),
        ("wire type 6", after_version(&[0x0e])),
        ("wire type 7", after_version(&[0x0f])),
        (
            "key above 2^32 - 1",
            after_version(&[0xf8, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]),
        ),
        (
            "unknown field 2^29 - 1 (skipped, then refused)",
            after_version(&[0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00]),
        ),
        (
            "11-byte varint",
            case(&[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ]),
        ),
        (
            "10-byte varint whose last byte is 02",
            case(&[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
            ]),
        ),
        (
            "10-byte varint whose last byte is 01 (parses, truncated to 32 bits, then refused)",
            case(&[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ]),
        ),
        ("version with wire type 2", case(&[0x0a, 0x01, 0x01])),
        (
            "length past the end of the input",
            after_version(&[0x12, 0x0a, 0x00]),
        ),
    ];
    let mut cases = vec![
        ("a PreKeyMessage", case(&prekey)),
        ("a RatchetMessage", case(&ratchet)),
        ("truncated by one byte", case(&ratchet[..ratchet.len() - 1])),
        ("truncated to the version field", case(&ratchet[..2])),
        ("empty", case(&[])),
        ("one byte over the configured maximum", oversized),
        ("version 2", case(&wrong_version)),
        ("unknown field 20 appended", case(&unknown)),
        ("version as a non-minimal varint", case(&long_varint)),
        ("reserved message kind 4", case(&[0x08, 0x01, 0x22, 0x00])),
        ("ratchet key of small order", case(&low_order)),
        ("ratchet key with the top bit set", case(&non_canonical)),
        (
            "ratchet key of 31 bytes",
            case(
                &[0x08, 0x01, 0x1a, 0x21, 0x0a, 0x1f]
                    .iter()
                    .copied()
                    .chain([9u8; 31])
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "ciphertext shorter than the tag",
            case(&{
                let mut m = vec![0x08, 0x01, 0x1a, 0x30, 0x0a, 0x20];
                m.extend_from_slice(&ratchet[key_at..key_at + 32]);
                m.extend_from_slice(&[0x22, 0x0c]);
                m.extend_from_slice(&[0u8; 12]);
                m
            }),
        ),
    ];
    cases.append(&mut wire);
    cases
}

fn envelope(input: &Value) -> Result<Value, String> {
    let mut config = Config::default();
    config.max_encoded_len =
        usize::try_from(num(&input["max_encoded_len"])?).map_err(|e| e.to_string())?;
    let decoded = Envelope::decode(&bytes(&input["bytes"])?, &config).map_err(kind)?;
    let ratchet = |m: &hushwire::RatchetMessage| {
        json!({
            "ratchet_key": h(m.header().ratchet_key.as_bytes()),
            "previous_counter": m.header().previous_counter,
            "counter": m.header().counter,
            "ciphertext": h(m.ciphertext()),
        })
    };
    Ok(match &decoded {
        Envelope::PreKey(m) => json!({ "prekey": {
            "identity_key": h(m.identity_key().to_bytes()),
            "base_key": h(m.base_key().as_bytes()),
            "signed_prekey_id": m.signed_prekey_id().0,
            "one_time_prekey_id": m.one_time_prekey_id().map(|id| id.0),
            "message": ratchet(m.message()),
        }}),
        Envelope::Ratchet(m) => json!({ "ratchet": ratchet(m) }),
        _ => return Err("unknown envelope kind".into()),
    })
}

// ---------------------------------------------------------------------------------------------
// session_state.json

/// The generated protobuf types, to write a state as an older version did.
#[allow(clippy::all, unreachable_pub, missing_docs, dead_code)]
mod pb {
    include!("../../src/proto/hushwire.v1.rs");
}

fn session_state_inputs() -> Vec<(&'static str, Value)> {
    let run = transcript(&transcript_inputs()[0].1).unwrap();
    let alice = bytes(&run["alice_state"]).unwrap();
    let bob = bytes(&run["bob_state"]).unwrap();
    let mut wrong_version = alice.clone();
    wrong_version[1] = 2;
    let mut unknown = alice.clone();
    unknown.extend_from_slice(&[0xa0, 0x01, 0x00]);
    // As written before SendingChain field 5 (the sending ratchet public key) existed.
    let mut old: pb::SessionState = prost::Message::decode(alice.as_slice()).unwrap();
    if let Some(sending) = old.sending.as_mut() {
        sending.ratchet_key.clear();
    }
    let old = prost::Message::encode_to_vec(&old);
    // Skipped keys on Alice's current receiving chain: twice the same one, and one for the
    // chain's own next counter (SPEC.md 9.2 steps 14 and 15).
    let with_skipped = |counters: &[u32]| {
        let mut state: pb::SessionState = prost::Message::decode(alice.as_slice()).unwrap();
        let chain = state.receiving[0].clone();
        for &counter in counters {
            let counter = if counter == u32::MAX {
                chain.counter
            } else {
                counter
            };
            state.skipped.push(pb::SkippedKey {
                ratchet_key: chain.ratchet_key.clone(),
                counter,
                message_key: vec![0x5a; 32],
            });
        }
        prost::Message::encode_to_vec(&state)
    };
    let skipped_once = with_skipped(&[0]);
    let skipped_twice = with_skipped(&[0, 0]);
    let skipped_at_counter = with_skipped(&[u32::MAX]);
    vec![
        (
            "Alice's state at the end of transcript.json case 1",
            json!({ "state": h(&alice) }),
        ),
        (
            "Bob's state at the end of transcript.json case 1",
            json!({ "state": h(&bob) }),
        ),
        (
            "Alice's state as written before SendingChain field 5 existed (loads; re-encodes with it)",
            json!({ "state": h(&old) }),
        ),
        (
            "one skipped key before its chain's counter (loads)",
            json!({ "state": h(&skipped_once) }),
        ),
        (
            "the same skipped key stored twice",
            json!({ "state": h(&skipped_twice) }),
        ),
        (
            "a skipped key at its chain's next counter",
            json!({ "state": h(&skipped_at_counter) }),
        ),
        ("version 2", json!({ "state": h(&wrong_version) })),
        (
            "truncated",
            json!({ "state": h(&alice[..alice.len() - 1]) }),
        ),
        ("unknown field appended", json!({ "state": h(&unknown) })),
        ("empty", json!({ "state": "" })),
    ]
}

fn session_state(input: &Value) -> Result<Value, String> {
    let state = bytes(&input["state"])?;
    let session = Session::from_bytes(&state, Config::default()).map_err(kind)?;
    Ok(json!({
        "reencoded": h(&*session.to_bytes()),
        "initiator": session.is_initiator(),
        "local_identity": h(session.local_identity().to_bytes()),
        "remote_identity": h(session.remote_identity().to_bytes()),
        "skipped_keys": session.skipped_key_count(),
        "receiving_chains": session.receiving_chain_count(),
    }))
}
