//! message.json: header encoding, AEAD associated data and ciphertext of one message, and
//! tampered messages that fail to open (SPEC.md 6.4, 6.5).

use super::json::{Fields, h, kind};
use super::seed;
use hushwire::CryptoProvider;
use hushwire::provider::RUST_CRYPTO;
use hushwire::{IdentityKeyPair, hazmat};
use serde_json::{Value, json};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let mk = h(seed(50));
    let mut ad = [0u8; 64];
    ad[..32].copy_from_slice(&IdentityKeyPair::from_seed(&seed(1)).public_key().to_bytes());
    ad[32..].copy_from_slice(&IdentityKeyPair::from_seed(&seed(2)).public_key().to_bytes());
    let rk = hazmat::x25519_public_key(&RUST_CRYPTO, &seed(51));
    let base = json!({ "message_key": mk, "x3dh_ad": h(ad), "ratchet_key": h(rk), "previous_counter": 3, "counter": 7, "plaintext": h(b"hushwire test vector") });
    let mut empty = base.clone();
    empty["plaintext"] = h(b"");
    empty["counter"] = json!(0);
    empty["previous_counter"] = json!(0);
    let mut large = base.clone();
    large["counter"] = json!(u32::MAX - 1);
    large["previous_counter"] = json!(u32::MAX);
    let mut in_prekey = base.clone();
    let mut info = hazmat::x25519_public_key(&RUST_CRYPTO, &seed(52)).to_vec();
    info.extend_from_slice(&[0, 0, 0, 1, 1, 0, 0, 0, 7]);
    in_prekey["prekey_info"] = h(&info);
    let mut in_prekey_sent_bare = base.clone();
    let sealed =
        |input: &Value| seal(&MessageInput::from_json(input).unwrap(), &RUST_CRYPTO).unwrap();
    in_prekey_sent_bare["open"] = h(sealed(&in_prekey).ciphertext);
    let ct = sealed(&base).ciphertext;
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

/// One case's input: a message to seal, and optionally a ciphertext to open under the same
/// header and associated data.
pub(super) struct MessageInput {
    /// `"message_key"`.
    pub(super) message_key: [u8; 32],
    /// `"x3dh_ad"`: the AD of X3DH, 64 bytes.
    pub(super) x3dh_ad: [u8; 64],
    /// `"ratchet_key"`: the header's ratchet public key, of any length.
    pub(super) ratchet_key: Vec<u8>,
    /// `"previous_counter"`: PN.
    pub(super) previous_counter: u32,
    /// `"counter"`: N.
    pub(super) counter: u32,
    /// `"prekey_info"`, optional: the X3DH fields of a PreKeyMessage, 41 bytes.
    pub(super) prekey_info: Option<[u8; 41]>,
    /// `"plaintext"`.
    pub(super) plaintext: Vec<u8>,
    /// `"open"`, optional: a ciphertext to open instead of returning the sealed one.
    pub(super) open: Option<Vec<u8>>,
}

impl MessageInput {
    /// Reads a case's `input`, refusing unknown and missing keys.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let fields = Fields::of(
            value,
            &[
                "message_key",
                "x3dh_ad",
                "ratchet_key",
                "previous_counter",
                "counter",
                "plaintext",
            ],
            &["prekey_info", "open"],
        )?;
        let x3dh_ad = fields
            .bytes("x3dh_ad")?
            .try_into()
            .map_err(|_| "x3dh_ad must be 64 bytes")?;
        let prekey_info = match fields.get("prekey_info") {
            Some(_) => Some(
                fields
                    .bytes("prekey_info")?
                    .try_into()
                    .map_err(|_| "prekey_info must be 41 bytes")?,
            ),
            None => None,
        };
        let open = match fields.get("open") {
            Some(_) => Some(fields.bytes("open")?),
            None => None,
        };
        Ok(Self {
            message_key: fields.b32("message_key")?,
            x3dh_ad,
            ratchet_key: fields.bytes("ratchet_key")?,
            previous_counter: fields.u32("previous_counter")?,
            counter: fields.u32("counter")?,
            prekey_info,
            plaintext: fields.bytes("plaintext")?,
            open,
        })
    }
}

/// A sealed message: the AEAD associated data and the ciphertext.
struct Sealed {
    aead_associated_data: Vec<u8>,
    ciphertext: Vec<u8>,
}

/// Seals `input.plaintext` under the header and associated data of `input`.
fn seal(input: &MessageInput, p: &CryptoProvider) -> Result<Sealed, String> {
    let aead_associated_data = hazmat::aead_associated_data(
        &input.x3dh_ad,
        &input.ratchet_key,
        input.previous_counter,
        input.counter,
        input.prekey_info.as_ref(),
    )
    .map_err(kind)?;
    let ciphertext = hazmat::seal(
        p,
        &input.message_key,
        &aead_associated_data,
        &input.plaintext,
    )
    .map_err(kind)?;
    Ok(Sealed {
        aead_associated_data,
        ciphertext,
    })
}

/// The associated data and ciphertext of the sealed message; or, given a ciphertext to open,
/// its plaintext.
pub(super) fn compute(input: &MessageInput, p: &CryptoProvider) -> Result<Value, String> {
    let sealed = seal(input, p)?;
    if let Some(ct) = &input.open {
        let plaintext =
            hazmat::open(p, &input.message_key, &sealed.aead_associated_data, ct).map_err(kind)?;
        return Ok(json!({ "plaintext": h(plaintext) }));
    }
    Ok(json!({
        "aead_associated_data": h(&sealed.aead_associated_data),
        "ciphertext": h(sealed.ciphertext),
    }))
}
