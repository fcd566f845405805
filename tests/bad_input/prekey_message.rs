//! The fields of a PreKeyMessage: the initiator's identity key, the base key and the inner
//! message.

use crate::support::*;
use hushwire::Error;

#[test]
fn identity_key_of_wrong_length() {
    let first = first_message(130, config());
    let bad = edit_prekey(&first.wire, |m| m.identity_key.truncate(31));
    assert_eq!(
        decode_error(&bad),
        Error::InvalidLength {
            field: "identity_key",
            expected: 32,
            found: 31
        }
    );
}

#[test]
fn identity_key_not_on_the_curve() {
    let first = first_message(131, config());
    let bad = edit_prekey(&first.wire, |m| m.identity_key = off_curve_identity_key());
    assert_eq!(decode_error(&bad), Error::InvalidPublicKey);
}

/// Regression test. This test found a bug, since fixed: `IdentityKey::from_field` once refused
/// non-canonical encodings by re-encoding the parsed key and comparing, but ed25519-dalek's
/// `VerifyingKey::to_bytes` returns the bytes the key was parsed from, so the comparison never
/// fired and a non-canonical identity key was accepted (comparing unequal to the canonical
/// encoding of the same point). src/identity.rs now checks the bytes first
/// (`is_canonical_encoding`: y < p, and no sign bit on x = 0), as SPEC.md 3.1 step 2 requires.
#[test]
fn identity_key_non_canonical_encoding() {
    let key = non_canonical_identity_key();
    assert_eq!(
        hushwire::IdentityKey::from_bytes(&key).unwrap_err(),
        Error::InvalidPublicKey
    );
    let first = first_message(132, config());
    let bad = edit_prekey(&first.wire, |m| m.identity_key = key);
    assert_eq!(decode_error(&bad), Error::InvalidPublicKey);
}

#[test]
fn low_order_identity_key() {
    let first = first_message(133, config());
    // The neutral element (y = 1) and the point of order 2 (y = -1).
    for point in [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ] {
        let bad = edit_prekey(&first.wire, |m| m.identity_key = hex32(point));
        assert_eq!(decode_error(&bad), Error::LowOrderPublicKey);
    }
}

#[test]
fn base_key_of_wrong_length() {
    let first = first_message(134, config());
    let bad = edit_prekey(&first.wire, |m| m.base_key.push(0));
    assert_eq!(
        decode_error(&bad),
        Error::InvalidLength {
            field: "base_key",
            expected: 32,
            found: 33
        }
    );
}

#[test]
fn low_order_base_key() {
    let first = first_message(135, config());
    for point in LOW_ORDER_X25519 {
        let bad = edit_prekey(&first.wire, |m| m.base_key = point.to_vec());
        assert_eq!(decode_error(&bad), Error::LowOrderPublicKey);
    }
}

#[test]
fn non_canonical_base_key() {
    let first = first_message(136, config());
    for point in NON_CANONICAL_X25519 {
        let bad = edit_prekey(&first.wire, |m| m.base_key = hex32(point));
        assert_eq!(decode_error(&bad), Error::InvalidPublicKey);
    }
}

#[test]
fn prekey_message_without_inner_message() {
    let first = first_message(137, config());
    let bad = edit_prekey(&first.wire, |m| m.message = None);
    assert_eq!(decode_error(&bad), Error::MissingField { field: "message" });
}
