//! message.json: header encoding, AEAD associated data and ciphertext of one message, and
//! tampered messages that fail to open (SPEC.md 6.4, 6.5).

use super::json::{b32, bytes, h, kind, num};
use super::seed;
use hushwire::{IdentityKeyPair, hazmat};
use serde_json::{Value, json};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
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

pub(super) fn compute(input: &Value) -> Result<Value, String> {
    let sealed = seal(input)?;
    if let Some(ct) = input.get("open") {
        let aead_ad = bytes(&sealed["aead_associated_data"])?;
        let plaintext =
            hazmat::open(&b32(&input["message_key"])?, &aead_ad, &bytes(ct)?).map_err(kind)?;
        return Ok(json!({ "plaintext": h(plaintext) }));
    }
    Ok(sealed)
}
