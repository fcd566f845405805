//! The fields of a RatchetMessage: its ratchet key and ciphertext.

use crate::support::*;
use hushwire::Error;

#[test]
fn missing_ratchet_key() {
    let (mut pair, wire) = ratchet_wire(120);
    let bad = edit_ratchet(&wire, |m| m.ratchet_key.clear());
    refused(
        &mut pair.bob,
        &bad,
        Error::InvalidLength {
            field: "ratchet_key",
            expected: 32,
            found: 0,
        },
    );
}

#[test]
fn ratchet_key_of_wrong_length() {
    let (mut pair, wire) = ratchet_wire(121);
    for len in [31usize, 33] {
        let bad = edit_ratchet(&wire, |m| m.ratchet_key.resize(len, 0x42));
        refused(
            &mut pair.bob,
            &bad,
            Error::InvalidLength {
                field: "ratchet_key",
                expected: 32,
                found: len,
            },
        );
    }
}

#[test]
fn low_order_ratchet_key() {
    let (mut pair, wire) = ratchet_wire(122);
    for point in LOW_ORDER_X25519 {
        let bad = edit_ratchet(&wire, |m| m.ratchet_key = point.to_vec());
        refused(&mut pair.bob, &bad, Error::LowOrderPublicKey);
    }
}

#[test]
fn non_canonical_ratchet_key() {
    let (mut pair, wire) = ratchet_wire(123);
    for point in NON_CANONICAL_X25519 {
        let bad = edit_ratchet(&wire, |m| m.ratchet_key = hex32(point));
        refused(&mut pair.bob, &bad, Error::InvalidPublicKey);
    }
}

#[test]
fn ciphertext_shorter_than_the_tag() {
    let (mut pair, wire) = ratchet_wire(124);
    let bad = edit_ratchet(&wire, |m| m.ciphertext.truncate(15));
    refused(
        &mut pair.bob,
        &bad,
        Error::InvalidLength {
            field: "ciphertext",
            expected: 16,
            found: 15,
        },
    );
}

#[test]
fn missing_ciphertext() {
    let (mut pair, wire) = ratchet_wire(125);
    let bad = edit_ratchet(&wire, |m| m.ciphertext.clear());
    refused(
        &mut pair.bob,
        &bad,
        Error::InvalidLength {
            field: "ciphertext",
            expected: 16,
            found: 0,
        },
    );
}
