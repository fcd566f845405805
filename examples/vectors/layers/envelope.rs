//! envelope.json: decoding of valid and malformed envelopes (SPEC.md 7).

use super::json::{Fields, bytes, h, kind};
use super::pb;
use hushwire::Envelope;
use serde_json::{Value, json};

use super::transcript::{self, TranscriptInput};

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let run = transcript::compute(
        &TranscriptInput::from_json(&transcript::inputs()[0].1).unwrap(),
        &hushwire::provider::RUST_CRYPTO,
    )
    .unwrap();
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
    cases.append(&mut more_cases(&prekey, &ratchet));
    cases
}

/// The cases appended after the first 30: a PreKeyMessage without its message, fixed-width
/// wire types (1 and 5) for fields of other types, truncated fixed-width values, both oneof
/// members, and singular fields that occur twice (SPEC.md 7.1, 7.2, 7.4).
fn more_cases(prekey: &[u8], ratchet: &[u8]) -> Vec<(&'static str, Value)> {
    let case = |b: &[u8]| json!({ "bytes": h(b), "max_encoded_len": 2 * 1024 * 1024 });
    let after_version = |tail: &[u8]| case(&[&[0x08, 0x01][..], tail].concat());
    // `ratchet` is 08 01 1a <one-byte length> <RatchetMessage>.
    assert!(ratchet[2] == 0x1a && ratchet[3] < 0x80 && ratchet.len() == 4 + ratchet[3] as usize);
    let inner = &ratchet[4..];
    let envelope_of = |inner: &[u8]| {
        assert!(inner.len() < 0x80);
        [&[0x08, 0x01, 0x1a, inner.len() as u8][..], inner].concat()
    };
    let without_message = {
        let mut envelope: pb::Envelope = prost::Message::decode(prekey).unwrap();
        match envelope.content.as_mut() {
            Some(pb::envelope::Content::Prekey(m)) => m.message = None,
            _ => unreachable!("a PreKeyMessage"),
        }
        prost::Message::encode_to_vec(&envelope)
    };
    // The PreKeyMessage's field (key 12 and its length) with the RatchetMessage's after it, and
    // the other way round.
    let both = [prekey, &ratchet[2..]].concat();
    let both_reversed = [ratchet, &prekey[2..]].concat();
    // RatchetMessage.counter (field 3) written twice: the message's own, then 18 01.
    let counter_twice = envelope_of(&[inner, &[0x18, 0x01]].concat());
    vec![
        (
            "a PreKeyMessage without its message",
            case(&without_message),
        ),
        (
            "version as a fixed32 (wire type 5) holding 1",
            case(&[&[0x0d, 0x01, 0x00, 0x00, 0x00][..], &ratchet[2..]].concat()),
        ),
        (
            "version as a fixed64 (wire type 1) holding 1",
            case(&[&[0x09, 0x01, 0, 0, 0, 0, 0, 0, 0][..], &ratchet[2..]].concat()),
        ),
        (
            "RatchetMessage.ratchet_key (bytes) as a fixed32",
            after_version(&[0x1a, 0x05, 0x0d, 0x01, 0x02, 0x03, 0x04]),
        ),
        (
            "RatchetMessage.counter (uint32) as a fixed64",
            after_version(&[0x1a, 0x09, 0x19, 1, 0, 0, 0, 0, 0, 0, 0]),
        ),
        (
            "unknown field 5 as a fixed32 (skipped, then refused)",
            after_version(&[0x2d, 0x01, 0x02, 0x03, 0x04]),
        ),
        (
            "unknown field 5 as a fixed64 (skipped, then refused)",
            after_version(&[0x29, 1, 2, 3, 4, 5, 6, 7, 8]),
        ),
        (
            "unknown fixed32 cut short after 3 of its 4 bytes",
            after_version(&[0x2d, 0x01, 0x02, 0x03]),
        ),
        (
            "unknown fixed64 cut short after 7 of its 8 bytes",
            after_version(&[0x29, 1, 2, 3, 4, 5, 6, 7]),
        ),
        (
            "both members of the oneof: prekey, then ratchet (the last wins, then refused)",
            case(&both),
        ),
        (
            "both members of the oneof: ratchet, then prekey",
            case(&both_reversed),
        ),
        (
            "version written twice",
            case(&[&[0x08, 0x01][..], ratchet].concat()),
        ),
        ("RatchetMessage.counter written twice", case(&counter_twice)),
        (
            "Envelope.ratchet written twice (merged, then refused)",
            case(&[ratchet, &ratchet[2..]].concat()),
        ),
    ]
}

/// One case's input: the bytes to decode and the size limit.
pub(super) struct EnvelopeInput {
    /// `"bytes"`: the envelope as received.
    pub(super) bytes: Vec<u8>,
    /// `"max_encoded_len"`: the decoder's `Config::max_encoded_len`.
    pub(super) max_encoded_len: usize,
}

impl EnvelopeInput {
    /// Reads a case's `input`, refusing unknown and missing keys.
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let fields = Fields::of(value, &["bytes", "max_encoded_len"], &[])?;
        Ok(Self {
            bytes: fields.bytes("bytes")?,
            max_encoded_len: fields.usize("max_encoded_len")?,
        })
    }
}

/// The fields of the decoded envelope.
pub(super) fn compute(input: &EnvelopeInput) -> Result<Value, String> {
    let mut config = super::classic_config();
    config.max_encoded_len = input.max_encoded_len;
    let decoded = Envelope::decode(&input.bytes, &config).map_err(kind)?;
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
