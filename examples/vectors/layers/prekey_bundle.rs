//! prekey_bundle.json: PreKeyBundle encoding from its fields, and decoding then validation of
//! received bundles, valid and refused (SPEC.md 4.2, 7.5).

use super::json::{Fields, h, kind};
use super::rngs::FixedRng;
use super::{pb, seed};
use hushwire::{
    IdentityKeyPair, OneTimePreKey, OneTimePreKeyId, PreKeyBundle, PreKeyBundleIn, SignedPreKeyId,
    SignedPreKeyPair, Timestamp, X25519PublicKey, hazmat,
};
use serde_json::{Value, json};

/// The decoder's limit in every generated case but the oversized one.
const MAX_ENCODED_LEN: usize = 2 * 1024 * 1024;

/// The signed prekey of a bundle being edited.
fn spk(b: &mut pb::PreKeyBundle) -> &mut pb::SignedPreKey {
    b.signed_prekey.as_mut().unwrap()
}

/// The bundle of identity `seed(21)`, signed prekey (id 7, created_at 1700000000, secret
/// `seed(22)`) and, if `otk`, one-time prekey (id `otk`, public key of `seed(23)`), as prost
/// types, for editing.
fn bundle(otk: Option<u32>) -> pb::PreKeyBundle {
    let identity = IdentityKeyPair::from_seed(&seed(21));
    let spk_public = hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &seed(22));
    pb::PreKeyBundle {
        version: 1,
        identity_key: identity.public_key().to_bytes().to_vec(),
        signed_prekey: Some(pb::SignedPreKey {
            id: 7,
            created_at: 1_700_000_000,
            public_key: spk_public.to_vec(),
            signature: hazmat::sign_signed_prekey(&seed(21), 7, 1_700_000_000, &spk_public)
                .to_vec(),
        }),
        one_time_prekey: otk.map(|id| pb::OneTimePreKey {
            id,
            public_key: hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &seed(23))
                .to_vec(),
        }),
        business_certificate: None,
        kem_prekey: None,
    }
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let encode = |otk: Option<u32>| {
        json!({ "encode": {
            "identity_seed": h(seed(21)),
            "signed_prekey": { "id": 7, "created_at": 1_700_000_000u64, "secret": h(seed(22)) },
            "one_time_prekey": otk.map(|id| json!({ "id": id, "public_key": h(hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &seed(23))) })),
        }})
    };
    let decode =
        |b: &[u8]| json!({ "decode": { "bytes": h(b), "max_encoded_len": MAX_ENCODED_LEN } });
    let edited = |otk: Option<u32>, edit: &dyn Fn(&mut pb::PreKeyBundle)| {
        let mut b = bundle(otk);
        edit(&mut b);
        decode(&prost::Message::encode_to_vec(&b))
    };
    let with_otk = prost::Message::encode_to_vec(&bundle(Some(0)));
    let mut oversized = decode(&with_otk);
    oversized["decode"]["max_encoded_len"] = json!(with_otk.len() - 1);
    let other_signature = hazmat::sign_signed_prekey(
        &seed(24),
        7,
        1_700_000_000,
        &hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &seed(22)),
    );
    // SignedPreKey.id written as an explicit 0 (`08 00`): parses, but is not canonical.
    let explicit_default = {
        let mut b = bundle(None);
        spk(&mut b).id = 0;
        let mut inner = vec![0x08, 0x00];
        inner.extend(prost::Message::encode_to_vec(spk(&mut b)));
        let mut out = vec![0x08, 0x01, 0x12, 0x20];
        out.extend_from_slice(&b.identity_key);
        out.push(0x1a);
        out.push(inner.len() as u8);
        out.extend(inner);
        out
    };
    // The one-time prekey (field 4) written before the signed prekey (field 3).
    let out_of_order = {
        let b = bundle(Some(3));
        let spk_bytes = prost::Message::encode_to_vec(b.signed_prekey.as_ref().unwrap());
        let otk_bytes = prost::Message::encode_to_vec(b.one_time_prekey.as_ref().unwrap());
        let mut out = vec![0x08, 0x01, 0x12, 0x20];
        out.extend_from_slice(&b.identity_key);
        out.extend([0x22, otk_bytes.len() as u8]);
        out.extend(otk_bytes);
        out.extend([0x1a, spk_bytes.len() as u8]);
        out.extend(spk_bytes);
        out
    };
    vec![
        ("encode: with a one-time prekey (id 3)", encode(Some(3))),
        ("encode: without a one-time prekey", encode(None)),
        (
            "encode: a one-time prekey with id 0 (the 182-byte layout of SPEC.md 7.5)",
            encode(Some(0)),
        ),
        (
            "decode: with a one-time prekey (id 3)",
            decode(&prost::Message::encode_to_vec(&bundle(Some(3)))),
        ),
        (
            "decode: without a one-time prekey",
            decode(&prost::Message::encode_to_vec(&bundle(None))),
        ),
        ("decode: a one-time prekey with id 0", decode(&with_otk)),
        (
            "decode: one bit of the signature flipped",
            edited(None, &|b| spk(b).signature[5] ^= 1),
        ),
        (
            "decode: signed by another identity",
            edited(None, &|b| spk(b).signature = other_signature.to_vec()),
        ),
        (
            "decode: signed id changed (the signature no longer verifies)",
            edited(None, &|b| spk(b).id = 8),
        ),
        (
            "decode: identity key of 31 bytes",
            edited(None, &|b| b.identity_key.truncate(31)),
        ),
        (
            "decode: identity key of small order (the neutral element)",
            edited(None, &|b| {
                b.identity_key = [1u8].iter().copied().chain([0u8; 31]).collect();
            }),
        ),
        (
            "decode: signed prekey public key of 31 bytes",
            edited(None, &|b| spk(b).public_key.truncate(31)),
        ),
        (
            "decode: signed prekey public key of small order (u = 0)",
            edited(None, &|b| spk(b).public_key = vec![0; 32]),
        ),
        (
            "decode: signed prekey public key with the top bit set",
            edited(None, &|b| spk(b).public_key[31] |= 0x80),
        ),
        (
            "decode: signature of 63 bytes",
            edited(None, &|b| spk(b).signature.truncate(63)),
        ),
        (
            "decode: signature of 65 bytes",
            edited(None, &|b| spk(b).signature.push(0)),
        ),
        (
            "decode: no signature",
            edited(None, &|b| spk(b).signature.clear()),
        ),
        (
            "decode: one-time prekey public key of 33 bytes",
            edited(Some(3), &|b| {
                b.one_time_prekey.as_mut().unwrap().public_key.push(0);
            }),
        ),
        (
            "decode: one-time prekey public key of small order (u = 1)",
            edited(Some(3), &|b| {
                b.one_time_prekey.as_mut().unwrap().public_key =
                    [1u8].iter().copied().chain([0u8; 31]).collect();
            }),
        ),
        (
            "decode: a low-order one-time prekey wins over a bad signature (checked first)",
            edited(Some(3), &|b| {
                b.one_time_prekey.as_mut().unwrap().public_key = vec![0; 32];
                spk(b).signature[0] ^= 1;
            }),
        ),
        (
            "decode: no signed_prekey",
            edited(Some(3), &|b| b.signed_prekey = None),
        ),
        ("decode: version 2", edited(None, &|b| b.version = 2)),
        (
            "decode: version absent (0)",
            edited(None, &|b| b.version = 0),
        ),
        (
            "decode: SignedPreKey.id 0 written explicitly (08 00)",
            decode(&explicit_default),
        ),
        (
            "decode: one_time_prekey written before signed_prekey",
            decode(&out_of_order),
        ),
        (
            "decode: unknown field 7 appended (field 5 is the business certificate chain, 13.5; field 6 the KEM prekey, 18.1)",
            decode(
                &[
                    prost::Message::encode_to_vec(&bundle(None)),
                    vec![0x38, 0x01],
                ]
                .concat(),
            ),
        ),
        ("decode: one byte over the configured maximum", oversized),
        ("decode: empty", decode(&[])),
    ]
}

/// One case's input: bundle fields to encode, or bytes to decode and validate.
pub(super) enum BundleInput {
    /// `{ "encode": { "identity_seed", "signed_prekey": { "id", "created_at", "secret" },
    /// "one_time_prekey": { "id", "public_key" } or null } }`: the owner's bundle.
    Encode {
        identity_seed: [u8; 32],
        signed_prekey_id: u32,
        created_at: u64,
        signed_prekey_secret: [u8; 32],
        one_time_prekey: Option<(u32, [u8; 32])>,
    },
    /// `{ "decode": { "bytes", "max_encoded_len" } }`: `PreKeyBundleIn::decode`, then
    /// `validate`.
    Decode {
        bytes: Vec<u8>,
        max_encoded_len: usize,
    },
}

impl BundleInput {
    /// Reads a case's `input`, refusing unknown and missing keys (nested ones too).
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        if value.get("decode").is_some() {
            let decode = Fields::of(value, &["decode"], &[])?.object(
                "decode",
                &["bytes", "max_encoded_len"],
                &[],
            )?;
            return Ok(Self::Decode {
                bytes: decode.bytes("bytes")?,
                max_encoded_len: decode.usize("max_encoded_len")?,
            });
        }
        let encode = Fields::of(value, &["encode"], &[])?.object(
            "encode",
            &["identity_seed", "signed_prekey", "one_time_prekey"],
            &[],
        )?;
        let spk = encode.object("signed_prekey", &["id", "created_at", "secret"], &[])?;
        let one_time_prekey = match encode.value("one_time_prekey")? {
            Value::Null => None,
            _ => {
                let otk = encode.object("one_time_prekey", &["id", "public_key"], &[])?;
                Some((otk.u32("id")?, otk.b32("public_key")?))
            }
        };
        Ok(Self::Encode {
            identity_seed: encode.b32("identity_seed")?,
            signed_prekey_id: spk.u32("id")?,
            created_at: spk.u64("created_at")?,
            signed_prekey_secret: spk.b32("secret")?,
            one_time_prekey,
        })
    }
}

/// The fields of a verified bundle.
fn fields(bundle: &PreKeyBundle) -> Value {
    let spk = bundle.signed_prekey();
    json!({
        "identity_key": h(bundle.identity_key().to_bytes()),
        "signed_prekey": {
            "id": spk.id().0,
            "created_at": spk.created_at().as_unix_seconds(),
            "public_key": h(spk.public_key().as_bytes()),
            "signature": h(spk.signature()),
        },
        "one_time_prekey": bundle.one_time_prekey().map(|otk| json!({
            "id": otk.id().0,
            "public_key": h(otk.public_key().as_bytes()),
        })),
    })
}

/// The encoding of a bundle built from its fields, or the fields of a decoded and validated
/// bundle.
pub(super) fn compute(input: &BundleInput) -> Result<Value, String> {
    match input {
        BundleInput::Encode {
            identity_seed,
            signed_prekey_id,
            created_at,
            signed_prekey_secret,
            one_time_prekey,
        } => {
            let identity = IdentityKeyPair::from_seed(identity_seed);
            let spk = SignedPreKeyPair::generate(
                &mut FixedRng(signed_prekey_secret.to_vec()),
                &identity,
                SignedPreKeyId(*signed_prekey_id),
                Timestamp::from_unix_seconds(*created_at),
            );
            let otk = match one_time_prekey {
                Some((id, public_key)) => Some(OneTimePreKey::new(
                    OneTimePreKeyId(*id),
                    X25519PublicKey::from_bytes(public_key).map_err(kind)?,
                )),
                None => None,
            };
            let bundle = PreKeyBundle::new(&identity, &spk, otk).map_err(kind)?;
            let mut out = fields(&bundle);
            out["bytes"] = h(bundle.encode());
            Ok(out)
        }
        BundleInput::Decode {
            bytes,
            max_encoded_len,
        } => {
            let mut config = super::classic_config();
            config.max_encoded_len = *max_encoded_len;
            let bundle = PreKeyBundleIn::decode(bytes, &config)
                .and_then(PreKeyBundleIn::validate)
                .map_err(kind)?;
            Ok(fields(&bundle))
        }
    }
}
