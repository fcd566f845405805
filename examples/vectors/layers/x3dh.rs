//! x3dh.json: X3DH computed by both sides, with and without a one-time prekey (SPEC.md 5).

use super::json::{Fields, h, kind};
use super::seed;
use hushwire::CryptoProvider;
use hushwire::{IdentityKeyPair, hazmat};
use serde_json::{Value, json};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
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

/// The initiator's base key: its secret, or (for a case the responder refuses) only a public
/// key.
pub(super) enum AliceBase {
    /// `"alice_base_secret"`: EK_A, the initiator's base secret.
    Secret([u8; 32]),
    /// `"alice_base_public_override"`: a base public key of any length, given to the responder
    /// alone.
    PublicOverride(Vec<u8>),
}

/// One case's input: the secrets of both sides.
pub(super) struct X3dhInput {
    /// `"alice_seed"`: the initiator's identity seed.
    pub(super) alice_seed: [u8; 32],
    /// `"alice_base_secret"` or `"alice_base_public_override"`, exactly one of them.
    pub(super) alice_base: AliceBase,
    /// `"bob_seed"`: the responder's identity seed.
    pub(super) bob_seed: [u8; 32],
    /// `"bob_signed_prekey_secret"`.
    pub(super) bob_signed_prekey_secret: [u8; 32],
    /// `"bob_one_time_prekey_secret"`: present in every case, null for none.
    pub(super) bob_one_time_prekey_secret: Option<[u8; 32]>,
}

impl X3dhInput {
    /// Reads a case's `input`, refusing unknown and missing keys.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let base_key = if value.get("alice_base_public_override").is_some() {
            "alice_base_public_override"
        } else {
            "alice_base_secret"
        };
        let fields = Fields::of(
            value,
            &[
                "alice_seed",
                base_key,
                "bob_seed",
                "bob_signed_prekey_secret",
                "bob_one_time_prekey_secret",
            ],
            &[],
        )?;
        let alice_base = if base_key == "alice_base_secret" {
            AliceBase::Secret(fields.b32(base_key)?)
        } else {
            AliceBase::PublicOverride(fields.bytes(base_key)?)
        };
        let bob_one_time_prekey_secret = match fields.value("bob_one_time_prekey_secret")? {
            Value::Null => None,
            _ => Some(fields.b32("bob_one_time_prekey_secret")?),
        };
        Ok(Self {
            alice_seed: fields.b32("alice_seed")?,
            alice_base,
            bob_seed: fields.b32("bob_seed")?,
            bob_signed_prekey_secret: fields.b32("bob_signed_prekey_secret")?,
            bob_one_time_prekey_secret,
        })
    }
}

/// X3DH run by both sides, which must agree; with a base public key override, the responder's
/// side alone.
pub(super) fn compute(input: &X3dhInput, p: &CryptoProvider) -> Result<Value, String> {
    let alice_seed = &input.alice_seed;
    let bob_seed = &input.bob_seed;
    let spk_secret = &input.bob_signed_prekey_secret;
    let otk_secret = input.bob_one_time_prekey_secret;
    let alice_identity = IdentityKeyPair::from_seed(alice_seed)
        .public_key()
        .to_bytes();
    let bob_identity = IdentityKeyPair::from_seed(bob_seed).public_key().to_bytes();
    let base_secret = match &input.alice_base {
        AliceBase::PublicOverride(base) => {
            let responder = hazmat::x3dh_responder(
                p,
                bob_seed,
                spk_secret,
                otk_secret.as_ref(),
                &alice_identity,
                base,
            )
            .map_err(kind)?;
            return Ok(json!({ "shared_key": h(*responder.shared_key) }));
        }
        AliceBase::Secret(secret) => secret,
    };
    let spk_public = hazmat::x25519_public_key(p, spk_secret);
    let otk_public = otk_secret.map(|s| hazmat::x25519_public_key(p, &s));
    let initiator = hazmat::x3dh_initiator(
        p,
        alice_seed,
        base_secret,
        &bob_identity,
        &spk_public,
        otk_public.as_ref().map(|k| &k[..]),
    )
    .map_err(kind)?;
    let base_public = hazmat::x25519_public_key(p, base_secret);
    let responder = hazmat::x3dh_responder(
        p,
        bob_seed,
        spk_secret,
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
