//! Prekey bundles (`PreKeyBundleIn::decode` then `validate`).

use crate::common::*;
use crate::support::*;
use hushwire::{Error, IdentityKeyPair, PreKeyBundle, PreKeyBundleIn};

#[test]
fn bundle_with_a_bad_signature() {
    let bad = edit_bundle(180, |b| {
        b.signed_prekey.as_mut().unwrap().signature[10] ^= 0x04;
    });
    assert_eq!(bundle_error(&bad), Error::InvalidSignature);
}

#[test]
fn bundle_with_a_changed_signed_field() {
    let bad = edit_bundle(181, |b| b.signed_prekey.as_mut().unwrap().created_at += 1);
    assert_eq!(bundle_error(&bad), Error::InvalidSignature);
    let bad = edit_bundle(181, |b| b.signed_prekey.as_mut().unwrap().id += 1);
    assert_eq!(bundle_error(&bad), Error::InvalidSignature);
}

#[test]
fn bundle_with_a_non_canonical_signature() {
    // S + L, where L is the order of the Ed25519 base point: the same signature under a
    // lax verifier, refused by verify_strict.
    let l = hex32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    let bad = edit_bundle(182, |b| {
        let signature = &mut b.signed_prekey.as_mut().unwrap().signature;
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(signature[32 + i]) + u16::from(l[i]) + carry;
            signature[32 + i] = sum as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0);
    });
    assert_eq!(bundle_error(&bad), Error::InvalidSignature);
}

#[test]
fn bundle_signature_of_wrong_length() {
    let bad = edit_bundle(183, |b| {
        b.signed_prekey.as_mut().unwrap().signature.pop();
    });
    assert_eq!(
        bundle_error(&bad),
        Error::InvalidLength {
            field: "signed_prekey.signature",
            expected: 64,
            found: 63
        }
    );
}

#[test]
fn bundle_without_a_signed_prekey() {
    let bad = edit_bundle(184, |b| b.signed_prekey = None);
    assert_eq!(
        bundle_error(&bad),
        Error::MissingField {
            field: "signed_prekey"
        }
    );
}

#[test]
fn bundle_of_wrong_version() {
    let bad = edit_bundle(185, |b| b.version = 2);
    assert_eq!(bundle_error(&bad), Error::UnsupportedVersion { found: 2 });
}

#[test]
fn bundle_with_a_low_order_signed_prekey() {
    for point in LOW_ORDER_X25519 {
        let bad = edit_bundle(186, |b| {
            b.signed_prekey.as_mut().unwrap().public_key = point.to_vec();
        });
        assert_eq!(bundle_error(&bad), Error::LowOrderPublicKey);
    }
}

#[test]
fn bundle_with_a_signed_prekey_of_wrong_length() {
    let bad = edit_bundle(187, |b| {
        b.signed_prekey.as_mut().unwrap().public_key.truncate(16);
    });
    assert_eq!(
        bundle_error(&bad),
        Error::InvalidLength {
            field: "signed_prekey.public_key",
            expected: 32,
            found: 16
        }
    );
}

#[test]
fn bundle_with_a_one_time_prekey_of_wrong_length() {
    let bad = edit_bundle(188, |b| {
        b.one_time_prekey.as_mut().unwrap().public_key.clear()
    });
    assert_eq!(
        bundle_error(&bad),
        Error::InvalidLength {
            field: "one_time_prekey.public_key",
            expected: 32,
            found: 0
        }
    );
}

#[test]
fn bundle_with_a_non_canonical_one_time_prekey() {
    for point in NON_CANONICAL_X25519 {
        let bad = edit_bundle(189, |b| {
            b.one_time_prekey.as_mut().unwrap().public_key = hex32(point);
        });
        assert_eq!(bundle_error(&bad), Error::InvalidPublicKey);
    }
}

#[test]
fn truncated_and_padded_bundles() {
    let good = edit_bundle(190, |_| {});
    assert_eq!(
        bundle_error(&good[..good.len() - 1]),
        Error::MalformedProtobuf
    );
    let mut padded = good.clone();
    padded.extend_from_slice(&[0x38, 0x00]); // field 7 (unknown), varint 0
    assert_eq!(bundle_error(&padded), Error::NonCanonicalEncoding);
}

#[test]
fn a_valid_bundle_still_validates() {
    // The baseline every bundle test edits.
    let good = edit_bundle(191, |_| {});
    let bundle: PreKeyBundle = PreKeyBundleIn::decode(&good, &config())
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(bundle.encode(), good);
}

#[test]
fn bundle_identity_key_of_wrong_length() {
    let bad = edit_bundle(240, |b| b.identity_key.truncate(31));
    assert_eq!(
        bundle_error(&bad),
        Error::InvalidLength {
            field: "identity_key",
            expected: 32,
            found: 31
        }
    );
}

#[test]
fn bundle_identity_key_not_on_the_curve() {
    let bad = edit_bundle(241, |b| b.identity_key = off_curve_identity_key());
    assert_eq!(bundle_error(&bad), Error::InvalidPublicKey);
}

#[test]
fn bundle_identity_key_non_canonical_encoding() {
    // y >= p; and y = 1 (x = 0) with the sign bit set, which would otherwise decode to the
    // neutral element: the byte check refuses both before decompression.
    let sign_on_zero_x = hex32("0100000000000000000000000000000000000000000000000000000000000080");
    for key in [non_canonical_identity_key(), sign_on_zero_x] {
        let bad = edit_bundle(242, |b| b.identity_key = key);
        assert_eq!(bundle_error(&bad), Error::InvalidPublicKey);
    }
}

#[test]
fn bundle_with_a_low_order_identity_key() {
    // The neutral element (y = 1) and the point of order 2 (y = -1).
    for point in [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ] {
        let bad = edit_bundle(243, |b| b.identity_key = hex32(point));
        assert_eq!(bundle_error(&bad), Error::LowOrderPublicKey);
    }
}

#[test]
fn bundle_with_a_low_order_one_time_prekey() {
    for point in LOW_ORDER_X25519 {
        let bad = edit_bundle(244, |b| {
            b.one_time_prekey.as_mut().unwrap().public_key = point.to_vec();
        });
        assert_eq!(bundle_error(&bad), Error::LowOrderPublicKey);
    }
}

#[test]
fn bundle_with_a_non_canonical_signed_prekey() {
    for point in NON_CANONICAL_X25519 {
        let bad = edit_bundle(245, |b| {
            b.signed_prekey.as_mut().unwrap().public_key = hex32(point);
        });
        assert_eq!(bundle_error(&bad), Error::InvalidPublicKey);
    }
}

#[test]
fn bundle_with_another_identity_key() {
    // A server swaps in another valid identity key: the bundle decodes, and the signed
    // prekey's signature does not verify under the new key.
    let mallory = IdentityKeyPair::generate(&mut rng(11));
    let bad = edit_bundle(246, |b| {
        assert_ne!(b.identity_key, mallory.public_key().to_bytes());
        b.identity_key = mallory.public_key().to_bytes().to_vec();
    });
    let unverified = PreKeyBundleIn::decode(&bad, &config()).unwrap();
    assert_eq!(unverified.validate().unwrap_err(), Error::InvalidSignature);
}

#[test]
fn a_bundle_from_a_prekey_another_identity_signed_is_refused() {
    let mut rng = rng(10);
    let bob = IdentityKeyPair::generate(&mut rng);
    let mallory = IdentityKeyPair::generate(&mut rng);
    let signed_by_mallory = hushwire::SignedPreKeyPair::generate(
        &mut rng,
        &mallory,
        hushwire::SignedPreKeyId(1),
        hushwire::Timestamp::default(),
    );
    assert_eq!(
        PreKeyBundle::new(&bob, &signed_by_mallory, None),
        Err(Error::InvalidSignature)
    );
    let signed_by_bob = hushwire::SignedPreKeyPair::generate(
        &mut rng,
        &bob,
        hushwire::SignedPreKeyId(1),
        hushwire::Timestamp::default(),
    );
    assert!(PreKeyBundle::new(&bob, &signed_by_bob, None).is_ok());
    // The same from the public halves, as a server assembles a bundle.
    assert_eq!(
        PreKeyBundle::from_public(bob.public_key(), signed_by_mallory.public(), None),
        Err(Error::InvalidSignature)
    );
    assert!(PreKeyBundle::from_public(bob.public_key(), signed_by_bob.public(), None).is_ok());
}
