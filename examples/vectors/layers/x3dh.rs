//! x3dh.json: X3DH computed by both sides, with and without a one-time prekey (SPEC.md 5).

use super::json::{b32, bytes, h, kind};
use super::seed;
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

pub(super) fn compute(input: &Value) -> Result<Value, String> {
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
