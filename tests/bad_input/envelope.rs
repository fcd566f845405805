//! Envelope framing (`Envelope::decode`, `Session::decrypt_bytes`): the protobuf encoding
//! itself, its version and its size.

use crate::pb;
use crate::support::*;
use hushwire::Error;
use prost::Message;

#[test]
fn empty_input() {
    // The empty message is version 0 with no content.
    assert_eq!(decode_error(&[]), Error::UnsupportedVersion { found: 0 });
}

#[test]
fn truncated_envelope() {
    let (_, wire) = ratchet_wire(100);
    // Cutting inside the length-delimited message leaves a length that runs past the end.
    for cut in [3, wire.len() / 2, wire.len() - 1] {
        assert_eq!(
            decode_error(&wire[..cut]),
            Error::MalformedProtobuf,
            "cut {cut}"
        );
    }
}

#[test]
fn truncated_envelope_is_refused_by_a_session() {
    let (mut pair, wire) = ratchet_wire(101);
    refused(
        &mut pair.bob,
        &wire[..wire.len() - 1],
        Error::MalformedProtobuf,
    );
}

#[test]
fn oversized_envelope() {
    let (mut pair, wire) = ratchet_wire(102);
    // Over the default 2 MiB limit: refused before parsing, whatever the bytes.
    let huge = vec![0u8; 2 * 1024 * 1024 + 1];
    assert_eq!(
        decode_error(&huge),
        Error::TooLarge {
            len: huge.len(),
            max: 2 * 1024 * 1024
        }
    );
    let mut small = config();
    small.max_encoded_len = wire.len() - 1;
    pair.bob.set_config(&small);
    refused(
        &mut pair.bob,
        &wire,
        Error::TooLarge {
            len: wire.len(),
            max: wire.len() - 1,
        },
    );
}

#[test]
fn wrong_envelope_version() {
    let (mut pair, wire) = ratchet_wire(103);
    for version in [0u32, 2, u32::MAX] {
        let mut envelope = envelope_pb(&wire);
        envelope.version = version;
        refused(
            &mut pair.bob,
            &envelope.encode_to_vec(),
            Error::UnsupportedVersion { found: version },
        );
    }
}

#[test]
fn unknown_field_in_envelope() {
    let (mut pair, wire) = ratchet_wire(104);
    let mut extended = wire.clone();
    extended.extend_from_slice(&[0xa0, 0x01, 0x00]); // field 20, varint 0
    refused(&mut pair.bob, &extended, Error::NonCanonicalEncoding);
}

#[test]
fn unknown_field_inside_a_ratchet_message() {
    let (_, wire) = ratchet_wire(105);
    let Some(pb::envelope::Content::Ratchet(message)) = envelope_pb(&wire).content else {
        panic!()
    };
    // The envelope rebuilt with field 9 (varint 1) appended to the inner message.
    let mut inner = message.encode_to_vec();
    inner.extend_from_slice(&[0x48, 0x01]);
    let mut bytes = vec![0x08, 0x01, 0x1a];
    prost::encoding::encode_varint(inner.len() as u64, &mut bytes);
    bytes.extend_from_slice(&inner);
    assert_eq!(decode_error(&bytes), Error::NonCanonicalEncoding);
}

#[test]
fn non_minimal_varint() {
    let (_, wire) = ratchet_wire(106);
    assert_eq!(&wire[..2], &[0x08, 0x01]);
    // Version 1 as the two-byte varint 0x81 0x00.
    let mut long = vec![0x08, 0x81, 0x00];
    long.extend_from_slice(&wire[2..]);
    assert_eq!(decode_error(&long), Error::NonCanonicalEncoding);
}

#[test]
fn varint_wider_than_the_field() {
    let (_, wire) = ratchet_wire(107);
    // Version 2^32 + 1: a uint32 decoder truncates it to 1, so it would pass as version 1
    // if the encoding were not compared with the canonical one.
    let mut wide = vec![0x08];
    prost::encoding::encode_varint((1u64 << 32) + 1, &mut wide);
    wide.extend_from_slice(&wire[2..]);
    assert_eq!(decode_error(&wide), Error::NonCanonicalEncoding);
}

#[test]
fn repeated_scalar_field() {
    let (_, wire) = ratchet_wire(108);
    let mut repeated = wire.clone();
    repeated.extend_from_slice(&[0x08, 0x01]);
    assert_eq!(decode_error(&repeated), Error::NonCanonicalEncoding);
}

#[test]
fn fields_out_of_order() {
    let (_, wire) = ratchet_wire(109);
    // The content first, then the version.
    let mut swapped = wire[2..].to_vec();
    swapped.extend_from_slice(&wire[..2]);
    assert_eq!(decode_error(&swapped), Error::NonCanonicalEncoding);
}

#[test]
fn explicit_default_value() {
    let (_, wire) = ratchet_wire(110);
    let envelope = envelope_pb(&wire);
    let Some(pb::envelope::Content::Ratchet(message)) = envelope.content else {
        panic!()
    };
    // previous_counter = 0 written out (field 2, varint 0) instead of omitted.
    let mut inner = Vec::new();
    prost::encoding::bytes::encode(1, &message.ratchet_key, &mut inner);
    inner.extend_from_slice(&[0x10, 0x00]);
    prost::encoding::uint32::encode(3, &message.counter, &mut inner);
    prost::encoding::bytes::encode(4, &message.ciphertext, &mut inner);
    let mut bytes = vec![0x08, 0x01, 0x1a];
    prost::encoding::encode_varint(inner.len() as u64, &mut bytes);
    bytes.extend_from_slice(&inner);
    assert_eq!(decode_error(&bytes), Error::NonCanonicalEncoding);
}

#[test]
fn reserved_message_kind() {
    // Field 4, reserved for later message kinds, instead of a known kind.
    assert_eq!(
        decode_error(&[0x08, 0x01, 0x22, 0x00]),
        Error::NonCanonicalEncoding
    );
}

#[test]
fn two_message_kinds() {
    let (_, wire) = ratchet_wire(111);
    let first = first_message(112, config()).wire;
    // A PreKeyMessage, then a RatchetMessage: protobuf keeps the last, the bytes differ.
    let mut both = first.clone();
    both.extend_from_slice(&wire[2..]);
    assert_eq!(decode_error(&both), Error::NonCanonicalEncoding);
}

#[test]
fn missing_content() {
    assert_eq!(
        decode_error(&[0x08, 0x01]),
        Error::MissingField { field: "content" }
    );
}

#[test]
fn wrong_wire_type() {
    let (_, wire) = ratchet_wire(113);
    // The version as a length-delimited field (wire type 2).
    let mut bytes = vec![0x0a, 0x01, 0x01];
    bytes.extend_from_slice(&wire[2..]);
    assert_eq!(decode_error(&bytes), Error::MalformedProtobuf);
}

#[test]
fn field_number_zero() {
    let (_, wire) = ratchet_wire(114);
    let mut bytes = wire.clone();
    bytes.push(0x00);
    assert_eq!(decode_error(&bytes), Error::MalformedProtobuf);
}

#[test]
fn overlong_varint() {
    // Eleven continuation bytes: no valid varint is longer than ten.
    let mut bytes = vec![0x08];
    bytes.extend_from_slice(&[0xff; 10]);
    bytes.push(0x01);
    assert_eq!(decode_error(&bytes), Error::MalformedProtobuf);
}
